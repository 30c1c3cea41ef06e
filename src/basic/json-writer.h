/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A streaming JSON writer into a struct tn_buf: the caller emits values in order, the writer
 * places commas, indentation and escapes. Output is valid UTF-8 JSON as long as the strings
 * given are UTF-8; other bytes are escaped as \u00XX so the result always parses.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

#define TN_JSON_MAX_DEPTH 32

struct tn_json {
	struct tn_buf *out;
	bool pretty;
	int depth;
	bool need_comma[TN_JSON_MAX_DEPTH + 1];
	bool after_key;
	bool overflow; /* nesting beyond TN_JSON_MAX_DEPTH: a programming error */
};

void tn_json_init(struct tn_json *j, struct tn_buf *out, bool pretty);

void tn_json_begin_object(struct tn_json *j);
void tn_json_end_object(struct tn_json *j);
void tn_json_begin_array(struct tn_json *j);
void tn_json_end_array(struct tn_json *j);

void tn_json_key(struct tn_json *j, const char *key);
void tn_json_string(struct tn_json *j, const char *s);
void tn_json_string_n(struct tn_json *j, const char *s, size_t n);
void tn_json_u64(struct tn_json *j, uint64_t v);
void tn_json_i64(struct tn_json *j, int64_t v);
void tn_json_bool(struct tn_json *j, bool v);
void tn_json_null(struct tn_json *j);

/* A key and a value in one call, for the common case. */
void tn_json_kv_string(struct tn_json *j, const char *key, const char *s);
void tn_json_kv_u64(struct tn_json *j, const char *key, uint64_t v);
void tn_json_kv_bool(struct tn_json *j, const char *key, bool v);

/* 0 when the document is complete and nothing failed; -ENOMEM or -EINVAL otherwise. */
int tn_json_finish(struct tn_json *j);
