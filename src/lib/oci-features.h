/* SPDX-License-Identifier: Apache-2.0 */
/* `tenant features`: runtime-spec features.md JSON (oci-features.c). */
#pragma once

#include "buf.h"

int tn_oci_features(struct tn_buf *out);
