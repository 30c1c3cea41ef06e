/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "error.h"
#include "idmap.h"
#include "oci-config.h"

/* R, before the container runs: owners in its rootfs and bind-mounted sources that `maps`
 * cannot show, as a warning with the fix (container-preflight.c). Fails only out of memory. */
int tn_container_preflight(const struct tn_oci_config *cfg, const char *bundle, const char *rootfs,
			   const struct tn_idmap maps[2], struct tn_error **warn);
