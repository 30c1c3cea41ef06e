/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "lsm.h"
#include "macro.h"
#include "banned.h"

bool tn_selinux_enabled(void)
{
	return access("/sys/fs/selinux/enforce", F_OK) == 0;
}

/* Write `text` to the first of /proc/thread-self/attr/{dirs...}exec that exists. */
static int write_attr(const char *const *files, const char *text)
{
	for (size_t i = 0; files[i]; i++) {
		_cleanup_close_ int fd = open(files[i], O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		ssize_t n;

		if (fd < 0 && errno == ENOENT && files[i + 1])
			continue;
		if (fd < 0)
			return negative_errno();
		n = write(fd, text, strlen(text));
		if (n < 0)
			return negative_errno();
		return (size_t)n == strlen(text) ? 0 : -EIO;
	}
	return -ENOENT;
}

int tn_lsm_check(const struct tn_oci_process *p, struct tn_error **err)
{
	int r;

	if (!p->selinux_label || !p->selinux_label[0] || tn_selinux_enabled())
		return 0;
	r = tn_error_set(err, EINVAL,
			 "process.selinuxLabel: a label is given, but SELinux is disabled or not "
			 "supported on this host");
	return tn_error_hint(err, r, "leave process.selinuxLabel out here");
}

int tn_lsm_set_exec(const char *apparmor_profile, const char *selinux_label, struct tn_error **err)
{
	static const char *const apparmor[] = { "/proc/thread-self/attr/apparmor/exec",
						"/proc/thread-self/attr/exec", NULL };
	static const char *const selinux[] = { "/proc/thread-self/attr/exec", NULL };
	char text[4096];
	int r;

	if (apparmor_profile && apparmor_profile[0]) {
		if ((size_t)snprintf(text, sizeof(text), "exec %s", apparmor_profile) >=
		    sizeof(text))
			return tn_error_set(err, ENAMETOOLONG, "process.apparmorProfile: too long");
		r = write_attr(apparmor, text);
		if (r < 0) {
			r = tn_error_errno(err, -r,
					   "process.apparmorProfile: cannot apply profile '%s'",
					   apparmor_profile);
			return tn_error_hint(err, r,
					     "load the profile first (apparmor_parser), or leave "
					     "process.apparmorProfile out where AppArmor is off");
		}
	}
	if (selinux_label && selinux_label[0]) {
		r = write_attr(selinux, selinux_label);
		if (r < 0)
			return tn_error_errno(err, -r,
					      "process.selinuxLabel: cannot set label '%s'",
					      selinux_label);
	}
	return 0;
}
