/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.terminal without --console-socket, as runc does in `run` and `exec -t`: the container's
 * terminal is made inside it as usual (container-tty.c) and its master sent to tenant on a socket
 * pair instead of a console socket; tenant relays its own stdin to the master and the master to
 * its stdout until the process ends.
 *
 * The caller's terminal (its "host" terminal: the first of stderr, stdout and stdin that is one,
 * else its controlling terminal /dev/tty) is put in runc's raw mode for that time (no echo, no
 * line editing, no signal keys: ^C is a byte for the container's terminal; output processing
 * kept) and restored after; the container's terminal takes its size, now and on SIGWINCH, and
 * writes "\n" without "\r" (-onlcr), which the host terminal adds. Without a host terminal,
 * runc refuses process.terminal, and so does tenant.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <termios.h>

#include "error.h"

struct tn_relay {
	int sock[2];	  /* [0] tenant's end, where the master arrives; [1] the stages' end */
	int master;	  /* the container's terminal, once received; -1 before */
	int host;	  /* the host terminal, or -1 */
	bool host_opened; /* host is /dev/tty, opened here */
	bool raw;	  /* host's mode was changed: `saved` is restored at the end */
	bool in_done;	  /* stdin is at its end (or failed): no longer read */
	bool master_done; /* every process closed the container's terminal */
	struct termios saved;
	char in[4096]; /* read from stdin, not yet written to the master */
	size_t in_off, in_len;
};

#define TN_RELAY_INIT                                                                              \
	{                                                                                          \
		.sock = { -1, -1 }, .master = -1, .host = -1                                       \
	}

/* Find the host terminal and make the socket pair. -ENXIO: there is no host terminal (then
 * there is nothing to relay to, and no pair). */
int tn_relay_prepare(struct tn_relay *r);

/* After the stage has sent the master (create is done, or exec has exec'd): take it, if one was
 * sent (process.terminal), and set both terminals up. 1: relaying; 0: no terminal was sent. */
int tn_relay_receive(struct tn_relay *r, struct tn_error **err);

/* Relay until `fd` (a signalfd) is readable: 0 then. */
int tn_relay_until(struct tn_relay *r, int fd);

/* The host terminal's size, to the container's (on SIGWINCH). */
void tn_relay_resize(const struct tn_relay *r);

/* The process has ended: what is left in the container's terminal, to stdout. */
void tn_relay_drain(struct tn_relay *r);

/* Restore the host terminal, close everything. */
void tn_relay_done(struct tn_relay *r);
