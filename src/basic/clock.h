/* SPDX-License-Identifier: Apache-2.0 */
/* Wall-clock time as tenant writes it (state.json's "created", --log lines). */
#pragma once

#include <time.h>

/* A time as RFC 3339 in UTC with nanoseconds, as Go's RFC3339Nano (runc's "created"): trailing
 * zeros dropped, "2026-11-23T12:00:00.12345Z", "2026-11-23T12:00:00Z"; NULL when out of
 * memory. */
char *tn_time_rfc3339(const struct timespec *ts);
/* Now, the same way. */
char *tn_now_rfc3339(void);
