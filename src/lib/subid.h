/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subordinate ID databases: /etc/subuid and /etc/subgid (or files named on the command line),
 * and, where /etc/nsswitch.conf names another `subid:` source, shadow's libsubid.
 *
 * A user's ranges are every usable line whose owner is the user's login name or numeric UID, in
 * file order (util-linux and crun stop at the first line; getsubids 1001 misses lines listed
 * under the name).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "accounts.h"
#include "error.h"
#include "idrange.h"
#include "subid-list.h"
#include "subid-parse.h"

#define TN_SUBUID_PATH "/etc/subuid"
#define TN_SUBGID_PATH "/etc/subgid"
/* A cap on what is read: 10x a million-line file. */
#define TN_SUBID_FILE_MAX (256u * 1024 * 1024)

/* Where the two databases are read from. */
struct tn_subid_source {
	const char *path[2];   /* indexed by enum tn_subid_db */
	bool explicit_path[2]; /* named by --subuid/--subgid: must exist, NSS is not consulted */
};

void tn_subid_source_default(struct tn_subid_source *s);

/* One file, read whole, with every line classified. */
struct tn_subid_file {
	const char *path;
	char *data;
	size_t len;
	bool exists;
	struct stat st;
	struct tn_subid_entry *v; /* one per line */
	size_t n;
};

/*
 * Read and classify a file. A missing file is an empty database unless `must_exist`.
 * Errors name the file.
 */
int tn_subid_file_load(const char *path, bool must_exist, struct tn_subid_file *ret,
		       struct tn_error **err);
void tn_subid_file_done(struct tn_subid_file *f);

/* Classify text already in memory; the file takes ownership of `text` (malloc'ed) on success. */
int tn_subid_file_from_text(const char *path, char *text, size_t len, struct tn_subid_file *ret);

/*
 * Which lines belong to a user: those whose owner field is, as text, the user's login name or
 * decimal UID (what newuidmap compares; "01001" is nobody's). Works on malformed lines too: the
 * owner field is everything before the first ':'.
 */
struct tn_subid_owner {
	const char *name; /* NULL when the user has no name */
	size_t name_len;
	char uid[16]; /* "" when there is no UID to match */
	size_t uid_len;
};

void tn_subid_owner_init(struct tn_subid_owner *o, const struct tn_user *u);
/* Match the literal owner text (a deleted account's name) as well as `u`, which may be NULL. */
void tn_subid_owner_init_text(struct tn_subid_owner *o, const struct tn_user *u, const char *text);
bool tn_subid_owner_line(const struct tn_subid_owner *o, const char *line, size_t len);

/* Every range of user `u` in database `db`, in file order. */
int tn_subid_list_user(const struct tn_subid_source *src, enum tn_subid_db db,
		       const struct tn_user *u, struct tn_subid_list *ret, struct tn_error **err);
