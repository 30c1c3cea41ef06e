/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant subid list|lint|add|remove`: the command-line face of src/lib/subid*.c. Each function
 * resolves its arguments, calls the library once, and prints the result.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "json-writer.h"
#include "parse.h"
#include "subid-edit.h"
#include "subid-lint.h"
#include "banned.h"

static const enum tn_subid_db both_dbs[] = { TN_SUBUID, TN_SUBGID };

/* The user a command is about: the argument, or the caller. */
static int resolve_user(struct tn_cli *cli, const struct tn_cli_args *a, struct tn_user *ret)
{
	int r;

	if (a->n_pos > 0)
		return tn_user_resolve(a->pos[0], ret, &cli->err);
	r = tn_user_from_uid(getuid(), ret);
	if (r < 0)
		return tn_error_errno(&cli->err, r, "cannot look up the calling user");
	return 0;
}

/*
 * The user of `subid list`: as resolve_user, but a name without an account is listed too, by
 * name, with a warning (getsubids lists such lines; the files may name an account of another
 * machine, or one deleted since).
 */
static int resolve_list_user(struct tn_cli *cli, const struct tn_cli_args *a, struct tn_user *ret)
{
	const char *spec = a->n_pos > 0 ? a->pos[0] : NULL;
	int r = resolve_user(cli, a, ret);

	if (r != -ESRCH || !spec || tn_all_digits(spec, strlen(spec)))
		return r;
	tn_error_free(cli->err);
	cli->err = NULL;
	*ret = (struct tn_user){ .uid = TN_ID_INVALID, .name = strdup(spec) };
	if (!ret->name)
		return -ENOMEM;
	tn_cli_warn(cli, "no account is named '%s': its lines are listed by name only", spec);
	return 0;
}

static const char *user_label(const struct tn_user *u, char *buf, size_t len)
{
	if (u->name && u->uid == TN_ID_INVALID)
		snprintf(buf, len, "'%s' (no such account)", u->name);
	else if (u->name)
		snprintf(buf, len, "'%s' (uid %" PRIu32 ")", u->name, u->uid);
	else
		snprintf(buf, len, "uid %" PRIu32, u->uid);
	return buf;
}

/* ---- list ---- */

enum { LIST_JSON };

/* Column widths that fit every row: line numbers of a large file, long owner names. */
static void list_widths(const struct tn_subid_list *l, int *ret_line, int *ret_owner)
{
	uint32_t last = 0;
	size_t owner = 12;

	for (size_t i = 0; i < l->n; i++) {
		last = MAX(last, l->v[i].line);
		owner = MAX(owner, strlen(l->v[i].owner));
	}
	*ret_line = MAX(5, snprintf(NULL, 0, "%" PRIu32, last));
	*ret_owner = (int)MIN(owner, (size_t)64);
}

static void list_text(FILE *f, const struct tn_user *u, const struct tn_subid_list *l)
{
	char who[128];
	int wl, wo;

	fprintf(f, "%s ranges of %s from %s:\n", tn_subid_db_name(l->db),
		user_label(u, who, sizeof(who)), l->source);
	if (l->n == 0) {
		fputs("  none\n", f);
		return;
	}
	list_widths(l, &wl, &wo);
	fprintf(f, "  %*s  %-*s %10s %10s  %s\n", wl, "LINE", wo, "OWNER", "START", "COUNT",
		"LAST");
	for (size_t i = 0; i < l->n; i++) {
		const struct tn_subid_range *r = &l->v[i];

		if (r->line)
			fprintf(f, "  %*" PRIu32, wl, r->line);
		else
			fprintf(f, "  %*s", wl, "-");
		fprintf(f, "  %-*s %10" PRIu32 " %10" PRIu32 "  %" PRIu64 "\n", wo, r->owner,
			r->range.start, r->range.count, tn_idrange_last(r->range));
	}
	fprintf(f, "  total: %" PRIu64 " IDs in %zu range%s\n", l->total, l->n,
		l->n == 1 ? "" : "s");
}

static void list_json(struct tn_json *j, const struct tn_subid_list *l)
{
	tn_json_key(j, tn_subid_db_name(l->db));
	tn_json_begin_object(j);
	tn_json_kv_string(j, "source", l->source);
	tn_json_key(j, "ranges");
	tn_json_begin_array(j);
	for (size_t i = 0; i < l->n; i++) {
		tn_json_begin_object(j);
		tn_json_kv_u64(j, "start", l->v[i].range.start);
		tn_json_kv_u64(j, "count", l->v[i].range.count);
		tn_json_kv_string(j, "owner", l->v[i].owner);
		tn_json_key(j, "line");
		if (l->v[i].line)
			tn_json_u64(j, l->v[i].line);
		else
			tn_json_null(j);
		tn_json_end_object(j);
	}
	tn_json_end_array(j);
	tn_json_kv_u64(j, "total", l->total);
	tn_json_key(j, "skipped_lines");
	tn_json_begin_array(j);
	for (size_t i = 0; i < l->n_skipped; i++)
		tn_json_u64(j, l->skipped[i].line);
	tn_json_end_array(j);
	tn_json_end_object(j);
}

static void warn_skipped(struct tn_cli *cli, const struct tn_subid_list *l)
{
	for (size_t i = 0; i < l->n_skipped; i++)
		tn_cli_warn(cli, "%s:%" PRIu32 ": line skipped: %s (see 'tenant subid lint')",
			    l->source, l->skipped[i].line,
			    tn_subid_problem_to_string(l->skipped[i].problem));
	if (l->n_nss_skipped)
		tn_cli_warn(cli, "%s: %zu invalid range%s skipped", l->source, l->n_nss_skipped,
			    l->n_nss_skipped == 1 ? "" : "s");
	if (l->note)
		tn_cli_warn(cli, "%s%s", l->from_nss ? "libsubid: " : "", l->note);
}

static int print_lists(struct tn_cli *cli, const struct tn_user *u, struct tn_subid_list *lists,
		       bool json)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	struct tn_json j;
	int r;

	if (!json) {
		for (int i = 0; i < 2; i++)
			list_text(cli->out, u, &lists[i]);
		return 0;
	}
	tn_json_init(&j, &b, true);
	tn_json_begin_object(&j);
	tn_json_key(&j, "user");
	tn_json_string(&j, u->name);
	tn_json_key(&j, "uid");
	if (u->uid == TN_ID_INVALID)
		tn_json_null(&j); /* a name without an account */
	else
		tn_json_u64(&j, u->uid);
	for (int i = 0; i < 2; i++)
		list_json(&j, &lists[i]);
	tn_json_end_object(&j);
	r = tn_json_finish(&j);
	if (r < 0)
		return r;
	fputs(b.data, cli->out);
	return 0;
}

static void subid_lists_done(struct tn_subid_list (*lists)[2])
{
	tn_subid_list_done(&(*lists)[0]);
	tn_subid_list_done(&(*lists)[1]);
}

static int cmd_list(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(subid_lists_done) struct tn_subid_list lists[2] = { 0 };
	_cleanup_(tn_user_done) struct tn_user u = { 0 };
	int r;

	r = resolve_list_user(cli, a, &u);
	if (r < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		r = tn_subid_list_user(&cli->subid, both_dbs[i], &u, &lists[i], &cli->err);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < 2; i++)
		warn_skipped(cli, &lists[i]);
	return print_lists(cli, &u, lists, tn_cli_has(a, LIST_JSON));
}

static const struct tn_cli_option list_options[] = {
	[LIST_JSON] = { "json", 0, NULL, "print JSON" },
	{ 0 },
};

/* ---- lint ---- */

enum { LINT_JSON };

static void lint_text(FILE *f, const struct tn_cli *cli, const struct tn_lint_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct tn_lint_finding *x = &rep->v[i];

		if (x->line)
			fprintf(f, "%s:%" PRIu32 ": ", x->path, x->line);
		else
			fprintf(f, "%s: ", x->path);
		fprintf(f, "%s: %s\n", tn_lint_severity_to_string(x->severity), x->message);
		if (x->hint)
			fprintf(f, "  hint: %s\n", x->hint);
	}
	fprintf(f, "%zu error%s, %zu warning%s in %s (%zu lines) and %s (%zu lines)\n",
		rep->n_errors, rep->n_errors == 1 ? "" : "s", rep->n_warnings,
		rep->n_warnings == 1 ? "" : "s", cli->subid.path[TN_SUBUID],
		rep->n_lines[TN_SUBUID], cli->subid.path[TN_SUBGID], rep->n_lines[TN_SUBGID]);
}

static int lint_json(FILE *f, const struct tn_cli *cli, const struct tn_lint_report *rep)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	struct tn_json j;
	int r;

	tn_json_init(&j, &b, true);
	tn_json_begin_object(&j);
	tn_json_key(&j, "files");
	tn_json_begin_array(&j);
	for (int db = 0; db < 2; db++) {
		tn_json_begin_object(&j);
		tn_json_kv_string(&j, "database", tn_subid_db_name((enum tn_subid_db)db));
		tn_json_kv_string(&j, "path", cli->subid.path[db]);
		tn_json_kv_u64(&j, "lines", rep->n_lines[db]);
		tn_json_end_object(&j);
	}
	tn_json_end_array(&j);
	tn_json_kv_u64(&j, "errors", rep->n_errors);
	tn_json_kv_u64(&j, "warnings", rep->n_warnings);
	tn_json_key(&j, "findings");
	tn_json_begin_array(&j);
	for (size_t i = 0; i < rep->n; i++) {
		const struct tn_lint_finding *x = &rep->v[i];

		tn_json_begin_object(&j);
		tn_json_kv_string(&j, "file", x->path);
		tn_json_key(&j, "line");
		if (x->line)
			tn_json_u64(&j, x->line);
		else
			tn_json_null(&j);
		tn_json_kv_string(&j, "severity", tn_lint_severity_to_string(x->severity));
		tn_json_kv_string(&j, "code", x->code);
		tn_json_kv_string(&j, "message", x->message);
		tn_json_kv_string(&j, "hint", x->hint);
		tn_json_end_object(&j);
	}
	tn_json_end_array(&j);
	tn_json_end_object(&j);
	r = tn_json_finish(&j);
	if (r < 0)
		return r;
	fputs(b.data, f);
	return 0;
}

static int cmd_lint(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(tn_lint_report_done) struct tn_lint_report rep = { 0 };
	int r;

	r = tn_subid_lint(&cli->subid, &rep, &cli->err);
	if (r < 0)
		return r;
	if (!tn_cli_has(a, LINT_JSON))
		lint_text(cli->out, cli, &rep);
	else {
		r = lint_json(cli->out, cli, &rep);
		if (r < 0)
			return r;
	}
	/* Errors in the files are the command's failure, already reported: exit 1 quietly. */
	return rep.n_errors > 0 ? TN_EXIT_FAILURE : r;
}

static const struct tn_cli_option lint_options[] = {
	[LINT_JSON] = { "json", 0, NULL, "print JSON" },
	{ 0 },
};

/* ---- add ---- */

enum { ADD_COUNT, ADD_START };

static int parse_id_option(struct tn_cli *cli, const char *name, const char *value, bool nonzero,
			   uint64_t *ret)
{
	uint64_t v;

	if (tn_parse_u64(value, &v) < 0 || v > TN_ID_MAX || (nonzero && v == 0))
		return tn_cli_usage(cli, "--%s '%s' is not %s between %d and 4294967294", name,
				    value, nonzero ? "a count" : "an ID", nonzero ? 1 : 0);
	*ret = v;
	return 0;
}

static void print_add(struct tn_cli *cli, const char *owner, const struct tn_subid_edit_result *res)
{
	for (int i = 0; i < 2; i++) {
		const struct tn_subid_edit *e = &res->db[i];

		if (e->changed) {
			fprintf(cli->out,
				"added %" PRIu32 ":%" PRIu32 " (IDs %" PRIu32 "-%" PRIu64
				") for '%s' to %s:%" PRIu32 "\n",
				e->added.start, e->added.count, e->added.start,
				tn_idrange_last(e->added), owner, res->path[i], e->added_line);
			continue;
		}
		fprintf(cli->out, "'%s' already has", owner);
		for (size_t k = 0; k < e->n_ranges; k++)
			fprintf(cli->out, "%s %" PRIu32 ":%" PRIu32, k ? "," : "",
				e->ranges[k].start, e->ranges[k].count);
		fprintf(cli->out, " in %s; nothing added (--count or --start adds another range)\n",
			res->path[i]);
	}
}

static int cmd_add(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(tn_subid_edit_result_done) struct tn_subid_edit_result res = { 0 };
	_cleanup_(tn_user_done) struct tn_user u = { 0 };
	struct tn_subid_add_request req = { .owner = a->pos[0] };
	int r;

	if (tn_cli_has(a, ADD_COUNT)) {
		r = parse_id_option(cli, "count", a->value[ADD_COUNT], true, &req.count);
		if (r < 0)
			return r;
	}
	if (tn_cli_has(a, ADD_START)) {
		r = parse_id_option(cli, "start", a->value[ADD_START], false, &req.start);
		if (r < 0)
			return r;
	}
	req.have_count = tn_cli_has(a, ADD_COUNT);
	req.have_start = tn_cli_has(a, ADD_START);
	r = tn_user_resolve(a->pos[0], &u, &cli->err);
	if (r < 0)
		return r;
	req.user = &u;
	r = tn_subid_add(&cli->subid, &req, TN_LOGIN_DEFS_PATH, &res, &cli->err);
	if (r < 0)
		return r;
	print_add(cli, a->pos[0], &res);
	return r;
}

static const struct tn_cli_option add_options[] = {
	[ADD_COUNT] = { "count", 'c', "N",
			"size of the new range (default SUB_UID_COUNT of login.defs, 65536)" },
	[ADD_START] = { "start", 's', "ID",
			"first ID of the new range (default: the lowest free one)" },
	{ 0 },
};

/* ---- remove ---- */

static int parse_range_arg(struct tn_cli *cli, const char *s, struct tn_idrange *ret)
{
	const char *colon = strchr(s, ':');
	uint32_t start, count;

	if (!colon || tn_parse_u32_n(s, (size_t)(colon - s), &start) < 0 ||
	    tn_parse_u32(colon + 1, &count) < 0 || tn_idrange_check(start, count) < 0)
		return tn_cli_usage(
			cli, "'%s' is not a range START:COUNT (for example 100000:65536)", s);
	*ret = (struct tn_idrange){ start, count };
	return 0;
}

static void print_remove(struct tn_cli *cli, const char *owner,
			 const struct tn_subid_edit_result *res)
{
	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < res->db[i].n_ranges; k++)
			fprintf(cli->out, "removed %" PRIu32 ":%" PRIu32 " of '%s' from %s\n",
				res->db[i].ranges[k].start, res->db[i].ranges[k].count, owner,
				res->path[i]);
	for (int i = 0; i < 2; i++) {
		size_t bad = res->db[i].n_lines_removed - res->db[i].n_ranges;

		if (bad)
			fprintf(cli->out, "removed %zu malformed line%s of '%s' from %s\n", bad,
				bad == 1 ? "" : "s", owner, res->path[i]);
	}
}

static int cmd_remove(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(tn_subid_edit_result_done) struct tn_subid_edit_result res = { 0 };
	_cleanup_(tn_user_done) struct tn_user u = { 0 };
	struct tn_idrange only;
	bool known;
	int r;

	if (a->n_pos > 1) {
		r = parse_range_arg(cli, a->pos[1], &only);
		if (r < 0)
			return r;
	}
	/* A deleted account's lines are removed by name: an unknown name is not an error here. */
	r = tn_user_resolve(a->pos[0], &u, &cli->err);
	known = r >= 0;
	if (r < 0 && r != -ESRCH)
		return r;
	tn_error_free(TAKE_PTR(cli->err));
	r = tn_subid_remove(&cli->subid, known ? &u : NULL, a->pos[0], a->n_pos > 1 ? &only : NULL,
			    &res, &cli->err);
	if (r < 0)
		return r;
	print_remove(cli, a->pos[0], &res);
	return r;
}

const struct tn_command tn_subid_commands[] = {
	{
		.name = "list",
		.args_help = " [USER]",
		.summary = "show every subordinate UID and GID range of a user, and the totals",
		.description =
			"USER is a login name or a numeric UID (default: the caller). A range listed\n"
			"under the name and one listed under the UID both count, in file order. A name\n"
			"without an account is listed by name, with a warning (as getsubids). Lines\n"
			"that are malformed are skipped with a warning ('tenant subid lint' explains).\n"
			"Where /etc/nsswitch.conf names a 'subid:' source other than files, ranges are\n"
			"read through shadow's libsubid.",
		.options = list_options,
		.max_args = 1,
		.run = cmd_list,
	},
	{
		.name = "lint",
		.summary = "check /etc/subuid and /etc/subgid and report every problem",
		.description =
			"Reports FILE:LINE: error|warning: message, with a hint where the fix is known.\n"
			"Errors: malformed lines, count 0, ranges reaching ID 4294967295, ranges of\n"
			"different owners that overlap, ranges that contain an existing account's ID.\n"
			"Warnings: duplicates, overlapping ranges of one owner, owners without an account.\n"
			"Exits 1 when there is an error.",
		.options = lint_options,
		.max_args = 0,
		.run = cmd_lint,
	},
	{
		.name = "add",
		.args_help = " USER",
		.summary = "give a user a new range in both files",
		.description =
			"Picks the lowest free range between SUB_UID_MIN and SUB_UID_MAX (SUB_GID_* for\n"
			"subgid) of /etc/login.defs that overlaps no range and no account ID. A user who\n"
			"already has a range gets none unless --count or --start is given. Both files\n"
			"are locked as shadow locks them and replaced atomically; FILE- keeps the old one.",
		.options = add_options,
		.min_args = 1,
		.max_args = 1,
		.run = cmd_add,
	},
	{
		.name = "remove",
		.args_help = " USER [START:COUNT]",
		.summary = "remove all of a user's ranges, or the one named",
		.min_args = 1,
		.max_args = 2,
		.run = cmd_remove,
	},
	{ 0 },
};
