/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant list` and `tenant ps`, in runc's formats (engines and scripts parse them):
 *
 *	list            ID PID STATUS BUNDLE CREATED OWNER, aligned as runc's tabwriter does
 *	list -f json    an array of runc's objects (ociVersion, id, pid, status, bundle, rootfs,
 *	                created, annotations when any, owner as a name), plus tenant's hostUids,
 *	                hostGids and userns; `null` when there is none, as runc prints
 *	list -f wide    runc's columns, then tenant's USERNS UIDS GIDS
 *	ps ID [ARGS]    ps(1) with ARGS (default -ef), its lines of the container's processes
 *	ps -f json ID   an array of the container's PIDs
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "commands.h"
#include "container-list.h"
#include "fs.h"
#include "json-writer.h"
#include "oci-config.h"
#include "oci-state.h"
#include "parse.h"
#include "banned.h"

enum { LIST_FORMAT, LIST_QUIET };

const struct tn_cli_option tn_list_options[] = {
	[LIST_FORMAT] = { "format", 'f', "table|json|wide",
			  "output format (default table; wide adds the user namespace and host "
			  "IDs)" },
	[LIST_QUIET] = { "quiet", 'q', NULL, "print only the IDs" },
	{ 0 },
};

static void list_json_one(struct tn_json *j, const struct tn_container_info *c)
{
	const struct tn_state *s = &c->state;
	char owner[256];

	tn_state_owner_name(s->owner, owner, sizeof(owner));
	tn_json_begin_object(j);
	tn_json_kv_string(j, "ociVersion", TN_OCI_VERSION);
	tn_json_kv_string(j, "id", s->id);
	tn_json_kv_u64(j, "pid", s->status == TN_STATUS_STOPPED ? 0 : (uint64_t)s->pid);
	tn_json_kv_string(j, "status", tn_status_name(s->status));
	tn_json_kv_string(j, "bundle", s->bundle);
	tn_json_kv_string(j, "rootfs", c->rootfs ? c->rootfs : "");
	tn_json_kv_string(j, "created", s->created);
	tn_state_write_annotations(j, s, false);
	tn_json_kv_string(j, "owner", owner);
	tn_json_kv_string(j, "hostUids", c->host_uids ? c->host_uids : "-");
	tn_json_kv_string(j, "hostGids", c->host_gids ? c->host_gids : "-");
	tn_json_kv_u64(j, "userns", c->userns);
	tn_json_end_object(j);
}

static int list_json(struct tn_cli *cli, const struct tn_container_list *l)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	struct tn_json j;
	int r;

	if (l->n == 0) { /* runc marshals its empty list as null */
		fprintf(cli->out, "null\n");
		return 0;
	}
	tn_json_init(&j, &b, false);
	tn_json_begin_array(&j);
	for (size_t i = 0; i < l->n; i++)
		list_json_one(&j, &l->v[i]);
	tn_json_end_array(&j);
	r = tn_json_finish(&j);
	if (r < 0)
		return r;
	fprintf(cli->out, "%s\n", b.data);
	return 0;
}

#define LIST_COLUMNS 9
#define RUNC_COLUMNS 6

/* A row's cells: runc's six, then tenant's three (wide). */
static void row_cells(const struct tn_container_info *c, char cells[LIST_COLUMNS][256])
{
	const struct tn_state *s = &c->state;

	snprintf(cells[0], 256, "%s", s->id);
	snprintf(cells[1], 256, "%d", s->status == TN_STATUS_STOPPED ? 0 : (int)s->pid);
	snprintf(cells[2], 256, "%s", tn_status_name(s->status));
	snprintf(cells[3], 256, "%s", s->bundle ? s->bundle : "");
	snprintf(cells[4], 256, "%s", s->created ? s->created : "");
	tn_state_owner_name(s->owner, cells[5], 256);
	snprintf(cells[6], 256, "-");
	if (c->userns)
		snprintf(cells[6], 256, "%" PRIu64, c->userns);
	snprintf(cells[7], 256, "%s", c->host_uids ? c->host_uids : "-");
	snprintf(cells[8], 256, "%s", c->host_gids ? c->host_gids : "-");
}

/* One line: every cell but the last padded to its column's width, as Go's tabwriter. */
static void print_row(struct tn_cli *cli, char cells[LIST_COLUMNS][256], const size_t *width, int n)
{
	for (int k = 0; k < n - 1; k++)
		fprintf(cli->out, "%-*s", (int)width[k], cells[k]);
	fprintf(cli->out, "%s\n", cells[n - 1]);
}

/* runc's table: tabwriter.NewWriter(out, 12, 1, 3, ' ', 0): a column is as wide as its widest
 * cell plus 3, at least 12. */
static void list_table(struct tn_cli *cli, const struct tn_container_list *l, bool wide)
{
	static const char *const names[LIST_COLUMNS] = {
		"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER", "USERNS", "UIDS", "GIDS",
	};
	char cells[LIST_COLUMNS][256];
	size_t width[LIST_COLUMNS];
	int n = wide ? LIST_COLUMNS : RUNC_COLUMNS;

	for (int k = 0; k < n; k++)
		width[k] = strlen(names[k]);
	for (size_t i = 0; i < l->n; i++) {
		row_cells(&l->v[i], cells);
		for (int k = 0; k < n; k++)
			width[k] = MAX(width[k], strlen(cells[k]));
	}
	for (int k = 0; k < n; k++)
		width[k] = MAX(width[k] + 3, 12);
	for (int k = 0; k < n; k++)
		snprintf(cells[k], sizeof(cells[k]), "%s", names[k]);
	print_row(cli, cells, width, n);
	for (size_t i = 0; i < l->n; i++) {
		row_cells(&l->v[i], cells);
		print_row(cli, cells, width, n);
	}
}

int tn_cmd_list(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(tn_container_list_done) struct tn_container_list l = { 0 };
	_cleanup_free_ char *root_buf = NULL;
	const char *fmt = a->value[LIST_FORMAT] ? a->value[LIST_FORMAT] : "table";
	const char *root = tn_cli_state_root(cli, &root_buf);
	bool json = strcmp(fmt, "json") == 0, wide = strcmp(fmt, "wide") == 0;
	bool quiet = tn_cli_has(a, LIST_QUIET);
	int r;

	if (!root)
		return -ENOMEM;
	if (!json && !wide && strcmp(fmt, "table") != 0)
		return tn_error_set(&cli->err, EINVAL, /* exit status 1, as runc's */
				    "--format: '%s' is not table, json or wide", fmt);
	/* --quiet prints only the IDs, whatever the format (as runc). */
	r = tn_container_list(root, quiet ? 0 : TN_LIST_HOST_IDS | TN_LIST_ROOTFS, &l, &cli->err);
	if (r < 0)
		return r;
	if (quiet) {
		for (size_t i = 0; i < l.n; i++)
			fprintf(cli->out, "%s\n", l.v[i].state.id);
		return 0;
	}
	if (json)
		return list_json(cli, &l);
	list_table(cli, &l, wide);
	return 0;
}

/* ---- ps ---- */

enum { PS_FORMAT };

const struct tn_cli_option tn_ps_options[] = {
	[PS_FORMAT] = { "format", 'f', "table|json", "output format (default table)" },
	{ 0 },
};

/* In the child: ps with stdout and stderr on `out`. Never returns. */
static _Noreturn void exec_ps(char *const *argv, int out)
{
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
		_exit(127);
	execvp("ps", argv);
	_exit(127);
}

/* ps(1) with ARGS: what it printed (stdout and stderr, as runc reads them) in *ret. */
static int run_ps(struct tn_cli *cli, char *const *args, size_t n, char **ret)
{
	_cleanup_close_ int rd = -1, wr = -1;
	_cleanup_free_ char *out = NULL;
	_cleanup_free_ char **argv = calloc(n + 2, sizeof(*argv));
	size_t len = 0;
	int p[2], status = 0, r;
	pid_t pid;

	if (!argv)
		return -ENOMEM;
	argv[0] = (char *)"ps";
	for (size_t i = 0; i < n; i++)
		argv[i + 1] = args[i];
	if (pipe2(p, O_CLOEXEC) < 0)
		return tn_error_errno(&cli->err, errno, "cannot run ps");
	rd = p[0];
	wr = p[1];
	pid = fork();
	if (pid < 0)
		return tn_error_errno(&cli->err, errno, "cannot run ps");
	if (pid == 0)
		exec_ps(argv, wr);
	wr = safe_close(wr);
	r = tn_read_fd(rd, 64 * 1024 * 1024, &out, &len);
	(void)RETRY_EINTR(waitpid(pid, &status, 0));
	if (r < 0)
		return tn_error_errno(&cli->err, -r, "cannot read the output of ps");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		while (len && out[len - 1] == '\n')
			out[--len] = '\0';
		return tn_error_set(&cli->err, EIO, "ps: exit status %d: %s",
				    WIFEXITED(status) ? WEXITSTATUS(status)
						      : 128 + WTERMSIG(status),
				    out ? out : "");
	}
	*ret = out ? TAKE_PTR(out) : strdup("");
	return *ret ? 0 : -ENOMEM;
}

/* The k-th whitespace-separated field of `line` (len bytes), or NULL. */
static const char *field(const char *line, size_t len, size_t k, size_t *ret_len)
{
	size_t i = 0;

	for (size_t f = 0;; f++) {
		size_t start;

		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			return NULL;
		start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		if (f == k) {
			*ret_len = i - start;
			return line + start;
		}
	}
}

/* Which field of ps's header is "PID". */
static int pid_column(const char *header, size_t len, size_t *ret)
{
	const char *f;
	size_t n;

	for (size_t k = 0; (f = field(header, len, k, &n)); k++)
		if (n == 3 && memcmp(f, "PID", 3) == 0) {
			*ret = k;
			return 0;
		}
	return -ENOENT;
}

static bool in_container(const struct tn_process_list *l, const char *f, size_t n)
{
	uint32_t pid;

	if (!f || tn_parse_u32_n(f, n, &pid) < 0)
		return false;
	for (size_t i = 0; i < l->n; i++)
		if ((uint32_t)l->v[i].pid == pid)
			return true;
	return false;
}

/* ps's header, then its lines whose PID is one of the container's (runc's filter). */
static int print_ps(struct tn_cli *cli, const char *out, const struct tn_process_list *l)
{
	const char *eol = strchr(out, '\n');
	size_t col, n;

	if (!eol || pid_column(out, (size_t)(eol - out), &col) < 0)
		return tn_error_set(&cli->err, EINVAL, "ps: no PID column in its output");
	fprintf(cli->out, "%.*s\n", (int)(eol - out), out);
	for (const char *line = eol + 1; *line; line = eol + 1) {
		size_t len;
		const char *f;

		eol = strchr(line, '\n');
		len = eol ? (size_t)(eol - line) : strlen(line);
		f = field(line, len, col, &n);
		if (in_container(l, f, n))
			fprintf(cli->out, "%.*s\n", (int)len, line);
		if (!eol)
			break;
	}
	return 0;
}

int tn_cmd_ps(struct tn_cli *cli, const struct tn_cli_args *a)
{
	static char *default_args[] = { (char *)"-ef", NULL };
	_cleanup_(tn_process_list_done) struct tn_process_list l = { 0 };
	_cleanup_free_ char *root_buf = NULL, *out = NULL;
	const char *fmt = a->value[PS_FORMAT] ? a->value[PS_FORMAT] : "table";
	const char *root = tn_cli_state_root(cli, &root_buf);
	char *const *args = a->pos + 1;
	size_t n = (size_t)a->n_pos - 1;
	int r;

	if (!root)
		return -ENOMEM;
	if (strcmp(fmt, "table") != 0 && strcmp(fmt, "json") != 0)
		return tn_error_set(&cli->err, EINVAL, /* exit status 1, as runc's */
				    "--format: '%s' is not table or json", fmt);
	r = tn_container_processes(root, a->pos[0], &l, &cli->err);
	if (r < 0)
		return r;
	if (strcmp(fmt, "json") == 0 && l.n == 0) {
		fputs("null\n", cli->out); /* runc marshals its empty list as null */
		return 0;
	}
	if (strcmp(fmt, "json") == 0) {
		fputc('[', cli->out);
		for (size_t i = 0; i < l.n; i++)
			fprintf(cli->out, "%s%d", i ? "," : "", (int)l.v[i].pid);
		fputs("]\n", cli->out);
		return 0;
	}
	if (n && strcmp(args[0], "--") == 0) /* ps ID -- ARGS: the "--" is tenant's, not ps's */
		args++, n--;
	if (n == 0)
		args = default_args, n = 1;
	r = run_ps(cli, args, n, &out);
	if (r < 0)
		return r;
	return print_ps(cli, out, &l);
}
