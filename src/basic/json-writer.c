/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json-writer.h"
#include "banned.h"

void tn_json_init(struct tn_json *j, struct tn_buf *out, bool pretty)
{
	*j = (struct tn_json){ .out = out, .pretty = pretty };
}

static void newline_indent(struct tn_json *j)
{
	if (!j->pretty)
		return;
	tn_buf_putc(j->out, '\n');
	for (int i = 0; i < j->depth; i++)
		tn_buf_puts(j->out, "  ");
}

/* Everything that starts a value goes through here: comma, newline, indentation. */
static void before_value(struct tn_json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth > 0) {
		if (j->need_comma[j->depth])
			tn_buf_putc(j->out, ',');
		newline_indent(j);
	}
	j->need_comma[j->depth] = true;
}

static void open(struct tn_json *j, char c)
{
	before_value(j);
	tn_buf_putc(j->out, c);
	if (j->depth >= TN_JSON_MAX_DEPTH) {
		j->overflow = true;
		return;
	}
	j->depth++;
	j->need_comma[j->depth] = false;
}

static void close_(struct tn_json *j, char c)
{
	bool had_items = j->need_comma[j->depth];

	if (j->depth == 0) {
		j->overflow = true;
		return;
	}
	j->depth--;
	if (had_items)
		newline_indent(j);
	tn_buf_putc(j->out, c);
}

void tn_json_begin_object(struct tn_json *j)
{
	open(j, '{');
}

void tn_json_end_object(struct tn_json *j)
{
	close_(j, '}');
}

void tn_json_begin_array(struct tn_json *j)
{
	open(j, '[');
}

void tn_json_end_array(struct tn_json *j)
{
	close_(j, ']');
}

static void put_escaped(struct tn_buf *b, const char *s, size_t n)
{
	tn_buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"':
			tn_buf_puts(b, "\\\"");
			break;
		case '\\':
			tn_buf_puts(b, "\\\\");
			break;
		case '\n':
			tn_buf_puts(b, "\\n");
			break;
		case '\r':
			tn_buf_puts(b, "\\r");
			break;
		case '\t':
			tn_buf_puts(b, "\\t");
			break;
		default:
			/* Control bytes and bytes >= 0x80 (we do not validate UTF-8) are escaped. */
			if (c < 0x20 || c >= 0x7f)
				tn_buf_printf(b, "\\u%04x", c);
			else
				tn_buf_putc(b, (char)c);
		}
	}
	tn_buf_putc(b, '"');
}

void tn_json_key(struct tn_json *j, const char *key)
{
	before_value(j);
	put_escaped(j->out, key, strlen(key));
	tn_buf_puts(j->out, j->pretty ? ": " : ":");
	j->after_key = true;
}

void tn_json_string_n(struct tn_json *j, const char *s, size_t n)
{
	before_value(j);
	put_escaped(j->out, s, n);
}

void tn_json_string(struct tn_json *j, const char *s)
{
	if (!s) {
		tn_json_null(j);
		return;
	}
	tn_json_string_n(j, s, strlen(s));
}

void tn_json_u64(struct tn_json *j, uint64_t v)
{
	before_value(j);
	tn_buf_printf(j->out, "%" PRIu64, v);
}

void tn_json_i64(struct tn_json *j, int64_t v)
{
	before_value(j);
	tn_buf_printf(j->out, "%" PRId64, v);
}

void tn_json_bool(struct tn_json *j, bool v)
{
	before_value(j);
	tn_buf_puts(j->out, v ? "true" : "false");
}

void tn_json_null(struct tn_json *j)
{
	before_value(j);
	tn_buf_puts(j->out, "null");
}

void tn_json_kv_string(struct tn_json *j, const char *key, const char *s)
{
	tn_json_key(j, key);
	tn_json_string(j, s);
}

void tn_json_kv_u64(struct tn_json *j, const char *key, uint64_t v)
{
	tn_json_key(j, key);
	tn_json_u64(j, v);
}

void tn_json_kv_bool(struct tn_json *j, const char *key, bool v)
{
	tn_json_key(j, key);
	tn_json_bool(j, v);
}

int tn_json_finish(struct tn_json *j)
{
	if (j->overflow || j->depth != 0 || j->after_key)
		return -EINVAL;
	if (j->pretty)
		tn_buf_putc(j->out, '\n');
	return tn_buf_check(j->out);
}
