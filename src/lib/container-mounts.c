/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's filesystem (container-mounts.h): rootfs bind, config.json's mounts,
 * /dev (container-devices.c), pivot_root, masked and read-only paths, a read-only root.
 *
 * Mount targets are resolved inside the root filesystem with openat2(RESOLVE_IN_ROOT), so a
 * symlink in an image cannot point a mount outside it; the mount goes onto the resolved fd
 * through /proc/self/fd.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "container-copyup.h"
#include "container-devices.h"
#include "container-hooks.h"
#include "container-mounts.h"
#include "container-nopivot.h"
#include "in-root.h"
#include "idmapped.h"
#include "banned.h"

/* "/proc/self/fd/N" for a target resolved inside the root; *ret_fd must be closed. */
static int target(int rootfd, const char *dest, bool file, int *ret_fd, char *buf, size_t len)
{
	int r = tn_mkpath_in_root(rootfd, dest, file), fd;

	if (r < 0)
		return r;
	fd = tn_openat2_in_root(rootfd, dest, O_PATH, 0);
	if (fd < 0)
		return fd;
	snprintf(buf, len, "/proc/self/fd/%d", fd);
	*ret_fd = fd;
	return 0;
}

/*
 * An fd opened before a mount refers to what is underneath: to remount or change the
 * propagation of the new mount, open its target again.
 */
static int retarget(int rootfd, const char *dest, int *fd, char *buf, size_t len)
{
	int nfd = tn_openat2_in_root(rootfd, dest, O_PATH, 0);

	if (nfd < 0)
		return nfd;
	safe_close(*fd);
	*fd = nfd;
	snprintf(buf, len, "/proc/self/fd/%d", nfd);
	return 0;
}

/* Flags the kernel locks on a mount seen from a user namespace: a remount must keep them. */
static unsigned long locked_flags(const char *path)
{
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_RDONLY, MS_RDONLY },     { ST_NOSUID, MS_NOSUID },
		{ ST_NODEV, MS_NODEV },	      { ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME },
	};
	struct statvfs v;
	unsigned long f = 0;

	if (statvfs(path, &v) < 0)
		return 0;
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (v.f_flag & map[i].st)
			f |= map[i].ms;
	return f;
}

/* Remount a bind mount with `flags`, keeping what the kernel locks (minus what is cleared). */
static int remount_bind(const char *path, unsigned long flags, unsigned long clear)
{
	unsigned long keep = locked_flags(path) & ~clear & ~MS_RDONLY;

	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | flags | keep, NULL) == 0)
		return 0;
	/* Inside a user namespace a locked flag cannot be cleared: keep all of them. */
	if (errno == EPERM &&
	    mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | flags | locked_flags(path), NULL) == 0)
		return 0;
	return negative_errno();
}

static const char *bind_source(struct tn_init_ctx *ctx, const struct tn_oci_mount *m, char *buf,
			       size_t len)
{
	if (m->source[0] == '/')
		return m->source;
	snprintf(buf, len, "%s/%s", ctx->o->bundle ? ctx->o->bundle : ".", m->source);
	return buf;
}

/* A bind or an attached mount at `path`, finished: its flags (when any), then its propagation. */
static int finish_bind(const char *path, unsigned long flags, const struct tn_oci_mount *m)
{
	if (flags) {
		int r = remount_bind(path, flags, m->clear);

		if (r < 0)
			return r;
	}
	if (m->propagation && mount(NULL, path, NULL, m->propagation, NULL) < 0)
		return negative_errno();
	return 0;
}

/* `src` bound on m->destination (a file when `file`), then its flags and propagation. */
static int bind_on(int rootfd, const char *src, bool file, const struct tn_oci_mount *m)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	int r;

	r = target(rootfd, m->destination, file, &fd, path, sizeof(path));
	if (r < 0)
		return r;
	if (mount(src, path, NULL, MS_BIND | (m->recursive ? MS_REC : 0), NULL) < 0)
		return negative_errno();
	r = retarget(rootfd, m->destination, &fd, path, sizeof(path));
	if (r < 0)
		return r;
	return finish_bind(path, m->flags & ~(MS_REC | MS_REMOUNT), m);
}

/* The source by its path; or, opened by R (container-sources.h), through /proc/self/fd. */
static int mount_bind(struct tn_init_ctx *ctx, int rootfd, size_t i, struct tn_error **err)
{
	const struct tn_oci_mount *m = &ctx->cfg->mounts[i];
	int fd = i < ctx->sources.n ? ctx->sources.fd[i] : -1;
	char src_buf[4096], fd_path[64];
	const char *src = bind_source(ctx, m, src_buf, sizeof(src_buf));
	struct stat st;
	int r;

	if (fd >= 0) {
		snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
		r = fstat(fd, &st);
	} else
		r = stat(src, &st);
	if (r < 0)
		return tn_error_errno(err, errno, "mount %s: source %s", m->destination, src);
	r = bind_on(rootfd, fd >= 0 ? fd_path : src, !S_ISDIR(st.st_mode), m);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot bind-mount %s on %s", src, m->destination);
	return 0;
}

static bool is_type(const struct tn_oci_mount *m, const char *t)
{
	return m->type && strcmp(m->type, t) == 0;
}

/* What cannot be mounted anew from a user namespace is bound from the host, as crun does. */
static const char *host_fallback(const struct tn_oci_mount *m)
{
	if (is_type(m, "sysfs"))
		return "/sys";
	if (is_type(m, "proc"))
		return "/proc";
	if (is_type(m, "mqueue"))
		return "/dev/mqueue";
	return NULL; /* never the host's cgroup tree: mount_cgroup binds the container's own */
}

struct mount_target {
	int rootfd;
	int fd;	  /* the target, owned: closed by mount_target_done */
	int mode; /* a tmpfs's: the mode of the directory it covers, or -1 */
	char path[64];
};

static void mount_target_done(struct mount_target *t)
{
	t->fd = safe_close(t->fd);
}

/* Attributes set (and cleared) all the way down: the submounts of a recursive bind too. */
static int attr_recursive(int fd, uint64_t set, uint64_t clr)
{
	struct mount_attr attr = { .attr_set = set, .attr_clr = clr };

	return syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
		       sizeof(attr)) < 0
		       ? negative_errno()
		       : 0;
}

static int mount_fallback(const char *host, struct mount_target *t, const struct tn_oci_mount *m)
{
	int r;

	if (mount(host, t->path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return negative_errno();
	r = retarget(t->rootfd, m->destination, &t->fd, t->path, sizeof(t->path));
	if (r < 0)
		return r;
	if (m->flags & ~MS_REMOUNT) {
		r = remount_bind(t->path, m->flags & ~MS_REMOUNT, m->clear);
		if (r < 0)
			return r;
	}
	/* A host tree bound in place of sysfs must not let the container write the host's
	 * sysfs through a submount. */
	return (m->flags & MS_RDONLY) ? attr_recursive(t->fd, MOUNT_ATTR_RDONLY, 0) : 0;
}

/*
 * One hierarchy of the cgroup view at `dest`: with a cgroup namespace mounted anew (its root is
 * the namespace's, the container's cgroup), else, or where the kernel refuses, a bind of the
 * host directory of the cgroup the process is in; read-only all the way down when asked.
 */
static int mount_hierarchy(int rootfd, const char *dest, const struct tn_cgroup_view_entry *e,
			   unsigned long flags, unsigned long clear, bool fresh)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	int r = target(rootfd, dest, false, &fd, path, sizeof(path));

	if (r < 0)
		return r;
	if (fresh && mount("cgroup", path, e->name ? "cgroup" : "cgroup2", flags, e->options) == 0)
		return 0;
	if (fresh && errno != EPERM && errno != EACCES && errno != EBUSY && errno != EINVAL)
		return negative_errno();
	if (mount(e->source, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return negative_errno();
	r = retarget(rootfd, dest, &fd, path, sizeof(path));
	if (r < 0)
		return r;
	r = remount_bind(path, flags, clear);
	if (r < 0)
		return r;
	return (flags & MS_RDONLY) ? attr_recursive(fd, MOUNT_ATTR_RDONLY, 0) : 0;
}

/* A combined hierarchy ("cpu,cpuacct") is also reached by each name, as on the host. */
static int cgroup_links(int rootfd, const char *dest, const struct tn_cgroup_view *v)
{
	_cleanup_close_ int dir = tn_openat2_in_root(rootfd, dest, O_PATH | O_DIRECTORY, 0);

	if (dir < 0)
		return dir;
	for (size_t i = 0; i < v->n; i++) {
		const char *name = v->v[i].name;

		if (!strchr(name, ','))
			continue;
		for (const char *p = name; *p;) {
			size_t len = strcspn(p, ",");
			char link[256];

			snprintf(link, sizeof(link), "%.*s", (int)len, p);
			if (symlinkat(name, dir, link) < 0 && errno != EEXIST)
				return negative_errno();
			p += len + (p[len] == ',');
		}
	}
	return 0;
}

/*
 * "cgroup" and "cgroup2" (runc's view; docs/oci.md): on a v1 or hybrid host a tmpfs with one
 * mount per v1 hierarchy, named as the host's ("cgroup2" there: the host's cgroup2 hierarchy
 * alone, as runc mounts it); on a unified host the cgroup2 hierarchy itself.
 * Each shows the container's own cgroup (a rootless caller's without one of its own), never
 * the host's tree above it.
 */
static int mount_cgroup(struct tn_init_ctx *ctx, struct mount_target *t,
			const struct tn_oci_mount *m)
{
	const struct tn_cgroup_view *v = &ctx->cgroup_view;
	unsigned long flags =
		(m->flags & ~(MS_REMOUNT | MS_BIND | MS_REC)) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	bool fresh = ctx->cfg->ns[TN_NS_CGROUP].present;
	int r;

	if (v->v2)
		return v->n == 1 ? mount_hierarchy(t->rootfd, m->destination, &v->v[0], flags,
						   m->clear, fresh)
				 : -ENOENT;
	/* "cgroup2" on a hybrid host: that hierarchy alone, as runc mounts cgroup2 (a systemd
	 * inside runs in unified mode). */
	if (is_type(m, "cgroup2"))
		return v->unified.source ? mount_hierarchy(t->rootfd, m->destination, &v->unified,
							   flags, m->clear, fresh)
					 : -ENOENT;
	/* The tmpfs itself is rw, as runc's: only the hierarchies take the entry's "ro". */
	if (mount("tmpfs", t->path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
		return negative_errno();
	for (size_t i = 0; i < v->n; i++) {
		char dest[4096];

		if (snprintf(dest, sizeof(dest), "%s/%s", m->destination, v->v[i].name) >=
		    (int)sizeof(dest))
			return -ENAMETOOLONG;
		r = mount_hierarchy(t->rootfd, dest, &v->v[i], flags, m->clear, fresh);
		if (r < 0)
			return r;
	}
	return cgroup_links(t->rootfd, m->destination, v);
}

/* devpts "gid=5" fails where GID 5 is not mapped: retry without it, as crun does. */
static int mount_devpts(const char *path, const struct tn_oci_mount *m)
{
	char data[512], *gid;

	if (mount(m->source ? m->source : "devpts", path, "devpts", m->flags, m->data) == 0)
		return 0;
	if (errno != EINVAL || !m->data || !(gid = strstr(m->data, "gid=")))
		return negative_errno();
	snprintf(data, sizeof(data), "%.*s%s", (int)(gid - m->data), m->data,
		 strchr(gid, ',') ? strchr(gid, ',') + 1 : "");
	return mount(m->source ? m->source : "devpts", path, "devpts", m->flags, data) < 0
		       ? negative_errno()
		       : 0;
}

/* The idmapped mount `tree` attached on m->destination, then its flags and propagation. */
static int attach_idmapped(int rootfd, const struct tn_oci_mount *m, int tree)
{
	_cleanup_close_ int fd = -1;
	char path[64];
	struct stat st;
	int r;

	if (fstat(tree, &st) < 0)
		return negative_errno();
	r = target(rootfd, m->destination, !S_ISDIR(st.st_mode), &fd, path, sizeof(path));
	if (r < 0)
		return r;
	r = tn_mount_attach(tree, fd, "");
	if (r < 0)
		return r;
	r = retarget(rootfd, m->destination, &fd, path, sizeof(path));
	if (r < 0)
		return r;
	return finish_bind(path, m->flags & ~(MS_REC | MS_REMOUNT | MS_BIND), m);
}

/* An idmapped mount R made (container-idmap.c): attached, then its flags and propagation. */
static int mount_idmapped(int rootfd, const struct tn_oci_mount *m, int tree, struct tn_error **err)
{
	int r = attach_idmapped(rootfd, m, tree);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot attach the idmapped mount of %s on %s",
				      m->source ? m->source : m->type, m->destination);
	return 0;
}

/* As runc: a tmpfs, and /dev, stay writable until tn_container_protect makes them read-only,
 * so what goes in them (device nodes, mount points, a copy-up) can be made. */
static bool readonly_late(const struct tn_oci_mount *m)
{
	return (m->flags & MS_RDONLY) && !m->bind &&
	       (is_type(m, "tmpfs") || strcmp(m->destination, "/dev") == 0);
}

/*
 * A filesystem mounted anew on the target; with tmpcopyup, *ret_under is first the directory
 * it covers (to copy from once covered), or the error opening it.
 */
/* A tmpfs on a directory of the image takes its mode, as runc (1.1.8 and later) gives it: a
 * chmod of the new root, so the mount's options stay as given; a mode= of the options wins. */
static int tmpfs_take_mode(const struct mount_target *t, const struct tn_oci_mount *m)
{
	_cleanup_close_ int fd = -1;
	char path[64];

	if (t->mode < 0 ||
	    (m->data && (strncmp(m->data, "mode=", 5) == 0 || strstr(m->data, ",mode="))))
		return 0;
	fd = tn_openat2_in_root(t->rootfd, m->destination, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return chmod(path, (mode_t)t->mode) < 0 ? negative_errno() : 0;
}

static int mount_fresh(struct tn_init_ctx *ctx, struct mount_target *t,
		       const struct tn_oci_mount *m, int *ret_under)
{

	if (m->tmpcopyup) {
		*ret_under =
			tn_openat2_in_root(t->rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0);
		if (*ret_under < 0)
			return *ret_under;
	}
	if (is_type(m, "cgroup") || is_type(m, "cgroup2"))
		return mount_cgroup(ctx, t, m);
	if (is_type(m, "devpts"))
		return mount_devpts(t->path, m);
	if (mount(m->source ? m->source : m->type, t->path, m->type,
		  m->flags & ~(MS_REMOUNT | (readonly_late(m) ? MS_RDONLY : 0)), m->data) < 0)
		return negative_errno();
	return tmpfs_take_mode(t, m);
}

/*
 * The mode of the directory at `dest` (its permission, setuid, setgid and sticky bits), or -1
 * when there is none: a tmpfs mounted there takes it unless the options say mode=, as runc
 * since 1.1.8 (runc#3911; before, it chmod'ed over mode=); its owner stays the tmpfs's.
 */
static int existing_mode(int rootfd, const char *dest)
{
	_cleanup_close_ int fd = tn_openat2_in_root(rootfd, dest, O_PATH | O_DIRECTORY, 0);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -1;
	return (int)(st.st_mode & 07777);
}

/* A mount that is neither a bind nor idmapped: made anew (or bound from the host where a user
 * namespace may not), filled by tmpcopyup, given its propagation. */
static int mount_new(struct tn_init_ctx *ctx, int rootfd, const struct tn_oci_mount *m)
{
	_cleanup_(mount_target_done) struct mount_target t = {
		.rootfd = rootfd,
		.fd = -1,
		.mode = is_type(m, "tmpfs") ? existing_mode(rootfd, m->destination) : -1,
	};
	_cleanup_close_ int under = -1;
	const char *host = host_fallback(m);
	int r;

	r = target(rootfd, m->destination, false, &t.fd, t.path, sizeof(t.path));
	if (r < 0)
		return r;
	r = mount_fresh(ctx, &t, m, &under);
	/* The fresh mount's error stands when the host has nothing to bind (no /dev/mqueue). */
	if ((r == -EPERM || r == -EACCES || r == -EBUSY) && host && ctx->in_userns &&
	    access(host, F_OK) == 0)
		r = mount_fallback(host, &t, m);
	if (r < 0)
		return r;
	if (m->tmpcopyup) {
		r = tn_copy_up(rootfd, m->destination, under);
		if (r < 0)
			return r;
	}
	if (!m->propagation)
		return 0;
	r = retarget(rootfd, m->destination, &t.fd, t.path, sizeof(t.path));
	if (r < 0)
		return r;
	return mount(NULL, t.path, NULL, m->propagation, NULL) < 0 ? negative_errno() : 0;
}

/* runc's recursive options ("rro", "rnosuid"...) on what is mounted at the destination and
 * below, for a bind or a cgroup mount; runc ignores them on the others. */
static int rec_attrs(int rootfd, const struct tn_oci_mount *m, struct tn_error **err)
{
	_cleanup_close_ int fd = -1;
	int r;

	if ((!m->attr_set && !m->attr_clr) ||
	    !(m->bind || m->idmap || is_type(m, "cgroup") || is_type(m, "cgroup2")))
		return 0;
	fd = tn_openat2_in_root(rootfd, m->destination, O_PATH, 0);
	if (fd < 0)
		return tn_error_errno(err, -fd, "cannot open %s", m->destination);
	r = attr_recursive(fd, m->attr_set, m->attr_clr);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot set the recursive options of %s",
				      m->destination);
	return 0;
}

static int mount_one(struct tn_init_ctx *ctx, int rootfd, size_t i, struct tn_error **err)
{
	const struct tn_oci_mount *m = &ctx->cfg->mounts[i];
	int r;

	if (ctx->mount_fds && ctx->mount_fds[i] >= 0)
		r = mount_idmapped(rootfd, m, ctx->mount_fds[i], err);
	else if (m->bind)
		r = mount_bind(ctx, rootfd, i, err);
	else {
		r = mount_new(ctx, rootfd, m);
		if (r < 0) {
			int e = tn_error_errno(err, -r, "cannot mount %s (type %s) on %s",
					       m->source ? m->source : "none",
					       m->type ? m->type : "none", m->destination);

			if (r == -EPERM && ctx->in_userns && host_fallback(m))
				tn_error_hint(
					err, e,
					"a new one needs the namespace it shows (network "
					"for sysfs, PID for proc, IPC for mqueue) to belong to "
					"the container's user namespace, and the host has none "
					"to bind in its place");
			return e;
		}
	}
	if (r < 0)
		return r;
	return rec_attrs(rootfd, m, err);
}

/* ---- root ---- */

static int pivot(struct tn_init_ctx *ctx, struct tn_error **err)
{
	_cleanup_close_ int oldroot = -1, newroot = -1;

	if (ctx->o->no_pivot) {
		int r = tn_nopivot_hide(ctx->rootfs, err);

		if (r < 0)
			return r;
		if (chdir(ctx->rootfs) < 0 || mount(ctx->rootfs, "/", NULL, MS_MOVE, NULL) < 0 ||
		    chroot(".") < 0 || chdir("/") < 0)
			return tn_error_errno(err, errno, "cannot move into %s", ctx->rootfs);
		return 0;
	}
	oldroot = open("/", O_DIRECTORY | O_PATH | O_CLOEXEC);
	newroot = open(ctx->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	/* After pivot_root(".", "."), the old root is stacked on the new one: detached there. */
	if (oldroot < 0 || newroot < 0 || fchdir(newroot) < 0 ||
	    syscall(SYS_pivot_root, ".", ".") < 0 || fchdir(oldroot) < 0 ||
	    mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0 ||
	    chdir("/") < 0)
		return tn_error_errno(err, errno, "cannot pivot_root into %s", ctx->rootfs);
	return 0;
}

static int readonly_paths(const struct tn_oci_config *c, struct tn_error **err)
{
	for (size_t i = 0; i < c->n_readonly_paths; i++) {
		const char *p = c->readonly_paths[i];

		if (access(p, F_OK) < 0)
			continue;
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    remount_bind(p, MS_RDONLY, 0) < 0)
			return tn_error_errno(err, errno,
					      "linux.readonlyPaths: cannot make %s "
					      "read-only",
					      p);
	}
	return 0;
}

/* As runc: the read-only paths first, then the masked ones (in mountinfo's order too). */
static int mask_paths(const struct tn_oci_config *c, struct tn_error **err)
{
	int r = readonly_paths(c, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_masked_paths; i++) {
		const char *p = c->masked_paths[i];
		struct stat st;

		if (stat(p, &st) < 0)
			continue; /* nothing to hide */
		if (S_ISDIR(st.st_mode))
			r = mount("tmpfs", p, "tmpfs", MS_RDONLY, NULL);
		else
			r = mount("/dev/null", p, NULL, MS_BIND, NULL);
		if (r < 0)
			return tn_error_errno(err, errno, "linux.maskedPaths: cannot mask %s", p);
	}
	return 0;
}

/* The root filesystem bound on itself, or R's idmapped clone of it attached there. */
static int prepare_root(struct tn_init_ctx *ctx, struct tn_error **err)
{
	unsigned long prop =
		ctx->cfg->rootfs_propagation ? ctx->cfg->rootfs_propagation : MS_SLAVE | MS_REC;
	int r;

	/* As runc: rootfsPropagation (rslave by default) on the namespace's copy of the host's
	 * tree, so that a bind from a shared host mount asked to be shared stays its peer; the
	 * root's own mount then private, so that nothing mounted in the root reaches the host. */
	if (mount(NULL, "/", NULL, prop, NULL) < 0)
		return tn_error_errno(err, errno, "linux.rootfsPropagation: cannot apply it to /");
	if ((prop & MS_SHARED) || !(prop & MS_REC)) { /* where a mount may still be shared */
		r = tn_rootfs_parent_private(ctx->rootfs, err);
		if (r < 0)
			return r;
	}
	if ((ctx->rootfs_fd >= 0
		     ? tn_mount_attach(ctx->rootfs_fd, AT_FDCWD, ctx->rootfs) < 0
		     : mount(ctx->rootfs, ctx->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)) {
		r = tn_error_errno(err, errno, "cannot prepare the root filesystem %s",
				   ctx->rootfs);
		if (errno == EACCES && ctx->in_userns)
			tn_error_hint(
				err, r,
				"the container's root is an unprivileged host ID: every "
				"directory above the root filesystem must be searchable by it "
				"(chmod o+x), as with runc");
		return r;
	}
	/* The clone is attached: R's fd, held in the shared context, has served. */
	ctx->rootfs_fd = safe_close(ctx->rootfs_fd);
	return 0;
}

/* config.json's mounts, process.cwd and /dev, each resolved inside the root. */
static int mount_all(struct tn_init_ctx *ctx, struct tn_error **err)
{
	const struct tn_oci_config *c = ctx->cfg;
	_cleanup_close_ int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (rootfd < 0)
		return tn_error_errno(err, errno, "cannot open %s", ctx->rootfs);
	for (size_t i = 0; i < c->n_mounts; i++) {
		r = mount_one(ctx, rootfd, i, err);
		if (r < 0)
			return r;
	}
	/* R's fds of host paths: never the container's (they are O_CLOEXEC too). */
	tn_mount_sources_done(&ctx->sources);
	/* As runc: a missing working directory is created, before the root may turn read-only. */
	if (c->has_process) {
		r = tn_mkpath_in_root(rootfd, c->process.cwd, false);
		if (r < 0)
			return tn_error_errno(err, -r, "process.cwd: cannot create %s",
					      c->process.cwd);
	}
	return tn_container_needs_dev(c) ? tn_container_make_devices(ctx, rootfd, err) : 0;
}

int tn_container_setup_rootfs(struct tn_init_ctx *ctx, struct tn_error **err)
{
	unsigned long prop = ctx->cfg->rootfs_propagation;
	int r;

	r = prepare_root(ctx, err);
	if (r < 0)
		return r;
	r = mount_all(ctx, err);
	if (r < 0)
		return r;
	r = tn_container_hook_point(ctx, err);
	if (r < 0)
		return r;
	r = pivot(ctx, err);
	if (r < 0)
		return r;
	if (prop && mount(NULL, "/", NULL, prop, NULL) < 0)
		return tn_error_errno(err, errno, "linux.rootfsPropagation: cannot apply it");
	return 0;
}

/* After sysctl (which writes /proc/sys), as runc orders it: the read-only mounts filled while
 * writable, read-only paths, masked paths (mountinfo lists them in runc's order), the root. */
int tn_container_protect(struct tn_init_ctx *ctx, struct tn_error **err)
{
	const struct tn_oci_config *c = ctx->cfg;
	int r;

	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct tn_oci_mount *m = &c->mounts[i];

		if (!readonly_late(m))
			continue;
		r = remount_bind(m->destination,
				 (m->flags & ~(MS_REMOUNT | MS_BIND | MS_REC)) | MS_RDONLY,
				 m->clear);
		if (r < 0)
			return tn_error_errno(err, -r, "cannot make %s read-only", m->destination);
	}
	r = mask_paths(c, err);
	if (r < 0)
		return r;
	if (c->root_readonly && remount_bind("/", MS_RDONLY, 0) < 0)
		return tn_error_errno(err, errno, "root.readonly: cannot make / read-only");
	return 0;
}
