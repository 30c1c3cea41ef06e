/* SPDX-License-Identifier: Apache-2.0 */
/* P2: the container's filesystem. */
#pragma once

#include "container-stage.h"

/* Before the fifo: the root filesystem, mounts, pivot_root, /dev, the hook point. */
int tn_container_setup_rootfs(struct tn_init_ctx *ctx, struct tn_error **err);
/* After setup_misc: masked and read-only paths, a read-only root. */
int tn_container_protect(struct tn_init_ctx *ctx, struct tn_error **err);
