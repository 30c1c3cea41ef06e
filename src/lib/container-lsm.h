/* SPDX-License-Identifier: Apache-2.0 */
/* The container's process under a Linux security module: process.apparmorProfile and
 * process.selinuxLabel (exec's --apparmor and --process-label), as runc applies them. */
#pragma once

#include "error.h"
#include "oci-config.h"

/* R, when planning: a SELinux label needs SELinux on the host (runc refuses it otherwise). */
int tn_lsm_check(const struct tn_oci_process *p, struct tn_error **err);

/* P2, before the container's process is started: the AppArmor profile and the SELinux label
 * that its execve takes (/proc/self/attr/exec). Where the host has no AppArmor, a profile
 * fails, as with runc: the process never runs unconfined by mistake. */
int tn_lsm_apply(const struct tn_oci_process *p, struct tn_error **err);
