/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Listing containers: what `tenant list` and `tenant ps` print, as plain data. The CLI prints
 * it; it reads no state directory and nothing of /proc itself.
 */
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "oci-state.h"

enum {
	TN_LIST_HOST_IDS = 1 << 0, /* fill host_uids, host_gids and userns */
	TN_LIST_ROOTFS = 1 << 1,   /* fill rootfs (reads each container's config) */
};

/* One container of the state root, as `tenant list` shows it. */
struct tn_container_info {
	struct tn_state state; /* loaded, its status refreshed */
	char *rootfs;	       /* absolute, from its config (TN_LIST_ROOTFS); NULL: unknown */
	char *host_uids;       /* "1001,100000-165535"; "-" when stopped or not known */
	char *host_gids;
	uint64_t userns; /* inode of its user namespace, as lsns -t user shows it; 0: none */
};

struct tn_container_list {
	struct tn_container_info *v; /* sorted by ID */
	size_t n;
};

/*
 * The containers under the state root `root` (a missing root has none); one whose state cannot
 * be loaded is left out. With TN_LIST_HOST_IDS, also the host IDs of each one's maps and its
 * user namespace. -errno (with a message) when the root cannot be read.
 */
int tn_container_list(const char *root, unsigned flags, struct tn_container_list *ret,
		      struct tn_error **err);
void tn_container_list_done(struct tn_container_list *l);

/* One process of a container. */
struct tn_process {
	pid_t pid;
	char *comm; /* its command name; NULL when it ended meanwhile */
};

struct tn_process_list {
	struct tn_process *v;
	size_t n;
};

/* The processes of a container's cgroup, for `tenant ps`. */
int tn_container_processes(const char *root, const char *id, struct tn_process_list *ret,
			   struct tn_error **err);
void tn_process_list_done(struct tn_process_list *l);
