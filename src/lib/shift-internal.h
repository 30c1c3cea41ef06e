/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by shift.c (records, checks) and shift-walk.c (reading the tree, changing it). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "shift.h"

struct tn_shift_walk {
	const struct tn_idmap *from[2], *to[2], *view[2]; /* from[k] NULL: unshifted */
	const struct tn_shift_request *req;
	struct tn_shift_result *res;
	struct tn_error **err;
	bool resuming; /* finishing an interrupted shift: user.tenant.keep may be left */
};

/* A seen ID (through w->view) to where the shift puts it, seen the same way. */
bool tn_shift_seen(const struct tn_shift_walk *w, int k, uint32_t seen, uint32_t *ret);

/* Every inode of the tree as the first pass found it, with where its owners go. */
struct tn_shift_entry {
	size_t path; /* offset in tn_shift_list.paths */
	uint32_t uid, gid, new_uid, new_gid;
	mode_t mode;
	bool linked; /* more than one name: changed by one thread only */
};

struct tn_shift_list {
	struct tn_shift_entry *v;
	size_t n, cap;
	char *paths;
	size_t len, paths_cap;
	size_t unmappable; /* owners without a place in the target map */
};

/* Pass 1: read the tree (lstat, one filesystem, no symlink followed). */
int tn_shift_collect(struct tn_shift_walk *w, struct tn_shift_list *l);
/* Pass 2: the chowns, and what they clear put back; on up to 4 threads. */
int tn_shift_apply(struct tn_shift_walk *w, const struct tn_shift_list *l);
void tn_shift_list_done(struct tn_shift_list *l);
