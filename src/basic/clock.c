/* SPDX-License-Identifier: Apache-2.0 */
/* Wall-clock time (clock.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "banned.h"

char *tn_time_rfc3339(const struct timespec *ts)
{
	struct tm tm;
	char buf[64], frac[16] = "", *r;
	size_t n;

	/* Not strftime: glibc's reads the time zone (/etc/localtime) first, for nothing here. */
	if (!gmtime_r(&ts->tv_sec, &tm))
		return NULL;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	/* Go's RFC3339Nano, as runc writes it: trailing zeros of the fraction dropped, and the
	 * dot with them when nothing is left. */
	snprintf(frac, sizeof(frac), ".%09ld", ts->tv_nsec);
	n = strlen(frac);
	while (n > 1 && frac[n - 1] == '0')
		frac[--n] = '\0';
	if (n == 1)
		frac[0] = '\0';
	return asprintf(&r, "%s%sZ", buf, frac) < 0 ? NULL : r;
}

char *tn_now_rfc3339(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return tn_time_rfc3339(&ts);
}
