/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "parse.h"
#include "subid-lint.h"
#include "subid-nss.h"
#include "banned.h"

const char *tn_lint_severity_to_string(enum tn_lint_severity s)
{
	return s == TN_LINT_ERROR ? "error" : "warning";
}

static int add_finding(struct tn_lint_report *rep, const char *path, uint32_t line,
		       enum tn_lint_severity sev, const char *code, const char *hint,
		       const char *fmt, ...) _printf_(7, 8);

static int add_finding(struct tn_lint_report *rep, const char *path, uint32_t line,
		       enum tn_lint_severity sev, const char *code, const char *hint,
		       const char *fmt, ...)
{
	_cleanup_free_ char *m = NULL, *h = NULL;
	struct tn_lint_finding *f;
	va_list ap;
	int n;

	if (rep->n == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 32;

		f = realloc(rep->v, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		rep->v = f;
		rep->cap = cap;
	}
	va_start(ap, fmt);
	n = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (n < 0) {
		m = NULL; /* vasprintf leaves it undefined */
		return -ENOMEM;
	}
	if (hint) {
		h = strdup(hint);
		if (!h)
			return -ENOMEM;
	}
	f = &rep->v[rep->n];
	*f = (struct tn_lint_finding){ .path = path,
				       .line = line,
				       .severity = sev,
				       .code = code,
				       .message = TAKE_PTR(m),
				       .hint = TAKE_PTR(h),
				       .seq = rep->n };
	rep->n++;
	if (sev == TN_LINT_ERROR)
		rep->n_errors++;
	else
		rep->n_warnings++;
	return 0;
}

/* The text of field `k` (0 owner, 1 start, 2 count) of a line, for quoting in messages. */
static void field_text(const struct tn_subid_entry *e, int k, const char **ret, int *ret_len)
{
	const char *p = e->text, *end = e->text + e->text_len;

	if (end > p && end[-1] == '\r')
		end--;
	for (int i = 0; i < k && p < end; i++) {
		const char *c = memchr(p, ':', (size_t)(end - p));

		p = c ? c + 1 : end;
	}
	const char *c = memchr(p, ':', (size_t)(end - p));

	*ret = p;
	*ret_len = (int)((c ? c : end) - p);
	if (*ret_len > 64)
		*ret_len = 64;
}

/* What shadow's strtoul(base 0) makes of a number with a leading zero or a 0x prefix. */
static void describe_shadow_reading(const char *p, int n, bool hex, struct tn_buf *b)
{
	uint64_t v = 0;
	unsigned base = hex ? 16 : 8;

	for (int i = hex ? 2 : 1; i < n; i++) {
		char c = p[i];
		unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
						    : 99;

		if (d >= base) {
			tn_buf_printf(b, "newuidmap ignores the line ('%c' is not a base-%u digit)",
				      c, base);
			return;
		}
		if (v > (UINT64_MAX - d) / base) {
			tn_buf_puts(b, "newuidmap ignores the line (the number is too large)");
			return;
		}
		v = v * base + d;
	}
	tn_buf_printf(b, "newuidmap reads it as %s %" PRIu64, hex ? "hexadecimal" : "octal", v);
}

static const char *const field_names[] = { "owner", "start", "count" };

static void syntax_message(const struct tn_subid_entry *e, struct tn_buf *m, const char **hint)
{
	const char *fp;
	int fl;

	field_text(e, e->field, &fp, &fl);
	switch (e->problem) {
	case TN_SUBID_FIELDS: {
		int fields = 1;

		for (uint32_t i = 0; i < e->text_len; i++)
			fields += e->text[i] == ':';
		tn_buf_printf(m, "expected 3 fields 'owner:start:count', found %d", fields);
		if (fields > 3)
			*hint = "newuidmap ignores what follows the third field; remove it";
		return;
	}
	case TN_SUBID_BAD_OWNER:
		if (fp[0] == '+' || fp[0] == '-') {
			tn_buf_printf(
				m,
				"owner '%.*s' starts with '%c': shadow reads the line as an NIS entry and ignores it",
				fl, fp, fp[0]);
			return;
		}
		tn_buf_printf(
			m,
			"owner '%.*s' contains a blank or a control character and matches no user",
			fl, fp);
		*hint = "remove the blanks";
		return;
	case TN_SUBID_OWNER_ZERO:
		tn_buf_printf(
			m,
			"numeric owner '%.*s' has a leading zero: newuidmap compares owners as text, so it matches no user",
			fl, fp);
		*hint = "write the UID without leading zeros";
		return;
	case TN_SUBID_HEX:
	case TN_SUBID_LEADING_ZERO:
		tn_buf_printf(m, "%s '%.*s' %s: ", field_names[e->field], fl, fp,
			      e->problem == TN_SUBID_HEX ? "is hexadecimal" : "has a leading zero");
		describe_shadow_reading(fp, fl, e->problem == TN_SUBID_HEX, m);
		tn_buf_puts(m, e->problem == TN_SUBID_HEX ? ", other tools refuse it"
							  : ", other tools as decimal");
		*hint = "write the number in decimal without leading zeros";
		return;
	case TN_SUBID_CR:
		tn_buf_puts(
			m,
			"line ends with a carriage return (DOS line ending): newuidmap ignores it");
		*hint = "convert the file to Unix line endings: sed -i 's/\\r$//' FILE";
		return;
	case TN_SUBID_COUNT_ZERO:
		tn_buf_puts(m, "count is 0: the line grants no IDs");
		*hint = "remove the line, or give it a count";
		return;
	case TN_SUBID_NEGATIVE:
		*hint = "newuidmap wraps a negative number around to a huge one; write the intended number";
		break;
	case TN_SUBID_TRAILING:
	case TN_SUBID_BLANKS:
		*hint = "newuidmap ignores the line; remove what is not a digit";
		break;
	case TN_SUBID_PLUS:
	case TN_SUBID_NOT_NUMBER:
	case TN_SUBID_TOO_LARGE:
	case TN_SUBID_NUMERIC_OWNER_RANGE:
		break;
	case TN_SUBID_EMPTY_NUMBER:
		tn_buf_printf(m, "%s is empty", field_names[e->field]);
		return;
	default:
		tn_buf_puts(m, tn_subid_problem_to_string(e->problem));
		return;
	}
	/* The field, quoted, and what is wrong with it. */
	tn_buf_printf(m, "%s '%.*s': %s", field_names[e->field], fl, fp,
		      tn_subid_problem_to_string(e->problem));
}

static int check_syntax(const struct tn_subid_file *f, const struct tn_subid_entry *e,
			struct tn_lint_report *rep)
{
	_cleanup_(tn_buf_free) struct tn_buf m = { 0 };
	const char *hint = NULL;
	int r;

	if (e->kind == TN_SUBID_RANGE && e->problem == TN_SUBID_PAST_END) {
		if (e->start > TN_ID_MAX)
			return add_finding(rep, f->path, e->line, TN_LINT_ERROR, "past-end",
					   "lower the start below 4294967295",
					   "start %" PRIu64
					   " is not a valid ID (the last is 4294967294)",
					   e->start);
		_cleanup_free_ char *h = NULL;

		if (asprintf(&h, "lower the count to %" PRIu64,
			     (uint64_t)TN_ID_INVALID - e->start) < 0)
			return -ENOMEM;
		return add_finding(
			rep, f->path, e->line, TN_LINT_ERROR, "past-end", h,
			"range %" PRIu64 "-%" PRIu64
			" reaches ID 4294967295, which is not a valid ID (the last is 4294967294)",
			e->start, e->start + e->count - 1);
	}
	syntax_message(e, &m, &hint);
	r = tn_buf_check(&m);
	if (r < 0)
		return r;
	return add_finding(rep, f->path, e->line, TN_LINT_ERROR,
			   e->problem == TN_SUBID_COUNT_ZERO ? "count-zero" : "malformed", hint,
			   "%s", m.data);
}

/* What an owner field means: the same key for the same account, whether by name or by UID. */
struct owner {
	uint64_t key;
	uint32_t uid;
	uint32_t gid;
	bool has_uid; /* numeric, or a name with an account */
	bool has_gid;
	bool known; /* an account exists */
};

struct item {
	const struct tn_subid_entry *e;
	struct owner o;
};

static int owner_text_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	size_t n = MIN(a->e->owner_len, b->e->owner_len);
	int c = memcmp(a->e->owner, b->e->owner, n);

	if (c != 0)
		return c;
	if (a->e->owner_len != b->e->owner_len)
		return a->e->owner_len < b->e->owner_len ? -1 : 1;
	return (a->e->line > b->e->line) - (a->e->line < b->e->line);
}

static bool same_owner_text(const struct tn_subid_entry *a, const struct tn_subid_entry *b)
{
	return a->owner_len == b->owner_len && memcmp(a->owner, b->owner, a->owner_len) == 0;
}

static struct owner resolve_owner(const struct tn_subid_entry *e, const struct tn_accounts *users,
				  uint64_t group_index)
{
	struct owner o = { .key = (UINT64_C(1) << 32) + group_index };
	struct tn_account acc;

	if (tn_all_digits(e->owner, e->owner_len) &&
	    tn_parse_u32_n(e->owner, e->owner_len, &o.uid) == 0) {
		o.has_uid = true;
		o.key = o.uid;
	}
	if (tn_accounts_lookup(users, e->owner, e->owner_len, &acc)) {
		o = (struct owner){ .key = acc.id,
				    .uid = acc.id,
				    .gid = acc.gid,
				    .has_uid = true,
				    .has_gid = true,
				    .known = true };
	}
	return o;
}

/* Resolve every distinct owner once; warn once per owner without an account. */
static int resolve_owners(const struct tn_subid_file *f, struct item *items, size_t n,
			  const struct tn_accounts *users, struct tn_lint_report *rep)
{
	uint64_t groups = 0;
	int r;

	qsort(items, n, sizeof(*items), owner_text_cmp);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		struct owner o = resolve_owner(items[i].e, users, groups++);

		while (j < n && same_owner_text(items[i].e, items[j].e))
			j++;
		for (size_t k = i; k < j; k++)
			items[k].o = o;
		if (!o.known) {
			r = add_finding(
				rep, f->path, items[i].e->line, TN_LINT_WARNING, "unknown-owner",
				"remove the lines of accounts that are gone",
				"owner '%.*s' has no account%s", (int)items[i].e->owner_len,
				items[i].e->owner, j - i > 1 ? " (it owns more lines below)" : "");
			if (r < 0)
				return r;
		}
		i = j;
	}
	return 0;
}

static int start_cmp(const void *x, const void *y)
{
	const struct item *a = x, *b = y;

	if (a->e->start != b->e->start)
		return a->e->start < b->e->start ? -1 : 1;
	return (a->e->line > b->e->line) - (a->e->line < b->e->line);
}

static uint64_t item_end(const struct item *it)
{
	return it->e->start + it->e->count;
}

static int report_overlap(const struct tn_subid_file *f, const struct item *a, const struct item *b,
			  struct tn_lint_report *rep)
{
	const struct tn_subid_entry *x = a->e, *y = b->e;

	if (a->o.key != b->o.key)
		return add_finding(
			rep, f->path, x->line, TN_LINT_ERROR, "overlap",
			"give each owner IDs of its own; 'tenant subid add' picks a free range",
			"range %" PRIu64 "-%" PRIu64 " of '%.*s' overlaps range %" PRIu64
			"-%" PRIu64 " of '%.*s' (line %" PRIu32 ")",
			x->start, item_end(a) - 1, (int)x->owner_len, x->owner, y->start,
			item_end(b) - 1, (int)y->owner_len, y->owner, y->line);
	if (x->start == y->start && x->count == y->count)
		return add_finding(rep, f->path, x->line, TN_LINT_WARNING, "duplicate",
				   "remove one of the two lines",
				   "range %" PRIu64 "-%" PRIu64 " of '%.*s' repeats line %" PRIu32,
				   x->start, item_end(a) - 1, (int)x->owner_len, x->owner, y->line);
	return add_finding(rep, f->path, x->line, TN_LINT_WARNING, "self-overlap",
			   "merge the two ranges into one line",
			   "range %" PRIu64 "-%" PRIu64 " of '%.*s' overlaps its range %" PRIu64
			   "-%" PRIu64 " (line %" PRIu32 ")",
			   x->start, item_end(a) - 1, (int)x->owner_len, x->owner, y->start,
			   item_end(b) - 1, y->line);
}

/*
 * One sweep in order of start. `far` is the range seen so far that reaches furthest; `other`
 * the one reaching furthest among owners other than far's. A range that starts before far's
 * end overlaps it; when far is its own owner's, `other` tells whether it also overlaps another
 * owner's range, which is the finding that matters more.
 */
static int check_overlaps(const struct tn_subid_file *f, struct item *items, size_t n,
			  struct tn_lint_report *rep)
{
	const struct item *far = NULL, *other = NULL;

	qsort(items, n, sizeof(*items), start_cmp);
	for (size_t i = 0; i < n; i++) {
		const struct item *it = &items[i];

		if (far && it->e->start < item_end(far)) {
			bool also_other =
				far->o.key == it->o.key && other && it->e->start < item_end(other);
			int r = report_overlap(f, it, also_other ? other : far, rep);

			if (r < 0)
				return r;
		}
		if (!far || item_end(it) > item_end(far)) {
			if (far && far->o.key != it->o.key)
				other = far;
			far = it;
		} else if (it->o.key != far->o.key && (!other || item_end(it) > item_end(other))) {
			other = it;
		}
	}
	return 0;
}

static int check_accounts(const struct tn_subid_file *f, enum tn_subid_db db,
			  const struct item *items, size_t n, const struct tn_accounts *accounts,
			  struct tn_lint_report *rep)
{
	for (size_t i = 0; i < n; i++) {
		const struct item *it = &items[i];
		uint32_t except = TN_ID_INVALID;
		const struct tn_account *a;
		char more_text[64] = "";
		size_t more;
		int r;

		if (db == TN_SUBUID && it->o.has_uid)
			except = it->o.uid;
		else if (db == TN_SUBGID && it->o.has_gid)
			except = it->o.gid;
		a = tn_accounts_first_in(accounts, it->e->start, item_end(it), except, &more);
		if (!a)
			continue;
		if (more)
			snprintf(more_text, sizeof(more_text), " and %zu other account%s", more,
				 more == 1 ? "" : "s");
		r = add_finding(
			rep, f->path, it->e->line, TN_LINT_ERROR, "account",
			"move the range above every account ID: a container of the owner could own that account's files (CVE-2024-56433)",
			"range %" PRIu64 "-%" PRIu64 " of '%.*s' contains %s %" PRIu32
			" of %s '%s'%s",
			it->e->start, item_end(it) - 1, (int)it->e->owner_len, it->e->owner,
			db == TN_SUBUID ? "UID" : "GID", a->id, db == TN_SUBUID ? "user" : "group",
			a->name, more_text);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_mode(const struct tn_subid_file *f, struct tn_lint_report *rep)
{
	if (!f->exists || !(f->st.st_mode & 022))
		return 0;
	return add_finding(
		rep, f->path, 0, TN_LINT_ERROR, "permissions", "chmod go-w FILE",
		"the file is writable by %s: whoever can write it can grant themselves any host ID",
		(f->st.st_mode & 002) ? "everyone" : "its group");
}

/* The entries whose range is known and not empty: the ones overlaps and accounts apply to. */
static int collect_items(const struct tn_subid_file *f, struct item **ret, size_t *ret_n)
{
	struct item *items;
	size_t n = 0;

	items = calloc(f->n ? f->n : 1, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++)
		if (tn_subid_entry_has_range(&f->v[i]) && f->v[i].count > 0)
			items[n++].e = &f->v[i];
	*ret = items;
	*ret_n = n;
	return 0;
}

static int finding_cmp(const void *x, const void *y)
{
	const struct tn_lint_finding *a = x, *b = y;

	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return (a->seq > b->seq) - (a->seq < b->seq);
}

static int check_lines(const struct tn_subid_file *f, struct tn_lint_report *rep)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct tn_subid_entry *e = &f->v[i];
		int r;

		if (e->kind != TN_SUBID_INVALID && (e->kind != TN_SUBID_RANGE || !e->problem))
			continue;
		r = check_syntax(f, e, rep);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Overlaps and accounts: the findings about the ranges as such. */
static int check_ranges(const struct tn_subid_file *f, enum tn_subid_db db,
			const struct tn_accounts *users, const struct tn_accounts *groups,
			struct tn_lint_report *rep)
{
	_cleanup_free_ struct item *items = NULL;
	size_t n;
	int r;

	r = collect_items(f, &items, &n);
	if (r < 0)
		return r;
	r = resolve_owners(f, items, n, users, rep);
	if (r < 0)
		return r;
	r = check_overlaps(f, items, n, rep);
	if (r < 0)
		return r;
	return check_accounts(f, db, items, n, db == TN_SUBUID ? users : groups, rep);
}

int tn_subid_lint_file(const struct tn_subid_file *f, enum tn_subid_db db,
		       const struct tn_accounts *users, const struct tn_accounts *groups,
		       struct tn_lint_report *rep)
{
	size_t first = rep->n;
	int r;

	r = check_mode(f, rep);
	if (r < 0)
		return r;
	r = check_lines(f, rep);
	if (r < 0)
		return r;
	r = check_ranges(f, db, users, groups, rep);
	if (r < 0)
		return r;
	/* This file's findings in line order; for one line, in the order they were found. */
	if (rep->n - first > 1)
		qsort(rep->v + first, rep->n - first, sizeof(*rep->v), finding_cmp);
	return 0;
}

/* A file that is missing, or that nsswitch.conf does not use: said about the whole file. */
static int check_presence(const struct tn_subid_file *f, const struct tn_subid_source *src,
			  enum tn_subid_db db, const char *module, struct tn_lint_report *rep)
{
	if (!f->exists)
		return add_finding(rep, f->path, 0, TN_LINT_WARNING, "missing", NULL,
				   "the file does not exist: no user has subordinate %s",
				   db == TN_SUBUID ? "UIDs" : "GIDs");
	if (module && !src->explicit_path[db])
		return add_finding(
			rep, f->path, 0, TN_LINT_WARNING, "unused",
			"check the ranges in that service instead",
			"/etc/nsswitch.conf reads subordinate IDs from '%s': newuidmap does not use this file",
			module);
	return 0;
}

static int lint_db(const struct tn_subid_source *src, enum tn_subid_db db, const char *module,
		   const struct tn_accounts *users, const struct tn_accounts *groups,
		   struct tn_lint_report *rep, struct tn_error **err)
{
	_cleanup_(tn_subid_file_done) struct tn_subid_file f = { 0 };
	const char *path = src->path[db];
	int r;

	r = tn_subid_file_load(path, src->explicit_path[db], &f, err);
	if (r < 0)
		return r;
	rep->n_lines[db] = f.n;
	r = check_presence(&f, src, db, module, rep);
	if (r < 0)
		return tn_error_errno(err, r, "cannot check '%s'", path);
	r = tn_subid_lint_file(&f, db, users, groups, rep);
	if (r < 0)
		return tn_error_errno(err, r, "cannot check '%s'", path);
	return 0;
}

int tn_subid_lint(const struct tn_subid_source *src, struct tn_lint_report *ret,
		  struct tn_error **err)
{
	_cleanup_(tn_lint_report_done) struct tn_lint_report rep = { 0 };
	_cleanup_(tn_accounts_done) struct tn_accounts users = { 0 }, groups = { 0 };
	_cleanup_free_ char *module = NULL;
	int r;

	r = tn_subid_nss_module(&module, err);
	if (r < 0)
		return r;
	r = tn_accounts_load(TN_ACCOUNT_USER, &users);
	if (r < 0)
		return tn_error_errno(err, r, "cannot enumerate users");
	r = tn_accounts_load(TN_ACCOUNT_GROUP, &groups);
	if (r < 0)
		return tn_error_errno(err, r, "cannot enumerate groups");
	for (int db = TN_SUBUID; db <= TN_SUBGID; db++) {
		r = lint_db(src, (enum tn_subid_db)db, module, &users, &groups, &rep, err);
		if (r < 0)
			return r;
	}
	*ret = rep;
	rep = (struct tn_lint_report){ 0 }; /* handed on */
	return 0;
}

void tn_lint_report_done(struct tn_lint_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].message);
		free(r->v[i].hint);
	}
	free(r->v);
	*r = (struct tn_lint_report){ 0 };
}
