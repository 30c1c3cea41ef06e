/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A cgroup's statistics as runc 1.1's `events --stats` prints them ("data" of a "stats"
 * event: cpu, cpuset, memory, pids, blkio, hugetlb, intel_rdt, network_interfaces), read
 * from the v1 controllers' files or from the v2 tree. Field names, and which ones are left
 * out when zero, are runc's (its types/events.go).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "json-writer.h"

/* Write the object for the cgroup `at` (placed in each hierarchy as create placed it). */
int tn_cgroup_stats_json(const struct tn_cgroup_at *at, struct tn_json *j);

/* The same from a directory per controller (NULL: none; v2: the cgroup's, in each): pure but
 * for reading those files, for tests. */
enum {
	TN_STAT_CPU,
	TN_STAT_CPUACCT,
	TN_STAT_CPUSET,
	TN_STAT_MEMORY,
	TN_STAT_PIDS,
	TN_STAT_BLKIO,
	TN_STAT_HUGETLB,
	TN_STAT_CONTROLLERS
};
int tn_cgroup_stats_json_dirs(bool v2, char *const dirs[TN_STAT_CONTROLLERS], struct tn_json *j);

/* The count of OOM kills in the cgroup (v1 memory.oom_control, v2 memory.events oom_kill). */
int tn_cgroup_oom_kills(const struct tn_cgroup_at *at, uint64_t *ret);
