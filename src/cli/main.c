/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tenant's entry point: the top-level command table and the global options. Everything else
 * lives in one cmd-*.c file per command family.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cli-doc.h"
#include "cli-log.h"
#include "cli.h"
#include "commands.h"
#include "version.h"
#include "banned.h"

enum {
	GLOBAL_SUBUID,
	GLOBAL_SUBGID,
	GLOBAL_VERSION,
	GLOBAL_ROOT,
	GLOBAL_LOG,
	GLOBAL_LOG_FORMAT,
	GLOBAL_DEBUG,
	GLOBAL_SYSTEMD_CGROUP,
	GLOBAL_CGROUP_MANAGER,
	GLOBAL_ROOTLESS,
};

static const struct tn_cli_option global_options[] = {
	[GLOBAL_SUBUID] = { "subuid", 0, "FILE",
			    "read subordinate UIDs from FILE (default /etc/subuid)" },
	[GLOBAL_SUBGID] = { "subgid", 0, "FILE",
			    "read subordinate GIDs from FILE (default /etc/subgid)" },
	[GLOBAL_VERSION] = { "version", 'v', NULL, "print the version and exit" },
	[GLOBAL_ROOT] = { "root", 0, "DIR",
			  "container state (default /run/tenant as root, $XDG_RUNTIME_DIR/tenant "
			  "otherwise)" },
	[GLOBAL_LOG] = { "log", 0, "FILE", "also write errors to FILE (as runc)" },
	[GLOBAL_LOG_FORMAT] = { "log-format", 0, "text|json", "the format of --log" },
	[GLOBAL_DEBUG] = { "debug", 0, NULL, "log more" },
	[GLOBAL_SYSTEMD_CGROUP] = { "systemd-cgroup", 0, NULL, "same as --cgroup-manager systemd" },
	[GLOBAL_CGROUP_MANAGER] = { "cgroup-manager", 0, "MANAGER",
				    "cgroupfs, systemd or disabled (as crun)" },
	[GLOBAL_ROOTLESS] = { "rootless", 0, "auto|true|false",
			      "accepted for runc compatibility: tenant detects it" },
	{ 0 },
};

static int print_version(struct tn_cli *cli)
{
	fprintf(cli->out, "tenant version %s\ncommit: %s\nspec: %s\n", TENANT_VERSION,
		TENANT_COMMIT, TENANT_OCI_SPEC_VERSION);
	return 1;
}

static int apply_oci_globals(struct tn_cli *cli, const struct tn_cli_args *a)
{
	const char *fmt = a->value[GLOBAL_LOG_FORMAT], *mgr = a->value[GLOBAL_CGROUP_MANAGER];
	int r;

	cli->oci.root = a->value[GLOBAL_ROOT];
	cli->oci.log = a->value[GLOBAL_LOG];
	cli->oci.debug = tn_cli_has(a, GLOBAL_DEBUG);
	if (fmt && strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0)
		return tn_cli_usage(cli, "--log-format: '%s' is not text or json", fmt);
	cli->oci.log_json = fmt && strcmp(fmt, "json") == 0;
	r = tn_cli_log_open(cli);
	if (r < 0)
		return r;
	tn_cli_log_command(cli);
	if (tn_cli_has(a, GLOBAL_SYSTEMD_CGROUP))
		mgr = mgr ? mgr : "systemd";
	if (mgr && strcmp(mgr, "cgroupfs") != 0 && strcmp(mgr, "systemd") != 0 &&
	    strcmp(mgr, "disabled") != 0)
		return tn_cli_usage(
			cli, "--cgroup-manager: '%s' is not cgroupfs, systemd or disabled", mgr);
	cli->oci.cgroup_manager = mgr ? mgr : "cgroupfs";
	if (cli->oci.root && cli->oci.root[0] == '\0')
		return tn_cli_usage(cli, "--root needs a directory");
	return 0;
}

static int apply_globals(struct tn_cli *cli, const struct tn_cli_args *a)
{
	if (tn_cli_has(a, GLOBAL_VERSION))
		return print_version(cli);
	if (tn_cli_has(a, GLOBAL_SUBUID)) {
		cli->subid.path[TN_SUBUID] = a->value[GLOBAL_SUBUID];
		cli->subid.explicit_path[TN_SUBUID] = true;
	}
	if (tn_cli_has(a, GLOBAL_SUBGID)) {
		cli->subid.path[TN_SUBGID] = a->value[GLOBAL_SUBGID];
		cli->subid.explicit_path[TN_SUBGID] = true;
	}
	if (cli->subid.path[TN_SUBUID][0] == '\0' || cli->subid.path[TN_SUBGID][0] == '\0')
		return tn_cli_usage(cli, "--subuid and --subgid need a file name");
	return apply_oci_globals(cli, a);
}

static int cmd_help(struct tn_cli *cli, const struct tn_cli_args *a);
static struct tn_command root;

enum { HELP_MAN, HELP_COMPLETION, HELP_DATE };

static const struct tn_cli_option help_options[] = {
	[HELP_MAN] = { "man", 0, "DIR",
		       "write the manual pages (tenant.1, tenant-create.1...) to DIR" },
	[HELP_COMPLETION] = { "completion", 0, NULL, "print a bash completion script" },
	[HELP_DATE] = { "date", 0, "DATE", "the date on the manual pages (default: today)" },
	{ 0 },
};

static const struct tn_command top_commands[] = {
	{
		.name = "subid",
		.summary =
			"read, check and allocate subordinate ID ranges (/etc/subuid, /etc/subgid)",
		.subcommands = tn_subid_commands,
	},
	{
		.name = "unshare",
		.args_help = " [--] [COMMAND [ARGS...]]",
		.summary = "run a command in a new user namespace with your subordinate IDs mapped",
		.description = tn_unshare_description,
		.options = tn_unshare_options,
		.max_args = -1,
		.stop_at_args = true,
		.run = tn_cmd_unshare,
	},
	{
		.name = "check",
		.summary = "check what running containers in user namespaces needs, with the fixes",
		.description = tn_check_description,
		.options = tn_check_options,
		.run = tn_cmd_check,
	},
	{
		.name = "shift",
		.args_help = " ROOTFS",
		.summary = "shift the owners of a tree to a container's map, in place (chown)",
		.description = tn_shift_description,
		.options = tn_shift_options,
		.min_args = 1,
		.max_args = 1,
		.run = tn_cmd_shift,
	},
	{
		.name = "idmap",
		.summary = "show the uid_map and gid_map plans of user namespaces",
		.subcommands = tn_idmap_commands,
	},
	{
		.name = "help",
		.args_help = " [COMMAND...]",
		.summary = "show the help of tenant or of a command",
		.options = help_options,
		.max_args = -1,
		.run = cmd_help,
	},
	{ 0 },
};

/* The top level; its subcommands are assembled by main() (assemble_commands). */
static struct tn_command root = {
	.name = "tenant",
	.summary = "tenant: containers whose root is nobody on the host",
	.description = "A container runtime and toolkit built around Linux user namespaces.",
	.options = global_options,
	.run = apply_globals,
};

static size_t count_commands(const struct tn_command *c)
{
	size_t n = 0;

	while (c[n].name)
		n++;
	return n;
}

/* The OCI verbs (create, start, run...) first, then tenant's own commands, in one table as
 * long as both (all-zero row last). */
static struct tn_command *assemble_commands(void)
{
	size_t n_oci = count_commands(tn_oci_commands), n_top = count_commands(top_commands);
	struct tn_command *all = calloc(n_oci + n_top + 1, sizeof(*all));

	if (!all)
		return NULL;
	memcpy(all, tn_oci_commands, n_oci * sizeof(*all));
	memcpy(all + n_oci, top_commands, n_top * sizeof(*all));
	return all;
}

/* `tenant help subid add` is `tenant subid add --help`. */
static int cmd_help(struct tn_cli *cli, const struct tn_cli_args *a)
{
	char *argv[10] = { (char *)"tenant" }, date[32];
	int n = 1;

	if (tn_cli_has(a, HELP_COMPLETION)) {
		tn_cli_completion(cli->out, &root);
		return 0;
	}
	if (tn_cli_has(a, HELP_MAN)) {
		time_t now = time(NULL);
		int r;

		strftime(date, sizeof(date), "%Y-%m-%d", gmtime(&now));
		r = tn_cli_man(&root, a->value[HELP_MAN],
			       tn_cli_has(a, HELP_DATE) ? a->value[HELP_DATE] : date);
		return r < 0 ? tn_error_errno(&cli->err, -r, "cannot write the manual pages to %s",
					      a->value[HELP_MAN])
			     : 0;
	}

	for (int i = 0; i < a->n_pos && n < 8; i++)
		argv[n++] = a->pos[i];
	argv[n++] = (char *)"--help";
	return tn_cli_dispatch(cli, n, argv);
}

int main(int argc, char **argv)
{
	struct tn_cli cli = {
		.prog = "tenant", .root = &root, .out = stdout, .errf = stderr, .oci.log_fd = -1
	};
	/* Parsing reorders argv in place: a copy of the pointers, as they came, for a re-exec. */
	_cleanup_free_ char **argv_copy = calloc((size_t)argc + 1, sizeof(*argv_copy));
	_cleanup_free_ struct tn_command *all = assemble_commands();
	int r;

	if (argv_copy)
		memcpy(argv_copy, argv, (size_t)argc * sizeof(*argv_copy));
	cli.argv = argv_copy;
	/* No setlocale(): the C locale, as runc's messages and Go's number formatting are, whatever
	 * LANG says. Translated strerror() text, a decimal comma in JSON or a Turkish toupper()
	 * would break what engines parse, and loading the locale's files costs every start. */
	if (!all) {
		fprintf(stderr, "tenant: %s\n", strerror(ENOMEM));
		return TN_EXIT_FAILURE;
	}
	root.subcommands = all;
	tn_subid_source_default(&cli.subid);
	r = tn_cli_main(&cli, argc, argv);
	tn_error_free(cli.err);
	return r;
}
