/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The child stages of create (container-internal.h): P1 enters the namespaces and forks init;
 * P2 (init) sets the container up, reports ready, and waits on exec.fifo for start.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "container-internal.h"
#include "rootless.h"
#include "banned.h"

_Noreturn static void fail(int fd, int code, struct tn_error *e)
{
	tn_sync_send(fd, TN_SYNC_ERROR, code > 0 ? code : EIO, 0, e);
	_exit(1);
}

/* Open every namespace given by path first: a joined mount namespace changes what paths mean. */
static int open_namespaces(const struct tn_oci_config *c, int fds[TN_NS_COUNT],
			   struct tn_error **err)
{
	for (int t = 0; t < TN_NS_COUNT; t++)
		fds[t] = -1;
	for (int t = 0; t < TN_NS_COUNT; t++) {
		if (!c->ns[t].present || !c->ns[t].path)
			continue;
		fds[t] = open(c->ns[t].path, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0)
			return tn_error_errno(err, errno,
					      "linux.namespaces: cannot open the %s "
					      "namespace %s",
					      tn_ns_type_name((enum tn_ns_type)t), c->ns[t].path);
	}
	return 0;
}

/* As runc: the user namespace given by path first, then the others given by path, before any
 * new namespace exists (a new user namespace would not own the joined ones). */
static int join_namespaces(const struct tn_oci_config *c, int fds[TN_NS_COUNT],
			   struct tn_error **err)
{
	for (int i = -1; i < TN_NS_COUNT; i++) {
		int t = i < 0 ? TN_NS_USER : i;

		if ((i >= 0 && t == TN_NS_USER) || fds[t] < 0)
			continue;
		if (setns(fds[t], tn_ns_clone_flag((enum tn_ns_type)t)) < 0)
			return tn_error_errno(err, errno,
					      "linux.namespaces: cannot join the %s "
					      "namespace %s",
					      tn_ns_type_name((enum tn_ns_type)t), c->ns[t].path);
		close(fds[t]);
		fds[t] = -1;
	}
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
 * when it does: with ctx->maps_dumpable P1 is dumpable for that moment alone, as runc's stage
 * does. Nothing of a container runs yet in P1's new namespaces, and P1's PID is in none of their
 * PID namespaces (setns() to a PID namespace moves children only): what could see it is on the
 * host.
 */
static int wait_setup(struct tn_init_ctx *ctx, struct tn_error **err)
{
	_cleanup_free_ struct tn_sync_msg *m = NULL;
	bool dumpable = ctx->maps_dumpable && (ctx->new_flags & CLONE_NEWUSER);
	int r;

	if (!(ctx->new_flags & CLONE_NEWUSER) && !ctx->cgroup_setup)
		return 0;
	if (dumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		return tn_error_errno(err, errno,
				      "cannot let the user namespace's maps be written");
	m = malloc(sizeof(*m));
	if (!m || tn_sync_send(ctx->sync_fd, TN_SYNC_SETUP, 0, 0, NULL) < 0 ||
	    tn_sync_recv(ctx->sync_fd, m) < 0 || m->type != TN_SYNC_GO)
		_exit(1); /* R gave up, and says why */
	r = dumpable ? tn_container_protect_stage() : 0;
	if (r < 0)
		return tn_error_errno(err, -r, "cannot make the setup process non-dumpable");
	return 0;
}

int tn_container_drop_groups(struct tn_error **err)
{
	if (tn_rootless() || getgroups(0, NULL) == 0)
		return 0;
	return setgroups(0, NULL) < 0
		       ? tn_error_errno(err, errno, "cannot drop the supplementary groups")
		       : 0;
}

_Noreturn static void init_main(struct tn_init_ctx *ctx);

/* The inode of the user namespace P1 is in (the container's): R records it for the range. */
static uint64_t own_userns(void)
{
	struct stat st;

	return stat("/proc/self/ns/user", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

_Noreturn void tn_container_stage1(struct tn_init_ctx *ctx)
{
	const struct tn_oci_config *c = ctx->cfg;
	struct tn_error *err = NULL;
	int fds[TN_NS_COUNT];
	pid_t pid;
	int r;

	/* oom_score_adj while /proc/self is still this process's own; then out of reach. */
	r = tn_container_set_oom_score(&c->process, &err);
	if (r < 0)
		fail(ctx->sync_fd, -r, err);
	r = tn_container_protect_stage();
	if (r < 0) {
		tn_error_errno(&err, -r, "cannot make the setup process non-dumpable");
		fail(ctx->sync_fd, -r, err);
	}
	r = tn_container_drop_groups(&err);
	if (r < 0)
		fail(ctx->sync_fd, -r, err);
	r = open_namespaces(c, fds, &err);
	if (r < 0)
		fail(ctx->sync_fd, -r, err);
	r = join_namespaces(c, fds, &err);
	if (r < 0)
		fail(ctx->sync_fd, -r, err);
	if (unshare(ctx->new_flags & ~CLONE_NEWCGROUP) < 0) {
		tn_sync_send(ctx->sync_fd, TN_SYNC_UNSHARE_FAILED, errno, 0, NULL);
		_exit(1);
	}
	r = wait_setup(ctx, &err);
	if (r < 0)
		fail(ctx->sync_fd, -r, err);
	if (ctx->in_userns) {
		r = become_root(ctx, &err);
		if (r < 0)
			fail(ctx->sync_fd, -r, err);
	}
	r = cgroup_namespace(ctx, &err);
	if (r < 0)
		fail(ctx->sync_fd, -r, err);
	pid = fork();
	if (pid < 0) {
		tn_error_errno(&err, errno, "cannot fork the container's init");
		fail(ctx->sync_fd, errno, err);
	}
	if (pid == 0)
		init_main(ctx);
	tn_sync_send_pid(ctx->sync_fd, pid, own_userns());
	_exit(0);
}

bool tn_container_needs_hook_point(const struct tn_oci_config *c)
{
	return c->hooks.n[TN_HOOK_PRESTART] || c->hooks.n[TN_HOOK_CREATE_RUNTIME] ||
	       c->hooks.n[TN_HOOK_CREATE_CONTAINER] || c->hooks.n[TN_HOOK_START_CONTAINER];
}

int tn_container_hook_point(struct tn_init_ctx *ctx, struct tn_error **err)
{
	struct tn_sync_msg *m;
	int r;

	if (!tn_container_needs_hook_point(ctx->cfg))
		return 0;
	m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	if (tn_sync_send(ctx->sync_fd, TN_SYNC_HOOKS, 0, 0, NULL) < 0 ||
	    tn_sync_recv(ctx->sync_fd, m) < 0 || m->type != TN_SYNC_GO) {
		free(m);
		_exit(1); /* R gave up, and says why */
	}
	ctx->state_json = strdup(m->message);
	free(m);
	if (!ctx->state_json)
		return -ENOMEM;
	r = tn_hooks_run(&ctx->cfg->hooks, TN_HOOK_CREATE_CONTAINER, ctx->state_json, err);
	return r;
}

/* Block until `start` opens exec.fifo for reading, then tell it with one byte. */
static int wait_for_start(struct tn_init_ctx *ctx, struct tn_error **err)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "self/fd/%d", ctx->fifo_fd);
	fd = RETRY_EINTR(openat(ctx->proc_fd, path, O_WRONLY | O_CLOEXEC));
	if (fd < 0)
		return tn_error_errno(err, errno, "cannot open exec.fifo");
	if (RETRY_EINTR(write(fd, "0", 1)) != 1) {
		close(fd);
		return tn_error_errno(err, errno, "cannot write exec.fifo");
	}
	close(fd);
	close(ctx->fifo_fd);
	close(ctx->proc_fd);
	return 0;
}

_Noreturn static void init_main(struct tn_init_ctx *ctx)
{
	_cleanup_free_ char *exec_path = NULL;
	struct tn_error *err = NULL;
	int r;

	/* The host's /proc, while it is still there: the fifo is reopened through it. */
	ctx->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->proc_fd < 0) {
		tn_error_errno(&err, errno, "cannot open /proc");
		fail(ctx->sync_fd, errno, err);
	}
	r = tn_container_setup_rootfs(ctx, &err);
	if (r == 0)
		r = tn_container_setup_misc(ctx, &err);
	if (r == 0)
		r = tn_container_protect(ctx, &err);
	if (r == 0)
		r = tn_container_setup_console(ctx, &err);
	if (r == 0)
		r = tn_container_find_exec(&ctx->cfg->process, &exec_path, &err);
	if (r < 0)
		fail(ctx->sync_fd, -r, err);
	if (tn_sync_send(ctx->sync_fd, TN_SYNC_READY, 0, 0, NULL) < 0)
		_exit(1);
	close(ctx->sync_fd);
	r = wait_for_start(ctx, &err);
	if (r == 0 && ctx->state_json)
		r = tn_hooks_run(&ctx->cfg->hooks, TN_HOOK_START_CONTAINER, ctx->state_json, &err);
	if (r == 0)
		r = tn_container_exec(ctx, exec_path, &err);
	/* After start nobody waits for a message: the error goes where the process's would. */
	dprintf(STDERR_FILENO, "tenant: %s\n", err && err->message ? err->message : strerror(-r));
	if (err && err->hint)
		dprintf(STDERR_FILENO, "hint: %s\n", err->hint);
	_exit(r == -ENOENT ? 127 : 126);
}
