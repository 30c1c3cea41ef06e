/* SPDX-License-Identifier: Apache-2.0 */
/* Sparse maps (idmap-sparse.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "idmap-sparse.h"
#include "macro.h"
#include "banned.h"

static size_t digits(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* Join the spans closer than `gap`; the extents' count, and the longest text they may give. */
static size_t join(const struct tn_idset *ids, uint64_t gap, struct tn_idmap_extent *v,
		   size_t *text)
{
	size_t n = 0;
	uint64_t off = 0;

	*text = 0;
	for (size_t i = 0; i < ids->n; i++) {
		uint64_t s = ids->v[i].start, e = MIN(ids->v[i].end, (uint64_t)TN_ID_MAX + 1);

		if (s >= e)
			continue;
		if (n > 0 && s - ((uint64_t)v[n - 1].inside + v[n - 1].count) < gap) {
			off += e - ((uint64_t)v[n - 1].inside + v[n - 1].count);
			v[n - 1].count = (uint32_t)(e - v[n - 1].inside);
			continue;
		}
		v[n++] = (struct tn_idmap_extent){ (uint32_t)s, (uint32_t)off, (uint32_t)(e - s) };
		off += e - s;
	}
	for (size_t i = 0; i < n; i++) /* "inside outside count\n", outside at most 10 digits */
		*text += digits(v[i].inside) + 1 + 10 + 1 + digits(v[i].count) + 1;
	return n;
}

int tn_idmap_sparse_plan(const struct tn_idset *ids, struct tn_idmap_extent **ret, size_t *n,
			 uint64_t *ret_total)
{
	_cleanup_free_ struct tn_idmap_extent *v = calloc(ids->n + 1, sizeof(*v));
	uint64_t gap = TN_SPARSE_GAP;
	size_t text;

	if (!v)
		return -ENOMEM;
	for (;;) {
		*n = join(ids, gap, v, &text);
		if (*n <= TN_IDMAP_MAX_EXTENTS && text <= TN_IDMAP_MAX_TEXT)
			break;
		gap *= 2; /* at 2^32 everything is one extent */
	}
	if (*n == 0)
		return -EINVAL;
	*ret_total = (uint64_t)v[*n - 1].outside + v[*n - 1].count;
	*ret = TAKE_PTR(v);
	return 0;
}
