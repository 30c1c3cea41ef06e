/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant check`: whether this machine runs containers in user namespaces for a user, one check
 * a line with ok / warn / fail, what was found and the fix (seed 003's troubleshooting, done by
 * the tool). Everything is probed, not guessed from versions.
 *
 *	userns         unshare(CLONE_NEWUSER) as the user; why not (boot option, sysctls, limit)
 *	max-userns     user.max_user_namespaces, and how many exist
 *	newuidmap      present, setuid root or with file capabilities (newgidmap the same)
 *	subuid, subgid the user's ranges, and what lint says about them
 *	idmap          idmapped mounts on the filesystems tenant uses (as root; rootless: none)
 *	cgroups        the layout, and a delegated cgroup for the user
 *	seccomp        the kernel's filter mode, libseccomp
 *	pidfd, clone3  the syscalls
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "accounts.h"
#include "error.h"
#include "subid.h"

enum tn_check_status {
	TN_CHECK_OK,
	TN_CHECK_WARN,
	TN_CHECK_FAIL,
};

struct tn_check_result {
	const char *name; /* "userns", "newuidmap", ... */
	enum tn_check_status status;
	char *found;
	char *fix; /* NULL: nothing to do */
};

struct tn_check_report {
	struct tn_check_result *v;
	size_t n, cap;
	size_t n_failed, n_warned;
};

struct tn_check_opts {
	const struct tn_user *user; /* whose namespaces and ranges */
	const struct tn_subid_source *subid;
	const char *proc; /* "/proc" */
	const char *sys;  /* "/sys" */
};

int tn_check_run(const struct tn_check_opts *o, struct tn_check_report *ret);
void tn_check_report_done(struct tn_check_report *r);
const char *tn_check_status_name(enum tn_check_status s); /* "ok", "warn", "fail" */
