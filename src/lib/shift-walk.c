/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two passes of a shift (shift-internal.h). Pass 1 reads every inode once and decides
 * where its owners go, so an owner without a place stops the shift before anything changes.
 * Pass 2 changes the inodes from that list, without reading the tree again: an llistxattr
 * says whether there is anything a chown clears (capabilities) or that moves with the owners
 * (ACLs), then the lchown. Threads split the list; an inode with several names goes to the
 * first thread only.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/capability.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "macro.h"
#include "parse.h"
#include "shift-internal.h"
#include "banned.h"

#define PROGRESS_EVERY 10000
#define MAX_THREADS    4

/* ---- IDs ---- */

static bool host_of(const struct tn_idmap *view, uint32_t seen, uint32_t *ret)
{
	if (!view) {
		*ret = seen;
		return true;
	}
	return tn_idmap_translate(view, seen, true, ret) == 0;
}

static bool seen_of(const struct tn_idmap *view, uint32_t host, uint32_t *ret)
{
	if (!view) {
		*ret = host;
		return true;
	}
	return tn_idmap_translate(view, host, false, ret) == 0;
}

/* Where host ID h goes: itself when `to` has it already (done), else to(from^-1(h)). */
static bool target(const struct tn_shift_walk *w, int k, uint32_t h, uint32_t *ret)
{
	uint32_t c;

	if (tn_idmap_translate(w->to[k], h, false, &c) == 0) {
		*ret = h;
		return true;
	}
	if (w->from[k]) {
		if (tn_idmap_translate(w->from[k], h, false, &c) < 0)
			return false;
	} else {
		c = h;
	}
	return tn_idmap_translate(w->to[k], c, true, ret) == 0;
}

bool tn_shift_seen(const struct tn_shift_walk *w, int k, uint32_t seen, uint32_t *ret)
{
	uint32_t h, t;

	return host_of(w->view[k], seen, &h) && target(w, k, h, &t) && seen_of(w->view[k], t, ret);
}

/* ---- pass 1 ---- */

static _Thread_local struct collect {
	struct tn_shift_walk *w;
	struct tn_shift_list *l;
	int r;
} * cur; /* nftw() passes no argument to its callback */

static int add(struct tn_shift_list *l, const char *path, const struct stat *st,
	       struct tn_shift_walk *w)
{
	size_t len = strlen(path) + 1;
	struct tn_shift_entry *e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		struct tn_shift_entry *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (l->len + len > l->paths_cap) {
		size_t cap = MAX(l->paths_cap * 2, l->len + len + 65536);
		char *p = realloc(l->paths, cap);

		if (!p)
			return -ENOMEM;
		l->paths = p;
		l->paths_cap = cap;
	}
	memcpy(l->paths + l->len, path, len);
	e = &l->v[l->n++];
	*e = (struct tn_shift_entry){ .path = l->len,
				      .uid = st->st_uid,
				      .gid = st->st_gid,
				      .mode = st->st_mode,
				      .linked = !S_ISDIR(st->st_mode) && st->st_nlink > 1 };
	l->len += len;
	if (!tn_shift_seen(w, 0, e->uid, &e->new_uid) || !tn_shift_seen(w, 1, e->gid, &e->new_gid))
		l->unmappable++;
	return 0;
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	if (type == FTW_NS || type == FTW_DNR) {
		cur->r = tn_error_set(cur->w->err, EACCES, "cannot read %s", path);
		return 1;
	}
	cur->r = add(cur->l, path, st, cur->w);
	return cur->r < 0;
}

int tn_shift_collect(struct tn_shift_walk *w, struct tn_shift_list *l)
{
	struct collect c = { .w = w, .l = l };
	int r;

	*l = (struct tn_shift_list){ 0 };
	cur = &c;
	r = nftw(w->req->root, visit, 32, FTW_PHYS | FTW_MOUNT);
	cur = NULL;
	if (c.r < 0)
		return c.r;
	return r < 0 ? tn_error_errno(w->err, errno, "cannot read %s", w->req->root) : 0;
}

void tn_shift_list_done(struct tn_shift_list *l)
{
	free(l->v);
	free(l->paths);
	*l = (struct tn_shift_list){ 0 };
}

/* ---- pass 2: what a chown clears or leaves behind ---- */

/* ACL entries of users and groups move with the owners. */
static int shift_acl(const struct tn_shift_walk *w, const char *path, const char *name)
{
	char buf[8192];
	ssize_t n = lgetxattr(path, name, buf, sizeof(buf));
	bool changed = false;

	if (n < (ssize_t)sizeof(struct posix_acl_xattr_header))
		return 0;
	for (size_t off = sizeof(struct posix_acl_xattr_header);
	     off + sizeof(struct posix_acl_xattr_entry) <= (size_t)n;
	     off += sizeof(struct posix_acl_xattr_entry)) {
		struct posix_acl_xattr_entry e;
		int k;
		uint32_t id;

		memcpy(&e, buf + off, sizeof(e));
		k = le16toh(e.e_tag) == ACL_USER ? 0 : le16toh(e.e_tag) == ACL_GROUP ? 1 : -1;
		if (k < 0 || !tn_shift_seen(w, k, le32toh(e.e_id), &id) || id == le32toh(e.e_id))
			continue;
		e.e_id = htole32(id);
		memcpy(buf + off, &e, sizeof(e));
		changed = true;
	}
	if (changed && lsetxattr(path, name, buf, (size_t)n, 0) < 0)
		return negative_errno();
	return 0;
}

/* The file capabilities, with a v3 root ID moved like an owner. */
static int put_caps(const struct tn_shift_walk *w, const char *path, char *caps, size_t len)
{
	struct vfs_ns_cap_data d;
	uint32_t id;

	if (len == sizeof(d)) {
		memcpy(&d, caps, sizeof(d));
		if ((le32toh(d.magic_etc) & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_3 &&
		    tn_shift_seen(w, 0, le32toh(d.rootid), &id)) {
			d.rootid = htole32(id);
			memcpy(caps, &d, sizeof(d));
		}
	}
	return lsetxattr(path, "security.capability", caps, len, 0) < 0 ? negative_errno() : 0;
}

/* user.tenant.keep: "MODE\n" (decimal) then the capabilities, if any. */
static int restore_keep(const struct tn_shift_walk *w, const char *path)
{
	char buf[256];
	ssize_t n = lgetxattr(path, TN_SHIFT_KEEP, buf, sizeof(buf) - 1);
	char *nl;
	uint32_t mode;
	int r = 0;

	if (n < 0)
		return errno == ENODATA || errno == ENOTSUP ? 0 : negative_errno();
	buf[n] = '\0';
	nl = memchr(buf, '\n', (size_t)n);
	if (!nl || tn_parse_u32_n(buf, (size_t)(nl - buf), &mode) < 0)
		return -EBADMSG;
	if (chmod(path, mode & 07777) < 0)
		r = negative_errno();
	if (r == 0 && n > nl + 1 - buf)
		r = put_caps(w, path, nl + 1, (size_t)(n - (nl + 1 - buf)));
	if (r == 0 && lremovexattr(path, TN_SHIFT_KEEP) < 0)
		r = negative_errno();
	return r;
}

static int save_keep(const char *path, mode_t mode, bool caps)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%u\n", (unsigned)(mode & 07777));
	ssize_t nc =
		caps ? lgetxattr(path, "security.capability", buf + n, sizeof(buf) - (size_t)n) : 0;

	if (nc < 0)
		return negative_errno();
	return lsetxattr(path, TN_SHIFT_KEEP, buf, (size_t)n + (size_t)nc, 0) < 0 ? negative_errno()
										  : 0;
}

/* A file as its directory's fd and its name there (the directory kept open between files). */
struct at {
	int dir;
	const char *name;
	char *dir_path; /* of `dir` */
};

static void at_close(struct at *a)
{
	if (a->dir >= 0)
		close(a->dir);
	free(a->dir_path);
	*a = (struct at){ .dir = AT_FDCWD };
}

/* Point `a` at `path`, reopening the directory only when it changes. */
static int at_path(struct at *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;

	if (a->dir_path && slash && strlen(a->dir_path) == len &&
	    memcmp(a->dir_path, path, len) == 0) {
		a->name = slash + 1;
		return 0;
	}
	at_close(a);
	a->name = path; /* the root of the walk, or a directory that cannot be opened */
	if (!slash || len == 0)
		return 0;
	a->dir_path = strndup(path, len);
	if (!a->dir_path)
		return -ENOMEM;
	a->dir = open(a->dir_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a->dir < 0)
		a->dir = AT_FDCWD;
	else
		a->name = slash + 1;
	return 0;
}

/* Whether the NUL-separated list names `name` (a list too long to read: assume it does). */
static bool has(const char *names, ssize_t len, const char *name)
{
	if (len < 0)
		return errno == ERANGE;
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1)
		if (strcmp(names + i, name) == 0)
			return true;
	return false;
}

/* listxattrat(2) (Linux 6.13) relative to the directory: no path walk per file. */
#if defined(__x86_64__) || defined(__aarch64__)
#define NR_LISTXATTRAT 465
#endif

static ssize_t list_xattrs(const struct at *a, const char *path, char *buf, size_t len)
{
#ifdef NR_LISTXATTRAT
	static atomic_bool missing;

	if (!atomic_load(&missing)) {
		ssize_t n = syscall(NR_LISTXATTRAT, a->dir, a->name, AT_SYMLINK_NOFOLLOW, buf, len);

		if (n >= 0 || errno != ENOSYS)
			return n;
		atomic_store(&missing, true);
	}
#endif
	return llistxattr(path, buf, len);
}

static int apply_one(const struct tn_shift_walk *w, const char *path, const struct at *a,
		     const struct tn_shift_entry *e)
{
	bool chg = e->new_uid != e->uid || e->new_gid != e->gid, lnk = S_ISLNK(e->mode);
	char names[4096];
	ssize_t nl = 0;
	bool keep;
	int r = 0;

	if (lnk)
		return chg && fchownat(a->dir, a->name, e->new_uid, e->new_gid,
				       AT_SYMLINK_NOFOLLOW) < 0
			       ? negative_errno()
			       : 0;
	if (chg || w->resuming)
		nl = list_xattrs(a, path, names, sizeof(names));
	if (chg) {
		keep = !S_ISDIR(e->mode) &&
		       ((e->mode & (S_ISUID | S_ISGID)) || has(names, nl, "security.capability"));
		if (keep)
			r = save_keep(path, e->mode, has(names, nl, "security.capability"));
		if (r == 0 &&
		    fchownat(a->dir, a->name, e->new_uid, e->new_gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = negative_errno();
		if (r == 0 && keep)
			r = restore_keep(w, path);
	} else if (has(names, nl, TN_SHIFT_KEEP)) {
		r = restore_keep(w, path); /* a shift killed between the chown and this */
	}
	if (r == 0 && has(names, nl, "system.posix_acl_access"))
		r = shift_acl(w, path, "system.posix_acl_access");
	if (r == 0 && S_ISDIR(e->mode) && has(names, nl, "system.posix_acl_default"))
		r = shift_acl(w, path, "system.posix_acl_default");
	return r;
}

/* ---- pass 2: threads ---- */

struct worker {
	const struct tn_shift_walk *w;
	const struct tn_shift_list *l;
	size_t index, n_workers;
	bool mine[MAX_THREADS]; /* the shares (i % n_workers) this worker does */
	atomic_bool *stop;
	uint64_t files, changed;
	struct tn_error *err;
	int r;
};

static void *work(void *data)
{
	struct worker *k = data;
	const struct tn_shift_walk *w = k->w;
	struct at a = { .dir = AT_FDCWD };

	for (size_t i = 0; i < k->l->n && !atomic_load(k->stop); i++) {
		const struct tn_shift_entry *e = &k->l->v[i];
		const char *path = k->l->paths + e->path;

		/* an inode of several names goes to worker 0 alone */
		if (e->linked ? k->index != 0 : !k->mine[i % k->n_workers])
			continue;
		k->r = at_path(&a, path);
		if (k->r == 0)
			k->r = apply_one(w, path, &a, e);
		if (k->r < 0) {
			tn_error_errno(&k->err, -k->r, "cannot shift %s", path);
			atomic_store(k->stop, true);
			break;
		}
		k->files++;
		k->changed += e->new_uid != e->uid || e->new_gid != e->gid;
		if (k->index == 0 && k->files % PROGRESS_EVERY == 0 && w->req->progress)
			w->req->progress(w->req->progress_data, k->files * k->n_workers);
	}
	at_close(&a);
	return NULL;
}

int tn_shift_apply(struct tn_shift_walk *w, const struct tn_shift_list *l)
{
	struct worker k[MAX_THREADS];
	pthread_t t[MAX_THREADS];
	bool running[MAX_THREADS] = { false };
	atomic_bool stop = false;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = l->n < 2048 || cpus < 2 ? 1 : (size_t)MIN(cpus, (long)MAX_THREADS);
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		k[i] = (struct worker){ .w = w, .l = l, .index = i, .n_workers = n, .stop = &stop };
		k[i].mine[i] = true;
	}
	for (size_t i = 1; i < n; i++) {
		running[i] = pthread_create(&t[i], NULL, work, &k[i]) == 0;
		if (!running[i]) /* its share is worker 0's */
			k[0].mine[i] = true;
	}
	work(&k[0]);
	for (size_t i = 1; i < n; i++)
		if (running[i])
			pthread_join(t[i], NULL);
	for (size_t i = 0; i < n; i++) {
		w->res->files += k[i].files;
		w->res->changed += k[i].changed;
		if (k[i].r < 0 && r == 0) {
			r = k[i].r;
			tn_error_set(w->err, -r, "%s", k[i].err->message);
		}
		tn_error_free(k[i].err);
	}
	return r;
}
