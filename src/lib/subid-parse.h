/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The /etc/subuid and /etc/subgid line format: `owner:start:count`, owner a login name or a
 * numeric UID (all digits), several lines per owner allowed, in file order.
 *
 * tenant uses only lines that mean one thing to every reader. shadow (newuidmap, getsubids)
 * reads numbers with strtoul(base 0): "010000" is octal 4096 there and decimal 10000 elsewhere;
 * it silently ignores a line ending in CR or with a trailing blank, and ignores fields after the
 * third. Such lines are classified as problems here: tenant skips them and `tenant subid lint`
 * says why. Blank lines and lines starting with '#' are skipped, as getsubids skips them (a '#'
 * owner matches no account).
 *
 * Pure code: no I/O, no allocation.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Lines longer than this are refused, as shadow's parser refuses them. */
#define TN_SUBID_LINE_MAX 1023

enum tn_subid_kind {
	TN_SUBID_RANGE,	  /* a well-formed line; may still carry a range problem below */
	TN_SUBID_BLANK,	  /* empty or only blanks: skipped */
	TN_SUBID_COMMENT, /* starts with '#': skipped */
	TN_SUBID_INVALID, /* malformed: skipped, and an error for lint */
};

enum tn_subid_problem {
	TN_SUBID_OK = 0,
	/* malformed (kind INVALID) */
	TN_SUBID_FIELDS,	      /* not exactly three ':'-separated fields */
	TN_SUBID_EMPTY_OWNER,	      /* owner field empty */
	TN_SUBID_BAD_OWNER,	      /* blanks, control characters, '+'/'-' (NIS) in the owner */
	TN_SUBID_NUMERIC_OWNER_RANGE, /* all-digit owner that is not a valid UID */
	TN_SUBID_OWNER_ZERO,   /* all-digit owner with a leading zero: shadow matches it as text */
	TN_SUBID_EMPTY_NUMBER, /* start or count empty */
	TN_SUBID_NEGATIVE,     /* '-' sign */
	TN_SUBID_PLUS,	       /* '+' sign */
	TN_SUBID_BLANKS, /* blank inside a field (shadow skips leading ones, fails trailing) */
	TN_SUBID_HEX,	 /* 0x prefix: shadow reads hexadecimal */
	TN_SUBID_LEADING_ZERO, /* shadow reads octal, other tools decimal */
	TN_SUBID_TRAILING,     /* a number followed by other characters ("65536abc") */
	TN_SUBID_NOT_NUMBER,   /* other non-digit characters */
	TN_SUBID_TOO_LARGE,    /* above 4294967295 */
	TN_SUBID_CR,	       /* DOS line ending: shadow ignores the whole line */
	TN_SUBID_LONG_LINE,    /* longer than TN_SUBID_LINE_MAX */
	TN_SUBID_NUL,	       /* NUL byte in the line */
	/* well-formed but unusable (kind RANGE) */
	TN_SUBID_COUNT_ZERO, /* grants no IDs */
	TN_SUBID_PAST_END,   /* reaches ID 4294967295 or beyond */
};

struct tn_subid_entry {
	const char *text; /* the whole line as read (without '\n'), not NUL-terminated */
	uint32_t text_len;
	const char *owner; /* points into the parsed text, not NUL-terminated */
	uint32_t owner_len;
	uint32_t line; /* 1-based */
	uint64_t start;
	uint64_t count;
	uint8_t kind;	 /* enum tn_subid_kind */
	uint8_t problem; /* enum tn_subid_problem */
	uint8_t field;	 /* 0 owner, 1 start, 2 count: where the problem is */
};

/*
 * Classify one line (without its '\n'). Always fills *ret; owner/start/count are set as far as
 * they could be read. A range is usable when kind is RANGE and problem is OK.
 */
void tn_subid_parse_line(const char *p, size_t len, uint32_t line, struct tn_subid_entry *ret);

static inline bool tn_subid_entry_usable(const struct tn_subid_entry *e)
{
	return e->kind == TN_SUBID_RANGE && e->problem == TN_SUBID_OK;
}

/* Both start and count are known numbers (the range's IDs are certain even if unusable). */
static inline bool tn_subid_entry_has_range(const struct tn_subid_entry *e)
{
	return e->kind == TN_SUBID_RANGE;
}

/* A short lowercase description of the problem ("count is 0"), never NULL. */
const char *tn_subid_problem_to_string(enum tn_subid_problem p);

/*
 * Call `fn` for each line of `data` (the last line may lack its '\n'). Stops early and returns
 * the callback's negative value if it returns one; returns 0 otherwise.
 */
typedef int (*tn_subid_line_fn)(const struct tn_subid_entry *e, const char *line, size_t len,
				void *userdata);
int tn_subid_foreach_line(const char *data, size_t len, tn_subid_line_fn fn, void *userdata);

/* The owner field of a line as the kernel-independent text it is ("bob", "1001"). */
bool tn_subid_owner_is(const struct tn_subid_entry *e, const char *name);
