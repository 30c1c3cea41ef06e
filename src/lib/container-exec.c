/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec`: a new process in a running container (container.h).
 *
 *	tenant (R) --fork--> P1: setns into every namespace of init that differs from tenant's,
 *	                         the user namespace first; fork (to be in the PID namespace)
 *	                         \--fork--> P2: terminal, credentials, capabilities, exec
 *	R learns P2's PID from P1; P2's exec closes its end of the socket (or sends the error).
 *
 * The process is the container's process from its config.json (kept in the state directory),
 * with what the command line changes, or --process FILE whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cgroup.h"
#include "container-internal.h"
#include "fs.h"
#include "oci-json.h"
#include "oci-state.h"
#include "parse.h"
#include "exe-seal.h"
#include "proc-ids.h"
#include "proc-stat.h"
#include "banned.h"

static const char *const ns_files[TN_NS_COUNT] = {
	[TN_NS_USER] = "user",	   [TN_NS_MOUNT] = "mnt", [TN_NS_PID] = "pid",
	[TN_NS_UTS] = "uts",	   [TN_NS_IPC] = "ipc",	  [TN_NS_NET] = "net",
	[TN_NS_CGROUP] = "cgroup", [TN_NS_TIME] = "time",
};

/* The namespaces of init that are not tenant's own: fds[t] open, or -1. */
static int open_namespaces(pid_t pid, int fds[TN_NS_COUNT], struct tn_error **err)
{
	for (int t = 0; t < TN_NS_COUNT; t++) {
		char path[64], self[64];
		struct stat a, b;

		fds[t] = -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns_files[t]);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", ns_files[t]);
		if (stat(path, &a) < 0) {
			if (errno == ENOENT && t == TN_NS_TIME)
				continue; /* a kernel without time namespaces */
			return tn_error_errno(err, errno, "cannot find the %s namespace of pid %d",
					      ns_files[t], (int)pid);
		}
		if (stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev)
			continue;
		fds[t] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0)
			return tn_error_errno(err, errno, "cannot open %s", path);
	}
	return 0;
}

static void close_namespaces(int fds[TN_NS_COUNT])
{
	for (int t = 0; t < TN_NS_COUNT; t++)
		if (fds[t] >= 0)
			close(fds[t]);
}

/* Whether setgroups(2) is allowed in init's user namespace. */
static bool setgroups_allowed(pid_t pid)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	size_t len;

	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (tn_read_file(path, 64, &text, &len, NULL) < 0)
		return true;
	return strncmp(text, "deny", 4) != 0;
}

_Noreturn static void exec_child(struct tn_init_ctx *ctx, int fds[TN_NS_COUNT])
{
	_cleanup_free_ char *path = NULL;
	struct tn_error *err = NULL;
	int r = 0;

	r = tn_container_setup_console(ctx, &err);
	for (size_t i = 0; r == 0 && i < ctx->cfg->process.n_rlimits; i++) {
		const struct tn_oci_rlimit *l = &ctx->cfg->process.rlimits[i];
		struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };

		if (setrlimit(l->resource, &rl) < 0)
			r = tn_error_errno(&err, errno, "process.rlimits[%zu]: cannot set it", i);
	}
	if (r == 0)
		r = tn_container_find_exec(&ctx->cfg->process, &path, &err);
	if (r == 0)
		r = tn_container_exec(ctx, path, &err);
	(void)fds;
	tn_sync_send(ctx->sync_fd, TN_SYNC_ERROR, r < 0 ? -r : EIO, 0, err);
	_exit(r == -ENOENT ? 127 : 126);
}

/* P1: into the namespaces (user first, then the rest, mount last), then fork P2. */
_Noreturn static void exec_stage1(struct tn_init_ctx *ctx, int fds[TN_NS_COUNT])
{
	static const enum tn_ns_type order[] = {
		TN_NS_USER, TN_NS_IPC,	  TN_NS_UTS,  TN_NS_NET,
		TN_NS_PID,  TN_NS_CGROUP, TN_NS_TIME, TN_NS_MOUNT
	};
	struct tn_error *err = NULL;
	pid_t pid;
	int r;

	/* Out of the container's reach before anything of it is entered (container-internal.h);
	 * P2 inherits it until its execve. */
	r = tn_container_protect_stage();
	if (r < 0) {
		tn_error_errno(&err, -r, "cannot make the setup process non-dumpable");
		tn_sync_send(ctx->sync_fd, TN_SYNC_ERROR, -r, 0, err);
		_exit(1);
	}
	r = tn_container_drop_groups(&err);
	if (r < 0) {
		tn_sync_send(ctx->sync_fd, TN_SYNC_ERROR, -r, 0, err);
		_exit(1);
	}
	/* Into the container's cgroup first, in every hierarchy, so its limits hold for what is
	 * exec'd and, once in its cgroup namespace, /proc/self/cgroup reads as init's. */
	if (ctx->cgroup && ctx->cgroup[0] && (r = tn_cgroup_join(ctx->cgroup, getpid())) < 0) {
		tn_error_errno(&err, -r, "cannot join the container's cgroup %s", ctx->cgroup);
		tn_sync_send(ctx->sync_fd, TN_SYNC_ERROR, -r, 0, err);
		_exit(1);
	}
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		enum tn_ns_type t = order[i];

		if (fds[t] >= 0 && setns(fds[t], tn_ns_clone_flag(t)) < 0) {
			tn_error_errno(&err, errno, "cannot join the container's %s namespace",
				       tn_ns_type_name(t));
			tn_sync_send(ctx->sync_fd, TN_SYNC_ERROR, errno, 0, err);
			_exit(1);
		}
	}
	close_namespaces(fds);
	pid = fork();
	if (pid < 0) {
		tn_error_errno(&err, errno, "cannot fork into the container");
		tn_sync_send(ctx->sync_fd, TN_SYNC_ERROR, errno, 0, err);
		_exit(1);
	}
	if (pid == 0) {
		/* Until R has reaped P1, which still counts in the cgroup's pids.max. */
		_cleanup_free_ struct tn_sync_msg *m = malloc(sizeof(*m));

		if (!m || tn_sync_recv(ctx->sync_fd, m) < 0 || m->type != TN_SYNC_GO)
			_exit(1);
		exec_child(ctx, fds);
	}
	tn_sync_send(ctx->sync_fd, TN_SYNC_PID, 0, pid, NULL);
	_exit(0);
}

/* R: P2's PID, then EOF when it has exec'd, or its error. */
static int follow_exec(int fd, pid_t p1, pid_t *ret_pid, bool *ret_in_child, struct tn_error **err)
{
	struct tn_sync_msg m;
	bool reaped = false;
	int r;

	*ret_pid = 0;
	while ((r = tn_sync_recv(fd, &m)) == 0) {
		if (m.type == TN_SYNC_PID && m.pid > 0) {
			*ret_pid = m.pid;
			/* P1 is done: reap it, then let P2 go on. */
			(void)RETRY_EINTR(waitpid(p1, NULL, 0));
			reaped = true;
			r = tn_sync_send(fd, TN_SYNC_GO, 0, 0, NULL);
			if (r < 0)
				break;
			continue;
		}
		*ret_in_child = *ret_pid > 0;
		tn_error_set(err, m.code > 0 ? m.code : EIO, "%s", m.message);
		if (m.hint[0])
			tn_error_hint(err, "%s", m.hint);
		r = -(m.code > 0 ? m.code : EIO);
		break;
	}
	if (!reaped)
		(void)RETRY_EINTR(waitpid(p1, NULL, 0));
	if (r == -EPIPE && *ret_pid > 0)
		return 0; /* closed on exec */
	if (r == -EPIPE)
		return tn_error_set(err, EIO, "the process did not start in the container");
	return r;
}

static int launch_exec(struct tn_init_ctx *ctx, const struct tn_state *s, bool foreground,
		       pid_t *ret_pid, bool *ret_in_child, struct tn_error **err)
{
	int fds[TN_NS_COUNT], sv[2], r;
	pid_t p1;

	r = open_namespaces(s->pid, fds, err);
	if (r < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		close_namespaces(fds);
		return r < 0 ? r : tn_error_errno(err, errno, "cannot create a socket pair");
	}
	ctx->in_userns = fds[TN_NS_USER] >= 0;
	ctx->cgroup = s->cgroup_path;
	ctx->setgroups_ok = setgroups_allowed(s->pid);
	if (foreground)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	p1 = fork();
	if (p1 == 0) {
		close(sv[0]);
		ctx->sync_fd = sv[1];
		exec_stage1(ctx, fds);
	}
	close(sv[1]);
	close_namespaces(fds);
	if (p1 < 0) {
		close(sv[0]);
		return tn_error_errno(err, errno, "cannot fork");
	}
	r = follow_exec(sv[0], p1, ret_pid, ret_in_child, err);
	close(sv[0]);
	if (r < 0 && *ret_pid > 0 && foreground)
		(void)RETRY_EINTR(waitpid(*ret_pid, NULL, 0));
	return r;
}

/* --env K=V: replace the container's K, or add it. */
static int set_env(struct tn_oci_process *p, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	char **v, *copy = strdup(kv);

	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_env; i++)
		if (strncmp(p->env[i], kv, klen) == 0 && p->env[i][klen] == '=') {
			free(p->env[i]);
			p->env[i] = copy;
			return 0;
		}
	v = reallocarray(p->env, p->n_env + 2, sizeof(*v));
	if (!v) {
		free(copy);
		return -ENOMEM;
	}
	v[p->n_env++] = copy;
	v[p->n_env] = NULL;
	p->env = v;
	return 0;
}

/* --user UID[:GID] */
static int set_user(struct tn_oci_process *p, const char *spec, struct tn_error **err)
{
	const char *colon = strchr(spec, ':');
	uint32_t uid, gid = p->gid;

	if (tn_parse_u32_n(spec, colon ? (size_t)(colon - spec) : strlen(spec), &uid) < 0 ||
	    (colon && tn_parse_u32(colon + 1, &gid) < 0))
		return tn_error_set(err, EINVAL, "--user: '%s' is not UID[:GID]", spec);
	/* (uid_t)-1 is "leave unchanged" to setresuid: the process would stay host root. */
	if (uid == UINT32_MAX || gid == UINT32_MAX)
		return tn_error_set(err, EINVAL,
				    "--user: '%s': 4294967295 is not a user or group ID (the last "
				    "valid ID is 4294967294)",
				    spec);
	p->uid = uid;
	p->gid = gid;
	return 0;
}

static int apply_flags(const struct tn_exec_opts *o, struct tn_oci_config *cfg,
		       struct tn_error **err)
{
	struct tn_oci_process *p = &cfg->process;
	int r = 0;

	p->terminal = o->tty;
	for (size_t i = 0; r == 0 && o->env && o->env[i]; i++) {
		if (!strchr(o->env[i], '='))
			return tn_error_set(err, EINVAL, "--env: '%s' is not KEY=VALUE", o->env[i]);
		r = set_env(p, o->env[i]);
	}
	if (r == 0 && o->cwd) {
		if (o->cwd[0] != '/')
			return tn_error_set(err, EINVAL, "--cwd: '%s' is not an absolute path",
					    o->cwd);
		free(p->cwd);
		p->cwd = strdup(o->cwd);
		r = p->cwd ? 0 : -ENOMEM;
	}
	if (r == 0 && o->user)
		r = set_user(p, o->user, err);
	for (size_t i = 0; r == 0 && o->caps && o->caps[i]; i++) {
		int cap = tn_cap_from_name(o->caps[i]);

		if (cap < 0)
			return tn_error_set(err, EINVAL, "--cap: unknown capability '%s'",
					    o->caps[i]);
		p->caps[TN_CAP_BOUNDING] |= UINT64_C(1) << cap;
		p->caps[TN_CAP_EFFECTIVE] |= UINT64_C(1) << cap;
		p->caps[TN_CAP_PERMITTED] |= UINT64_C(1) << cap;
	}
	if (o->no_new_privs)
		p->no_new_privileges = true;
	return r;
}

/* The process: the container's, changed by the command line, or --process FILE whole. */
static int build_process(const struct tn_exec_opts *o, struct tn_oci_config *cfg,
			 struct tn_error **err)
{
	struct tn_oci_process *p = &cfg->process;
	int r;

	if (o->process_path) {
		_cleanup_free_ char *text = NULL;
		size_t len;

		r = tn_read_file(o->process_path, TN_CONFIG_MAX, &text, &len, NULL);
		if (r < 0)
			return tn_error_errno(err, -r, "cannot read %s", o->process_path);
		return tn_oci_process_parse(o->process_path, text, len, cfg, err);
	}
	if (!o->args || !o->args[0])
		return tn_error_set(err, EINVAL, "exec needs a COMMAND or --process FILE");
	tn_strv_free(p->args);
	p->args = tn_strv_copy(o->args, &p->n_args);
	return p->args ? apply_flags(o, cfg, err) : -ENOMEM;
}

extern char **environ;

/* Run from a sealed copy of the binary when the container could write it (exe-seal.h): its
 * user namespace's maps decide, read through init (none of its own, or unreadable: it could). */
static int seal_for_exec(const struct tn_exec_opts *o, const struct tn_state *s,
			 struct tn_error **err)
{
	struct tn_idmap m[2] = { { .kind = TN_IDMAP_UID }, { .kind = TN_IDMAP_GID } };
	const struct tn_idmap *maps[2] = { &m[0], &m[1] };
	_cleanup_close_ int dirfd = -1;
	struct stat mine, its;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d", (int)s->pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0 || fstatat(dirfd, "ns/user", &its, 0) < 0 ||
	    stat("/proc/self/ns/user", &mine) < 0 || its.st_ino == mine.st_ino ||
	    tn_proc_start_time(s->pid) != s->pid_start || tn_proc_userns_maps(dirfd, m) < 0)
		return tn_exe_seal_if_reachable(NULL, o->argv, environ, o->sigmask, err);
	r = tn_exe_seal_if_reachable(maps, o->argv, environ, o->sigmask, err);
	tn_idmap_done(&m[0]);
	tn_idmap_done(&m[1]);
	return r;
}

int tn_container_exec_process(const struct tn_exec_opts *o, pid_t *ret_pid, bool *ret_in_child,
			      struct tn_error **err)
{
	_cleanup_free_ char *dir = tn_state_dir(o->root, o->id), *config = NULL;
	struct tn_container_opts copts = { .preserve_fds = o->preserve_fds };
	struct tn_oci_config cfg = { 0 };
	struct tn_seccomp_bpf bpf = { 0 };
	struct tn_init_ctx ctx = { .cfg = &cfg,
				   .o = &copts,
				   .fifo_fd = -1,
				   .proc_fd = -1,
				   .rootfs_fd = -1,
				   .console_fd = -1,
				   .sigmask = o->sigmask };
	struct tn_state s;
	int r;

	*ret_in_child = false;
	r = tn_state_load(o->root, o->id, &s, err);
	if (r < 0)
		return r;
	if (s.status != TN_STATUS_RUNNING && s.status != TN_STATUS_CREATED) {
		r = tn_error_set(err, EINVAL, "cannot exec in container '%s': it is %s", o->id,
				 tn_status_name(s.status));
		goto out;
	}
	r = seal_for_exec(o, &s, err);
	if (r < 0)
		goto out;
	if (!dir || asprintf(&config, "%s/%s", dir, TN_CONFIG_COPY) < 0) {
		r = -ENOMEM;
		goto out;
	}
	r = tn_oci_config_load(config, &cfg, err);
	if (r == 0)
		r = build_process(o, &cfg, err);
	if (r == 0 && cfg.seccomp) { /* the container's filter applies to exec'd processes too */
		r = tn_seccomp_compile(cfg.seccomp, &bpf, err);
		ctx.seccomp = &bpf;
	}
	if (r == 0 && cfg.process.terminal && o->console_socket)
		r = tn_console_connect(o->console_socket, &ctx.console_fd, err);
	if (r == 0)
		r = launch_exec(&ctx, &s, !o->detach, ret_pid, ret_in_child, err);
	/* Init is non-dumpable until start (container-internal.h): only a caller with
	 * CAP_SYS_PTRACE over it (root) may open its namespaces before then. */
	if (r == -EACCES && s.status == TN_STATUS_CREATED && !*ret_in_child && geteuid() != 0) {
		tn_error_set(err, EACCES,
			     "cannot exec in container '%s' before it is started: its init is "
			     "not dumpable until it runs the container's process, so only root can "
			     "enter its namespaces",
			     o->id);
		r = tn_error_hint(err, "start it first ('tenant start %s')", o->id);
	}
	if (ctx.console_fd >= 0)
		close(ctx.console_fd);
	if (r == 0 && o->pid_file)
		r = tn_write_pid_file(o->pid_file, *ret_pid, err);
out:
	tn_seccomp_bpf_done(&bpf);
	tn_oci_config_done(&cfg);
	tn_state_done(&s);
	return r;
}
