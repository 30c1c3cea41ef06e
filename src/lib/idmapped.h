/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Idmapped mounts (mount_setattr(2) with MOUNT_ATTR_IDMAP): a detached copy of a mount tree
 * whose files' owners are read through a user namespace's maps. An owner k on disk shows as the
 * host ID that container ID k maps to, so a tree of unshifted IDs (an image as extracted by
 * root) looks right inside a container of any range, without chown.
 *
 * Made by a process privileged over the filesystem (root on the host), passed to the container
 * as an fd, attached there with move_mount(2).
 */
#pragma once

#include <sys/stat.h>

#include <stdbool.h>

#include <sys/types.h>

#include "error.h"
#include "idmap.h"

/*
 * A detached clone of the mount at `path` (with its submounts: clone_recursive), idmapped
 * (the submounts too: idmap_recursive, runtime-spec's "ridmap"); an fd (O_CLOEXEC) in *ret.
 */
int tn_idmapped_tree(const char *path, int userns_fd, bool clone_recursive, bool idmap_recursive,
		     int *ret, struct tn_error **err);
/* The same of `path` relative to `dirfd` ("": dirfd itself), named `name` in errors. */
int tn_idmapped_tree_at(int dirfd, const char *path, const char *name, int userns_fd,
			bool clone_recursive, bool idmap_recursive, int *ret,
			struct tn_error **err);
/*
 * Whether a tree may be idmapped without being asked (run.tenant.rootfs-idmap=auto,
 * auto:size=image): its root directory is root's and only root may write it. Through an
 * idmapped mount the container's root writes as host root; on a tree another user owns, that
 * user's programs would run as the container's root and could leave a setuid-root file there.
 */
bool tn_idmapped_tree_trusted(const struct stat *st);
/* The same, of a new filesystem: fsopen(type), "source" and the comma-separated `data`
 * options, fsmount. */
int tn_idmapped_fs(const char *type, const char *source, const char *data, int userns_fd, int *ret,
		   struct tn_error **err);

/* A user namespace with these maps (written directly: root), to idmap mounts with; a child
 * holds it until tn_idmap_userns_done. */
struct tn_idmap_userns {
	pid_t pid;
	int fd;
};
int tn_idmap_userns_make(const struct tn_idmap_extent *const ext[2], const size_t n[2],
			 struct tn_idmap_userns *ret);
void tn_idmap_userns_done(struct tn_idmap_userns *u);

/* Attach a detached tree (from tn_idmapped_tree) at `target` relative to `dirfd` (AT_FDCWD), or
 * onto `dirfd` itself when `target` is "". */
int tn_mount_attach(int tree_fd, int dirfd, const char *target);
/* Whether this kernel and `path`'s filesystem take idmapped mounts (probed, as root). */
bool tn_idmapped_supported(const char *path);
