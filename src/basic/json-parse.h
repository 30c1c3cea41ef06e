/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A strict JSON parser (RFC 8259) into a tree, for config.json and state.json.
 *
 * Every value remembers the line and column where it starts, so that a caller that finds a
 * value of the wrong type can say where it is. Syntax errors give the line and column of the
 * first offending character. Nesting is limited (TN_JSON_PARSE_MAX_DEPTH) so hostile input cannot
 * exhaust the stack. Integers are kept exactly in 64 bits; numbers with a fraction or an
 * exponent are kept as text (OCI has no such fields).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define TN_JSON_PARSE_MAX_DEPTH 256

enum tn_json_type {
	TN_JSON_NULL,
	TN_JSON_BOOL,
	TN_JSON_NUMBER,
	TN_JSON_STRING,
	TN_JSON_ARRAY,
	TN_JSON_OBJECT,
};

struct tn_json_value;

struct tn_json_member {
	char *key;
	struct tn_json_value *value;
};

struct tn_json_value {
	enum tn_json_type type;
	uint32_t line, column; /* 1-based */
	union {
		bool boolean;
		struct {
			bool integer;  /* no fraction, no exponent, fits 64 bits */
			bool negative; /* then `i` holds it; otherwise `u` */
			int64_t i;
			uint64_t u;
			char *text; /* as written */
		} number;
		struct {
			char *s; /* NUL-terminated; may contain NULs from \u0000 (see len) */
			size_t len;
		} string;
		struct {
			struct tn_json_value **v;
			size_t n;
		} array;
		struct {
			struct tn_json_member *v;
			size_t n;
		} object;
	};
};

struct tn_json_syntax_error {
	uint32_t line, column;
	char message[128];
};

/*
 * Parse a whole document. 0 on success; -EINVAL on a syntax error (described in *err), -ENOMEM
 * when out of memory, -E2BIG when nested deeper than TN_JSON_PARSE_MAX_DEPTH.
 */
int tn_json_parse(const char *text, size_t len, struct tn_json_value **ret,
		  struct tn_json_syntax_error *err);
void tn_json_value_free(struct tn_json_value *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tn_json_value *, tn_json_value_free)

/* The member `key` of an object (the last one, when a key repeats, as Go's decoder does). */
const struct tn_json_value *tn_json_get(const struct tn_json_value *obj, const char *key);

const char *tn_json_type_name(enum tn_json_type t); /* "a string", "an object", ... */
