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

#include <stdbool.h>

#include "error.h"

/* A detached, recursive, idmapped clone of the tree at `path`; an fd (O_CLOEXEC) in *ret. */
int tn_idmapped_tree(const char *path, int userns_fd, int *ret, struct tn_error **err);
/* Attach a detached tree (from tn_idmapped_tree) at `target`. */
int tn_mount_attach(int tree_fd, const char *target);
/* Whether this kernel and `path`'s filesystem take idmapped mounts (probed, as root). */
bool tn_idmapped_supported(const char *path);
