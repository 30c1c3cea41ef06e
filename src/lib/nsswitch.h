/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /etc/nsswitch.conf: which sources serve a database (passwd, group, subid).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define TN_NSSWITCH_PATH "/etc/nsswitch.conf"

/*
 * The text after "DB:" on the database's line (leading blanks and case ignored), up to the end
 * of the line, in *ret and *ret_len; false when the database has no line.
 */
bool tn_nsswitch_find(const char *text, const char *db, const char **ret, size_t *ret_len);

/*
 * True when every source of `db` is one whose getpwent()/getgrent() lists every account
 * (files, systemd, compat, db), so a lookup that misses the enumeration would miss NSS too.
 * A missing line means glibc's default, the files.
 */
bool tn_nsswitch_enumerates_all(const char *text, const char *db);

/* Read /etc/nsswitch.conf (NULL *ret when it does not exist). */
int tn_nsswitch_read(char **ret);
