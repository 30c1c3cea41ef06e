/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "subid-parse.h"
#include "tap.h"

static struct tn_subid_entry parse(const char *line)
{
	struct tn_subid_entry e;

	tn_subid_parse_line(line, strlen(line), 1, &e);
	return e;
}

#define ASSERT_PROBLEM(line, kind_, problem_)                                                      \
	do {                                                                                       \
		struct tn_subid_entry _e = parse(line);                                            \
		if (_e.kind != (kind_) || _e.problem != (problem_))                                \
			TAP_FAIL("'%s': kind %d problem %d, expected %d %d", line, _e.kind,        \
				 _e.problem, kind_, problem_);                                     \
	} while (0)

TEST(valid_line)
{
	struct tn_subid_entry e = parse("bob:10000:65536");

	ASSERT_TRUE(tn_subid_entry_usable(&e));
	ASSERT_TRUE(tn_subid_owner_is(&e, "bob"));
	ASSERT_EQ_U(e.start, 10000);
	ASSERT_EQ_U(e.count, 65536);
}

TEST(last_valid_id)
{
	ASSERT_PROBLEM("bob:4294967294:1", TN_SUBID_RANGE, TN_SUBID_OK);
	ASSERT_PROBLEM("bob:4294967294:2", TN_SUBID_RANGE, TN_SUBID_PAST_END);
	ASSERT_PROBLEM("bob:4294967295:1", TN_SUBID_RANGE, TN_SUBID_PAST_END);
	ASSERT_PROBLEM("bob:0:4294967295", TN_SUBID_RANGE, TN_SUBID_OK);
}

TEST(start_plus_count_overflows_32_bits)
{
	struct tn_subid_entry e = parse("bob:4294967295:4294967295");

	ASSERT_EQ(e.problem, TN_SUBID_PAST_END);
	ASSERT_EQ_U(e.start + e.count, 8589934590ull); /* computed in 64 bits */
	ASSERT_PROBLEM("bob:3000000000:3000000000", TN_SUBID_RANGE, TN_SUBID_PAST_END);
	ASSERT_PROBLEM("bob:4294967296:1", TN_SUBID_INVALID, TN_SUBID_TOO_LARGE);
	ASSERT_PROBLEM("bob:1:18446744073709551617", TN_SUBID_INVALID, TN_SUBID_TOO_LARGE);
}

TEST(count_zero)
{
	ASSERT_PROBLEM("bob:100000:0", TN_SUBID_RANGE, TN_SUBID_COUNT_ZERO);
}

TEST(leading_zeros_are_ambiguous)
{
	/* shadow reads 010000 as octal 4096; others as decimal: refused, never guessed. */
	ASSERT_PROBLEM("bob:010000:65536", TN_SUBID_INVALID, TN_SUBID_LEADING_ZERO);
	ASSERT_PROBLEM("bob:10000:065536", TN_SUBID_INVALID, TN_SUBID_LEADING_ZERO);
	ASSERT_PROBLEM("bob:0:65536", TN_SUBID_RANGE, TN_SUBID_OK);
	ASSERT_PROBLEM("bob:0x10:5", TN_SUBID_INVALID, TN_SUBID_HEX);
	ASSERT_PROBLEM("01001:10000:5", TN_SUBID_INVALID, TN_SUBID_OWNER_ZERO);
}

TEST(crlf_line)
{
	struct tn_subid_entry e = parse("bob:10000:65536\r");

	/* getsubids ignores such a line (strtoul stops at the CR); so does tenant, saying why. */
	ASSERT_EQ(e.kind, TN_SUBID_INVALID);
	ASSERT_EQ(e.problem, TN_SUBID_CR);
	ASSERT_EQ_U(e.start, 10000); /* what it would have meant, for the message */
	ASSERT_PROBLEM("bob:10000:abc\r", TN_SUBID_INVALID, TN_SUBID_NOT_NUMBER);
}

TEST(blank_and_comment_lines)
{
	ASSERT_EQ(parse("").kind, TN_SUBID_BLANK);
	ASSERT_EQ(parse("   \t").kind, TN_SUBID_BLANK);
	ASSERT_EQ(parse("# bob:1:2").kind, TN_SUBID_COMMENT);
	ASSERT_EQ(parse("#bob:10000:65536").kind, TN_SUBID_COMMENT);
	/* Only column 0 starts a comment; an indented '#' is a malformed owner. */
	ASSERT_PROBLEM(" #bob:1:2", TN_SUBID_INVALID, TN_SUBID_BAD_OWNER);
}

TEST(malformed_lines)
{
	ASSERT_PROBLEM("bob:10000", TN_SUBID_INVALID, TN_SUBID_FIELDS);
	ASSERT_PROBLEM("bob", TN_SUBID_INVALID, TN_SUBID_FIELDS);
	ASSERT_PROBLEM("bob:1:2:junk", TN_SUBID_INVALID, TN_SUBID_FIELDS);
	ASSERT_PROBLEM(":1:2", TN_SUBID_INVALID, TN_SUBID_EMPTY_OWNER);
	ASSERT_PROBLEM("bob::2", TN_SUBID_INVALID, TN_SUBID_EMPTY_NUMBER);
	ASSERT_PROBLEM("bob:1:", TN_SUBID_INVALID, TN_SUBID_EMPTY_NUMBER);
	ASSERT_PROBLEM("bob:-1:2", TN_SUBID_INVALID, TN_SUBID_NEGATIVE);
	ASSERT_PROBLEM("bob:+1:2", TN_SUBID_INVALID, TN_SUBID_PLUS);
	ASSERT_PROBLEM("bob: 1:2", TN_SUBID_INVALID, TN_SUBID_BLANKS);
	ASSERT_PROBLEM("bob:1:2 ", TN_SUBID_INVALID, TN_SUBID_BLANKS);
	ASSERT_PROBLEM("bob:1x:2", TN_SUBID_INVALID, TN_SUBID_TRAILING);
	ASSERT_PROBLEM("bob:1:65536abc", TN_SUBID_INVALID, TN_SUBID_TRAILING);
	ASSERT_PROBLEM("bob:x1:2", TN_SUBID_INVALID, TN_SUBID_NOT_NUMBER);
	ASSERT_PROBLEM("bob:1:abc", TN_SUBID_INVALID, TN_SUBID_NOT_NUMBER);
	ASSERT_PROBLEM("bo b:1:2", TN_SUBID_INVALID, TN_SUBID_BAD_OWNER);
	ASSERT_PROBLEM("+bob:1:2", TN_SUBID_INVALID, TN_SUBID_BAD_OWNER);
	ASSERT_PROBLEM("4294967295:1:2", TN_SUBID_INVALID, TN_SUBID_NUMERIC_OWNER_RANGE);
	ASSERT_PROBLEM("4294967294:1:2", TN_SUBID_RANGE, TN_SUBID_OK);
}

TEST(nul_and_long_lines)
{
	char line[1100];
	struct tn_subid_entry e;

	tn_subid_parse_line("bob:1\0:2", 8, 1, &e);
	ASSERT_EQ(e.problem, TN_SUBID_NUL);
	memset(line, 'a', sizeof(line));
	memcpy(line + sizeof(line) - 4, ":1:2", 4);
	tn_subid_parse_line(line, sizeof(line), 1, &e);
	ASSERT_EQ(e.problem, TN_SUBID_LONG_LINE);
}

struct collect {
	uint32_t lines[16];
	int kinds[16];
	int n;
};

static int collect_fn(const struct tn_subid_entry *e, const char *line, size_t len, void *ud)
{
	struct collect *c = ud;

	(void)line;
	(void)len;
	c->lines[c->n] = e->line;
	c->kinds[c->n++] = e->kind;
	return 0;
}

TEST(foreach_counts_lines_and_handles_missing_final_newline)
{
	const char *text = "# c\n\nbob:1:2\r\nbob:3:4";
	struct collect c = { 0 };

	ASSERT_EQ(tn_subid_foreach_line(text, strlen(text), collect_fn, &c), 0);
	ASSERT_EQ(c.n, 4);
	ASSERT_EQ(c.lines[3], 4);
	ASSERT_EQ(c.kinds[0], TN_SUBID_COMMENT);
	ASSERT_EQ(c.kinds[1], TN_SUBID_BLANK);
	ASSERT_EQ(c.kinds[2], TN_SUBID_INVALID);
	ASSERT_EQ(c.kinds[3], TN_SUBID_RANGE);
}

TEST(every_problem_has_a_description)
{
	for (int p = TN_SUBID_OK; p <= TN_SUBID_PAST_END; p++)
		ASSERT_TRUE(strcmp(tn_subid_problem_to_string(p), "unknown problem") != 0);
}

TAP_MAIN
