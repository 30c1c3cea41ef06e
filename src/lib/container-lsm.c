/* SPDX-License-Identifier: Apache-2.0 */
/* AppArmor profile and SELinux label of the container's process (container-lsm.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "container-lsm.h"
#include "fs.h"
#include "banned.h"

static bool selinux_enabled(void)
{
	struct statfs fs;

	return statfs("/sys/fs/selinux", &fs) == 0 && fs.f_type == SELINUX_MAGIC;
}

int tn_lsm_check(const struct tn_oci_process *p, struct tn_error **err)
{
	int r;

	if (!p->selinux_label || !p->selinux_label[0] || selinux_enabled())
		return 0;
	r = tn_error_set(err, EINVAL,
			 "process.selinuxLabel: '%s' is given, but SELinux is disabled or not "
			 "supported on this host",
			 p->selinux_label);
	return tn_error_hint(err, r, "remove the label (--process-label for exec)");
}

static int apparmor_failed(const char *profile, int code, struct tn_error **err)
{
	int r = tn_error_errno(err, -code, "process.apparmorProfile: cannot apply '%s'", profile);

	return tn_error_hint(err, r,
			     "the host's AppArmor must be enabled and have the profile loaded; "
			     "else remove it (--apparmor for exec)");
}

/* "exec PROFILE" to AppArmor's own attribute (kernels with several LSMs), else the shared one. */
static int apparmor_apply(const char *profile, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	int r;

	if (asprintf(&text, "exec %s", profile) < 0)
		return -ENOMEM;
	r = tn_write_string("/proc/self/attr/apparmor/exec", text);
	if (r == -ENOENT) /* a kernel without per-LSM attributes: the shared one */
		r = tn_write_string("/proc/self/attr/exec", text);
	if (r < 0)
		return apparmor_failed(profile, r, err);
	return 0;
}

int tn_lsm_apply(const struct tn_oci_process *p, struct tn_error **err)
{
	int r;

	if (p->apparmor_profile && p->apparmor_profile[0]) {
		r = apparmor_apply(p->apparmor_profile, err);
		if (r < 0)
			return r;
	}
	if (p->selinux_label && p->selinux_label[0]) {
		r = tn_write_string("/proc/self/attr/exec", p->selinux_label);
		if (r < 0)
			return tn_error_errno(err, -r, "process.selinuxLabel: cannot apply '%s'",
					      p->selinux_label);
	}
	return 0;
}
