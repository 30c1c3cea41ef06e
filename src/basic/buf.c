/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "banned.h"

static bool grow(struct tn_buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->oom)
		return false;
	/* len + extra + 1 must not wrap. */
	if (extra > SIZE_MAX - b->len - 1) {
		b->oom = true;
		return false;
	}
	need = b->len + extra + 1;
	if (need <= b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = realloc(b->data, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

void tn_buf_append(struct tn_buf *b, const void *p, size_t n)
{
	if (!grow(b, n))
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void tn_buf_puts(struct tn_buf *b, const char *s)
{
	tn_buf_append(b, s, strlen(s));
}

void tn_buf_putc(struct tn_buf *b, char c)
{
	tn_buf_append(b, &c, 1);
}

void tn_buf_printf(struct tn_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(b, (size_t)n)) {
		b->oom = true;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

int tn_buf_check(const struct tn_buf *b)
{
	return b->oom ? -ENOMEM : 0;
}

char *tn_buf_steal(struct tn_buf *b)
{
	char *p;

	if (!b->data && !b->oom)
		tn_buf_append(b, "", 0);
	p = b->oom ? NULL : b->data;
	if (b->oom)
		free(b->data);
	*b = (struct tn_buf){ 0 };
	return p;
}

void tn_buf_free(struct tn_buf *b)
{
	free(b->data);
	*b = (struct tn_buf){ 0 };
}
