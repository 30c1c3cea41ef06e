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
#include "cgroup-sub.h"
#include "fork.h"
#include "rootless.h"
#include "container-lsm.h"
#include "container-process.h"
#include "container-seccomp.h"
#include "container-sync.h"
#include "container-tty.h"
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

/* Init's namespaces that are not tenant's own: fd[t] open, or -1. */
struct exec_ns {
	int fd[TN_NS_COUNT];
};

#define EXEC_NS_NONE                                                                               \
	{                                                                                          \
		.fd = { [0 ... TN_NS_COUNT - 1] = -1 }                                             \
	}

static int open_namespaces(pid_t pid, struct exec_ns *ns, struct tn_error **err)
{
	for (int t = 0; t < TN_NS_COUNT; t++) {
		char path[64], self[64];
		struct stat a, b;

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
		ns->fd[t] = open(path, O_RDONLY | O_CLOEXEC);
		if (ns->fd[t] < 0)
			return tn_error_errno(err, errno, "cannot open %s", path);
	}
	return 0;
}

static void close_namespaces(struct exec_ns *ns)
{
	for (int t = 0; t < TN_NS_COUNT; t++)
		ns->fd[t] = safe_close(ns->fd[t]);
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

/* P2 in the container: terminal, limits, the program; returns only on failure. */
static int exec_child_setup(struct tn_init_ctx *ctx, struct tn_error **err)
{
	_cleanup_free_ char *path = NULL;
	int r = tn_container_setup_console(ctx, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ctx->cfg->process.n_rlimits; i++) {
		const struct tn_oci_rlimit *l = &ctx->cfg->process.rlimits[i];
		struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };

		if (setrlimit(l->resource, &rl) < 0)
			return tn_error_errno(err, errno, "process.rlimits[%zu]: cannot set it", i);
	}
	r = tn_lsm_apply(&ctx->cfg->process, err);
	if (r < 0)
		return r;
	r = tn_container_find_exec(&ctx->cfg->process, &path, err);
	if (r < 0)
		return r;
	return tn_container_exec(ctx, path, err);
}

_Noreturn static void exec_child(struct tn_init_ctx *ctx)
{
	_cleanup_(tn_sync_msg_done) struct tn_sync_msg m = { 0 };
	struct tn_error *err = NULL;
	int r;

	/* Until R has reaped P1, which still counts in the cgroup's pids.max (two stages; in the
	 * single stage R sent it ahead). */
	r = tn_sync_expect(ctx->sync_fd, TN_SYNC_GO, &m);
	if (r < 0) {
		tn_error_errno(&err, -r, "no word from tenant after the process was forked");
		tn_sync_fail(ctx->sync_fd, -r, err, 126);
	}
	ctx->seccomp_state = TAKE_PTR(m.state); /* with SCMP_ACT_NOTIFY (container-seccomp.h) */
	r = exec_child_setup(ctx, &err);
	/* As runc's exec: the process's execve itself failing (an exec format error) is the
	 * process's exit status 1, its error on its stderr; tenant sees it exec'd (the socket
	 * closes) and waits for it as for any. Earlier failures are exec's own (255). */
	if (ctx->exec_failed)
		tn_container_fail_started(r < 0 ? r : -EIO, err, 1);
	tn_sync_fail(ctx->sync_fd, r < 0 ? -r : EIO, err, r == -ENOENT ? 127 : 126);
}

/* Into the container's cgroup (or the sub-cgroups of --cgroup) first, in every hierarchy, so
 * its limits hold for what is exec'd and, once in its cgroup namespace, /proc/self/cgroup reads
 * as init's. */
static int join_cgroup(const struct tn_init_ctx *ctx, struct tn_error **err)
{
	int r;

	if (!ctx->cgroup.path || !ctx->cgroup.path[0])
		return 0;
	if (ctx->cgroup_subs)
		return tn_cgroup_join_subs(&ctx->cgroup, ctx->cgroup_subs, getpid(), err);
	r = tn_cgroup_join_exec(&ctx->cgroup, getpid(), ctx->cgroup_init, tn_rootless(),
				ctx->cgroup_cloned_in);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot join the container's cgroup %s",
				      ctx->cgroup.path);
	return 0;
}

/* P1 until it forks: out of reach, into the cgroup, into the namespaces. */
static int exec_stage1_setup(struct tn_init_ctx *ctx, const struct exec_ns *ns,
			     struct tn_error **err)
{
	static const enum tn_ns_type order[] = {
		TN_NS_USER, TN_NS_IPC,	  TN_NS_UTS,  TN_NS_NET,
		TN_NS_PID,  TN_NS_CGROUP, TN_NS_TIME, TN_NS_MOUNT
	};
	int r;

	/* The container's oom_score_adj, as runc gives every process it execs, while /proc/self
	 * is still this process's own. */
	r = tn_container_set_oom_score(&ctx->cfg->process, err);
	if (r < 0)
		return r;
	/* Out of the container's reach before anything of it is entered (container-process.h);
	 * P2 inherits it until its execve. */
	r = tn_container_protect_stage();
	if (r < 0)
		return tn_error_errno(err, -r, "cannot make the setup process non-dumpable");
	r = tn_container_drop_groups(err);
	if (r < 0)
		return r;
	r = join_cgroup(ctx, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(order); i++) {
		enum tn_ns_type t = order[i];

		if (t == TN_NS_PID && ctx->single_stage)
			continue; /* born in it: R entered it for its children (enter_pid_ns) */
		if (ns->fd[t] >= 0 && setns(ns->fd[t], tn_ns_clone_flag(t)) < 0)
			return tn_error_errno(err, errno,
					      "cannot join the container's %s namespace",
					      tn_ns_type_name(t));
	}
	/* Root of the joined user namespace, as runc's nsexec becomes: host root is not mapped
	 * in a remapped container, and what P2 creates before it changes user (its terminal on
	 * the container's devpts) would belong to an unmapped owner no one there may chown. */
	if (ns->fd[TN_NS_USER] < 0)
		return 0;
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return tn_error_errno(err, errno,
				      "cannot become GID 0 in the container's user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return tn_error_errno(err, errno,
				      "cannot become UID 0 in the container's user namespace");
	return 0;
}

/* P1: into the namespaces (user first, then the rest, mount last), then fork P2. */
_Noreturn static void exec_stage1(struct tn_init_ctx *ctx, struct exec_ns *ns)
{
	struct tn_error *err = NULL;
	struct tn_sync_msg m;
	pid_t pid;
	int r = exec_stage1_setup(ctx, ns, &err);

	if (r < 0)
		tn_sync_fail(ctx->sync_fd, -r, err, 1);
	/* P1's copies of the namespace fds, which P2 must not carry into the container (they
	 * are O_CLOEXEC too): P1 only forks and exits, no scope of its own holds them. */
	close_namespaces(ns);
	if (ctx->single_stage) {
		/* P1 is the process: R has its PID from the fork. */
		m = (struct tn_sync_msg){ .type = TN_SYNC_PID };
		if (tn_sync_send(ctx->sync_fd, &m) < 0)
			_exit(1);
		exec_child(ctx);
	}
	pid = fork();
	if (pid < 0) {
		r = errno;
		tn_error_errno(&err, r, "cannot fork into the container");
		tn_sync_fail(ctx->sync_fd, r, err, 1);
	}
	if (pid == 0)
		exec_child(ctx);
	m = (struct tn_sync_msg){ .type = TN_SYNC_PID, .pid = pid };
	/* R gone: P2 finds the socket closed and exits too. */
	_exit(tn_sync_send(ctx->sync_fd, &m) < 0 ? 1 : 0);
}

/* What R follows: P1 (the process itself in the single stage), on the socket fd. */
struct exec_follow {
	int fd;
	const struct tn_init_ctx *ctx;
	const struct tn_state *s;
	pid_t p1;
	bool go_sent; /* ahead, in the single stage (launch_exec) */
};

/* R: one message of P1 or P2. 1: P2's PID is known and it was told to go on (with the process
 * state for a seccomp agent, of the container `s`). */
static int follow_one(const struct exec_follow *f, const struct tn_sync_msg *m, pid_t *ret_pid,
		      bool *ret_in_child, struct tn_error **err)
{
	pid_t pid = f->ctx->single_stage ? f->p1 : m->pid;

	if (m->type != TN_SYNC_PID || pid <= 0 || *ret_pid > 0) {
		*ret_in_child = *ret_pid > 0;
		return tn_sync_error(m, err);
	}
	*ret_pid = pid;
	/* P1 is done: reaped before P2 goes on, since until then it counts in the cgroup's
	 * pids.max (P2's first fork would find one PID fewer than runc leaves it). */
	if (!f->ctx->single_stage)
		(void)RETRY_EINTR(waitpid(f->p1, NULL, 0));
	return f->go_sent ? 0 : tn_seccomp_go(f->fd, f->ctx->cfg->seccomp, f->s, pid);
}

/* R: P2's PID, then EOF when it has exec'd, or its error. */
static int follow_exec(const struct exec_follow *f, pid_t *ret_pid, bool *ret_in_child,
		       struct tn_error **err)
{
	int r;

	*ret_pid = 0;
	for (;;) {
		_cleanup_(tn_sync_msg_done) struct tn_sync_msg m = { 0 };

		r = tn_sync_recv(f->fd, &m);
		if (r < 0)
			break;
		r = follow_one(f, &m, ret_pid, ret_in_child, err);
		if (r < 0)
			break;
	}
	if (*ret_pid <= 0)
		(void)RETRY_EINTR(waitpid(f->p1, NULL, 0));
	if (r == -EPIPE && *ret_pid > 0)
		return 0; /* closed on exec */
	if (r == -EPIPE)
		return tn_error_set(err, EIO, "the process did not start in the container");
	return r;
}

/* R's children in R's own PID namespace again (its active one, owned by the initial user
 * namespace, over which R has CAP_SYS_ADMIN: enter_pid_ns): the two stages after all. */
static int leave_pid_ns(struct tn_init_ctx *ctx, int own_pid)
{
	ctx->single_stage = false;
	return own_pid >= 0 && setns(own_pid, CLONE_NEWPID) < 0 ? -1 : 0;
}

/*
 * R's children from now on in the container's PID namespace, where it has one and no time
 * namespace (whose offsets move only children too): P1 is then the process itself, without a
 * fork (the single stage). *ret_own: R's own, to return to (leave_pid_ns). False where R
 * may not (rootless: CAP_SYS_ADMIN over the host's user namespace is needed), or need not.
 */
static bool enter_pid_ns(const struct exec_ns *ns, int *ret_own)
{
	if (ns->fd[TN_NS_TIME] >= 0)
		return false;
	if (ns->fd[TN_NS_PID] < 0)
		return true; /* the container shares R's: nothing to enter */
	/* Only host root: root of another user namespace (under rootless podman) may enter the
	 * container's, owned by its own, but not return to the host's (setns() wants
	 * CAP_SYS_ADMIN over that one's owner too). */
	if (tn_rootless())
		return false;
	*ret_own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (*ret_own < 0)
		return false;
	if (setns(ns->fd[TN_NS_PID], CLONE_NEWPID) == 0)
		return true;
	*ret_own = safe_close(*ret_own);
	return false;
}

/* P1: into the container's cgroup2 directory from the start where the kernel takes it (no
 * migration, container-create.c's fork_p1); else forked, and it joins the cgroup itself. */
static pid_t fork_p1(struct tn_init_ctx *ctx, int own_pid)
{
	_cleanup_close_ int fd = -1;
	bool cgroup = ctx->cgroup.path && ctx->cgroup.path[0], v2_only = false;
	pid_t pid = -1;

	if (cgroup && !ctx->cgroup_subs)
		fd = tn_cgroup_exec_fd(&ctx->cgroup, &v2_only);
	/*
	 * The single stage only where the process is charged to the container's cgroup from its
	 * creation (the clone into a cgroup2-only one, or no cgroup at all): moved into a v1
	 * hierarchy afterwards, it would not count against pids.max, where the fork of the
	 * second stage is refused at the limit, as runc's.
	 */
	if (ctx->single_stage && cgroup && !(v2_only && fd >= 0) && leave_pid_ns(ctx, own_pid) < 0)
		return -1;
	if (fd >= 0)
		pid = tn_fork_into_cgroup(fd);
	ctx->cgroup_cloned_in = pid >= 0;
	if (pid >= 0)
		return pid;
	/* Refused (at its pids.max...): the two stages say so. */
	if (ctx->single_stage && cgroup && leave_pid_ns(ctx, own_pid) < 0)
		return -1;
	return fork();
}

static int launch_exec(struct tn_init_ctx *ctx, const struct tn_state *s, bool foreground,
		       pid_t *ret_pid, bool *ret_in_child, struct tn_error **err)
{
	_cleanup_(close_namespaces) struct exec_ns ns = EXEC_NS_NONE;
	_cleanup_close_ int fd = -1, child_fd = -1, own_pid = -1;
	int sv[2], r, dumpable;
	pid_t p1;
	bool go;

	r = open_namespaces(s->pid, &ns, err);
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return tn_error_errno(err, errno, "cannot create a socket pair");
	fd = sv[0];
	child_fd = sv[1];
	ctx->in_userns = ns.fd[TN_NS_USER] >= 0;
	ctx->cgroup = tn_state_cgroup(s);
	ctx->cgroup_init = s->pid;
	ctx->setgroups_ok = setgroups_allowed(s->pid);
	if (foreground)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	ctx->single_stage = enter_pid_ns(&ns, &own_pid);
	/* Born in the container's PID namespace, P1 is out of reach from its first instruction: it
	 * inherits R's dumpable flag, cleared for the clone. Only root enters it (enter_pid_ns),
	 * and root's P1 may still set its own oom_score_adj. */
	dumpable = own_pid >= 0 ? prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) : 0;
	if (dumpable > 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		r = -errno;
		(void)leave_pid_ns(ctx,
				   own_pid); /* it entered: returning to its own does not fail */
		return tn_error_errno(err, -r, "cannot make tenant non-dumpable");
	}
	p1 = fork_p1(ctx, own_pid);
	if (p1 == 0) {
		/* The child's copy of R's end: P1 and P2 talk on theirs alone. */
		close(fd);
		ctx->sync_fd = child_fd;
		exec_stage1(ctx, &ns);
	}
	if (p1 < 0)
		r = errno;
	/* R's own PID namespace again: host root's (enter_pid_ns), which setns() does not refuse
	 * it; a failure would only move children R no longer makes. */
	if (own_pid >= 0)
		(void)setns(own_pid, CLONE_NEWPID);
	if (dumpable > 0)
		(void)prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0); /* as it was: it was allowed */
	if (p1 < 0)
		return tn_error_errno(err, r, "cannot fork");
	/* Only the stages may hold the other end: R sees EOF when P2 exec's. */
	child_fd = safe_close(child_fd);
	/* The single stage: P1 is the process, its PID R's from the clone, so GO goes ahead and P1
	 * does not wait on R after its PID (a wakeup across CPUs each way). Not sent (P1 gone):
	 * follow_exec hears why. */
	go = ctx->single_stage && tn_seccomp_go(fd, ctx->cfg->seccomp, s, p1) == 0;
	r = follow_exec(&(struct exec_follow){ fd, ctx, s, p1, go }, ret_pid, ret_in_child, err);
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

static int apply_env(const struct tn_exec_opts *o, struct tn_oci_process *p, struct tn_error **err)
{
	for (size_t i = 0; o->env && o->env[i]; i++) {
		int r;

		if (!strchr(o->env[i], '='))
			return tn_error_set(err, EINVAL, "--env: '%s' is not KEY=VALUE", o->env[i]);
		r = set_env(p, o->env[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply_caps(const struct tn_exec_opts *o, struct tn_oci_process *p, struct tn_error **err)
{
	for (size_t i = 0; o->caps && o->caps[i]; i++) {
		int cap = tn_cap_from_name(o->caps[i]);

		if (cap < 0)
			return tn_error_set(err, EINVAL, "--cap: unknown capability '%s'",
					    o->caps[i]);
		p->caps[TN_CAP_BOUNDING] |= UINT64_C(1) << cap;
		p->caps[TN_CAP_EFFECTIVE] |= UINT64_C(1) << cap;
		p->caps[TN_CAP_PERMITTED] |= UINT64_C(1) << cap;
	}
	return 0;
}

/* --additional-gids, after process.user.additionalGids (as runc). */
static int add_gids(const struct tn_exec_opts *o, struct tn_oci_process *p)
{
	uint32_t *v;

	if (!o->n_additional_gids)
		return 0;
	v = reallocarray(p->additional_gids, p->n_additional_gids + o->n_additional_gids,
			 sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v + p->n_additional_gids, o->additional_gids, o->n_additional_gids * sizeof(*v));
	p->additional_gids = v;
	p->n_additional_gids += o->n_additional_gids;
	return 0;
}

/* *dst = a copy of value, when one is given. */
static int replace_string(char **dst, const char *value)
{
	char *copy;

	if (!value || !value[0])
		return 0;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static int apply_flags(const struct tn_exec_opts *o, struct tn_oci_config *cfg,
		       struct tn_error **err)
{
	struct tn_oci_process *p = &cfg->process;
	int r;

	p->terminal = o->tty;
	r = apply_env(o, p, err);
	if (r < 0)
		return r;
	if (o->cwd) {
		if (o->cwd[0] != '/')
			return tn_error_set(err, EINVAL, "--cwd: '%s' is not an absolute path",
					    o->cwd);
		free(p->cwd);
		p->cwd = strdup(o->cwd);
		if (!p->cwd)
			return -ENOMEM;
	}
	if (o->user) {
		r = set_user(p, o->user, err);
		if (r < 0)
			return r;
	}
	r = apply_caps(o, p, err);
	if (r < 0)
		return r;
	if (o->no_new_privs)
		p->no_new_privileges = true;
	r = add_gids(o, p);
	if (r < 0)
		return r;
	r = replace_string(&p->apparmor_profile, o->apparmor_profile);
	if (r < 0)
		return r;
	return replace_string(&p->selinux_label, o->selinux_label);
}

/* --process FILE: a file, or as runc a stream (a pipe, `<(...)`, /dev/stdin) read to its end. */
static int read_process_file(const char *path, char **ret_text, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return tn_read_fd(fd, TN_CONFIG_MAX, ret_text, ret_len);
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

		bool has_oom = p->has_oom_score_adj;
		int oom = p->oom_score_adj;

		r = read_process_file(o->process_path, &text, &len);
		if (r < 0)
			return tn_error_errno(err, -r, "--process: cannot read %s",
					      o->process_path);
		r = tn_oci_process_parse(o->process_path, text, len, cfg, err);
		if (r < 0)
			return r;
		/* As runc: the container's oom_score_adj for every process, not the file's. */
		p->has_oom_score_adj = has_oom;
		p->oom_score_adj = oom;
		return 0;
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

/* Init is non-dumpable until start (container-process.h): only a caller with CAP_SYS_PTRACE
 * over it (root) may open its namespaces before then. */
static int not_started(const struct tn_exec_opts *o, struct tn_error **err)
{
	int r;

	r = tn_error_set(err, EACCES,
			 "cannot exec in container '%s' before it is started: its init is "
			 "not dumpable until it runs the container's process, so only root can "
			 "enter its namespaces",
			 o->id);
	return tn_error_hint(err, r, "start it first ('tenant start %s')", o->id);
}

/* The container's process as exec runs it: config.json kept at create, with the command line's
 * changes; its seccomp filter compiled into *bpf. */
static int exec_config(const struct tn_exec_opts *o, struct tn_oci_config *cfg,
		       struct tn_seccomp_bpf *bpf, struct tn_error **err)
{
	_cleanup_free_ char *dir = tn_state_dir(o->root, o->id), *config = NULL;
	int r;

	if (!dir || asprintf(&config, "%s/%s", dir, TN_CONFIG_COPY) < 0)
		return -ENOMEM;
	r = tn_oci_config_load(config, cfg, err);
	if (r < 0)
		return r;
	r = build_process(o, cfg, err);
	if (r < 0)
		return r;
	r = tn_lsm_check(&cfg->process, err);
	if (r < 0)
		return r;
	/* The container's filter applies to exec'd processes too. */
	return cfg->seccomp ? tn_seccomp_compile(cfg->seccomp, bpf, err) : 0;
}

/* The terminal goes to --console-socket, or to tenant's relay; -d without a socket: refused,
 * as runc refuses it. */
static int exec_console(const struct tn_exec_opts *o, const struct tn_oci_process *p, int *ret,
			struct tn_error **err)
{
	if (!p->terminal)
		return 0;
	if (o->console_socket)
		return tn_console_connect(o->console_socket, ret, err);
	if (o->detach)
		return tn_console_refuse_detached(err);
	return tn_console_relayed(o->console_fd, ret, err);
}

int tn_container_exec_process(const struct tn_exec_opts *o, pid_t *ret_pid, bool *ret_in_child,
			      struct tn_error **err)
{
	struct tn_container_opts copts = { .preserve_fds = o->preserve_fds,
					   .foreground = !o->detach };
	_cleanup_(tn_oci_config_done) struct tn_oci_config cfg = { 0 };
	_cleanup_(tn_seccomp_bpf_done) struct tn_seccomp_bpf bpf = { 0 };
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	_cleanup_close_ int console_fd = -1, agent_fd = -1;
	struct tn_init_ctx ctx = { .cfg = &cfg,
				   .o = &copts,
				   .fifo_fd = -1,
				   .proc_fd = -1,
				   .rootfs_fd = -1,
				   .console_fd = -1,
				   .seccomp_agent_fd = -1 };
	int r;

	*ret_in_child = false;
	r = tn_state_load(o->root, o->id, &s, err);
	if (r < 0)
		return r;
	if (s.status == TN_STATUS_PAUSED && !o->ignore_paused) {
		r = tn_error_set(err, EINVAL, "cannot exec in a paused container '%s'", o->id);
		return tn_error_hint(err, r, "resume it first, or pass --ignore-paused");
	}
	if (s.status != TN_STATUS_RUNNING && s.status != TN_STATUS_CREATED &&
	    s.status != TN_STATUS_PAUSED)
		return tn_error_set(err, EINVAL, "cannot exec in container '%s': it is %s", o->id,
				    tn_status_name(s.status));
	r = seal_for_exec(o, &s, err);
	if (r < 0)
		return r;
	r = exec_config(o, &cfg, &bpf, err);
	if (r < 0)
		return r;
	ctx.seccomp = cfg.seccomp ? &bpf : NULL;
	r = tn_cgroup_subs_check(o->cgroups, err);
	if (r < 0)
		return r;
	ctx.cgroup_subs = o->cgroups;
	r = exec_console(o, &cfg.process, &console_fd, err);
	if (r < 0)
		return r;
	ctx.console_fd = console_fd;
	ctx.console_relayed = !o->console_socket;
	r = tn_seccomp_agent_connect(cfg.seccomp, &agent_fd, err);
	if (r < 0)
		return r;
	ctx.seccomp_agent_fd = agent_fd;
	r = launch_exec(&ctx, &s, !o->detach, ret_pid, ret_in_child, err);
	if (r == -EACCES && s.status == TN_STATUS_CREATED && !*ret_in_child && geteuid() != 0)
		return not_started(o, err);
	if (r < 0)
		return r;
	return o->pid_file ? tn_write_pid_file(o->pid_file, *ret_pid, err) : 0;
}
