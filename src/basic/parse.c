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

bool tn_list_has_n(const char *list, const char *seps, const char *item, size_t n)
{
	if (n == 0)
		return false;
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, seps);

		if (len == n && strncmp(p, item, n) == 0)
			return true;
		p += len + (p[len] != '\0');
	}
	return false;
}

bool tn_list_has(const char *list, const char *seps, const char *item)
{
	return tn_list_has_n(list, seps, item, strlen(item));
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

/* The multiplier of a size's suffix: an optional unit of "kmgtp" (any case, 1024 each), an
 * optional "i", an optional "b" (go-units' RAMInBytes: `[kKmMgGtTpP]?[iI]?[bB]?`). */
static int size_unit(const char *sfx, uint64_t *ret)
{
	static const char units[] = "kmgtp";
	const char *u = *sfx ? strchr(units, *sfx | 0x20) : NULL;

	*ret = 1;
	if (u) {
		for (const char *p = units; p <= u; p++)
			*ret *= 1024;
		sfx++;
	}
	if ((*sfx | 0x20) == 'i')
		sfx++;
	if ((*sfx | 0x20) == 'b')
		sfx++;
	return *sfx ? -EINVAL : 0;
}

int tn_parse_size(const char *s, int64_t *ret)
{
	size_t ni = strspn(s, "0123456789"), nf = 0;
	const char *sfx = s + ni;
	uint64_t whole = 0, mul, part = 0, scale = 1, v;

	if (ni == 0 || ni > 19 || tn_parse_u64_n(s, ni, &whole) < 0)
		return -EINVAL;
	if (*sfx == '.') {
		nf = strspn(sfx + 1, "0123456789");
		if (nf == 0)
			return -EINVAL;
		for (size_t i = 0; i < nf && i < 18; i++, scale *= 10)
			part = part * 10 + (uint64_t)(sfx[1 + i] - '0');
		sfx += 1 + nf;
	}
	if (*sfx == ' ')
		sfx++;
	if (size_unit(sfx, &mul) < 0 || whole > (uint64_t)INT64_MAX / mul)
		return -EINVAL;
	/* The fraction of the unit, truncated (part < scale <= 10^18, mul <= 2^50). */
	v = whole * mul + (uint64_t)((long double)part * mul / scale);
	if (v > INT64_MAX)
		return -EINVAL;
	*ret = (int64_t)v;
	return 0;
}
