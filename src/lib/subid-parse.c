/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>

#include "idrange.h"
#include "macro.h"
#include "parse.h"
#include "subid-parse.h"
#include "banned.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Why a numeric field is not a plain decimal number; TN_SUBID_OK when it is one. */
static enum tn_subid_problem classify_number(const char *p, size_t n)
{
	if (n == 0)
		return TN_SUBID_EMPTY_NUMBER;
	if (p[0] == '-')
		return TN_SUBID_NEGATIVE;
	if (p[0] == '+')
		return TN_SUBID_PLUS;
	for (size_t i = 0; i < n; i++)
		if (is_blank(p[i]))
			return TN_SUBID_BLANKS;
	if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return TN_SUBID_HEX;
	if (!tn_all_digits(p, n))
		return p[0] >= '0' && p[0] <= '9' ? TN_SUBID_TRAILING : TN_SUBID_NOT_NUMBER;
	if (n >= 2 && p[0] == '0')
		return TN_SUBID_LEADING_ZERO;
	return TN_SUBID_OK;
}

static enum tn_subid_problem parse_number(const char *p, size_t n, uint64_t *ret)
{
	enum tn_subid_problem pr = classify_number(p, n);
	uint64_t v;

	if (pr != TN_SUBID_OK)
		return pr;
	if (tn_parse_u64_n(p, n, &v) < 0 || v > UINT32_MAX)
		return TN_SUBID_TOO_LARGE;
	*ret = v;
	return TN_SUBID_OK;
}

static enum tn_subid_problem classify_owner(const char *p, size_t n)
{
	uint32_t uid;

	if (n == 0)
		return TN_SUBID_EMPTY_OWNER;
	if (p[0] == '+' || p[0] == '-')
		return TN_SUBID_BAD_OWNER;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
			return TN_SUBID_BAD_OWNER;
	if (!tn_all_digits(p, n))
		return TN_SUBID_OK;
	if (n >= 2 && p[0] == '0')
		return TN_SUBID_OWNER_ZERO;
	if (tn_parse_u32_n(p, n, &uid) < 0 || uid == TN_ID_INVALID)
		return TN_SUBID_NUMERIC_OWNER_RANGE;
	return TN_SUBID_OK;
}

static void set_invalid(struct tn_subid_entry *e, enum tn_subid_problem p, uint8_t field)
{
	e->kind = TN_SUBID_INVALID;
	e->problem = p;
	e->field = field;
}

/* Whole-line checks that come before splitting; false when the line is already classified. */
static bool classify_whole_line(const char *p, size_t *len, struct tn_subid_entry *e)
{
	size_t i;

	for (i = 0; i < *len && is_blank(p[i]); i++)
		;
	if (i == *len) {
		e->kind = TN_SUBID_BLANK;
		return false;
	}
	if (p[0] == '#') {
		e->kind = TN_SUBID_COMMENT;
		return false;
	}
	if (memchr(p, '\0', *len)) {
		set_invalid(e, TN_SUBID_NUL, 0);
		return false;
	}
	if (*len > TN_SUBID_LINE_MAX) {
		set_invalid(e, TN_SUBID_LONG_LINE, 0);
		return false;
	}
	if (p[*len - 1] == '\r') {
		/* Read the fields anyway so lint can say what the line would have meant. */
		set_invalid(e, TN_SUBID_CR, 2);
		(*len)--;
	}
	return true;
}

void tn_subid_parse_line(const char *p, size_t len, uint32_t line, struct tn_subid_entry *ret)
{
	struct tn_subid_entry e = { .text = p,
				    .text_len = (uint32_t)MIN(len, UINT32_MAX),
				    .line = line,
				    .kind = TN_SUBID_RANGE };
	const char *c1, *c2;
	enum tn_subid_problem pr;

	if (!classify_whole_line(p, &len, &e))
		goto done;
	c1 = memchr(p, ':', len);
	c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p)) : NULL;
	if (!c2 || memchr(c2 + 1, ':', len - (size_t)(c2 + 1 - p))) {
		set_invalid(&e, TN_SUBID_FIELDS, 0);
		goto done;
	}
	e.owner = p;
	e.owner_len = (uint32_t)(c1 - p);
	pr = classify_owner(p, e.owner_len);
	if (pr != TN_SUBID_OK) {
		set_invalid(&e, pr, 0);
		goto done;
	}
	pr = parse_number(c1 + 1, (size_t)(c2 - c1 - 1), &e.start);
	if (pr != TN_SUBID_OK) {
		set_invalid(&e, pr, 1);
		goto done;
	}
	pr = parse_number(c2 + 1, len - (size_t)(c2 + 1 - p), &e.count);
	if (pr != TN_SUBID_OK) {
		set_invalid(&e, pr, 2);
		goto done;
	}
	if (e.kind == TN_SUBID_INVALID) /* the CR found above; the fields themselves are fine */
		goto done;
	switch (tn_idrange_check(e.start, e.count)) {
	case -EINVAL:
		e.problem = TN_SUBID_COUNT_ZERO;
		e.field = 2;
		break;
	case -ERANGE:
		e.problem = TN_SUBID_PAST_END;
		e.field = 2;
		break;
	default:
		break;
	}
done:
	*ret = e;
}

const char *tn_subid_problem_to_string(enum tn_subid_problem p)
{
	static const char *const table[] = {
		[TN_SUBID_OK] = "ok",
		[TN_SUBID_FIELDS] = "expected 3 fields 'owner:start:count'",
		[TN_SUBID_EMPTY_OWNER] = "owner is empty",
		[TN_SUBID_BAD_OWNER] =
			"owner contains a blank, a control character or a leading '+'/'-'",
		[TN_SUBID_NUMERIC_OWNER_RANGE] = "numeric owner is not a valid UID",
		[TN_SUBID_OWNER_ZERO] = "numeric owner has a leading zero",
		[TN_SUBID_EMPTY_NUMBER] = "number is empty",
		[TN_SUBID_NEGATIVE] = "number is negative",
		[TN_SUBID_PLUS] = "number has a '+' sign",
		[TN_SUBID_BLANKS] = "number contains a blank",
		[TN_SUBID_HEX] = "number is hexadecimal",
		[TN_SUBID_LEADING_ZERO] = "number has a leading zero",
		[TN_SUBID_TRAILING] = "number is followed by other characters",
		[TN_SUBID_NOT_NUMBER] = "not a number",
		[TN_SUBID_TOO_LARGE] = "number is larger than 4294967295",
		[TN_SUBID_CR] = "line ends with a carriage return (DOS line ending)",
		[TN_SUBID_LONG_LINE] = "line is longer than 1023 bytes",
		[TN_SUBID_NUL] = "line contains a NUL byte",
		[TN_SUBID_COUNT_ZERO] = "count is 0",
		[TN_SUBID_PAST_END] = "range runs past ID 4294967294",
	};

	if ((size_t)p >= ELEMENTSOF(table) || !table[p])
		return "unknown problem";
	return table[p];
}

int tn_subid_foreach_line(const char *data, size_t len, tn_subid_line_fn fn, void *userdata)
{
	const char *p = data, *end = data + len;
	uint32_t line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct tn_subid_entry e;
		int r;

		if (line == UINT32_MAX)
			return -EFBIG;
		line++;
		tn_subid_parse_line(p, n, line, &e);
		r = fn(&e, p, n, userdata);
		if (r < 0)
			return r;
		p += n + (nl ? 1 : 0);
	}
	return 0;
}

bool tn_subid_owner_is(const struct tn_subid_entry *e, const char *name)
{
	size_t n = strlen(name);

	return e->owner && e->owner_len == n && memcmp(e->owner, name, n) == 0;
}
