/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starting a process in a new user namespace with planned maps (docs/userns.md).
 *
 *	parent (tenant)                      child
 *	fork() ------------------------------> unshare(CLONE_NEWUSER | ns_flags)
 *	                                       mounts made MS_SLAVE (with CLONE_NEWNS)
 *	read "ready" <------------------------ write "ready"
 *	write uid_map, gid_map                 (blocked on read)
 *	write "go" --------------------------> setup(), then exec
 *	read: EOF = exec'd <------------------ or the error, then _exit
 *
 * Both pipes are O_CLOEXEC, so a successful exec closes the child's end and the parent reads
 * EOF. The child is the parent's own and unwaited, so its PID cannot be reused while the maps
 * are written (what newuidmap's PID argument needs), and it is killed if tenant dies first.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "idmap.h"

struct tn_userns_spawn {
	int ns_flags;			/* CLONE_NEWNS, ... in addition to CLONE_NEWUSER */
	const struct tn_idmap *maps[2]; /* indexed by enum tn_idmap_kind */
	const char *helper_path[2];	/* for maps written by newuidmap/newgidmap */
	const sigset_t *child_sigmask;	/* the child's mask before run() (NULL: none) */
	int (*run)(void *data, struct tn_error **err); /* in the child, mapped: execs, or fails */
	void *data;
};

/*
 * Start the child. On success *ret_pid is running run()'s program. On failure nothing is left
 * behind (the child is killed and reaped) and *ret_in_child says whether run() itself failed
 * (an exec error, err->code says which), as opposed to the namespace or the maps.
 */
int tn_userns_spawn(const struct tn_userns_spawn *s, pid_t *ret_pid, bool *ret_in_child,
		    struct tn_error **err);

struct tn_userns_request;
/*
 * Run `run` (which does its work and _exit(0)s, or returns an error) in a new user namespace
 * of the caller's maps as `req` plans them (req->user, gid and privileges are filled in), and
 * wait for it: for work on files owned by the caller's subordinate IDs.
 */
int tn_userns_call(struct tn_userns_request *req, int (*run)(void *, struct tn_error **),
		   void *data, struct tn_error **err);
