/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How create makes P1 (container-clone.c): cloned in its namespaces as init itself where it can
 * be (the single stage, container-init.h), else forked to make them and fork init; into its
 * cgroup2 directory where the kernel takes it (fork.h).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "container-plan.h"
#include "error.h"

/*
 * The namespaces P1 can be cloned in as init itself: with none joined by path (a new user
 * namespace must not own those) and no new time namespace (its offsets are set before a process
 * enters it); -1: P1 forks init.
 */
int tn_container_single_stage_flags(const struct create_plan *p);

/*
 * P1, as fork(): its PID, 0 in the child, -1 (errno) when there is none. *ret_single: P1 is
 * init (the child sees it true only then: it is set before each clone); *ret_cloned_in: P1
 * started in the cgroup2 directory open at cgroup_fd (-1: none). Where the single stage is
 * refused (an old kernel, or a user namespace this caller may not make, which the two stages
 * explain, userns-diag.h), P1 is forked. Unless R needs it `dumpable` (to write its maps), P1
 * is out of reach from its first instruction: it inherits R's flag, cleared for the clone.
 */
pid_t tn_container_fork_p1(const struct create_plan *p, int cgroup_fd, bool dumpable,
			   bool *ret_single, bool *ret_cloned_in);

/*
 * process.oomScoreAdj of a P1 that is init, born in a new user namespace where it could not
 * lower its own: R's to write while P1 waits for SETUP's answer. A rootless R could not either,
 * and leaves it to P1 (tn_container_set_oom_score).
 */
int tn_container_p1_oom_score(pid_t p1, const struct tn_oci_process *proc, struct tn_error **err);
