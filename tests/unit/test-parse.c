/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "parse.h"
#include "tap.h"

TEST(u32_accepts_plain_decimal)
{
	uint32_t v = 7;

	ASSERT_EQ(tn_parse_u32("0", &v), 0);
	ASSERT_EQ_U(v, 0);
	ASSERT_EQ(tn_parse_u32("4294967295", &v), 0);
	ASSERT_EQ_U(v, 4294967295u);
	ASSERT_EQ(tn_parse_u32("0100", &v), 0); /* the generic parser reads decimal */
	ASSERT_EQ_U(v, 100);
}

TEST(u32_rejects_overflow)
{
	uint32_t v = 7;

	ASSERT_EQ(tn_parse_u32("4294967296", &v), -ERANGE);
	ASSERT_EQ(tn_parse_u32("99999999999999999999999", &v), -ERANGE);
	ASSERT_EQ_U(v, 7); /* untouched on failure */
}

TEST(u64_edges)
{
	uint64_t v;

	ASSERT_EQ(tn_parse_u64("18446744073709551615", &v), 0);
	ASSERT_EQ_U(v, UINT64_MAX);
	ASSERT_EQ(tn_parse_u64("18446744073709551616", &v), -ERANGE);
	ASSERT_EQ(tn_parse_u64("18446744073709551620", &v), -ERANGE);
}

TEST(rejects_everything_but_digits)
{
	const char *bad[] = { "", "-1", "+1", " 1", "1 ", "1a", "0x10", "1.0", "\t2", "1\n" };
	uint32_t v;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tn_parse_u32(bad[i], &v) != -EINVAL)
			TAP_FAIL("'%s' was not rejected with -EINVAL", bad[i]);
}

TEST(length_bounded)
{
	uint32_t v;

	ASSERT_EQ(tn_parse_u32_n("123456", 3, &v), 0);
	ASSERT_EQ_U(v, 123);
	ASSERT_EQ(tn_parse_u32_n("123", 0, &v), -EINVAL);
	ASSERT_TRUE(tn_all_digits("0123", 4));
	ASSERT_FALSE(tn_all_digits("", 0));
}

TAP_MAIN
