/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "json-writer.h"
#include "tap.h"

TEST(compact_document)
{
	struct tn_buf b = { 0 };
	struct tn_json j;

	tn_json_init(&j, &b, false);
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "a", "x\"y\\z\n\x01\xc3\xa9");
	tn_json_key(&j, "list");
	tn_json_begin_array(&j);
	tn_json_u64(&j, 18446744073709551615ull);
	tn_json_i64(&j, -5);
	tn_json_null(&j);
	tn_json_bool(&j, true);
	tn_json_begin_object(&j);
	tn_json_end_object(&j);
	tn_json_end_array(&j);
	tn_json_kv_string(&j, "n", NULL);
	tn_json_end_object(&j);
	ASSERT_EQ(tn_json_finish(&j), 0);
	ASSERT_STREQ(
		b.data,
		"{\"a\":\"x\\\"y\\\\z\\n\\u0001\\u00c3\\u00a9\",\"list\":[18446744073709551615,-5,null,true,{}],\"n\":null}");
	tn_buf_free(&b);
}

TEST(pretty_document)
{
	struct tn_buf b = { 0 };
	struct tn_json j;

	tn_json_init(&j, &b, true);
	tn_json_begin_object(&j);
	tn_json_kv_u64(&j, "a", 1);
	tn_json_key(&j, "b");
	tn_json_begin_array(&j);
	tn_json_end_array(&j);
	tn_json_end_object(&j);
	ASSERT_EQ(tn_json_finish(&j), 0);
	ASSERT_STREQ(b.data, "{\n  \"a\": 1,\n  \"b\": []\n}\n");
	tn_buf_free(&b);
}

TEST(unbalanced_is_an_error)
{
	struct tn_buf b = { 0 };
	struct tn_json j;

	tn_json_init(&j, &b, false);
	tn_json_begin_array(&j);
	ASSERT_EQ(tn_json_finish(&j), -EINVAL);
	tn_buf_free(&b);
}

TAP_MAIN
