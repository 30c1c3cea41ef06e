/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup hierarchies mounted here, from mountinfo, and what a container is shown of them
 * (cgroup.h). The parsers and the view's plan are pure; the loaders read /proc/self.
 */
#include <errno.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "cgroup-internal.h"
#include "fs.h"
#include "parse.h"
#include "banned.h"

#define ROOT		"/sys/fs/cgroup"
#define MOUNTINFO_MAX	(16u * 1024 * 1024)
#define MAX_FIELDS	64
#define SELF_CGROUP_MAX (1024u * 1024)

void tn_cgroup_hier_done(struct tn_cgroup_hier *e)
{
	free(e->mountpoint);
	free(e->root);
	free(e->options);
	free(e->dir);
}

void tn_cgroup_hiers_done(struct tn_cgroup_hiers *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n; i++)
		tn_cgroup_hier_done(&h->v[i]);
	free(h->v);
	*h = (struct tn_cgroup_hiers){ 0 };
}

bool tn_cgroup_hier_has(const struct tn_cgroup_hier *h, const char *c)
{
	return !h->v2 && tn_list_has(h->options, ",", c);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static char *unescape(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && n - i >= 4 && s[i + 1] >= '0' && s[i + 1] <= '3' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
			*o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
				      (s[i + 3] - '0'));
			i += 3;
			continue;
		}
		*o++ = s[i];
	}
	*o = '\0';
	return out;
}

/* The super options a fresh mount of the same v1 hierarchy takes: not rw/ro, never a release
 * agent (which a mount in a user namespace may not set). */
static char *hier_options(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		size_t len = strcspn(s + i, ",");

		len = MIN(len, n - i);
		if (!((len == 2 &&
		       (strncmp(s + i, "rw", 2) == 0 || strncmp(s + i, "ro", 2) == 0)) ||
		      (len >= 14 && strncmp(s + i, "release_agent=", 14) == 0))) {
			if (o != out)
				*o++ = ',';
			memcpy(o, s + i, len);
			o += len;
		}
		i += len + 1;
	}
	*o = '\0';
	return out;
}

struct fields {
	const char *p[MAX_FIELDS];
	size_t len[MAX_FIELDS];
	size_t n;
};

static void split(const char *line, size_t len, struct fields *f)
{
	f->n = 0;
	for (size_t i = 0; i < len && f->n < MAX_FIELDS;) {
		size_t k = strcspn(line + i, " ");

		k = MIN(k, len - i);
		if (k > 0) {
			f->p[f->n] = line + i;
			f->len[f->n++] = k;
		}
		i += k + 1;
	}
}

static bool field_is(const struct fields *f, size_t i, const char *s)
{
	return f->len[i] == strlen(s) && strncmp(f->p[i], s, f->len[i]) == 0;
}

/* /sys/fs/cgroup itself, or a directory right under it. */
static bool under_root(const char *mountpoint)
{
	size_t n = strlen(ROOT);

	if (strncmp(mountpoint, ROOT, n) != 0)
		return false;
	return mountpoint[n] == '\0' ||
	       (mountpoint[n] == '/' && mountpoint[n + 1] && !strchr(mountpoint + n + 1, '/'));
}

static int add_hier(struct tn_cgroup_hiers *h, struct tn_cgroup_hier *e)
{
	struct tn_cgroup_hier *v = reallocarray(h->v, h->n + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	h->v = v;
	h->v[h->n++] = *e;
	*e = (struct tn_cgroup_hier){ 0 };
	return 0;
}

/* The "MAJOR:MINOR" field. */
static int parse_dev(const char *p, size_t n, dev_t *ret)
{
	const char *colon = memchr(p, ':', n);
	uint32_t major, minor;

	if (!colon || tn_parse_u32_n(p, (size_t)(colon - p), &major) < 0 ||
	    tn_parse_u32_n(colon + 1, n - (size_t)(colon - p) - 1, &minor) < 0)
		return -EINVAL;
	*ret = makedev(major, minor);
	return 0;
}

/* One line: 0 with *e filled for a cgroup mount under /sys/fs/cgroup, 1 to skip, or -errno. */
static int parse_line(const char *line, size_t len, struct tn_cgroup_hier *e)
{
	_cleanup_free_ char *mountpoint = NULL, *root = NULL, *options = NULL;
	struct fields f;
	size_t sep = 0;
	dev_t dev;
	bool v2;

	split(line, len, &f);
	for (size_t i = 6; i < f.n && !sep; i++)
		if (field_is(&f, i, "-"))
			sep = i;
	if (!sep || sep + 3 >= f.n)
		return -EINVAL;
	if (!field_is(&f, sep + 1, "cgroup") && !field_is(&f, sep + 1, "cgroup2"))
		return 1;
	if (parse_dev(f.p[2], f.len[2], &dev) < 0)
		return -EINVAL;
	mountpoint = unescape(f.p[4], f.len[4]);
	if (!mountpoint)
		return -ENOMEM;
	if (!under_root(mountpoint))
		return 1;
	v2 = field_is(&f, sep + 1, "cgroup2");
	root = unescape(f.p[3], f.len[3]);
	options = v2 ? strdup("") : hier_options(f.p[sep + 3], f.len[sep + 3]);
	if (!root || !options)
		return -ENOMEM;
	*e = (struct tn_cgroup_hier){ .mountpoint = TAKE_PTR(mountpoint),
				      .root = TAKE_PTR(root),
				      .options = TAKE_PTR(options),
				      .v2 = v2,
				      .dev = dev };
	return 0;
}

/* One line of mountinfo into h when it is a cgroup mount under /sys/fs/cgroup. */
static int parse_into(struct tn_cgroup_hiers *h, const char *line, size_t len)
{
	_cleanup_(tn_cgroup_hier_done) struct tn_cgroup_hier e = { 0 };
	int r;

	if (len == 0)
		return 0;
	r = parse_line(line, len, &e);
	if (r < 0)
		return r;
	if (r > 0)
		return 0; /* skipped */
	return add_hier(h, &e);
}

int tn_cgroup_hiers_parse(const char *mountinfo, struct tn_cgroup_hiers *ret)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };

	for (const char *line = mountinfo; *line;) {
		size_t len = strcspn(line, "\n");
		int r = parse_into(&h, line, len);

		if (r < 0)
			return r;
		line += len + (line[len] == '\n');
	}
	*ret = h;
	h = (struct tn_cgroup_hiers){ 0 }; /* now *ret's */
	return 0;
}

/* What the mount point resolves to is this mount (no later mount covers it). */
static bool reachable(const struct tn_cgroup_hier *e)
{
	struct stat st;

	return stat(e->mountpoint, &st) == 0 && st.st_dev == e->dev;
}

/* A later mount at the same mount point hides this one (a bind of a sub-cgroup over the whole
 * hierarchy: the same device, another root). */
static bool covered(const struct tn_cgroup_hiers *all, size_t i)
{
	for (size_t k = i + 1; k < all->n; k++)
		if (strcmp(all->v[k].mountpoint, all->v[i].mountpoint) == 0)
			return true;
	return false;
}

/* On a unified host only /sys/fs/cgroup itself; one mount per hierarchy, the first one no later
 * mount covers. */
static bool keep(const struct tn_cgroup_hiers *all, size_t i, const struct tn_cgroup_hiers *kept,
		 bool unified)
{
	const struct tn_cgroup_hier *e = &all->v[i];

	if (unified && (!e->v2 || strcmp(e->mountpoint, ROOT) != 0))
		return false;
	if (covered(all, i))
		return false;
	for (size_t k = 0; k < kept->n; k++)
		if (kept->v[k].dev == e->dev)
			return false;
	return reachable(e);
}

/* The initial cgroup namespace's inode (include/linux/proc_ns.h). */
#define CGROUP_NS_INIT_INO 0xEFFFFFFBu

/*
 * The common case without mountinfo: /sys/fs/cgroup is a cgroup2 mount of the whole hierarchy
 * (its root directory, inode 1 of the kernfs) seen from the initial cgroup namespace, so its
 * mountinfo root is "/" and it is all a unified host has. 1 when it is not so (mountinfo
 * tells), 0 with *ret filled.
 */
static int load_unified(struct tn_cgroup_hiers *ret)
{
	_cleanup_(tn_cgroup_hier_done) struct tn_cgroup_hier e = { .v2 = true };
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { .layout = TN_CGROUP_V2 };
	struct statfs sf;
	struct stat st, ns;
	int r;

	if (statfs(ROOT, &sf) < 0 || sf.f_type != CGROUP2_SUPER_MAGIC || stat(ROOT, &st) < 0 ||
	    st.st_ino != 1 || stat("/proc/self/ns/cgroup", &ns) < 0 ||
	    ns.st_ino != CGROUP_NS_INIT_INO)
		return 1;
	e.mountpoint = strdup(ROOT);
	e.root = strdup("/");
	e.options = strdup("");
	e.dev = st.st_dev;
	if (!e.mountpoint || !e.root || !e.options)
		return -ENOMEM;
	r = add_hier(&h, &e);
	if (r < 0)
		return r;
	*ret = h;
	h = (struct tn_cgroup_hiers){ 0 }; /* now *ret's */
	return 0;
}

static int load_mountinfo(struct tn_cgroup_hiers *ret)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers all = { 0 };
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	_cleanup_free_ char *text = NULL;
	bool unified = false, v1 = false;
	size_t len;
	int r = tn_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &text, &len, NULL);

	if (r < 0)
		return r;
	r = tn_cgroup_hiers_parse(text, &all);
	if (r < 0)
		return r;
	for (size_t i = 0; i < all.n; i++)
		if (all.v[i].v2 && strcmp(all.v[i].mountpoint, ROOT) == 0 && reachable(&all.v[i]))
			unified = true;
	for (size_t i = 0; i < all.n; i++) {
		if (!keep(&all, i, &h, unified))
			continue;
		v1 = v1 || !all.v[i].v2;
		r = add_hier(&h, &all.v[i]);
		if (r < 0)
			return r;
	}
	h.layout = unified ? TN_CGROUP_V2 : v1 ? TN_CGROUP_V1 : TN_CGROUP_NONE;
	if (h.layout == TN_CGROUP_NONE)
		tn_cgroup_hiers_done(&h);
	*ret = h;
	h = (struct tn_cgroup_hiers){ 0 }; /* now *ret's */
	return 0;
}

int tn_cgroup_hiers_load(struct tn_cgroup_hiers *ret)
{
	int r;

	*ret = (struct tn_cgroup_hiers){ 0 };
	r = load_unified(ret);
	return r > 0 ? load_mountinfo(ret) : r;
}

enum tn_cgroup_layout tn_cgroup_layout(void)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };

	if (tn_cgroup_hiers_load(&h) < 0)
		return TN_CGROUP_NONE;
	return h.layout;
}

const char *tn_cgroup_layout_name(enum tn_cgroup_layout l)
{
	return l == TN_CGROUP_V2 ? "v2" : l == TN_CGROUP_V1 ? "v1" : "none";
}

/* ---- the view ---- */

void tn_cgroup_view_done(struct tn_cgroup_view *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		free(v->v[i].name);
		free(v->v[i].source);
		free(v->v[i].options);
	}
	free(v->v);
	free(v->unified.source);
	*v = (struct tn_cgroup_view){ 0 };
}

/*
 * The path of the hierarchy's line of /proc/self/cgroup ("ID:CONTROLLERS:PATH"): v1, the line
 * whose first controller the hierarchy has; v2, "0::PATH". NULL when there is none.
 */
static const char *own_cgroup(const char *text, const struct tn_cgroup_hier *h, size_t *ret_len)
{
	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *c1 = memchr(line, ':', len), *c2;

		c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
		if (c2) {
			size_t n = strcspn(c1 + 1, ",:");
			bool match = h->v2 ? c2 == c1 + 1 && c1 - line == 1 && line[0] == '0'
					   : n > 0 && tn_list_has_n(h->options, ",", c1 + 1, n);

			if (match) {
				*ret_len = len - (size_t)(c2 + 1 - line);
				return c2 + 1;
			}
		}
		line += len + (line[len] == '\n');
	}
	return NULL;
}

/* No "." or ".." component: a path the kernel shows from outside a cgroup namespace. */
static bool plain_path(const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = i;

		while (k < n && p[k] != '/')
			k++;
		if ((k - i == 1 && p[i] == '.') || (k - i == 2 && p[i] == '.' && p[i + 1] == '.'))
			return false;
		i = k + 1;
	}
	return true;
}

/* mount point + (own - the mount's root), or NULL (-ENOENT) when own is not below the root. */
static int view_source(const struct tn_cgroup_hier *h, const char *own, size_t n, char **ret)
{
	size_t rn = strcmp(h->root, "/") == 0 ? 0 : strlen(h->root), rel;

	if (n == 0 || own[0] != '/' || !plain_path(own, n))
		return -ENOENT;
	if (rn && (n < rn || strncmp(own, h->root, rn) != 0 || (n > rn && own[rn] != '/')))
		return -ENOENT;
	rel = n - rn == 1 ? 0 : n - rn; /* "/": the mount point itself */
	return asprintf(ret, "%s%.*s", h->mountpoint, (int)rel, own + rn) < 0 ? -ENOMEM : 0;
}

/* An entry for hierarchy h; it takes `source` (freed on failure too). */
static int view_add(struct tn_cgroup_view *v, const struct tn_cgroup_hier *h, char *source)
{
	_cleanup_free_ char *src = source, *name = NULL, *options = NULL;
	struct tn_cgroup_view_entry *nv = reallocarray(v->v, v->n + 1, sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	v->v = nv;
	if (!h->v2) {
		name = strdup(strrchr(h->mountpoint, '/') + 1);
		options = strdup(h->options);
		if (!name || !options)
			return -ENOMEM;
	}
	v->v[v->n++] = (struct tn_cgroup_view_entry){ .name = TAKE_PTR(name),
						      .source = TAKE_PTR(src),
						      .options = TAKE_PTR(options) };
	return 0;
}

int tn_cgroup_view_plan(const struct tn_cgroup_hiers *h, const char *self_cgroup,
			struct tn_cgroup_view *ret)
{
	_cleanup_(tn_cgroup_view_done) struct tn_cgroup_view v = { .v2 = h->layout ==
									 TN_CGROUP_V2 };

	for (size_t i = 0; i < h->n; i++) {
		const struct tn_cgroup_hier *e = &h->v[i];
		_cleanup_free_ char *source = NULL;
		const char *own;
		size_t n = 0;
		int r;

		own = own_cgroup(self_cgroup, e, &n);
		if (!own)
			continue;
		r = view_source(e, own, n, &source);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		/* A hybrid host's cgroup2 hierarchy is joined, not in the view (as runc). */
		if (e->v2 != v.v2) {
			if (e->v2 && !v.unified.source)
				v.unified.source = TAKE_PTR(source);
			continue;
		}
		r = view_add(&v, e, TAKE_PTR(source));
		if (r < 0)
			return r;
	}
	*ret = v;
	v = (struct tn_cgroup_view){ 0 }; /* now *ret's */
	return 0;
}

/* ---- where a container's cgroup is ---- */

/* A relative path's parent in hierarchy e: the mount point + the creator's own cgroup there, or
 * the mount point itself when that cgroup is unknown or not below the mount's root. */
static int place_base(const struct tn_cgroup_hier *e, const char *self_cgroup, char **ret)
{
	size_t n = 0;
	const char *own = self_cgroup ? own_cgroup(self_cgroup, e, &n) : NULL;
	int r;

	if (own) {
		r = view_source(e, own, n, ret);
		if (r != -ENOENT)
			return r;
	}
	*ret = strdup(e->mountpoint);
	return *ret ? 0 : -ENOMEM;
}

int tn_cgroup_hiers_place(struct tn_cgroup_hiers *h, const char *path, const char *self_cgroup)
{
	for (size_t i = 0; i < h->n; i++) {
		struct tn_cgroup_hier *e = &h->v[i];
		_cleanup_free_ char *base = NULL;
		char *dir;
		int r;

		if (path[0] == '/') {
			base = strdup(e->mountpoint);
			r = base ? 0 : -ENOMEM;
		} else {
			r = place_base(e, self_cgroup, &base);
		}
		if (r < 0)
			return r;
		if (asprintf(&dir, "%s%s%s", base, path[0] == '/' ? "" : "/", path) < 0)
			return -ENOMEM;
		free(e->dir);
		e->dir = dir;
	}
	return 0;
}

int tn_cgroup_self(char **ret)
{
	size_t len;

	return tn_read_file("/proc/self/cgroup", SELF_CGROUP_MAX, ret, &len, NULL);
}

void tn_cgroup_self_up(char *text)
{
	for (char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		char *slash;

		if (len > 3 && strncmp(line, "0::/", 4) == 0) {
			slash = memrchr(line + 3, '/', len - 3);
			/* "0::/a/b" -> "0::/a", "0::/a" -> "0::/" */
			memmove(slash == line + 3 ? slash + 1 : slash, line + len,
				strlen(line + len) + 1);
			return;
		}
		line += len + (line[len] == '\n');
	}
}

int tn_cgroup_creator(char **ret)
{
	_cleanup_free_ char *text = NULL;
	struct statfs st;
	int r = tn_cgroup_self(&text);

	if (r < 0)
		return r;
	if (statfs(ROOT, &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
		tn_cgroup_self_up(text);
	*ret = TAKE_PTR(text);
	return 0;
}

int tn_cgroup_hiers_load_at(const struct tn_cgroup_at *at, struct tn_cgroup_hiers *ret)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	_cleanup_free_ char *self = NULL;
	int r = tn_cgroup_hiers_load(&h);

	if (r < 0)
		return r;
	/* A relative path of a state that did not keep its creator's cgroups: this process's. */
	if (at->path[0] != '/' && !at->parent) {
		r = tn_cgroup_creator(&self);
		if (r < 0)
			return r;
	}
	r = tn_cgroup_hiers_place(&h, at->path, at->parent ? at->parent : self);
	if (r < 0)
		return r;
	*ret = h;
	h = (struct tn_cgroup_hiers){ 0 }; /* now *ret's */
	return 0;
}

int tn_cgroup_view_load(struct tn_cgroup_view *ret)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = tn_cgroup_hiers_load(&h);

	if (r < 0)
		return r;
	r = tn_read_file("/proc/self/cgroup", SELF_CGROUP_MAX, &text, &len, NULL);
	if (r < 0)
		return r;
	return tn_cgroup_view_plan(&h, text, ret);
}
