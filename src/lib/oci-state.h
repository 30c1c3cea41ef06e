/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state of containers: one directory per container under the state root (--root),
 * holding state.json (written atomically) and, between create and start, exec.fifo.
 *
 * state.json keeps the init process's PID together with its start time (proc-stat.h), so a
 * PID reused by another process after the container ended is never taken for the container.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "json-writer.h"

#define TN_STATE_FILE  "state.json"
#define TN_EXEC_FIFO   "exec.fifo"
#define TN_CONFIG_COPY "config.json" /* the config the container was created from */

enum tn_status {
	TN_STATUS_CREATING,
	TN_STATUS_CREATED,
	TN_STATUS_RUNNING,
	TN_STATUS_PAUSED,
	TN_STATUS_STOPPED,
};

struct tn_state {
	char *id;
	pid_t pid;
	uint64_t pid_start; /* start time of pid, in clock ticks since boot */
	char *bundle;	    /* absolute */
	char *rootfs;	    /* absolute: root.path resolved, as runc's state shows it */
	char *created;	    /* RFC 3339, UTC, nanoseconds */
	uint32_t owner;	    /* the UID that created it */
	char **annotations; /* "key", "value", ... pairs, NULL-terminated */
	size_t n_annotations;
	bool rootless;
	bool new_pid_ns;		   /* killing init kills all; otherwise kill --all walks */
	char *cgroup_path;		   /* empty when tenant manages no cgroup */
	char *cgroup_parent;		   /* a relative one's: the creator's cgroups, or NULL */
	enum tn_status status;		   /* computed by tn_state_refresh, never stored */
	struct tn_cgroup_dirs cgroup_dirs; /* the cgroup directories create made */
	bool has_cgroup_dirs;		   /* false: a state.json from before they were recorded */
	char *systemd_unit;	  /* --cgroup-manager systemd: the scope (in the user's manager when
			       rootless), or NULL */
	bool systemd_user;	  /* ... in the caller's user manager */
	char *systemd_invocation; /* ... its InvocationID at create (32 hex digits) */
	bool remains_known;	  /* pooled and rootfs_copy were recorded (false: a state.json from
				     before they were; delete looks for both then) */
	bool pooled;		  /* --userns auto gave it a range of the registry's */
	bool rootfs_copy;	  /* it runs on a shifted copy of its rootfs (rootfs-copy.h) */
};

/* The default state root: /run/tenant as root, $XDG_RUNTIME_DIR/tenant otherwise, else a
 * private directory under /tmp (tenant-UID). */
int tn_state_root_default(char **ret);
/* Create the root (mode 0700) if needed; it must be a directory of the caller's. */
int tn_state_root_prepare(const char *root, struct tn_error **err);

/* Container IDs: 1-1024 characters of [A-Za-z0-9_.+-], not "." or "..", as runc accepts. */
int tn_container_id_check(const char *id, struct tn_error **err);

/* <root>/<id>, newly allocated. */
char *tn_state_dir(const char *root, const char *id);

/* state.json in two halves: its text written to a temporary file ahead of time (*ret_tmp, which
 * the caller unlinks if it is never committed; *ret_text, when ret_text is not NULL, gets the
 * text), then renamed into place. */
int tn_state_prepare(const char *root, const struct tn_state *s, char **ret_tmp, char **ret_text,
		     struct tn_error **err);
int tn_state_commit(const char *root, const char *id, const char *tmp, struct tn_error **err);
/* Where the container's cgroup is (borrowing s's strings). */
struct tn_cgroup_at tn_state_cgroup(const struct tn_state *s);
/*
 * -ENOENT (with a message naming the ID) when there is no such container. The state root and the
 * container's directory are checked first (private-dir.h): the caller's, writable by nobody
 * else, no symlink; a planted state is refused with the path, its owner and the fix.
 */
int tn_state_load(const char *root, const char *id, struct tn_state *ret, struct tn_error **err);
/* The same from state.json's text, as tn_state_prepare gave it (`run`, which wrote it). */
int tn_state_from_text(const char *root, const char *id, const char *text, size_t len,
		       struct tn_state *ret, struct tn_error **err);
/* The same checks without reading state.json (a container directory create left half-made). */
int tn_state_check(const char *root, const char *id, struct tn_error **err);
/* The container IDs under a checked state root, sorted, NULL-terminated; a missing root has
 * none. */
int tn_state_list(const char *root, char ***ret, size_t *ret_n, struct tn_error **err);
/* The fields of a state.json text (id as written, "" when absent; no liveness check): -EINVAL
 * when it is not one. */
int tn_state_parse(const char *text, size_t len, struct tn_state *ret);
void tn_state_done(struct tn_state *s);

/* Set s->status from the process and the exec fifo. */
void tn_state_refresh(const char *root, struct tn_state *s);
const char *tn_status_name(enum tn_status st);

/* The state as `tenant state` prints it (runtime-spec's state, plus nothing else). */
int tn_state_to_json(const struct tn_state *s, const char *oci_version, char **ret);
/* The owner as `state` and `list` show it, as runc's list does: the user's name, else "#UID". */
void tn_state_owner_name(uid_t uid, char *buf, size_t size);

/* The state a hook reads on stdin: runtime-spec's state (runtime.md#state) with runc's fields,
 * ociVersion, id, status, pid (when there is one), bundle, annotations (when there are any). */
int tn_state_to_hook_json(const struct tn_state *s, const char *oci_version, char **ret);
/* "annotations" with its object; with `always` false, nothing when there are none (runc). */
void tn_state_write_annotations(struct tn_json *j, const struct tn_state *s, bool always);
/* The same object, as the next value of `j` (seccomp's container process state embeds it). */
void tn_state_write_hook(struct tn_json *j, const struct tn_state *s, const char *oci_version);

/* --pid-file of create, run and exec: the PID, written atomically. */
int tn_write_pid_file(const char *path, pid_t pid, struct tn_error **err);
