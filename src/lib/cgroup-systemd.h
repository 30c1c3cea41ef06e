/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The systemd cgroup manager (--systemd-cgroup, --cgroup-manager systemd; docs/oci.md): the
 * container's cgroup is a transient scope that systemd makes (StartTransientUnit with
 * Delegate=yes and the container's first process), in a slice systemd makes as needed, with
 * the limits systemd can express as unit properties; cgroupfs then writes every limit into
 * the scope's files (what systemd cannot express, and v1 controllers it does not manage), as
 * runc and crun do. update sets both; delete stops the scope.
 *
 * linux.cgroupsPath is "SLICE:PREFIX:NAME" (kubepods-besteffort-podUID.slice:cri-containerd:ID)
 * and names the unit PREFIX-NAME.scope in SLICE; empty is "system.slice:tenant:ID" (rootless:
 * user.slice, in the user's own manager).
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "sdbus.h"

struct tn_systemd_path {
	char *slice;  /* "system.slice" */
	char *unit;   /* "tenant-ID.scope" */
	char *cgroup; /* where systemd will put it: "/system.slice/tenant-ID.scope" */
	bool user;    /* in the caller's user manager (not root), else the system's */
};
void tn_systemd_path_done(struct tn_systemd_path *p);

/* A unit name systemd takes: up to 255 of [A-Za-z0-9:_.\\-]. */
bool tn_systemd_unit_name_ok(const char *s);
/* "-.slice" is "/", "a-b.slice" is "/a.slice/a-b.slice" (as systemd and runc): -EINVAL for a
 * name that is not a slice's. */
int tn_systemd_expand_slice(const char *slice, char **ret);
/* linux.cgroupsPath, checked (errors name the field and the expected form). */
int tn_systemd_path_parse(const char *cgroups_path, const char *id, bool user,
			  struct tn_systemd_path *ret, struct tn_error **err);

/*
 * The unit properties for linux.resources (pure): MemoryMax, MemoryLow, MemorySwapMax,
 * CPUWeight, AllowedCPUs, AllowedMemoryNodes on v2; MemoryLimit and CPUShares on v1;
 * CPUQuotaPerSecUSec, CPUQuotaPeriodUSec and TasksMax on both. `version` is systemd's (some
 * properties are newer than others). -EINVAL for a cpuset list that cannot be read.
 */
int tn_systemd_resource_props(const struct tn_resources *res, bool v2, unsigned version,
			      struct tn_sd_props *ret);

/*
 * Start the scope with pid in it and the limits as properties: *ret_cgroup is the scope's
 * cgroup as systemd reports it. A scope of that name that exists already is refused.
 */
int tn_systemd_enter(const struct tn_systemd_path *sp, const char *id, pid_t pid,
		     const struct tn_resources *res, bool user, char **ret_cgroup,
		     char ret_invocation[33], struct tn_error **err);
/*
 * Whether the unit is still the scope this container's create started (its InvocationID):
 * TN_SCOPE_OURS; TN_SCOPE_GONE (systemd removed it once empty); TN_SCOPE_OTHER (the name now
 * another's: not to be stopped, nor its cgroup's processes killed); -errno (no manager).
 */
enum { TN_SCOPE_OURS, TN_SCOPE_GONE, TN_SCOPE_OTHER };
int tn_systemd_whose(const char *unit, bool user, const char *invocation, struct tn_error **err);
/*
 * The limits of linux.resources whose controller the scope's cgroup v2 does not have, dropped
 * from *res (the unit keeps them as properties): a systemd in a container on a hybrid host,
 * whose controllers are bound to v1, has none. *dropped lists them ("pids, memory"), empty if
 * none. v1: nothing is dropped. tn_systemd_drop_absent is the pure part.
 */
int tn_systemd_usable(const char *cgroup, struct tn_resources *res, char *dropped, size_t size);
void tn_systemd_drop_absent(struct tn_resources *res, const char *controllers, char *dropped,
			    size_t size);
/* The warning for what tn_systemd_usable dropped (nothing when `dropped` is empty). */
void tn_systemd_dropped_warning(struct tn_error **warn, const char *cgroup, const char *unit,
				const char *dropped);
/* update: the limits as properties of the running scope. */
int tn_systemd_update(const char *unit, bool user, const struct tn_resources *res,
		      struct tn_error **err);
/* delete: stop the scope (its processes are gone by then) and reset it if it failed. */
int tn_systemd_stop(const char *unit, bool user, struct tn_error **err);
