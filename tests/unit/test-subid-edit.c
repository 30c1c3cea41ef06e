/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "fixtures.h"
#include "subid-edit.h"
#include "tap.h"

static const struct tn_subid_defs defs = { .min = 100000, .max = 600100000, .count = 65536 };
static struct tn_user bob = { .uid = 1001, .gid = 1001, .name = (char *)"bob", .known = true };
static struct tn_user root = { .uid = 0, .gid = 0, .name = (char *)"root", .known = true };

static int plan_add(const char *text, const struct tn_subid_add_request *req,
		    struct tn_subid_edit *e, struct tn_error **err)
{
	struct tn_subid_file f = fixture_file(text);
	int r = tn_subid_plan_add(&f, req, &defs, &fixture_users, e, err);

	tn_subid_file_done(&f);
	return r;
}

TEST(first_range_is_sub_uid_min)
{
	struct tn_subid_add_request req = { .user = &bob, .owner = "bob" };
	struct tn_subid_edit e;

	ASSERT_EQ(plan_add("", &req, &e, NULL), 0);
	ASSERT_TRUE(e.changed);
	ASSERT_STREQ(e.text.data, "bob:100000:65536\n");
	ASSERT_EQ(e.added_line, 1);
	tn_subid_edit_done(&e);
}

TEST(lowest_free_gap_and_text_kept)
{
	struct tn_subid_add_request req = { .user = &root, .owner = "root" };
	const char *text = "# keep me\r\nbob:100000:65536\nx:231072:65536";
	struct tn_subid_edit e;

	ASSERT_EQ(plan_add(text, &req, &e, NULL), 0);
	/* 165536 + 65536 = 231072: the gap fits exactly; the last line gains its newline. */
	ASSERT_STREQ(e.text.data,
		     "# keep me\r\nbob:100000:65536\nx:231072:65536\nroot:165536:65536\n");
	ASSERT_EQ(e.added_line, 4);
	tn_subid_edit_done(&e);
}

TEST(no_second_range_unless_asked)
{
	struct tn_subid_add_request req = { .user = &bob, .owner = "bob" };
	struct tn_subid_edit e;

	ASSERT_EQ(plan_add("1001:200000:10\n", &req, &e, NULL), 0);
	ASSERT_FALSE(e.changed);
	ASSERT_EQ_U(e.n_ranges, 1);
	ASSERT_EQ_U(e.ranges[0].start, 200000);
	tn_subid_edit_done(&e);
	req.have_count = true;
	req.count = 10;
	ASSERT_EQ(plan_add("1001:200000:10\n", &req, &e, NULL), 0);
	ASSERT_TRUE(e.changed);
	ASSERT_EQ_U(e.added.start, 100000);
	tn_subid_edit_done(&e);
}

TEST(skips_account_ids)
{
	struct tn_subid_defs low = { .min = 65530, .max = 600100000, .count = 10 };
	struct tn_subid_add_request req = { .user = &bob, .owner = "bob" };
	struct tn_subid_file f = fixture_file("");
	struct tn_subid_edit e;

	/* nobody is 65534: 65530-65539 would contain it. */
	ASSERT_EQ(tn_subid_plan_add(&f, &req, &low, &fixture_users, &e, NULL), 0);
	ASSERT_EQ_U(e.added.start, 65535);
	tn_subid_edit_done(&e);
	tn_subid_file_done(&f);
}

TEST(explicit_start_conflicts_are_explained)
{
	struct tn_subid_add_request req = {
		.user = &root, .owner = "root", .have_start = true, .start = 150000
	};
	struct tn_error *err = NULL;
	struct tn_subid_edit e;

	ASSERT_EQ(plan_add("bob:100000:65536\n", &req, &e, &err), -EEXIST);
	ASSERT_CONTAINS(err->message, "overlaps range 100000-165535 of 'bob' ('subuid':1)");
	tn_error_free(err);
	err = NULL;
	req.start = 65000;
	req.have_count = true;
	req.count = 1000;
	ASSERT_EQ(plan_add("", &req, &e, &err), -EEXIST);
	ASSERT_CONTAINS(err->message, "of account 'nobody'");
	tn_error_free(err);
	err = NULL;
	req.start = 4294967290u;
	ASSERT_EQ(plan_add("", &req, &e, &err), -ERANGE);
	tn_error_free(err);
}

TEST(malformed_line_refuses_allocation)
{
	struct tn_subid_add_request req = { .user = &bob, .owner = "bob" };
	struct tn_error *err = NULL;
	struct tn_subid_edit e;

	ASSERT_EQ(plan_add("x:1:2\nroot:0100000:5\n", &req, &e, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "'subuid':2: number has a leading zero");
	tn_error_free(err);
}

TEST(full_range_is_reported)
{
	struct tn_subid_defs small = { .min = 100, .max = 199, .count = 100 };
	struct tn_subid_add_request req = { .user = &bob, .owner = "bob" };
	struct tn_subid_file f = fixture_file("root:150:1\n");
	struct tn_error *err = NULL;
	struct tn_subid_edit e;

	ASSERT_EQ(tn_subid_plan_add(&f, &req, &small, &fixture_users, &e, &err), -ENOSPC);
	ASSERT_CONTAINS(err->message, "no free range of 100 IDs between 100 and 199");
	tn_error_free(err);
	tn_subid_file_done(&f);
}

TEST(remove_all_lines_of_owner_by_name_and_uid)
{
	struct tn_subid_file f = fixture_file("# c\nbob:1:2\nroot:5:5\n1001:9:1\nbob:0100:1\n");
	struct tn_subid_edit e;

	ASSERT_EQ(tn_subid_plan_remove(&f, &bob, "bob", NULL, &e), 0);
	ASSERT_STREQ(e.text.data, "# c\nroot:5:5\n");
	ASSERT_EQ_U(e.n_lines_removed, 3);
	ASSERT_EQ_U(e.n_ranges, 2); /* the malformed line was removed but had no range */
	tn_subid_edit_done(&e);
	tn_subid_file_done(&f);
}

TEST(remove_one_range)
{
	struct tn_subid_file f = fixture_file("bob:1:2\nbob:5:5\n");
	struct tn_idrange only = { 5, 5 }, none = { 5, 6 };
	struct tn_subid_edit e;

	ASSERT_EQ(tn_subid_plan_remove(&f, &bob, "bob", &only, &e), 0);
	ASSERT_STREQ(e.text.data, "bob:1:2\n");
	tn_subid_edit_done(&e);
	ASSERT_EQ(tn_subid_plan_remove(&f, &bob, "bob", &none, &e), 0);
	ASSERT_FALSE(e.changed);
	tn_subid_edit_done(&e);
	tn_subid_file_done(&f);
}

TEST(remove_unknown_name_literally)
{
	struct tn_subid_file f = fixture_file("gone:1:2\nroot:5:5\ngone:7:1");
	struct tn_subid_edit e;

	ASSERT_EQ(tn_subid_plan_remove(&f, NULL, "gone", NULL, &e), 0);
	ASSERT_STREQ(e.text.data, "root:5:5\n");
	tn_subid_edit_done(&e);
	tn_subid_file_done(&f);
}

TAP_MAIN
