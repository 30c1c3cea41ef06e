/* SPDX-License-Identifier: Apache-2.0 */
/* A strict recursive-descent JSON parser (json-parse.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json-parse.h"
#include "macro.h"
#include "banned.h"

struct parser {
	const char *p, *end;
	const char *line_start;
	uint32_t line;
	int depth;
	struct tn_json_syntax_error *err;
};

static uint32_t column(const struct parser *ps)
{
	return (uint32_t)(ps->p - ps->line_start) + 1;
}

_printf_(2, 3) static int syntax(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->err) {
		ps->err->line = ps->line;
		ps->err->column = column(ps);
		va_start(ap, fmt);
		vsnprintf(ps->err->message, sizeof(ps->err->message), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end) {
		char c = *ps->p;

		if (c == '\n') {
			ps->line++;
			ps->line_start = ps->p + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			return;
		}
		ps->p++;
	}
}

static const char *describe(const struct parser *ps)
{
	return ps->p >= ps->end ? "the end of the file" : "this character";
}

static struct tn_json_value *new_value(const struct parser *ps, enum tn_json_type t)
{
	struct tn_json_value *v = calloc(1, sizeof(*v));

	if (v) {
		v->type = t;
		v->line = ps->line;
		v->column = column(ps);
	}
	return v;
}

static int parse_value(struct parser *ps, struct tn_json_value **ret);

static int hex4(struct parser *ps, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++, ps->p++) {
		char c = ps->p < ps->end ? *ps->p : '\0';

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return syntax(ps, "invalid \\u escape: four hex digits expected");
	}
	*ret = v;
	return 0;
}

static size_t put_utf8(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* \uXXXX, with a following \uXXXX for a surrogate pair. */
static int unicode_escape(struct parser *ps, char *out, size_t *n)
{
	uint32_t cp, lo;
	int r = hex4(ps, &cp);

	if (r < 0)
		return r;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return syntax(ps, "invalid \\u escape: a lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u')
			return syntax(ps, "invalid \\u escape: a high surrogate without its pair");
		ps->p += 2;
		r = hex4(ps, &lo);
		if (r < 0)
			return r;
		if (lo < 0xdc00 || lo > 0xdfff)
			return syntax(ps, "invalid \\u escape: a high surrogate without its pair");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	*n += put_utf8(out + *n, cp);
	return 0;
}

static int escape(struct parser *ps, char *out, size_t *n)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;

	if (ps->p >= ps->end)
		return syntax(ps, "unterminated string");
	if (*ps->p == 'u') {
		ps->p++;
		return unicode_escape(ps, out, n);
	}
	k = strchr(from, *ps->p);
	if (!k || !*ps->p)
		return syntax(ps, "invalid escape '\\%c' in a string", *ps->p);
	out[(*n)++] = to[k - from];
	ps->p++;
	return 0;
}

/* A string at ps->p (on the opening quote); the result is malloc'ed. */
static int parse_string(struct parser *ps, char **ret, size_t *ret_len)
{
	const char *start = ++ps->p;
	_cleanup_free_ char *out = NULL;
	size_t n = 0;
	int r;

	/* Escapes never grow the text: the input length bounds the output. */
	while (ps->p < ps->end && *ps->p != '"')
		ps->p += *ps->p == '\\' && ps->p + 1 < ps->end ? 2 : 1;
	out = malloc((size_t)(ps->p - start) + 1);
	if (!out)
		return -ENOMEM;
	ps->p = start;
	for (;;) {
		unsigned char c;

		if (ps->p >= ps->end)
			return syntax(ps, "unterminated string");
		c = (unsigned char)*ps->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return syntax(ps, "control character 0x%02x in a string (escape it)", c);
		ps->p++;
		if (c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		r = escape(ps, out, &n);
		if (r < 0)
			return r;
	}
	ps->p++;
	out[n] = '\0';
	*ret = TAKE_PTR(out);
	*ret_len = n;
	return 0;
}

static bool is_digit(const struct parser *ps)
{
	return ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9';
}

/* The grammar of RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct parser *ps, bool *ret_integer)
{
	bool integer = true;

	if (ps->p < ps->end && *ps->p == '-')
		ps->p++;
	if (!is_digit(ps))
		return syntax(ps, "invalid number");
	if (*ps->p++ != '0')
		while (is_digit(ps))
			ps->p++;
	if (ps->p < ps->end && *ps->p == '.') {
		integer = false;
		ps->p++;
		if (!is_digit(ps))
			return syntax(ps, "invalid number: digits expected after '.'");
		while (is_digit(ps))
			ps->p++;
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		integer = false;
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			ps->p++;
		if (!is_digit(ps))
			return syntax(ps, "invalid number: digits expected in the exponent");
		while (is_digit(ps))
			ps->p++;
	}
	*ret_integer = integer;
	return 0;
}

static int parse_number(struct parser *ps, struct tn_json_value *v)
{
	const char *start = ps->p;
	bool integer;
	uint64_t u = 0;
	int r = scan_number(ps, &integer);

	if (r < 0)
		return r;
	v->number.text = strndup(start, (size_t)(ps->p - start));
	if (!v->number.text)
		return -ENOMEM;
	v->number.negative = *start == '-';
	for (const char *d = start + v->number.negative; integer && d < ps->p; d++) {
		if (u > (UINT64_MAX - (uint64_t)(*d - '0')) / 10)
			integer = false; /* does not fit: kept as text */
		u = u * 10 + (uint64_t)(*d - '0');
	}
	if (integer && v->number.negative) {
		if (u > (uint64_t)INT64_MAX + 1)
			integer = false;
		v->number.i = u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	} else {
		v->number.u = u;
		v->number.i = u <= INT64_MAX ? (int64_t)u : 0;
	}
	v->number.integer = integer;
	return 0;
}

static int literal(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return syntax(ps, "unexpected character '%c'", *ps->p);
	ps->p += n;
	return 0;
}

static int parse_array(struct parser *ps, struct tn_json_value *v)
{
	size_t cap = 0;
	int r;

	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return 0;
	}
	for (;;) {
		struct tn_json_value *item = NULL;

		if (v->array.n == cap) {
			struct tn_json_value **nv;

			cap = cap ? cap * 2 : 4;
			nv = reallocarray(v->array.v, cap, sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			v->array.v = nv;
		}
		r = parse_value(ps, &item);
		if (item) /* part of the tree even when incomplete, so it is freed with it */
			v->array.v[v->array.n++] = item;
		if (r < 0)
			return r;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == ']') {
			ps->p++;
			return 0;
		}
		return syntax(ps, "',' or ']' expected, found %s", describe(ps));
	}
}

static int parse_member(struct parser *ps, struct tn_json_member *m)
{
	size_t len;
	int r;

	skip_space(ps);
	if (ps->p >= ps->end || *ps->p != '"')
		return syntax(ps, "a member name in double quotes expected, found %s",
			      describe(ps));
	r = parse_string(ps, &m->key, &len);
	if (r < 0)
		return r;
	skip_space(ps);
	if (ps->p >= ps->end || *ps->p != ':')
		return syntax(ps, "':' expected after member name \"%s\"", m->key);
	ps->p++;
	return parse_value(ps, &m->value);
}

static int parse_object(struct parser *ps, struct tn_json_value *v)
{
	size_t cap = 0;
	int r;

	ps->p++;
	skip_space(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (v->object.n == cap) {
			struct tn_json_member *nv;

			cap = cap ? cap * 2 : 8;
			nv = reallocarray(v->object.v, cap, sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			v->object.v = nv;
		}
		v->object.v[v->object.n] = (struct tn_json_member){ 0 };
		r = parse_member(ps, &v->object.v[v->object.n++]);
		if (r < 0)
			return r;
		skip_space(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == '}') {
			ps->p++;
			return 0;
		}
		return syntax(ps, "',' or '}' expected, found %s", describe(ps));
	}
}

static int parse_into(struct parser *ps, struct tn_json_value *v)
{
	size_t len = 0;
	int r;

	switch (*ps->p) {
	case '{':
		v->type = TN_JSON_OBJECT;
		return parse_object(ps, v);
	case '[':
		v->type = TN_JSON_ARRAY;
		return parse_array(ps, v);
	case '"':
		v->type = TN_JSON_STRING;
		r = parse_string(ps, &v->string.s, &len);
		v->string.len = len;
		return r;
	case 't':
		v->type = TN_JSON_BOOL;
		v->boolean = true;
		return literal(ps, "true");
	case 'f':
		v->type = TN_JSON_BOOL;
		return literal(ps, "false");
	case 'n':
		return literal(ps, "null");
	default:
		v->type = TN_JSON_NUMBER;
		if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
			return parse_number(ps, v);
		v->type = TN_JSON_NULL;
		return syntax(ps, "unexpected character '%c'", *ps->p);
	}
}

static int parse_value(struct parser *ps, struct tn_json_value **ret)
{
	struct tn_json_value *v;
	int r;

	skip_space(ps);
	if (ps->p >= ps->end)
		return syntax(ps, "a value expected, found the end of the file");
	if (++ps->depth > TN_JSON_PARSE_MAX_DEPTH) {
		syntax(ps, "nested deeper than %d levels", TN_JSON_PARSE_MAX_DEPTH);
		return -E2BIG;
	}
	v = new_value(ps, TN_JSON_NULL);
	if (!v)
		return -ENOMEM;
	*ret = v; /* owned by the caller's tree from here, so freed with it on error */
	r = parse_into(ps, v);
	ps->depth--;
	return r;
}

int tn_json_parse(const char *text, size_t len, struct tn_json_value **ret,
		  struct tn_json_syntax_error *err)
{
	struct parser ps = {
		.p = text, .end = text + len, .line_start = text, .line = 1, .err = err
	};
	_cleanup_(tn_json_value_freep) struct tn_json_value *v = NULL;
	int r;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		return syntax(&ps, "a byte order mark is not allowed in JSON");
	r = parse_value(&ps, &v);
	if (r < 0)
		return r;
	skip_space(&ps);
	if (ps.p < ps.end)
		return syntax(&ps, "unexpected '%c' after the end of the document", *ps.p);
	*ret = TAKE_PTR(v);
	return 0;
}

void tn_json_value_free(struct tn_json_value *v)
{
	if (!v)
		return;
	switch (v->type) {
	case TN_JSON_NUMBER:
		free(v->number.text);
		break;
	case TN_JSON_STRING:
		free(v->string.s);
		break;
	case TN_JSON_ARRAY:
		for (size_t i = 0; i < v->array.n; i++)
			tn_json_value_free(v->array.v[i]);
		free(v->array.v);
		break;
	case TN_JSON_OBJECT:
		for (size_t i = 0; i < v->object.n; i++) {
			free(v->object.v[i].key);
			tn_json_value_free(v->object.v[i].value);
		}
		free(v->object.v);
		break;
	default:
		break;
	}
	free(v);
}

const struct tn_json_value *tn_json_get(const struct tn_json_value *obj, const char *key)
{
	if (!obj || obj->type != TN_JSON_OBJECT)
		return NULL;
	for (size_t i = obj->object.n; i-- > 0;)
		if (obj->object.v[i].key && strcmp(obj->object.v[i].key, key) == 0)
			return obj->object.v[i].value;
	return NULL;
}

const char *tn_json_type_name(enum tn_json_type t)
{
	static const char *const names[] = {
		[TN_JSON_NULL] = "null",       [TN_JSON_BOOL] = "a boolean",
		[TN_JSON_NUMBER] = "a number", [TN_JSON_STRING] = "a string",
		[TN_JSON_ARRAY] = "an array",  [TN_JSON_OBJECT] = "an object",
	};

	return names[t];
}
