/* SPDX-License-Identifier: Apache-2.0 */
/* The caller's own capabilities (capget(2)). */
#pragma once

#include <stdbool.h>

/* Whether capability `cap` (CAP_SETUID, ...) is in the effective set; false if unknown. */
bool tn_cap_effective(int cap);
