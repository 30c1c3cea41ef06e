/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "fs.h"
#include "macro.h"
#include "nsswitch.h"
#include "banned.h"

bool tn_nsswitch_find(const char *text, const char *db, const char **ret, size_t *ret_len)
{
	size_t dl = strlen(db);

	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n'), *q = p;
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		while (q < p + n && (*q == ' ' || *q == '\t'))
			q++;
		if ((size_t)(p + n - q) > dl && strncasecmp(q, db, dl) == 0 && q[dl] == ':') {
			*ret = q + dl + 1;
			*ret_len = (size_t)(p + n - *ret);
			return true;
		}
		p = eol ? eol + 1 : NULL;
	}
	return false;
}

bool tn_nsswitch_enumerates_all(const char *text, const char *db)
{
	static const char *const complete[] = { "files", "systemd", "compat", "db" };
	const char *p, *end;
	size_t n;

	if (!text || !tn_nsswitch_find(text, db, &p, &n))
		return true;
	end = p + n;
	while (p < end) {
		size_t wl = 0;
		bool ok = false;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p < end && *p == '[') { /* an action like [NOTFOUND=return] */
			const char *close = memchr(p, ']', (size_t)(end - p));

			p = close ? close + 1 : end;
			continue;
		}
		if (p < end && *p == '#')
			break;
		while (p + wl < end && p[wl] != ' ' && p[wl] != '\t' && p[wl] != '[')
			wl++;
		if (wl == 0)
			break;
		for (size_t i = 0; i < ELEMENTSOF(complete); i++)
			ok = ok || (strlen(complete[i]) == wl && memcmp(complete[i], p, wl) == 0);
		if (!ok)
			return false;
		p += wl;
	}
	return true;
}

int tn_nsswitch_read(char **ret)
{
	size_t len;
	int r;

	*ret = NULL;
	r = tn_read_file(TN_NSSWITCH_PATH, 1024 * 1024, ret, &len, NULL);
	if (r == -ENOENT)
		return 0;
	return r;
}
