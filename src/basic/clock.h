/* SPDX-License-Identifier: Apache-2.0 */
/* Wall-clock time as tenant writes it (state.json's "created", --log lines). */
#pragma once

/* Current time as RFC 3339 with nanoseconds, UTC: "2026-11-23T12:00:00.123456789Z"; NULL when
 * out of memory. */
char *tn_now_rfc3339(void);
