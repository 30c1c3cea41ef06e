/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "idmap.h"
#include "tap.h"

/* Plan one map and return its kernel-format text ("%10u %10u %10u\n" lines), or NULL. */
static char *plan_text(const struct tn_idmap_request *req, struct tn_idmap *m, int *ret_r,
		       struct tn_error **err)
{
	struct tn_buf b = { 0 };

	*ret_r = tn_idmap_plan(req, m, err);
	if (*ret_r < 0)
		return NULL;
	tn_idmap_format_kernel(m, &b);
	return tn_buf_steal(&b);
}

static const struct tn_idrange seed_bob[] = { { 10000, 65536 }, { 220000, 6000 } };

TEST(auto_seed_003_one_range)
{
	struct tn_idmap_request req = {
		.kind = TN_IDMAP_UID, .mode = TN_IDMAP_AUTO, .id = 1000, .sub = seed_bob, .n_sub = 1
	};
	struct tn_idmap m;
	char *t;
	int r;

	t = plan_text(&req, &m, &r, NULL);
	ASSERT_EQ(r, 0);
	ASSERT_STREQ(t, "         0       1000          1\n"
			"         1      10000      65536\n");
	ASSERT_EQ(m.writer, TN_IDMAP_WRITE_HELPER);
	ASSERT_FALSE(m.deny_setgroups);
	free(t);
	tn_idmap_done(&m);
}

TEST(auto_seed_003_two_ranges)
{
	struct tn_idmap_request req = {
		.kind = TN_IDMAP_UID, .mode = TN_IDMAP_AUTO, .id = 1000, .sub = seed_bob, .n_sub = 2
	};
	struct tn_idmap m;
	char *t;
	int r;

	t = plan_text(&req, &m, &r, NULL);
	ASSERT_EQ(r, 0);
	ASSERT_STREQ(t, "         0       1000          1\n"
			"         1      10000      65536\n"
			"     65537     220000       6000\n");
	free(t);
	tn_idmap_done(&m);
}

TEST(auto_without_ranges_is_refused)
{
	struct tn_idmap_request req = { .kind = TN_IDMAP_GID, .mode = TN_IDMAP_AUTO, .id = 1000 };
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_idmap m;

	ASSERT_EQ(tn_idmap_plan(&req, &m, &err), -ENOENT);
	ASSERT_CONTAINS(err->message, "no subordinate GIDs");
}

TEST(auto_privileged_without_ranges_maps_the_caller)
{
	struct tn_idmap_request req = {
		.kind = TN_IDMAP_UID, .mode = TN_IDMAP_AUTO, .id = 0, .privileged = true
	};
	struct tn_idmap m;

	ASSERT_EQ(tn_idmap_plan(&req, &m, NULL), 0);
	ASSERT_EQ_U(m.n, 1);
	ASSERT_EQ(m.writer, TN_IDMAP_WRITE_DIRECT);
	tn_idmap_done(&m);
}

TEST(root_is_direct_and_denies_setgroups_for_gid)
{
	struct tn_idmap_request req = {
		.kind = TN_IDMAP_GID, .mode = TN_IDMAP_ROOT, .id = 1001, .sub = seed_bob, .n_sub = 2
	};
	struct tn_idmap m;
	char *t;
	int r;

	t = plan_text(&req, &m, &r, NULL);
	ASSERT_EQ(r, 0);
	ASSERT_STREQ(t, "         0       1001          1\n");
	ASSERT_EQ(m.writer, TN_IDMAP_WRITE_DIRECT);
	ASSERT_TRUE(m.deny_setgroups);
	free(t);
	tn_idmap_done(&m);

	req.kind = TN_IDMAP_UID;
	ASSERT_EQ(tn_idmap_plan(&req, &m, NULL), 0);
	ASSERT_FALSE(m.deny_setgroups);
	tn_idmap_done(&m);

	req.privileged = true;
	req.kind = TN_IDMAP_GID;
	ASSERT_EQ(tn_idmap_plan(&req, &m, NULL), 0);
	ASSERT_FALSE(m.deny_setgroups);
	tn_idmap_done(&m);
}

TEST(keep_id_fills_around_the_caller)
{
	struct tn_idmap_request req = { .kind = TN_IDMAP_UID,
					.mode = TN_IDMAP_KEEP_ID,
					.id = 1000,
					.sub = seed_bob,
					.n_sub = 2 };
	struct tn_idmap m;
	char *t;
	int r;

	t = plan_text(&req, &m, &r, NULL);
	ASSERT_EQ(r, 0);
	ASSERT_STREQ(t, "         0      10000       1000\n"
			"      1000       1000          1\n"
			"      1001      11000      64536\n"
			"     65537     220000       6000\n");
	free(t);
	tn_idmap_done(&m);
}

TEST(keep_id_caller_beyond_the_ranges)
{
	static const struct tn_idrange small[] = { { 100000, 10 } };
	struct tn_idmap_request req = {
		.kind = TN_IDMAP_UID, .mode = TN_IDMAP_KEEP_ID, .id = 1000, .sub = small, .n_sub = 1
	};
	struct tn_idmap m;
	char *t;
	int r;

	t = plan_text(&req, &m, &r, NULL);
	ASSERT_EQ(r, 0);
	ASSERT_STREQ(t, "         0     100000         10\n"
			"      1000       1000          1\n");
	free(t);
	tn_idmap_done(&m);
}

TEST(explicit_extent_spanning_two_ranges_is_split)
{
	static const struct tn_idrange adjacent[] = { { 100000, 65536 }, { 165536, 10000 } };
	static const struct tn_idmap_extent want[] = { { 0, 1000, 1 }, { 1, 100000, 70000 } };
	struct tn_idmap_request req = { .kind = TN_IDMAP_UID,
					.mode = TN_IDMAP_EXPLICIT,
					.id = 1000,
					.sub = adjacent,
					.n_sub = 2,
					.explicit_v = want,
					.n_explicit = 2 };
	struct tn_idmap m;
	char *t;
	int r;

	t = plan_text(&req, &m, &r, NULL);
	ASSERT_EQ(r, 0);
	ASSERT_STREQ(t, "         0       1000          1\n"
			"         1     100000      65536\n"
			"     65537     165536       4464\n");
	free(t);
	tn_idmap_done(&m);
}

TEST(explicit_host_id_not_yours)
{
	static const struct tn_idmap_extent want[] = { { 1, 100000, 70000 } };
	struct tn_idmap_request req = { .kind = TN_IDMAP_UID,
					.mode = TN_IDMAP_EXPLICIT,
					.id = 1000,
					.sub = (struct tn_idrange[]){ { 100000, 65536 } },
					.n_sub = 1,
					.explicit_v = want,
					.n_explicit = 1 };
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_idmap m;

	ASSERT_EQ(tn_idmap_plan(&req, &m, &err), -EPERM);
	ASSERT_CONTAINS(err->message, "host UID 165536 of 1:100000:70000");

	/* The same request is fine with CAP_SETUID. */
	req.privileged = true;
	ASSERT_EQ(tn_idmap_plan(&req, &m, NULL), 0);
	ASSERT_EQ_U(m.n, 1);
	tn_idmap_done(&m);
}

TEST(overlap_on_either_side_is_refused)
{
	static const struct tn_idmap_extent in[] = { { 0, 1000, 10 }, { 5, 5000, 10 } };
	static const struct tn_idmap_extent out[] = { { 0, 1000, 10 }, { 100, 1009, 1 } };
	struct tn_idmap_request req = { .kind = TN_IDMAP_GID,
					.mode = TN_IDMAP_EXPLICIT,
					.privileged = true,
					.explicit_v = in,
					.n_explicit = 2 };
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_idmap m;

	ASSERT_EQ(tn_idmap_plan(&req, &m, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "overlap on the container side (ID 5)");
	req.explicit_v = out;
	ASSERT_EQ(tn_idmap_plan(&req, &m, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "overlap on the host side (ID 1009)");
}

TEST(id_4294967295_is_never_mapped)
{
	static const struct tn_idmap_extent last_ok[] = { { 4294967294u, 4294967294u, 1 } };
	static const struct tn_idmap_extent past[] = { { 4294967294u, 0, 2 } };
	struct tn_idmap_request req = { .kind = TN_IDMAP_UID,
					.mode = TN_IDMAP_EXPLICIT,
					.privileged = true,
					.explicit_v = last_ok,
					.n_explicit = 1 };
	struct tn_idmap_extent e;
	struct tn_idmap m;

	ASSERT_EQ(tn_idmap_plan(&req, &m, NULL), 0);
	tn_idmap_done(&m);
	req.explicit_v = past;
	ASSERT_EQ(tn_idmap_plan(&req, &m, NULL), -ERANGE);
	ASSERT_EQ(tn_idmap_extent_parse("0:4294967295:1", &e, NULL), -ERANGE);
	ASSERT_EQ(tn_idmap_extent_parse("0:4294967294:2", &e, NULL), -ERANGE);
	ASSERT_EQ(tn_idmap_extent_parse("0:0:4294967295", &e, NULL), 0);
}

/* `n` one-ID extents 0:BASE:1, 2:BASE+2:1, ... (gaps keep them apart on both sides). */
static struct tn_idmap_extent *many(size_t n, uint32_t base)
{
	struct tn_idmap_extent *v = calloc(n, sizeof(*v));

	for (size_t i = 0; v && i < n; i++)
		v[i] = (struct tn_idmap_extent){ (uint32_t)(2 * i), base + (uint32_t)(2 * i), 1 };
	return v;
}

TEST(at_most_340_extents)
{
	struct tn_idmap_extent *v = many(341, 1000);
	struct tn_idmap_request req = { .kind = TN_IDMAP_UID,
					.mode = TN_IDMAP_EXPLICIT,
					.privileged = true,
					.explicit_v = v,
					.n_explicit = 340 };
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_idmap m;

	ASSERT_TRUE(v != NULL);
	ASSERT_EQ(tn_idmap_plan(&req, &m, NULL), 0);
	tn_idmap_done(&m);
	req.n_explicit = 341;
	ASSERT_EQ(tn_idmap_plan(&req, &m, &err), -E2BIG);
	ASSERT_CONTAINS(err->message, "341 extents");
	free(v);
}

TEST(map_text_must_fit_one_page)
{
	/* 300 lines of "N 4000000NNN 1\n" are about 5 KB: refused before 340 extents. */
	struct tn_idmap_extent *v = many(300, 4000000000u);
	struct tn_idmap_request req = { .kind = TN_IDMAP_UID,
					.mode = TN_IDMAP_EXPLICIT,
					.privileged = true,
					.explicit_v = v,
					.n_explicit = 300 };
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_idmap m;

	ASSERT_TRUE(v != NULL);
	ASSERT_EQ(tn_idmap_plan(&req, &m, &err), -E2BIG);
	ASSERT_CONTAINS(err->message, "less than 4096");
	req.n_explicit = 150;
	ASSERT_EQ(tn_idmap_plan(&req, &m, NULL), 0);
	tn_idmap_done(&m);
	free(v);
}

TEST(split_counts_against_the_limit)
{
	/* 341 one-ID ranges back to back: one explicit extent over all of them splits into 341. */
	struct tn_idrange *sub = calloc(341, sizeof(*sub));
	struct tn_idmap_extent one = { 0, 2000, 341 };
	struct tn_idmap_request req = { .kind = TN_IDMAP_UID,
					.mode = TN_IDMAP_EXPLICIT,
					.id = 1000,
					.sub = sub,
					.n_sub = 341,
					.explicit_v = &one,
					.n_explicit = 1 };
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_idmap m;

	ASSERT_TRUE(sub != NULL);
	for (uint32_t i = 0; i < 341; i++)
		sub[i] = (struct tn_idrange){ 2000 + i, 1 };
	ASSERT_EQ(tn_idmap_plan(&req, &m, &err), -E2BIG);
	ASSERT_CONTAINS(err->message, "341 extents");
	one.count = 340;
	ASSERT_EQ(tn_idmap_plan(&req, &m, NULL), 0);
	ASSERT_EQ_U(m.n, 340);
	tn_idmap_done(&m);
	free(sub);
}

TEST(extent_parse)
{
	struct tn_idmap_extent e;
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;

	ASSERT_EQ(tn_idmap_extent_parse("0:1000:1", &e, NULL), 0);
	ASSERT_EQ_U(e.outside, 1000);
	ASSERT_EQ(tn_idmap_extent_parse("0:1000", &e, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "'0:1000' is not CONTAINER:HOST:SIZE");
	ASSERT_EQ(tn_idmap_extent_parse("0:1000:1:2", &e, NULL), -EINVAL);
	ASSERT_EQ(tn_idmap_extent_parse("0:-1:1", &e, NULL), -EINVAL);
	ASSERT_EQ(tn_idmap_extent_parse(":1:1", &e, NULL), -EINVAL);
	ASSERT_EQ(tn_idmap_extent_parse("0:1:0", &e, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "SIZE is 0");
}

TEST(modes_by_name)
{
	enum tn_idmap_mode mode;

	ASSERT_EQ(tn_idmap_mode_from_string("keep-id", &mode), 0);
	ASSERT_EQ(mode, TN_IDMAP_KEEP_ID);
	ASSERT_EQ(tn_idmap_mode_from_string("explicit", &mode), -EINVAL);
	ASSERT_EQ(tn_idmap_mode_from_string("Auto", &mode), -EINVAL);
}

TEST(compact_format_is_what_is_written)
{
	struct tn_idmap m = { .kind = TN_IDMAP_UID };
	struct tn_buf b = { 0 };

	ASSERT_EQ(tn_idmap_push(&m, 0, 1001, 1), 0);
	ASSERT_EQ(tn_idmap_push(&m, 1, 100000, 65536), 0);
	tn_idmap_format(&m, &b);
	ASSERT_STREQ(b.data, "0 1001 1\n1 100000 65536\n");
	tn_buf_free(&b);
	tn_idmap_done(&m);
}

TEST(parse_kernel_text_and_translate)
{
	struct tn_idmap m;
	struct tn_buf b = { 0 };
	uint32_t v;

	ASSERT_EQ(tn_idmap_parse_text("         0       1001          1\n"
				      "         1     100000      65536\n",
				      TN_IDMAP_UID, &m),
		  0);
	ASSERT_EQ_U(m.n, 2);
	ASSERT_EQ(tn_idmap_translate(&m, 1001, true, &v), 0);
	ASSERT_EQ_U(v, 101000); /* seed 003: container 1001 -> base + 1000 */
	ASSERT_EQ(tn_idmap_translate(&m, 0, true, &v), 0);
	ASSERT_EQ_U(v, 1001);
	ASSERT_EQ(tn_idmap_translate(&m, 165535, false, &v), 0);
	ASSERT_EQ_U(v, 65536);
	ASSERT_EQ(tn_idmap_translate(&m, 65537, true, &v), -ENOENT);
	ASSERT_EQ(tn_idmap_translate(&m, 99999, false, &v), -ENOENT);
	tn_idmap_format_host_ranges(&m, &b);
	ASSERT_STREQ(b.data, "1001,100000-165535");
	tn_buf_free(&b);
	tn_idmap_done(&m);
	ASSERT_EQ(tn_idmap_parse_text("0 1 x\n", TN_IDMAP_UID, &m), -EINVAL);
	ASSERT_EQ(tn_idmap_parse_text("0 1\n", TN_IDMAP_UID, &m), -EINVAL);
	ASSERT_EQ(tn_idmap_parse_text("", TN_IDMAP_UID, &m), 0);
	ASSERT_EQ_U(m.n, 0);
}

TAP_MAIN
