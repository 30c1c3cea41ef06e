/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec --cgroup [CONTROLLER[,CONTROLLER...]:]PATH: the process joins an existing sub-cgroup of
 * the container's, in the hierarchies of those controllers (runc's rules: a PATH without
 * controllers, only given once, is for every hierarchy; a later value for a controller wins).
 */
#pragma once

#include <sys/types.h>

#include "cgroup.h"
#include "error.h"

/* R, before anything runs: each value's form, its controllers known to the host, and a PATH
 * that stays below the container's cgroup (no ".." component). */
int tn_cgroup_subs_check(char *const *subs, struct tn_error **err);

/*
 * exec: move pid into the container's cgroup in every hierarchy where it exists; where cgroup
 * v2 refuses it (EBUSY: controllers enabled for the cgroups a systemd inside made), into the
 * cgroup init is in, when that lies below the container's (as runc does). `rootless`: a
 * hierarchy the caller may not move it in is skipped (runc's rootless manager).
 */
int tn_cgroup_join_exec(const struct tn_cgroup_at *at, pid_t pid, pid_t init, bool rootless,
			bool but_v2);

/* exec, R: an O_DIRECTORY fd of the container's cgroup in the cgroup2 hierarchy, to clone the
 * process into (tn_fork_into_cgroup; then tn_cgroup_join_exec `but_v2`); -errno (-ENOENT: none,
 * -EBUSY: frozen, where the move is left to the old way). *ret_v2_only: that hierarchy is the
 * only one (no v1 hierarchy to join, where a move is not held to pids.max). */
int tn_cgroup_exec_fd(const struct tn_cgroup_at *at, bool *ret_v2_only);

/* Move pid into the container's cgroup `path` of every hierarchy where it exists, or into the
 * sub-cgroup `subs` names for that hierarchy (which must exist). */
int tn_cgroup_join_subs(const struct tn_cgroup_at *at, char *const *subs, pid_t pid,
			struct tn_error **err);
