/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Chown shifting (`tenant shift`): move a tree's owners from one mapping to another in place,
 * where an idmapped mount cannot be used (rootless; a filesystem without idmapped mounts).
 *
 * A file owned by host ID h means container ID c = from^-1(h) (from: the tree's current map;
 * none: the tree is unshifted, h = c); it becomes owned by to(c). ACL entries and the root ID
 * of v3 file capabilities move the same way; setuid/setgid bits and capabilities, which a chown
 * clears, are put back.
 *
 * The state of a shift is recorded in tenant's own store, never in the tree (shift-record.h):
 * busy is written before the first chown and done after the last, so a shift that was killed
 * is found and finished by the next one. Resuming is exact because the host IDs of `from` and
 * `to` must not overlap: an owner in `to` is done, one in `from` is not. A file whose mode or
 * capabilities a chown would clear has them recorded there before the chown, taken from the
 * file itself, and put back after. A tree already done at `to` is left alone: a tree is
 * shifted once per range.
 *
 * Nothing the tree's owner or a container could have written steers a shift: maps come from the
 * command line or tenant's record; modes and capabilities from the file itself, read through an
 * fd that stays inside the tree (shift-walk.c); as host root, no file becomes setuid-root or
 * gains capabilities valid on the host that it did not have (a v2 capability becomes v3 at the
 * container's root).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "idmap.h"

struct tn_shift_request {
	const char *root;
	/* container ID -> host ID, per enum tn_idmap_kind; from NULL: as recorded, or unshifted */
	const struct tn_idmap *from[2];
	const struct tn_idmap *to[2];
	/* Rootless: the walk runs in a user namespace of these maps (host IDs seen through them);
	 * NULL: in tenant's own. */
	const struct tn_idmap *view[2];
	void (*progress)(void *data, uint64_t files); /* now and then, and at the end */
	void *progress_data;
};

struct tn_shift_result {
	uint64_t files;	  /* inodes visited */
	uint64_t changed; /* inodes whose owner changed */
	bool already;	  /* the tree was at `to`: nothing to do */
	bool resumed;	  /* an interrupted shift was found and finished first */
};

int tn_shift(const struct tn_shift_request *req, struct tn_shift_result *res,
	     struct tn_error **err);

/* tn_shift as the caller can: directly as root, rootless in a user namespace of its ranges
 * (req->view is set there). */
struct tn_subid_source;
int tn_shift_run(const struct tn_shift_request *req, const struct tn_subid_source *src,
		 struct tn_shift_result *res, struct tn_error **err);

/* The tree's recorded map (done), into ret[2]; -ENODATA when unshifted, -EBUSY when busy. */
int tn_shift_recorded(const char *root, struct tn_idmap ret[2]);
