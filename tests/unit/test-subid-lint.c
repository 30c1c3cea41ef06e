/* SPDX-License-Identifier: Apache-2.0 */
#include "fixtures.h"
#include "subid-lint.h"
#include "tap.h"

static struct tn_lint_report lint(const char *text, enum tn_subid_db db)
{
	struct tn_subid_file f = fixture_file(text);
	struct tn_lint_report rep = { 0 };

	tn_subid_lint_file(&f, db, &fixture_users, &fixture_groups, &rep);
	tn_subid_file_done(&f);
	return rep;
}

/* How many findings with this code (and line, when line > 0) and severity. */
static int count(const struct tn_lint_report *rep, const char *code, uint32_t line,
		 enum tn_lint_severity sev)
{
	int n = 0;

	for (size_t i = 0; i < rep->n; i++)
		n += strcmp(rep->v[i].code, code) == 0 && (!line || rep->v[i].line == line) &&
		     rep->v[i].severity == sev;
	return n;
}

TEST(clean_file)
{
	struct tn_lint_report rep =
		lint("# ranges\nbob:100000:65536\n\n1001:165536:65536\n", TN_SUBUID);

	ASSERT_EQ_U(rep.n, 0);
	tn_lint_report_done(&rep);
}

TEST(seed_003_example_collides_with_nobody)
{
	/* bob:10000:65536 spans 10000-75535, which holds nobody (65534). */
	struct tn_lint_report rep = lint("bob:10000:65536\nbob:220000:6000\n", TN_SUBUID);

	ASSERT_EQ(count(&rep, "account", 1, TN_LINT_ERROR), 1);
	ASSERT_CONTAINS(rep.v[0].message, "UID 65534 of user 'nobody'");
	ASSERT_EQ_U(rep.n_errors, 1);
	tn_lint_report_done(&rep);
}

TEST(owner_uid_is_not_a_collision)
{
	struct tn_lint_report rep = lint("bob:1001:1\n", TN_SUBUID);

	ASSERT_EQ_U(rep.n, 0);
	tn_lint_report_done(&rep);
	rep = lint("bob:1001:1\n", TN_SUBGID); /* bob's primary group */
	ASSERT_EQ_U(rep.n, 0);
	tn_lint_report_done(&rep);
	rep = lint("root:1000:5\n", TN_SUBGID);
	ASSERT_EQ(count(&rep, "account", 1, TN_LINT_ERROR), 1);
	ASSERT_CONTAINS(rep.v[0].message, "GID 1001 of group 'bob'");
	tn_lint_report_done(&rep);
}

TEST(overlap_between_owners_is_an_error)
{
	struct tn_lint_report rep =
		lint("bob:100000:65536\nroot:150000:65536\nbob:300000:10\n", TN_SUBUID);

	ASSERT_EQ(count(&rep, "overlap", 2, TN_LINT_ERROR), 1);
	ASSERT_CONTAINS(rep.v[0].message, "(line 1)");
	ASSERT_EQ_U(rep.n, 1);
	tn_lint_report_done(&rep);
}

TEST(name_and_uid_are_one_owner)
{
	struct tn_lint_report rep =
		lint("bob:100000:10\n1001:100000:10\n1001:100005:10\n", TN_SUBUID);

	ASSERT_EQ(count(&rep, "duplicate", 2, TN_LINT_WARNING), 1);
	ASSERT_EQ(count(&rep, "self-overlap", 3, TN_LINT_WARNING), 1);
	ASSERT_EQ_U(rep.n_errors, 0);
	tn_lint_report_done(&rep);
}

TEST(cross_owner_overlap_found_behind_own_range)
{
	/* Line 3 overlaps bob's long range (same owner) and root's range (line 2). */
	struct tn_lint_report rep =
		lint("bob:100000:1000000\nroot:200000:100\nbob:200050:10\n", TN_SUBUID);

	ASSERT_EQ(count(&rep, "overlap", 2, TN_LINT_ERROR), 1);
	ASSERT_EQ(count(&rep, "overlap", 3, TN_LINT_ERROR), 1);
	tn_lint_report_done(&rep);
}

TEST(unknown_owner_warned_once)
{
	struct tn_lint_report rep = lint("ghost:100000:10\nghost:200000:10\n", TN_SUBUID);

	ASSERT_EQ(count(&rep, "unknown-owner", 0, TN_LINT_WARNING), 1);
	ASSERT_EQ_U(rep.n, 1);
	tn_lint_report_done(&rep);
}

TEST(malformed_and_range_errors)
{
	struct tn_lint_report rep = lint("bob:1:2:3\nbob:100000:0\nbob:4294967290:10\n"
					 "bob:010000:1\nbob:100:1\r\n",
					 TN_SUBUID);

	ASSERT_EQ(count(&rep, "malformed", 1, TN_LINT_ERROR), 1);
	ASSERT_EQ(count(&rep, "count-zero", 2, TN_LINT_ERROR), 1);
	ASSERT_EQ(count(&rep, "past-end", 3, TN_LINT_ERROR), 1);
	ASSERT_EQ(count(&rep, "malformed", 4, TN_LINT_ERROR), 1);
	ASSERT_EQ(count(&rep, "malformed", 5, TN_LINT_ERROR), 1);
	for (size_t i = 0; i < rep.n; i++)
		if (rep.v[i].line == 4)
			ASSERT_CONTAINS(rep.v[i].message, "octal 4096");
		else if (rep.v[i].line == 3)
			ASSERT_STREQ(rep.v[i].hint, "lower the count to 5");
	tn_lint_report_done(&rep);
}

TEST(findings_sorted_by_line)
{
	struct tn_lint_report rep =
		lint("bob:300000:10\nroot:300005:10\nbob:1:2:3\nghost:5:0\n", TN_SUBUID);

	for (size_t i = 1; i < rep.n; i++)
		ASSERT_TRUE(rep.v[i - 1].line <= rep.v[i].line);
	tn_lint_report_done(&rep);
}

TAP_MAIN
