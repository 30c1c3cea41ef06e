/* SPDX-License-Identifier: Apache-2.0 */
/* P2's side of the OCI hooks that need R: the meeting point before pivot_root. */
#pragma once

#include <stdbool.h>

#include "container-stage.h"

/* Whether the config has hooks that need R and P2 to meet before pivot_root. */
bool tn_container_needs_hook_point(const struct tn_oci_config *c);
/* P2, before pivot_root: let R run prestart and createRuntime (HOOKS, then GO with the
 * state), keep the state for startContainer, then run createContainer. */
int tn_container_hook_point(struct tn_init_ctx *ctx, struct tn_error **err);
