/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Walking a directory tree that someone else may be changing while it is read (a rootfs, a tree
 * being shifted): everything relative to directory fds opened from the top down, no symlink
 * ever followed, each directory's device and inode checked between the entry read and the
 * directory opened, one filesystem. Entries come in pre-order (a directory before what is in
 * it). Unlike nftw(3), a directory renamed and replaced by a symlink mid-walk cannot take the
 * walk outside the tree: it fails with -ESTALE, naming the path.
 */
#pragma once

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
};

enum { TN_WALK_SKIP = 1 }; /* returned by fn for a directory: do not descend */

/*
 * Call fn for the top (rootfd, a directory opened O_RDONLY) and everything below it on its
 * filesystem. fn's negative result stops the walk and is returned; a directory that cannot be
 * read is an error naming it (in err, with `top` as the tree's name).
 */
int tn_walk(int rootfd, const char *top, int (*fn)(const struct tn_walk_entry *e, void *data),
	    void *data, struct tn_error **err);
