/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "parse.h"
#include "subid-edit.h"
#include "subid-lock.h"
#include "subid-nss.h"
#include "banned.h"

void tn_subid_edit_done(struct tn_subid_edit *e)
{
	tn_buf_free(&e->text);
	free(e->ranges);
	*e = (struct tn_subid_edit){ 0 };
}

void tn_subid_edit_result_done(struct tn_subid_edit_result *r)
{
	for (int i = 0; i < 2; i++)
		tn_subid_edit_done(&r->db[i]);
}

static int push_range(struct tn_subid_edit *e, const struct tn_subid_entry *x)
{
	struct tn_idrange *v = realloc(e->ranges, (e->n_ranges + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	e->ranges = v;
	e->ranges[e->n_ranges++] = (struct tn_idrange){ (uint32_t)x->start, (uint32_t)x->count };
	return 0;
}

static int refuse_malformed(const struct tn_subid_file *f, struct tn_error **err)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct tn_subid_entry *e = &f->v[i];

		if (e->kind != TN_SUBID_INVALID)
			continue;
		int r = tn_error_set(
			err, EINVAL,
			"'%s':%" PRIu32
			": %s; refusing to allocate while the IDs of a line are uncertain",
			f->path, e->line, tn_subid_problem_to_string(e->problem));

		return tn_error_hint(err, r,
				     "fix the line first ('tenant subid lint' explains it)");
	}
	return 0;
}

/* Every known range of every owner, and every account ID, as occupied. */
static int build_occupied(const struct tn_subid_file *f, const struct tn_accounts *accounts,
			  struct tn_idset *set)
{
	int r;

	for (size_t i = 0; i < f->n; i++) {
		if (!tn_subid_entry_has_range(&f->v[i]))
			continue;
		r = tn_idset_add(set, f->v[i].start, f->v[i].count);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < accounts->n; i++) {
		r = tn_idset_add(set, accounts->v[i].id, 1);
		if (r < 0)
			return r;
	}
	tn_idset_normalize(set);
	return 0;
}

/* Say exactly what a requested start collides with. */
static int explain_conflict(const struct tn_subid_file *f, const struct tn_accounts *accounts,
			    struct tn_idrange want, struct tn_error **err)
{
	const struct tn_account *a;

	for (size_t i = 0; i < f->n; i++) {
		const struct tn_subid_entry *e = &f->v[i];

		if (!tn_subid_entry_has_range(e) || e->count == 0 ||
		    e->start >= tn_idrange_end(want) || want.start >= e->start + e->count)
			continue;
		return tn_error_set(err, EEXIST,
				    "range %" PRIu32 "-%" PRIu64 " overlaps range %" PRIu64
				    "-%" PRIu64 " of '%.*s' ('%s':%" PRIu32 ")",
				    want.start, tn_idrange_last(want), e->start,
				    e->start + e->count - 1, (int)e->owner_len, e->owner, f->path,
				    e->line);
	}
	a = tn_accounts_first_in(accounts, want.start, tn_idrange_end(want), TN_ID_INVALID, NULL);
	if (a) {
		int r = tn_error_set(err, EEXIST,
				     "range %" PRIu32 "-%" PRIu64 " contains ID %" PRIu32
				     " of account '%s'",
				     want.start, tn_idrange_last(want), a->id, a->name);

		return tn_error_hint(
			err, r,
			"a container could own that account's files (CVE-2024-56433); choose another --start");
	}
	return tn_error_set(err, EEXIST, "range %" PRIu32 "-%" PRIu64 " is not free", want.start,
			    tn_idrange_last(want));
}

static int pick_range(const struct tn_subid_file *f, const struct tn_subid_add_request *req,
		      const struct tn_subid_defs *defs, const struct tn_accounts *accounts,
		      struct tn_idrange *ret, struct tn_error **err)
{
	_cleanup_(tn_idset_free) struct tn_idset set = { 0 };
	uint64_t count = req->have_count ? req->count : defs->count;
	uint32_t start;
	int r;

	if (count == 0)
		return tn_error_set(err, EINVAL, "the count of a new range must be at least 1");
	r = build_occupied(f, accounts, &set);
	if (r < 0)
		return tn_error_errno(err, r, "cannot allocate a range in '%s'", f->path);
	if (req->have_start) {
		if (tn_idrange_check(req->start, count) < 0)
			return tn_error_set(err, ERANGE,
					    "range %" PRIu64 ":%" PRIu64 " runs past ID 4294967294",
					    req->start, count);
		*ret = (struct tn_idrange){ (uint32_t)req->start, (uint32_t)count };
		if (tn_idset_overlaps(&set, req->start, count))
			return explain_conflict(f, accounts, *ret, err);
		return 0;
	}
	r = tn_idset_find_free(&set, defs->min, defs->max, count, 1, &start);
	if (r < 0) {
		r = tn_error_set(err, ENOSPC,
				 "no free range of %" PRIu64 " IDs between %" PRIu64 " and %" PRIu64
				 " in '%s'",
				 count, defs->min, defs->max, f->path);
		return tn_error_hint(
			err, r,
			"raise SUB_UID_MAX/SUB_GID_MAX in /etc/login.defs, or give --start");
	}
	*ret = (struct tn_idrange){ start, (uint32_t)count };
	return 0;
}

/* The usable ranges the user already has, into e->ranges. */
static int existing_ranges(const struct tn_subid_file *f, const struct tn_user *user,
			   struct tn_subid_edit *e)
{
	struct tn_subid_owner o;

	tn_subid_owner_init(&o, user);
	for (size_t i = 0; i < f->n; i++) {
		int r;

		if (!tn_subid_entry_usable(&f->v[i]) ||
		    !tn_subid_owner_line(&o, f->v[i].text, f->v[i].text_len))
			continue;
		r = push_range(e, &f->v[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Hand the plan in *e on to *ret, leaving *e empty for its scope's cleanup. */
static void edit_move(struct tn_subid_edit *e, struct tn_subid_edit *ret)
{
	*ret = *e;
	*e = (struct tn_subid_edit){ 0 };
}

int tn_subid_plan_add(const struct tn_subid_file *f, const struct tn_subid_add_request *req,
		      const struct tn_subid_defs *defs, const struct tn_accounts *accounts,
		      struct tn_subid_edit *ret, struct tn_error **err)
{
	_cleanup_(tn_subid_edit_done) struct tn_subid_edit e = { 0 };
	int r;

	r = refuse_malformed(f, err);
	if (r < 0)
		return r;
	if (!req->have_count && !req->have_start) {
		r = existing_ranges(f, req->user, &e);
		if (r < 0)
			return tn_error_errno(err, r, "cannot plan");
		if (e.n_ranges > 0) { /* nothing to do */
			edit_move(&e, ret);
			return 0;
		}
	}
	r = pick_range(f, req, defs, accounts, &e.added, err);
	if (r < 0)
		return r;
	tn_buf_append(&e.text, f->data, f->len);
	if (f->len > 0 && f->data[f->len - 1] != '\n')
		tn_buf_putc(&e.text, '\n');
	tn_buf_printf(&e.text, "%s:%" PRIu32 ":%" PRIu32 "\n", req->owner, e.added.start,
		      e.added.count);
	e.added_line = (uint32_t)f->n + 1;
	e.changed = true;
	r = tn_buf_check(&e.text);
	if (r < 0)
		return tn_error_errno(err, r, "cannot plan");
	edit_move(&e, ret);
	return 0;
}

int tn_subid_plan_remove(const struct tn_subid_file *f, const struct tn_user *u,
			 const char *owner_text, const struct tn_idrange *only,
			 struct tn_subid_edit *ret)
{
	_cleanup_(tn_subid_edit_done) struct tn_subid_edit e = { 0 };
	struct tn_subid_owner o;
	int r;

	tn_subid_owner_init_text(&o, u, owner_text);
	for (size_t i = 0; i < f->n; i++) {
		const struct tn_subid_entry *x = &f->v[i];
		const char *next = i + 1 < f->n ? f->v[i + 1].text : f->data + f->len;
		bool drop = x->kind != TN_SUBID_BLANK && x->kind != TN_SUBID_COMMENT &&
			    tn_subid_owner_line(&o, x->text, x->text_len);

		if (drop && only)
			drop = tn_subid_entry_has_range(x) && x->start == only->start &&
			       x->count == only->count;
		if (!drop) {
			tn_buf_append(&e.text, x->text, (size_t)(next - x->text));
			continue;
		}
		e.n_lines_removed++;
		if (!tn_subid_entry_has_range(x))
			continue;
		r = push_range(&e, x);
		if (r < 0)
			return r;
	}
	r = tn_buf_check(&e.text);
	if (r < 0)
		return r;
	e.changed = e.n_lines_removed > 0;
	edit_move(&e, ret);
	return 0;
}

/* A locked read-modify-write of both files. */
struct session {
	const struct tn_subid_source *src;
	struct tn_subid_lock lock;
	struct tn_subid_file f[2];
};

static int refuse_foreign_source(const struct tn_subid_source *src, struct tn_error **err)
{
	_cleanup_free_ char *module = NULL;
	int r;

	if (src->explicit_path[TN_SUBUID] && src->explicit_path[TN_SUBGID])
		return 0;
	r = tn_subid_nss_module(&module, err);
	if (r < 0 || !module)
		return r;
	r = tn_error_set(
		err, EOPNOTSUPP,
		"subordinate IDs are managed by '%s' (/etc/nsswitch.conf 'subid:'), not by the files",
		module);
	return tn_error_hint(err, r, "change the ranges in that service");
}

static int refuse_same_file(const struct tn_subid_source *src, struct tn_error **err)
{
	struct stat a, b;

	if (strcmp(src->path[0], src->path[1]) == 0 ||
	    (stat(src->path[0], &a) == 0 && stat(src->path[1], &b) == 0 && a.st_dev == b.st_dev &&
	     a.st_ino == b.st_ino))
		return tn_error_set(err, EINVAL,
				    "the subuid and subgid files are the same file '%s'",
				    src->path[0]);
	return 0;
}

static int session_open(struct session *s, const struct tn_subid_source *src, struct tn_error **err)
{
	int r;

	*s = (struct session){ .src = src, .lock = TN_SUBID_LOCK_INIT };
	r = refuse_foreign_source(src, err);
	if (r < 0)
		return r;
	r = refuse_same_file(src, err);
	if (r < 0)
		return r;
	r = tn_subid_lock_acquire(src->path, 2, &s->lock, err);
	if (r < 0)
		return r;
	/* Read only once locked: what we plan from is what nobody else is changing. */
	for (int i = 0; i < 2; i++) {
		r = tn_subid_file_load(src->path[i], src->explicit_path[i], &s->f[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Releases the lock and what was read; a session that never opened is left as it is. */
static void session_close(struct session *s)
{
	for (int i = 0; i < 2; i++)
		tn_subid_file_done(&s->f[i]);
	tn_subid_lock_release(&s->lock);
}

/* Where to write: the file itself, or the target when it is a symlink (as shadow does). */
static int write_target(const char *path, char **ret)
{
	char *p = realpath(path, NULL);

	if (!p && errno == ENOENT)
		p = strdup(path);
	if (!p)
		return negative_errno();
	*ret = p;
	return 0;
}

/* shadow keeps the previous contents as FILE- ; so do we. */
static int write_backup(const char *target, const struct tn_subid_file *f)
{
	_cleanup_free_ char *backup = NULL;

	if (!f->exists)
		return 0;
	if (asprintf(&backup, "%s-", target) < 0)
		return -ENOMEM;
	return tn_atomic_replace(backup, f->data, f->len, f->st.st_mode & 0664, f->st.st_uid,
				 f->st.st_gid);
}

/* Replace the file (or its symlink's target) with `data`, keeping its mode and owner. */
static int write_file(const struct tn_subid_file *f, const char *target, const void *data,
		      size_t len)
{
	mode_t mode = f->exists ? f->st.st_mode & 07777 : 0644;
	uid_t uid = f->exists ? f->st.st_uid : geteuid();
	gid_t gid = f->exists ? f->st.st_gid : getegid();

	return tn_atomic_replace(target, data, len, mode, uid, gid);
}

static int commit_one(const struct tn_subid_file *f, const struct tn_subid_edit *e,
		      char **ret_target)
{
	_cleanup_free_ char *target = NULL;
	int r;

	r = write_target(f->path, &target);
	if (r < 0)
		return r;
	r = write_backup(target, f);
	if (r < 0)
		return r;
	r = write_file(f, target, e->text.data, e->text.len);
	if (r < 0)
		return r;
	*ret_target = TAKE_PTR(target); /* where to put the old text back, if need be */
	return 0;
}

/* Put the first file back as it was read, after writing the second one failed. */
static void restore_first(const struct tn_subid_file *f, const char *target, struct tn_error **err)
{
	int q = f->exists ? write_file(f, target, f->data, f->len)
			  : (unlink(target) < 0 ? negative_errno() : 0);

	if (q < 0)
		tn_error_hint(err, q,
			      "'%s' was changed and could not be restored: compare it with '%s-'",
			      f->path, f->path);
}

/* Write the changed files in order; when the second fails, put the first one back. */
static int session_commit(struct session *s, struct tn_subid_edit edits[2], struct tn_error **err)
{
	_cleanup_free_ char *first = NULL, *second = NULL;
	int r;

	if (edits[0].changed) {
		r = commit_one(&s->f[0], &edits[0], &first);
		if (r < 0)
			return tn_error_errno(err, r, "cannot write '%s'", s->f[0].path);
	}
	if (!edits[1].changed)
		return 0;
	r = commit_one(&s->f[1], &edits[1], &second);
	if (r < 0) {
		tn_error_errno(err, r, "cannot write '%s'", s->f[1].path);
		if (edits[0].changed)
			restore_first(&s->f[0], first, err);
		return r;
	}
	return 0;
}

/* Hand the results in *res on to *ret, leaving *res empty for its scope's cleanup. */
static void result_move(struct tn_subid_edit_result *res, struct tn_subid_edit_result *ret)
{
	*ret = *res;
	*res = (struct tn_subid_edit_result){ 0 };
}

static void accounts_pair_done(struct tn_accounts (*a)[2])
{
	tn_accounts_done(&(*a)[0]);
	tn_accounts_done(&(*a)[1]);
}

/* Users and groups: a new range may contain the ID of neither. */
static int load_accounts(struct tn_accounts accounts[2], struct tn_error **err)
{
	int r = tn_accounts_load(TN_ACCOUNT_USER, &accounts[0]);

	if (r < 0)
		return tn_error_errno(err, r, "cannot enumerate accounts");
	r = tn_accounts_load(TN_ACCOUNT_GROUP, &accounts[1]);
	if (r < 0)
		return tn_error_errno(err, r, "cannot enumerate accounts");
	return 0;
}

int tn_subid_add(const struct tn_subid_source *src, const struct tn_subid_add_request *req,
		 const char *login_defs, struct tn_subid_edit_result *ret, struct tn_error **err)
{
	/* Released in reverse: the session (its lock) first, then the accounts, then the plans. */
	_cleanup_(tn_subid_edit_result_done) struct tn_subid_edit_result res = {
		.path = { src->path[0], src->path[1] }
	};
	_cleanup_(accounts_pair_done) struct tn_accounts accounts[2] = { 0 };
	_cleanup_(session_close) struct session s = { .lock = TN_SUBID_LOCK_INIT };
	struct tn_subid_defs defs[2];
	int r;

	*ret = (struct tn_subid_edit_result){ .path = { src->path[0], src->path[1] } };
	r = tn_logindefs_load(login_defs, defs, err);
	if (r < 0)
		return r;
	r = load_accounts(accounts, err);
	if (r < 0)
		return r;
	r = session_open(&s, src, err);
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		r = tn_subid_plan_add(&s.f[i], req, &defs[i], &accounts[i], &res.db[i], err);
		if (r < 0)
			return r;
	}
	r = session_commit(&s, res.db, err);
	if (r < 0)
		return r;
	result_move(&res, ret);
	return 0;
}

static int no_such_range(const struct tn_subid_source *src, const char *owner_text,
			 const struct tn_idrange *only, struct tn_error **err)
{
	int r;

	if (only)
		r = tn_error_set(err, ENOENT,
				 "'%s' has no range %" PRIu32 ":%" PRIu32 " in '%s' or '%s'",
				 owner_text, only->start, only->count, src->path[0], src->path[1]);
	else
		r = tn_error_set(err, ENOENT, "'%s' has no ranges in '%s' or '%s'", owner_text,
				 src->path[0], src->path[1]);
	return tn_error_hint(err, r, "'tenant subid list %s' shows its ranges", owner_text);
}

int tn_subid_remove(const struct tn_subid_source *src, const struct tn_user *u,
		    const char *owner_text, const struct tn_idrange *only,
		    struct tn_subid_edit_result *ret, struct tn_error **err)
{
	/* Released in reverse: the session (its lock) first, then the plans. */
	_cleanup_(tn_subid_edit_result_done) struct tn_subid_edit_result res = {
		.path = { src->path[0], src->path[1] }
	};
	_cleanup_(session_close) struct session s = { .lock = TN_SUBID_LOCK_INIT };
	int r;

	*ret = (struct tn_subid_edit_result){ .path = { src->path[0], src->path[1] } };
	r = session_open(&s, src, err);
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		r = tn_subid_plan_remove(&s.f[i], u, owner_text, only, &res.db[i]);
		if (r < 0)
			return tn_error_errno(err, r, "cannot plan the removal from '%s'",
					      s.f[i].path);
	}
	if (!res.db[0].changed && !res.db[1].changed)
		return no_such_range(src, owner_text, only, err);
	r = session_commit(&s, res.db, err);
	if (r < 0)
		return r;
	result_move(&res, ret);
	return 0;
}
