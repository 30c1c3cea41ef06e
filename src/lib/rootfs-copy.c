/* SPDX-License-Identifier: Apache-2.0 */
/* A shifted copy of a root filesystem (rootfs-copy.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/limits.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "accounts.h"
#include "fs.h"
#include "macro.h"
#include "rootfs-copy.h"
#include "rootless.h"
#include "userns-plan.h"
#include "userns.h"
#include "private-dir.h"
#include "tree-walk.h"
#include "banned.h"

struct link {
	dev_t dev;
	ino_t ino;
	char *path;
};

/* A file's owner as the host sees it (in the copy's namespace, unmapped owners read 65534). */
struct owner {
	dev_t dev;
	ino_t ino;
	uid_t uid;
	gid_t gid;
	bool used;
};

struct owners {
	struct owner *v; /* open addressing, a power of two */
	size_t cap, n;
};

/* The copy in progress: tn_walk()'s user data, in the child (mapped) and before it. */
struct copy {
	const char *src, *dst;
	struct owners owners;
	struct link *links;
	size_t n_links;
	char *names, *value; /* xattr buffers of the kernel's largest list and value */
	struct tn_error **err;
};

static void copy_done(struct copy *c)
{
	for (size_t i = 0; i < c->n_links; i++)
		free(c->links[i].path);
	free(c->links);
	free(c->owners.v);
	free(c->names);
	free(c->value);
}

static struct owner *owner_slot(const struct owners *o, dev_t dev, ino_t ino)
{
	size_t i =
		(size_t)(((uint64_t)ino * UINT64_C(0x9E3779B97F4A7C15) ^ dev) >> 20) & (o->cap - 1);

	while (o->v[i].used && (o->v[i].dev != dev || o->v[i].ino != ino))
		i = (i + 1) & (o->cap - 1);
	return &o->v[i];
}

static int owners_grow(struct owners *o)
{
	struct owners g = { .cap = o->cap ? o->cap * 2 : 1024, .n = o->n };

	g.v = calloc(g.cap, sizeof(*g.v));
	if (!g.v)
		return -ENOMEM;
	for (size_t i = 0; i < o->cap; i++)
		if (o->v[i].used)
			*owner_slot(&g, o->v[i].dev, o->v[i].ino) = o->v[i];
	free(o->v);
	*o = g;
	return 0;
}

/* Before the copy, in tenant's own namespace: a file's owner (tn_walk callback). */
static int read_owner(const struct tn_walk_entry *e, void *data)
{
	struct owners *o = data;
	struct owner *slot;

	if ((o->n + 1) * 2 > o->cap) {
		int r = owners_grow(o);

		if (r < 0)
			return r;
	}
	slot = owner_slot(o, e->st->st_dev, e->st->st_ino);
	if (!slot->used)
		o->n++;
	*slot = (struct owner){ e->st->st_dev, e->st->st_ino, e->st->st_uid, e->st->st_gid, true };
	/* A directory tenant cannot list is passed over, as nftw(3) did: the copy reports it. */
	if (e->depth > 0 && S_ISDIR(e->st->st_mode) &&
	    faccessat(e->dirfd, e->name, R_OK | X_OK, AT_EACCESS) < 0)
		return TN_WALK_SKIP;
	return 0;
}

/*
 * Every file's owner, read as tenant. What tenant cannot read here is left to the copy, which
 * reports it with a hint (the copy reads as the container's root).
 */
static int read_owners(struct copy *c, struct tn_error **err)
{
	_cleanup_close_ int fd = open(c->src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0 && errno == EACCES)
		return 0;
	if (fd < 0)
		return tn_error_errno(err, errno, "cannot read %s", c->src);
	r = tn_walk(fd, c->src, 0, read_owner, &c->owners, NULL);
	if (r == -EACCES)
		return 0;
	if (r < 0 && r != -ENOMEM)
		return tn_error_errno(err, -r, "cannot read %s", c->src);
	return r;
}

static int copy_data(int in, int out)
{
	if (ioctl(out, FICLONE, in) == 0)
		return 0; /* a reflink: shared blocks */
	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, SSIZE_MAX, 0);

		if (n == 0)
			return 0;
		if (n < 0) {
			char buf[65536];

			if (errno != EXDEV && errno != EINVAL && errno != ENOSYS)
				return negative_errno();
			while ((n = RETRY_EINTR(read(in, buf, sizeof(buf)))) > 0)
				if (RETRY_EINTR(write(out, buf, (size_t)n)) != n)
					return -EIO;
			return n < 0 ? negative_errno() : 0;
		}
	}
}

/* Extended attributes, security.capability last (a chown clears it). The buffers hold the
 * largest list and value the kernel has (XATTR_LIST_MAX, XATTR_SIZE_MAX). */
static int copy_xattrs(struct copy *c, const char *src, const char *dst)
{
	ssize_t len = llistxattr(src, c->names, XATTR_LIST_MAX);

	if (len < 0)
		return errno == ENOTSUP ? 0 : negative_errno();
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(c->names + i) + 1) {
		ssize_t v = lgetxattr(src, c->names + i, c->value, XATTR_SIZE_MAX);

		if (v < 0)
			continue; /* trusted.* and the like: not ours to read */
		if (lsetxattr(dst, c->names + i, c->value, (size_t)v, 0) < 0 && errno != EPERM &&
		    errno != ENOTSUP)
			return negative_errno();
	}
	return 0;
}

/* Owner, then mode (setuid bits survive only after the chown), xattrs, times. */
static int set_meta(struct copy *c, const char *dst, const char *src, const struct stat *st)
{
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	const struct owner *o =
		c->owners.cap ? owner_slot(&c->owners, st->st_dev, st->st_ino) : NULL;
	int r;

	if (!o || !o->used)
		return -ESTALE; /* not there when tenant read the owners: the tree changed */
	if (lchown(dst, o->uid, o->gid) < 0)
		return negative_errno();
	if (!S_ISLNK(st->st_mode) && chmod(dst, st->st_mode & 07777) < 0)
		return negative_errno();
	r = copy_xattrs(c, src, dst);
	if (r < 0)
		return r;
	return utimensat(AT_FDCWD, dst, t, AT_SYMLINK_NOFOLLOW) < 0 ? negative_errno() : 0;
}

static int copy_file(const struct tn_walk_entry *e, const char *dst)
{
	_cleanup_close_ int in = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	int r;

	if (in < 0)
		return negative_errno();
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return negative_errno();
	r = copy_data(in, out);
	if (r < 0)
		return r;
	/* Closed here, not by the scope: a write-back error shows at close. */
	return close(TAKE_FD(out)) < 0 ? negative_errno() : 0;
}

static int copy_symlink(const struct tn_walk_entry *e, const char *dst)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(e->dirfd, e->name, target, sizeof(target) - 1);

	if (n < 0)
		return negative_errno();
	target[n] = '\0';
	return symlink(target, dst) < 0 ? negative_errno() : 0;
}

/* A second name of a file already copied: linked, nothing else to do (*done). */
static int hard_link(struct copy *c, const char *dst, const struct stat *st, bool *done)
{
	_cleanup_free_ char *path = NULL;
	struct link *v;

	*done = false;
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return 0;
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino) {
			*done = true;
			return link(c->links[i].path, dst) < 0 ? negative_errno() : 0;
		}
	path = strdup(dst);
	if (!path)
		return -ENOMEM;
	v = reallocarray(c->links, c->n_links + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->links = v;
	v[c->n_links++] = (struct link){ st->st_dev, st->st_ino, TAKE_PTR(path) };
	return 0;
}

/* One entry; a directory is made private (0700) until its post-order visit sets its mode. */
static int copy_entry(struct copy *c, const struct tn_walk_entry *e, const char *src,
		      const char *dst)
{
	const struct stat *st = e->st;
	bool linked;
	int r = hard_link(c, dst, st, &linked);

	if (r < 0 || linked)
		return r;
	switch (st->st_mode & S_IFMT) {
	case S_IFDIR:
		return mkdir(dst, 0700) < 0 ? negative_errno() : 0;
	case S_IFREG:
		r = copy_file(e, dst);
		break;
	case S_IFLNK:
		r = copy_symlink(e, dst);
		break;
	case S_IFIFO:
		r = mkfifo(dst, 0600) < 0 ? negative_errno() : 0;
		break;
	default:
		return 0; /* devices cannot be made here; sockets belong to processes */
	}
	if (r < 0)
		return r;
	return set_meta(c, dst, src, st);
}

/* The walk's callback in the child: each entry copied; each directory, after what is in it,
 * given its owner, mode and times (a read-only directory last of all, once it is full). */
static int copy_one(const struct tn_walk_entry *e, void *data)
{
	struct copy *c = data;
	char src[PATH_MAX], dst[PATH_MAX];
	const char *sep = e->depth ? "/" : "";
	int r;

	if ((size_t)snprintf(dst, sizeof(dst), "%s%s%s", c->dst, sep, e->path) >= sizeof(dst) ||
	    (size_t)snprintf(src, sizeof(src), "%s%s%s", c->src, sep, e->path) >= sizeof(src))
		return tn_error_set(c->err, ENAMETOOLONG, "%s%s%s: the path is too long", c->src,
				    sep, e->path);
	if (e->post) {
		r = set_meta(c, dst, src, e->st);
		if (r < 0)
			return tn_error_errno(c->err, -r, "cannot set the owner and mode of %s",
					      dst);
		return 0;
	}
	r = copy_entry(c, e, src, dst);
	if (r < 0)
		return tn_error_errno(c->err, -r, "cannot copy %s to %s", src, dst);
	return 0;
}

static int copy_tree(struct copy *c)
{
	_cleanup_close_ int fd = open(c->src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return tn_error_errno(c->err, errno, "cannot read %s", c->src);
	c->names = malloc(XATTR_LIST_MAX);
	c->value = malloc(XATTR_SIZE_MAX);
	if (!c->names || !c->value)
		return -ENOMEM;
	return tn_walk(fd, c->src, TN_WALK_POST, copy_one, c, c->err);
}

/* In the child, mapped: the copy, then exit 0 (run() of tn_userns_spawn execs or fails). */
static int run_copy(void *data, struct tn_error **err)
{
	struct copy *c = data;
	int r;

	c->err = err;
	r = copy_tree(c);
	if (r == -EACCES)
		return tn_error_hint(err, r,
				     "a shifted copy reads every file of the root filesystem "
				     "as the container's root: make it readable (chmod -R "
				     "o+rX), or run as root to use an idmapped mount");
	if (r < 0)
		return r;
	_exit(0);
}

/* The first container ID that `ext` leaves free: where the caller's own ID goes. */
static uint64_t free_inside(const struct tn_idmap_extent *ext, size_t n)
{
	uint64_t x = 0;
	bool moved = true;

	while (moved) {
		moved = false;
		for (size_t i = 0; i < n; i++)
			if (x >= ext[i].inside && x < (uint64_t)ext[i].inside + ext[i].count) {
				x = (uint64_t)ext[i].inside + ext[i].count;
				moved = true;
			}
	}
	return x;
}

/* The container's extents, and the caller's own ID (`own`) at the first free container ID. */
static int with_own_id(const struct tn_idmap_extent *ext, size_t n, uint32_t own,
		       struct tn_idmap_extent **ret)
{
	uint64_t x = free_inside(ext, n);
	struct tn_idmap_extent *v;

	if (x > TN_ID_MAX)
		return -ERANGE;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, ext, n * sizeof(*v));
	v[n] = (struct tn_idmap_extent){ (uint32_t)x, own, 1 };
	*ret = v;
	return 0;
}

static int copy(const char *src, const char *dst, const struct tn_subid_source *subid,
		const struct tn_idmap_extent *const ext[2], const size_t n[2],
		struct tn_error **err)
{
	struct tn_userns_request req = { .src = subid };
	_cleanup_free_ struct tn_idmap_extent *uids = NULL, *gids = NULL;
	_cleanup_(copy_done) struct copy c = { .src = src, .dst = dst };
	int r;

	r = with_own_id(ext[0], n[0], getuid(), &uids);
	if (r < 0)
		return r;
	r = with_own_id(ext[1], n[1], getgid(), &gids);
	if (r < 0)
		return r;
	for (int k = 0; k < 2; k++) {
		req.mode[k] = TN_IDMAP_EXPLICIT;
		req.explicit_v[k] = k ? gids : uids;
		req.n_explicit[k] = n[k] + 1;
	}
	r = read_owners(&c, err);
	if (r < 0)
		return r;
	return tn_userns_call(&req, run_copy, &c, err);
}

int tn_rootfs_copy(const char *src, const char *dst, const struct tn_subid_source *subid,
		   const struct tn_idmap_extent *const ext[2], const size_t n[2],
		   struct tn_error **err)
{
	int r = copy(src, dst, subid, ext, n, err);

	if (r < 0) /* nothing half-copied is left behind */
		(void)tn_rootfs_copy_remove(dst, subid, NULL);
	return r;
}

/* Each entry below the top, after what is in it (tn_walk callback, TN_WALK_POST). */
static int remove_entry(const struct tn_walk_entry *e, void *data)
{
	bool dir = S_ISDIR(e->st->st_mode);

	(void)data;
	if (e->depth == 0 || (dir && !e->post))
		return 0; /* the top goes by its path, last; a directory once it is empty */
	if (unlinkat(e->dirfd, e->name, dir ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

static int remove_tree(const char *dst, struct tn_error **err)
{
	_cleanup_close_ int fd = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int r;

	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP)) /* a file or a symlink: itself */
		return unlink(dst) < 0 && errno != ENOENT
			       ? tn_error_errno(err, errno, "cannot remove %s", dst)
			       : 0;
	if (fd < 0)
		return tn_error_errno(err, errno, "cannot remove %s", dst);
	r = tn_walk(fd, dst, TN_WALK_POST, remove_entry, NULL, NULL);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot remove %s", dst);
	if (rmdir(dst) < 0 && errno != ENOENT)
		return tn_error_errno(err, errno, "cannot remove %s", dst);
	return 0;
}

static int run_remove(void *data, struct tn_error **err)
{
	int r = remove_tree(data, err);

	if (r < 0)
		return r;
	_exit(0);
}

int tn_rootfs_copy_remove(const char *dst, const struct tn_subid_source *subid,
			  struct tn_error **err)
{
	struct tn_userns_request req = { .src = subid, .mode = { TN_IDMAP_AUTO, TN_IDMAP_AUTO } };
	_cleanup_free_ char *dir = tn_path_dirname(dst);
	struct stat st;
	int r;

	if (!dir)
		return -ENOMEM;
	/* /var/tmp is anyone's: what is below tenant-UID is removed only if it is the caller's. */
	r = tn_private_dir_open(dir, "directory of rootfs copies", 0, NULL, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (lstat(dst, &st) < 0)
		return errno == ENOENT ? 0 : tn_error_errno(err, errno, "cannot remove %s", dst);
	if (!tn_rootless())
		return remove_tree(dst, err);
	return tn_userns_call(&req, run_remove, (void *)dst, err);
}

char *tn_rootfs_copy_path(const char *root, const char *id)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a of the state root */
	char *p = NULL;
	int r;

	for (const char *c = root; *c; c++)
		h = (h ^ (unsigned char)*c) * UINT64_C(0x100000001b3);
	if (!tn_rootless())
		r = asprintf(&p, "/var/lib/tenant/rootfs/%s-%016" PRIx64, id, h);
	else
		r = asprintf(&p, "/var/tmp/tenant-%u/rootfs/%s-%016" PRIx64, (unsigned)geteuid(),
			     id, h);
	return r < 0 ? NULL : p;
}

/* The directories above a copy: the caller's, searchable by the container's root (0711). */
int tn_rootfs_copy_prepare(const char *path, struct tn_error **err)
{
	_cleanup_free_ char *dir = tn_path_dirname(path), *base = NULL;
	int r;

	if (!dir || !(base = tn_path_dirname(dir)))
		return -ENOMEM;
	r = tn_private_dir_open(base, "directory of rootfs copies", TN_PRIVATE_CREATE, NULL, err);
	if (r < 0)
		return r;
	r = tn_private_dir_open(dir, "directory of rootfs copies", TN_PRIVATE_CREATE, NULL, err);
	if (r < 0)
		return r;
	if (chmod(base, 0711) < 0 || chmod(dir, 0711) < 0)
		return tn_error_errno(err, errno, "cannot make %s searchable", dir);
	return 0;
}
