/* SPDX-License-Identifier: Apache-2.0 */
/* The state.json create records for a container (container-state.h). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "clock.h"
#include "container-state.h"
#include "oci-state.h"
#include "proc-stat.h"
#include "rootless.h"
#include "banned.h"

int tn_create_state_prepare(const struct create_plan *p, const char *root, const char *id,
			    pid_t init, char **ret_tmp, char **ret_text, struct tn_error **err)
{
	_cleanup_free_ char *created = tn_now_rfc3339();
	struct tn_state s = {
		.id = (char *)id,
		.pid = init,
		.pid_start = tn_proc_start_time(init),
		.bundle = p->bundle,
		.rootfs = p->rootfs,
		.created = created,
		.owner = getuid(),
		.annotations = p->cfg.annotations,
		.n_annotations = p->cfg.n_annotations,
		.rootless = tn_rootless(),
		.new_pid_ns = (p->new_flags & CLONE_NEWPID) != 0,
		.cgroup_path = p->cgroup_used ? p->cgroup : NULL,
		.cgroup_parent = p->cgroup_used ? p->cgroup_parent : NULL,
		.cgroup_dirs = p->cgroup_made, /* borrowed: s is never tn_state_done'd */
		.systemd_unit = p->systemd_started ? p->systemd.unit : NULL,
		.systemd_user = p->systemd.user,
		.systemd_invocation = p->systemd_started ? (char *)p->systemd_invocation : NULL,
		.pooled = p->pooled,
		.rootfs_copy = p->copy != NULL,
	};

	if (!created)
		return -ENOMEM;
	return tn_state_prepare(root, &s, ret_tmp, ret_text, err);
}
