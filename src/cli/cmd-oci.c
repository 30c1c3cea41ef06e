/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI runtime verbs, with runc's and crun's command line: create, start, run, state, kill,
 * delete, list, spec. Each resolves its arguments and calls src/lib/container*.c once.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cli.h"
#include "cli-log.h"
#include "commands.h"
#include "container-list.h"
#include "container.h"
#include "forward.h"
#include "fs.h"
#include "json-writer.h"
#include "oci-config.h"
#include "oci-features.h"
#include "version.h"
#include "oci-spec.h"
#include "oci-state.h"
#include "parse.h"
#include "userns-pool.h"
#include "banned.h"

#define ROOT_OR_FAIL(cli, var)                                                                     \
	_cleanup_free_ char *var##_buf = NULL;                                                     \
	const char *var = tn_cli_state_root(cli, &var##_buf);                                      \
	if (!var)                                                                                  \
	return -ENOMEM

/* ---- create / run ---- */

enum {
	CREATE_BUNDLE,
	CREATE_PID_FILE,
	CREATE_CONSOLE_SOCKET,
	CREATE_NO_PIVOT,
	CREATE_PRESERVE_FDS,
	CREATE_CONFIG,
	CREATE_NO_NEW_KEYRING,
	CREATE_USERNS,
	RUN_DETACH,
	RUN_KEEP,
	RUN_NO_SUBREAPER,
};

#define CREATE_OPTIONS                                                                             \
	[CREATE_BUNDLE] = { "bundle", 'b', "DIR",                                                  \
			    "the bundle directory (default: the current one)" },                   \
	[CREATE_PID_FILE] = { "pid-file", 0, "FILE", "write the container's PID to FILE" },        \
	[CREATE_CONSOLE_SOCKET] = { "console-socket", 0, "PATH",                                   \
				    "a unix socket that receives the terminal's master fd" },      \
	[CREATE_NO_PIVOT] = { "no-pivot", 0, NULL,                                                 \
			      "move the root with MS_MOVE and chroot instead of pivot_root" },     \
	[CREATE_PRESERVE_FDS] = { "preserve-fds", 0, "N",                                          \
				  "pass N more file descriptors (from fd 3) to the process" },     \
	[CREATE_CONFIG] = { "config", 0, "FILE",                                                   \
			    "config.json to use (default: BUNDLE/config.json)" },                  \
	[CREATE_NO_NEW_KEYRING] = { "no-new-keyring", 0, NULL,                                     \
				    "accepted for runc compatibility" },                           \
	[CREATE_USERNS] = {                                                                        \
		"userns", 0, "MODE",                                                               \
		"auto[:size=N] (a range of its own), auto:size=image (exactly the IDs the "        \
		"rootfs uses), remap, keep-id, host; the annotation run.tenant.userns wins, "      \
		"explicit mappings win over both"                                                  \
	}

static const struct tn_cli_option create_options[] = {
	CREATE_OPTIONS,
	{ 0 },
};

static const struct tn_cli_option run_options[] = {
	CREATE_OPTIONS,
	[RUN_DETACH] = { "detach", 'd', NULL, "return once the container has started" },
	[RUN_KEEP] = { "keep", 0, NULL,
		       "do not delete the container after its process exits (it stays stopped)" },
	[RUN_NO_SUBREAPER] = { "no-subreaper", 0, NULL, "accepted for runc compatibility" },
	{ 0 },
};

static int create_opts(struct tn_cli *cli, const struct tn_cli_args *a, const char *root,
		       struct tn_container_opts *o)
{
	uint32_t n = 0;
	int r;

	*o = (struct tn_container_opts){
		.root = root,
		.id = a->pos[0],
		.bundle = a->value[CREATE_BUNDLE],
		.config_path = a->value[CREATE_CONFIG],
		.pid_file = a->value[CREATE_PID_FILE],
		.console_socket = a->value[CREATE_CONSOLE_SOCKET],
		.no_pivot = tn_cli_has(a, CREATE_NO_PIVOT),
		.subid = &cli->subid,
		.argv = cli->argv,
		.no_cgroup =
			cli->oci.cgroup_manager && strcmp(cli->oci.cgroup_manager, "disabled") == 0,
		.systemd_cgroup =
			cli->oci.cgroup_manager && strcmp(cli->oci.cgroup_manager, "systemd") == 0,
	};
	r = tn_userns_mode_parse(a->value[CREATE_USERNS], &o->userns_mode, &cli->err);
	if (r < 0)
		return r;
	if (tn_cli_has(a, CREATE_PRESERVE_FDS) &&
	    tn_parse_u32(a->value[CREATE_PRESERVE_FDS], &n) < 0)
		return tn_cli_usage(cli, "--preserve-fds: '%s' is not a number",
				    a->value[CREATE_PRESERVE_FDS]);
	o->preserve_fds = n;
	return tn_container_preserved_fds_check(n, &cli->err);
}

/* What create has to say: ranges it added, the rootfs report, --debug notes (said once). */
static void report_create(struct tn_cli *cli, const struct tn_container *c)
{
	if (c->remap_account_added)
		fprintf(cli->errf, "%s: created the remap user %s of --userns remap (useradd)\n",
			cli->prog, c->remap_user);
	if (c->remap_added)
		fprintf(cli->errf,
			"%s: gave the remap user %s of --userns remap its ranges in "
			"/etc/subuid and /etc/subgid\n",
			cli->prog, c->remap_user);
	if (c->pool_added)
		fprintf(cli->errf,
			"%s: created the ID pool of --userns auto: ranges of \"tenant\" in "
			"/etc/subuid and /etc/subgid\n",
			cli->prog);
	if (c->registry_recovered) {
		_cleanup_free_ char *reg = tn_pool_registry_path();

		tn_cli_warn(cli,
			    "the registry of --userns auto ranges %s was damaged: it is kept as "
			    "%s.damaged, and a new one was built from the user namespaces that run",
			    reg ? reg : "", reg ? reg : "");
	}
	if (c->cgroup_busy) /* runc 1.1's words: containerd and CRI-O users know them */
		tn_cli_warn(cli, "container's cgroup is not empty: %zu process(es) found",
			    c->cgroup_busy);
	if (c->warning && c->warning_quiet && !isatty(fileno(cli->errf))) {
		/* An engine's maps: runc prints nothing on success, its callers read stderr */
		if (c->warning->hint)
			tn_cli_log(cli, "warning", "%s (hint: %s)", c->warning->message,
				   c->warning->hint);
		else
			tn_cli_log(cli, "warning", "%s", c->warning->message);
	} else if (c->warning) {
		tn_cli_warn(cli, "%s", c->warning->message);
		if (c->warning->hint)
			fprintf(cli->errf, "hint: %s\n", c->warning->hint);
	}
	if (c->cgroup_warning) {
		tn_cli_warn(cli, "%s", c->cgroup_warning->message);
		if (c->cgroup_warning->hint)
			fprintf(cli->errf, "hint: %s\n", c->cgroup_warning->hint);
	}

	if (cli->oci.debug && c->no_cgroup)
		fprintf(cli->errf,
			"%s: debug: no cgroup: none is delegated to UID %u here, so "
			"linux.resources are not applied\n",
			cli->prog, (unsigned)getuid());
}

/*
 * As runc: a signal sent to tenant while it creates a container (SIGTERM from a timeout, ^C) does
 * not stop it half-way, which would leave the container half made; it is held until create has
 * finished, then dropped (tn_forward_end). The container's process gets no signal blocked and
 * each at its default action (container-process.c), as runc's does.
 */
static int create_holding_signals(struct tn_cli *cli, struct tn_container_opts *o,
				  struct tn_container *c, struct tn_forward *fwd)
{
	int r = tn_forward_begin(fwd);

	if (r < 0)
		return tn_error_errno(&cli->err, -r, "cannot hold signals during create");
	o->sigmask = &fwd->old_mask;
	return tn_container_create(o, c, &cli->err);
}

static int cmd_create(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(tn_forward_end) struct tn_forward fwd = { .fd = -1 };
	_cleanup_(tn_container_done) struct tn_container c = { 0 };
	struct tn_container_opts o;
	int r;
	ROOT_OR_FAIL(cli, root);

	r = create_opts(cli, a, root, &o);
	if (r < 0)
		return r;
	r = create_holding_signals(cli, &o, &c, &fwd);
	if (r < 0)
		return r;
	report_create(cli, &c);
	return 0;
}

/* Print a hook's warning (poststart, poststop) once, and drop it. */
static void warn_hook(struct tn_cli *cli, struct tn_error **warn)
{
	if (*warn)
		tn_cli_warn(cli, "%s", (*warn)->message ? (*warn)->message : "a hook failed");
	tn_error_free(*warn);
	*warn = NULL;
}

static int cmd_start(struct tn_cli *cli, const struct tn_cli_args *a)
{
	struct tn_error *warn = NULL;
	int r;
	ROOT_OR_FAIL(cli, root);

	r = tn_container_start(root, a->pos[0], &cli->err, &warn);
	warn_hook(cli, &warn);
	return r;
}

/*
 * process.terminal without --console-socket, as runc: tenant relays the terminal between its
 * stdio and the container's (tty-relay.h) when it has a terminal of its own; *ret_fd is the end
 * of the relay's socket that create or exec sends the terminal on. Without a terminal of
 * tenant's, nothing: create and exec refuse process.terminal then.
 */
static int relay_prepare(struct tn_cli *cli, const char *console_socket, struct tn_relay *relay,
			 int *ret_fd)
{
	int r;

	if (console_socket)
		return 0;
	r = tn_relay_prepare(relay);
	if (r == -ENXIO)
		return 0;
	if (r < 0)
		return tn_error_errno(&cli->err, -r, "cannot set up the terminal's relay");
	*ret_fd = relay->sock[1];
	return 0;
}

/* Once the terminal was sent (if it was): relay it while waiting. */
static int relay_receive(struct tn_cli *cli, struct tn_forward *fwd, struct tn_relay *relay)
{
	int r = tn_relay_receive(relay, &cli->err);

	if (r > 0)
		fwd->relay = relay;
	return r < 0 ? r : 0;
}

/* Start a created container (its state loaded into *s, once for start and delete) and wait for
 * its process; *ret_status is how it ended. */
static int start_and_wait(struct tn_cli *cli, const struct tn_container_opts *o,
			  struct tn_forward *fwd, struct tn_relay *relay,
			  const struct tn_container *c, struct tn_state *s, int *ret_status)
{
	_cleanup_close_ int start_fd = TAKE_FD(*o->start_fd);
	struct tn_error *warn = NULL;
	int r;

	r = relay_receive(cli, fwd, relay);
	if (r < 0)
		return r;
	/* The state create wrote, not read back: its liveness is checked as a load's is. */
	r = tn_state_from_text(o->root, o->id, c->state_text, strlen(c->state_text), s, &cli->err);
	if (r < 0)
		return r;
	r = tn_container_start_loaded(o->root, s, &c->hooks, TAKE_FD(start_fd), &cli->err, &warn);
	warn_hook(cli, &warn);
	if (r < 0)
		return r;
	return tn_forward_wait(fwd, c->pid, ret_status);
}

/* run in the foreground: tenant is init's parent (subreaper) and ends as it ends; with `keep`
 * the container stays, stopped, until `delete`. */
static int run_foreground(struct tn_cli *cli, struct tn_container_opts *o, bool keep)
{
	_cleanup_(tn_relay_done) struct tn_relay relay = TN_RELAY_INIT;
	_cleanup_(tn_forward_end) struct tn_forward fwd = { .fd = -1 };
	_cleanup_(tn_container_done) struct tn_container c = { 0 };
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	_cleanup_close_ int start_fd = -1;
	struct tn_error *warn = NULL;
	int r, status = 0;

	r = tn_forward_begin(&fwd);
	if (r < 0)
		return tn_error_errno(&cli->err, -r, "cannot set up signal forwarding");
	o->foreground = true;
	o->sigmask = &fwd.old_mask;
	o->start_fd = &start_fd;
	fwd.child_session = true; /* init's: container-tty.c */
	r = relay_prepare(cli, o->console_socket, &relay, &o->console_fd);
	if (r < 0)
		return r;
	r = tn_container_create(o, &c, &cli->err);
	if (r < 0)
		return r;
	report_create(cli, &c);
	r = start_and_wait(cli, o, &fwd, &relay, &c, &s, &status);
	if (r < 0 && c.pid > 0) /* never 0: that would be tenant's own process group */
		kill(c.pid, SIGKILL);
	/* As runc run: the container goes when its process does (poststop hooks run), whether
	 * it started or not; not with --keep. Its process waited for, the state loaded for the
	 * start serves; else delete looks again. */
	if (!keep && (r >= 0 ? tn_container_delete_ended(o->root, &s, &c.hooks, NULL, &warn)
			     : tn_container_delete(o->root, o->id, true, NULL, &warn)) < 0)
		tn_container_remove_dir(c.state_dir);
	warn_hook(cli, &warn);
	if (r < 0)
		return r;
	/* As runc: a process killed by a signal is exit status 128 + the signal. */
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static int cmd_run(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(tn_forward_end) struct tn_forward fwd = { .fd = -1 };
	_cleanup_(tn_container_done) struct tn_container c = { 0 };
	struct tn_error *warn = NULL;
	struct tn_container_opts o;
	int r;
	ROOT_OR_FAIL(cli, root);

	r = create_opts(cli, a, root, &o);
	if (r < 0)
		return r;
	if (!tn_cli_has(a, RUN_DETACH))
		return run_foreground(cli, &o, tn_cli_has(a, RUN_KEEP));
	/* Held through start as well, as runc run -d holds them. */
	r = create_holding_signals(cli, &o, &c, &fwd);
	if (r < 0)
		return r;
	report_create(cli, &c);
	r = tn_container_start(root, o.id, &cli->err, &warn);
	warn_hook(cli, &warn);
	if (r < 0) /* as runc run -d: a container that did not start is not left behind */
		tn_container_delete(root, o.id, true, NULL, NULL);
	return r;
}

/* ---- state / list ---- */

static int cmd_state(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_free_ char *json = NULL;
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r;
	ROOT_OR_FAIL(cli, root);

	r = tn_state_load(root, a->pos[0], &s, &cli->err);
	if (r < 0)
		return r;
	r = tn_state_to_json(&s, TN_OCI_VERSION, &json);
	if (r < 0)
		return r;
	fprintf(cli->out, "%s", json);
	return 0;
}

/* ---- kill / delete ---- */

/* "TERM", "SIGTERM", "15", "RTMIN+3" */
static int parse_signal(const char *s, int *ret)
{
	uint32_t n;

	/* 0 too, as runc: `kill ID 0` checks that the container's process is alive. */
	if (tn_parse_u32(s, &n) == 0 && n < (uint32_t)NSIG) {
		*ret = (int)n;
		return 0;
	}
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *abbrev = sigabbrev_np(sig);

		if (abbrev && strcasecmp(abbrev, s) == 0) {
			*ret = sig;
			return 0;
		}
	}
	if (strncasecmp(s, "RTMIN", 5) == 0) {
		n = 0;
		if ((s[5] == '\0' || (s[5] == '+' && tn_parse_u32(s + 6, &n) == 0)) &&
		    SIGRTMIN + (int)n <= SIGRTMAX) {
			*ret = SIGRTMIN + (int)n;
			return 0;
		}
	}
	return -EINVAL;
}

enum { KILL_ALL };

static const struct tn_cli_option kill_options[] = {
	[KILL_ALL] = { "all", 'a', NULL, "signal every process of the container" },
	{ 0 },
};

static int cmd_kill(struct tn_cli *cli, const struct tn_cli_args *a)
{
	int sig = SIGTERM, r;
	ROOT_OR_FAIL(cli, root);

	/* As runc: an unknown signal is an error of kill's (exit 1), not of its usage. */
	if (a->n_pos > 1 && parse_signal(a->pos[1], &sig) < 0) {
		r = tn_error_set(&cli->err, EINVAL, "unknown signal '%s'", a->pos[1]);
		return tn_error_hint(&cli->err, r,
				     "give a name like TERM, SIGKILL or RTMIN+3, or a "
				     "number");
	}
	return tn_container_kill(root, a->pos[0], sig, tn_cli_has(a, KILL_ALL), &cli->err);
}

enum { DELETE_FORCE };

static const struct tn_cli_option delete_options[] = {
	[DELETE_FORCE] = { "force", 'f', NULL, "kill a running container first" },
	{ 0 },
};

static int cmd_delete(struct tn_cli *cli, const struct tn_cli_args *a)
{
	struct tn_error *warn = NULL;
	int r;
	ROOT_OR_FAIL(cli, root);

	r = tn_container_delete(root, a->pos[0], tn_cli_has(a, DELETE_FORCE), &cli->err, &warn);
	warn_hook(cli, &warn);
	return r;
}

/* ---- exec ---- */

enum {
	EXEC_PROCESS,
	EXEC_TTY,
	EXEC_CONSOLE_SOCKET,
	EXEC_DETACH,
	EXEC_PID_FILE,
	EXEC_CWD,
	EXEC_ENV,
	EXEC_USER,
	EXEC_CAP,
	EXEC_NO_NEW_PRIVS,
	EXEC_PRESERVE_FDS,
	EXEC_ADDITIONAL_GIDS,
	EXEC_PROCESS_LABEL,
	EXEC_APPARMOR,
	EXEC_CGROUP,
	EXEC_IGNORE_PAUSED,
};

static const struct tn_cli_option exec_options[] = {
	[EXEC_PROCESS] = { "process", 'p', "FILE", "the process as JSON (config.json's process)" },
	[EXEC_TTY] = { "tty", 't', NULL, "give the process a terminal" },
	[EXEC_CONSOLE_SOCKET] = { "console-socket", 0, "PATH", "send the terminal's master there" },
	[EXEC_DETACH] = { "detach", 'd', NULL, "do not wait for the process" },
	[EXEC_PID_FILE] = { "pid-file", 0, "FILE", "write the process's PID to FILE" },
	[EXEC_CWD] = { "cwd", 0, "DIR", "the working directory" },
	[EXEC_ENV] = { "env", 'e', "KEY=VALUE", "set a variable (repeatable)" },
	[EXEC_USER] = { "user", 'u', "UID[:GID]", "run as this user" },
	[EXEC_CAP] = { "cap", 'c', "CAP", "add a capability (repeatable)" },
	[EXEC_NO_NEW_PRIVS] = { "no-new-privs", 0, NULL, "set no_new_privs" },
	[EXEC_PRESERVE_FDS] = { "preserve-fds", 0, "N",
				"pass N more file descriptors (from fd 3)" },
	[EXEC_ADDITIONAL_GIDS] = { "additional-gids", 'g', "GID",
				   "add a supplementary group (repeatable)" },
	[EXEC_PROCESS_LABEL] = { "process-label", 0, "LABEL", "the process's SELinux label" },
	[EXEC_APPARMOR] = { "apparmor", 0, "PROFILE", "the process's AppArmor profile" },
	[EXEC_CGROUP] = { "cgroup", 0, "[CONTROLLER[,...]:]PATH",
			  "run in this existing sub-cgroup of the container's (repeatable)" },
	[EXEC_IGNORE_PAUSED] = { "ignore-paused", 0, NULL, "exec in a paused container too" },
	{ 0 },
};

/* A NULL-terminated copy of a repeated option's values (the pointers, not the strings). */
static char **values(const struct tn_cli_args *a, int opt)
{
	char **v;

	if (!a->n_all[opt])
		return NULL;
	v = calloc(a->n_all[opt] + 1, sizeof(*v));
	for (size_t i = 0; v && i < a->n_all[opt]; i++)
		v[i] = (char *)a->all[opt][i];
	return v;
}

static int exec_wait(struct tn_cli *cli, struct tn_forward *fwd, struct tn_relay *relay, pid_t pid)
{
	int status = 0, r = relay_receive(cli, fwd, relay);

	if (r < 0) {
		kill(pid, SIGKILL);
		(void)RETRY_EINTR(waitpid(pid, NULL, 0));
		return r;
	}
	r = tn_forward_wait(fwd, pid, &status);
	if (r < 0)
		return tn_error_errno(&cli->err, -r, "cannot wait for the process");
	return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* --additional-gids, each a GID (4294967295 is none), into gids (as many as given). */
static int exec_gids(struct tn_cli *cli, const struct tn_cli_args *a, uint32_t *gids)
{
	for (size_t i = 0; i < a->n_all[EXEC_ADDITIONAL_GIDS]; i++)
		if (tn_parse_u32(a->all[EXEC_ADDITIONAL_GIDS][i], &gids[i]) < 0 ||
		    gids[i] == UINT32_MAX)
			return tn_cli_usage(cli, "--additional-gids: '%s' is not a group ID",
					    a->all[EXEC_ADDITIONAL_GIDS][i]);
	return 0;
}

/* The options of exec; env, caps, cgroups are the repeated --env, --cap and --cgroup values,
 * gids room for the --additional-gids. */
static int exec_opts(struct tn_cli *cli, const struct tn_cli_args *a, const char *root,
		     char **const v[3], uint32_t *gids, struct tn_exec_opts *o)
{
	uint32_t n = 0;
	int r;

	if (tn_cli_has(a, EXEC_PRESERVE_FDS) && tn_parse_u32(a->value[EXEC_PRESERVE_FDS], &n) < 0)
		return tn_cli_usage(cli, "--preserve-fds: '%s' is not a number",
				    a->value[EXEC_PRESERVE_FDS]);
	r = exec_gids(cli, a, gids);
	if (r < 0)
		return r;
	*o = (struct tn_exec_opts){
		.argv = cli->argv,
		.root = root,
		.id = a->pos[0],
		.process_path = a->value[EXEC_PROCESS],
		.args = a->pos + 1,
		.tty = tn_cli_has(a, EXEC_TTY),
		.console_socket = a->value[EXEC_CONSOLE_SOCKET],
		.detach = tn_cli_has(a, EXEC_DETACH),
		.pid_file = a->value[EXEC_PID_FILE],
		.cwd = a->value[EXEC_CWD],
		.env = v[0],
		.user = a->value[EXEC_USER],
		.caps = v[1],
		.no_new_privs = tn_cli_has(a, EXEC_NO_NEW_PRIVS),
		.preserve_fds = n,
		.additional_gids = gids,
		.n_additional_gids = a->n_all[EXEC_ADDITIONAL_GIDS],
		.selinux_label = a->value[EXEC_PROCESS_LABEL],
		.apparmor_profile = a->value[EXEC_APPARMOR],
		.cgroups = v[2],
		.ignore_paused = tn_cli_has(a, EXEC_IGNORE_PAUSED),
	};
	if (!o->process_path && a->n_pos < 2) {
		r = tn_error_set(&cli->err, EINVAL, "exec needs a COMMAND or --process FILE");
		return tn_error_hint(&cli->err, r, "tenant exec ID COMMAND [ARGS...]");
	}
	return tn_container_preserved_fds_check(n, &cli->err);
}

static int exec_main(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_free_ char **env = values(a, EXEC_ENV), **caps = values(a, EXEC_CAP),
			    **cgroups = values(a, EXEC_CGROUP);
	_cleanup_free_ uint32_t *gids = calloc(a->n_all[EXEC_ADDITIONAL_GIDS] + 1, sizeof(*gids));
	_cleanup_(tn_relay_done) struct tn_relay relay = TN_RELAY_INIT;
	_cleanup_(tn_forward_end) struct tn_forward fwd = { .fd = -1 };
	struct tn_exec_opts o;
	bool in_child = false;
	pid_t pid;
	int r;
	ROOT_OR_FAIL(cli, root);

	if (!gids)
		return -ENOMEM;
	r = exec_opts(cli, a, root, (char **const[3]){ env, caps, cgroups }, gids, &o);
	if (r < 0)
		return r;
	if (!o.detach) {
		r = tn_forward_begin(&fwd);
		if (r < 0)
			return tn_error_errno(&cli->err, -r, "cannot set up signal forwarding");
		o.sigmask = &fwd.old_mask;
		fwd.child_session = true;
		r = relay_prepare(cli, o.console_socket, &relay, &o.console_fd);
		if (r < 0)
			return r;
	}
	r = tn_container_exec_process(&o, &pid, &in_child, &cli->err);
	if (r < 0)
		return r;
	if (o.detach)
		return 0;
	return exec_wait(cli, &fwd, &relay, pid);
}

/* As runc: exec's own failures, the program's included (not found, not executable), exit 255,
 * which a caller tells from any status of the process; a command line it cannot parse is a
 * usage error still. */
static int cmd_exec(struct tn_cli *cli, const struct tn_cli_args *a)
{
	int r = exec_main(cli, a);

	if (r < 0)
		cli->exit_status = TN_EXIT_EXEC_FAILED;
	return r;
}

/* ---- pause / resume / ps ---- */

static int cmd_pause(struct tn_cli *cli, const struct tn_cli_args *a)
{
	ROOT_OR_FAIL(cli, root);
	return tn_container_freeze(root, a->pos[0], true, &cli->err);
}

static int cmd_resume(struct tn_cli *cli, const struct tn_cli_args *a)
{
	ROOT_OR_FAIL(cli, root);
	return tn_container_freeze(root, a->pos[0], false, &cli->err);
}

/* ---- features ---- */

static int cmd_features(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	int r;

	(void)a;
	r = tn_oci_features(TENANT_VERSION, &b);
	if (r < 0)
		return r;
	fprintf(cli->out, "%s\n", b.data);
	return 0;
}

/* ---- spec ---- */

enum { SPEC_ROOTLESS, SPEC_BUNDLE };

static const struct tn_cli_option spec_options[] = {
	[SPEC_ROOTLESS] = { "rootless", 0, NULL, "a config for running without root" },
	[SPEC_BUNDLE] = { "bundle", 'b', "DIR", "write DIR/config.json (default: ./config.json)" },
	{ 0 },
};

static int cmd_spec(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	_cleanup_close_ int fd = -1;
	const char *dir = a->value[SPEC_BUNDLE] ? a->value[SPEC_BUNDLE] : ".";
	int r;

	if (asprintf(&path, "%s/config.json", dir) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	r = tn_oci_spec_default(tn_cli_has(a, SPEC_ROOTLESS), getuid(), getgid(), &b);
	if (r < 0)
		return r;
	tn_buf_putc(&b, '\n');
	/* As runc: an existing config.json is never overwritten. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return tn_error_errno(&cli->err, errno, "cannot create %s", path);
	r = tn_write_all(fd, b.data, b.len);
	if (r < 0)
		return tn_error_errno(&cli->err, -r, "cannot write %s", path);
	/* Closed here, not by scope: its error (a full NFS disk) is a write error. */
	if (close(TAKE_FD(fd)) < 0)
		return tn_error_errno(&cli->err, errno, "cannot write %s", path);
	return 0;
}

const struct tn_command tn_oci_commands[] = {
	{
		.name = "create",
		.args_help = " ID",
		.summary = "create a container from a bundle; it waits for 'start'",
		.options = create_options,
		.min_args = 1,
		.max_args = 1,
		.run = cmd_create,
	},
	{
		.name = "start",
		.args_help = " ID",
		.summary = "run the process of a created container",
		.min_args = 1,
		.max_args = 1,
		.run = cmd_start,
	},
	{
		.name = "run",
		.args_help = " ID",
		.summary = "create and start a container; without --detach, wait for it and "
			   "return its exit status",
		.options = run_options,
		.min_args = 1,
		.max_args = 1,
		.run = cmd_run,
	},
	{
		.name = "state",
		.args_help = " ID",
		.summary = "print the state of a container as JSON",
		.min_args = 1,
		.max_args = 1,
		.run = cmd_state,
	},
	{
		.name = "kill",
		.args_help = " ID [SIGNAL]",
		.summary = "send a signal (default TERM) to a container",
		.options = kill_options,
		.min_args = 1,
		.max_args = 2,
		.run = cmd_kill,
	},
	{
		.name = "delete",
		.args_help = " ID",
		.summary = "remove a stopped container and everything it left",
		.options = delete_options,
		.min_args = 1,
		.max_args = 1,
		.run = cmd_delete,
	},
	{
		.name = "list",
		.summary = "list containers",
		.options = tn_list_options,
		.max_args = 0,
		.run = tn_cmd_list,
	},
	{
		.name = "exec",
		.args_help = " ID [COMMAND [ARGS...]]",
		.summary = "run a new process in a running container",
		.options = exec_options,
		.min_args = 1,
		.max_args = -1,
		.stop_at_args = true,
		.run = cmd_exec,
	},
	{
		.name = "events",
		.args_help = " ID",
		.summary = "print the container's statistics and OOM events as JSON",
		.options = tn_events_options,
		.min_args = 1,
		.max_args = 1,
		.run = tn_cmd_events,
	},
	{
		.name = "pause",
		.args_help = " ID",
		.summary = "freeze every process of a container (cgroup freezer)",
		.min_args = 1,
		.max_args = 1,
		.run = cmd_pause,
	},
	{
		.name = "resume",
		.args_help = " ID",
		.summary = "thaw a paused container",
		.min_args = 1,
		.max_args = 1,
		.run = cmd_resume,
	},
	{
		.name = "ps",
		.args_help = " ID [PS-ARGS...]",
		.summary = "list the processes of a container (ps -ef, or ps PS-ARGS, filtered)",
		.options = tn_ps_options,
		.min_args = 1,
		.max_args = -1,
		.stop_at_args = true,
		.run = tn_cmd_ps,
	},
	{
		.name = "update",
		.args_help = " ID",
		.summary = "change the resource limits of a running container",
		.options = tn_update_options,
		.min_args = 1,
		.max_args = 1,
		.run = tn_cmd_update,
	},
	{
		.name = "features",
		.summary = "print what this runtime supports, as JSON (runtime-spec features.md)",
		.max_args = 0,
		.run = cmd_features,
	},
	{
		.name = "spec",
		.summary = "write a default config.json (the same as runc's)",
		.options = spec_options,
		.max_args = 0,
		.run = cmd_spec,
	},
	{ 0 },
};
