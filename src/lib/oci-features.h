/* SPDX-License-Identifier: Apache-2.0 */
/* `tenant features`: runtime-spec features.md JSON (oci-features.c). */
#pragma once

#include "buf.h"

/* The features JSON into `out`; `version` is tenant's own (the CLI knows it). */
int tn_oci_features(const char *version, struct tn_buf *out);
