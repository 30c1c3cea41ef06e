/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two passes of a shift (shift-internal.h). Pass 1 reads every inode once (tree-walk.h) and
 * decides where its owners go, so an owner without a place stops the shift before anything
 * changes. Pass 2 changes the inodes from that list, without reading the tree again, but never
 * trusting it either: the tree's owner may rename a directory and put a symlink in its place
 * while the shift runs. Each inode is reached from the top through directories opened without
 * following a symlink and checked against pass 1 (device, inode), then opened itself (O_PATH,
 * no symlink followed) and checked; what is done to it is decided from what it is now, through
 * that fd, and done through it.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "macro.h"
#include "shift-internal.h"
#include "tree-walk.h"
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

struct collect {
	struct tn_shift_walk *w;
	struct tn_shift_list *l;
	size_t dirs[TN_WALK_MAX_DEPTH]; /* the index of the directory open at each depth */
	struct link {
		uint64_t ino;
		nlink_t nlink;
		size_t index;
	} * links; /* the inodes of several names, to count their names here */
	size_t n_links;
};

static int grow(struct tn_shift_list *l, size_t path_len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		struct tn_shift_entry *v = reallocarray(l->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (l->len + path_len > l->paths_cap) {
		size_t cap = MAX(l->paths_cap * 2, l->len + path_len + 65536);
		char *p = realloc(l->paths, cap);

		if (!p)
			return -ENOMEM;
		l->paths = p;
		l->paths_cap = cap;
	}
	return 0;
}

static int note_link(struct collect *c, const struct stat *st)
{
	struct link *nv;

	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return 0;
	nv = reallocarray(c->links, c->n_links + 1, sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	c->links = nv;
	c->links[c->n_links++] = (struct link){ st->st_ino, st->st_nlink, c->l->n - 1 };
	return 0;
}

static int add(const struct tn_walk_entry *we, void *data)
{
	struct collect *c = data;
	struct tn_shift_list *l = c->l;
	const struct stat *st = we->st;
	size_t len = strlen(we->path) + 1;
	const char *slash = strrchr(we->path, '/');
	struct tn_shift_entry *e;
	int r = grow(l, len);

	if (r < 0)
		return r;
	memcpy(l->paths + l->len, we->path, len);
	e = &l->v[l->n];
	*e = (struct tn_shift_entry){ .path = l->len,
				      .name = l->len + (slash ? (size_t)(slash - we->path) + 1 : 0),
				      .parent = we->depth ? c->dirs[we->depth - 1] : 0,
				      .dev = st->st_dev,
				      .ino = st->st_ino,
				      .uid = st->st_uid,
				      .gid = st->st_gid,
				      .mode = st->st_mode,
				      .depth = (uint32_t)we->depth,
				      .linked = !S_ISDIR(st->st_mode) && st->st_nlink > 1 };
	if (S_ISDIR(st->st_mode))
		c->dirs[we->depth] = l->n;
	l->len += len;
	l->n++;
	if (!tn_shift_seen(c->w, 0, e->uid, &(uint32_t){ 0 }) ||
	    !tn_shift_seen(c->w, 1, e->gid, &(uint32_t){ 0 }))
		l->unmappable++;
	return note_link(c, st);
}

static int link_cmp(const void *a, const void *b)
{
	const struct link *x = a, *y = b;

	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

/* A file with a name outside the tree would be changed there too: refused, named. Each inode's
 * names are kept, for pass 2 to find them all again before it changes the inode. */
static int check_links(struct collect *c)
{
	const struct tn_shift_walk *w = c->w;
	struct tn_shift_list *l = c->l;
	int r;

	if (c->n_links)
		qsort(c->links, c->n_links, sizeof(*c->links), link_cmp);
	l->names = calloc(c->n_links + 1, sizeof(*l->names));
	if (!l->names)
		return -ENOMEM;
	l->n_names_all = c->n_links;
	for (size_t i = 0, j; i < c->n_links; i = j) {
		for (j = i + 1; j < c->n_links && c->links[j].ino == c->links[i].ino; j++)
			;
		for (size_t k = i; k < j; k++) {
			l->names[k] = c->links[k].index;
			l->v[c->links[k].index].names = i;
			l->v[c->links[k].index].n_names = j - i;
		}
		if (j - i >= (size_t)c->links[i].nlink)
			continue;
		r = tn_error_set(
			w->err, EXDEV,
			"%s/%s has %zu of its %zu hard links outside the tree: a shift would "
			"change the file there too",
			w->req->root, l->paths + l->v[c->links[i].index].path,
			(size_t)c->links[i].nlink - (j - i), (size_t)c->links[i].nlink);
		return tn_error_hint(w->err, r,
				     "replace it with a copy of its own (cp -a, then mv over "
				     "it), or shift the tree that holds all of its names");
	}
	return 0;
}

static void collect_free(struct collect *c)
{
	if (!c)
		return;
	free(c->links);
	free(c);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct collect *, collect_free)

int tn_shift_collect(struct tn_shift_walk *w, struct tn_shift_list *l)
{
	_cleanup_(collect_freep) struct collect *c = calloc(1, sizeof(*c));
	int r;

	*l = (struct tn_shift_list){ 0 };
	if (!c)
		return -ENOMEM;
	c->w = w;
	c->l = l;
	r = tn_walk(w->rootfd, w->req->root, 0, add, c, w->err);
	if (r == -ENOMEM)
		return tn_error_errno(w->err, ENOMEM, "cannot read %s", w->req->root);
	if (r < 0)
		return r;
	return check_links(c);
}

void tn_shift_list_done(struct tn_shift_list *l)
{
	free(l->v);
	free(l->paths);
	free(l->names);
	*l = (struct tn_shift_list){ 0 };
}

/* ---- pass 2: what a chown clears, and what moves with the owners ---- */

/*
 * An inode reached in pass 2: regular files and directories opened for reading (no symlink
 * followed, non-blocking), so that their extended attributes, owner and mode are changed through
 * the fd itself; anything else (a symlink, a device, a fifo, a socket) only as O_PATH, never
 * opened (a device's open has effects), and reached through /proc/self/fd for the rare xattr.
 */
struct inode {
	int fd;
	bool opath;
	char proc[32];
};

static void inode_done(struct inode *in)
{
	closep(&in->fd);
}

static ssize_t in_list(const struct inode *in, char *buf, size_t len)
{
	return in->opath ? listxattr(in->proc, buf, len) : flistxattr(in->fd, buf, len);
}

static ssize_t in_get(const struct inode *in, const char *name, void *buf, size_t len)
{
	return in->opath ? getxattr(in->proc, name, buf, len) : fgetxattr(in->fd, name, buf, len);
}

static int in_set(const struct inode *in, const char *name, const void *buf, size_t len)
{
	int r = in->opath ? setxattr(in->proc, name, buf, len, 0)
			  : fsetxattr(in->fd, name, buf, len, 0);

	return r < 0 ? negative_errno() : 0;
}

static int in_chown(const struct inode *in, uint32_t uid, uint32_t gid)
{
	int r = in->opath ? fchownat(in->fd, "", uid, gid, AT_EMPTY_PATH)
			  : fchown(in->fd, uid, gid);

	return r < 0 ? negative_errno() : 0;
}

static int in_chmod(const struct inode *in, mode_t mode)
{
	int r = in->opath ? chmod(in->proc, mode) : fchmod(in->fd, mode);

	return r < 0 ? negative_errno() : 0;
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

/* ACL entries of users and groups move with the owners. */
static int shift_acl(const struct tn_shift_walk *w, const struct inode *in, const char *name)
{
	char buf[8192];
	ssize_t n = in_get(in, name, buf, sizeof(buf));
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
	return changed ? in_set(in, name, buf, (size_t)n) : 0;
}

/*
 * The capabilities as they are to be put back: a v3 root ID moves like an owner; as host root, a
 * v2 capability (valid in every user namespace, the host's included) becomes v3 at the root ID
 * its implicit 0 moves to, so that it holds in the container's namespace and not on the host.
 * Rootless, the kernel itself writes v3 at the namespace's root. *ret_to_root: it would hold for
 * host root, from an ID that was not (dropped by the caller).
 */
static void move_caps(const struct tn_shift_walk *w, struct tn_shift_keep *k, bool *ret_to_root)
{
	struct vfs_ns_cap_data d = { 0 };
	uint32_t magic, id, old;

	*ret_to_root = false;
	if (k->caps_len < XATTR_CAPS_SZ_2)
		return;
	memcpy(&d, k->caps, MIN(k->caps_len, sizeof(d)));
	magic = le32toh(d.magic_etc);
	if ((magic & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_3 && k->caps_len == sizeof(d))
		old = le32toh(d.rootid);
	else if ((magic & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_2 && w->host_root)
		old = 0;
	else
		return;
	if (!tn_shift_seen(w, 0, old, &id))
		return;
	if (id == 0 && old != 0)
		*ret_to_root = true;
	if (id == 0)
		return; /* v2, or v3 at 0: as it was */
	d.magic_etc = htole32((magic & ~VFS_CAP_REVISION_MASK) | VFS_CAP_REVISION_3);
	d.rootid = htole32(id);
	memcpy(k->caps, &d, sizeof(d));
	k->caps_len = sizeof(d);
}

/* What a chown of the file clears, as it is now: its setuid/setgid bits and capabilities. */
static int keep_of(const struct tn_shift_walk *w, const struct inode *in, const struct stat *st,
		   bool caps, uint32_t nu, uint32_t ng, struct tn_shift_keep *ret)
{
	ssize_t n = caps ? in_get(in, "security.capability", ret->caps, sizeof(ret->caps)) : 0;
	bool to_root = false;

	if (n < 0 && errno != ENODATA)
		return negative_errno();
	ret->ino = st->st_ino;
	ret->mode = st->st_mode & 07777;
	ret->caps_len = n > 0 ? (size_t)n : 0;
	move_caps(w, ret, &to_root);
	/* Host root shifts nothing into setuid-root or host-wide capabilities that was not. */
	if (w->host_root && nu == 0 && st->st_uid != 0)
		ret->mode &= ~(uint32_t)S_ISUID;
	if (w->host_root && ng == 0 && st->st_gid != 0)
		ret->mode &= ~(uint32_t)S_ISGID;
	if (to_root)
		ret->caps_len = 0;
	return 0;
}

static int put_back(const struct inode *in, const struct tn_shift_keep *k)
{
	int r = in_chmod(in, k->mode);

	if (r < 0 || !k->caps_len)
		return r;
	return in_set(in, "security.capability", k->caps, k->caps_len);
}

/* Chown the file and put back what the chown clears, recorded first. */
static int chown_keeping(const struct tn_shift_walk *w, const struct inode *in,
			 const struct stat *st, const char *names, ssize_t nl, uint32_t nu,
			 uint32_t ng)
{
	bool caps = has(names, nl, "security.capability");
	struct tn_shift_keep k = { 0 };
	int r;

	if (S_ISDIR(st->st_mode) || !((st->st_mode & (S_ISUID | S_ISGID)) || caps))
		return in_chown(in, nu, ng);
	r = keep_of(w, in, st, caps, nu, ng, &k);
	if (r < 0)
		return r;
	r = tn_shift_record_keep(w->rec, &k);
	if (r < 0)
		return r;
	r = in_chown(in, nu, ng);
	if (r < 0)
		return r;
	r = put_back(in, &k);
	if (r < 0)
		return r;
	return tn_shift_record_kept(w->rec, k.ino);
}

/* What an interrupted shift recorded for an inode it had chowned already, put back now. */
static int put_back_pending(const struct tn_shift_walk *w, const struct inode *in,
			    const struct tn_shift_keep *k)
{
	int r = put_back(in, k);

	return r < 0 ? r : tn_shift_record_kept(w->rec, k->ino);
}

/* One inode, through its checked fd: its owners, what they clear, its ACLs. *ret_changed. */
static int apply_one(const struct tn_shift_walk *w, const struct inode *in, const struct stat *st,
		     bool *ret_chg)
{
	const struct tn_shift_keep *pending;
	char names[4096];
	uint32_t nu, ng;
	ssize_t nl = 0;
	int r = 0;

	if (!tn_shift_seen(w, 0, st->st_uid, &nu) || !tn_shift_seen(w, 1, st->st_gid, &ng))
		return -ESTALE; /* an owner without a place: it changed since pass 1 */
	*ret_chg = nu != st->st_uid || ng != st->st_gid;
	if (S_ISLNK(st->st_mode))
		return *ret_chg ? in_chown(in, nu, ng) : 0;
	pending = w->resuming ? tn_shift_record_pending(w->rec, st->st_ino) : NULL;
	if (*ret_chg || w->resuming)
		nl = in_list(in, names, sizeof(names));
	if (*ret_chg)
		r = chown_keeping(w, in, st, names, nl, nu, ng);
	else if (pending && !S_ISDIR(st->st_mode)) /* killed between the chown and this */
		r = put_back_pending(w, in, pending);
	if (r < 0)
		return r;
	if (has(names, nl, "system.posix_acl_access")) {
		r = shift_acl(w, in, "system.posix_acl_access");
		if (r < 0)
			return r;
	}
	if (S_ISDIR(st->st_mode) && has(names, nl, "system.posix_acl_default"))
		return shift_acl(w, in, "system.posix_acl_default");
	return 0;
}

/* ---- pass 2: reaching each inode ---- */

/* The directories from the top down to the one last used, open (O_PATH) and checked. */
struct dirstack {
	size_t idx[TN_WALK_MAX_DEPTH];
	int fd[TN_WALK_MAX_DEPTH];
	size_t n;
};

/* The stack owns its fds (one a level, kept from one inode to the next): no scope can. */
static void dirstack_pop(struct dirstack *s, size_t keep)
{
	while (s->n > keep) {
		s->n--;
		if (s->n > 0) /* fd[0] is the top's, not ours */
			close(s->fd[s->n]);
	}
}

static int check_same(const struct tn_shift_entry *e, int fd, struct stat *st)
{
	if (fstat(fd, st) < 0)
		return negative_errno();
	if ((uint64_t)st->st_dev != e->dev || (uint64_t)st->st_ino != e->ino ||
	    (st->st_mode & S_IFMT) != (e->mode & S_IFMT))
		return -ESTALE;
	return 0;
}

/* The fd of directory `want` (an index of the list), opened down from the top as needed. */
static int dir_fd(const struct tn_shift_walk *w, const struct tn_shift_list *l, struct dirstack *s,
		  size_t want, int *ret)
{
	const struct tn_shift_entry *e = &l->v[want];
	_cleanup_close_ int fd = -1;
	struct stat st;
	int parent, r;

	if (s->n > e->depth && s->idx[e->depth] == want) {
		dirstack_pop(s, e->depth + 1);
		*ret = s->fd[e->depth];
		return 0;
	}
	if (e->depth == 0) {
		dirstack_pop(s, 0);
		s->idx[0] = 0;
		s->fd[0] = w->rootfd;
		s->n = 1;
		*ret = w->rootfd;
		return 0;
	}
	r = dir_fd(w, l, s, e->parent, &parent);
	if (r < 0)
		return r;
	fd = openat(parent, l->paths + e->name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP ? -ESTALE
									     : negative_errno();
	r = check_same(e, fd, &st);
	if (r < 0)
		return r;
	dirstack_pop(s, e->depth);
	s->idx[s->n] = want;
	*ret = s->fd[s->n++] = TAKE_FD(fd);
	return 0;
}

/* Open the entry as pass 1 listed it: see struct inode. -ESTALE when it is not there. */
static int open_entry(int dir, const struct tn_shift_entry *e, const char *name, struct inode *in)
{
	mode_t type = e->mode & S_IFMT;
	int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | (type == S_IFDIR ? O_DIRECTORY : 0);

	in->opath = type != S_IFREG && type != S_IFDIR;
	in->fd = openat(dir, name, (in->opath ? O_PATH : flags) | O_NOFOLLOW | O_CLOEXEC);
	if (in->fd < 0)
		return errno == ENOENT || errno == ELOOP || errno == ENOTDIR ? -ESTALE
									     : negative_errno();
	snprintf(in->proc, sizeof(in->proc), "/proc/self/fd/%d", in->fd);
	return 0;
}

/*
 * Before an inode of several names changes: every name pass 1 saw is still a name of it, and it
 * has no other. Pass 1 can be fooled into counting a name twice (moved from a directory not yet
 * read to one read already) and miss one outside the tree; this cannot.
 */
static int check_names(const struct tn_shift_walk *w, const struct tn_shift_list *l,
		       struct dirstack *s, const struct tn_shift_entry *e, const struct stat *st)
{
	if ((size_t)st->st_nlink != e->n_names)
		return -EXDEV;
	for (size_t k = 0; k < e->n_names; k++) {
		const struct tn_shift_entry *o = &l->v[l->names[e->names + k]];
		struct stat ost;
		int dir, r = dir_fd(w, l, s, o->parent, &dir);

		if (r < 0)
			return r;
		if (fstatat(dir, l->paths + o->name, &ost, AT_SYMLINK_NOFOLLOW) < 0 ||
		    ost.st_dev != st->st_dev || ost.st_ino != st->st_ino)
			return -EXDEV;
	}
	return 0;
}

/* The entry open at fd is the inode pass 1 listed, and (several names) still has just those. */
static int check_entry(const struct tn_shift_walk *w, const struct tn_shift_list *l,
		       struct dirstack *s, const struct tn_shift_entry *e, int fd, struct stat *st)
{
	int r = check_same(e, fd, st);

	if (r < 0 || !e->linked || S_ISDIR(st->st_mode))
		return r;
	return check_names(w, l, s, e, st);
}

static int apply_entry(const struct tn_shift_walk *w, const struct tn_shift_list *l,
		       struct dirstack *s, size_t i, bool *ret_chg)
{
	const struct tn_shift_entry *e = &l->v[i];
	_cleanup_(inode_done) struct inode in = { .fd = -1 };
	struct stat st;
	int dir = w->rootfd, r;

	if (i != 0) {
		r = dir_fd(w, l, s, e->parent, &dir);
		if (r < 0)
			return r;
	}
	r = open_entry(dir, e, i == 0 ? "." : l->paths + e->name, &in);
	if (r < 0)
		return r;
	r = check_entry(w, l, s, e, in.fd, &st);
	if (r < 0)
		return r;
	return apply_one(w, &in, &st, ret_chg);
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
	struct dirstack *dirs;
	int r;
};

static void *work(void *data)
{
	struct worker *k = data;
	const struct tn_shift_walk *w = k->w;

	for (size_t i = 0; i < k->l->n && !atomic_load(k->stop); i++) {
		const struct tn_shift_entry *e = &k->l->v[i];
		bool chg = false;

		/* an inode of several names goes to worker 0 alone */
		if (e->linked ? k->index != 0 : !k->mine[i % k->n_workers])
			continue;
		k->r = apply_entry(w, k->l, k->dirs, i, &chg);
		if (k->r < 0) {
			if (k->r == -EXDEV)
				tn_error_set(
					&k->err, EXDEV,
					"%s/%s has a hard link outside the tree, or names that "
					"changed while it was shifted: stopped there",
					w->req->root, k->l->paths + e->path);
			else if (k->r == -ESTALE)
				tn_error_set(
					&k->err, ESTALE,
					"%s/%s changed while it was shifted (renamed, replaced "
					"or given another owner): stopped there",
					w->req->root, k->l->paths + e->path);
			else
				tn_error_errno(&k->err, -k->r, "cannot shift %s/%s", w->req->root,
					       k->l->paths + e->path);
			atomic_store(k->stop, true);
			break;
		}
		k->files++;
		k->changed += chg;
		if (k->index == 0 && k->files % PROGRESS_EVERY == 0 && w->req->progress)
			w->req->progress(w->req->progress_data, k->files * k->n_workers);
	}
	dirstack_pop(k->dirs, 0);
	return NULL;
}

struct workers {
	struct worker k[MAX_THREADS];
	size_t n;
};

static void workers_done(struct workers *ws)
{
	for (size_t i = 0; i < ws->n; i++) {
		tn_error_free(ws->k[i].err);
		free(ws->k[i].dirs);
	}
}

int tn_shift_apply(struct tn_shift_walk *w, const struct tn_shift_list *l)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = l->n < 2048 || cpus < 2 ? 1 : (size_t)MIN(cpus, (long)MAX_THREADS);
	_cleanup_(workers_done) struct workers ws = { .n = n };
	struct worker *k = ws.k;
	pthread_t t[MAX_THREADS];
	bool running[MAX_THREADS] = { false };
	atomic_bool stop = false;
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		k[i] = (struct worker){ .w = w, .l = l, .index = i, .n_workers = n, .stop = &stop };
		k[i].mine[i] = true;
		k[i].dirs = calloc(1, sizeof(*k[i].dirs));
		if (!k[i].dirs)
			return -ENOMEM;
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
	/* Every worker's count, and the first worker's error in index order. */
	for (size_t i = 0; i < n; i++) {
		w->res->files += k[i].files;
		w->res->changed += k[i].changed;
		if (k[i].r < 0 && r == 0) { /* not a chain: the first error wins */
			r = k[i].r;
			tn_error_set(w->err, -r, "%s", k[i].err->message);
		}
	}
	return r;
}
