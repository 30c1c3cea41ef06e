/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing planned maps into a process's user namespace: /proc/PID/uid_map and gid_map written
 * directly, or through shadow's setuid newuidmap/newgidmap (Debian's uidmap package).
 *
 * The target is always a child of the caller that has not been waited for, so its PID cannot
 * be reused by another process while the maps are written.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "idmap.h"

/* newuidmap or newgidmap, found on PATH, and whether it can do its job. */
struct tn_idmap_helper {
	enum tn_idmap_kind kind;
	char *path;   /* NULL when not found */
	bool usable;  /* setuid root or with file capabilities, on a filesystem without nosuid */
	char *reason; /* why not usable: "not found on PATH (...)", "not setuid root (mode 0755)" */
};

const char *tn_idmap_helper_name(enum tn_idmap_kind kind); /* "newuidmap" / "newgidmap" */

/* Look the helper up. Fails only when out of memory. */
int tn_idmap_helper_find(enum tn_idmap_kind kind, struct tn_idmap_helper *ret);
void tn_idmap_helper_done(struct tn_idmap_helper *h);

/* The error for a plan that needs an unusable helper (-ENOENT or -EPERM), with the fix. */
int tn_idmap_helper_refuse(const struct tn_idmap_helper *h, struct tn_error **err);

/*
 * Write both maps of process `pid`. helper_path[kind] names the helper for a map whose writer is
 * TN_IDMAP_WRITE_HELPER; the helpers run at the same time. Errors quote what was asked and, for
 * a helper, what it said.
 */
int tn_idmap_write(pid_t pid, const struct tn_idmap *const maps[2],
		   const char *const helper_path[2], struct tn_error **err);
