/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-log.h"
#include "clock.h"
#include "fs.h"
#include "json-writer.h"
#include "oci-state.h"
#include "banned.h"

/* getopt_long returns a long option's `val`: table index + OPT_BASE, clear of letters and of
 * the 1 that '-' mode returns for a positional argument. */
#define OPT_BASE 256

static int count_options(const struct tn_command *c)
{
	int n = 0;

	while (c->options && c->options[n].name)
		n++;
	return n;
}

int tn_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int d[32][32];

	if (la >= 32 || lb >= 32)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = MIN(MIN(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);

			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	return d[la][lb];
}

int tn_cli_usage(struct tn_cli *cli, const char *fmt, ...)
{
	_cleanup_free_ char *m = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	cli->usage_error = true;
	return tn_error_set(&cli->err, EINVAL, "%s", m ? m : "invalid usage");
}

void tn_cli_warn(struct tn_cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(cli->errf, "%s: warning: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(cli->errf, fmt, ap);
	va_end(ap);
	fputc('\n', cli->errf);
	va_start(ap, fmt);
	tn_cli_logv(cli, "warning", fmt, ap); /* and to --log, as runc's logrus */
	va_end(ap);
}

/* "tenant subid list": the words that lead to `c`, for usage lines and hints. */
static void print_path(FILE *f, const char *prog, const struct tn_command *const *path, int depth)
{
	fputs(prog, f);
	for (int i = 1; i < depth; i++)
		fprintf(f, " %s", path[i]->name);
}

/*
 * "  -m, --map MODE           help text...": the help starts in column 28 (on the next line when
 * the option is longer) and wraps at word boundaries before column 80.
 */
static void print_option(FILE *f, const char *left, const char *help)
{
	enum { HELP_COLUMN = 27, WIDTH = 79 };
	size_t col;

	fprintf(f, "  %-24s", left);
	col = 2 + MAX(strlen(left), (size_t)24);
	if (strlen(left) > 24) {
		fprintf(f, "\n%*s", HELP_COLUMN, "");
		col = HELP_COLUMN;
	} else {
		fputc(' ', f);
		col++;
	}
	for (const char *w = help; *w;) {
		size_t len = strcspn(w, " ");

		if (col > HELP_COLUMN && col + 1 + len > WIDTH) {
			fprintf(f, "\n%*s", HELP_COLUMN, "");
			col = HELP_COLUMN;
		} else if (col > HELP_COLUMN) {
			fputc(' ', f);
			col++;
		}
		fwrite(w, 1, len, f);
		col += len;
		w += len;
		while (*w == ' ')
			w++;
	}
	fputc('\n', f);
}

static void print_help(struct tn_cli *cli, const struct tn_command *const *path, int depth)
{
	const struct tn_command *c = path[depth - 1];
	FILE *f = cli->out;
	int n = count_options(c);

	fputs("Usage: ", f);
	print_path(f, cli->prog, path, depth);
	fprintf(f, "%s%s%s%s\n\n", depth == 1 ? " [GLOBAL OPTIONS]" : "", n ? " [OPTIONS]" : "",
		c->subcommands ? " COMMAND" : "", c->args_help ? c->args_help : "");
	fprintf(f, "%s\n", c->summary);
	if (c->description)
		fprintf(f, "\n%s\n", c->description);
	if (c->subcommands) {
		fputs("\nCommands:\n", f);
		for (const struct tn_command *s = c->subcommands; s->name; s++)
			fprintf(f, "  %-12s %s\n", s->name, s->summary);
	}
	fprintf(f, "\n%s:\n", depth == 1 ? "Global options" : "Options");
	for (int i = 0; i < n; i++) {
		const struct tn_cli_option *o = &c->options[i];
		char left[64];

		snprintf(left, sizeof(left), "%c%c%s--%s%s%s", o->short_name ? '-' : ' ',
			 o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
			 o->arg ? " " : "", o->arg ? o->arg : "");
		print_option(f, left, o->help);
	}
	print_option(f, "-h, --help", "show this help");
	if (c->subcommands) {
		fputs("\nRun '", f);
		print_path(f, cli->prog, path, depth);
		fputs(" COMMAND --help' for the options of a command.\n", f);
	}
}

/* Append "; try 'tenant ... --help'" as the hint of a usage error. */
static int usage_hint(struct tn_cli *cli, const struct tn_command *const *path, int depth)
{
	_cleanup_free_ char *words = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&words, &len);

	cli->usage_error = true;
	if (!f)
		return -EINVAL;
	print_path(f, cli->prog, path, depth);
	fclose(f);
	return tn_error_hint(&cli->err, EINVAL, "see '%s --help'", words);
}

/* getopt_long's tables: the command's n options plus --help (index n). */
struct getopt_tables {
	struct option *lo; /* n + 2 */
	char *shortopts;   /* "+:" or "-:", up to two characters an option, "h" */
};

static void getopt_tables_done(struct getopt_tables *t)
{
	free(t->lo);
	free(t->shortopts);
}

static int build_longopts(const struct tn_command *c, int n, bool stop_at_first_arg,
			  struct getopt_tables *t)
{
	size_t s = 0;
	int k = 0;

	t->lo = calloc((size_t)n + 2, sizeof(*t->lo));
	t->shortopts = calloc(2 * (size_t)n + 4, 1);
	if (!t->lo || !t->shortopts)
		return -ENOMEM;
	t->shortopts[s++] = stop_at_first_arg ? '+' : '-';
	t->shortopts[s++] = ':';
	for (int i = 0; i < n; i++) {
		const struct tn_cli_option *o = &c->options[i];

		t->lo[k++] = (struct option){ o->name, o->arg ? required_argument : no_argument,
					      NULL, OPT_BASE + i };
		if (o->short_name) {
			t->shortopts[s++] = o->short_name;
			if (o->arg)
				t->shortopts[s++] = ':';
		}
	}
	t->lo[k++] = (struct option){ "help", no_argument, NULL, OPT_BASE + n };
	t->lo[k] = (struct option){ 0 };
	t->shortopts[s++] = 'h';
	t->shortopts[s] = '\0';
	return 0;
}

/* The table index of a short option; n (the count) is --help. */
static int short_to_index(const struct tn_command *c, int n, int ch)
{
	if (ch == 'h')
		return n;
	for (int i = 0; i < n; i++)
		if (c->options[i].short_name == ch)
			return i;
	return -1;
}

/* Keep every value of an option, for options that may be repeated (--uidmap A --uidmap B). */
static int record_value(struct tn_cli_args *args, int idx)
{
	const char **v = reallocarray(args->all[idx], args->n_all[idx] + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	v[args->n_all[idx]++] = args->value[idx];
	args->all[idx] = v;
	return 0;
}

static int args_init(struct tn_cli_args *args, int n)
{
	args->value = calloc((size_t)n + 1, sizeof(*args->value));
	args->all = calloc((size_t)n + 1, sizeof(*args->all));
	args->n_all = calloc((size_t)n + 1, sizeof(*args->n_all));
	if (!args->value || !args->all || !args->n_all)
		return -ENOMEM;
	args->n_options = n;
	return 0;
}

static void args_done(struct tn_cli_args *args)
{
	for (int i = 0; args->all && i < args->n_options; i++)
		free(args->all[i]);
	free(args->value);
	free(args->all);
	free(args->n_all);
}

/*
 * Parse the options of `c` from argv. Positional arguments are collected into args->pos (a
 * command with subcommands stops at its first one: the subcommand's name). Returns 1 when
 * --help was given, 0 on success, -EINVAL on a usage error.
 */
static int parse_options(struct tn_cli *cli, const struct tn_command *const *path, int depth,
			 int argc, char **argv, struct tn_cli_args *args)
{
	const struct tn_command *c = path[depth - 1];
	_cleanup_(getopt_tables_done) struct getopt_tables t = { 0 };
	bool stop = c->subcommands != NULL || c->stop_at_args;
	bool help = false;
	int n = count_options(c), r;

	r = args_init(args, n);
	if (r < 0)
		return r;
	r = build_longopts(c, n, stop, &t);
	if (r < 0)
		return r;
	args->pos = argv + argc;
	args->n_pos = 0;
	optind = 0; /* glibc: reinitialize completely for this argv */
	opterr = 0;
	for (;;) {
		int idx, ch = getopt_long(argc, argv, t.shortopts, t.lo, NULL);

		if (ch == -1)
			break;
		if (ch == 1) { /* a positional argument, in order ('-' mode) */
			argv[args->n_pos++] = optarg;
			continue;
		}
		if (ch == '?' || ch == ':') {
			/* A short option is known by optopt; a long one is the element just read. */
			char opt[3] = { '-', (char)optopt, '\0' };
			const char *bad = optopt ? opt : argv[optind - 1];

			tn_error_set(&cli->err, EINVAL,
				     ch == ':' ? "option '%s' needs a value"
					       : "unknown option '%s'",
				     bad);
			return usage_hint(cli, path, depth);
		}
		/* Long options return OPT_BASE + their table index, short ones their letter. */
		idx = ch >= OPT_BASE ? ch - OPT_BASE : short_to_index(c, n, ch);
		if (idx < 0 || idx > n)
			return -EINVAL; /* getopt returned what the tables do not have */
		if (idx == n) {
			help = true;
			continue;
		}
		args->value[idx] = optarg ? optarg : "";
		if (record_value(args, idx) < 0)
			return -ENOMEM;
	}
	if (help)
		return 1;
	/* Whatever getopt left (after "--", or everything from the first argument with '+'). */
	for (int i = optind; i < argc; i++)
		argv[args->n_pos++] = argv[i];
	argv[args->n_pos] = NULL; /* within main()'s argv, which has argc + 1 slots */
	args->pos = argv;
	return 0;
}

static const struct tn_command *find_subcommand(const struct tn_command *c, const char *name)
{
	for (const struct tn_command *s = c->subcommands; s && s->name; s++)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static int unknown_command(struct tn_cli *cli, const struct tn_command *const *path, int depth,
			   const char *name)
{
	const struct tn_command *c = path[depth - 1];
	const char *best = NULL;
	int best_d = 99;

	/* A suggestion is a command within two edits, or one that starts with what was typed. */
	for (const struct tn_command *s = c->subcommands; s->name; s++) {
		int d = tn_edit_distance(name, s->name);

		if (strlen(name) >= 2 && strncmp(s->name, name, strlen(name)) == 0)
			d = MIN(d, 1);
		if (d <= 2 && d < best_d)
			best = s->name, best_d = d;
	}
	tn_error_set(&cli->err, EINVAL, "'%s' is not a %s command", name,
		     depth == 1 ? cli->prog : c->name);
	usage_hint(cli, path, depth);
	if (best)
		tn_error_hint(&cli->err, EINVAL, "did you mean '%s'?", best);
	return -EINVAL;
}

static int check_arg_count(struct tn_cli *cli, const struct tn_command *const *path, int depth,
			   int n)
{
	const struct tn_command *c = path[depth - 1];

	if (n < c->min_args)
		tn_error_set(&cli->err, EINVAL, "'%s' needs%s", c->name,
			     c->args_help ? c->args_help : " more arguments");
	else if (c->max_args >= 0 && n > c->max_args)
		tn_error_set(&cli->err, EINVAL, "'%s' takes at most %d argument%s, got %d", c->name,
			     c->max_args, c->max_args == 1 ? "" : "s", n);
	else
		return 0;
	return usage_hint(cli, path, depth);
}

/* Walk down the table, parsing each level's options, until a command that runs. */
int tn_cli_dispatch(struct tn_cli *cli, int argc, char **argv)
{
	const struct tn_command *path[8] = { cli->root };
	int depth = 1, r;

	for (;;) {
		const struct tn_command *c = path[depth - 1], *next;
		_cleanup_(args_done) struct tn_cli_args args = { 0 };

		r = parse_options(cli, path, depth, argc, argv, &args);
		if (r < 0)
			return r;
		if (r > 0) { /* --help */
			print_help(cli, path, depth);
			return 0;
		}
		if (!c->subcommands) {
			r = check_arg_count(cli, path, depth, args.n_pos);
			if (r < 0)
				return r;
			return c->run(cli, &args);
		}
		if (c->run) {
			r = c->run(cli, &args); /* a group's own options (the globals) */
			if (r < 0)
				return r;
			if (r > 0) /* done already (--version) */
				return 0;
		}
		if (args.n_pos == 0) {
			tn_error_set(&cli->err, EINVAL, "missing command");
			return usage_hint(cli, path, depth);
		}
		next = find_subcommand(c, args.pos[0]);
		if (!next)
			return unknown_command(cli, path, depth, args.pos[0]);
		if (depth == (int)ELEMENTSOF(path))
			return -E2BIG;
		path[depth++] = next;
		/* The subcommand parses what follows its name; argv[0] is its name. */
		argc = args.n_pos;
		argv = args.pos;
	}
}

/* One spelling per root: the registry and the rootfs copies are keyed by it. */
const char *tn_cli_state_root(struct tn_cli *cli, char **buf)
{
	if (cli->oci.root)
		return (*buf = tn_path_absolute_clean(cli->oci.root));
	return tn_state_root_default(buf) < 0 ? NULL : *buf;
}

/* Print a failure once (and to --log), and map it to the exit status. */
static int report_failure(struct tn_cli *cli, int r)
{
	if (!cli->err)
		tn_error_set(&cli->err, r, "%s", strerror(-r));
	tn_error_print(cli->err, cli->prog, cli->errf);
	if (cli->err->message)
		tn_cli_log(cli, "error", "%s", cli->err->message);
	if (cli->usage_error)
		return TN_EXIT_USAGE;
	return cli->exit_status ? cli->exit_status : TN_EXIT_FAILURE;
}

int tn_cli_main(struct tn_cli *cli, int argc, char **argv)
{
	int r = tn_cli_dispatch(cli, argc, argv);

	if (r < 0) {
		fflush(cli->out); /* what was printed comes before the error */
		return report_failure(cli, r);
	}
	/* stdout is checked: a command whose output could not be written (>/dev/full) failed. */
	if (fflush(cli->out) != 0 || ferror(cli->out))
		return report_failure(
			cli, tn_error_errno(&cli->err, errno ? errno : EIO, "cannot write output"));
	tn_cli_log(cli, "debug", "exit status %d", r > 0 ? r : TN_EXIT_OK);
	return r > 0 ? r : TN_EXIT_OK;
}
