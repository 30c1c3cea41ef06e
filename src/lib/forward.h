/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Supervising a child: tenant stays as the child's parent, forwards the signals sent to it, and
 * returns the child's wait status.
 *
 * tn_forward_begin() blocks every signal that can be forwarded and opens a signalfd for them,
 * before the child is started, so none is lost in between; the child gets the old mask back
 * (`old_mask`) before it execs. Forwarded: what was sent to tenant by a process (kill(1),
 * systemd, a container engine). What the terminal sent (^C, ^Z, SIGWINCH, a hangup) is
 * forwarded only to a child in a session of its own (`child_session`, a container's process,
 * as runc does): the terminal signals a child in tenant's process group itself. When the child
 * stops for job control (^Z: SIGTSTP, SIGTTIN, SIGTTOU) and tenant is a foreground job, tenant
 * stops the same way, so the shell sees the job stop, and continues the child when it is
 * continued; other stops are the child's alone. A signal sent to the whole process group from
 * outside the terminal (kill -- -PGID) reaches a child in that group twice: directly, and
 * forwarded. As runc, a child in a session of its own never gets SIGWINCH (tenant resizes the
 * terminal it relays, if any) nor SIGURG.
 */
#pragma once

#include <signal.h>
#include <sys/types.h>

#include "tty-relay.h"

struct tn_forward {
	int fd; /* signalfd; -1 before begin */
	sigset_t old_mask;
	sigset_t mask;
	bool child_session; /* the child leads a session of its own (set before the wait) */
	struct tn_relay
		*relay; /* the child's terminal, relayed while waiting (tty-relay.h), or NULL */
};

int tn_forward_begin(struct tn_forward *f);
/* Wait for `pid` to end, forwarding signals (and relaying its terminal); *ret_status is
 * waitpid()'s status. */
int tn_forward_wait(struct tn_forward *f, pid_t pid, int *ret_status);
void tn_forward_end(struct tn_forward *f);

/*
 * End tenant the way the child ended: the same exit status, or killed by the same signal
 * (with the default action restored first), as a shell would see the command itself end.
 * Returns only if the signal did not end tenant: then with 128 + the signal number.
 */
int tn_forward_exit_like(int status);
