/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by shift.c (the record, checks) and shift-walk.c (reading the tree, changing it). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "shift-record.h"
#include "shift.h"

struct tn_shift_walk {
	const struct tn_idmap *from[2], *to[2], *view[2]; /* from[k] NULL: unshifted */
	const struct tn_shift_request *req;
	struct tn_shift_result *res;
	struct tn_error **err;
	int rootfd;		     /* the tree's top, opened once: every step is below it */
	struct tn_shift_record *rec; /* tenant's record of this shift (keep lines) */
	bool resuming;		     /* finishing an interrupted shift: keep lines may be pending */
	bool host_root;		     /* tenant is host root: no bits go to host root unasked */
};

/* A seen ID (through w->view) to where the shift puts it, seen the same way. */
bool tn_shift_seen(const struct tn_shift_walk *w, int k, uint32_t seen, uint32_t *ret);

/* Every inode of the tree as the first pass found it: where it is, what it is. */
struct tn_shift_entry {
	size_t path;   /* offset in tn_shift_list.paths: relative to the top ("" for it) */
	size_t name;   /* offset in paths of its last component */
	size_t parent; /* index of its directory (the top: itself) */
	uint64_t dev, ino;
	uint32_t uid, gid;
	mode_t mode;
	uint32_t depth; /* 0: the top */
	bool linked;	/* more than one name: changed by one thread only */
	size_t names;	/* linked: where its names start in tn_shift_list.names */
	size_t n_names; /* linked: how many pass 1 saw */
};

struct tn_shift_list {
	struct tn_shift_entry *v;
	size_t n, cap;
	char *paths;
	size_t len, paths_cap;
	size_t unmappable; /* owners without a place in the target map */
	size_t *names;	   /* the entries of each inode of several names, grouped by inode */
	size_t n_names_all;
};

/* Pass 1: read the tree from w->rootfd (tree-walk.h: fd-relative, no symlink, one
 * filesystem). A file with hard links outside the tree is refused: a chown would reach them. */
int tn_shift_collect(struct tn_shift_walk *w, struct tn_shift_list *l);
/* Pass 2: the chowns, and what they clear put back; on up to 4 threads. Every inode is reached
 * from w->rootfd through directories checked against pass 1 (device, inode), opened without
 * following a symlink, and checked itself before it is changed. */
int tn_shift_apply(struct tn_shift_walk *w, const struct tn_shift_list *l);
void tn_shift_list_done(struct tn_shift_list *l);
