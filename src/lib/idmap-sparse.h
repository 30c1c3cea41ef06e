/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sparse maps (--userns auto:size=image): map exactly the container IDs a tree uses, not a
 * range from 0 up to its largest, so an image with UID 1000320999 needs a handful of host IDs
 * instead of a billion (seed 003).
 *
 * IDs closer than TN_SPARSE_GAP join one extent (a dense run: 0-999 of a distribution's
 * accounts); the others stay single extents. The gap doubles until the map fits the kernel's
 * limits: 340 extents, and a text of less than a page whatever the host IDs. The extents are
 * packed one after the other: `outside` is the offset from the start of the host block.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "idmap.h"
#include "idrange.h"

#define TN_SPARSE_GAP 1024

/* From a normalized set of container IDs (4294967295 is never in a map). *ret_total: host IDs
 * needed. -EINVAL for an empty set. */
int tn_idmap_sparse_plan(const struct tn_idset *ids, struct tn_idmap_extent **ret, size_t *n,
			 uint64_t *ret_total);
