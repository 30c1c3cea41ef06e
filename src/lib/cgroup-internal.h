/* SPDX-License-Identifier: Apache-2.0 */
/* What the cgroup-*.c modules share inside the cgroup subsystem (cgroup.h is the interface). */
#pragma once

#include <stddef.h>

#include "cgroup.h"

/* DIR/FILE, written or read whole (-errno). */
int tn_cgroup_write(const char *dir, const char *file, const char *text);
int tn_cgroup_read(const char *dir, const char *file, char **ret);
/* DIR's cgroup.procs and those of every cgroup below it (the ones a container made), as one
 * text: runc's ps and kill --all see them all. */
int tn_cgroup_read_procs(const char *dir, char **ret);
/* DIR/FILE set to text, or an error that names the cgroup, the file and the value. */
int tn_cgroup_set(const char *dir, const char *file, const char *text, struct tn_error **err);
/* The hierarchies, each with its `dir` for `at` placed (tn_cgroup_hiers_place). */
int tn_cgroup_hiers_load_at(const struct tn_cgroup_at *at, struct tn_cgroup_hiers *ret);
/* An O_DIRECTORY fd of the placed directory in the cgroup2 hierarchy of `h`; -ENOENT: none,
 * -EBUSY: frozen (cgroup.events), when `unless_frozen`. */
int tn_cgroup_hiers_open_v2(const struct tn_cgroup_hiers *h, bool unless_frozen);
/* A frozen cgroup v2 directory (cgroup.events): a process moved in would stop there. */
bool tn_cgroup_frozen_dir(const char *dir);
/* The placed directory in the v1 hierarchy that has controller c (-ENOENT: none). */
int tn_cgroup_ctrl_dir(const struct tn_cgroup_hiers *h, const char *c, char *buf, size_t len);

/*
 * The v1 limits other than cpuset and devices, in runc's order: memory, cpu, pids, blkio,
 * hugetlb, net_cls, net_prio, rdma (cgroup-limits.c).
 */
int tn_cgroup_limits_v1(const struct tn_cgroup_hiers *h, const char *path,
			const struct tn_resources *res, struct tn_error **err);
/* On cgroup v2: the first limit tenant does not carry over to v2 yet, refused by name (none is
 * dropped without a word). */
int tn_cgroup_refuse_v2(const struct tn_resources *res, struct tn_error **err);
/* On cgroup v2: memory.reservation as memory.low, then linux.resources.unified as given. */
int tn_cgroup_limits_v2(const char *dir, const struct tn_resources *res, struct tn_error **err);
/* The first limit of linux.resources that would write a file ("linux.resources.pids"), devices
 * aside; NULL when none would. */
const char *tn_cgroup_limit_given(const struct tn_resources *res);
/* linux.resources.unified on a v1 layout: refused, as runc does. */
int tn_cgroup_refuse_unified_v1(const struct tn_resources *res, struct tn_error **err);
