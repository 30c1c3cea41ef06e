/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's cgroup, managed through cgroupfs (docs/oci.md): cgroup v2 when
 * /sys/fs/cgroup is unified, otherwise every v1 hierarchy mounted under it and, on a hybrid
 * host, the cgroup2 one at /sys/fs/cgroup/unified too (as runc joins them). Limits come from
 * linux.resources: pids, memory, cpu (shares, quota, period, cpus, mems). The freezer pauses
 * and resumes.
 *
 * A rootless caller gets a cgroup only where it may write one (a delegated subtree);
 * otherwise none, and create goes on when it has no limits to apply (as runc).
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

/* linux.resources.blockIO.weightDevice[]: 0 leaves a weight as it is. */
struct tn_blkio_weight_device {
	int64_t major, minor;
	uint64_t weight, leaf_weight;
};

/* linux.resources.blockIO.throttle*Device[]: bytes or operations per second. */
struct tn_blkio_throttle {
	int64_t major, minor;
	uint64_t rate;
};

enum {
	TN_THROTTLE_READ_BPS,
	TN_THROTTLE_WRITE_BPS,
	TN_THROTTLE_READ_IOPS,
	TN_THROTTLE_WRITE_IOPS,
	_TN_THROTTLE_MAX
};

struct tn_hugepage_limit {
	char *page_size; /* "2MB" */
	uint64_t limit;
};

struct tn_net_priority {
	char *name; /* an interface */
	uint32_t priority;
};

struct tn_rdma_limit {
	char *device;
	bool has_handles, has_objects;
	uint32_t handles, objects;
};

/*
 * linux.resources. As in runc, a number 0 leaves its file as it is (pids, memory, swap,
 * reservation, shares, quota, period, the realtime pair, the block I/O weights).
 */
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
	bool has_reservation;
	int64_t memory_reservation; /* the soft limit */
	bool has_swappiness;
	int64_t swappiness; /* 0..100; -1: as it is */
	bool disable_oom;
	int64_t cpu_rt_runtime; /* microseconds */
	uint64_t cpu_rt_period;
	uint64_t blkio_weight, blkio_leaf_weight;
	struct tn_blkio_weight_device *weight_devices;
	size_t n_weight_devices;
	struct tn_blkio_throttle *throttle[_TN_THROTTLE_MAX];
	size_t n_throttle[_TN_THROTTLE_MAX];
	struct tn_hugepage_limit *hugepages;
	size_t n_hugepages;
	uint32_t net_class_id;
	struct tn_net_priority *net_priorities;
	size_t n_net_priorities;
	struct tn_rdma_limit *rdma; /* ends with a NULL device */
	char **unified;		    /* "file", "value" pairs (cgroup v2 only) */
	size_t n_unified;
	char *cpus; /* cpuset.cpus, NULL: inherit */
	char *mems;
	struct tn_device_rule *devices; /* in order; create appends runc's defaults */
	size_t n_devices;
	bool has_devices;
};

/*
 * One cgroup hierarchy as mounted here (a line of /proc/self/mountinfo): the v1 ones at
 * /sys/fs/cgroup/NAME (cpu, "cpu,cpuacct", name=systemd...), the cgroup2 one at
 * /sys/fs/cgroup (unified) or /sys/fs/cgroup/unified (hybrid).
 */
struct tn_cgroup_hier {
	char *mountpoint; /* "/sys/fs/cgroup/cpu" */
	char *root;	  /* the mount's root inside the hierarchy: "/" on a host */
	char *options;	  /* v1: the super options without rw, ro and release_agent ("cpu,cpuacct",
			     "name=systemd"); v2: "" */
	bool v2;
	dev_t dev;
	char *dir; /* a container's cgroup in this hierarchy, once placed (tn_cgroup_hiers_place) */
};

struct tn_cgroup_hiers {
	enum tn_cgroup_layout layout;
	struct tn_cgroup_hier *v;
	size_t n;
};

/*
 * The cgroup and cgroup2 mounts of a mountinfo text at /sys/fs/cgroup or right under it, in
 * order, none dropped (pure). -EINVAL on a line that is not mountinfo.
 */
int tn_cgroup_hiers_parse(const char *mountinfo, struct tn_cgroup_hiers *ret);
/*
 * Those of /proc/self/mountinfo that can be reached (not covered by a later mount), one per
 * hierarchy, and the layout: the cgroup2 mount alone when /sys/fs/cgroup is one (v2);
 * otherwise every v1 hierarchy and, on a hybrid host, the cgroup2 one too (v1).
 */
int tn_cgroup_hiers_load(struct tn_cgroup_hiers *ret);
void tn_cgroup_hiers_done(struct tn_cgroup_hiers *h);
void tn_cgroup_hier_done(struct tn_cgroup_hier *e);
/* Whether the hierarchy has the v1 controller (or "name=X") `c`. */
bool tn_cgroup_hier_has(const struct tn_cgroup_hier *h, const char *c);

enum tn_cgroup_layout tn_cgroup_layout(void);
const char *tn_cgroup_layout_name(enum tn_cgroup_layout l); /* "v1", "v2", "none" */

/*
 * The cgroup's path from linux.cgroupsPath, as runc's cgroupfs manager takes it: "/a/b" below
 * each hierarchy's root; "a/b" (the systemd form "slice:prefix:name" too: a name) relative, and
 * empty as the relative "ID". NULL for a path with a ".." component.
 */
char *tn_cgroup_path(const char *cgroups_path, const char *id);

/*
 * Where a container's cgroup is: `path` from tn_cgroup_path. A relative one lies, in each
 * hierarchy, below the cgroup `parent` names (a /proc/self/cgroup text: tn_cgroup_creator's of
 * the process that created the container, as runc's; NULL: this process's, read anew the same
 * way).
 */
struct tn_cgroup_at {
	const char *path;
	const char *parent;
};
/* This process's /proc/self/cgroup text. */
int tn_cgroup_self(char **ret);
/*
 * The cgroups a relative path goes below, as a /proc/self/cgroup text: this process's, but where
 * /sys/fs/cgroup is the cgroup2 hierarchy alone (runc's test, statfs) the parent of its cgroup2
 * one, as runc's fs2 driver places it: the caller's own cgroup has processes, so the kernel would
 * give a child of it no controllers.
 */
int tn_cgroup_creator(char **ret);
/* In a /proc/self/cgroup text, the "0::" line's path cut to its parent ("/" stays). Pure. */
void tn_cgroup_self_up(char *text);
/*
 * Each hierarchy's `dir` for `path` (pure): an absolute path below the mount point; a relative
 * one below the cgroup self_cgroup (a /proc/self/cgroup text) names for that hierarchy, or the
 * mount point when it names none below the mount's root.
 */
int tn_cgroup_hiers_place(struct tn_cgroup_hiers *h, const char *path, const char *self_cgroup);

/* The directories create made (absolute, in the order made): what delete removes. */
struct tn_cgroup_dirs {
	char **v;
	size_t n;
};
void tn_cgroup_dirs_done(struct tn_cgroup_dirs *d);

/*
 * Create the cgroup in every hierarchy, apply the limits, move pid into it. Each directory
 * made is added to *made (the undo log: also on failure, for tn_cgroup_remove). *ret_used is
 * set only on success; it stays false when `rootless` and the caller may create none: nothing
 * is done, not an error unless linux.resources has limits (as runc). The caller passes
 * rootless false for a cgroupsPath of the config's: one it cannot make fails (as runc).
 * A frozen cgroup is refused; one that has processes already is shared, their number in
 * *ret_busy (runc 1.1 warns).
 */
int tn_cgroup_enter(const struct tn_cgroup_at *at, pid_t pid, const struct tn_resources *res,
		    bool rootless, struct tn_cgroup_dirs *made, bool *ret_used, size_t *ret_busy,
		    struct tn_error **err);
/* tn_cgroup_enter in steps, so that the process can be cloned into the cgroup (create). */
struct tn_cgroup_placed {
	const char *path;	  /* borrowed: the tn_cgroup_at's */
	struct tn_cgroup_hiers h; /* the hierarchies it was made in */
	bool used;		  /* false: none (rootless without a delegated cgroup) */
};
/*
 * All but the move and most limits: made (as tn_cgroup_enter), with a v1 layout's device rules
 * and the limits the layout cannot hold refused. pl->used false: no cgroup.
 */
int tn_cgroup_make(const struct tn_cgroup_at *at, const struct tn_resources *res, bool rootless,
		   struct tn_cgroup_dirs *made, struct tn_cgroup_placed *ret, size_t *ret_busy,
		   struct tn_error **err);
/* An O_DIRECTORY fd of its directory in the cgroup2 hierarchy, for tn_fork_into_cgroup; -errno
 * (-ENOENT: none). */
int tn_cgroup_open_v2(const struct tn_cgroup_placed *pl);
/* pid into it in every hierarchy; but the cgroup2 one when `but_v2` (cloned into that one). */
int tn_cgroup_join(const struct tn_cgroup_placed *pl, pid_t pid, bool but_v2,
		   struct tn_error **err);
void tn_cgroup_placed_done(struct tn_cgroup_placed *pl);
/*
 * The limits tn_cgroup_make left, once init exists, as runc sets them after its init started:
 * a pids limit of 1 holds init alone, and the device filter (a BPF program on cgroup2, whose
 * load and attach take a while) is made while init mounts. Before anything of the container's
 * own runs.
 */
int tn_cgroup_placed_apply(const struct tn_cgroup_placed *pl, const struct tn_resources *res,
			   struct tn_error **err);
/* Apply limits to an existing cgroup (`update`). */
int tn_cgroup_apply(const struct tn_cgroup_at *at, const struct tn_resources *res,
		    struct tn_error **err);
/*
 * Remove what create made, the deepest first, and the parent /tenant of an older tenant's
 * absolute default path (/tenant/ID) once empty. Its processes must be gone. made NULL (a
 * state written before the directories were recorded): the leaf in every hierarchy.
 */
int tn_cgroup_remove(const struct tn_cgroup_at *at, const struct tn_cgroup_dirs *made);
/*
 * Delegate the container's cgroup to its root (host uid, gid), as crun does for a container in a
 * user namespace of its own: the directory and the files a delegatee may write
 * (/sys/kernel/cgroup/delegate) in the cgroup2 hierarchy, and in v1's name=systemd one, so that
 * a systemd inside makes its own cgroups there. The controllers' files stay root's; only a
 * directory this create made (in `made`) is given, or any when `owned` (a scope systemd made
 * for this container).
 */
int tn_cgroup_delegate(const struct tn_cgroup_at *at, const struct tn_cgroup_dirs *made, bool owned,
		       uid_t uid, gid_t gid);
/* SIGKILL every process of the cgroup (thawed first) and wait (5 s at most) until it is empty. */
int tn_cgroup_kill(const struct tn_cgroup_at *at);
/* Until the cgroup no longer lists `pid` (a process whose threads are still ending), at most
 * 5 s; *ret_others: how many other processes it lists then. */
int tn_cgroup_wait_out(const struct tn_cgroup_at *at, pid_t pid, size_t *ret_others);
int tn_cgroup_freeze(const struct tn_cgroup_at *at, bool freeze, struct tn_error **err);
bool tn_cgroup_frozen(const struct tn_cgroup_at *at);
/* The PIDs in the cgroup, allocated. */
int tn_cgroup_pids(const struct tn_cgroup_at *at, pid_t **ret, size_t *ret_n);

/*
 * What a container is shown at a cgroup mount of config.json (docs/oci.md): one entry per
 * hierarchy, the host directory of the cgroup this process is in (the container's, once it
 * joined; a rootless caller's own where it has none) and the options to mount it anew with.
 */
struct tn_cgroup_view_entry {
	char *name;    /* v1: the directory under the mount, the host's basename ("cpu,cpuacct");
			  v2: NULL, the hierarchy is the mount itself */
	char *source;  /* the host directory: mount point + the process's own cgroup */
	char *options; /* v1: for a fresh mount ("cpu,cpuacct", "name=systemd"); v2: NULL */
};

struct tn_cgroup_view {
	bool v2; /* one cgroup2 entry; otherwise a tmpfs with one entry per v1 hierarchy */
	struct tn_cgroup_view_entry *v;
	size_t n;
	/* A hybrid host's cgroup2 hierarchy (source NULL if none): not part of the "cgroup"
	 * view (as runc), but what a mount of type "cgroup2" shows (runc mounts cgroup2). */
	struct tn_cgroup_view_entry unified;
};

/*
 * The view from the hierarchies and /proc/self/cgroup's text (pure). A hierarchy whose cgroup
 * is not below the mount's root (nothing of it can be shown) is left out.
 */
int tn_cgroup_view_plan(const struct tn_cgroup_hiers *h, const char *self_cgroup,
			struct tn_cgroup_view *ret);
/* The view of this process, from /proc/self/mountinfo and /proc/self/cgroup. */
int tn_cgroup_view_load(struct tn_cgroup_view *ret);
void tn_cgroup_view_done(struct tn_cgroup_view *v);

void tn_resources_done(struct tn_resources *r);
/*
 * What `update -r` applies of a linux.resources object, as runc's update: the memory limit,
 * reservation and swap, the cpu fields, the block I/O weight, pids and unified; the rest (device
 * rules, swappiness, disableOOMKiller, leafWeight, weight and throttle devices, hugepages,
 * network, rdma) is dropped from *r, as runc ignores it.
 */
void tn_resources_update_subset(struct tn_resources *r);

/*
 * Device rules reduced to what the v1 controller holds, as runc's emulator computes it: a
 * default (everything allowed or denied, the last "a" rule's) and exceptions to it, one per
 * (type, major, minor) with their access merged, sorted by major, minor, then type (a wildcard,
 * -1, first). runc writes them in that order, so devices.list reads the same (pure).
 */
struct tn_device_list {
	bool allow_all;
	struct tn_device_rule *v; /* the exceptions: v[i].allow is !allow_all */
	size_t n;
};
/* -EINVAL when a rule would take access out of part of a wildcard exception (v1 cannot, and
 * runc refuses it); *ret_bad is then that rule's index. */
int tn_device_list_reduce(const struct tn_device_rule *rules, size_t n, struct tn_device_list *ret,
			  size_t *ret_bad);
void tn_device_list_done(struct tn_device_list *l);

/* cgroup v2 device rules: a BPF program on the cgroup directory (cgroup-devices.c). */
int tn_cgroup_devices_v2(const char *dir, const struct tn_device_list *l);
