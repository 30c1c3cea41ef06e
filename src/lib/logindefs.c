/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "fs.h"
#include "idrange.h"
#include "logindefs.h"
#include "parse.h"
#include "banned.h"

static const struct {
	const char *key;
	int db;
	size_t field; /* offset in struct tn_subid_defs */
	size_t line_field;
} keys[] = {
	{ "SUB_UID_MIN", 0, offsetof(struct tn_subid_defs, min),
	  offsetof(struct tn_subid_defs, line_min) },
	{ "SUB_UID_MAX", 0, offsetof(struct tn_subid_defs, max),
	  offsetof(struct tn_subid_defs, line_max) },
	{ "SUB_UID_COUNT", 0, offsetof(struct tn_subid_defs, count),
	  offsetof(struct tn_subid_defs, line_count) },
	{ "SUB_GID_MIN", 1, offsetof(struct tn_subid_defs, min),
	  offsetof(struct tn_subid_defs, line_min) },
	{ "SUB_GID_MAX", 1, offsetof(struct tn_subid_defs, max),
	  offsetof(struct tn_subid_defs, line_max) },
	{ "SUB_GID_COUNT", 1, offsetof(struct tn_subid_defs, count),
	  offsetof(struct tn_subid_defs, line_count) },
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One "KEY VALUE" line; values may be double-quoted, as shadow's getdef allows. */
static int parse_line(const char *p, size_t n, uint32_t line, const char *path,
		      struct tn_subid_defs defs[2], struct tn_error **err)
{
	const char *end = p + n, *k, *v;
	size_t kl, vl;
	int r;

	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if (p == end || *p == '#')
		return 0;
	for (k = p; p < end && !is_space(*p); p++)
		;
	kl = (size_t)(p - k);
	while (p < end && is_space(*p))
		p++;
	v = p;
	vl = (size_t)(end - p);
	if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
		v++, vl -= 2;
	for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
		uint64_t val;

		if (strlen(keys[i].key) != kl || memcmp(keys[i].key, k, kl) != 0)
			continue;
		if (tn_parse_u64_n(v, vl, &val) < 0 || val > TN_ID_MAX) {
			r = tn_error_set(err, EINVAL,
					 "'%s':%" PRIu32
					 ": %s '%.*s' is not an ID between 0 and 4294967294",
					 path, line, keys[i].key, (int)MIN(vl, 32), v);
			return tn_error_hint(err, r, "write it in decimal");
		}
		*(uint64_t *)((char *)&defs[keys[i].db] + keys[i].field) = val;
		*(uint32_t *)((char *)&defs[keys[i].db] + keys[i].line_field) = line;
	}
	return 0;
}

/* shadow's own sanity rule for the three values (useradd says "Invalid configuration"). */
static int check_defs(const struct tn_subid_defs *d, const char *which, const char *path,
		      struct tn_error **err)
{
	int r;

	if (d->min > d->max || (d->count > 0 && d->count - 1 > d->max - d->min)) {
		r = tn_error_set(err, EINVAL,
				 "'%s': SUB_%s_MIN %" PRIu64 ", SUB_%s_MAX %" PRIu64
				 " and SUB_%s_COUNT %" PRIu64 " leave no room for a range",
				 path, which, d->min, which, d->max, which, d->count);
		return tn_error_hint(err, r,
				     "SUB_%s_MIN + SUB_%s_COUNT - 1 must not exceed SUB_%s_MAX",
				     which, which, which);
	}
	return 0;
}

int tn_logindefs_parse(const char *text, const char *path, struct tn_subid_defs defs[2],
		       struct tn_error **err)
{
	const char *p = text;
	uint32_t line = 0;
	int r;

	for (int i = 0; i < 2; i++)
		defs[i] = (struct tn_subid_defs){ .min = 100000, .max = 600100000, .count = 65536 };
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		r = parse_line(p, n, ++line, path, defs, err);
		if (r < 0)
			return r;
		p += n + (nl ? 1 : 0);
	}
	r = check_defs(&defs[0], "UID", path, err);
	if (r < 0)
		return r;
	return check_defs(&defs[1], "GID", path, err);
}

int tn_logindefs_load(const char *path, struct tn_subid_defs defs[2], struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = tn_read_file(path, 4 * 1024 * 1024, &text, &len, NULL);
	if (r == -ENOENT)
		return tn_logindefs_parse("", path, defs, err);
	if (r < 0)
		return tn_error_errno(err, r, "cannot read '%s'", path);
	if (memchr(text, '\0', len))
		return tn_error_set(err, EINVAL, "'%s' contains a NUL byte", path);
	return tn_logindefs_parse(text, path, defs, err);
}
