/* SPDX-License-Identifier: Apache-2.0 */
/* A shifted copy of a root filesystem (rootfs-copy.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <ftw.h>
#include <limits.h>
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
#include "banned.h"

struct dirfix {
	char *path;
	struct stat st;
};

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

struct copy {
	const char *src, *dst;
	size_t src_len;
	struct owners owners;
	struct dirfix *dirs;
	size_t n_dirs;
	struct link *links;
	size_t n_links;
	struct tn_error **err;
	int r;
};

/* nftw() has no argument for the callback: the copy in progress (in the child, alone). */
static struct copy *cur;

static struct owner *owner_slot(const struct owners *o, dev_t dev, ino_t ino)
{
	size_t i =
		(size_t)(((uint64_t)ino * UINT64_C(0x9E3779B97F4A7C15) ^ dev) >> 20) & (o->cap - 1);

	while (o->v[i].used && (o->v[i].dev != dev || o->v[i].ino != ino))
		i = (i + 1) & (o->cap - 1);
	return &o->v[i];
}

static int owner_add(struct owners *o, const struct stat *st)
{
	if ((o->n + 1) * 2 > o->cap) {
		struct owners g = { .cap = o->cap ? o->cap * 2 : 1024, .n = o->n };

		g.v = calloc(g.cap, sizeof(*g.v));
		if (!g.v)
			return -ENOMEM;
		for (size_t i = 0; i < o->cap; i++)
			if (o->v[i].used)
				*owner_slot(&g, o->v[i].dev, o->v[i].ino) = o->v[i];
		free(o->v);
		*o = g;
	}
	struct owner *e = owner_slot(o, st->st_dev, st->st_ino);

	if (!e->used)
		o->n++;
	*e = (struct owner){ st->st_dev, st->st_ino, st->st_uid, st->st_gid, true };
	return 0;
}

/* Before the copy, in tenant's own namespace: every file's owner. */
static int read_owner(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)path;
	(void)f;
	if (type == FTW_NS || type == FTW_DNR)
		return 0; /* the copy reports it */
	cur->r = owner_add(&cur->owners, st);
	return cur->r < 0;
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

/* Extended attributes, security.capability last (a chown clears it). */
static int copy_xattrs(const char *src, const char *dst)
{
	char names[65536], value[65536];
	ssize_t len = llistxattr(src, names, sizeof(names));

	if (len < 0)
		return errno == ENOTSUP ? 0 : negative_errno();
	for (ssize_t i = 0; i < len; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t v = lgetxattr(src, names + i, value, sizeof(value));

		if (v < 0)
			continue; /* trusted.* and the like: not ours to read */
		if (lsetxattr(dst, names + i, value, (size_t)v, 0) < 0 && errno != EPERM &&
		    errno != ENOTSUP)
			return negative_errno();
	}
	return 0;
}

/* Owner, then mode (setuid bits survive only after the chown), xattrs, times. */
static int set_meta(const char *dst, const char *src, const struct stat *st)
{
	struct timespec t[2] = { st->st_atim, st->st_mtim };
	const struct owner *o = owner_slot(&cur->owners, st->st_dev, st->st_ino);

	if (!o->used)
		return -ESTALE; /* not there when tenant read the owners: the tree changed */
	if (lchown(dst, o->uid, o->gid) < 0)
		return negative_errno();
	if (!S_ISLNK(st->st_mode) && chmod(dst, st->st_mode & 07777) < 0)
		return negative_errno();
	if (copy_xattrs(src, dst) < 0)
		return negative_errno();
	return utimensat(AT_FDCWD, dst, t, AT_SYMLINK_NOFOLLOW) < 0 ? negative_errno() : 0;
}

static int copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out, r;

	if (in < 0)
		return negative_errno();
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0) {
		r = negative_errno();
		close(in);
		return r;
	}
	r = copy_data(in, out);
	close(in);
	if (close(out) < 0 && r == 0)
		r = negative_errno();
	return r;
}

static int copy_symlink(const char *src, const char *dst)
{
	char target[PATH_MAX];
	ssize_t n = readlink(src, target, sizeof(target) - 1);

	if (n < 0)
		return negative_errno();
	target[n] = '\0';
	return symlink(target, dst) < 0 ? negative_errno() : 0;
}

/* A second name of a file already copied: linked, nothing else to do (*done). */
static int hard_link(struct copy *c, const char *dst, const struct stat *st, bool *done)
{
	struct link *v;

	*done = false;
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return 0;
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].dev == st->st_dev && c->links[i].ino == st->st_ino) {
			*done = true;
			return link(c->links[i].path, dst) < 0 ? negative_errno() : 0;
		}
	v = reallocarray(c->links, c->n_links + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->links = v;
	v[c->n_links] = (struct link){ st->st_dev, st->st_ino, strdup(dst) };
	return v[c->n_links++].path ? 0 : -ENOMEM;
}

static int copy_entry(struct copy *c, const char *src, const char *dst, const struct stat *st)
{
	bool linked;
	int r = hard_link(c, dst, st, &linked);

	if (r < 0 || linked)
		return r;
	switch (st->st_mode & S_IFMT) {
	case S_IFDIR: {
		struct dirfix *v = reallocarray(c->dirs, c->n_dirs + 1, sizeof(*v));

		if (!v)
			return -ENOMEM;
		c->dirs = v;
		v[c->n_dirs] = (struct dirfix){ strdup(dst), *st };
		if (!v[c->n_dirs++].path)
			return -ENOMEM;
		return mkdir(dst, 0700) < 0 ? negative_errno() : 0; /* its mode at the end */
	}
	case S_IFREG:
		r = copy_file(src, dst);
		break;
	case S_IFLNK:
		r = copy_symlink(src, dst);
		break;
	case S_IFIFO:
		r = mkfifo(dst, 0600) < 0 ? negative_errno() : 0;
		break;
	default:
		return 0; /* devices cannot be made here; sockets belong to processes */
	}
	return r < 0 ? r : set_meta(dst, src, st);
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *f)
{
	struct copy *c = cur;
	char dst[PATH_MAX];
	int r;

	(void)f;
	if (type == FTW_NS || type == FTW_DNR) {
		tn_error_set(c->err, EACCES, "cannot read %s: permission denied", path);
		c->r = -EACCES;
		return 1;
	}
	if ((size_t)snprintf(dst, sizeof(dst), "%s%s", c->dst, path + c->src_len) >= sizeof(dst)) {
		c->r = tn_error_set(c->err, ENAMETOOLONG, "%s: the path is too long", path);
		return 1;
	}
	r = copy_entry(c, path, dst, st);
	if (r < 0) {
		c->r = tn_error_errno(c->err, -r, "cannot copy %s to %s", path, dst);
		return 1;
	}
	return 0;
}

/* In the child, mapped: the copy, then exit 0 (run() of tn_userns_spawn execs or fails). */
static int run_copy(void *data, struct tn_error **err)
{
	struct copy *c = data;

	c->err = err;
	cur = c;
	if (nftw(c->src, visit, 32, FTW_PHYS | FTW_MOUNT) < 0 && c->r == 0)
		c->r = tn_error_errno(err, errno, "cannot read %s", c->src);
	for (size_t i = c->n_dirs; c->r == 0 && i-- > 0;) {
		char src[PATH_MAX];

		snprintf(src, sizeof(src), "%s%s", c->src, c->dirs[i].path + strlen(c->dst));
		c->r = set_meta(c->dirs[i].path, src, &c->dirs[i].st);
		if (c->r < 0)
			tn_error_errno(err, -c->r, "cannot set the owner and mode of %s",
				       c->dirs[i].path);
	}
	if (c->r < 0) {
		if (c->r == -EACCES)
			tn_error_hint(err, "a shifted copy reads every file of the root filesystem "
					   "as the container's root: make it readable (chmod -R "
					   "o+rX), or run as root to use an idmapped mount");
		return c->r;
	}
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

int tn_rootfs_copy(const char *src, const char *dst, const struct tn_subid_source *subid,
		   const struct tn_idmap_extent *const ext[2], const size_t n[2],
		   struct tn_error **err)
{
	struct tn_userns_request req = { .src = subid };
	struct tn_idmap_extent *maps[2] = { 0 };
	struct copy c = { .src = src, .dst = dst, .src_len = strlen(src) };
	int r = 0;

	for (int k = 0; k < 2 && r == 0; k++) {
		uint64_t x = free_inside(ext[k], n[k]);

		maps[k] = calloc(n[k] + 1, sizeof(*maps[k]));
		if (!maps[k] || x > TN_ID_MAX) {
			r = maps[k] ? -ERANGE : -ENOMEM;
			break;
		}
		memcpy(maps[k], ext[k], n[k] * sizeof(*maps[k]));
		maps[k][n[k]] = (struct tn_idmap_extent){ (uint32_t)x, k ? getgid() : getuid(), 1 };
		req.mode[k] = TN_IDMAP_EXPLICIT;
		req.explicit_v[k] = maps[k];
		req.n_explicit[k] = n[k] + 1;
	}
	cur = &c;
	if (r == 0 && nftw(src, read_owner, 32, FTW_PHYS | FTW_MOUNT) != 0)
		r = c.r < 0 ? c.r : tn_error_errno(err, errno, "cannot read %s", src);
	if (r == 0)
		r = tn_userns_call(&req, run_copy, &c, err);
	cur = NULL;
	free(c.owners.v);
	free(maps[0]);
	free(maps[1]);
	if (r < 0)
		(void)tn_rootfs_copy_remove(dst, subid, NULL);
	return r;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	if (type == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

static int remove_tree(const char *dst, struct tn_error **err)
{
	if (nftw(dst, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && errno != ENOENT)
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
	if (r == 0)
		r = tn_private_dir_open(dir, "directory of rootfs copies", TN_PRIVATE_CREATE, NULL,
					err);
	if (r == 0 && (chmod(base, 0711) < 0 || chmod(dir, 0711) < 0))
		r = tn_error_errno(err, errno, "cannot make %s searchable", dir);
	return r;
}
