/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A user's plan for both maps: the subordinate ranges read (subid.h), the maps planned
 * (idmap.h), and for each map that needs newuidmap/newgidmap, the helper found or, with
 * `--fallback single`, the map reduced to the user's own ID when the helper cannot be used.
 */
#pragma once

#include <stdbool.h>

#include "error.h"
#include "idmap-write.h"
#include "idmap.h"
#include "subid.h"

enum tn_fallback {
	TN_FALLBACK_NONE,   /* a map that needs an unusable helper is an error */
	TN_FALLBACK_SINGLE, /* ... is reduced to the caller's own ID, with a warning (as crun) */
};

struct tn_userns_request {
	const struct tn_subid_source *src;
	const struct tn_user *user; /* whose IDs and ranges */
	uint32_t gid;		    /* the group mapped as the user's own */
	bool privileged[2];	    /* CAP_SETUID / CAP_SETGID in the parent namespace */
	enum tn_idmap_mode mode[2]; /* per map: --uidmap alone makes only the uid_map explicit */
	const struct tn_idmap_extent *explicit_v[2];
	size_t n_explicit[2];
	bool own_inside_set; /* keep-id: the user's ID inside is own_inside[k], not its own */
	uint32_t own_inside[2];
	bool single_if_no_ranges; /* auto/keep-id without ranges: only the own ID (crun rootless) */
	enum tn_fallback fallback;
	bool check_helpers; /* look the helpers up (not needed to only show a plan) */
};

struct tn_userns_plan {
	struct tn_idmap map[2];
	struct tn_idmap_helper helper[2]; /* looked up for maps written by a helper */
	char *source[2];		  /* where the ranges came from (NULL: not read) */
	size_t skipped[2];		  /* the user's lines that were not usable */
	bool fell_back[2];		  /* reduced to the own ID: helper[k].reason says why */
};

/* The caller's capabilities: CAP_SETUID, CAP_SETGID in its user namespace. */
void tn_userns_caller_privileges(bool ret[2]);

int tn_userns_plan_build(const struct tn_userns_request *req, struct tn_userns_plan *ret,
			 struct tn_error **err);
void tn_userns_plan_done(struct tn_userns_plan *p);
