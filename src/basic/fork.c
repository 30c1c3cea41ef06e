/* SPDX-License-Identifier: Apache-2.0 */
/* fork(2), straight into a cgroup (fork.h). */
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fork.h"
#include "macro.h"
#include "banned.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

pid_t tn_clone3(uint64_t ns_flags, int cgroup_fd)
{
	struct clone_args args = {
		.flags = ns_flags | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
		.exit_signal = SIGCHLD,
		.cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0,
	};
	long pid;

	if (ns_flags & ~(uint64_t)TN_CLONE3_NS_FLAGS)
		return -EINVAL;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid >= 0)
		return (pid_t)pid;
	/* No clone3 (ENOSYS), or one without CLONE_INTO_CGROUP or with a smaller clone_args
	 * (EINVAL, E2BIG): the kernel predates it. */
	if (errno == ENOSYS || errno == EINVAL || errno == E2BIG)
		return -EOPNOTSUPP;
	return negative_errno();
}

pid_t tn_fork_into_cgroup(int cgroup_fd)
{
	if (cgroup_fd < 0)
		return -EBADF;
	return tn_clone3(0, cgroup_fd);
}
