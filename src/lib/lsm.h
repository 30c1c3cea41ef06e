/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Linux security modules, as runc uses them: the AppArmor profile and the SELinux label the
 * container's process is to run under, set for the next execve(2) through /proc's attr files
 * (what aa_change_onexec() and setexeccon() do, without their libraries).
 */
#pragma once

#include <stdbool.h>

#include "error.h"
#include "oci-config.h"

/* SELinux is on: its filesystem is mounted (/sys/fs/selinux/enforce exists). */
bool tn_selinux_enabled(void);

/* At create, as runc: an SELinux label where SELinux is off is refused. */
int tn_lsm_check(const struct tn_oci_process *p, struct tn_error **err);

/*
 * In the process about to exec the container's: process.apparmorProfile and
 * process.selinuxLabel (either may be NULL), for the next execve. A module that refuses is an
 * error naming the field, as runc fails then too.
 */
int tn_lsm_set_exec(const char *apparmor_profile, const char *selinux_label, struct tn_error **err);
