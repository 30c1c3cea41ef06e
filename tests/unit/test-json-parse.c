/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "json-parse.h"
#include "tap.h"

static int parse(const char *text, struct tn_json_value **v, struct tn_json_syntax_error *e)
{
	return tn_json_parse(text, strlen(text), v, e);
}

TEST(values_and_positions)
{
	struct tn_json_value *v;
	const struct tn_json_value *x;

	ASSERT_EQ(
		parse("{\n  \"a\": [1, -2, true, null, \"s\"],\n  \"b\": {\"c\": 18446744073709551615}\n}",
		      &v, NULL),
		0);
	x = tn_json_get(v, "a");
	ASSERT_EQ(x->type, TN_JSON_ARRAY);
	ASSERT_EQ_U(x->array.n, 5);
	ASSERT_EQ(x->line, 2);
	ASSERT_EQ(x->column, 8);
	ASSERT_EQ(x->array.v[1]->number.i, -2);
	ASSERT_TRUE(x->array.v[1]->number.negative);
	ASSERT_TRUE(x->array.v[2]->boolean);
	ASSERT_EQ(x->array.v[3]->type, TN_JSON_NULL);
	ASSERT_STREQ(x->array.v[4]->string.s, "s");
	x = tn_json_get(tn_json_get(v, "b"), "c");
	ASSERT_TRUE(x->number.integer);
	ASSERT_EQ_U(x->number.u, UINT64_MAX);
	ASSERT_TRUE(tn_json_get(v, "missing") == NULL);
	tn_json_value_free(v);
}

TEST(big_and_fractional_numbers_are_not_integers)
{
	struct tn_json_value *v;

	ASSERT_EQ(
		parse("[18446744073709551616, 1.5, 1e3, -9223372036854775808, -9223372036854775809]",
		      &v, NULL),
		0);
	ASSERT_FALSE(v->array.v[0]->number.integer);
	ASSERT_FALSE(v->array.v[1]->number.integer);
	ASSERT_FALSE(v->array.v[2]->number.integer);
	ASSERT_TRUE(v->array.v[3]->number.integer);
	ASSERT_TRUE(v->array.v[3]->number.i == INT64_MIN);
	ASSERT_FALSE(v->array.v[4]->number.integer);
	ASSERT_STREQ(v->array.v[1]->number.text, "1.5");
	tn_json_value_free(v);
}

TEST(escapes_and_unicode)
{
	struct tn_json_value *v;

	ASSERT_EQ(parse("\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\"", &v, NULL), 0);
	ASSERT_STREQ(v->string.s, "a\"b\\c/\n\xc3\xa9\xf0\x9f\x98\x80");
	tn_json_value_free(v);
	ASSERT_EQ(parse("\"a\\u0000b\"", &v, NULL), 0);
	ASSERT_EQ_U(v->string.len, 3);
	tn_json_value_free(v);
}

TEST(last_duplicate_key_wins)
{
	struct tn_json_value *v;

	ASSERT_EQ(parse("{\"k\": 1, \"k\": 2}", &v, NULL), 0);
	ASSERT_EQ(tn_json_get(v, "k")->number.i, 2);
	tn_json_value_free(v);
}

static void expect_error(const char *text, uint32_t line, uint32_t col, const char *msg)
{
	struct tn_json_syntax_error e = { 0 };
	struct tn_json_value *v = NULL;

	ASSERT_EQ(parse(text, &v, &e), -EINVAL);
	ASSERT_EQ(e.line, line);
	ASSERT_EQ(e.column, col);
	ASSERT_CONTAINS(e.message, msg);
}

TEST(syntax_errors_give_line_and_column)
{
	expect_error("{\n  \"a\": 1,\n}", 3, 1, "a member name in double quotes expected");
	expect_error("{\"a\" 1}", 1, 6, "':' expected");
	expect_error("[1 2]", 1, 4, "',' or ']' expected");
	expect_error("{\"a\": tru}", 1, 7, "unexpected character 't'");
	expect_error("\"abc", 1, 5, "unterminated string");
	expect_error("\"a\tb\"", 1, 3, "control character 0x09");
	expect_error("01", 1, 2, "unexpected '1' after the end");
	expect_error("[1.]", 1, 4, "digits expected after '.'");
	expect_error("\"\\x\"", 1, 3, "invalid escape '\\x'");
	expect_error("\"\\ud800\"", 1, 8, "without its pair");
	expect_error("", 1, 1, "found the end of the file");
	expect_error("{} {}", 1, 4, "after the end of the document");
	expect_error("[1,]", 1, 4, "unexpected character ']'");
}

TEST(deep_nesting_is_refused)
{
	char *deep = malloc(2 * TN_JSON_PARSE_MAX_DEPTH + 10);
	struct tn_json_value *v = NULL;
	size_t n = 0;

	ASSERT_TRUE(deep != NULL);
	for (int i = 0; i <= TN_JSON_PARSE_MAX_DEPTH; i++)
		deep[n++] = '[';
	for (int i = 0; i <= TN_JSON_PARSE_MAX_DEPTH; i++)
		deep[n++] = ']';
	ASSERT_EQ(tn_json_parse(deep, n, &v, NULL), -E2BIG);
	ASSERT_EQ(tn_json_parse(deep + 1, n - 2, &v, NULL), 0);
	tn_json_value_free(v);
	free(deep);
}

TAP_MAIN
