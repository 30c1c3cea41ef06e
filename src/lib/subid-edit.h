/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant subid add` and `remove`: plan the new contents of each file as plain data (pure,
 * unit-tested), then write them under the shadow-compatible lock, atomically, with shadow's
 * `FILE-` backup. Lines that are not touched are kept byte for byte, comments included.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "accounts.h"
#include "buf.h"
#include "error.h"
#include "idrange.h"
#include "logindefs.h"
#include "subid.h"

struct tn_subid_add_request {
	const struct tn_user *user;
	const char *owner; /* the owner field to write: the name, or the UID as given */
	bool have_count;
	bool have_start;
	uint64_t count;
	uint64_t start;
};

/* The plan for one file: the new text, or nothing to do. */
struct tn_subid_edit {
	bool changed;
	struct tn_buf text;	   /* the whole new file when changed */
	struct tn_idrange added;   /* add: the new range */
	uint32_t added_line;	   /* add: its line number */
	struct tn_idrange *ranges; /* add with nothing to do: the user's ranges; remove: removed */
	size_t n_ranges;
	size_t n_lines_removed; /* remove: lines dropped (malformed lines of the user count) */
};

void tn_subid_edit_done(struct tn_subid_edit *e);

/*
 * Plan an addition to one file: refuses when any line is malformed; does nothing when the user
 * already has a range and neither count nor start was asked for; otherwise the lowest free range
 * within `defs` (or at the requested start) that overlaps no range of any owner and no ID of an
 * account in `accounts` (CVE-2024-56433).
 */
int tn_subid_plan_add(const struct tn_subid_file *f, const struct tn_subid_add_request *req,
		      const struct tn_subid_defs *defs, const struct tn_accounts *accounts,
		      struct tn_subid_edit *ret, struct tn_error **err);

/*
 * Plan a removal from one file: every line of the owner (its name or UID, as tn_subid_list_user
 * reads them; malformed lines of the owner too), or only the line with exactly `only`'s range.
 * `u` identifies the owner; `owner_text` is matched literally too (a deleted account's name).
 */
int tn_subid_plan_remove(const struct tn_subid_file *f, const struct tn_user *u,
			 const char *owner_text, const struct tn_idrange *only,
			 struct tn_subid_edit *ret);

/* Results of the whole command, per database. */
struct tn_subid_edit_result {
	struct tn_subid_edit db[2];
	const char *path[2];
};

void tn_subid_edit_result_done(struct tn_subid_edit_result *r);

/* Lock, read, plan both files, and write what changed. Nothing is written unless both plan. */
int tn_subid_add(const struct tn_subid_source *src, const struct tn_subid_add_request *req,
		 const char *login_defs, struct tn_subid_edit_result *ret, struct tn_error **err);

int tn_subid_remove(const struct tn_subid_source *src, const struct tn_user *u,
		    const char *owner_text, const struct tn_idrange *only,
		    struct tn_subid_edit_result *ret, struct tn_error **err);
