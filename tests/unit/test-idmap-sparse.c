/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "idmap-sparse.h"
#include "tap.h"

static void set_of(struct tn_idset *s, const uint32_t *ids, size_t n)
{
	*s = (struct tn_idset){ 0 };
	for (size_t i = 0; i < n; i++)
		tn_idset_add(s, ids[i], 1);
	tn_idset_normalize(s);
}

TEST(seed_003_large_uid_is_one_extent_of_its_own)
{
	/* An image's accounts 0-12 and 100, nobody, and seed 003's UID 1000320999. */
	static const uint32_t ids[] = { 0, 1, 2, 12, 100, 65534, 1000320999 };
	struct tn_idset s;
	struct tn_idmap_extent *v;
	size_t n;
	uint64_t total;

	set_of(&s, ids, sizeof(ids) / sizeof(ids[0]));
	ASSERT_EQ(tn_idmap_sparse_plan(&s, &v, &n, &total), 0);
	ASSERT_EQ_U(n, 3);
	/* 0-100 is dense (gaps below 1024): one extent, packed from offset 0. */
	ASSERT_EQ_U(v[0].inside, 0);
	ASSERT_EQ_U(v[0].outside, 0);
	ASSERT_EQ_U(v[0].count, 101);
	ASSERT_EQ_U(v[1].inside, 65534);
	ASSERT_EQ_U(v[1].outside, 101);
	ASSERT_EQ_U(v[1].count, 1);
	ASSERT_EQ_U(v[2].inside, 1000320999);
	ASSERT_EQ_U(v[2].outside, 102);
	ASSERT_EQ_U(v[2].count, 1);
	ASSERT_EQ_U(total, 103); /* not a billion */
	free(v);
	tn_idset_free(&s);
}

TEST(many_outliers_are_joined_to_fit_340_extents_and_a_page)
{
	struct tn_idset s = { 0 };
	struct tn_idmap_extent *v;
	size_t n, text = 0;
	uint64_t total, covered = 0;

	for (uint32_t i = 0; i < 5000; i++) /* 5000 IDs, 100000 apart */
		tn_idset_add(&s, (uint64_t)i * 100000 + 7, 1);
	tn_idset_normalize(&s);
	ASSERT_EQ(tn_idmap_sparse_plan(&s, &v, &n, &total), 0);
	ASSERT_TRUE(n <= TN_IDMAP_MAX_EXTENTS);
	for (size_t i = 0; i < n; i++) {
		char line[64];

		text += (size_t)snprintf(line, sizeof(line), "%u %u %u\n", v[i].inside, 4000000000u,
					 v[i].count);
		ASSERT_EQ_U(v[i].outside, covered); /* packed one after the other */
		covered += v[i].count;
		if (i > 0)
			ASSERT_TRUE(v[i].inside > v[i - 1].inside + v[i - 1].count);
	}
	ASSERT_TRUE(text <= TN_IDMAP_MAX_TEXT);
	ASSERT_EQ_U(total, covered);
	/* Every ID is still mapped. */
	for (uint32_t i = 0; i < 5000; i++) {
		uint64_t id = (uint64_t)i * 100000 + 7;
		bool in = false;

		for (size_t k = 0; k < n; k++)
			in = in || (id >= v[k].inside && id < (uint64_t)v[k].inside + v[k].count);
		ASSERT_TRUE(in);
	}
	free(v);
	tn_idset_free(&s);
}

TEST(id_4294967295_is_never_mapped_and_an_empty_set_is_refused)
{
	struct tn_idset s = { 0 };
	struct tn_idmap_extent *v;
	size_t n;
	uint64_t total;

	tn_idset_add(&s, 4294967294u, 2);
	tn_idset_normalize(&s);
	ASSERT_EQ(tn_idmap_sparse_plan(&s, &v, &n, &total), 0);
	ASSERT_EQ_U(n, 1);
	ASSERT_EQ_U(v[0].count, 1);
	free(v);
	tn_idset_free(&s);
	s = (struct tn_idset){ 0 };
	ASSERT_EQ(tn_idmap_sparse_plan(&s, &v, &n, &total), -EINVAL);
}

TAP_MAIN
