/* SPDX-License-Identifier: Apache-2.0 */
/* The container's terminal, sent through --console-socket. */
#pragma once

#include "container-stage.h"

/* R: connect to --console-socket. */
int tn_console_connect(const char *path, int *ret, struct tn_error **err);
/* P2: a session of its own; with a console socket, make a terminal, send its master, make it
 * the controlling terminal and stdio. */
int tn_container_setup_console(struct tn_init_ctx *ctx, struct tn_error **err);
