/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which processes on the host use a range of IDs: for `--userns auto`, a range may go back to
 * the pool only when no process runs with an ID of it (a container that was never deleted may
 * keep processes after its init is gone: no PID namespace, a background child), and `delete`
 * kills what is left of a container by its IDs when no cgroup holds them.
 *
 * A process uses an ID when its real, effective, saved or filesystem UID (GID) is in the range.
 * Zombies are over, whoever has not reaped them yet.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "idmap.h"
#include "idrange.h"

struct tn_proc_info {
	pid_t pid;
	uint32_t uid[4], gid[4]; /* real, effective, saved, filesystem */
	uint64_t userns;	 /* inode of its user namespace */
	bool own_userns;	 /* tenant's own */
	int dirfd;		 /* /proc/PID, valid during the callback */
};

/* Call fn for every live process, and for each live thread of a process whose leader has
 * exited (a zombie leader with running threads is alive) or that has several (each thread has
 * credentials of its own); a process that exits meanwhile is skipped. fn's negative result stops
 * the scan and is returned. */
int tn_proc_scan(int (*fn)(const struct tn_proc_info *p, void *data), void *data);

/* The maps of a process's user namespace, through its /proc directory. */
int tn_proc_userns_maps(int dirfd, struct tn_idmap ret[2]);

/* The PIDs (without tenant's own) using an ID of the normalized sets uids / gids; allocated. */
int tn_proc_ids_users(const struct tn_idset *uids, const struct tn_idset *gids, pid_t **ret,
		      size_t *ret_n);
/* The PIDs in the user namespace of inode `userns` whose uid_map has an extent at host ID
 * uid_outside (an inode number alone may have been reused by another namespace), and those with
 * an ID of uids / gids in a user namespace below it (one a process of it made). */
int tn_proc_userns_members(uint64_t userns, uint32_t uid_outside, const struct tn_idset *uids,
			   const struct tn_idset *gids, pid_t **ret, size_t *ret_n);

/* The link of a process's namespace ("mnt", "user"...) as readlink shows it ("mnt:[4026531841]"),
 * through a live thread when its leader has exited. -ESRCH when none can be read. */
int tn_proc_ns_link(const char *pid, const char *ns, char *buf, size_t len);
