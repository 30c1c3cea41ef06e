/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "idrange.h"
#include "banned.h"

int tn_idrange_check(uint64_t start, uint64_t count)
{
	if (count == 0)
		return -EINVAL;
	/* start + count - 1 <= TN_ID_MAX, written so that nothing can wrap. */
	if (start > TN_ID_MAX || count - 1 > TN_ID_MAX - start)
		return -ERANGE;
	return 0;
}

bool tn_idrange_overlaps(struct tn_idrange a, struct tn_idrange b)
{
	if (a.count == 0 || b.count == 0)
		return false;
	return a.start < tn_idrange_end(b) && b.start < tn_idrange_end(a);
}

bool tn_idrange_contains(struct tn_idrange r, uint64_t id)
{
	return id >= r.start && id < tn_idrange_end(r);
}

uint64_t tn_idrange_total(const struct tn_idrange *v, size_t n)
{
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += v[i].count;
	return t;
}

int tn_idset_add(struct tn_idset *s, uint64_t start, uint64_t count)
{
	if (count == 0)
		return 0;
	if (start > UINT64_MAX - count)
		return -ERANGE;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct tn_idspan *v;

		if (cap > SIZE_MAX / sizeof(*v))
			return -ENOMEM;
		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct tn_idspan){ start, start + count };
	s->normalized = false;
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct tn_idspan *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

void tn_idset_normalize(struct tn_idset *s)
{
	size_t out = 0;

	if (s->normalized)
		return;
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), span_cmp);
	for (size_t i = 0; i < s->n; i++) {
		if (out > 0 && s->v[i].start <= s->v[out - 1].end) {
			if (s->v[i].end > s->v[out - 1].end)
				s->v[out - 1].end = s->v[i].end;
			continue;
		}
		s->v[out++] = s->v[i];
	}
	s->n = out;
	s->normalized = true;
}

void tn_idset_free(struct tn_idset *s)
{
	free(s->v);
	*s = (struct tn_idset){ 0 };
}

uint64_t tn_idset_count(const struct tn_idset *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->v[i].end - s->v[i].start;
	return n;
}

/* Index of the first span whose end is > id (spans are sorted and disjoint). */
static size_t first_ending_after(const struct tn_idset *s, uint64_t id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].end <= id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool tn_idset_overlaps(const struct tn_idset *s, uint64_t start, uint64_t count)
{
	size_t i;

	if (count == 0)
		return false;
	i = first_ending_after(s, start);
	return i < s->n && s->v[i].start < start + count;
}

static uint64_t align_up(uint64_t v, uint64_t align)
{
	uint64_t rem = v % align;

	if (rem == 0)
		return v;
	if (v > UINT64_MAX - (align - rem))
		return UINT64_MAX;
	return v + (align - rem);
}

int tn_idset_find_free(const struct tn_idset *s, uint64_t min, uint64_t max, uint64_t count,
		       uint64_t align, uint32_t *ret_start)
{
	uint64_t cand;
	size_t i;

	if (count == 0 || align == 0 || min > max)
		return -EINVAL;
	if (max > TN_ID_MAX)
		max = TN_ID_MAX;
	cand = align_up(min, align);
	i = first_ending_after(s, cand);
	/* Walk the gaps from `cand` upward; each span that collides pushes the candidate past it. */
	for (;;) {
		if (cand > max || count - 1 > max - cand)
			return -ENOSPC;
		if (i >= s->n || s->v[i].start >= cand + count)
			break;
		cand = align_up(s->v[i].end, align);
		i++;
		while (i < s->n && s->v[i].end <= cand)
			i++;
	}
	*ret_start = (uint32_t)cand;
	return 0;
}
