/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure ID-range maths: no syscalls, no allocation beyond the set's own array.
 *
 * IDs are uint32_t, but 4294967295 is (uid_t)-1, "no ID", which the kernel refuses in a map and
 * chown() reads as "leave unchanged": the last valid ID is TN_ID_MAX. Every end is computed in
 * 64 bits, so start + count never wraps.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TN_ID_MAX     UINT32_C(4294967294)
#define TN_ID_INVALID UINT32_C(4294967295)

struct tn_idrange {
	uint32_t start;
	uint32_t count;
};

/* One past the last ID of the range, in 64 bits. */
static inline uint64_t tn_idrange_end(struct tn_idrange r)
{
	return (uint64_t)r.start + r.count;
}

/* The last ID of a non-empty range. */
static inline uint64_t tn_idrange_last(struct tn_idrange r)
{
	return (uint64_t)r.start + r.count - 1;
}

/*
 * 0 when start and count describe a usable range: count >= 1 and the last ID at most TN_ID_MAX.
 * -EINVAL when count is 0; -ERANGE when the range reaches 4294967295 or beyond.
 */
int tn_idrange_check(uint64_t start, uint64_t count);

/* True when the ranges share at least one ID (empty ranges share none). */
bool tn_idrange_overlaps(struct tn_idrange a, struct tn_idrange b);

bool tn_idrange_contains(struct tn_idrange r, uint64_t id);

/* Sum of the counts, in 64 bits (the sum of many ranges may exceed 32 bits). */
uint64_t tn_idrange_total(const struct tn_idrange *v, size_t n);

/*
 * A set of occupied IDs as half-open spans [start, end), in 64 bits. Add spans in any order,
 * then tn_idset_normalize() sorts and merges them before queries.
 */
struct tn_idspan {
	uint64_t start;
	uint64_t end;
};

struct tn_idset {
	struct tn_idspan *v;
	size_t n;
	size_t cap;
	bool normalized;
};

int tn_idset_add(struct tn_idset *s, uint64_t start, uint64_t count);
void tn_idset_normalize(struct tn_idset *s);
void tn_idset_free(struct tn_idset *s);

/* How many IDs the (normalized) set holds. */
uint64_t tn_idset_count(const struct tn_idset *s);

/* True when any ID of [start, start + count) is in the (normalized) set. */
bool tn_idset_overlaps(const struct tn_idset *s, uint64_t start, uint64_t count);

/*
 * The lowest start >= min, a multiple of `align` (>= 1), such that [start, start + count) is
 * free in the normalized set and start + count - 1 <= max (and <= TN_ID_MAX). -ENOSPC when no
 * such range exists, -EINVAL when count or align is 0 or min > max.
 */
int tn_idset_find_free(const struct tn_idset *s, uint64_t min, uint64_t max, uint64_t count,
		       uint64_t align, uint32_t *ret_start);
