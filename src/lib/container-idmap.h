/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#include "error.h"
#include "idmap.h"
#include "oci-config.h"

/* R, before the fork: the idmapped mounts (container-idmap.c). */
struct tn_idmapped_mounts {
	int rootfs_fd; /* -1: the rootfs is bound as it is */
	int *fds;      /* per mounts[i], -1 for the others */
	size_t n;
};
int tn_container_idmapped(const struct tn_oci_config *cfg, const char *bundle, const char *rootfs,
			  bool idmap_rootfs, const struct tn_idmap maps[2],
			  struct tn_idmapped_mounts *ret, struct tn_error **err);
void tn_idmapped_mounts_done(struct tn_idmapped_mounts *m);
