/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SUB_UID_* and SUB_GID_* settings of /etc/login.defs, which bound where new subordinate
 * ranges go, with shadow's defaults (100000, 600100000, 65536) for what is not set.
 */
#pragma once

#include <stdint.h>

#include "error.h"

#define TN_LOGIN_DEFS_PATH "/etc/login.defs"

struct tn_subid_defs {
	uint64_t min;	/* SUB_UID_MIN: lowest ID of a new range */
	uint64_t max;	/* SUB_UID_MAX: highest ID of a new range (inclusive) */
	uint64_t count; /* SUB_UID_COUNT: size of a new range */
	uint32_t line_min, line_max, line_count; /* where each was set; 0 for the default */
};

/* Parse login.defs text; defs[0] gets SUB_UID_*, defs[1] SUB_GID_*. Errors name path:line. */
int tn_logindefs_parse(const char *text, const char *path, struct tn_subid_defs defs[2],
		       struct tn_error **err);

/* Read and parse a login.defs file; a missing file gives the defaults. */
int tn_logindefs_load(const char *path, struct tn_subid_defs defs[2], struct tn_error **err);
