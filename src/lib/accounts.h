/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The account database, read through NSS (getpwnam, getpwent, ...), so users and groups from
 * LDAP or SSSD count as well as /etc/passwd. Enumeration sees network accounts only where the
 * source allows it (sssd `enumerate = true`); direct lookups by name or ID always work.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct tn_user {
	uint32_t uid;
	uint32_t gid; /* primary group; meaningful only when `known` */
	char *name;   /* NULL when no account has this UID */
	bool known;   /* an account exists */
	bool numeric; /* given as a number rather than a name */
};

/*
 * Resolve a user given as a login name or as a numeric UID (all digits). A name must exist
 * (-ESRCH otherwise); a number need not, since a UID without a local account is still a valid
 * owner of subordinate ranges.
 */
int tn_user_resolve(const char *spec, struct tn_user *ret, struct tn_error **err);
int tn_user_from_uid(uint32_t uid, struct tn_user *ret);
void tn_user_done(struct tn_user *u);

enum tn_account_kind {
	TN_ACCOUNT_USER,
	TN_ACCOUNT_GROUP,
};

struct tn_account {
	uint32_t id;
	uint32_t gid; /* users: the primary group; groups: the same as id */
	char *name;
};

struct tn_accounts {
	enum tn_account_kind kind;
	struct tn_account *v; /* sorted by id */
	size_t n;
	struct tn_account **by_name; /* the same entries, sorted by name */
	bool complete; /* every NSS source enumerates: a miss here is a miss everywhere */
};

/* Enumerate every user (or group) that NSS lists. */
int tn_accounts_load(enum tn_account_kind kind, struct tn_accounts *ret);
void tn_accounts_done(struct tn_accounts *a);

/*
 * The first account whose ID lies in [start, end), skipping the ID `except` (pass
 * TN_ID_INVALID to skip none); *ret_more counts the other accounts in the interval.
 */
const struct tn_account *tn_accounts_first_in(const struct tn_accounts *a, uint64_t start,
					      uint64_t end, uint32_t except, size_t *ret_more);

/*
 * Find an account by name, or by ID when `key` is all digits: in the enumeration, then, when
 * a source may not enumerate (LDAP, SSSD), directly through NSS. Fills *ret (its name stays
 * NULL) and returns true when the account exists.
 */
bool tn_accounts_lookup(const struct tn_accounts *a, const char *key, size_t len,
			struct tn_account *ret);
