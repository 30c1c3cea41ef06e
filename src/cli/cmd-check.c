/* SPDX-License-Identifier: Apache-2.0 */
/* `tenant check [--user USER] [--json]`: src/lib/check.c, printed. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "commands.h"
#include "json-writer.h"
#include "banned.h"

enum { CHECK_USER, CHECK_JSON };

const struct tn_cli_option tn_check_options[] = {
	[CHECK_USER] = { "user", 'u', "USER",
			 "check for this user (root only; default: the caller)" },
	[CHECK_JSON] = { "json", 0, NULL, "print the report as JSON" },
	{ 0 },
};

const char tn_check_description[] =
	"One line per check: ok, warn or fail, what was found, and the fix. User namespaces\n"
	"(and why not: the boot option, kernel.unprivileged_userns_clone,\n"
	"kernel.apparmor_restrict_unprivileged_userns, user.max_user_namespaces),\n"
	"newuidmap and newgidmap, the user's subordinate ranges and what lint says of them,\n"
	"idmapped mounts on the filesystems tenant uses, the cgroup layout and delegation,\n"
	"whether systemd answers for --systemd-cgroup (the user's own manager, and the\n"
	"controllers it delegates, for a user), seccomp, pidfd and clone3. Everything is\n"
	"probed. Exits 1 when a check fails.";

static void print_text(struct tn_cli *cli, const struct tn_check_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct tn_check_result *c = &r->v[i];

		fprintf(cli->out, "%-5s %-11s %s\n", tn_check_status_name(c->status), c->name,
			c->found);
		if (c->fix && c->status != TN_CHECK_OK)
			fprintf(cli->out, "%-17s fix: %s\n", "", c->fix);
	}
	fprintf(cli->out, "%zu ok, %zu warnings, %zu failed\n", r->n - r->n_warned - r->n_failed,
		r->n_warned, r->n_failed);
}

static int print_json(struct tn_cli *cli, const struct tn_user *u, const struct tn_check_report *r)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	struct tn_json j;
	int rr;

	tn_json_init(&j, &b, true);
	tn_json_begin_object(&j);
	tn_json_key(&j, "user");
	if (u->name)
		tn_json_string(&j, u->name);
	else
		tn_json_null(&j);
	tn_json_kv_u64(&j, "uid", u->uid);
	tn_json_key(&j, "checks");
	tn_json_begin_array(&j);
	for (size_t i = 0; i < r->n; i++) {
		tn_json_begin_object(&j);
		tn_json_kv_string(&j, "name", r->v[i].name);
		tn_json_kv_string(&j, "status", tn_check_status_name(r->v[i].status));
		tn_json_kv_string(&j, "found", r->v[i].found);
		tn_json_key(&j, "fix");
		if (r->v[i].fix)
			tn_json_string(&j, r->v[i].fix);
		else
			tn_json_null(&j);
		tn_json_end_object(&j);
	}
	tn_json_end_array(&j);
	tn_json_kv_u64(&j, "ok", r->n - r->n_warned - r->n_failed);
	tn_json_kv_u64(&j, "warnings", r->n_warned);
	tn_json_kv_u64(&j, "failed", r->n_failed);
	tn_json_end_object(&j);
	rr = tn_json_finish(&j);
	if (rr < 0)
		return rr;
	fputs(b.data, cli->out);
	return 0;
}

/* The user to check: --user (root only for someone else), or the caller. */
static int check_user(struct tn_cli *cli, const struct tn_cli_args *a, struct tn_user *ret)
{
	int r;

	if (!tn_cli_has(a, CHECK_USER)) {
		r = tn_user_from_uid(getuid(), ret);
		if (r < 0)
			return tn_error_errno(&cli->err, -r, "cannot look up the calling user");
		return 0;
	}
	r = tn_user_resolve(a->value[CHECK_USER], ret, &cli->err);
	if (r < 0)
		return r;
	if (ret->uid != getuid() && geteuid() != 0) {
		r = tn_error_set(&cli->err, EPERM, "checking another user needs root");
		return tn_error_hint(&cli->err, r, "run it as root, or without --user");
	}
	if (!ret->known)
		return tn_error_set(&cli->err, ENOENT, "no account '%s': check needs one",
				    a->value[CHECK_USER]);
	return 0;
}

int tn_cmd_check(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(tn_user_done) struct tn_user u = { 0 };
	_cleanup_(tn_check_report_done) struct tn_check_report rep = { 0 };
	struct tn_check_opts o = { .subid = &cli->subid, .proc = "/proc", .sys = "/sys" };
	int r;

	r = check_user(cli, a, &u);
	if (r < 0)
		return r;
	o.user = &u;
	r = tn_check_run(&o, &rep);
	if (r < 0)
		return r;
	if (!tn_cli_has(a, CHECK_JSON))
		print_text(cli, &rep);
	else {
		r = print_json(cli, &u, &rep);
		if (r < 0)
			return r;
	}
	return rep.n_failed ? 1 : 0; /* the failures are the report's, already printed */
}
