/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sync protocol between tenant (R) and the stages it forks (P1, P2), over one
 * SOCK_SEQPACKET pair. Exactly one side speaks at a time: every message but the last of a
 * stage is answered before the next is sent, so a message may span several records.
 *
 *	create:	P1: SETUP    R: GO	maps written, P1 in the container's cgroup (in the
 *				single stage R does that right after the clone). After
 *				GO, with a user namespace, the bind sources R opened
 *				(container-sources.h: raw records, fds attached), which
 *				init reads before the fifo and its GO
 *		P1: PID      R: GO	init's PID (P1 exits); only then does init (P2) go on;
 *				before the GO, a record with exec.fifo's fd attached
 *				(R made it while P1 made the namespaces); with
 *				SCMP_ACT_NOTIFY the GO carries the process state for
 *				the seccomp agent (container-seccomp.h)
 *		P2: HOOKS    R: GO+state	prestart and createRuntime run (when there are hooks)
 *		P2: READY or ERROR
 *	exec:	P1: PID      R: GO	P2's PID (GO as above); then P2 exec's (EOF) or says ERROR
 *
 * A stage that fails says ERROR with its message and hint, of any length, and exits; R turns it
 * into the error the user sees. A stage that finds R gone exits quietly: R has said why.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "macro.h"

enum tn_sync_type {
	TN_SYNC_SETUP = 1,	/* P1 -> R: namespaces made: write the maps, enter the cgroup */
	TN_SYNC_GO,		/* R -> P1/P2: go on (after HOOKS: with the state) */
	TN_SYNC_PID,		/* P1 -> R: the PID of P2, and the user namespace it is in */
	TN_SYNC_READY,		/* P2 -> R: the container is set up, waiting for start */
	TN_SYNC_ERROR,		/* P1/P2 -> R: setup failed: code, message, hint */
	TN_SYNC_UNSHARE_FAILED, /* P1 -> R: unshare(2) failed with `code`: R explains why */
	TN_SYNC_HOOKS,		/* P2 -> R: mounts done: run prestart, createRuntime; then GO */
};

struct tn_sync_msg {
	enum tn_sync_type type;
	int code;	 /* positive errno, with ERROR and UNSHARE_FAILED */
	pid_t pid;	 /* with PID */
	uint64_t userns; /* with PID from create's P1: the inode of init's user namespace */
	char *message;	 /* with ERROR (NULL: none) */
	char *hint;	 /* with ERROR (NULL: none) */
	char *state;	 /* with GO after HOOKS: the container's state as JSON, for P2's hooks;
			  * with GO after PID: the seccomp agent's process state, or NULL */
};

void tn_sync_msg_done(struct tn_sync_msg *m);

/* 0, or -errno of the socket (-EPIPE: the other side is gone). */
int tn_sync_send(int fd, const struct tn_sync_msg *m);
/* A message without text: SETUP, GO, READY. */
int tn_sync_send_type(int fd, enum tn_sync_type type);
/* ERROR with e's message and hint (e NULL: strerror(code)). */
int tn_sync_send_error(int fd, int code, const struct tn_error *e);
/* 0 and *ret filled (tn_sync_msg_done it), -EPIPE when the other side closed without a message,
 * -EPROTO on a malformed one, or -errno. */
int tn_sync_recv(int fd, struct tn_sync_msg *ret);
/* Receive and require `type`: -EPROTO for another (an ERROR stays in *ret for the caller). */
int tn_sync_expect(int fd, enum tn_sync_type type, struct tn_sync_msg *ret);
/*
 * Until `fd` has something to read or `max_us` passed, without sleeping (the CPU yielded to
 * whatever else would run on it): before a tn_sync_recv whose message is microseconds away,
 * where a sleep's wakeup costs more than the wait. A wakeup from another CPU takes 30 to 40 us
 * on a VM whose idle vCPUs halt (this project's machines), one on the same CPU 2 us.
 */
void tn_sync_wait_briefly(int fd, unsigned max_us);
/* R: a stage's ERROR (or UNSHARE_FAILED, left to the caller) as the error R returns. */
int tn_sync_error(const struct tn_sync_msg *m, struct tn_error **err);

/* R -> init, before the GO that follows PID: exec.fifo's O_PATH fd (container-stage.h). */
int tn_sync_send_fifo(int fd, int fifo_fd);
int tn_sync_recv_fifo(int fd, int *ret_fifo_fd);

/*
 * A stage that cannot go on: ERROR to R, then _exit(status). When R cannot be told (it is gone,
 * or the socket failed another way) the message goes to stderr, so that it is never lost.
 */
_Noreturn void tn_sync_fail(int fd, int code, struct tn_error *e, int status);
