/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The table-driven command line: `tenant [global options] COMMAND [SUBCOMMAND] [options] [args]`.
 *
 * Each command is a row of a table: its name, positional-argument bounds, options, help text and
 * the function that runs it. cli.c does everything generic once: finding the command (with "did
 * you mean" for a typo), parsing options with getopt_long, `--help`, checking the number of
 * arguments, and mapping the outcome to an exit status. A command's function only acts.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "subid.h"

enum {
	TN_EXIT_OK = 0,
	TN_EXIT_FAILURE = 1,
	TN_EXIT_USAGE = 2,
	TN_EXIT_EXEC_FAILED = 255, /* as runc exec: its own failure, not the process's status */
};

struct tn_cli_option {
	const char *name; /* long name, without "--" */
	char short_name;  /* 0 when there is none */
	const char *arg;  /* name of the value in help ("N"); NULL for a flag */
	const char *help;
};

/* Parsed values, indexed like the command's option table (as many as it has: no limit). */
struct tn_cli_args {
	const char **value; /* last value given; "" for a flag that was set */
	const char ***all;  /* every value of a repeated option, in order */
	size_t *n_all;
	int n_options;
	char **pos; /* positional arguments, NULL-terminated (an argv for exec) */
	int n_pos;
};

struct tn_cli;

/* What a command needs set up before it runs (tn_cli_dispatch does it, once, for every command). */

struct tn_command {
	const char *name;
	const char *args_help;		      /* "[USER]", shown in the usage line */
	const char *summary;		      /* one line, for command lists */
	const char *description;	      /* paragraphs for --help; may be NULL */
	const struct tn_cli_option *options;  /* terminated by an all-zero row; may be NULL */
	const struct tn_command *subcommands; /* terminated by an all-zero row; may be NULL */
	int min_args;
	int max_args;	   /* -1: no limit */
	bool stop_at_args; /* options end at the first argument: COMMAND [ARGS...] follows */
	int (*run)(struct tn_cli *cli, const struct tn_cli_args *args);
};

/* The runc-compatible global options. */
struct tn_oci_globals {
	const char *root; /* --root; NULL: the default (tn_state_root_default) */
	const char *log; /* --log FILE: errors, warnings (and debug lines) are also written there */
	int log_fd;	 /* --log FILE, open for appending; -1 */
	bool log_json;	 /* --log-format json */
	bool debug;
	const char *cgroup_manager; /* cgroupfs, systemd, disabled */
};

/* What every command may use: the global options and the one error slot. */
struct tn_cli {
	const char *prog;
	char **argv; /* main()'s argv as it came: tenant runs again from a sealed copy with it */
	const struct tn_command *root; /* the top-level table, as a command with subcommands */
	struct tn_subid_source subid;
	struct tn_oci_globals oci;
	struct tn_error *err;
	bool usage_error; /* the error in `err` is about how tenant was called: exit 2 */
	int exit_status;  /* when set, the exit status of a failure instead of 1 (127: not found) */
	FILE *out;
	FILE *errf;
};

/* Run the command line against the command table; returns the process exit status. */
int tn_cli_main(struct tn_cli *cli, int argc, char **argv);

/* Find and run the command of argv (argv[0] is the program); 0 or -errno with cli->err set. */
int tn_cli_dispatch(struct tn_cli *cli, int argc, char **argv);

/* For a command's run(): report a usage error (exit 2) about option or argument values. */
int tn_cli_usage(struct tn_cli *cli, const char *fmt, ...) _printf_(2, 3);

/* Whether the option at `index` of the command's table was given. */
static inline bool tn_cli_has(const struct tn_cli_args *a, int index)
{
	return index >= 0 && index < a->n_options && a->value[index] != NULL;
}

/* The container state root: --root, or the default (NULL when out of memory; *buf is freed by
 * the caller). Shared by the OCI verbs and `idmap show|translate ID`. */
const char *tn_cli_state_root(struct tn_cli *cli, char **buf);

/* Print a warning to stderr in the one format the CLI uses. */
void tn_cli_warn(struct tn_cli *cli, const char *fmt, ...) _printf_(2, 3);

/* The edit distance used for "did you mean" (Damerau-Levenshtein, optimal string alignment). */
int tn_edit_distance(const char *a, const char *b);
