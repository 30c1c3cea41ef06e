/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable byte buffer for building text (file contents, JSON, reports). Appends never fail
 * loudly: an allocation failure sets a sticky flag that tn_buf_check() turns into -ENOMEM, so a
 * builder checks once at the end instead of after every append.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

struct tn_buf {
	char *data; /* always NUL-terminated once anything was appended */
	size_t len;
	size_t cap;
	bool oom;
};

void tn_buf_append(struct tn_buf *b, const void *p, size_t n);
void tn_buf_puts(struct tn_buf *b, const char *s);
void tn_buf_putc(struct tn_buf *b, char c);
void tn_buf_printf(struct tn_buf *b, const char *fmt, ...) _printf_(2, 3);

/* 0, or -ENOMEM when an append failed since the buffer was created. */
int tn_buf_check(const struct tn_buf *b);

/* Hand the NUL-terminated contents over (never NULL unless out of memory) and reset. */
char *tn_buf_steal(struct tn_buf *b);

void tn_buf_free(struct tn_buf *b);
