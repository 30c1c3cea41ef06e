/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A user's ranges of one database, as listed: what `subid` (from the files) and `subid-nss`
 * (through shadow's libsubid) both fill in. Kept apart from both so that calls go one way:
 * subid -> subid-nss -> subid-list.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "idrange.h"
#include "subid-parse.h"

enum tn_subid_db {
	TN_SUBUID,
	TN_SUBGID,
};

const char *tn_subid_db_name(enum tn_subid_db db); /* "subuid" / "subgid" */

/* One range of a listing, with where it came from. */
struct tn_subid_range {
	struct tn_idrange range;
	uint32_t line; /* 0 when read through libsubid */
	char *owner;   /* the owner field as written */
};

struct tn_subid_list {
	enum tn_subid_db db;
	char *source; /* the file's path, or the NSS module's name */
	bool from_nss;
	struct tn_subid_range *v;
	size_t n;
	uint64_t total;
	struct tn_subid_entry *skipped; /* the user's lines that are not usable (owner not kept) */
	size_t n_skipped;
	size_t n_nss_skipped; /* unusable ranges a libsubid module returned */
	char *note;	      /* what libsubid said, if anything */
};

void tn_subid_list_done(struct tn_subid_list *l);
