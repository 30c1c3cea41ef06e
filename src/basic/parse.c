/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "parse.h"
#include "banned.h"

bool tn_all_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int tn_parse_u64_n(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;

	if (!tn_all_digits(s, len))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		/* Check before multiplying: v * 10 + d must not exceed UINT64_MAX. */
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	return 0;
}

int tn_parse_u32_n(const char *s, size_t len, uint32_t *ret)
{
	uint64_t v;
	int r;

	r = tn_parse_u64_n(s, len, &v);
	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int tn_parse_u64(const char *s, uint64_t *ret)
{
	return tn_parse_u64_n(s, strlen(s), ret);
}

int tn_parse_u32(const char *s, uint32_t *ret)
{
	return tn_parse_u32_n(s, strlen(s), ret);
}
