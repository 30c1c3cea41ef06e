/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The child stages of create: P1 enters and makes the namespaces and forks init (P2), which sets
 * the container up and waits on exec.fifo for start (container-sync.h has the conversation).
 */
#pragma once

#include "container-stage.h"

/*
 * P1: namespaces, then fork init; never returns. With ctx->single_stage, R cloned P1 in its new
 * user, mount and PID namespaces (clone3; none joined by path, no new time namespace): P1 is
 * PID 1 of the container and becomes init itself, without a fork (one process fewer to copy,
 * tear down and reap). It tells R its user namespace in the PID message all the same.
 */
_Noreturn void tn_container_stage1(struct tn_init_ctx *ctx);
