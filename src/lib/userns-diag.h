/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Why the kernel refused a new user namespace, in words and with the fix (seed 003's
 * troubleshooting, answered by the tool).
 *
 * Two steps, as everywhere: tn_userns_facts_gather() reads what the machine says (sysctls, the
 * kernel command line, the caller's own maps, how many namespaces exist), and the pure
 * tn_userns_explain() turns the facts and the errno into a message and a hint.
 */
#pragma once

#include <stdbool.h>

#include "error.h"

struct tn_userns_facts {
	int err;			/* positive errno of unshare(CLONE_NEWUSER) */
	bool privileged;		/* CAP_SYS_ADMIN in the current user namespace */
	bool have_userns;		/* /proc/self/ns/user exists (CONFIG_USER_NS) */
	bool boot_disabled;		/* user_namespace.enable=0 on the kernel command line */
	bool uid_mapped, gid_mapped;	/* the caller's IDs have a mapping where it runs */
	long max_user_namespaces;	/* -1: unknown */
	long max_mnt_namespaces;	/* -1: unknown (unshare also creates a mount namespace) */
	long unprivileged_userns_clone; /* Debian/Ubuntu sysctl; -1: absent */
	long apparmor_restrict; /* kernel.apparmor_restrict_unprivileged_userns; -1: absent */
	long existing;		/* user namespaces below the current one, -1: unknown */
};

/* Read the facts below `proc` ("/proc" outside tests). Never fails: unknown facts stay -1. */
void tn_userns_facts_gather(const char *proc, int err, struct tn_userns_facts *ret);

/* Set *err to what went wrong and how to fix it; returns -f->err. */
int tn_userns_explain(const struct tn_userns_facts *f, struct tn_error **err);
