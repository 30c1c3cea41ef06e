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

/* P2: a session of its own; with a console socket, make a terminal, send its master, make it
 * the controlling terminal and stdio. */
int tn_container_setup_console(struct tn_init_ctx *ctx, struct tn_error **err);
