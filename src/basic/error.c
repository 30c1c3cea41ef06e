/* SPDX-License-Identifier: Apache-2.0 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "banned.h"

/* A code as a positive errno; 0 (no code known) becomes EIO, so that an error is never success. */
static int abs_code(int code)
{
	if (code < 0)
		code = -code;
	return code == 0 ? EIO : code;
}

/*
 * Format into a fresh string. On allocation failure the message is lost but the code is kept:
 * an error path must never fail harder than the error it reports.
 */
_printf_(1, 0) static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

static int store(struct tn_error **err, int code, char *message)
{
	struct tn_error *e;

	if (!err) {
		free(message);
		return -code;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		free(message);
		return -code;
	}
	e->code = code;
	e->message = message;
	tn_error_free(*err);
	*err = e;
	return -code;
}

int tn_error_set(struct tn_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *m;

	code = abs_code(code);
	if (!err)
		return -code;
	va_start(ap, fmt);
	m = vformat(fmt, ap);
	va_end(ap);
	return store(err, code, m);
}

int tn_error_errno(struct tn_error **err, int code, const char *fmt, ...)
{
	_cleanup_free_ char *head = NULL;
	char *m = NULL;
	va_list ap;

	code = abs_code(code);
	if (!err)
		return -code;
	va_start(ap, fmt);
	head = vformat(fmt, ap);
	va_end(ap);
	if (head && asprintf(&m, "%s: %s", head, strerror(code)) < 0)
		m = NULL;
	return store(err, code, m);
}

int tn_error_wrap(struct tn_error **err, int code, const char *fmt, ...)
{
	_cleanup_free_ char *ctx = NULL;
	char *m = NULL;
	va_list ap;

	code = abs_code(code);
	if (!err)
		return -code;
	va_start(ap, fmt);
	ctx = vformat(fmt, ap);
	va_end(ap);
	if (!*err)
		return tn_error_set(err, code, "%s: %s", ctx ? ctx : "error", strerror(code));
	if (ctx &&
	    asprintf(&m, "%s: %s", ctx, (*err)->message ? (*err)->message : strerror(code)) >= 0) {
		free((*err)->message);
		(*err)->message = m;
	}
	(*err)->code = code;
	return -code;
}

int tn_error_hint(struct tn_error **err, int code, const char *fmt, ...)
{
	va_list ap;
	char *h;

	code = abs_code(code);
	if (!err || !*err)
		return -code;
	va_start(ap, fmt);
	h = vformat(fmt, ap);
	va_end(ap);
	free((*err)->hint);
	(*err)->hint = h;
	return -code;
}

void tn_error_free(struct tn_error *e)
{
	if (!e)
		return;
	free(e->message);
	free(e->hint);
	free(e);
}

void tn_error_print(const struct tn_error *e, const char *prog, FILE *f)
{
	if (!e)
		return;
	fprintf(f, "%s: %s\n", prog, e->message ? e->message : strerror(e->code));
	if (e->hint)
		fprintf(f, "hint: %s\n", e->hint);
}

void tn_go_words(const char *text, char *buf, size_t size)
{
	if (size == 0)
		return;
	snprintf(buf, size, "%s", text);
	buf[0] = (char)tolower((unsigned char)buf[0]);
}

void tn_strerror_lower(int code, char *buf, size_t size)
{
	tn_go_words(strerror(code), buf, size);
}
