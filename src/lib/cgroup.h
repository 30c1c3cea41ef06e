/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's cgroup, managed through cgroupfs (docs/oci.md): cgroup v2 when
 * /sys/fs/cgroup is unified, otherwise the v1 controllers mounted under it (a hybrid layout,
 * as on our machines, is never refused). Limits come from linux.resources: pids, memory, cpu
 * (shares, quota, period, cpus, mems). The freezer pauses and resumes.
 *
 * A rootless caller gets a cgroup only where it may write one (a delegated subtree);
 * otherwise none, and create goes on without limits.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

enum tn_cgroup_layout {
	TN_CGROUP_NONE,
	TN_CGROUP_V1, /* also hybrid: v1 controllers, and a v2 tree for none of ours */
	TN_CGROUP_V2,
};

/* linux.resources.devices: one rule of the device cgroup. */
struct tn_device_rule {
	bool allow;
	char type;	      /* 'a', 'b' or 'c' */
	int64_t major, minor; /* -1: any */
	char access[4];	      /* some of "rwm" */
};

struct tn_resources {
	bool has_pids;
	int64_t pids_limit; /* <= 0: unlimited */
	bool has_memory;
	int64_t memory_limit; /* bytes; -1: unlimited */
	bool has_swap;
	int64_t memory_swap; /* memory + swap, bytes; -1: unlimited */
	bool has_shares;
	uint64_t cpu_shares;
	bool has_quota;
	int64_t cpu_quota; /* microseconds per period; -1: unlimited */
	bool has_period;
	uint64_t cpu_period;
	char *cpus; /* cpuset.cpus, NULL: inherit */
	char *mems;
	struct tn_device_rule *devices; /* in order; runc's default allowed devices follow */
	size_t n_devices;
	bool has_devices;
};

enum tn_cgroup_layout tn_cgroup_layout(void);
const char *tn_cgroup_layout_name(enum tn_cgroup_layout l); /* "v1", "v2", "none" */

/*
 * The cgroup's path below each hierarchy's root, from linux.cgroupsPath: "/a/b" as is, the
 * systemd form "slice:prefix:name" as "/slice/prefix-name.scope", empty as "/tenant/ID".
 */
char *tn_cgroup_path(const char *cgroups_path, const char *id);

/*
 * Create the cgroup, apply the limits, and move pid into it. *ret_used is false when a
 * rootless caller could not create it (nothing done, not an error).
 */
int tn_cgroup_enter(const char *path, pid_t pid, const struct tn_resources *res, bool rootless,
		    bool *ret_used, struct tn_error **err);
/* Apply limits to an existing cgroup (`update`). */
int tn_cgroup_apply(const char *path, const struct tn_resources *res, struct tn_error **err);
/* Move pid into the existing cgroup (exec: the new process joins the container's). */
int tn_cgroup_join(const char *path, pid_t pid);
/* Remove the cgroup (its processes must be gone). */
int tn_cgroup_remove(const char *path);
int tn_cgroup_freeze(const char *path, bool freeze, struct tn_error **err);
bool tn_cgroup_frozen(const char *path);
/* The PIDs in the cgroup, allocated. */
int tn_cgroup_pids(const char *path, pid_t **ret, size_t *ret_n);

void tn_resources_done(struct tn_resources *r);

/* cgroup v2 device rules: a BPF program on the cgroup directory (cgroup-devices.c). */
int tn_cgroup_devices_v2(const char *dir, const struct tn_device_rule *rules, size_t n,
			 const struct tn_device_rule *defaults, size_t n_defaults);
