/* SPDX-License-Identifier: Apache-2.0 */
/* P2: the container's device nodes and /dev links (container-devices.c). */
#pragma once

#include <stdbool.h>

#include "container-stage.h"

/* Whether /dev is set up, as runc decides: unless a bind mount is made on /dev. */
bool tn_container_needs_dev(const struct tn_oci_config *c);
/* Before pivot_root, after the mounts: the default devices, linux.devices, the links. */
int tn_container_make_devices(struct tn_init_ctx *ctx, int rootfd, struct tn_error **err);
/*
 * linux.resources.devices as runc applies them, on create: the config's rules, then what runc
 * always allows (a default node linux.devices gives by path is left to the config). A rootless
 * caller gets none (runc's fail there, and it goes on).
 */
int tn_container_device_rules(struct tn_oci_config *c, bool rootless);
