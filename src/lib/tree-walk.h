/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Walking a directory tree that someone else may be changing while it is read (a rootfs, a tree
 * being shifted, copied or removed): everything relative to directory fds opened from the top
 * down, no symlink ever followed, each directory's device and inode checked between the entry
 * read and the directory opened, one filesystem. Entries come in pre-order (a directory before
 * what is in it); with TN_WALK_POST, each directory comes again after what is in it. Unlike
 * nftw(3), a directory renamed and replaced by a symlink mid-walk cannot take the walk outside
 * the tree: it fails with -ESTALE, naming the path. No global state: the walk in progress is the
 * callback's `data`.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "error.h"

#define TN_WALK_MAX_DEPTH 512 /* one fd per level is held open */

struct tn_walk_entry {
	int dirfd;	       /* the directory that holds it (for the top: the top itself) */
	const char *name;      /* its name there ("." for the top) */
	const char *path;      /* relative to the top: "" for the top, "a/b" below it */
	const struct stat *st; /* lstat */
	size_t depth;	       /* 0: the top */
	bool post;	       /* TN_WALK_POST: a directory again, after what is in it */
};

/* What fn returns besides 0 (go on) and -errno (stop: the walk fails with it). */
enum {
	TN_WALK_SKIP = 1, /* for a directory: do not descend */
	TN_WALK_STOP = 2, /* end the walk here, successfully */
};

enum tn_walk_flags {
	TN_WALK_POST = 1 << 0, /* call fn for each directory also after its entries */
};

/*
 * Call fn for the top (rootfd, a directory opened O_RDONLY) and everything below it on its
 * filesystem. fn's negative result stops the walk and is returned; a directory that cannot be
 * read is an error naming it (in err, with `top` as the tree's name).
 */
int tn_walk(int rootfd, const char *top, unsigned flags,
	    int (*fn)(const struct tn_walk_entry *e, void *data), void *data,
	    struct tn_error **err);
