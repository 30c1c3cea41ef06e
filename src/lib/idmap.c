/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mapping plans (idmap.h). Everything here is arithmetic on 64-bit ends, so no sum of a start
 * and a count can wrap; IDs become 32-bit again only once checked against TN_ID_MAX.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "idmap.h"
#include "parse.h"
#include "banned.h"

static const char *const kind_names[] = {
	[TN_IDMAP_UID] = "uid_map",
	[TN_IDMAP_GID] = "gid_map",
};

static const char *const mode_names[] = {
	[TN_IDMAP_AUTO] = "auto",
	[TN_IDMAP_ROOT] = "root",
	[TN_IDMAP_KEEP_ID] = "keep-id",
	[TN_IDMAP_EXPLICIT] = "explicit",
};

const char *tn_idmap_kind_name(enum tn_idmap_kind kind)
{
	return kind_names[kind];
}

const char *tn_idmap_mode_name(enum tn_idmap_mode mode)
{
	return mode_names[mode];
}

int tn_idmap_mode_from_string(const char *s, enum tn_idmap_mode *ret)
{
	/* "explicit" is what --uidmap/--gidmap select; it is not a --map value. */
	for (size_t i = 0; i < ELEMENTSOF(mode_names); i++)
		if (i != TN_IDMAP_EXPLICIT && strcmp(s, mode_names[i]) == 0) {
			*ret = (enum tn_idmap_mode)i;
			return 0;
		}
	return -EINVAL;
}

/* "UID" or "GID": what the IDs of a map are called in messages. */
static const char *id_word(enum tn_idmap_kind kind)
{
	return kind == TN_IDMAP_UID ? "UID" : "GID";
}

int tn_idmap_push(struct tn_idmap *m, uint32_t inside, uint32_t outside, uint32_t count)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 8;
		struct tn_idmap_extent *v = reallocarray(m->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	m->v[m->n++] = (struct tn_idmap_extent){ inside, outside, count };
	return 0;
}

void tn_idmap_done(struct tn_idmap *m)
{
	free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
}

/* Both starts with one count: 0, -EINVAL (count 0) or -ERANGE (past ID 4294967294). */
static int check_pair(uint32_t inside, uint32_t outside, uint32_t count)
{
	int r = tn_idrange_check(inside, count);

	if (r < 0)
		return r;
	return tn_idrange_check(outside, count);
}

int tn_idmap_extent_parse(const char *s, struct tn_idmap_extent *ret, struct tn_error **err)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	uint32_t f[3];
	int r;

	if (!c1 || !c2 || strchr(c2 + 1, ':'))
		return tn_error_set(err, EINVAL, "'%s' is not CONTAINER:HOST:SIZE", s);
	if (tn_parse_u32_n(s, (size_t)(c1 - s), &f[0]) < 0 ||
	    tn_parse_u32_n(c1 + 1, (size_t)(c2 - c1 - 1), &f[1]) < 0 ||
	    tn_parse_u32(c2 + 1, &f[2]) < 0)
		return tn_error_set(err, EINVAL,
				    "'%s' is not CONTAINER:HOST:SIZE with three decimal numbers",
				    s);
	r = check_pair(f[0], f[1], f[2]);
	if (r == -EINVAL)
		return tn_error_set(err, EINVAL, "'%s' maps no IDs: SIZE is 0", s);
	if (r < 0)
		return tn_error_set(err, ERANGE,
				    "'%s' reaches ID 4294967295, which cannot be mapped", s);
	*ret = (struct tn_idmap_extent){ f[0], f[1], f[2] };
	return 0;
}

/*
 * Give the subordinate ranges, in file order, the container IDs from 0 up, leaving the one ID
 * `own_inside` free for the caller: auto is own_inside 0, keep-id is the caller's own ID.
 */
static int fill_around(const struct tn_idmap_request *req, uint32_t own_inside, struct tn_idmap *m,
		       struct tn_error **err)
{
	uint64_t next = 0;
	int r;

	for (size_t i = 0; i < req->n_sub; i++) {
		uint64_t host = req->sub[i].start, left = req->sub[i].count;

		while (left > 0) {
			uint64_t len = left;

			if (next == own_inside)
				next++;
			if (next < own_inside)
				len = MIN(len, own_inside - next);
			if (next + len - 1 > TN_ID_MAX)
				return tn_error_set(
					err, ERANGE,
					"the subordinate %ss do not fit below %s 4294967295",
					id_word(req->kind), id_word(req->kind));
			r = tn_idmap_push(m, (uint32_t)next, (uint32_t)host, (uint32_t)len);
			if (r < 0)
				return r;
			next += len;
			host += len;
			left -= len;
		}
	}
	return tn_idmap_push(m, own_inside, req->id, 1);
}

static int extent_cmp_inside(const void *a, const void *b)
{
	const struct tn_idmap_extent *x = a, *y = b;

	return (x->inside > y->inside) - (x->inside < y->inside);
}

static int extent_cmp_outside(const void *a, const void *b)
{
	const struct tn_idmap_extent *x = a, *y = b;

	return (x->outside > y->outside) - (x->outside < y->outside);
}

/* The caller's range that holds `id` and reaches farthest, or false when none does. */
static bool allowed_at(const struct tn_idmap_request *req, uint64_t id, uint64_t *ret_end)
{
	uint64_t end = 0;

	if (id == req->id)
		end = id + 1;
	for (size_t i = 0; i < req->n_sub; i++)
		if (tn_idrange_contains(req->sub[i], id))
			end = MAX(end, tn_idrange_end(req->sub[i]));
	*ret_end = end;
	return end > 0;
}

/*
 * Without CAP_SETUID, every host ID must be the caller's own or subordinate. newuidmap checks
 * each extent against the ranges of /etc/subuid, so an extent that runs from one range into the
 * next is cut in two where the first ends.
 */
static int split_unprivileged(const struct tn_idmap_request *req, const struct tn_idmap *in,
			      struct tn_idmap *out, struct tn_error **err)
{
	for (size_t i = 0; i < in->n; i++) {
		const struct tn_idmap_extent *e = &in->v[i];
		uint64_t host = e->outside, inside = e->inside,
			 end = (uint64_t)e->outside + e->count;

		while (host < end) {
			uint64_t stop;
			int r;

			if (!allowed_at(req, host, &stop))
				return tn_error_set(err, EPERM,
						    "host %s %" PRIu64 " of %" PRIu32 ":%" PRIu32
						    ":%" PRIu32 " is neither yours (%" PRIu32
						    ") nor one of your subordinate %ss",
						    id_word(req->kind), host, e->inside, e->outside,
						    e->count, req->id, id_word(req->kind));
			stop = MIN(stop, end);
			r = tn_idmap_push(out, (uint32_t)inside, (uint32_t)host,
					  (uint32_t)(stop - host));
			if (r < 0)
				return r;
			inside += stop - host;
			host = stop;
		}
	}
	return 0;
}

static size_t decimal_len(uint32_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static int check_extents(const struct tn_idmap *m, struct tn_error **err)
{
	const char *what = tn_idmap_kind_name(m->kind);
	size_t text = 0;

	if (m->n == 0)
		return tn_error_set(err, EINVAL, "the %s maps no IDs", what);
	for (size_t i = 0; i < m->n; i++) {
		const struct tn_idmap_extent *e = &m->v[i];
		int r = check_pair(e->inside, e->outside, e->count);

		if (r == -EINVAL)
			return tn_error_set(err, EINVAL,
					    "%s extent %" PRIu32 ":%" PRIu32 ":0 is empty", what,
					    e->inside, e->outside);
		if (r < 0)
			return tn_error_set(err, ERANGE,
					    "%s extent %" PRIu32 ":%" PRIu32 ":%" PRIu32
					    " reaches ID 4294967295, which cannot be mapped",
					    what, e->inside, e->outside, e->count);
		text += decimal_len(e->inside) + decimal_len(e->outside) + decimal_len(e->count) +
			3;
	}
	if (m->n > TN_IDMAP_MAX_EXTENTS)
		return tn_error_set(err, E2BIG,
				    "the %s has %zu extents; the kernel takes at most %d", what,
				    m->n, TN_IDMAP_MAX_EXTENTS);
	if (text > TN_IDMAP_MAX_TEXT)
		return tn_error_set(
			err, E2BIG,
			"the %s is %zu bytes long; the kernel takes less than 4096 in one "
			"write",
			what, text);
	return 0;
}

/* Sort a copy by one side and report the first two neighbours that share an ID. */
static int check_overlap(const struct tn_idmap *m, bool host_side, struct tn_error **err)
{
	_cleanup_free_ struct tn_idmap_extent *s = reallocarray(NULL, m->n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	memcpy(s, m->v, m->n * sizeof(*s));
	qsort(s, m->n, sizeof(*s), host_side ? extent_cmp_outside : extent_cmp_inside);
	for (size_t i = 1; i < m->n; i++) {
		const struct tn_idmap_extent *a = &s[i - 1], *b = &s[i];
		uint32_t sa = host_side ? a->outside : a->inside,
			 sb = host_side ? b->outside : b->inside;

		if ((uint64_t)sa + a->count > sb)
			return tn_error_set(err, EINVAL,
					    "%s extents %" PRIu32 ":%" PRIu32 ":%" PRIu32
					    " and %" PRIu32 ":%" PRIu32 ":%" PRIu32
					    " overlap on the %s side (ID %" PRIu32 ")",
					    tn_idmap_kind_name(m->kind), a->inside, a->outside,
					    a->count, b->inside, b->outside, b->count,
					    host_side ? "host" : "container", sb);
	}
	return 0;
}

int tn_idmap_validate(const struct tn_idmap *m, struct tn_error **err)
{
	int r = check_extents(m, err);

	if (r < 0)
		return r;
	r = check_overlap(m, false, err);
	if (r < 0)
		return r;
	return check_overlap(m, true, err);
}

bool tn_idmap_is_single(const struct tn_idmap *m, uint32_t id)
{
	return m->n == 1 && m->v[0].count == 1 && m->v[0].outside == id;
}

/* The extents the mode asks for, before any split or check. */
static int plan_mode(const struct tn_idmap_request *req, struct tn_idmap *m, struct tn_error **err)
{
	int r;

	switch (req->mode) {
	case TN_IDMAP_ROOT:
		return tn_idmap_push(m, 0, req->id, 1);
	case TN_IDMAP_AUTO:
	case TN_IDMAP_KEEP_ID:
		if (req->n_sub == 0 && !req->privileged)
			return tn_error_set(err, ENOENT, "no subordinate %ss", id_word(req->kind));
		if (req->mode == TN_IDMAP_AUTO)
			return fill_around(req, 0, m, err);
		return fill_around(req, req->own_inside_set ? req->own_inside : req->id, m, err);
	case TN_IDMAP_EXPLICIT:
		for (size_t i = 0; i < req->n_explicit; i++) {
			r = tn_idmap_push(m, req->explicit_v[i].inside, req->explicit_v[i].outside,
					  req->explicit_v[i].count);
			if (r < 0)
				return r;
		}
		return 0;
	}
	return -EINVAL;
}

/* The extents into m (empty, of the request's kind): split where the caller lacks privilege,
 * sorted and checked. */
static int plan_extents(const struct tn_idmap_request *req, struct tn_idmap *m,
			struct tn_error **err)
{
	_cleanup_(tn_idmap_done) struct tn_idmap raw = { .kind = req->kind };
	int r = plan_mode(req, &raw, err);

	if (r < 0)
		return r;
	if (req->privileged) {
		*m = raw;
		raw = (struct tn_idmap){ 0 }; /* now m's */
	} else {
		r = split_unprivileged(req, &raw, m, err);
		if (r < 0)
			return r;
	}
	qsort(m->v, m->n, sizeof(*m->v), extent_cmp_inside);
	return tn_idmap_validate(m, err);
}

int tn_idmap_plan(const struct tn_idmap_request *req, struct tn_idmap *ret, struct tn_error **err)
{
	_cleanup_(tn_idmap_done) struct tn_idmap m = { .kind = req->kind };
	int r = plan_extents(req, &m, err);

	if (r == -ENOMEM)
		return tn_error_errno(err, ENOMEM, "cannot plan the %s",
				      tn_idmap_kind_name(req->kind));
	if (r < 0)
		return r;
	m.writer = TN_IDMAP_WRITE_HELPER;
	if (req->privileged || tn_idmap_is_single(&m, req->id))
		m.writer = TN_IDMAP_WRITE_DIRECT;
	m.deny_setgroups =
		!req->privileged && req->kind == TN_IDMAP_GID && m.writer == TN_IDMAP_WRITE_DIRECT;
	*ret = m;
	m = (struct tn_idmap){ 0 }; /* now *ret's */
	return 0;
}

void tn_idmap_format(const struct tn_idmap *m, struct tn_buf *b)
{
	for (size_t i = 0; i < m->n; i++)
		tn_buf_printf(b, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m->v[i].inside,
			      m->v[i].outside, m->v[i].count);
}

void tn_idmap_format_kernel(const struct tn_idmap *m, struct tn_buf *b)
{
	for (size_t i = 0; i < m->n; i++)
		tn_buf_printf(b, "%10" PRIu32 " %10" PRIu32 " %10" PRIu32 "\n", m->v[i].inside,
			      m->v[i].outside, m->v[i].count);
}

/* One line of a /proc map, "INSIDE OUTSIDE COUNT" between p and end (an empty one is not). */
static int parse_map_line(const char *p, const char *end, uint32_t f[3])
{
	for (int k = 0; k < 3; k++) {
		size_t n;

		while (p < end && *p == ' ')
			p++;
		n = strcspn(p, " \n");
		if (n == 0 || p + n > end || tn_parse_u32_n(p, n, &f[k]) < 0)
			return -EINVAL;
		p += n;
	}
	return p == end ? 0 : -EINVAL;
}

int tn_idmap_parse_text(const char *text, enum tn_idmap_kind kind, struct tn_idmap *ret)
{
	_cleanup_(tn_idmap_done) struct tn_idmap m = { .kind = kind };

	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *end = line + len;
		uint32_t f[3];
		int r = parse_map_line(line, end, f);

		if (r < 0)
			return r;
		r = tn_idmap_push(&m, f[0], f[1], f[2]);
		if (r < 0)
			return r;
		line = end + (*end == '\n');
	}
	*ret = m;
	m = (struct tn_idmap){ 0 }; /* now *ret's */
	return 0;
}

int tn_idmap_translate(const struct tn_idmap *m, uint32_t id, bool to_host, uint32_t *ret)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct tn_idmap_extent *e = &m->v[i];
		uint32_t from = to_host ? e->inside : e->outside,
			 to = to_host ? e->outside : e->inside;

		if (id >= from && (uint64_t)id < (uint64_t)from + e->count) {
			*ret = to + (id - from);
			return 0;
		}
	}
	return -ENOENT;
}

void tn_idmap_format_host_ranges(const struct tn_idmap *m, struct tn_buf *b)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct tn_idmap_extent *e = &m->v[i];

		if (e->count == 1)
			tn_buf_printf(b, "%s%" PRIu32, i ? "," : "", e->outside);
		else
			tn_buf_printf(b, "%s%" PRIu32 "-%" PRIu64, i ? "," : "", e->outside,
				      (uint64_t)e->outside + e->count - 1);
	}
}
