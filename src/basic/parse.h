/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict number parsers for untrusted text: decimal digits only. No sign, no blanks, no base
 * prefix, no trailing characters; overflow is detected before it happens. These replace
 * ato*() and strto*(), which banned.h forbids.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse exactly `len` bytes at `s`. 0 on success; -EINVAL if empty or not all digits; -ERANGE
 * on overflow. *ret is written only on success. */
int tn_parse_u64_n(const char *s, size_t len, uint64_t *ret);
int tn_parse_u32_n(const char *s, size_t len, uint32_t *ret);

/* The same for a NUL-terminated string. */
int tn_parse_u64(const char *s, uint64_t *ret);
int tn_parse_u32(const char *s, uint32_t *ret);

/*
 * A size in bytes as go-units' RAMInBytes of runc 1.1 reads it (runc update --memory):
 * DIGITS[.DIGITS], an optional space, an optional unit of k, m, g, t, p (1024 each), "i", "b"
 * (any case: "1.5m", "2 KiB", "100B"); the fraction of the unit is truncated. -EINVAL
 * otherwise, also on overflow.
 */
int tn_parse_size(const char *s, int64_t *ret);

/* True when `len` > 0 and every byte is an ASCII digit. */
bool tn_all_digits(const char *s, size_t len);

/* Whether `list`, items separated by any of the bytes of `seps` ("," or " \n"), has the item
 * `item` (the first `n` bytes of it) whole; an empty item is never found. */
bool tn_list_has_n(const char *list, const char *seps, const char *item, size_t n);
bool tn_list_has(const char *list, const char *seps, const char *item);
