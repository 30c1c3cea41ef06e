/* SPDX-License-Identifier: Apache-2.0 */
/* The container's terminal, sent through --console-socket. */
#pragma once

#include "container-stage.h"

/* R: connect to --console-socket. */
int tn_console_connect(const char *path, int *ret, struct tn_error **err);
/*
 * R: process.terminal without a console socket, as runc: `relay_fd` (> 0) is the stages' end of
 * tenant's relay (tty-relay.h), duplicated into *ret. Without one (<= 0), tenant has no
 * terminal to relay to: refused as runc refuses it (tn_console_refuse_no_host).
 */
int tn_console_relayed(int relay_fd, int *ret, struct tn_error **err);
int tn_console_refuse_no_host(struct tn_error **err);
/* R: process.terminal with neither a console socket nor tenant waiting to relay (-d). */
int tn_console_refuse_detached(struct tn_error **err);

/*
 * P2, as the container's root before the user changes: stdio handed to process.user, as runc
 * does, so that it may reopen /dev/stdout (nginx does). /dev/null and what the user owns already
 * are left, and so is what the container's root may not chown. `pipes_only`, when tenant waits
 * for the process (run, exec): runc gives such a process pipes of its own and chowns those, not
 * its caller's files or terminal; tenant passes its stdio on, so it chowns only pipes and
 * sockets. Detached, runc chowns what it was given, and so does tenant.
 */
void tn_container_stdio_owner(const struct tn_oci_process *p, bool pipes_only);

/* P2: a session of its own; with a console socket, make a terminal, send its master, make it
 * the controlling terminal and stdio. */
int tn_container_setup_console(struct tn_init_ctx *ctx, struct tn_error **err);
