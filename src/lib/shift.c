/* SPDX-License-Identifier: Apache-2.0 */
/* Chown shifting (shift.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "accounts.h"
#include "buf.h"
#include "fs.h"
#include "macro.h"
#include "rootless.h"
#include "shift-internal.h"
#include "shift.h"
#include "tree-ids.h"
#include "userns-plan.h"
#include "userns.h"
#include "banned.h"

/* ---- checks before anything changes ---- */

static bool same_map(const struct tn_idmap *a, const struct tn_idmap *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].inside != b->v[i].inside || a->v[i].outside != b->v[i].outside ||
		    a->v[i].count != b->v[i].count)
			return false;
	return true;
}

/* from's host IDs (unshifted: to's container IDs) must not meet to's: resuming tells the
 * files done from the others by their owner. */
static int check_disjoint(const struct tn_shift_walk *w, struct tn_error **err)
{
	int r;

	for (int k = 0; k < 2; k++) {
		const struct tn_idmap *t = w->to[k];

		for (size_t i = 0; i < t->n; i++) {
			for (size_t j = 0; j < (w->from[k] ? w->from[k]->n : t->n); j++) {
				uint64_t s = w->from[k] ? w->from[k]->v[j].outside : t->v[j].inside;
				uint64_t n = w->from[k] ? w->from[k]->v[j].count : t->v[j].count;

				if (s < (uint64_t)t->v[i].outside + t->v[i].count &&
				    t->v[i].outside < s + n) {
					r = tn_error_set(
						err, EINVAL,
						"the %ss of the tree (from %" PRIu64 ") and of "
						"the target map (from %" PRIu32
						") overlap: an interrupted shift could not "
						"tell done files from the others",
						k ? "GID" : "UID", s, t->v[i].outside);
					return tn_error_hint(err, r,
							     "shift to a range that does not "
							     "overlap, then on from there");
				}
			}
		}
	}
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	const struct tn_tree_id *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The owners of kind k that have no place in `to`, counted, with a first path each. */
static int unmappable(const struct tn_shift_walk *w, const struct tn_shift_list *l, int k,
		      struct tn_buf *b)
{
	_cleanup_free_ struct tn_tree_id *v = calloc(l->n + 1, sizeof(*v));
	_cleanup_free_ const struct tn_tree_id **u = calloc(l->n + 1, sizeof(*u));
	size_t n = 0, m = 0;
	uint32_t t;

	if (!v || !u)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		uint32_t id = k ? l->v[i].gid : l->v[i].uid;

		if (!tn_shift_seen(w, k, id, &t))
			v[n++] = (struct tn_tree_id){ .id = id, .files = i, .used = true };
	}
	qsort(v, n, sizeof(*v), id_cmp); /* .files holds the first index for now */
	for (size_t i = 0, j; i < n; i = j) {
		size_t first = v[i].files;

		for (j = i + 1; j < n && v[j].id == v[i].id; j++)
			first = MIN(first, (size_t)v[j].files);
		v[m] = (struct tn_tree_id){ .id = v[i].id, .files = j - i };
		if (asprintf(&v[m].example, "/%s", l->paths + l->v[first].path) < 0)
			v[m].example = NULL;
		u[m] = &v[m];
		m++;
	}
	int r = m ? tn_tree_ids_describe(u, m, (enum tn_idmap_kind)k, 5, b) : 0;

	for (size_t i = 0; i < m; i++)
		free(v[i].example);
	return r;
}

/* Every owner must have a place in `to`: said with paths and counts before anything moves. */
static int check_owners(const struct tn_shift_walk *w, const struct tn_shift_list *l)
{
	_cleanup_(tn_buf_free) struct tn_buf uids = { 0 }, gids = { 0 };
	int r;

	r = unmappable(w, l, 0, &uids);
	if (r < 0)
		return r;
	r = unmappable(w, l, 1, &gids);
	if (r < 0)
		return r;
	r = tn_error_set(w->err, ERANGE, "%s has owners the target map cannot hold: %s%s%s",
			 w->req->root, uids.len ? uids.data : "", uids.len && gids.len ? "; " : "",
			 gids.len ? gids.data : "");
	return tn_error_hint(w->err, r,
			     "give the map extents that cover them (a sparse map: "
			     "--userns auto:size=image), or chown those files first");
}

/* Pass 1 into l; refused with paths and counts when an owner has no place; busy; pass 2. */
static int shift_listed(struct tn_shift_walk *w, struct tn_shift_list *l)
{
	int r = tn_shift_collect(w, l);

	if (r < 0)
		return r;
	if (l->unmappable) /* said with paths and counts; nothing has changed */
		return check_owners(w, l);
	r = tn_shift_record_busy(w->rec, w->req->root, w->from, w->to, w->err);
	if (r < 0)
		return r;
	return tn_shift_apply(w, l);
}

/* Pass 1, busy, pass 2, done. */
static int run_shift(struct tn_shift_walk *w)
{
	_cleanup_(tn_shift_list_done) struct tn_shift_list l = { 0 };
	int r = check_disjoint(w, w->err);

	if (r < 0)
		return r;
	r = shift_listed(w, &l);
	if (r < 0)
		return r;
	if (w->req->progress)
		w->req->progress(w->req->progress_data, w->res->files);
	return tn_shift_record_finish(w->rec, w->req->root, w->to, w->err);
}

/* The top of the tree, as given (its parents may be symlinks; it may not). */
static int open_top(const char *root, struct tn_error **err)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ELOOP || errno == ENOTDIR)
		return tn_error_set(err, errno,
				    "%s is not a directory (a symlink is not followed): give the "
				    "tree's own path",
				    root);
	return tn_error_errno(err, errno, "cannot open %s", root);
}

/* The top's owner, on the host, is where the record says the tree is (see shift-record.h). */
static bool top_fits(const struct tn_shift_walk *w, const struct tn_shift_record *rec)
{
	struct stat st;
	uint32_t uid, gid;

	if (fstat(w->rootfd, &st) < 0)
		return false;
	uid = st.st_uid;
	gid = st.st_gid;
	if (w->view[0] && tn_idmap_translate(w->view[0], st.st_uid, true, &uid) < 0)
		return false;
	if (w->view[1] && tn_idmap_translate(w->view[1], st.st_gid, true, &gid) < 0)
		return false;
	return tn_shift_record_fits(rec, uid, gid);
}

/* With the tree's record loaded: an interrupted shift finished first, then the asked one, unless
 * the tree is at `to` already. */
static int shift_recorded(struct tn_shift_walk *w, struct tn_shift_record *rec)
{
	const struct tn_shift_request *req = w->req;
	int r;

	if (rec->exists && !top_fits(w, rec))
		tn_shift_record_forget(rec); /* an earlier tree's, at a recycled inode */
	if (rec->exists && rec->busy) {	     /* finish what was interrupted first */
		for (int k = 0; k < 2; k++) {
			w->from[k] = rec->from[k].n ? &rec->from[k] : NULL;
			w->to[k] = &rec->to[k];
		}
		w->resuming = true;
		r = run_shift(w);
		w->resuming = false;
		if (r < 0)
			return r;
		w->res->resumed = true;
	}
	for (int k = 0; k < 2; k++) {
		w->to[k] = req->to[k];
		w->from[k] = rec->exists ? &rec->to[k] : req->from[k]; /* the record wins */
	}
	if (rec->exists && same_map(&rec->to[0], req->to[0]) && same_map(&rec->to[1], req->to[1])) {
		w->res->already = !w->res->resumed;
		return 0;
	}
	return run_shift(w);
}

int tn_shift(const struct tn_shift_request *req, struct tn_shift_result *res, struct tn_error **err)
{
	/* Released in reverse: the record (its append fd) first, then the tree's top. */
	_cleanup_close_ int rootfd = -1;
	_cleanup_(tn_shift_record_done) struct tn_shift_record rec = { .append_fd = -1 };
	struct tn_shift_walk w = {
		.req = req,
		.res = res,
		.err = err,
		.rec = &rec,
		.view = { req->view[0], req->view[1] },
		.host_root = !req->view[0] && !tn_rootless(),
	};
	int r;

	*res = (struct tn_shift_result){ 0 };
	rootfd = open_top(req->root, err);
	if (rootfd < 0)
		return rootfd;
	w.rootfd = rootfd;
	r = tn_shift_record_open(rootfd, req->root, &rec, err);
	if (r < 0)
		return r;
	return shift_recorded(&w, &rec);
}

int tn_shift_recorded(const char *root, struct tn_idmap ret[2])
{
	return tn_shift_record_find(root, ret, NULL);
}

/* ---- rootless: in a user namespace of the caller's ranges ---- */

struct call {
	struct tn_shift_request req;
	struct tn_shift_result *res; /* shared with tenant */
};

static int run_call(void *data, struct tn_error **err)
{
	struct call *c = data;
	int r = tn_shift(&c->req, c->res, err);

	if (r < 0)
		return r;
	_exit(0);
}

/* The call and its result, in memory shared with the child (MAP_FAILED: none). */
#define CALL_SIZE (sizeof(struct call) + sizeof(struct tn_shift_result))

static void call_unmapp(struct call **c)
{
	if (*c != MAP_FAILED)
		munmap(*c, CALL_SIZE);
}

int tn_shift_run(const struct tn_shift_request *req, const struct tn_subid_source *src,
		 struct tn_shift_result *res, struct tn_error **err)
{
	struct tn_userns_request ureq = { .src = src, .mode = { TN_IDMAP_AUTO, TN_IDMAP_AUTO } };
	/* Released in reverse: the shared call, the plan, then the user. */
	_cleanup_(tn_user_done) struct tn_user me = { 0 };
	_cleanup_(tn_userns_plan_done) struct tn_userns_plan plan = { 0 };
	_cleanup_(call_unmapp) struct call *c = MAP_FAILED;
	int r;

	if (!tn_rootless())
		return tn_shift(req, res, err);
	/* The view is the plan's maps: plan them here too, to hand them to the child. */
	r = tn_user_from_uid(getuid(), &me);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot look up the calling user");
	ureq.user = &me;
	ureq.gid = getgid();
	tn_userns_caller_privileges(ureq.privileged);
	r = tn_userns_plan_build(&ureq, &plan, err);
	if (r < 0)
		return r;
	c = mmap(NULL, CALL_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return -ENOMEM;
	*c = (struct call){ .req = *req, .res = (struct tn_shift_result *)(c + 1) };
	c->req.view[0] = &plan.map[0];
	c->req.view[1] = &plan.map[1];
	r = tn_userns_call(&ureq, run_call, c, err);
	*res = *c->res;
	return r;
}
