/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subordinate ranges from a source other than the files: /etc/nsswitch.conf's `subid:` line
 * names one module (shadow reads only the first word; `files` means the files). For any other
 * word, ranges are read through shadow's libsubid (libsubid.so.4, Debian libsubid4), which
 * loads libsubid_<word>.so, so LDAP/SSSD-managed ranges are seen exactly as newuidmap sees them.
 * libsubid is loaded on first use, so tenant runs without it where no such source is configured.
 */
#pragma once

#include <stdbool.h>

#include "accounts.h"
#include "error.h"
#include "subid-list.h"

/*
 * Parse nsswitch.conf text as shadow does: the `subid:` line (case-insensitive, in column 0),
 * its first word. *ret_module is NULL when the source is the files (no line, or `files`).
 */
int tn_subid_nss_parse(const char *text, char **ret_module);

/* tn_subid_nss_parse() on /etc/nsswitch.conf; a missing file means the files. */
int tn_subid_nss_module(char **ret_module, struct tn_error **err);

/*
 * Whether libsubid can load the module (libsubid_<module>.so). When it cannot, libsubid and
 * newuidmap fall back to the files, and so must tenant; *ret_why says why it failed.
 */
bool tn_subid_nss_module_loadable(const char *module, char **ret_why);

/* List user `u`'s ranges of `db` through libsubid; fills l->v, l->total, l->source, l->note. */
int tn_subid_nss_list(const char *module, enum tn_subid_db db, const struct tn_user *u,
		      struct tn_subid_list *l, struct tn_error **err);
