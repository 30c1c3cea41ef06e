/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json (OCI runtime-spec 1.2) as plain data: parsed and checked in one step, before
 * anything is created, so a bad config leaves nothing behind. Fields tenant does not know are
 * ignored, as the spec requires; fields it knows are checked for type and value, and an error
 * names the file, line, column, field and value.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "cgroup.h"
#include "idmap.h"
#include "oci-hooks.h"
#include "oci-policy.h"
#include "oci-seccomp.h"

#define TN_OCI_VERSION "1.2.0"
#define TN_CONFIG_MAX  (16u * 1024 * 1024) /* a cap on what is read of config.json */

enum tn_ns_type {
	TN_NS_USER,
	TN_NS_MOUNT,
	TN_NS_PID,
	TN_NS_UTS,
	TN_NS_IPC,
	TN_NS_NET,
	TN_NS_CGROUP,
	TN_NS_TIME,
	TN_NS_COUNT,
};

struct tn_oci_namespace {
	bool present;
	char *path; /* join this namespace instead of creating one */
};

struct tn_oci_mount {
	char *destination;
	char *type; /* NULL: a bind mount when options say bind/rbind */
	char *source;
	char **options;
	size_t n_options;
	/* Derived from the options: */
	unsigned long flags;	   /* MS_* to set */
	unsigned long clear;	   /* MS_* the options clear (rw, suid, dev, exec...) */
	unsigned long propagation; /* MS_SHARED, MS_SLAVE, MS_PRIVATE, MS_UNBINDABLE | MS_REC */
	bool bind, recursive;
	uint64_t attr_set, attr_clr; /* "rro", "rnosuid"...: MOUNT_ATTR_* set recursively (runc) */
	bool tmpcopyup; /* tmpfs: copy what the image has at the destination into it (crun, runc) */
	/* Idmapped (runtime-spec 1.2): "idmap" or "ridmap" (recursive), or mappings given. Without
	 * mappings, the container's own maps. */
	bool idmap, ridmap;
	struct tn_idmap_extent *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	char *data; /* the options the kernel takes as text: "mode=755,size=65536k" */
};

struct tn_oci_rlimit {
	int resource;
	uint64_t soft, hard;
};

enum tn_cap_set {
	TN_CAP_BOUNDING,
	TN_CAP_EFFECTIVE,
	TN_CAP_INHERITABLE,
	TN_CAP_PERMITTED,
	TN_CAP_AMBIENT,
	TN_CAP_SETS,
};

struct tn_oci_process {
	bool terminal;
	bool has_console_size;
	uint32_t console_height, console_width;
	uint32_t uid, gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	uint32_t umask;
	char **args;
	size_t n_args;
	char **env;
	size_t n_env;
	char *cwd;
	uint64_t caps[TN_CAP_SETS]; /* bit N: capability N */
	bool no_new_privileges;
	struct tn_oci_rlimit *rlimits;
	size_t n_rlimits;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile; /* container-lsm.h */
	char *selinux_label;
};

/* linux.devices: a node made in the container (container-devices.c). */
struct tn_oci_device {
	char *path;
	char type;	      /* 'c', 'b' or 'p' ("u" is read as 'c', as runc does) */
	int64_t major, minor; /* 0 when absent */
	bool has_file_mode;
	uint32_t file_mode; /* permission bits; absent: 0666 */
	uint32_t uid, gid;  /* the node's owner; absent: 0 */
};

/* linux.timeOffsets: a clock of a new time namespace, as an offset from the host's. */
struct tn_time_offset {
	bool given;
	int64_t secs;
	int nanosecs; /* 0 to 999999999 */
};
enum { TN_TIME_MONOTONIC, TN_TIME_BOOTTIME, TN_TIME_CLOCKS };

struct tn_oci_config {
	char *oci_version;
	char *root_path; /* as written: relative to the bundle, or absolute */
	bool root_readonly;
	char *hostname;
	char *domainname;
	struct tn_oci_mount *mounts;
	size_t n_mounts;
	bool has_process;
	struct tn_oci_process process;
	struct tn_oci_namespace ns[TN_NS_COUNT];
	struct tn_idmap_extent *uid_mappings, *gid_mappings;
	size_t n_uid_mappings, n_gid_mappings;
	char **masked_paths, **readonly_paths;
	size_t n_masked_paths, n_readonly_paths;
	unsigned long rootfs_propagation; /* 0: not set */
	char *cgroups_path;
	struct tn_resources resources;
	struct tn_oci_device *devices;
	size_t n_devices;
	char **sysctl; /* "key", "value", ... pairs */
	size_t n_sysctl;
	struct tn_seccomp *seccomp; /* NULL: no filter */
	struct tn_time_offset time_offsets[TN_TIME_CLOCKS];
	struct tn_oci_hooks hooks;
	char **annotations; /* "key", "value", ... pairs */
	size_t n_annotations;
	struct tn_oci_policy policy; /* the run.tenant.* annotations, parsed */
};

const char *tn_ns_type_name(enum tn_ns_type t); /* the config.json name: "network", ... */
int tn_ns_clone_flag(enum tn_ns_type t);	/* CLONE_NEWUSER, ... */

/* Parse config.json text; `file` names it in errors. */
int tn_oci_config_parse(const char *file, const char *text, size_t len, struct tn_oci_config *ret,
			struct tn_error **err);
/* Read and parse a file. */
int tn_oci_config_load(const char *path, struct tn_oci_config *ret, struct tn_error **err);
void tn_oci_config_done(struct tn_oci_config *c);

/* exec --process FILE: a "process" object alone, into cfg->process (replacing it). */
int tn_oci_process_parse(const char *file, const char *text, size_t len, struct tn_oci_config *cfg,
			 struct tn_error **err);
void tn_oci_process_done(struct tn_oci_process *p);
/* update --resources FILE ("-": stdin): a linux.resources object alone. */
int tn_resources_load(const char *path, struct tn_resources *ret, struct tn_error **err);

/* Capability names: "CAP_CHOWN" <-> 0. -EINVAL for an unknown name. */
int tn_cap_from_name(const char *name);
const char *tn_cap_name(int cap);
#define TN_CAP_KNOWN 41 /* CAP_CHOWN (0) .. CAP_CHECKPOINT_RESTORE (40) */

/* Parse the mount options of `m` into flags, propagation and data (pure; used by the parser). */
int tn_oci_mount_options(struct tn_oci_mount *m, const char **ret_bad);
