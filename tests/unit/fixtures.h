/* SPDX-License-Identifier: Apache-2.0 */
/* Shared fixtures for unit tests: an account database without NSS, files from strings. */
#pragma once

#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "subid.h"

/* root 0, bob 1001 (group 1001), nobody 65534; sorted by id, and by name. */
static struct tn_account fixture_users_v[] = {
	{ 0, 0, (char *)"root" },
	{ 1001, 1001, (char *)"bob" },
	{ 65534, 65534, (char *)"nobody" },
};
static struct tn_account *fixture_users_by_name[] = {
	&fixture_users_v[1],
	&fixture_users_v[2],
	&fixture_users_v[0],
};
static const struct tn_accounts fixture_users = {
	.kind = TN_ACCOUNT_USER,
	.v = fixture_users_v,
	.n = 3,
	.by_name = fixture_users_by_name,
	.complete = true,
};

static struct tn_account fixture_groups_v[] = {
	{ 0, 0, (char *)"root" },
	{ 1001, 1001, (char *)"bob" },
	{ 65534, 65534, (char *)"nogroup" },
};
static struct tn_account *fixture_groups_by_name[] = {
	&fixture_groups_v[1],
	&fixture_groups_v[2],
	&fixture_groups_v[0],
};
static const struct tn_accounts fixture_groups = {
	.kind = TN_ACCOUNT_GROUP,
	.v = fixture_groups_v,
	.n = 3,
	.by_name = fixture_groups_by_name,
	.complete = true,
};

static inline struct tn_subid_file fixture_file(const char *text)
{
	struct tn_subid_file f = { 0 };
	char *copy = strdup(text);

	if (copy && tn_subid_file_from_text("subuid", copy, strlen(copy), &f) < 0)
		free(copy);
	return f;
}
