/* SPDX-License-Identifier: Apache-2.0 */
/* fork(2), straight into a cgroup (fork.c). */
#pragma once

#include <sched.h>
#include <stdint.h>
#include <sys/types.h>

/* The namespaces tn_clone3 may make for its child. */
#define TN_CLONE3_NS_FLAGS                                                                         \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

/*
 * fork() into the cgroup v2 directory open at `cgroup_fd` (clone3's CLONE_INTO_CGROUP, Linux
 * 5.7): the child starts there, charged to it from its first page, and nobody writes
 * cgroup.procs, whose migration takes the kernel's thread-group lock for writing and waits for
 * an RCU grace period (milliseconds, once per burst of moves). As fork(): the child's PID in the
 * parent, 0 in the child; -errno when there is no child: -EOPNOTSUPP where the kernel has no
 * such clone3, the kernel's refusal otherwise (-EBUSY: the cgroup has controllers enabled for
 * its children; -EACCES: the caller may not move a process there). The caller then forks and
 * moves the child as before.
 *
 * Like crun's and runc's, the child of a raw clone3 skips glibc's fork handlers: only for a
 * single-threaded caller, whose locks nobody else can hold at the time of the call.
 */
pid_t tn_fork_into_cgroup(int cgroup_fd);

/*
 * fork() whose child starts in new namespaces (ns_flags, of TN_CLONE3_NS_FLAGS: with
 * CLONE_NEWUSER, the user namespace is made first and owns the others) and, when cgroup_fd is not
 * -1, in that cgroup v2 directory (as tn_fork_into_cgroup). With CLONE_NEWPID the child is PID 1
 * of its namespace, where unshare() would move only its children: one process fewer. -errno as
 * tn_fork_into_cgroup's (-EINVAL: a flag not allowed here).
 */
pid_t tn_clone3(uint64_t ns_flags, int cgroup_fd);
