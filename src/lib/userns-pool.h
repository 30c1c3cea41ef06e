/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A range per container (`--userns auto`, annotation run.tenant.userns=auto): host ID blocks
 * handed out from a pool and recorded in a registry, so that no two containers share IDs.
 *
 *	pool      as root: the subordinate ranges of the owner "tenant" (added on first use);
 *	          rootless: the caller's own subordinate ranges
 *	registry  /var/lib/tenant/userns.json as root, $XDG_DATA_HOME/tenant/userns.json otherwise;
 *	          one lock (userns.lock) is held across pick and record, the file is replaced
 *	          atomically
 *
 * An allocation is first "pending" (the allocating tenant's PID and start time), then bound to
 * the container's init by tn_pool_commit. A range goes back to the pool when tenant deletes the
 * container (tn_pool_release kills what is left of it first), or when its process
 * is gone and no process on the host runs with an ID of it (a tenant killed half-way, a container
 * that died without delete and left nothing running). A damaged registry is kept aside and
 * rebuilt from the user namespaces that run, never started empty.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "idmap.h"
#include "subid.h"

#define TN_POOL_OWNER	     "tenant"
#define TN_POOL_DEFAULT_SIZE 65536
#define TN_POOL_ALIGN	     65536
#define TN_POOL_ROOT_COUNT   67108864 /* the pool tenant adds for itself as root: 1024 blocks */

struct tn_pool_grant {
	uint32_t uid_start, gid_start, size;
	bool added_pool; /* the "tenant" ranges were created just now (say so) */
	bool recovered;	 /* the registry was damaged: kept as FILE.damaged, rebuilt (say so) */
};

/* Give container (root, id) `size` IDs; pending until committed. */
int tn_pool_allocate(const struct tn_subid_source *src, const char *root, const char *id,
		     uint32_t size, struct tn_pool_grant *ret, struct tn_error **err);
/* Bind the allocation to the container's init, in the user namespace of inode `userns`. */
int tn_pool_commit(const char *root, const char *id, pid_t pid, uint64_t userns,
		   struct tn_error **err);
/* Give the range back (delete, or a failed create): SIGKILL what is left of the container (the
 * processes of its user namespace; as root also whatever runs with the block's IDs, tenant's
 * pool being tenant's alone), then drop it; while anything still runs with an ID of it, the
 * range stays taken until reclaim finds it unused. Missing entries are fine. */
int tn_pool_release(const char *root, const char *id);

/*
 * --userns remap (Docker's --userns-remap): every container shares the ranges of `owner`
 * (default "tenant-remap"; remap-user in /etc/tenant/tenant.conf), mapped from container ID 0
 * up. On first use, as Docker does for dockremap, a system account is created when the name has
 * none (useradd), and ranges of 65536 IDs are added for it.
 */
#define TN_REMAP_DEFAULT_OWNER "tenant-remap"
#define TN_TENANT_CONF	       "/etc/tenant/tenant.conf"
struct tn_remap_added {
	bool account; /* useradd made it just now */
	bool ranges;  /* its subordinate ranges were added just now */
};
int tn_pool_remap(const struct tn_subid_source *src, const char *owner,
		  struct tn_idmap_extent **ret_uid, size_t *n_uid, struct tn_idmap_extent **ret_gid,
		  size_t *n_gid, struct tn_remap_added *ret_added, struct tn_error **err);

/* The remap user of /etc/tenant/tenant.conf ("remap-user = NAME"), or the default. */
int tn_remap_owner(const char *conf, char **ret, struct tn_error **err);

/* The registry file (for messages and tests). */
char *tn_pool_registry_path(void);

/* Parse a registry's text and drop it: 0, or -EINVAL when it is not one (for the fuzzer). */
int tn_pool_registry_parse(const char *text, size_t len);
