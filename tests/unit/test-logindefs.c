/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "logindefs.h"
#include "tap.h"

TEST(defaults_as_shadow)
{
	struct tn_subid_defs d[2];

	ASSERT_EQ(tn_logindefs_parse("# nothing here\n", "x", d, NULL), 0);
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ_U(d[i].min, 100000);
		ASSERT_EQ_U(d[i].max, 600100000);
		ASSERT_EQ_U(d[i].count, 65536);
	}
}

TEST(reads_values_quotes_and_blanks)
{
	struct tn_subid_defs d[2];
	const char *text = "SUB_UID_MIN\t\t   200000\n"
			   "  SUB_UID_MAX \"300000\"  \r\n"
			   "SUB_UID_COUNT 1000 # not a comment to shadow, but trailing\n"
			   "SUB_GID_COUNT 10\n"
			   "SUB_UID_MINX 5\n";
	struct tn_error *err = NULL;
	int r = tn_logindefs_parse(text, "x", d, &err);

	/* "1000 # ..." is not a number: refused with the line, not guessed. */
	ASSERT_EQ(r, -EINVAL);
	ASSERT_CONTAINS(err->message, "'x':3: SUB_UID_COUNT");
	tn_error_free(err);
	text = "SUB_UID_MIN\t\t   200000\n  SUB_UID_MAX \"300000\"  \r\nSUB_GID_COUNT 10\n";
	ASSERT_EQ(tn_logindefs_parse(text, "x", d, NULL), 0);
	ASSERT_EQ_U(d[0].min, 200000);
	ASSERT_EQ_U(d[0].max, 300000);
	ASSERT_EQ_U(d[0].line_max, 2);
	ASSERT_EQ_U(d[1].count, 10);
	ASSERT_EQ_U(d[1].min, 100000);
}

TEST(refuses_impossible_settings)
{
	struct tn_subid_defs d[2];
	struct tn_error *err = NULL;

	ASSERT_EQ(tn_logindefs_parse("SUB_UID_MIN 500\nSUB_UID_MAX 400\n", "x", d, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "leave no room");
	tn_error_free(err);
	err = NULL;
	ASSERT_EQ(tn_logindefs_parse("SUB_GID_MIN 100\nSUB_GID_MAX 199\nSUB_GID_COUNT 101\n", "x",
				     d, &err),
		  -EINVAL);
	tn_error_free(err);
	ASSERT_EQ(tn_logindefs_parse("SUB_GID_MIN 100\nSUB_GID_MAX 199\nSUB_GID_COUNT 100\n", "x",
				     d, NULL),
		  0);
	ASSERT_EQ(tn_logindefs_parse("SUB_UID_MAX 4294967295\n", "x", d, NULL), -EINVAL);
}

TAP_MAIN
