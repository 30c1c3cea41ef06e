/* SPDX-License-Identifier: Apache-2.0 */
/* Wall-clock time (clock.h). */
#include <stdio.h>
#include <time.h>

#include "clock.h"
#include "banned.h"

char *tn_now_rfc3339(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64], *r;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return asprintf(&r, "%s.%09ldZ", buf, ts.tv_nsec) < 0 ? NULL : r;
}
