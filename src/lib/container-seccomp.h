/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp's SCMP_ACT_NOTIFY: the listener goes to the agent at listenerPath with the
 * container process state (runtime-spec config-linux.md#seccomp, runtime.md's
 * "containerProcessState"): one message, its JSON with fds ["seccompFd"] and the listener attached
 * (SCM_RIGHTS).
 *
 *	R:	connects to the agent before the fork (a missing agent fails create or exec there,
 *		before anything is made); the stages inherit the socket.
 *	R:	the GO that answers the PID of the container's process carries the process state
 *		(that PID, the container's state, listenerMetadata).
 *	P2:	loads the filter, sends state and listener on the socket at once, closes both.
 *
 * Between the load and the send the process makes one sendmsg(2): a notification for it would
 * wait for an agent that has no listener yet, so such rules are refused (oci-seccomp.c).
 */
#pragma once

#include <sys/types.h>

#include "error.h"
#include "oci-seccomp.h"
#include "oci-state.h"

/* R: the agent's socket in *ret when `s` notifies, else -1. */
int tn_seccomp_agent_connect(const struct tn_seccomp *s, int *ret, struct tn_error **err);

/* R: GO to the stage whose process is `pid`, with the process state for the agent when `s`
 * notifies (st: the container's state as hooks see it). */
int tn_seccomp_go(int sync_fd, const struct tn_seccomp *s, const struct tn_state *st, pid_t pid);

/* P2: load `b`; a listener and `state` go to `agent_fd` at once. Both fds are closed. */
int tn_seccomp_install(const struct tn_seccomp_bpf *b, int *agent_fd, const char *state,
		       struct tn_error **err);
