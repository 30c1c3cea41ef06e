/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The error model (docs/error-handling.md).
 *
 * Every fallible action returns int: >= 0 on success, -errno on failure. Library entry points
 * that have something to say about a failure also take `struct tn_error **err` last and fill it
 * with a message, and optionally a hint, in the same call that returns the negative number:
 *
 *	return tn_error_errno(err, -ENOENT, "cannot open '%s'", path);
 *
 * On the way up, callers add context in front of the message:
 *
 *	if (r < 0)
 *		return tn_error_wrap(err, r, "cannot list ranges of '%s'", user);
 *
 * Only the CLI prints an error, once (tn_error_print()). `err` may be NULL: the number alone is
 * returned and nothing is allocated.
 */
#pragma once

#include <stdarg.h>
#include <stdio.h>

#include "macro.h"

struct tn_error {
	int code;      /* positive errno */
	char *message; /* "what failed: why", lowercase, no final period */
	char *hint;    /* the fix, when one is known; NULL otherwise */
};

/* Set *err (freeing a previous one) to `code` and the formatted message; returns -|code|. */
int tn_error_set(struct tn_error **err, int code, const char *fmt, ...) _printf_(3, 4);

/* As tn_error_set(), with ": strerror(code)" appended to the message. */
int tn_error_errno(struct tn_error **err, int code, const char *fmt, ...) _printf_(3, 4);

/*
 * Put "context: " in front of the message of *err and return -|code|. When *err is still empty
 * (the callee only returned a number), the message becomes "context: strerror(code)".
 */
int tn_error_wrap(struct tn_error **err, int code, const char *fmt, ...) _printf_(3, 4);

/*
 * Attach or replace the hint of *err (a no-op when err is NULL or empty) and return -|code|, the
 * code the caller got from setting the error, so that an error path ends with
 *
 *	r = tn_error_set(err, EPERM, "...");
 *	return tn_error_hint(err, r, "...");
 *
 * The code is passed, not remembered: no hidden state, and the right number without a slot.
 */
int tn_error_hint(struct tn_error **err, int code, const char *fmt, ...) _printf_(3, 4);

void tn_error_free(struct tn_error *e);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tn_error *, tn_error_free)

/* Print "PROG: message" and, with a hint, "hint: ..." on the stream. The CLI's one printer. */
void tn_error_print(const struct tn_error *e, const char *prog, FILE *f);

/* `text` into buf with its first letter in lower case ("permission denied", "bad system
 * call"), as Go's errors read: runc's messages, which engines and users match on. */
void tn_go_words(const char *text, char *buf, size_t size);
/* strerror(code) so. */
void tn_strerror_lower(int code, char *buf, size_t size);
