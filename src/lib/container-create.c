/* SPDX-License-Identifier: Apache-2.0 */
/* `create`: from config.json to an init process waiting for `start` (container.h), as one
 * transaction: the plan (container-plan.h), then each side effect with its undo (txn.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "clock.h"
#include "container-clone.h"
#include "container-create-run.h"
#include "container-devices.h"
#include "container-idmap.h"
#include "container-init.h"
#include "container-plan.h"
#include "container-seccomp.h"
#include "container-sources.h"
#include "container-stage.h"
#include "container-state.h"
#include "container-sync.h"
#include "container-tty.h"
#include "exe-seal.h"
#include "fork.h"
#include "fs.h"
#include "idmapped.h"
#include "oci-state.h"
#include "proc-stat.h"
#include "rootfs-copy.h"
#include "rootless.h"
#include "shift.h"
#include "txn.h"
#include "userns-pool.h"
#include "userns-diag.h"
#include "banned.h"

/* ---- R: create as a transaction ---- */

static void kill_and_reap(pid_t *pid)
{
	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	(void)RETRY_EINTR(waitpid(*pid, NULL, 0));
	*pid = 0;
}

static void undo_pool(void *data)
{
	struct create_run *c = data;

	tn_pool_release(c->o->root, c->o->id);
}

static void undo_state_dir(void *data)
{
	struct create_run *c = data;

	tn_container_remove_dir(c->dir);
}

static void undo_copy(void *data)
{
	struct create_run *c = data;

	(void)tn_rootfs_copy_remove(c->p.copy, c->o->subid, NULL);
}

static void undo_p1(void *data)
{
	kill_and_reap(&((struct create_run *)data)->p1);
}

static void undo_init(void *data)
{
	kill_and_reap(&((struct create_run *)data)->init);
}

static void undo_pid_file(void *data)
{
	struct create_run *c = data;

	if (c->pid_file_written)
		(void)unlink(c->o->pid_file);
}

/* A recorded rootfs that create shifted to the container's maps goes back to where it was. */
static void undo_shift(void *data)
{
	struct create_run *c = data;
	struct tn_shift_request req = {
		.root = c->p.rootfs,
		.to = { &c->shifted_from[0], &c->shifted_from[1] },
	};
	struct tn_shift_result res;

	(void)tn_shift_run(&req, c->o->subid, &res, NULL);
}

static void create_run_done(struct create_run *c)
{
	tn_txn_rollback(&c->txn); /* after a commit: nothing */
	create_plan_done(&c->p);
	free(c->dir);
	if (c->state_tmp)
		unlink(c->state_tmp);
	free(c->state_tmp);
	free(c->state_text);
	tn_error_free(c->preflight_warning);
	safe_close(c->fifo_fd);
	safe_close(c->start_fd);
	safe_close(c->p1_root);
	safe_close(c->p1_userns);
	safe_close(c->sync_fd);
	tn_idmap_done(&c->shifted_from[0]);
	tn_idmap_done(&c->shifted_from[1]);
	tn_cgroup_placed_done(&c->placed);
}

/* ---- R: talking to the child stages ---- */

/*
 * As runc: a container in a user namespace gets its bind sources opened by R, as root on the host
 * (container-sources.h), when R is root, with SETUP's work (stage1_work). Rootless, R can open
 * no more than init.
 */
static bool sends_sources(const struct create_run *c)
{
	const struct create_plan *p = &c->p;

	if (geteuid() != 0 || tn_rootless() || !(p->new_userns || p->cfg.ns[TN_NS_USER].path))
		return false;
	if (!(p->new_flags & CLONE_NEWUSER) && c->o->no_cgroup)
		return false; /* no SETUP */
	if (p->new_userns && tn_container_idmaps(&p->cfg, p->idmap_rootfs))
		return true; /* made on P1's user namespace (idmapped_on_p1) */
	for (size_t i = 0; i < p->cfg.n_mounts; i++)
		if (tn_mount_source_wanted(&p->cfg.mounts[i]))
			return true;
	return false;
}

/* The idmapped mounts of a container with a new user namespace: on that namespace, maps written. */
static int idmapped_on_p1(struct create_run *c, struct tn_error **err)
{
	struct create_plan *p = &c->p;

	if (!p->new_userns || !tn_container_idmaps(&p->cfg, p->idmap_rootfs))
		return 0;
	return tn_container_idmapped(
		&(struct tn_container_idmap_req){ .cfg = &p->cfg,
						  .bundle = p->bundle,
						  .rootfs = p->rootfs,
						  .idmap_rootfs = p->idmap_rootfs,
						  .rootfs_optional = p->idmap_rootfs_auto,
						  .maps = p->maps.map,
						  .userns_fd = c->p1_userns,
						  .rootfs_dev = p->rootfs_dev,
						  .rootfs_ino = p->rootfs_ino },
		&p->idm, err);
}

/* P1: into its cgroup2 directory from the start where the kernel takes it; else forked. */
static pid_t fork_p1(struct create_run *c, bool dumpable)
{
	_cleanup_close_ int fd = c->placed.used ? tn_cgroup_open_v2(&c->placed) : -1;
	pid_t pid = tn_container_fork_p1(&c->p, fd, dumpable, &c->single, &c->p1_cloned_in);

	c->p.cgroup_used = c->p.cgroup_used || (pid > 0 && c->p1_cloned_in);
	return pid;
}

/*
 * SETUP: P1's namespaces exist: the maps of a new user namespace, then the container's cgroup
 * (made, limited, P1 moved in), before P1 makes the cgroup namespace and forks init, which
 * inherits both. A rootless caller without a delegated cgroup gets none.
 */
static int stage1_work(struct create_run *c, struct tn_error **err)
{
	struct create_plan *p = &c->p;
	int r;

	if (c->stage1_done)
		return 0;
	c->stage1_done = true;
	if (p->new_userns) {
		r = tn_txn_step(&c->txn, "maps", err);
		if (r < 0)
			return r;
		r = tn_idmap_write(
			c->p1, (const struct tn_idmap *[2]){ &p->maps.map[0], &p->maps.map[1] },
			(const char *[2]){ p->maps.helper[0].path, p->maps.helper[1].path }, err);
		if (r < 0)
			return r;
	}
	if (!c->o->no_cgroup && c->o->systemd_cgroup) {
		r = tn_create_cgroup_systemd(c, err);
		if (r < 0)
			return r;
	} else if (!c->o->no_cgroup && c->placed.used) {
		r = tn_txn_step(&c->txn, "cgroup-join", err);
		if (r < 0)
			return r;
		p->cgroup_used = true; /* P1 goes in, maybe in part: the undo kills what is there */
		r = tn_cgroup_join(&c->placed, c->p1, c->p1_cloned_in, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * With a user namespace: the idmapped mounts on it and the bind sources, opened in P1's mount
 * namespace (which is final by SETUP) and sent for init; after SETUP's GO, while P1 makes the
 * other namespaces (the network namespace is the slow one), not before it.
 */
static int stage1_sources(struct create_run *c, struct tn_error **err)
{
	struct create_plan *p = &c->p;
	int r;

	if (c->p1_root < 0)
		return 0; /* nothing to send (pin_p1 decided) */
	r = tn_txn_step(&c->txn, "idmapped-mounts", err);
	if (r < 0)
		return r;
	r = idmapped_on_p1(c, err);
	if (r < 0)
		return r;
	r = tn_mount_sources_send(&p->cfg, p->bundle, c->p1_root, p->idm.rootfs_fd, p->idm.fds,
				  c->sync_fd);
	return r < 0 ? tn_error_errno(err, -r, "cannot send the bind mounts' sources") : 0;
}

/*
 * P1's root and user namespace, opened while P1 waits for GO: the sources and the idmapped
 * mounts are made after GO, when a P1 of two stages may have forked init and exited already
 * (its /proc/PID/root is gone then; init has the same root and namespaces).
 */
static int pin_p1(struct create_run *c, struct tn_error **err)
{
	char path[64];

	if (!sends_sources(c))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)c->p1);
	c->p1_root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->p1_root < 0)
		return tn_error_errno(err, errno, "cannot open the container's mount namespace");
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)c->p1);
	c->p1_userns = open(path, O_RDONLY | O_CLOEXEC);
	if (c->p1_userns < 0)
		return tn_error_errno(err, errno, "cannot open the container's user namespace");
	return 0;
}

/* SETUP: what P1 waits for, done (early, for the single stage), then GO. */
static int p1_failed_first(struct create_run *c, int r, struct tn_error **err);

static int setup_stage1(struct create_run *c, struct tn_error **err)
{
	int r;

	if (c->go_sent)
		return 0; /* sent ahead (send_ahead) */
	r = stage1_work(c, err);
	if (r < 0)
		return r;
	r = pin_p1(c, err);
	if (r < 0)
		return r;
	r = tn_sync_send_type(c->sync_fd, TN_SYNC_GO);
	if (r < 0)
		return r;
	c->go_sent = true;
	r = stage1_sources(c, err);
	if (r < 0)
		return p1_failed_first(c, r, err); /* P1's own error, if it failed meanwhile */
	/* While P1 makes the other namespaces; init has it with the GO after PID. */
	return tn_container_make_fifo(c->dir, &c->fifo_fd, err);
}

/* PID: init exists. From now on a failure kills it; P1 has exited (reaped here). */
/* The container's state as hooks and the seccomp agent read it during create (borrowed). */
static struct tn_state creating_state(const struct create_run *c, pid_t pid)
{
	return (struct tn_state){
		.id = (char *)c->o->id,
		.pid = pid,
		.bundle = c->p.bundle,
		.annotations = c->p.cfg.annotations,
		.n_annotations = c->p.cfg.n_annotations,
		.status = TN_STATUS_CREATING,
	};
}

/* What init waits for before its mounts: exec.fifo, then GO (with the state the seccomp agent
 * gets, when the filter notifies). */
static int init_go(struct create_run *c, const struct tn_state *st, pid_t pid,
		   struct tn_error **err)
{
	/* Made already, unless P1 needed no SETUP. */
	int r = c->fifo_fd < 0 ? tn_container_make_fifo(c->dir, &c->fifo_fd, err) : 0;

	if (r < 0)
		return r;
	r = tn_sync_send_fifo(c->sync_fd, c->fifo_fd);
	if (r < 0)
		return p1_failed_first(c, r, err); /* init's own error, if it failed first */
	return tn_seccomp_go(c->sync_fd, c->p.cfg.seccomp, st, pid);
}

/*
 * `run` (o->start_fd): exec.fifo open for reading once all of create that may fail before READY
 * is done (the limits, the device filter, state.json's text, the pre-flight), so that init goes
 * on at READY without waiting for run; until then its open of the fifo waits, as for a start.
 * What is left after READY is renaming state.json into place and --pid-file (which runc too
 * writes once the process runs). Not where startContainer hooks run (they may ask for the
 * state, in place only after READY), with a --userns auto range (bound to init only after
 * READY), or with a terminal (the relay sets its size before start).
 */
static int open_start(struct create_run *c, struct tn_error **err)
{
	_cleanup_free_ char *path = NULL;

	if (!c->o->start_fd || c->p.cfg.hooks.n[TN_HOOK_START_CONTAINER] || c->p.pooled ||
	    c->p.cfg.process.terminal)
		return 0;
	if (asprintf(&path, "%s/%s", c->dir, TN_EXEC_FIFO) < 0)
		return -ENOMEM;
	c->start_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->start_fd < 0)
		return tn_error_errno(err, errno, "cannot open %s", path);
	return 0;
}

/* linux.resources on the cgroup, once init exists: ahead in the single stage, else at PID. */
static int apply_limits(struct create_run *c, struct tn_error **err)
{
	int r;

	if (c->limits_set)
		return 0;
	r = tn_cgroup_placed_apply(&c->placed, &c->p.cfg.resources, err);
	if (r < 0)
		return r;
	c->limits_set = true;
	return 0;
}

static int init_known(struct create_run *c, const struct tn_sync_msg *m, struct tn_error **err)
{
	pid_t pid = c->single ? c->p1 : m->pid; /* P1 is init, or told init's PID */
	const struct tn_state st = creating_state(c, pid);
	int r;

	if (pid <= 0)
		return tn_error_set(err, EPROTO, "the container's init has no PID");
	c->init = pid;
	c->p.init_userns = m->userns;
	r = tn_txn_undo(&c->txn, undo_init, c);
	if (r < 0)
		return r;
	if (c->single)
		c->p1 = 0; /* init's undo from now on */
	r = tn_txn_step(&c->txn, "init", err);
	if (r < 0)
		return r;
	/* Before init's GO, so before anything of the container's own can run, whoever opens
	 * exec.fifo (done already in the single stage). */
	r = apply_limits(c, err);
	if (r < 0)
		return r;
	r = c->init_go_sent ? 0 : init_go(c, &st, pid, err);
	if (r < 0)
		return r;
	/* Written while init sets itself up; in place once it is ready (create_keep). */
	r = tn_create_state_prepare(&c->p, c->o->root, c->o->id, c->init, &c->state_tmp,
				    &c->state_text, err);
	if (r < 0)
		return r;
	/* The pre-flight too (a scan of up to a thousand files of an image): its warning is read
	 * once create is done, and the scan waits for nothing of init's. */
	r = tn_txn_step(&c->txn, "preflight", err);
	if (r < 0)
		return r;
	r = plan_preflight(&c->p, &c->preflight_warning);
	if (r < 0)
		return r;
	r = open_start(c, err);
	if (r < 0)
		return r;
	/* P1 said its last word and exits: reaped once init goes on, not before. */
	if (c->p1 > 0)
		(void)RETRY_EINTR(waitpid(c->p1, NULL, 0));
	c->p1 = 0;
	return 0;
}

/* HOOKS: prestart and createRuntime, in tenant's namespaces; then init may go on, with the
 * state for its createContainer and startContainer hooks: there init's PID is the one it has
 * in its own PID namespace (1 in a new one), as runc's init gives it. */
static int runtime_hooks(struct create_run *c, struct tn_error **err)
{
	_cleanup_free_ char *json = NULL, *inner = NULL;
	struct tn_state s = creating_state(c, c->init);
	struct tn_sync_msg go = { .type = TN_SYNC_GO };
	const struct tn_hook_env where = { .dir = c->p.bundle }; /* runc runs in the bundle */
	int r = tn_txn_step(&c->txn, "hooks", err);

	if (r < 0)
		return r;
	r = tn_state_to_hook_json(&s, TN_OCI_VERSION, &json);
	if (r < 0)
		return r;
	r = tn_hooks_run(&c->p.cfg.hooks, TN_HOOK_PRESTART, json, &where, err);
	if (r < 0)
		return r;
	r = tn_hooks_run(&c->p.cfg.hooks, TN_HOOK_CREATE_RUNTIME, json, &where, err);
	if (r < 0)
		return r;
	if (c->p.new_flags & CLONE_NEWPID)
		s.pid = 1;
	r = tn_state_to_hook_json(&s, TN_OCI_VERSION, &inner);
	if (r < 0)
		return r;
	go.state = inner;
	return tn_sync_send(c->sync_fd, &go);
}

/* ERROR or UNSHARE_FAILED from a stage, as R's error. */
static int child_error(const struct tn_sync_msg *m, struct tn_error **err)
{
	if (m->type == TN_SYNC_UNSHARE_FAILED) { /* explained with this machine's facts */
		struct tn_userns_facts f;

		tn_userns_facts_gather("/proc", m->code, &f);
		return tn_userns_explain(&f, err);
	}
	return tn_sync_error(m, err);
}

/* SETUP's work (done early, or its sources after GO) failed: P1's own error instead when P1
 * failed first (it says why, where R would only see it gone); else R's. */
static int p1_failed_first(struct create_run *c, int r, struct tn_error **err)
{
	_cleanup_(tn_sync_msg_done) struct tn_sync_msg m = { 0 };

	if (tn_sync_recv(c->sync_fd, &m) < 0)
		return r;
	/* Two stages: init exists and waits for what R will not send; killed with the rest. */
	if (m.type == TN_SYNC_PID && !c->single && m.pid > 0 && c->init <= 0) {
		c->init = m.pid;
		if (tn_txn_undo(&c->txn, undo_init, c) < 0)
			kill_and_reap(&c->init);
	}
	if (m.type != TN_SYNC_ERROR && m.type != TN_SYNC_UNSHARE_FAILED)
		return r; /* SETUP or PID: P1 went on */
	if (err) {
		tn_error_free(*err);
		*err = NULL;
	}
	return child_error(&m, err);
}

/* One message of P1 or init, answered. 1 when init is ready. */
static int supervise_one(struct create_run *c, const struct tn_sync_msg *m, struct tn_error **err)
{
	int r;

	switch (m->type) {
	case TN_SYNC_SETUP:
		r = setup_stage1(c, err);
		break;
	case TN_SYNC_PID:
		r = init_known(c, m, err);
		break;
	case TN_SYNC_HOOKS:
		r = c->init > 0 ? runtime_hooks(c, err) : -EPROTO;
		break;
	case TN_SYNC_READY:
		return c->init > 0 ? 1 : tn_error_set(err, EPROTO, "init was ready before its PID");
	default:
		return child_error(m, err);
	}
	if (r == -EPROTO || r == -EPIPE)
		return tn_error_errno(err, -r, "the container's setup stopped talking");
	return r;
}

/* Follow P1 and init through setup, one message at a time, until init is ready. */
static int supervise_setup(struct create_run *c, struct tn_error **err)
{
	for (;;) {
		_cleanup_(tn_sync_msg_done) struct tn_sync_msg m = { 0 };
		int r = tn_sync_recv(c->sync_fd, &m);

		if (r == -EPIPE)
			return tn_error_set(err, EIO,
					    "the container's init process exited during setup");
		if (r < 0)
			return tn_error_errno(err, -r, "cannot hear the container's setup");
		r = supervise_one(c, &m, err);
		if (r != 0)
			return r < 0 ? r : 0;
	}
}

/* The stages' context; the console fd and socket stay R's (closed by the caller's scope). */
static void launch_ctx(const struct create_run *c, int console_fd, int agent_fd,
		       struct tn_init_ctx *ctx)
{
	const struct create_plan *p = &c->p;

	*ctx = (struct tn_init_ctx){
		.cfg = &p->cfg,
		.o = c->o,
		.rootfs = p->rootfs,
		.fifo_fd = c->fifo_fd,
		.new_flags = p->new_flags,
		.cgroup_setup = !c->o->no_cgroup,
		.proc_fd = -1,
		.console_fd = console_fd,
		.console_relayed = !c->o->console_socket,
		.rootfs_fd = p->idm.rootfs_fd,
		.mount_fds = p->idm.fds,
		.send_sources = sends_sources(c),
		.seccomp = p->cfg.seccomp ? &p->seccomp : NULL,
		.seccomp_agent_fd = agent_fd,
		/* Also when tenant itself runs in a user namespace (under rootless podman): no
		 * mknod, and the kernel's mount restrictions of user namespaces apply. */
		.in_userns = p->new_userns || p->cfg.ns[TN_NS_USER].path || tn_rootless(),
		.setgroups_ok = !p->new_userns || !p->maps.map[1].deny_setgroups,
		.maps_dumpable = p->new_userns && (geteuid() != 0 ||
						   p->maps.map[0].writer == TN_IDMAP_WRITE_HELPER ||
						   p->maps.map[1].writer == TN_IDMAP_WRITE_HELPER),
	};
}

/*
 * The single stage, SETUP's work done: what P1 and init will wait for, sent before they ask
 * (SETUP's GO, the sources, exec.fifo and init's GO; R has init's PID from the clone), so that
 * P1 goes from its start to its mounts without waiting on R (each wait is a wakeup across CPUs);
 * their SETUP and PID are read later, and answered already.
 */
static int send_ahead(struct create_run *c, struct tn_error **err)
{
	const struct tn_state st = creating_state(c, c->p1);
	int r = setup_stage1(c, err);

	if (r < 0)
		return r;
	/* The limits and the device filter, while P1 makes the network namespace (P1 is init,
	 * alone in the cgroup), and before init's GO. At PID they came while init mounted, and
	 * R's device filter (a BPF load, its JIT's text patching) slowed init's mounts: 0.07 to
	 * 0.12 ms a run. */
	r = apply_limits(c, err);
	if (r < 0)
		return r;
	r = init_go(c, &st, c->p1, err);
	if (r < 0)
		return r;
	c->init_go_sent = true;
	return 0;
}

/* Fork P1 (container-init.h), which makes the namespaces and init. */
static int launch(struct create_run *c, struct tn_error **err)
{
	_cleanup_close_ int console_fd = -1, child_fd = -1, agent_fd = -1;
	struct tn_init_ctx ctx;
	int sv[2], r;
	bool early;

	r = tn_txn_step(&c->txn, "console", err);
	if (r < 0)
		return r;
	if (c->o->console_socket) {
		r = tn_console_connect(c->o->console_socket, &console_fd, err);
		if (r < 0)
			return r;
	} else if (c->p.cfg.process.terminal) {
		r = tn_console_relayed(c->o->console_fd, &console_fd, err);
		if (r < 0)
			return r;
	}
	r = tn_seccomp_agent_connect(c->p.cfg.seccomp, &agent_fd, err);
	if (r < 0)
		return r;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return tn_error_errno(err, errno, "cannot create a socket pair");
	c->sync_fd = sv[0];
	child_fd = sv[1];
	launch_ctx(c, console_fd, agent_fd, &ctx);
	r = tn_create_cgroup_place(c, err);
	if (r < 0)
		return r;
	r = tn_txn_step(&c->txn, "fork", err);
	if (r < 0)
		return r;
	/* Init stays tenant's child until tenant exits (when P1 is gone), so an init that fails
	 * during setup is reaped here and its PID cannot be reused under us. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	c->p1 = fork_p1(c, ctx.maps_dumpable);
	if (c->p1 < 0) {
		c->p1 = 0;
		return tn_error_errno(err, errno, "cannot fork");
	}
	if (c->p1 == 0) {
		/* The child's copy of R's end: P1 and init talk on theirs alone. */
		close(c->sync_fd);
		ctx.sync_fd = child_fd;
		ctx.single_stage = c->single;
		ctx.cloned_flags = c->single ? tn_container_single_stage_flags(&c->p) : 0;
		ctx.oom_by_runtime = c->single && !tn_rootless();
		tn_container_stage1(&ctx);
	}
	r = tn_txn_undo(&c->txn, undo_p1, c);
	if (r < 0)
		return r;
	/* Only the stages may hold the other end: R sees EOF when both are gone. */
	child_fd = safe_close(child_fd);
	r = c->single ? tn_container_p1_oom_score(c->p1, &c->p.cfg.process, err) : 0;
	if (r < 0)
		return p1_failed_first(c, r, err);
	/* SETUP's work while P1 starts, not once it asks (P1 waits for GO); not where P1 would
	 * be dumpable only for SETUP (born of a non-dumpable R, it needs to be for its maps). */
	early = c->single && (!ctx.maps_dumpable || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 1);
	r = early ? stage1_work(c, err) : 0;
	if (r < 0)
		return p1_failed_first(c, r, err);
	r = early ? send_ahead(c, err) : 0;
	if (r < 0)
		return r;
	console_fd = safe_close(console_fd);
	agent_fd = safe_close(agent_fd);
	return supervise_setup(c, err);
}

/* ---- R: what create keeps ---- */

/* A copy of config.json in the state directory: exec takes the container's process from it. */
static int save_config(struct create_run *c, struct tn_error **err)
{
	_cleanup_free_ char *dst = NULL;
	int r;

	if (asprintf(&dst, "%s/%s", c->dir, TN_CONFIG_COPY) < 0)
		return -ENOMEM;
	r = tn_volatile_replace(dst, c->p.config_text, c->p.config_len, 0600, geteuid(), getegid());
	return r < 0 ? tn_error_errno(err, -r, "cannot keep a copy of %s", c->p.config_path) : 0;
}

static int save_pid_file(struct create_run *c, struct tn_error **err)
{
	int r;

	if (!c->o->pid_file)
		return 0;
	r = tn_txn_undo(&c->txn, undo_pid_file, c);
	if (r < 0)
		return r;
	r = tn_write_pid_file(c->o->pid_file, c->init, err);
	if (r < 0)
		return r;
	c->pid_file_written = true;
	return 0;
}

/* The state directory (its exec.fifo comes once P1 exists: tn_container_make_fifo). */
static int make_state_dir(struct create_run *c, struct tn_error **err)
{
	_cleanup_free_ char *dir = tn_state_dir(c->o->root, c->o->id);
	int r;

	if (!dir)
		return -ENOMEM;
	r = tn_container_make_dir(dir);
	if (r == -EEXIST)
		return tn_error_set(err, EEXIST, "container '%s' already exists", c->o->id);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot create %s", dir);
	c->dir = TAKE_PTR(dir);
	return tn_txn_undo(&c->txn, undo_state_dir, c);
}

extern char **environ;

/*
 * Before anything of the container exists: run from a sealed copy of tenant's binary when the
 * container could write the binary (exe-seal.h). The process planned so far runs again from the
 * copy: what planning did is idempotent (the state root, the remap account, and the --userns auto
 * range, which is this PID's own pending entry and is taken again).
 */
static int seal_if_reachable(const struct tn_container_opts *o, const struct create_plan *p,
			     struct tn_error **err)
{
	const struct tn_idmap *maps[2] = { &p->maps.map[0], &p->maps.map[1] };

	/* A user namespace joined by path: its maps are not read here. */
	if (!p->new_userns || p->cfg.ns[TN_NS_USER].path)
		return tn_exe_seal_if_reachable(NULL, o->argv, environ, o->sigmask, err);
	return tn_exe_seal_if_reachable(maps, o->argv, environ, o->sigmask, err);
}

/*
 * A rootfs tenant has shifted before (its record is in tenant's store) follows the container:
 * shifted to its maps unless it is there already, or finished when a shift was interrupted.
 * Once per range; an unshifted tree is never chowned behind the user's back. A shift this create
 * made is undone if create fails; a busy tree's earlier maps are unknown: it stays finished.
 */
static int shift_rootfs(struct create_run *c, struct tn_error **err)
{
	struct create_plan *p = &c->p;
	struct tn_shift_request req = { .root = p->rootfs,
					.to = { &p->maps.map[0], &p->maps.map[1] } };
	struct tn_shift_result res;
	int r;

	if (!p->new_userns || p->idmap_rootfs || p->n_sparse[0] > 0)
		return 0;
	c->shifted_from[0].kind = TN_IDMAP_UID;
	c->shifted_from[1].kind = TN_IDMAP_GID;
	r = tn_shift_recorded(p->rootfs, c->shifted_from);
	if (r == -ENODATA || r == -ENOTSUP)
		return 0;
	r = tn_shift_run(&req, c->o->subid, &res, err);
	if (r < 0 || res.already || res.resumed)
		return r;
	return tn_txn_undo(&c->txn, undo_shift, c);
}

/* Planning (nothing of the container exists yet but a pending range), then the checks and
 * the shift that come before anything is made for it (the pre-flight comes later: init_known). */
static int create_prepare(struct create_run *c, struct tn_container *ret, struct tn_error **err)
{
	const struct tn_container_opts *o = c->o;
	int r = tn_txn_step(&c->txn, "plan", err);

	if (r < 0)
		return r;
	r = plan_create(o, &c->p, err);
	/* A range allocated before planning failed goes back too: registered either way. */
	if (c->p.pooled) {
		int u = tn_txn_undo(&c->txn, undo_pool, c);

		if (u < 0)
			return u;
	}
	if (r < 0)
		return r;
	r = tn_txn_step(&c->txn, "seal", err);
	if (r < 0)
		return r;
	r = seal_if_reachable(o, &c->p, err);
	if (r < 0)
		return r;
	r = tn_txn_step(&c->txn, "shift", err);
	if (r < 0)
		return r;
	r = shift_rootfs(c, err);
	if (r < 0)
		return r;
	/* The maps an engine wrote (as for runc, which says nothing): not on its stderr. */
	ret->warning_quiet = c->p.cfg.n_uid_mappings > 0;
	return 0;
}

/* The rootfs is root's alone: idmapped, that very directory (pinned for idmapped_on_p1). */
static bool rootfs_trusted(struct create_plan *p)
{
	struct stat st;

	if (stat(p->rootfs, &st) < 0 || !tn_idmapped_tree_trusted(&st))
		return false;
	p->rootfs_dev = st.st_dev;
	p->rootfs_ino = st.st_ino;
	return true;
}

/*
 * An unshifted rootfs (auto:size=image) seen through the container's maps: an idmapped mount
 * as root where the filesystem takes one and the tree is root's alone (idmapped.h), else a
 * shifted copy of its own.
 */
static int prepare_rootfs_view(struct create_run *c, struct tn_error **err)
{
	struct create_plan *p = &c->p;
	const struct tn_idmap_extent *ext[2] = { p->sparse[0], p->sparse[1] };
	int r;

	if (!p->idmap_rootfs || p->n_sparse[0] == 0 ||
	    (!tn_rootless() && rootfs_trusted(p) && tn_idmapped_supported(p->rootfs)))
		return 0;
	p->idmap_rootfs = false;
	p->copy = tn_rootfs_copy_path(c->o->root, c->o->id);
	if (!p->copy)
		return -ENOMEM;
	r = tn_rootfs_copy_prepare(p->copy, err);
	if (r < 0)
		return r;
	/* The ID is free (its state directory was just made): a copy there is a crashed one's. */
	r = tn_rootfs_copy_remove(p->copy, c->o->subid, err);
	if (r < 0)
		return r;
	r = tn_txn_undo(&c->txn, undo_copy, c);
	if (r < 0)
		return r;
	r = tn_rootfs_copy(p->rootfs, p->copy, c->o->subid, ext, p->n_sparse, err);
	if (r < 0)
		return r;
	free(p->rootfs);
	p->rootfs = strdup(p->copy);
	return p->rootfs ? 0 : -ENOMEM;
}

/* What the container is made of: its state directory, its root filesystem as it will see it. */
static int create_make(struct create_run *c, struct tn_error **err)
{
	struct create_plan *p = &c->p;
	int r = tn_txn_step(&c->txn, "state-dir", err);

	if (r < 0)
		return r;
	r = make_state_dir(c, err);
	if (r < 0)
		return r;
	/* The config first: a delete --force of what a killed create left finds its cgroup. */
	r = tn_txn_step(&c->txn, "config", err);
	if (r < 0)
		return r;
	r = save_config(c, err);
	if (r < 0)
		return r;
	r = tn_txn_step(&c->txn, "rootfs", err);
	if (r < 0)
		return r;
	r = prepare_rootfs_view(c, err);
	if (r < 0)
		return r;
	/* With a new user namespace, they are made on it (idmapped_on_p1); refused early here. */
	if (p->new_userns)
		return tn_container_idmapped_allowed(&p->cfg, p->idmap_rootfs, err);
	r = tn_txn_step(&c->txn, "idmapped-mounts", err);
	if (r < 0)
		return r;
	/* Detached mounts: they go with their fds (create_plan_done). */
	return tn_container_idmapped(
		&(struct tn_container_idmap_req){ .cfg = &p->cfg,
						  .bundle = p->bundle,
						  .rootfs = p->rootfs,
						  .idmap_rootfs = p->idmap_rootfs,
						  .userns_fd = -1 },
		&p->idm, err);
}

/* After init is ready: the state, the pid file, the range bound to init. */
static int create_keep(struct create_run *c, struct tn_error **err)
{
	int r = tn_txn_step(&c->txn, "state", err);

	if (r < 0)
		return r;
	r = tn_state_commit(c->o->root, c->o->id, c->state_tmp, err);
	if (r < 0)
		return r;
	free(TAKE_PTR(c->state_tmp));
	r = tn_txn_step(&c->txn, "pid-file", err);
	if (r < 0)
		return r;
	r = save_pid_file(c, err);
	if (r < 0)
		return r;
	r = tn_txn_step(&c->txn, "commit", err);
	if (r < 0)
		return r;
	if (!c->p.pooled)
		return 0;
	return tn_pool_commit(c->o->root, c->o->id, c->init, c->p.init_userns, err);
}

static void create_result(struct create_run *c, struct tn_container *ret)
{
	const struct create_plan *p = &c->p;

	ret->pid = c->init;
	ret->state_dir = TAKE_PTR(c->dir);
	ret->state_text = TAKE_PTR(c->state_text);
	ret->warning = TAKE_PTR(c->preflight_warning);
	ret->hooks = TAKE_STRUCT(c->p.cfg.hooks);
	ret->no_cgroup = !c->o->no_cgroup && !p->cgroup_used;
	ret->cgroup_busy = p->cgroup_busy;
	ret->cgroup_warning = TAKE_PTR(c->p.cgroup_warning);
	ret->pool_added = p->pooled && p->grant.added_pool;
	ret->registry_recovered = p->pooled && p->grant.recovered;
	ret->remap_added = p->remap_added.ranges;
	ret->remap_account_added = p->remap_added.account;
	ret->remap_user = TAKE_PTR(c->p.remap_user);
	if (c->o->start_fd)
		*c->o->start_fd = TAKE_FD(c->start_fd);
}

int tn_container_create(const struct tn_container_opts *o, struct tn_container *ret,
			struct tn_error **err)
{
	_cleanup_(create_run_done) struct create_run c = {
		.o = o,
		.p = { .idm = { .rootfs_fd = -1 } },
		.txn = TN_TXN_INIT("create"),
		.fifo_fd = -1,
		.start_fd = -1,
		.sync_fd = -1,
		.p1_root = -1,
		.p1_userns = -1,
	};
	int r;

	*ret = (struct tn_container){ 0 };
	r = tn_container_id_check(o->id, err);
	if (r < 0)
		return r;
	/* As runc: the state root first (made if missing; refused when someone else's). */
	r = tn_state_root_prepare(o->root, err);
	if (r < 0)
		return r;
	r = create_prepare(&c, ret, err);
	if (r < 0)
		return r;
	r = create_make(&c, err);
	if (r < 0)
		return r;
	r = launch(&c, err);
	if (r < 0)
		return r;
	r = create_keep(&c, err);
	if (r < 0)
		return r;
	tn_txn_commit(&c.txn);
	create_result(&c, ret); /* the pre-flight's warning too: not one of a failed create */
	return 0;
}
