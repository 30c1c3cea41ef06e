/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the container-*.c files: the sync protocol and what the child stages need. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "container.h"
#include "error.h"
#include "idmap.h"
#include "oci-config.h"

enum tn_sync_type {
	TN_SYNC_SETUP,		/* P1 -> R: namespaces made: write the maps of a new user
				   namespace, put P1 in the container's cgroup */
	TN_SYNC_GO,		/* R -> P1: done (also: R -> P2 after HOOKS; exec: P1 reaped) */
	TN_SYNC_PID,		/* P1 -> R: init's PID */
	TN_SYNC_READY,		/* P2 -> R: the container is set up, waiting for start */
	TN_SYNC_ERROR,		/* P1/P2 -> R: setup failed; message and hint follow */
	TN_SYNC_UNSHARE_FAILED, /* P1 -> R: unshare(2) failed with `code`: R explains why */
	TN_SYNC_HOOKS,		/* P2 -> R: mounts done: run prestart, createRuntime; then GO */
};

struct tn_sync_msg {
	int type;
	int code; /* positive errno with TN_SYNC_ERROR */
	pid_t pid;
	uint64_t
		userns; /* with PID from create's P1: the inode of the container's user namespace */
	char message[16384]; /* with GO after HOOKS: the state as JSON, for the hooks in P2 */
	char hint[512];
};

int tn_sync_send(int fd, enum tn_sync_type type, int code, pid_t pid, const struct tn_error *e);
/* P1 -> R: init's PID, and the user namespace it is in (R, rootless, may not read it there). */
int tn_sync_send_pid(int fd, pid_t pid, uint64_t userns);
/* 0 on a message, -EPIPE when the other side closed without one. */
int tn_sync_recv(int fd, struct tn_sync_msg *m);

/* Everything the child stages use, prepared by R before the fork. */
struct tn_init_ctx {
	const struct tn_oci_config *cfg;
	const struct tn_container_opts *o;
	char *rootfs;	      /* absolute path of the root filesystem */
	int sync_fd;	      /* the child's end of the sync socket */
	int fifo_fd;	      /* O_PATH of exec.fifo: reopened for writing through /proc/self/fd */
	int new_flags;	      /* CLONE_NEW* to unshare, CLONE_NEWUSER included when new */
	bool in_userns;	      /* the container has its own user namespace (new or joined) */
	bool setgroups_ok;    /* setgroups(2) is allowed in that user namespace */
	bool maps_dumpable;   /* P1 is dumpable while R writes its maps (R is not root, or
				 newuidmap writes them: either needs /proc/P1 to be R's) */
	int proc_fd;	      /* P2: the host's /proc, kept across pivot_root for the fifo */
	int console_fd;	      /* connected --console-socket, or -1 */
	int rootfs_fd;	      /* an idmapped clone of the rootfs to attach (R made it), or -1 */
	const int *mount_fds; /* per mounts[i]: an idmapped mount to attach, or -1 (or NULL) */
	const sigset_t *sigmask; /* the signal mask for the container process (NULL: empty) */
	const struct tn_seccomp_bpf *seccomp; /* compiled linux.seccomp, or NULL */
	char *state_json;   /* P2: the state R sent, for createContainer and startContainer hooks */
	const char *cgroup; /* exec: the container's cgroup, joined by the new process */
	bool cgroup_setup;  /* create: R puts P1 in the container's cgroup (P1 asks with SETUP) */
	struct tn_cgroup_view cgroup_view; /* P1, for P2: what a cgroup mount shows */
};

/*
 * Every stage that enters a container's namespaces is non-dumpable until it execs the
 * container's process (the kernel decides again at execve): a process of the container can
 * then open neither its /proc/PID/exe (tenant's binary, or its sealed copy), nor its fds
 * (the host's /proc, the state directory), cwd, root or memory, which needs CAP_SYS_PTRACE in
 * the user namespace tenant was started in. Stage 1 of create and of exec do it first thing.
 */
int tn_container_protect_stage(void);

/* P1 of create and of exec, as host root, before it enters anything of the container: no
 * supplementary group of tenant's caller (sudo's 0, say) may reach the container, and where
 * setgroups is denied in its user namespace they could not be dropped later. */
int tn_container_drop_groups(struct tn_error **err);

/* P1: namespaces, then fork init; never returns. */
_Noreturn void tn_container_stage1(struct tn_init_ctx *ctx);

/* P2, before the fifo: the root filesystem, mounts, pivot_root, /dev, masked paths... */
int tn_container_setup_rootfs(struct tn_init_ctx *ctx, struct tn_error **err);
/* P2, before pivot_root: let R run its hooks, then run createContainer. */
int tn_container_hook_point(struct tn_init_ctx *ctx, struct tn_error **err);
/* Whether the config has hooks that need R and P2 to meet before pivot_root. */
bool tn_container_needs_hook_point(const struct tn_oci_config *c);
/* P2, after setup_misc: masked and read-only paths, a read-only root. */
int tn_container_protect(struct tn_init_ctx *ctx, struct tn_error **err);
/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) below rootfd; an fd or -errno. */
int tn_openat2_in_root(int rootfd, const char *path, int flags, mode_t mode);
/* tmpcopyup: copy the directory under_fd into the tmpfs now mounted at dest. */
int tn_copy_up(int rootfd, const char *dest, int under_fd);
/* R, when planning: only sysctls of the container's own namespaces. */
int tn_sysctl_check(const struct tn_oci_config *c, struct tn_error **err);
/* P2: hostname, sysctl, rlimits: what is set before start. */
int tn_container_setup_misc(struct tn_init_ctx *ctx, struct tn_error **err);
/* P1, before it is made non-dumpable (then /proc/self/oom_score_adj is root's): process.
 * oomScoreAdj, which init and its process inherit. */
int tn_container_set_oom_score(const struct tn_oci_process *p, struct tn_error **err);
/* R: connect to --console-socket. */
int tn_console_connect(const char *path, int *ret, struct tn_error **err);
/* P2: with a console socket, make a terminal, send its master, make it stdio. */
int tn_container_setup_console(struct tn_init_ctx *ctx, struct tn_error **err);
/* P2: resolve process.args[0] against the container's PATH; the path is allocated. */
int tn_container_find_exec(const struct tn_oci_process *p, char **ret, struct tn_error **err);
/* P2, after start: credentials, capabilities, no_new_privs, cwd, umask, then execve. */
int tn_container_exec(struct tn_init_ctx *ctx, const char *exec_path, struct tn_error **err);

/* R, before the fork: the idmapped mounts (container-idmap.c). */
struct tn_idmapped_mounts {
	int rootfs_fd; /* -1: the rootfs is bound as it is */
	int *fds;      /* per mounts[i], -1 for the others */
	size_t n;
};
int tn_container_idmapped(const struct tn_oci_config *cfg, const char *bundle, const char *rootfs,
			  bool idmap_rootfs, const struct tn_idmap maps[2],
			  struct tn_idmapped_mounts *ret, struct tn_error **err);
void tn_idmapped_mounts_done(struct tn_idmapped_mounts *m);

/* R, before the container runs: owners in its rootfs and bind-mounted sources that `maps`
 * cannot show, as a warning with the fix (container-preflight.c). Fails only out of memory. */
int tn_container_preflight(const struct tn_oci_config *cfg, const char *bundle, const char *rootfs,
			   const struct tn_idmap maps[2], struct tn_error **warn);
