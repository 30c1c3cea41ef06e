/* SPDX-License-Identifier: Apache-2.0 */
/* How create makes P1 (container-clone.h). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "container-clone.h"
#include "fork.h"
#include "fs.h"
#include "rootless.h"
#include "banned.h"

int tn_container_single_stage_flags(const struct create_plan *p)
{
	for (int t = 0; t < TN_NS_COUNT; t++)
		if (p->cfg.ns[t].present && p->cfg.ns[t].path)
			return -1;
	if (p->new_flags & tn_ns_clone_flag(TN_NS_TIME))
		return -1;
	if (p->new_flags & CLONE_NEWUSER)
		return p->new_flags & (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID);
	return p->new_flags & CLONE_NEWPID;
}

/* P1 as init, in its cgroup2 directory where the kernel takes it; -errno: none. */
static pid_t clone_init(int ns, int cgroup_fd, bool *ret_cloned_in)
{
	pid_t pid = cgroup_fd >= 0 ? tn_clone3((uint64_t)ns, cgroup_fd) : -1;

	*ret_cloned_in = pid >= 0;
	return pid >= 0 ? pid : tn_clone3((uint64_t)ns, -1);
}

static pid_t fork_p1(const struct create_plan *p, int cgroup_fd, bool *ret_single,
		     bool *ret_cloned_in)
{
	int ns = tn_container_single_stage_flags(p);
	pid_t pid = -1;

	*ret_single = ns >= 0;
	if (*ret_single)
		pid = clone_init(ns, cgroup_fd, ret_cloned_in);
	*ret_single = pid >= 0;
	if (pid >= 0)
		return pid;
	pid = cgroup_fd >= 0 ? tn_fork_into_cgroup(cgroup_fd) : -1;
	*ret_cloned_in = pid >= 0;
	return pid >= 0 ? pid : fork();
}

pid_t tn_container_fork_p1(const struct create_plan *p, int cgroup_fd, bool dumpable,
			   bool *ret_single, bool *ret_cloned_in)
{
	int was = dumpable ? 0 : prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	pid_t pid;

	if (was > 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -1;
	pid = fork_p1(p, cgroup_fd, ret_single, ret_cloned_in);
	if (was > 0 && pid != 0)
		(void)prctl(PR_SET_DUMPABLE, was, 0, 0, 0); /* as it was: it was allowed */
	return pid;
}

int tn_container_p1_oom_score(pid_t p1, const struct tn_oci_process *proc, struct tn_error **err)
{
	char path[64], v[16];
	int r;

	if (!proc->has_oom_score_adj || tn_rootless())
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)p1);
	snprintf(v, sizeof(v), "%d", proc->oom_score_adj);
	r = tn_write_string(path, v);
	if (r < 0)
		return tn_error_errno(err, -r, "process.oomScoreAdj: cannot set %d",
				      proc->oom_score_adj);
	return 0;
}
