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

TEST(sizes_as_runc_update_reads_them)
{
	const struct {
		const char *text;
		int64_t want;
	} ok[] = {
		{ "0", 0 },
		{ "100", 100 },
		{ "100b", 100 },
		{ "1k", 1024 },
		{ "1KiB", 1024 },
		{ "2 MB", 2097152 },
		{ "1.5m", 1572864 },
		{ "1i", 1 },
		{ "1ib", 1 },
		{ "3G", 3221225472 },
		{ "1t", 1099511627776 },
		{ "1p", 1125899906842624 },
		{ "0.5", 0 },
		{ "8191p", 9222246136947933184 },
	};
	const char *bad[] = {
		"",	"-1",	 "k",	 "1x",	"1kk", "1kib2", "1 k ",
		"1  k", "1.5.5", "1mb2", ".5k", "1.",  "8192p", "99999999999999999999"
	};
	int64_t v;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ASSERT_EQ(tn_parse_size(ok[i].text, &v), 0);
		ASSERT_EQ(v, ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tn_parse_size(bad[i], &v) != -EINVAL)
			TAP_FAIL("'%s' was not rejected with -EINVAL", bad[i]);
}

TEST(list_has_finds_whole_items_only)
{
	ASSERT_TRUE(tn_list_has("cpu,cpuacct", ",", "cpuacct"));
	ASSERT_FALSE(tn_list_has("cpu,cpuacct", ",", "cpua"));
	ASSERT_TRUE(tn_list_has("cpuset hugetlb pids\n", " \n", "pids"));
	ASSERT_FALSE(tn_list_has("cpuset hugetlb pids2", " \n", "pids"));
	ASSERT_TRUE(tn_list_has("memory, cpu", ", ", "cpu"));
	ASSERT_FALSE(tn_list_has("a,,b", ",", ""));
	ASSERT_FALSE(tn_list_has("", ",", "a"));
	ASSERT_TRUE(tn_list_has_n("name=systemd", ",", "name=systemdX", 12));
}

TAP_MAIN
