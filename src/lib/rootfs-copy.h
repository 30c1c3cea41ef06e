/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A private, shifted copy of a root filesystem, for when the tree cannot be idmapped: a rootless
 * caller (the kernel wants privilege over the filesystem for an idmapped mount), or a
 * filesystem without idmapped mounts. As the vfs driver of podman and Docker does.
 *
 * The source is read as unshifted (a file's owner on the host is the ID the image means); the
 * copy is written from inside a user namespace with the container's maps, so each file lands
 * on the host ID its owner maps to. Hard links, symlinks, modes (setuid and setgid bits after
 * the chown), times and extended attributes (file capabilities, ACLs) are kept; device nodes
 * cannot be made in a user namespace and are left out (the container's /dev is its own).
 *
 * The caller's own ID is mapped too in that namespace (at an ID the container does not use),
 * so the copy can be made in the caller's directory, and removed later.
 */
#pragma once

#include <stddef.h>

#include "error.h"
#include "idmap.h"
#include "subid.h"

int tn_rootfs_copy(const char *src, const char *dst, const struct tn_subid_source *subid,
		   const struct tn_idmap_extent *const ext[2], const size_t n[2],
		   struct tn_error **err);

/* Remove a copy (missing is fine): in a user namespace of the caller's ranges when rootless. */
int tn_rootfs_copy_remove(const char *dst, const struct tn_subid_source *subid,
			  struct tn_error **err);

/* Where the copy of container (root, id) goes: /var/lib/tenant/rootfs as root,
 * /var/tmp/tenant-UID/rootfs rootless (searchable by the container's root, unlike a home). */
char *tn_rootfs_copy_path(const char *root, const char *id);
/* Make the directories above `path`, owned by the caller, mode 0711. */
int tn_rootfs_copy_prepare(const char *path, struct tn_error **err);
