/* SPDX-License-Identifier: Apache-2.0 */
/* The container's process: its credentials, limits and execve, and what protects the stages
 * that prepare it. */
#pragma once

#include "container-stage.h"

/*
 * Every stage that enters a container's namespaces is non-dumpable until it execs the
 * container's process (the kernel decides again at execve): a process of the container can
 * then open neither its /proc/PID/exe (tenant's binary, or its sealed copy), nor its fds
 * (the host's /proc, the state directory), cwd, root or memory, which needs CAP_SYS_PTRACE in
 * the user namespace tenant was started in. Stage 1 of create and of exec do it first thing.
 */
int tn_container_protect_stage(void);

/* P1 of create and of exec, as host root, before it enters anything of the container: no
 * supplementary group of tenant's caller (sudo's 0, say) may reach the container, and where
 * setgroups is denied in its user namespace they could not be dropped later. */
int tn_container_drop_groups(struct tn_error **err);

/* P1, before it is made non-dumpable (then /proc/self/oom_score_adj is root's): process.
 * oomScoreAdj, which init and its process inherit. */
int tn_container_set_oom_score(const struct tn_oci_process *p, struct tn_error **err);

/* R, when planning: only sysctls of the container's own namespaces. */
int tn_sysctl_check(const struct tn_oci_config *c, struct tn_error **err);

/* P2: hostname, sysctl, rlimits: what is set before start. */
int tn_container_setup_misc(struct tn_init_ctx *ctx, struct tn_error **err);

/* P2: resolve process.args[0] against the container's PATH; the path is allocated. */
int tn_container_find_exec(const struct tn_oci_process *p, char **ret, struct tn_error **err);
/*
 * P2 at create, as root still: whether process.user may execute `path` (runc checks with
 * faccessat(AT_EACCESS) as that user before create returns): a noexec mount, or mode bits
 * that deny its user, its group and additionalGids (ACLs are not read).
 */
int tn_container_check_exec_access(const struct tn_oci_process *p, const char *path,
				   struct tn_error **err);

/* process.cwd entered as the container's root: 0, or 1 when that is refused and it is for
 * after the user changes (as runc). */
int tn_container_enter_cwd(const struct tn_oci_process *p, struct tn_error **err);

/* P2 before create returns: process.user's IDs are all mapped in the container's user
 * namespace (runc's init becomes the user before create returns, and fails there). */
int tn_container_check_user(struct tn_init_ctx *ctx, struct tn_error **err);

/* P2, before ready: process.cwd can be entered, as root or as process.user (else the error). */
int tn_container_check_cwd(struct tn_init_ctx *ctx, struct tn_error **err);

/* P2, after start: credentials, capabilities, no_new_privs, cwd, umask, then execve. */
int tn_container_exec(struct tn_init_ctx *ctx, const char *exec_path, struct tn_error **err);
/* After start nobody waits for a message: the error goes where the process's would (its
 * stderr), with its hint, and the stage ends with `status`. */
_Noreturn void tn_container_fail_started(int r, struct tn_error *err, int status);
