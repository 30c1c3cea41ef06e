/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <shadow/subid.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fs.h"
#include "nsswitch.h"
#include "subid-nss.h"
#include "banned.h"

#define LIBSUBID_SONAME "libsubid.so.4"
/* shadow ignores a module name longer than this and uses the files. */
#define MODULE_NAME_MAX 50

int tn_subid_nss_parse(const char *text, char **ret_module)
{
	const char *p, *end;
	size_t n, wl = 0;

	*ret_module = NULL;
	/* shadow reads only a line that starts in column 0, and only its first word. */
	if (!tn_nsswitch_find(text, "subid", &p, &n) || (p != text + 6 && p[-7] != '\n'))
		return 0;
	end = p + n;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p + wl < end && !isspace((unsigned char)p[wl]))
		wl++;
	if (wl == 0 || wl > MODULE_NAME_MAX || (wl == 5 && strncmp(p, "files", 5) == 0))
		return 0;
	*ret_module = strndup(p, wl);
	return *ret_module ? 0 : -ENOMEM;
}

int tn_subid_nss_module(char **ret_module, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	int r;

	*ret_module = NULL;
	r = tn_nsswitch_read(&text);
	if (r < 0)
		return tn_error_errno(err, r, "cannot read '%s'", TN_NSSWITCH_PATH);
	if (!text)
		return 0;
	r = tn_subid_nss_parse(text, ret_module);
	if (r < 0)
		return tn_error_errno(err, r, "cannot read '%s'", TN_NSSWITCH_PATH);
	return 0;
}

bool tn_subid_nss_module_loadable(const char *module, char **ret_why)
{
	_cleanup_free_ char *name = NULL;
	void *h;

	*ret_why = NULL;
	if (asprintf(&name, "libsubid_%s.so", module) < 0)
		return true; /* let libsubid itself try and report */
	h = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
	if (h) {
		dlclose(h);
		return true;
	}
	if (asprintf(ret_why, "/etc/nsswitch.conf names subid source '%s', but %s", module,
		     dlerror()) < 0)
		*ret_why = NULL;
	return false;
}

typedef bool (*subid_init_fn)(const char *, FILE *);
typedef int (*subid_get_ranges_fn)(const char *, struct subid_range **);

struct libsubid {
	void *handle;
	subid_init_fn init;
	subid_get_ranges_fn get[2]; /* indexed by enum tn_subid_db */
	FILE *log;		    /* libsubid's messages land here instead of on stderr */
	char *log_text;
	size_t log_len;
};

static struct libsubid libsubid;

static int libsubid_load(struct tn_error **err)
{
	int r;

	if (libsubid.handle)
		return 0;
	libsubid.handle = dlopen(LIBSUBID_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!libsubid.handle) {
		r = tn_error_set(err, ENOENT, "cannot load shadow's %s: %s", LIBSUBID_SONAME,
				 dlerror());
		return tn_error_hint(err, r, "install it: apt-get install libsubid4");
	}
	libsubid.init = (subid_init_fn)dlsym(libsubid.handle, "subid_init");
	libsubid.get[TN_SUBUID] =
		(subid_get_ranges_fn)dlsym(libsubid.handle, "subid_get_uid_ranges");
	libsubid.get[TN_SUBGID] =
		(subid_get_ranges_fn)dlsym(libsubid.handle, "subid_get_gid_ranges");
	if (!libsubid.init || !libsubid.get[TN_SUBUID] || !libsubid.get[TN_SUBGID]) {
		dlclose(libsubid.handle);
		libsubid.handle = NULL;
		return tn_error_set(err, ENOSYS, "%s lacks the subid_* functions", LIBSUBID_SONAME);
	}
	libsubid.log = open_memstream(&libsubid.log_text, &libsubid.log_len);
	if (libsubid.log)
		libsubid.init("tenant", libsubid.log);
	return 0;
}

/* What libsubid wrote since `from`, one line, newly allocated; NULL when nothing. */
static char *libsubid_log_since(size_t from)
{
	char *s;

	if (!libsubid.log || fflush(libsubid.log) != 0 || libsubid.log_len <= from)
		return NULL;
	s = strndup(libsubid.log_text + from, libsubid.log_len - from);
	if (s)
		for (char *c = s; *c; c++)
			if (*c == '\n')
				*c = (c[1] ? ' ' : '\0');
	return s;
}

static int copy_ranges(const struct subid_range *r, int n, const char *owner,
		       struct tn_subid_list *l)
{
	l->v = calloc((size_t)n, sizeof(*l->v));
	if (n > 0 && !l->v)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		/* A module is as untrusted as a file: unusable ranges are skipped. */
		if (tn_idrange_check(r[i].start, r[i].count) < 0) {
			l->n_nss_skipped++;
			continue;
		}
		l->v[l->n].range =
			(struct tn_idrange){ (uint32_t)r[i].start, (uint32_t)r[i].count };
		l->v[l->n].owner = strdup(owner);
		if (!l->v[l->n].owner)
			return -ENOMEM;
		l->n++;
	}
	return 0;
}

int tn_subid_nss_list(const char *module, enum tn_subid_db db, const struct tn_user *u,
		      struct tn_subid_list *l, struct tn_error **err)
{
	_cleanup_free_ struct subid_range *ranges = NULL;
	_cleanup_free_ char *numeric = NULL;
	const char *owner = u->name;
	size_t log_from;
	int n, r;

	r = libsubid_load(err);
	if (r < 0)
		return tn_error_wrap(err, r, "/etc/nsswitch.conf reads subid ranges from '%s'",
				     module);
	if (!owner) {
		if (asprintf(&numeric, "%" PRIu32, u->uid) < 0)
			return tn_error_errno(err, ENOMEM, "cannot list ranges");
		owner = numeric;
	}
	if (asprintf(&l->source, "nss:%s", module) < 0) {
		l->source = NULL;
		return tn_error_errno(err, ENOMEM, "cannot list ranges");
	}
	l->from_nss = true;
	log_from = libsubid.log_len;
	n = libsubid.get[db](owner, &ranges);
	l->note = libsubid_log_since(log_from);
	if (n < 0) {
		r = tn_error_set(err, EIO,
				 "libsubid ('%s' module) cannot list the %s ranges of '%s'%s%s",
				 module, tn_subid_db_name(db), owner, l->note ? ": " : "",
				 l->note ? l->note : "");
		return tn_error_hint(err, r,
				     "check the '%s' service, or read the files with --%s FILE",
				     module, tn_subid_db_name(db));
	}
	r = copy_ranges(ranges, n, owner, l);
	if (r < 0)
		return tn_error_errno(err, r, "cannot list ranges");
	return 0;
}
