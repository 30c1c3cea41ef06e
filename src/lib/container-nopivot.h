/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --no-pivot (container-nopivot.c): with chroot instead of pivot_root the host's mounts stay in
 * the container's mount namespace, below its root. A full procfs or sysfs among them lets a
 * process of the container that makes a user namespace of its own (where the container's masks
 * are locked) mount a new, unmasked one: the kernel allows it where one is fully visible. As
 * runc, those are detached first, or covered by a tmpfs where they cannot be.
 */
#pragma once

#include "error.h"

/* Each mount point of `mountinfo` (its text) that is a full procfs or sysfs (its root is the
 * filesystem's) outside `rootfs`, in order, to fn; stops at fn's first error. */
int tn_nopivot_each(const char *mountinfo, const char *rootfs,
		    int (*fn)(const char *mountpoint, void *data), void *data);

/* P2, before moving `rootfs` onto /: those mounts detached (or covered). */
int tn_nopivot_hide(const char *rootfs, struct tn_error **err);

/*
 * P2, before the root filesystem is bound on itself under a shared "/" (rootfsPropagation
 * shared or rshared, as runc keeps it then): the mount that holds `rootfs` made private if it is
 * shared, as runc's rootfsParentMountPrivate does, so that neither that bind nor anything
 * mounted below it propagates to the host. A bind of a shared source (a mount's "rshared"
 * option, Kubernetes' Bidirectional propagation) stays in its source's peer group.
 */
int tn_rootfs_parent_private(const char *rootfs, struct tn_error **err);
