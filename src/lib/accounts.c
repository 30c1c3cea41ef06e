/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "idrange.h"
#include "nsswitch.h"
#include "parse.h"
#include "banned.h"

static int fill_from_passwd(const struct passwd *pw, struct tn_user *ret)
{
	char *name = strdup(pw->pw_name);

	if (!name)
		return -ENOMEM;
	*ret = (struct tn_user){
		.uid = pw->pw_uid, .gid = pw->pw_gid, .name = name, .known = true
	};
	return 0;
}

int tn_user_from_uid(uint32_t uid, struct tn_user *ret)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwuid(uid);
	if (pw)
		return fill_from_passwd(pw, ret);
	*ret = (struct tn_user){ .uid = uid, .gid = (uint32_t)-1, .numeric = true };
	return 0;
}

int tn_user_resolve(const char *spec, struct tn_user *ret, struct tn_error **err)
{
	struct passwd *pw;
	uint32_t uid;
	int r;

	if (spec[0] == '\0')
		return tn_error_set(err, EINVAL, "user name is empty");
	if (tn_all_digits(spec, strlen(spec))) {
		r = tn_parse_u32(spec, &uid);
		if (r < 0 || uid == TN_ID_INVALID)
			return tn_error_set(err, ERANGE, "'%s' is not a valid UID", spec);
		r = tn_user_from_uid(uid, ret);
		if (r < 0)
			return tn_error_errno(err, r, "cannot look up UID %s", spec);
		ret->numeric = true;
		return 0;
	}
	errno = 0;
	pw = getpwnam(spec);
	if (!pw) {
		if (errno != 0 && errno != ENOENT && errno != ESRCH)
			return tn_error_errno(err, errno, "cannot look up user '%s'", spec);
		r = tn_error_set(err, ESRCH, "unknown user '%s'", spec);
		return tn_error_hint(
			err, r, "check the name with 'getent passwd %s', or give a numeric UID",
			spec);
	}
	r = fill_from_passwd(pw, ret);
	if (r < 0)
		return tn_error_errno(err, r, "cannot look up user '%s'", spec);
	return 0;
}

void tn_user_done(struct tn_user *u)
{
	free(u->name);
	u->name = NULL;
}

static int push(struct tn_accounts *a, size_t *cap, uint32_t id, uint32_t gid, const char *name)
{
	if (a->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct tn_account *v = realloc(a->v, ncap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		a->v = v;
		*cap = ncap;
	}
	a->v[a->n].name = strdup(name);
	if (!a->v[a->n].name)
		return -ENOMEM;
	a->v[a->n].gid = gid;
	a->v[a->n++].id = id;
	return 0;
}

/* Between setpwent() and endpwent(). */
static int enumerate_users(struct tn_accounts *a, size_t *cap)
{
	struct passwd *pw;

	while ((pw = getpwent())) {
		int r = push(a, cap, pw->pw_uid, pw->pw_gid, pw->pw_name);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Between setgrent() and endgrent(). */
static int enumerate_groups(struct tn_accounts *a, size_t *cap)
{
	struct group *gr;

	while ((gr = getgrent())) {
		int r = push(a, cap, gr->gr_gid, gr->gr_gid, gr->gr_name);

		if (r < 0)
			return r;
	}
	return 0;
}

static int enumerate(enum tn_account_kind kind, struct tn_accounts *a)
{
	size_t cap = 0;
	int r;

	if (kind == TN_ACCOUNT_USER) {
		setpwent();
		r = enumerate_users(a, &cap);
		endpwent();
		return r;
	}
	setgrent();
	r = enumerate_groups(a, &cap);
	endgrent();
	return r;
}

static int by_id_cmp(const void *x, const void *y)
{
	const struct tn_account *a = x, *b = y;

	return (a->id > b->id) - (a->id < b->id);
}

static int by_name_cmp(const void *x, const void *y)
{
	const struct tn_account *const *a = x, *const *b = y;

	return strcmp((*a)->name, (*b)->name);
}

int tn_accounts_load(enum tn_account_kind kind, struct tn_accounts *ret)
{
	_cleanup_(tn_accounts_done) struct tn_accounts a = { .kind = kind };
	_cleanup_free_ char *nsswitch = NULL;
	int r;

	/* Unreadable nsswitch.conf: assume the worst, that some source does not enumerate. */
	a.complete =
		tn_nsswitch_read(&nsswitch) >= 0 &&
		tn_nsswitch_enumerates_all(nsswitch, kind == TN_ACCOUNT_USER ? "passwd" : "group");
	r = enumerate(kind, &a);
	if (r < 0)
		return r;
	if (a.n > 0) {
		qsort(a.v, a.n, sizeof(*a.v), by_id_cmp);
		a.by_name = calloc(a.n, sizeof(*a.by_name));
		if (!a.by_name)
			return -ENOMEM;
	}
	for (size_t i = 0; i < a.n; i++)
		a.by_name[i] = &a.v[i];
	if (a.n > 1)
		qsort(a.by_name, a.n, sizeof(*a.by_name), by_name_cmp);
	*ret = a;
	a = (struct tn_accounts){ 0 }; /* handed on */
	return 0;
}

void tn_accounts_done(struct tn_accounts *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i].name);
	free(a->v);
	free(a->by_name);
	*a = (struct tn_accounts){ 0 };
}

const struct tn_account *tn_accounts_first_in(const struct tn_accounts *a, uint64_t start,
					      uint64_t end, uint32_t except, size_t *ret_more)
{
	const struct tn_account *first = NULL;
	size_t lo = 0, hi = a->n, more = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->v[mid].id < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < a->n && a->v[i].id < end; i++) {
		/* Two accounts may share an ID; count the ID once. */
		if (a->v[i].id == except || (i > lo && a->v[i].id == a->v[i - 1].id))
			continue;
		if (!first)
			first = &a->v[i];
		else
			more++;
	}
	if (ret_more)
		*ret_more = more;
	return first;
}

static bool lookup_direct(enum tn_account_kind kind, const char *key, bool numeric, uint32_t id,
			  struct tn_account *ret)
{
	if (kind == TN_ACCOUNT_USER) {
		struct passwd *pw = numeric ? getpwuid(id) : getpwnam(key);

		if (pw)
			*ret = (struct tn_account){ .id = pw->pw_uid, .gid = pw->pw_gid };
		return pw != NULL;
	}
	struct group *gr = numeric ? getgrgid(id) : getgrnam(key);

	if (gr)
		*ret = (struct tn_account){ .id = gr->gr_gid, .gid = gr->gr_gid };
	return gr != NULL;
}

static const struct tn_account *find_by_id(const struct tn_accounts *a, uint32_t id)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a->v[mid].id == id)
			return &a->v[mid];
		if (a->v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const struct tn_account *find_by_name(const struct tn_accounts *a, const char *name)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(a->by_name[mid]->name, name);

		if (c == 0)
			return a->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool tn_accounts_lookup(const struct tn_accounts *a, const char *key, size_t len,
			struct tn_account *ret)
{
	_cleanup_free_ char *s = strndup(key, len);
	const struct tn_account *found;
	bool numeric = tn_all_digits(key, len);
	uint32_t id = 0;

	if (!s || (numeric && tn_parse_u32(s, &id) < 0))
		return false;
	found = numeric ? find_by_id(a, id) : find_by_name(a, s);
	if (found) {
		*ret = (struct tn_account){ .id = found->id, .gid = found->gid };
		return true;
	}
	return !a->complete && lookup_direct(a->kind, s, numeric, id, ret);
}
