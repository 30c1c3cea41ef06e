/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "idrange.h"
#include "tap.h"

TEST(check_last_valid_id)
{
	ASSERT_EQ(tn_idrange_check(4294967294u, 1), 0);
	ASSERT_EQ(tn_idrange_check(4294967294u, 2), -ERANGE);
	ASSERT_EQ(tn_idrange_check(4294967295u, 1), -ERANGE);
	ASSERT_EQ(tn_idrange_check(0, 4294967295u), 0); /* 0 .. 4294967294 */
	ASSERT_EQ(tn_idrange_check(1, 4294967295u), -ERANGE);
}

TEST(check_count_zero)
{
	ASSERT_EQ(tn_idrange_check(100000, 0), -EINVAL);
}

TEST(check_never_wraps)
{
	/* start + count exceeds 2^32 and 2^64 without wrapping into "valid". */
	ASSERT_EQ(tn_idrange_check(4294967295u, 4294967295u), -ERANGE);
	ASSERT_EQ(tn_idrange_check(UINT64_MAX, UINT64_MAX), -ERANGE);
	ASSERT_EQ(tn_idrange_check(2, UINT64_MAX), -ERANGE);
}

TEST(overlap_and_contains)
{
	struct tn_idrange a = { 100, 10 }, b = { 109, 5 }, c = { 110, 5 }, z = { 105, 0 };

	ASSERT_TRUE(tn_idrange_overlaps(a, b));
	ASSERT_FALSE(tn_idrange_overlaps(a, c));
	ASSERT_FALSE(tn_idrange_overlaps(a, z));
	ASSERT_TRUE(tn_idrange_contains(a, 109));
	ASSERT_FALSE(tn_idrange_contains(a, 110));
	ASSERT_EQ_U(tn_idrange_end((struct tn_idrange){ 4294967295u, 4294967295u }), 8589934590ull);
}

TEST(total_in_64_bits)
{
	struct tn_idrange v[] = { { 0, 4294967295u }, { 0, 4294967295u } };

	ASSERT_EQ_U(tn_idrange_total(v, 2), 8589934590ull);
}

TEST(idset_merges_and_counts)
{
	struct tn_idset s = { 0 };

	ASSERT_EQ(tn_idset_add(&s, 10, 5), 0);
	ASSERT_EQ(tn_idset_add(&s, 0, 3), 0);
	ASSERT_EQ(tn_idset_add(&s, 12, 10), 0);
	ASSERT_EQ(tn_idset_add(&s, 22, 1), 0); /* adjacent: merged */
	tn_idset_normalize(&s);
	ASSERT_EQ_U(s.n, 2);
	ASSERT_EQ_U(tn_idset_count(&s), 3 + 13);
	ASSERT_TRUE(tn_idset_overlaps(&s, 22, 1));
	ASSERT_FALSE(tn_idset_overlaps(&s, 3, 7));
	ASSERT_TRUE(tn_idset_overlaps(&s, 3, 8));
	tn_idset_free(&s);
}

TEST(find_free_lowest_gap)
{
	struct tn_idset s = { 0 };
	uint32_t start;

	tn_idset_normalize(&s);
	ASSERT_EQ(tn_idset_find_free(&s, 100000, 600100000, 65536, 1, &start), 0);
	ASSERT_EQ_U(start, 100000);
	tn_idset_add(&s, 100000, 65536);
	tn_idset_add(&s, 300000, 65536);
	tn_idset_normalize(&s);
	ASSERT_EQ(tn_idset_find_free(&s, 100000, 600100000, 65536, 1, &start), 0);
	ASSERT_EQ_U(start, 165536);
	/* The gap 165536..299999 is too small for 200000: the next one is after 365535. */
	ASSERT_EQ(tn_idset_find_free(&s, 100000, 600100000, 200000, 1, &start), 0);
	ASSERT_EQ_U(start, 365536);
	tn_idset_free(&s);
}

TEST(find_free_respects_max_inclusive)
{
	struct tn_idset s = { 0 };
	uint32_t start;

	tn_idset_normalize(&s);
	/* max is the last ID a range may use: [100, 109] fits exactly. */
	ASSERT_EQ(tn_idset_find_free(&s, 100, 109, 10, 1, &start), 0);
	ASSERT_EQ_U(start, 100);
	ASSERT_EQ(tn_idset_find_free(&s, 100, 108, 10, 1, &start), -ENOSPC);
	ASSERT_EQ(tn_idset_find_free(&s, 4294967290u, UINT64_MAX, 5, 1, &start), 0);
	ASSERT_EQ(tn_idset_find_free(&s, 4294967290u, UINT64_MAX, 6, 1, &start), -ENOSPC);
	ASSERT_EQ(tn_idset_find_free(&s, 10, 5, 1, 1, &start), -EINVAL);
	ASSERT_EQ(tn_idset_find_free(&s, 10, 50, 0, 1, &start), -EINVAL);
}

TEST(find_free_aligned)
{
	struct tn_idset s = { 0 };
	uint32_t start;

	tn_idset_add(&s, 65536, 1);
	tn_idset_normalize(&s);
	ASSERT_EQ(tn_idset_find_free(&s, 1, UINT32_MAX, 65536, 65536, &start), 0);
	ASSERT_EQ_U(start, 131072);
	tn_idset_free(&s);
}

TAP_MAIN
