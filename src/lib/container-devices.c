/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's device nodes (container-devices.h), as runc makes them: its default devices
 * (null, zero, full, random, urandom, tty), then linux.devices in order, then the /dev links.
 *
 * A node is made with mknod, mode and owner as asked, where that is allowed: by root without a
 * user namespace. In a user namespace (or where mknod is refused) the host's node at the same
 * path is bound on an empty file instead, and keeps the host's mode and owner, as with runc.
 * A node that exists already is kept. Paths are resolved inside the root, their missing
 * parents made (0755).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "container-devices.h"
#include "in-root.h"
#include "banned.h"

/* What runc always allows, in its order (libcontainer's AllowedDevices); those with a path are
 * its default nodes. */
static const struct {
	const char *path;
	struct tn_device_rule rule;
} defaults[] = {
	{ NULL, { true, 'c', -1, -1, "m" } },	     { NULL, { true, 'b', -1, -1, "m" } },
	{ "/dev/null", { true, 'c', 1, 3, "rwm" } }, { "/dev/random", { true, 'c', 1, 8, "rwm" } },
	{ "/dev/full", { true, 'c', 1, 7, "rwm" } }, { "/dev/tty", { true, 'c', 5, 0, "rwm" } },
	{ "/dev/zero", { true, 'c', 1, 5, "rwm" } }, { "/dev/urandom", { true, 'c', 1, 9, "rwm" } },
	{ NULL, { true, 'c', 136, -1, "rwm" } },     { NULL, { true, 'c', 5, 2, "rwm" } },
	{ NULL, { true, 'c', 10, 200, "rwm" } },
};

/* A default device the config gives itself (by path) is the config's, as in runc. */
static bool given(const struct tn_oci_config *c, const char *path)
{
	for (size_t i = 0; i < c->n_devices; i++)
		if (strcmp(c->devices[i].path, path) == 0)
			return true;
	return false;
}

/* The directory that holds `path` inside the root, made when missing; *ret_name points at the
 * last component of `path`. */
static int open_parent(int rootfd, const char *path, const char **ret_name)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	int r;

	if (!slash || slash[1] == '\0' || (size_t)(slash - path) >= sizeof(dir))
		return -EINVAL;
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash == path ? 1 : slash - path), path);
	r = tn_mkpath_in_root(rootfd, dir, false);
	if (r < 0)
		return r;
	*ret_name = slash + 1;
	return tn_openat2_in_root(rootfd, dir, O_PATH | O_DIRECTORY, 0);
}

static mode_t node_mode(const struct tn_oci_device *d)
{
	mode_t perm = d->has_file_mode ? (mode_t)(d->file_mode & 07777) : 0666;

	return perm | (d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR);
}

/* mknod, then the mode without the umask and the owner; -EEXIST when the node exists. */
static int mknod_node(int dir, const char *name, const struct tn_oci_device *d)
{
	dev_t dev = d->type == 'p' ? 0 : makedev((unsigned)d->major, (unsigned)d->minor);

	if (mknodat(dir, name, node_mode(d), dev) < 0)
		return negative_errno();
	if (fchmodat(dir, name, node_mode(d) & 07777, 0) < 0)
		return negative_errno();
	if (fchownat(dir, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	return 0;
}

/* The host's node at the same path, bound on an empty file at it. */
static int bind_node(int dir, const char *name, const struct tn_oci_device *d)
{
	_cleanup_close_ int fd = -1;
	char path[64];

	/* O_EXCL: what is there already is never opened (a node of the image would be). */
	fd = openat(dir, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		return negative_errno();
	fd = safe_close(fd);
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return mount(d->path, path, NULL, MS_BIND, NULL) < 0 ? negative_errno() : 0;
}

static int make_node(struct tn_init_ctx *ctx, int rootfd, const struct tn_oci_device *d)
{
	_cleanup_close_ int dir = -1;
	const char *name;
	int r;

	dir = open_parent(rootfd, d->path, &name);
	if (dir < 0)
		return dir;
	if (ctx->in_userns)
		return bind_node(dir, name, d);
	r = mknod_node(dir, name, d);
	if (r == -EEXIST)
		return 0;
	if (r == -EPERM)
		return bind_node(dir, name, d);
	return r;
}

static int make_links(int rootfd, struct tn_error **err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },
		{ "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" },
		{ "/proc/self/fd/2", "stderr" },
	};
	_cleanup_close_ int dir = tn_openat2_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, 0);

	if (dir < 0)
		return tn_error_errno(err, -dir, "cannot open /dev");
	/* /dev/ptmx is always the link to the devpts instance's, whatever is there. */
	if (unlinkat(dir, "ptmx", 0) < 0 && errno != ENOENT)
		return tn_error_errno(err, errno, "cannot remove /dev/ptmx");
	if (symlinkat("pts/ptmx", dir, "ptmx") < 0)
		return tn_error_errno(err, errno, "cannot create /dev/ptmx");
	for (size_t i = 0; i < ELEMENTSOF(links); i++)
		if (symlinkat(links[i][0], dir, links[i][1]) < 0 && errno != EEXIST)
			return tn_error_errno(err, errno, "cannot create /dev/%s", links[i][1]);
	return 0;
}

int tn_container_make_devices(struct tn_init_ctx *ctx, int rootfd, struct tn_error **err)
{
	const struct tn_oci_config *c = ctx->cfg;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(defaults); i++) {
		const struct tn_oci_device d = { .path = (char *)defaults[i].path,
						 .type = defaults[i].rule.type,
						 .major = defaults[i].rule.major,
						 .minor = defaults[i].rule.minor };

		if (!d.path || given(c, d.path))
			continue;
		r = make_node(ctx, rootfd, &d);
		if (r < 0)
			return tn_error_errno(err, -r, "cannot create %s", d.path);
	}
	for (size_t i = 0; i < c->n_devices; i++) {
		const struct tn_oci_device *d = &c->devices[i];

		if (strcmp(d->path, "/dev/ptmx") == 0)
			continue; /* the link to pts/ptmx, below */
		r = make_node(ctx, rootfd, d);
		if (r < 0) {
			r = tn_error_errno(err, -r, "linux.devices[%zu]: cannot create %s", i,
					   d->path);
			if (ctx->in_userns)
				tn_error_hint(err, r,
					      "in a user namespace the host's node at the same "
					      "path is bound: it must exist on the host");
			return r;
		}
	}
	return make_links(rootfd, err);
}

bool tn_container_needs_dev(const struct tn_oci_config *c)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (c->mounts[i].bind && strcmp(c->mounts[i].destination, "/dev") == 0)
			return false;
	return true;
}

int tn_container_device_rules(struct tn_oci_config *c, bool rootless)
{
	struct tn_resources *res = &c->resources;
	struct tn_device_rule *v;

	/* Rootless, runc's device rules fail (only root may write them, or attach a BPF
	 * program) and it ignores that: none are applied. */
	if (rootless) {
		res->has_devices = false;
		return 0;
	}
	v = reallocarray(res->devices, res->n_devices + ELEMENTSOF(defaults) + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	res->devices = v;
	for (size_t i = 0; i < ELEMENTSOF(defaults); i++)
		if (!defaults[i].path || !given(c, defaults[i].path))
			v[res->n_devices++] = defaults[i].rule;
	res->has_devices = true;
	return 0;
}
