/* SPDX-License-Identifier: Apache-2.0 */
/* What the child stages of create and exec share: their context, prepared by R before the fork. */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "cgroup.h"
#include "container.h"
#include "container-sources.h"
#include "oci-config.h"
#include "oci-seccomp.h"

/* Everything the child stages use, prepared by R before the fork. */
struct tn_init_ctx {
	const struct tn_oci_config *cfg;
	const struct tn_container_opts *o;
	char *rootfs;	      /* absolute path of the root filesystem */
	int sync_fd;	      /* the child's end of the sync socket */
	int fifo_fd;	      /* O_PATH of exec.fifo (R sends it before init's GO): reopened for
				 writing through /proc/self/fd */
	int new_flags;	      /* CLONE_NEW* to unshare, CLONE_NEWUSER included when new */
	bool single_stage;    /* create: P1 is init, cloned in cloned_flags (container-init.h) */
	int cloned_flags;     /* the CLONE_NEW* of new_flags that clone3 made with P1 */
	bool oom_by_runtime;  /* R sets P1's oom_score_adj (in a new user namespace P1 could not
				 lower it) */
	bool in_userns;	      /* the container has its own user namespace (new or joined) */
	bool setgroups_ok;    /* setgroups(2) is allowed in that user namespace */
	bool maps_dumpable;   /* P1 is dumpable while R writes its maps (R is not root, or
				 newuidmap writes them: either needs /proc/P1 to be R's) */
	int proc_fd;	      /* P2: the host's /proc, kept across pivot_root for the fifo */
	int console_fd;	      /* connected --console-socket, or -1 */
	bool console_relayed; /* console_fd is tenant's relay: the terminal without \r (-onlcr) */
	int rootfs_fd;	      /* an idmapped clone of the rootfs to attach (R made it), or -1 */
	const int *mount_fds; /* per mounts[i]: an idmapped mount to attach, or -1 (or NULL) */
	bool send_sources;    /* R sends the bind sources it opens after SETUP's GO (init receives
				 them, before the fifo and its GO) */
	struct tn_mount_sources sources;      /* P1, for P2: what R sent (container-sources.h) */
	const struct tn_seccomp_bpf *seccomp; /* compiled linux.seccomp, or NULL */
	int seccomp_agent_fd; /* connected to listenerPath when the filter notifies, or -1 */
	char *seccomp_state;  /* P2: the process state for that agent, from R's GO */
	char *state_json; /* P2: the state R sent, for createContainer and startContainer hooks */
	/* P2, right before execve, as the process's user, with its capabilities, fds and filter:
	 * create's startContainer hooks (as runc's init runs them); returns only on success. */
	void (*before_exec)(struct tn_init_ctx *ctx);
	bool exec_failed;	    /* the process's execve itself failed (tn_container_exec) */
	struct tn_cgroup_at cgroup; /* exec: the container's cgroup, joined by the new process */
	pid_t cgroup_init;	    /* exec: init, whose cgroup is joined where that one refuses */
	bool cgroup_cloned_in;	    /* exec: P1 was cloned into that cgroup's cgroup2 directory */
	char *const
		*cgroup_subs; /* exec --cgroup: its sub-cgroups to join instead (cgroup-sub.h) */
	bool cgroup_setup;    /* create: R puts P1 in the container's cgroup (P1 asks with SETUP) */
	struct tn_cgroup_view cgroup_view; /* P1, for P2: what a cgroup mount shows */
};
