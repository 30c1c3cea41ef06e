/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "idmap.h"
#include "oci-config.h"

/* R, before the fork: the idmapped mounts (container-idmap.c). */
struct tn_idmapped_mounts {
	int rootfs_fd; /* -1: the rootfs is bound as it is */
	int *fds;      /* per mounts[i], -1 for the others */
	size_t n;
};
/* Whether the container has any idmapped mount (the rootfs's when `idmap_rootfs`). */
bool tn_container_idmaps(const struct tn_oci_config *cfg, bool idmap_rootfs);
/* Refused, with the reason, when it has one and tenant is not root on the host. */
int tn_container_idmapped_allowed(const struct tn_oci_config *cfg, bool idmap_rootfs,
				  struct tn_error **err);

struct tn_container_idmap_req {
	const struct tn_oci_config *cfg;
	const char *bundle;
	const char *rootfs;
	bool idmap_rootfs;    /* the rootfs too */
	bool rootfs_optional; /* ...where its filesystem takes one (run.tenant.rootfs-idmap=auto) */
	const struct tn_idmap *maps; /* the container's planned maps [2], or NULL */
	int userns_fd;		     /* the container's user namespace, maps written, or -1 */
	dev_t rootfs_dev;	     /* the rootfs directory planning checked (auto), which must */
	ino_t rootfs_ino;	     /* still be root's alone; ino 0: any */
};
int tn_container_idmapped(const struct tn_container_idmap_req *req, struct tn_idmapped_mounts *ret,
			  struct tn_error **err);
void tn_idmapped_mounts_done(struct tn_idmapped_mounts *m);
