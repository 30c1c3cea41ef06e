/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The user and group IDs a directory tree uses: every file's owner (lstat, one filesystem, no
 * symlink followed), and the IDs its etc/passwd and etc/group name. For `--userns
 * auto:size=image` (map exactly what the image uses) and for the report of IDs a container's
 * mapping cannot show.
 *
 * Per ID: how many files, and the first path seen (relative to the tree, "/"-rooted).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "idmap.h"
#include "idrange.h"

struct tn_tree_id {
	uint32_t id;
	uint64_t files; /* 0: named only by etc/passwd or etc/group */
	char *example;	/* the first file owned by it, or NULL */
	bool used;
};

struct tn_tree_idtab {
	struct tn_tree_id *v; /* open addressing, `cap` slots, a power of two */
	size_t cap, n;
};

struct tn_tree_ids {
	struct tn_tree_idtab tab[2]; /* indexed by enum tn_idmap_kind */
	uint64_t files;		     /* entries scanned */
	bool truncated;		     /* stopped at max_files */
};

/* Scan `root`; max_files bounds the walk (0: no bound). */
int tn_tree_ids_scan(const char *root, uint64_t max_files, struct tn_tree_ids *ret,
		     struct tn_error **err);
/* Add one ID (as used by nobody's files: the process's user, say). */
int tn_tree_ids_add(struct tn_tree_ids *t, enum tn_idmap_kind kind, uint32_t id);
/* The IDs as a normalized set. */
int tn_tree_ids_set(const struct tn_tree_ids *t, enum tn_idmap_kind kind, struct tn_idset *ret);
void tn_tree_ids_done(struct tn_tree_ids *t);

/*
 * The owners in the tree that `m` cannot show, and the IDs its etc/passwd and etc/group name
 * that `m` cannot map, sorted; *ret_files: how many files they own.
 * An owner is representable when `m` maps it as a host ID (a shifted tree) or as a container ID
 * (an unshifted tree, idmapped or shifted to fit); the rest show as 65534 inside whatever is
 * done, and are returned.
 */
int tn_tree_ids_unmapped(const struct tn_tree_ids *t, const struct tn_idmap *m,
			 const struct tn_tree_id ***ret, size_t *n, uint64_t *ret_files);

/* "UID 1000320999 (1 file, e.g. /home/largeuid), ..." for a report; at most `max` IDs named. */
int tn_tree_ids_describe(const struct tn_tree_id *const *v, size_t n, enum tn_idmap_kind kind,
			 size_t max, struct tn_buf *b);
