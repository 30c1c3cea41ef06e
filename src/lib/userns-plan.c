/* SPDX-License-Identifier: Apache-2.0 */
/* A user's plan for both maps (userns-plan.h). */
#include <errno.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <string.h>

#include "caps.h"
#include "userns-plan.h"
#include "banned.h"

void tn_userns_caller_privileges(bool ret[2])
{
	ret[TN_IDMAP_UID] = tn_cap_effective(CAP_SETUID);
	ret[TN_IDMAP_GID] = tn_cap_effective(CAP_SETGID);
}

static const char *who(const struct tn_user *u, char *buf, size_t len)
{
	if (u->name)
		snprintf(buf, len, "'%s' (uid %" PRIu32 ")", u->name, u->uid);
	else
		snprintf(buf, len, "uid %" PRIu32, u->uid);
	return buf;
}

/*
 * The ranges in file order, each ID once: the same range listed under the name and under the
 * UID (valid, and accepted by newuidmap) must not be mapped twice. An ID already covered by an
 * earlier range is left out of a later one.
 */
static size_t unique_ranges(const struct tn_subid_list *l, struct tn_idrange *out)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		uint64_t start = l->v[i].range.start, end = tn_idrange_end(l->v[i].range);

		while (start < end) {
			uint64_t stop = end;
			bool covered = false;

			for (size_t j = 0; j < n && !covered; j++) {
				uint64_t s = out[j].start, e = tn_idrange_end(out[j]);

				if (start >= s && start < e)
					covered = true, stop = MIN(end, e);
				else if (s > start && s < stop)
					stop = s;
			}
			if (!covered && n < l->n * 2)
				out[n++] = (struct tn_idrange){ (uint32_t)start,
								(uint32_t)(stop - start) };
			start = stop;
		}
	}
	return n;
}

/* The user's ranges of one database, in file order. */
static int load_ranges(const struct tn_userns_request *req, enum tn_idmap_kind k,
		       struct tn_userns_plan *p, struct tn_idrange **ret, size_t *ret_n,
		       struct tn_error **err)
{
	_cleanup_(tn_subid_list_done) struct tn_subid_list l = { 0 };
	_cleanup_free_ struct tn_idrange *v = NULL;
	int r;

	r = tn_subid_list_user(req->src, k == TN_IDMAP_UID ? TN_SUBUID : TN_SUBGID, req->user, &l,
			       err);
	if (r < 0)
		return r;
	/* Leaving out covered IDs can split a range: at most twice as many pieces per range. */
	v = calloc(l.n ? 2 * l.n + 1 : 1, sizeof(*v));
	p->source[k] = strdup(l.source);
	if (!v || !p->source[k])
		return -ENOMEM;
	*ret_n = unique_ranges(&l, v);
	*ret = TAKE_PTR(v);
	p->skipped[k] = l.n_skipped + l.n_nss_skipped;
	return 0;
}

/* Put the user and the file in front of what idmap.c said, with the fix. The account's name
 * is looked up here when the plan went without it (root's explicit maps, container.c). */
static int explain_plan_error(const struct tn_userns_request *req, enum tn_idmap_kind k,
			      const struct tn_userns_plan *p, int r, struct tn_error **err)
{
	_cleanup_(tn_user_done) struct tn_user named = { 0 };
	const char *ids = k == TN_IDMAP_UID ? "UIDs" : "GIDs";
	const struct tn_user *u = req->user;
	char user[128];

	if (!u->name && tn_user_from_uid(u->uid, &named) == 0 && named.name)
		u = &named;
	who(u, user, sizeof(user));
	if (r == -ENOENT && p->skipped[k]) {
		r = tn_error_set(
			err, ENOENT,
			"user %s has no usable subordinate %s in %s: %zu line%s of the user %s "
			"malformed",
			user, ids, p->source[k] ? p->source[k] : "?", p->skipped[k],
			p->skipped[k] == 1 ? "" : "s", p->skipped[k] == 1 ? "is" : "are");
		return tn_error_hint(err, r, "'tenant subid lint' says what is wrong with %s",
				     p->skipped[k] == 1 ? "it" : "them");
	}
	if (r == -ENOENT) {
		r = tn_error_set(err, ENOENT, "user %s has no subordinate %s in %s", user, ids,
				 p->source[k] ? p->source[k] : "?");
		return tn_error_hint(err, r,
				     "as root: tenant subid add %s; or map only your own ID with "
				     "--map root",
				     u->name ? u->name : user);
	}
	r = tn_error_wrap(err, r, "cannot plan the %s of %s", tn_idmap_kind_name(k), user);
	if (r == -EPERM)
		tn_error_hint(err, r, "'tenant subid list %s' shows the IDs it may map",
			      u->name ? u->name : user);
	return r;
}

static int plan_one(const struct tn_userns_request *req, enum tn_idmap_kind k,
		    struct tn_userns_plan *p, struct tn_error **err)
{
	_cleanup_free_ struct tn_idrange *sub = NULL;
	struct tn_idmap_extent own;
	struct tn_idmap_request q = {
		.kind = k,
		.mode = req->mode[k],
		.id = k == TN_IDMAP_UID ? req->user->uid : req->gid,
		.privileged = req->privileged[k],
		.explicit_v = req->explicit_v[k],
		.n_explicit = req->n_explicit[k],
		.own_inside_set = req->own_inside_set,
		.own_inside = req->own_inside[k],
	};
	int r;

	if (q.mode == TN_IDMAP_AUTO || q.mode == TN_IDMAP_KEEP_ID ||
	    (q.mode == TN_IDMAP_EXPLICIT && !q.privileged)) {
		r = load_ranges(req, k, p, &sub, &q.n_sub, err);
		if (r < 0)
			return r;
		q.sub = sub;
	}
	if (q.n_sub == 0 && req->single_if_no_ranges && !q.privileged &&
	    (q.mode == TN_IDMAP_AUTO || q.mode == TN_IDMAP_KEEP_ID)) {
		own = (struct tn_idmap_extent){ q.own_inside_set ? q.own_inside : q.id, q.id, 1 };
		if (q.mode == TN_IDMAP_AUTO)
			own.inside = 0;
		q.mode = TN_IDMAP_EXPLICIT;
		q.explicit_v = &own;
		q.n_explicit = 1;
	}
	r = tn_idmap_plan(&q, &p->map[k], err);
	return r < 0 ? explain_plan_error(req, k, p, r, err) : 0;
}

/* --fallback single: only the user's own ID, where the mode would have put it. */
static int reduce_to_own(const struct tn_userns_request *req, enum tn_idmap_kind k,
			 struct tn_userns_plan *p)
{
	uint32_t id = k == TN_IDMAP_UID ? req->user->uid : req->gid;
	struct tn_idmap *m = &p->map[k];

	m->n = 0;
	p->fell_back[k] = true;
	m->writer = TN_IDMAP_WRITE_DIRECT;
	m->deny_setgroups = k == TN_IDMAP_GID;
	uint32_t inside = req->mode[k] == TN_IDMAP_KEEP_ID
				  ? (req->own_inside_set ? req->own_inside[k] : id)
				  : 0;

	/* An explicit map says where the user's own ID goes: keep it there. */
	for (size_t i = 0; req->mode[k] == TN_IDMAP_EXPLICIT && i < req->n_explicit[k]; i++) {
		const struct tn_idmap_extent *e = &req->explicit_v[k][i];

		if (id >= e->outside && (uint64_t)id < (uint64_t)e->outside + e->count)
			inside = e->inside + (id - e->outside);
	}
	return tn_idmap_push(m, inside, id, 1);
}

static int find_helper(const struct tn_userns_request *req, enum tn_idmap_kind k,
		       struct tn_userns_plan *p, struct tn_error **err)
{
	int r = tn_idmap_helper_find(k, &p->helper[k]);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot look up %s", tn_idmap_helper_name(k));
	if (p->helper[k].usable)
		return 0;
	if (req->fallback == TN_FALLBACK_SINGLE)
		return reduce_to_own(req, k, p);
	return tn_idmap_helper_refuse(&p->helper[k], err);
}

/* One map, and its helper when one must write it. */
static int plan_kind(const struct tn_userns_request *req, enum tn_idmap_kind k,
		     struct tn_userns_plan *p, struct tn_error **err)
{
	int r = plan_one(req, k, p, err);

	if (r < 0)
		return r;
	if (!req->check_helpers || p->map[k].writer != TN_IDMAP_WRITE_HELPER)
		return 0;
	return find_helper(req, k, p, err);
}

int tn_userns_plan_build(const struct tn_userns_request *req, struct tn_userns_plan *ret,
			 struct tn_error **err)
{
	_cleanup_(tn_userns_plan_done) struct tn_userns_plan p = { 0 };

	*ret = (struct tn_userns_plan){ 0 };
	for (int k = 0; k < 2; k++) {
		int r = plan_kind(req, (enum tn_idmap_kind)k, &p, err);

		if (r < 0)
			return r;
	}
	*ret = p;
	p = (struct tn_userns_plan){ 0 }; /* now *ret's */
	return 0;
}

void tn_userns_plan_done(struct tn_userns_plan *p)
{
	for (int k = 0; k < 2; k++) {
		tn_idmap_done(&p->map[k]);
		tn_idmap_helper_done(&p->helper[k]);
		free(p->source[k]);
		p->source[k] = NULL;
	}
}
