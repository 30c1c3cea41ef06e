/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The child stages of create: P1 enters and makes the namespaces and forks init (P2), which sets
 * the container up and waits on exec.fifo for start (container-sync.h has the conversation).
 */
#pragma once

#include "container-stage.h"

/* P1: namespaces, then fork init; never returns. */
_Noreturn void tn_container_stage1(struct tn_init_ctx *ctx);
