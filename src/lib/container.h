/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI container lifecycle: create, start, kill, delete (docs/oci.md).
 *
 *	tenant (R) ---fork---> stage 1 (P1): setns/unshare the namespaces; R writes the maps
 *	                        \---fork---> init (P2): pid 1 of a new PID namespace; rootfs,
 *	                                     mounts, pivot_root; "ready"; waits on exec.fifo
 *	R: state.json, pid file, exit (create) | open exec.fifo, wait for P2 (run)
 *	tenant start: opens exec.fifo, P2 sets credentials and capabilities and execs.
 *
 * R, P1 and P2 talk over one SOCK_SEQPACKET pair; every message is a struct tn_sync_msg.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "oci-config.h"
#include "subid.h"
#include "userns-plan.h"

struct tn_container_opts {
	const char *root; /* state root */
	const char *id;
	const char *bundle;	 /* as given; made absolute */
	const char *config_path; /* NULL: BUNDLE/config.json */
	const char *pid_file;
	const char *console_socket;
	int console_fd; /* > 0: tenant relays process.terminal (tty-relay.h), its master goes here */
	bool no_pivot;
	unsigned preserve_fds;
	bool foreground; /* `run` without --detach: tenant stays the parent (subreaper) */
	const sigset_t
		*sigmask;    /* tenant's own mask before it blocked signals (a sealed re-exec) */
	bool no_cgroup;	     /* --cgroup-manager disabled */
	bool systemd_cgroup; /* --cgroup-manager systemd: a transient scope (cgroup-systemd.h) */
	struct tn_userns_mode userns_mode; /* --userns (the annotation run.tenant.userns wins) */
	const struct tn_subid_source *subid;
	char *const *argv; /* tenant's own, to run again from a sealed copy (exe-seal.h) */
	/* `run`: exec.fifo opened for reading once the limits are set (container-create.c's
	 * open_start), here once create is done, so init goes on to the process as soon as it is
	 * ready, as crun's run starts it without a `start`; else left -1. */
	int *start_fd;
};

/* What create leaves for the caller (run waits on pid). */
struct tn_container {
	pid_t pid;
	char *state_dir;
	char *state_text;	   /* its state.json as create wrote it */
	struct tn_oci_hooks hooks; /* config.json's, as parsed for it */
	bool no_cgroup;		   /* rootless, and no cgroup could be made for it (for --debug) */
	size_t cgroup_busy;	   /* processes already in its cgroup, which it shares (warn) */
	bool pool_added;	   /* --userns auto made the pool's ranges (say so) */
	bool registry_recovered;   /* its registry was damaged, and rebuilt (say so) */
	bool remap_added;	   /* --userns remap gave the remap user its ranges (say so) */
	bool remap_account_added;  /* ... and created its account */
	char *remap_user;	   /* --userns remap: whose ranges */
	struct tn_error *warning;  /* the rootfs has owners the maps cannot show (print it) */
	struct tn_error *cgroup_warning; /* limits the scope's cgroup cannot apply (print it) */
	bool warning_quiet; /* ... with config.json's own maps: to a terminal or --log only */
};

int tn_container_create(const struct tn_container_opts *o, struct tn_container *ret,
			struct tn_error **err);
void tn_container_done(struct tn_container *c);

/*
 * Let a created container run: open its exec.fifo, which releases init into exec; then the
 * poststart hooks, whose failure is only a warning (*warn, which may be NULL).
 */
int tn_container_start(const char *root, const char *id, struct tn_error **err,
		       struct tn_error **warn);

/* The same with the container's state as tn_state_load gave it, and its hooks (NULL: read from
 * its config copy); `run` has both from create, and maybe exec.fifo open (`fifo_fd`, taken;
 * -1: opened here). */
struct tn_state;
int tn_container_start_loaded(const char *root, struct tn_state *s,
			      const struct tn_oci_hooks *hooks, int fifo_fd, struct tn_error **err,
			      struct tn_error **warn);

/* Send `sig` to the container's init (all its processes with `all`). */
int tn_container_kill(const char *root, const char *id, int sig, bool all, struct tn_error **err);

/* Remove a stopped container (a running one only with `force`, after SIGKILL); then poststop. */
int tn_container_delete(const char *root, const char *id, bool force, struct tn_error **err,
			struct tn_error **warn);
/* `run`'s delete of the container it started (state `s`), once it has waited for its process
 * (an init still alive is killed first, as by delete --force). */
int tn_container_delete_ended(const char *root, struct tn_state *s,
			      const struct tn_oci_hooks *hooks, struct tn_error **err,
			      struct tn_error **warn);

struct tn_exec_opts {
	const char *root;
	const char *id;
	const char *process_path; /* --process FILE: the whole process; else the container's */
	char **args;		  /* COMMAND [ARGS...], NULL-terminated */
	bool tty;
	const char *console_socket;
	int console_fd; /* > 0: tenant relays the terminal (tty-relay.h), its master goes here */
	bool detach;
	const char *pid_file;
	const char *cwd;
	char **env;	  /* KEY=VALUE, NULL-terminated, or NULL */
	const char *user; /* UID[:GID] */
	char **caps;	  /* NULL-terminated, or NULL */
	bool no_new_privs;
	unsigned preserve_fds;
	const uint32_t *additional_gids; /* --additional-gids: added to process.user's */
	size_t n_additional_gids;
	const char *selinux_label;    /* --process-label */
	const char *apparmor_profile; /* --apparmor */
	char **cgroups;	    /* --cgroup [CONTROLLER[,...]:]PATH, NULL-terminated, or NULL */
	bool ignore_paused; /* exec in a paused container too */
	const sigset_t
		*sigmask;  /* tenant's own mask before it blocked signals (a sealed re-exec) */
	char *const *argv; /* tenant's own, to run again from a sealed copy (exe-seal.h) */
	/* `run`: exec.fifo opened for reading once the limits are set (container-create.c's
	 * open_start), here once create is done, so init goes on to the process as soon as it is
	 * ready, as crun's run starts it without a `start`; else left -1. */
	int *start_fd;
};

/*
 * Start a process in a container's namespaces. *ret_pid is its PID; without `detach` tenant is
 * its reaper (subreaper) and waits for it. *ret_in_child: the error is the process's own (exec).
 */
int tn_container_exec_process(const struct tn_exec_opts *o, pid_t *ret_pid, bool *ret_in_child,
			      struct tn_error **err);

/* pause/resume through the freezer; ps: the PIDs of the container's cgroup. */
int tn_container_freeze(const char *root, const char *id, bool freeze, struct tn_error **err);
int tn_container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n,
		      struct tn_error **err);
/* update: apply limits from a linux.resources JSON text (or the flags' equivalent); *warn:
 * limits its systemd scope's cgroup cannot apply (dropped from *res). */
int tn_container_update(const char *root, const char *id, struct tn_resources *res,
			struct tn_error **err, struct tn_error **warn);

/* The uid_map and gid_map of a container's init, as the kernel has them. */
int tn_container_maps(const char *root, const char *id, struct tn_idmap maps[2],
		      struct tn_error **err);

/* Remove a container's state directory and its contents (container-dir.c: the directory may be
 * kept as the state root's spare). */
int tn_container_remove_dir(const char *dir);
/* Make a container's state directory (mode 0700), or take the spare: -EEXIST when the ID is
 * taken, or -errno. */
int tn_container_make_dir(const char *dir);
/*
 * Its exec.fifo, writable by the container's root (runc's 0622), and an O_PATH fd of it. create
 * makes it while P1 makes its namespaces, not before the clone: a new inode can cost a disk
 * filesystem (ext4's, where /run is on disk) a good part of a millisecond.
 */
int tn_container_make_fifo(const char *dir, int *ret_fd, struct tn_error **err);

/*
 * --preserve-fds N: fds 3 to 3 + N - 1 must all be open before tenant opens anything, or one
 * of tenant's own would take a free number and be passed to the container's process.
 */
int tn_container_preserved_fds_check(unsigned n, struct tn_error **err);
