/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Locking the subordinate ID files the way shadow does, so tenant, useradd, usermod and
 * concurrent tenants never interleave their read-modify-write cycles:
 *
 *  1. `.pwd.lock` in the files' directory, locked with fcntl: for /etc this is the file glibc's
 *     lckpwdf() locks, which shadow's tools take before touching any account database. tenant
 *     uses an open-file-description lock, which conflicts with lckpwdf()'s record lock.
 *  2. shadow's per-file lock: `FILE.PID` holding the PID, hard-linked to `FILE.lock`. A lock
 *     whose process is gone is stale and taken over, as shadow does.
 *
 * Both are waited for (up to TN_SUBID_LOCK_TIMEOUT_MS), then reported with the holder's PID.
 */
#pragma once

#include <stddef.h>

#include "error.h"

#define TN_SUBID_LOCK_TIMEOUT_MS 30000

struct tn_subid_lock {
	int dir_fd[2];	    /* the .pwd.lock fds (one per distinct directory), -1 when unused */
	char *file_lock[2]; /* FILE.lock paths we created, NULL when unused */
};

#define TN_SUBID_LOCK_INIT                                                                         \
	{                                                                                          \
		.dir_fd = { -1, -1 }                                                               \
	}

/* Lock the (one or two) files, in the order given. On failure nothing stays locked. */
int tn_subid_lock_acquire(const char *const paths[], size_t n, struct tn_subid_lock *l,
			  struct tn_error **err);
void tn_subid_lock_release(struct tn_subid_lock *l);
