/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The child stages of create (container-init.h): P1 enters the namespaces and forks init;
 * P2 (init) sets the container up, reports ready, and waits on exec.fifo for start. Where clone3
 * can make P1 in its PID namespace (single_stage), P1 is init and does both.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "container-init.h"
#include "container-mounts.h"
#include "container-lsm.h"
#include "container-process.h"
#include "container-sync.h"
#include "container-tty.h"
#include "oci-state.h"
#include "rootless.h"
#include "banned.h"

_Noreturn static void fail(int fd, int code, struct tn_error *e)
{
	tn_sync_fail(fd, code, e, 1);
}

/* The namespaces given by path, open; closed when they go out of scope. */
struct ns_fds {
	int fd[TN_NS_COUNT]; /* -1: not open */
};

#define NS_FDS_NONE                                                                                \
	{                                                                                          \
		.fd = { [0 ... TN_NS_COUNT - 1] = -1 }                                             \
	}

static void ns_fds_close(struct ns_fds *f)
{
	for (int t = 0; t < TN_NS_COUNT; t++)
		f->fd[t] = safe_close(f->fd[t]);
}

/* Open every namespace given by path first: a joined mount namespace changes what paths mean. */
static int open_namespaces(const struct tn_oci_config *c, struct ns_fds *fds, struct tn_error **err)
{
	for (int t = 0; t < TN_NS_COUNT; t++) {
		if (!c->ns[t].present || !c->ns[t].path)
			continue;
		fds->fd[t] = open(c->ns[t].path, O_RDONLY | O_CLOEXEC);
		if (fds->fd[t] < 0)
			return tn_error_errno(err, errno,
					      "linux.namespaces: cannot open the %s "
					      "namespace %s",
					      tn_ns_type_name((enum tn_ns_type)t), c->ns[t].path);
	}
	return 0;
}

static int join_failed(const struct tn_oci_config *c, int t, int code, struct tn_error **err)
{
	return tn_error_errno(err, code, "linux.namespaces: cannot join the %s namespace %s",
			      tn_ns_type_name((enum tn_ns_type)t), c->ns[t].path);
}

/*
 * The namespaces given by path, before any new namespace exists (a new user namespace would
 * not own the joined ones). With a user namespace given by path too, each other one is tried
 * before it, as crun does, and the ones this process may not join yet (EPERM: owned by that
 * user namespace, for an unprivileged caller) after it: a pod with a user namespace of its own
 * and the node's network and UTS namespaces (a hostNetwork pod through containerd's CRI) joins
 * the node's while it still can. runc joins the user namespace first, and fails there.
 */
static int join_namespaces(const struct tn_oci_config *c, const struct ns_fds *fds,
			   struct tn_error **err)
{
	bool later[TN_NS_COUNT] = { false }, user = fds->fd[TN_NS_USER] >= 0;

	for (int t = 0; t < TN_NS_COUNT; t++) {
		if (t == TN_NS_USER || fds->fd[t] < 0)
			continue;
		if (setns(fds->fd[t], tn_ns_clone_flag((enum tn_ns_type)t)) == 0)
			continue;
		if (!user || errno != EPERM)
			return join_failed(c, t, errno, err);
		later[t] = true;
	}
	if (user && setns(fds->fd[TN_NS_USER], CLONE_NEWUSER) < 0)
		return join_failed(c, TN_NS_USER, errno, err);
	for (int t = 0; t < TN_NS_COUNT; t++)
		if (later[t] && setns(fds->fd[t], tn_ns_clone_flag((enum tn_ns_type)t)) < 0)
			return join_failed(c, t, errno, err);
	return 0;
}

/*
 * Once the maps exist, become root of the new user namespace when root is mapped (rootful
 * remapping: host root is not mapped inside, container root is). Supplementary groups of the
 * host are dropped where setgroups is allowed.
 */
static int become_root(struct tn_init_ctx *ctx, struct tn_error **err)
{
	if (ctx->setgroups_ok && setgroups(0, NULL) < 0)
		return tn_error_errno(err, errno, "cannot drop supplementary groups");
	if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
		return tn_error_errno(err, errno, "cannot become GID 0 in the user namespace");
	if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
		return tn_error_errno(err, errno, "cannot become UID 0 in the user namespace");
	return 0;
}

static bool has_cgroup_mount(const struct tn_oci_config *c)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (!c->mounts[i].bind && c->mounts[i].type &&
		    (strcmp(c->mounts[i].type, "cgroup") == 0 ||
		     strcmp(c->mounts[i].type, "cgroup2") == 0))
			return true;
	return false;
}

/*
 * Once R has put this process in the container's cgroup: what a cgroup mount will show (read
 * now, while /proc/self/cgroup and mountinfo still speak of the host's paths), then the cgroup
 * namespace, whose root is therefore the container's cgroup. Init inherits both.
 */
static int cgroup_namespace(struct tn_init_ctx *ctx, struct tn_error **err)
{
	int r;

	if (has_cgroup_mount(ctx->cfg)) {
		r = tn_cgroup_view_load(&ctx->cgroup_view);
		if (r < 0)
			return tn_error_errno(err, -r, "cannot read this process's cgroups");
	}
	if (!(ctx->new_flags & CLONE_NEWCGROUP))
		return 0;
	if (unshare(CLONE_NEWCGROUP) < 0)
		return tn_error_errno(err, errno, "cannot create the cgroup namespace");
	return 0;
}

/*
 * SETUP: R writes the maps of a new user namespace and enters the cgroup; then GO. newuidmap
 * wants /proc/PID to belong to its caller, and an unprivileged R can open /proc/PID/uid_map only
 * when it does: with ctx->maps_dumpable P1 is dumpable until GO, as runc's stage is (from its
 * birth in the single stage, where R writes the maps right after the clone). Nothing of a container runs yet in P1's new namespaces, and P1's PID is in none of their
 * PID namespaces (setns() to a PID namespace moves children only): what could see it is on the
 * host.
 */
/* The idmapped mounts R made on this user namespace, once its maps were written: init's. */
static void take_idmapped(struct tn_init_ctx *ctx)
{
	struct tn_mount_sources *s = &ctx->sources;

	if (s->idmapped[s->n] >= 0) {
		safe_close(ctx->rootfs_fd);
		ctx->rootfs_fd = TAKE_FD(s->idmapped[s->n]);
	}
	for (size_t i = 0; i < s->n; i++)
		if (s->idmapped[i] >= 0)
			ctx->mount_fds = s->idmapped; /* closed with the sources, once attached */
}

static int wait_setup(struct tn_init_ctx *ctx, struct tn_error **err)
{
	_cleanup_(tn_sync_msg_done) struct tn_sync_msg m = { 0 };
	bool dumpable = ctx->maps_dumpable && (ctx->new_flags & CLONE_NEWUSER);
	int r;

	if (!(ctx->new_flags & CLONE_NEWUSER) && !ctx->cgroup_setup)
		return 0;
	if (dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return tn_error_errno(err, errno,
				      "cannot let the user namespace's maps be written");
	r = tn_sync_send_type(ctx->sync_fd, TN_SYNC_SETUP);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot ask for the user namespace's maps");
	/* The single stage where R writes the maps itself (no newuidmap): it does right after the
	 * clone, and sends GO without waiting for SETUP (container-create.c's send_ahead), while
	 * P1 starts: GO is microseconds away. */
	if (ctx->single_stage && !dumpable)
		tn_sync_wait_briefly(ctx->sync_fd, 200);
	r = tn_sync_expect(ctx->sync_fd, TN_SYNC_GO, &m);
	if (r < 0)
		return tn_error_errno(err, -r, "no answer after the namespaces were made");
	r = dumpable ? tn_container_protect_stage() : 0;
	if (r < 0)
		return tn_error_errno(err, -r, "cannot make the setup process non-dumpable");
	return 0;
}

_Noreturn static void init_main(struct tn_init_ctx *ctx);

/* The inode of the user namespace P1 is in (the container's): R records it for the range. */
static uint64_t own_userns(void)
{
	struct stat st;

	return stat("/proc/self/ns/user", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* unshare(flags), or the failure told to R, which explains it with this machine's facts
 * (userns-diag.h). */
static void unshare_or_exit(struct tn_init_ctx *ctx, int flags)
{
	struct tn_sync_msg m = { .type = TN_SYNC_UNSHARE_FAILED };

	if (!flags || unshare(flags) == 0)
		return;
	m.code = errno;
	(void)tn_sync_send(ctx->sync_fd, &m);
	_exit(1);
}

/* linux.timeOffsets, in the new time namespace P1 made for its children: the kernel takes them
 * only before a process enters it, so before init is forked. */
static int set_time_offsets(const struct tn_init_ctx *ctx, struct tn_error **err)
{
	const struct tn_time_offset *t = ctx->cfg->time_offsets;
	_cleanup_close_ int fd = -1;
	char text[128];
	int n;

	if (!(ctx->new_flags & tn_ns_clone_flag(TN_NS_TIME)) ||
	    !(t[TN_TIME_MONOTONIC].given || t[TN_TIME_BOOTTIME].given))
		return 0;
	n = snprintf(text, sizeof(text), "monotonic %" PRId64 " %d\nboottime %" PRId64 " %d\n",
		     t[TN_TIME_MONOTONIC].secs, t[TN_TIME_MONOTONIC].nanosecs,
		     t[TN_TIME_BOOTTIME].secs, t[TN_TIME_BOOTTIME].nanosecs);
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || RETRY_EINTR(write(fd, text, (size_t)n)) != n)
		return tn_error_errno(err, errno, "linux.timeOffsets: cannot set them");
	return 0;
}

/* P1 until it forks init: the namespaces, the maps and cgroup (R), root, the cgroup namespace. */
static int stage1_setup(struct tn_init_ctx *ctx, struct tn_error **err)
{
	const struct tn_oci_config *c = ctx->cfg;
	_cleanup_(ns_fds_close) struct ns_fds fds = NS_FDS_NONE;
	int r;

	/* oom_score_adj while /proc/self is still this process's own; then out of reach. */
	r = ctx->oom_by_runtime ? 0 : tn_container_set_oom_score(&c->process, err);
	if (r < 0)
		return r;
	/* Born in its new user namespace, a P1 whose maps need /proc/P1 to be R's (maps_dumpable)
	 * stays as it was born until GO: R writes them from the start (container-create.c). */
	r = ctx->single_stage && ctx->maps_dumpable && (ctx->cloned_flags & CLONE_NEWUSER)
		    ? 0
		    : tn_container_protect_stage();
	if (r < 0)
		return tn_error_errno(err, -r, "cannot make the setup process non-dumpable");
	/* Born in a new user namespace, P1 drops them once it is root there (become_root). */
	r = (ctx->cloned_flags & CLONE_NEWUSER) ? 0 : tn_container_drop_groups(err);
	if (r < 0)
		return r;
	r = open_namespaces(c, &fds, err);
	if (r < 0)
		return r;
	r = join_namespaces(c, &fds, err);
	if (r < 0)
		return r;
	/* With a new user namespace, its mount namespace comes with it: R opens the bind sources
	 * inside it, through /proc/P1/root, before GO (container-sources.h). */
	unshare_or_exit(ctx, ((ctx->new_flags & CLONE_NEWUSER)
				      ? ctx->new_flags & (CLONE_NEWUSER | CLONE_NEWNS)
				      : ctx->new_flags & ~CLONE_NEWCGROUP) &
				     ~ctx->cloned_flags);
	r = wait_setup(ctx, err);
	if (r < 0)
		return r;
	/*
	 * As runc: the other namespaces of a new user namespace are made once this process is
	 * its UID 0, not yet its GID 0, so what they own from their creation (the root of the
	 * IPC namespace's mqueue, /dev/mqueue) has runc's owner.
	 */
	if (ctx->new_flags & CLONE_NEWUSER) {
		if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
			return tn_error_errno(err, errno,
					      "cannot become UID 0 in the user namespace");
		unshare_or_exit(ctx, ctx->new_flags & ~(CLONE_NEWUSER | CLONE_NEWNS |
							CLONE_NEWCGROUP | ctx->cloned_flags));
	}
	if (ctx->in_userns) {
		r = become_root(ctx, err);
		if (r < 0)
			return r;
	}
	r = set_time_offsets(ctx, err);
	if (r < 0)
		return r;
	return cgroup_namespace(ctx, err);
}

_Noreturn void tn_container_stage1(struct tn_init_ctx *ctx)
{
	struct tn_error *err = NULL;
	struct tn_sync_msg m;
	pid_t pid;
	int r;

	r = stage1_setup(ctx, &err);
	if (r < 0)
		fail(ctx->sync_fd, -r, err);
	if (ctx->single_stage) {
		/* P1 is init: R has its PID from the clone (this one's is 1 in a new PID
		 * namespace). */
		m = (struct tn_sync_msg){ .type = TN_SYNC_PID, .userns = own_userns() };
		if (tn_sync_send(ctx->sync_fd, &m) < 0)
			_exit(1);
		init_main(ctx);
	}
	pid = fork();
	if (pid < 0) {
		r = errno;
		tn_error_errno(&err, r, "cannot fork the container's init");
		fail(ctx->sync_fd, r, err);
	}
	if (pid == 0)
		init_main(ctx);
	m = (struct tn_sync_msg){ .type = TN_SYNC_PID, .pid = pid, .userns = own_userns() };
	/* R gone: init finds the socket closed and exits too. */
	_exit(tn_sync_send(ctx->sync_fd, &m) < 0 ? 1 : 0);
}

/*
 * Block until `start` opens exec.fifo for reading, then tell it with one byte. The writing end
 * stays open, O_CLOEXEC and above the preserved fds, until the process's execve: `start` reads
 * to its end, so it returns (and runs poststart) once the startContainer hooks ran and the
 * process was executed, as runc's start does.
 */
static int wait_for_start(struct tn_init_ctx *ctx, struct tn_error **err)
{
	_cleanup_close_ int fd = -1;
	char path[64];

	snprintf(path, sizeof(path), "self/fd/%d", ctx->fifo_fd);
	fd = RETRY_EINTR(openat(ctx->proc_fd, path, O_WRONLY | O_CLOEXEC));
	if (fd < 0)
		return tn_error_errno(err, errno, "cannot open exec.fifo");
	if (RETRY_EINTR(write(fd, "0", 1)) != 1)
		return tn_error_errno(err, errno, "cannot write exec.fifo");
	/* ctx's fds live as long as init's setup, which ends in execve: closed by hand, here, so
	 * that the container's process never holds them (they are O_CLOEXEC too). */
	close(ctx->fifo_fd);
	close(ctx->proc_fd);
	ctx->fifo_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3 + (int)ctx->o->preserve_fds);
	if (ctx->fifo_fd < 0)
		return tn_error_errno(err, errno, "cannot keep exec.fifo open");
	return 0;
}

/* Init until it is ready: the filesystem, what is set before start, the terminal, the program. */
static int init_setup(struct tn_init_ctx *ctx, char **ret_exec_path, struct tn_error **err)
{
	_cleanup_(tn_sync_msg_done) struct tn_sync_msg m = { 0 };
	int r;

	/* R sent them after SETUP's GO, while P1 made the other namespaces. */
	if (ctx->send_sources) {
		r = tn_mount_sources_recv(ctx->sync_fd, ctx->cfg->n_mounts, &ctx->sources);
		if (r < 0)
			return tn_error_errno(err, -r, "cannot receive the bind mounts' sources");
		take_idmapped(ctx);
	}
	/* Not before R knows this PID (P1 said it, or R had it from the clone of the single stage
	 * and sent this ahead): until then R could not kill or reap init. */
	r = tn_sync_recv_fifo(ctx->sync_fd, &ctx->fifo_fd);
	if (r < 0)
		return tn_error_errno(err, -r, "no exec.fifo from tenant for the container's init");
	r = tn_sync_expect(ctx->sync_fd, TN_SYNC_GO, &m);
	if (r < 0)
		return tn_error_errno(err, -r,
				      "no word from tenant after the container's init was made");
	ctx->seccomp_state = TAKE_PTR(m.state); /* with SCMP_ACT_NOTIFY (container-seccomp.h) */
	/* The host's /proc, while it is still there: the fifo is reopened through it. */
	ctx->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->proc_fd < 0)
		return tn_error_errno(err, errno, "cannot open /proc");
	r = tn_container_setup_rootfs(ctx, err);
	if (r < 0)
		return r;
	r = tn_container_setup_misc(ctx, err);
	if (r < 0)
		return r;
	r = tn_lsm_apply(&ctx->cfg->process, err);
	if (r < 0)
		return r;
	r = tn_container_protect(ctx, err);
	if (r < 0)
		return r;
	/* As runc: a user the namespace does not map, or a working directory that cannot be
	 * entered, fails create, not start. */
	r = tn_container_check_user(ctx, err);
	if (r < 0)
		return r;
	r = tn_container_check_cwd(ctx, err);
	if (r < 0)
		return r;
	r = tn_container_setup_console(ctx, err);
	if (r < 0)
		return r;
	r = tn_container_find_exec(&ctx->cfg->process, ret_exec_path, err);
	if (r < 0)
		return r;
	return tn_container_check_exec_access(&ctx->cfg->process, *ret_exec_path, err);
}

/* The startContainer hooks, as runc's init runs them: right before execve, so as the process's
 * user, with its capabilities and only its fds, under its seccomp filter. */
static void start_hooks(struct tn_init_ctx *ctx)
{
	const struct tn_hook_env where = { .env = ctx->cfg->process.env };
	struct tn_error *err = NULL;
	int r;

	if (!ctx->state_json)
		return;
	r = tn_hooks_run(&ctx->cfg->hooks, TN_HOOK_START_CONTAINER, ctx->state_json, &where, &err);
	if (r < 0) /* exit status 1, as runc's init after a failing startContainer hook */
		tn_container_fail_started(r, err, 1);
}

/* After start: the container's process (startContainer hooks before its execve). Returns only
 * on failure. */
static int init_start(struct tn_init_ctx *ctx, const char *exec_path, struct tn_error **err)
{
	int r = wait_for_start(ctx, err);

	if (r < 0)
		return r;
	ctx->before_exec = start_hooks;
	return tn_container_exec(ctx, exec_path, err);
}

_Noreturn static void init_main(struct tn_init_ctx *ctx)
{
	_cleanup_free_ char *exec_path = NULL;
	struct tn_error *err = NULL;
	int r = init_setup(ctx, &exec_path, &err);

	if (r < 0)
		fail(ctx->sync_fd, -r, err);
	r = tn_sync_send_type(ctx->sync_fd, TN_SYNC_READY);
	if (r < 0)
		_exit(1); /* R is gone (-EPIPE), or cannot hear: it reports "exited during setup" */
	/* Init's socket end lives until here, where init becomes the container's process: closed by
	 * hand so that start does not wait on it (O_CLOEXEC as well). */
	close(ctx->sync_fd);
	r = init_start(ctx, exec_path, &err);
	/* As runc's init: a process that could not be executed after start is exit status 1 (the
	 * checks of create gave the words engines map to 126 and 127, before start). */
	tn_container_fail_started(r, err, 1);
}
