/* SPDX-License-Identifier: Apache-2.0 */
/* The default config.json of `tenant spec` (oci-spec.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* runc's default spec; rootless maps container 0 to uid/gid (the caller). */
int tn_oci_spec_default(bool rootless, uint32_t uid, uint32_t gid, struct tn_buf *out);
