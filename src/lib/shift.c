/* SPDX-License-Identifier: Apache-2.0 */
/* Chown shifting (shift.h). */
#include <endian.h>
#include <errno.h>
#include <ftw.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "buf.h"
#include "accounts.h"
#include "macro.h"
#include "oci-state.h"
#include "parse.h"
#include "shift-internal.h"
#include "shift.h"
#include "tree-ids.h"
#include "userns-plan.h"
#include "userns.h"
#include "banned.h"

/* ---- the record ---- */

static void format_map(struct tn_buf *b, const char *word, const struct tn_idmap *const m[2])
{
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; m[k] && i < m[k]->n; i++)
			tn_buf_printf(b, "%s %s %" PRIu32 " %" PRIu32 " %" PRIu32 "\n", word,
				      k ? "gid" : "uid", m[k]->v[i].inside, m[k]->v[i].outside,
				      m[k]->v[i].count);
}

static int write_record(const struct tn_shift_walk *w, bool busy)
{
	struct tn_buf b = { 0 };
	int r;

	tn_buf_printf(&b, "tenant-shift 1 %s\n", busy ? "busy" : "done");
	if (busy)
		format_map(&b, "from", w->from);
	format_map(&b, "to", w->to);
	r = tn_buf_check(&b);
	if (r == 0 && lsetxattr(w->req->root, TN_SHIFT_XATTR, b.data, b.len, 0) < 0)
		r = negative_errno();
	tn_buf_free(&b);
	return r;
}

/* Parse the record into from[2] and to[2]; *busy says which state. */
static int read_record(const char *root, struct tn_idmap from[2], struct tn_idmap to[2], bool *busy)
{
	char buf[16384];
	ssize_t n;
	int r = 0;

	for (int k = 0; k < 2; k++) {
		from[k] = (struct tn_idmap){ .kind = (enum tn_idmap_kind)k };
		to[k] = (struct tn_idmap){ .kind = (enum tn_idmap_kind)k };
	}
	n = lgetxattr(root, TN_SHIFT_XATTR, buf, sizeof(buf) - 1);
	if (n < 0)
		return errno == ENOTSUP ? -ENODATA : negative_errno();
	buf[n] = '\0';
	if (strncmp(buf, "tenant-shift 1 busy\n", 20) != 0 &&
	    strncmp(buf, "tenant-shift 1 done\n", 20) != 0)
		return -EBADMSG;
	*busy = buf[15] == 'b';
	for (char *line = buf + 20; r == 0 && *line;) {
		char *end = line + strcspn(line, "\n"), *f[5];
		uint32_t v[3];
		int nf = 0;

		if (*end)
			*end++ = '\0';
		for (char *t = line; nf < 5 && *t; nf++) { /* "from|to uid|gid C H N" */
			f[nf] = t;
			t += strcspn(t, " ");
			if (*t)
				*t++ = '\0';
		}
		if (nf != 5 || (strcmp(f[1], "uid") != 0 && strcmp(f[1], "gid") != 0) ||
		    tn_parse_u32(f[2], &v[0]) < 0 || tn_parse_u32(f[3], &v[1]) < 0 ||
		    tn_parse_u32(f[4], &v[2]) < 0)
			r = -EBADMSG;
		else if (strcmp(f[0], "from") == 0)
			r = tn_idmap_push(&from[f[1][0] == 'g'], v[0], v[1], v[2]);
		else if (strcmp(f[0], "to") == 0)
			r = tn_idmap_push(&to[f[1][0] == 'g'], v[0], v[1], v[2]);
		else
			r = -EBADMSG;
		line = end;
	}
	return r;
}

int tn_shift_recorded(const char *root, struct tn_idmap ret[2])
{
	struct tn_idmap from[2];
	bool busy = false;
	int r = read_record(root, from, ret, &busy);

	tn_idmap_done(&from[0]);
	tn_idmap_done(&from[1]);
	if (r == 0 && busy)
		r = -EBUSY;
	if (r < 0 && r != -ENODATA && r != -EBADMSG) {
		tn_idmap_done(&ret[0]);
		tn_idmap_done(&ret[1]);
	}
	return r;
}

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
	for (int k = 0; k < 2; k++) {
		const struct tn_idmap *t = w->to[k];

		for (size_t i = 0; i < t->n; i++) {
			for (size_t j = 0; j < (w->from[k] ? w->from[k]->n : t->n); j++) {
				uint64_t s = w->from[k] ? w->from[k]->v[j].outside : t->v[j].inside;
				uint64_t n = w->from[k] ? w->from[k]->v[j].count : t->v[j].count;

				if (s < (uint64_t)t->v[i].outside + t->v[i].count &&
				    t->v[i].outside < s + n) {
					tn_error_set(err, EINVAL,
						     "the %ss of the tree (from %" PRIu64
						     ") and of "
						     "the target map (from %" PRIu32
						     ") overlap: an interrupted shift could not "
						     "tell done files from the others",
						     k ? "GID" : "UID", s, t->v[i].outside);
					return tn_error_hint(err, "shift to a range that does not "
								  "overlap, then on from there");
				}
			}
		}
	}
	return 0;
}

/* Every owner must have a place in `to`: said with paths and counts before anything moves. */
static int check_owners(const struct tn_shift_walk *w, struct tn_error **err)
{
	struct tn_tree_ids ids;
	struct tn_buf b = { 0 };
	bool any = false;
	int r = tn_tree_ids_scan(w->req->root, 0, &ids, err);

	for (int k = 0; r == 0 && k < 2; k++) {
		const struct tn_tree_idtab *t = &ids.tab[k];
		const struct tn_tree_id **bad = calloc(t->n + 1, sizeof(*bad));
		size_t n = 0;
		uint32_t to;

		if (!bad) {
			r = -ENOMEM;
			break;
		}
		for (size_t i = 0; i < t->cap; i++)
			if (t->v[i].used && t->v[i].files && !tn_shift_seen(w, k, t->v[i].id, &to))
				bad[n++] = &t->v[i];
		if (n) {
			tn_buf_puts(&b, any ? "; " : "");
			r = tn_tree_ids_describe(bad, n, (enum tn_idmap_kind)k, 5, &b);
			any = true;
		}
		free(bad);
	}
	if (r == 0 && any && (r = tn_buf_check(&b)) == 0) {
		tn_error_set(err, ERANGE, "%s has owners the target map cannot hold: %s",
			     w->req->root, b.data);
		r = tn_error_hint(err, "give the map extents that cover them (a sparse map: "
				       "--userns auto:size=image), or chown those files first");
	}
	tn_buf_free(&b);
	tn_tree_ids_done(&ids);
	return r;
}

static int run_shift(struct tn_shift_walk *w)
{
	struct tn_shift_list l = { 0 };
	int r = check_disjoint(w, w->err);

	if (r == 0)
		r = tn_shift_collect(w, &l);
	if (r == 0 && l.unmappable) { /* said with paths and counts; nothing has changed */
		r = check_owners(w, w->err);
		if (r == 0)
			r = tn_error_set(w->err, ESTALE, "%s changed while it was read",
					 w->req->root);
	}
	if (r == 0 && (r = write_record(w, true)) < 0)
		r = tn_error_errno(w->err, -r, "cannot mark %s busy (%s)", w->req->root,
				   TN_SHIFT_XATTR);
	if (r == 0)
		r = tn_shift_apply(w, &l);
	tn_shift_list_done(&l);
	if (r < 0)
		return r;
	if (w->req->progress)
		w->req->progress(w->req->progress_data, w->res->files);
	r = write_record(w, false);
	return r < 0 ? tn_error_errno(w->err, -r, "cannot mark %s done", w->req->root) : 0;
}

static void maps_done(struct tn_idmap m[2])
{
	tn_idmap_done(&m[0]);
	tn_idmap_done(&m[1]);
}

int tn_shift(const struct tn_shift_request *req, struct tn_shift_result *res, struct tn_error **err)
{
	struct tn_idmap rf[2] = { { .kind = TN_IDMAP_UID }, { .kind = TN_IDMAP_GID } };
	struct tn_idmap rt[2] = { { .kind = TN_IDMAP_UID }, { .kind = TN_IDMAP_GID } };
	struct tn_shift_walk w = {
		.req = req, .res = res, .err = err, .view = { req->view[0], req->view[1] }
	};
	bool busy = false;
	int r = read_record(req->root, rf, rt, &busy);

	*res = (struct tn_shift_result){ 0 };
	if (r == -EBADMSG) {
		maps_done(rf);
		maps_done(rt);
		tn_error_set(err, EBADMSG, "%s: its %s record is damaged", req->root,
			     TN_SHIFT_XATTR);
		return tn_error_hint(err,
				     "if you know the tree's map, remove the record (setfattr "
				     "-x %s %s) and give it with --from",
				     TN_SHIFT_XATTR, req->root);
	}
	if (r < 0 && r != -ENODATA) {
		maps_done(rf);
		maps_done(rt);
		return tn_error_errno(err, -r, "cannot read %s of %s", TN_SHIFT_XATTR, req->root);
	}
	if (r == 0 && busy) { /* finish what was interrupted first */
		for (int k = 0; k < 2; k++) {
			w.from[k] = rf[k].n ? &rf[k] : NULL;
			w.to[k] = &rt[k];
		}
		w.resuming = true;
		r = run_shift(&w);
		w.resuming = false;
		res->resumed = r == 0;
	} else {
		r = 0;
	}
	for (int k = 0; k < 2; k++) {
		w.to[k] = req->to[k];
		w.from[k] = rt[k].n ? &rt[k] : req->from[k]; /* the record wins */
	}
	if (r == 0 && rt[0].n && same_map(&rt[0], req->to[0]) && same_map(&rt[1], req->to[1]))
		res->already = !res->resumed;
	else if (r == 0)
		r = run_shift(&w);
	maps_done(rf);
	maps_done(rt);
	return r;
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

int tn_shift_run(const struct tn_shift_request *req, const struct tn_subid_source *src,
		 struct tn_shift_result *res, struct tn_error **err)
{
	struct tn_userns_request ureq = { .src = src, .mode = { TN_IDMAP_AUTO, TN_IDMAP_AUTO } };
	struct tn_userns_plan plan = { 0 };
	struct tn_user me = { 0 };
	struct call *c;
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
	c = mmap(NULL, sizeof(*c) + sizeof(*res), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == 0 && c == MAP_FAILED)
		r = -ENOMEM;
	if (r == 0) {
		*c = (struct call){ .req = *req, .res = (struct tn_shift_result *)(c + 1) };
		c->req.view[0] = &plan.map[0];
		c->req.view[1] = &plan.map[1];
		r = tn_userns_call(&ureq, run_call, c, err);
		*res = *c->res;
	}
	if (c != MAP_FAILED)
		munmap(c, sizeof(*c) + sizeof(*res));
	tn_userns_plan_done(&plan);
	tn_user_done(&me);
	return r;
}
