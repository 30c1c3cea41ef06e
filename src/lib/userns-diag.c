/* SPDX-License-Identifier: Apache-2.0 */
/* Explaining a refused user namespace (userns-diag.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "caps.h"
#include "fs.h"
#include "parse.h"
#include "userns-diag.h"
#include "banned.h"

/* A small file under `proc` as a number, or -1 when it is absent or not a number. */
static long read_number(const char *proc, const char *rel)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len;
	uint64_t v;

	if (asprintf(&path, "%s/%s", proc, rel) < 0)
		return -1;
	if (tn_read_file(path, 64, &text, &len, NULL) < 0)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	if (tn_parse_u64(text, &v) < 0 || v > LONG_MAX)
		return -1;
	return (long)v;
}

/* Whether a uid_map/gid_map of the caller is non-empty (an unmapped caller reads as 65534). */
static bool map_nonempty(const char *proc, const char *rel)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len = 0;

	if (asprintf(&path, "%s/%s", proc, rel) < 0)
		return true;
	if (tn_read_file(path, 64 * 1024, &text, &len, NULL) < 0)
		return true; /* unknown: do not accuse the map */
	return len > 0;
}

static bool boot_disabled(const char *proc)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len;

	if (asprintf(&path, "%s/cmdline", proc) < 0 ||
	    tn_read_file(path, 64 * 1024, &text, &len, NULL) < 0)
		return false;
	for (char *p = strstr(text, "user_namespace.enable="); p;
	     p = strstr(p + 1, "user_namespace.enable="))
		if ((p == text || p[-1] == ' ') && p[22] == '0')
			return true;
	return false;
}

/* Does the namespace of `fd` descend from the namespace with inode `top`? Takes fd. */
static bool descends_from(int fd, ino_t top)
{
	_cleanup_close_ int cur = fd;

	for (int depth = 0; depth < 33; depth++) {
		_cleanup_close_ int parent = ioctl(cur, NS_GET_PARENT);
		struct stat st;

		if (parent < 0)
			return false; /* the parent is outside the caller's view: not below it */
		if (fstat(parent, &st) < 0)
			return false;
		if (st.st_ino == top)
			return true;
		closep(&cur);
		cur = TAKE_FD(parent);
	}
	return false;
}

/*
 * The user namespaces below the caller's that its processes can see. Namespaces kept alive only
 * by a bind mount or an open fd are not found, so this is a lower bound.
 */
static long count_below(const char *proc)
{
	_cleanup_free_ char *self = NULL;
	ino_t seen[1024];
	size_t n_seen = 0;
	_cleanup_closedir_ DIR *d = NULL;
	struct stat top;

	if (asprintf(&self, "%s/self/ns/user", proc) < 0 || stat(self, &top) < 0)
		return -1;
	d = opendir(proc);
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d)) && n_seen < ELEMENTSOF(seen);) {
		_cleanup_close_ int fd = -1;
		char path[300];
		struct stat st;
		bool dup = false;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/ns/user", proc, e->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) < 0 || st.st_ino == top.st_ino)
			continue;
		for (size_t i = 0; i < n_seen && !dup; i++)
			dup = seen[i] == st.st_ino;
		if (!dup && descends_from(TAKE_FD(fd), top.st_ino))
			seen[n_seen++] = st.st_ino;
	}
	return (long)n_seen;
}

void tn_userns_facts_gather(const char *proc, int err, struct tn_userns_facts *ret)
{
	_cleanup_free_ char *ns = NULL;

	*ret = (struct tn_userns_facts){ .err = err,
					 .privileged = tn_cap_effective(CAP_SYS_ADMIN) };
	ret->have_userns = asprintf(&ns, "%s/self/ns/user", proc) >= 0 && access(ns, F_OK) == 0;
	ret->boot_disabled = boot_disabled(proc);
	ret->uid_mapped = map_nonempty(proc, "self/uid_map");
	ret->gid_mapped = map_nonempty(proc, "self/gid_map");
	ret->max_user_namespaces = read_number(proc, "sys/user/max_user_namespaces");
	ret->max_mnt_namespaces = read_number(proc, "sys/user/max_mnt_namespaces");
	ret->unprivileged_userns_clone = read_number(proc, "sys/kernel/unprivileged_userns_clone");
	ret->apparmor_restrict =
		read_number(proc, "sys/kernel/apparmor_restrict_unprivileged_userns");
	ret->existing = err == ENOSPC && ret->max_user_namespaces > 0 ? count_below(proc) : -1;
}

static int explain_enospc(const struct tn_userns_facts *f, struct tn_error **err)
{
	long max = f->max_user_namespaces;
	int r;

	if (max == 0) {
		r = tn_error_set(err, ENOSPC,
				 "cannot create a user namespace: user namespaces are disabled "
				 "(user.max_user_namespaces = 0%s)",
				 f->boot_disabled ? ", and the kernel was booted with "
						    "user_namespace.enable=0"
						  : "");
		return tn_error_hint(
			err, r,
			"as root: sysctl -w user.max_user_namespaces=15000, and keep it "
			"with 'user.max_user_namespaces = 15000' in "
			"/etc/sysctl.d/userns.conf; on RHEL 7 also boot with "
			"user_namespace.enable=1 (grubby --args=user_namespace.enable=1 "
			"--update-kernel=ALL, then reboot)");
	}
	if (f->max_mnt_namespaces == 0) {
		r = tn_error_set(err, ENOSPC,
				 "cannot create a namespace: mount namespaces are disabled "
				 "(user.max_mnt_namespaces = 0)");
		return tn_error_hint(err, r, "as root: sysctl -w user.max_mnt_namespaces=15000");
	}
	if (f->existing >= 0 && f->existing < max) {
		/* Not the user-namespace count: the mount namespaces, or the nesting depth. */
		r = tn_error_set(
			err, ENOSPC,
			"cannot create a user namespace: a limit is reached, probably not "
			"user.max_user_namespaces (%ld, with %ld seen in use) but "
			"user.max_mnt_namespaces (%ld) or the nesting of 32 user namespaces",
			max, f->existing, f->max_mnt_namespaces);
		return tn_error_hint(err, r,
				     "count mount namespaces with 'lsns -t mnt'; raise the limit "
				     "as root: sysctl -w user.max_mnt_namespaces=N");
	}
	if (f->existing >= 0)
		r = tn_error_set(
			err, ENOSPC,
			"cannot create a user namespace: the limit is reached: "
			"user.max_user_namespaces is %ld and %ld user namespace%s below this one",
			max, f->existing, f->existing == 1 ? " exists" : "s exist");
	else
		r = tn_error_set(err, ENOSPC,
				 "cannot create a user namespace: the limit is reached "
				 "(user.max_user_namespaces is %ld)",
				 max);
	/* The sysctl is an int: never suggest more than INT_MAX. */
	return tn_error_hint(err, r,
			     "stop containers you no longer need, or raise the limit as root: "
			     "sysctl -w user.max_user_namespaces=%ld",
			     max > 0 && max <= INT_MAX / 2 ? max * 2 : (long)INT_MAX);
}

static int explain_eperm(const struct tn_userns_facts *f, struct tn_error **err)
{
	int r;

	if (!f->uid_mapped || !f->gid_mapped) {
		r = tn_error_set(
			err, EPERM,
			"cannot create a user namespace: your %s has no mapping in the user "
			"namespace tenant runs in (its %s is empty)",
			f->uid_mapped ? "GID" : "UID", f->uid_mapped ? "gid_map" : "uid_map");
		return tn_error_hint(err, r,
				     "write the %s of this namespace first, or run tenant "
				     "outside it",
				     f->uid_mapped ? "gid_map" : "uid_map");
	}
	if (!f->privileged && f->unprivileged_userns_clone == 0) {
		r = tn_error_set(err, EPERM,
				 "cannot create a user namespace: unprivileged user namespaces are "
				 "disabled (kernel.unprivileged_userns_clone = 0)");
		return tn_error_hint(err, r,
				     "as root: sysctl -w kernel.unprivileged_userns_clone=1, "
				     "and keep it in /etc/sysctl.d/userns.conf");
	}
	if (!f->privileged && f->apparmor_restrict == 1) {
		r = tn_error_set(
			err, EPERM,
			"cannot create a user namespace: AppArmor restricts unprivileged "
			"user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)");
		return tn_error_hint(
			err, r,
			"give tenant an AppArmor profile with 'userns,' or, as "
			"root: sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
	}
	r = tn_error_set(
		err, EPERM,
		"cannot create a user namespace: the kernel refused (%s): tenant may run in a "
		"chroot, or in a container whose seccomp profile blocks unshare(2)",
		strerror(EPERM));
	return tn_error_hint(err, r,
			     "run tenant on the host, or allow CLONE_NEWUSER in the outer "
			     "container's seccomp profile");
}

int tn_userns_explain(const struct tn_userns_facts *f, struct tn_error **err)
{
	int r;

	switch (f->err) {
	case ENOSPC:
		return explain_enospc(f, err);
	case EPERM:
	case EACCES:
		return explain_eperm(f, err);
	case EUSERS:
		r = tn_error_set(
			err, EUSERS,
			"cannot create a user namespace: user namespaces nest at most 32 deep");
		return tn_error_hint(err, r, "run tenant from a less deeply nested namespace");
	case EINVAL:
		if (!f->have_userns || f->boot_disabled) {
			r = tn_error_set(err, EINVAL,
					 "cannot create a user namespace: this kernel has user "
					 "namespaces %s",
					 f->have_userns
						 ? "disabled at boot (user_namespace.enable=0)"
						 : "compiled out (CONFIG_USER_NS is not set)");
			return tn_error_hint(
				err, r,
				"boot a kernel with CONFIG_USER_NS=y; on RHEL 7 add "
				"user_namespace.enable=1 to the kernel command line "
				"(grubby --args=user_namespace.enable=1 --update-kernel=ALL)");
		}
		break;
	default:
		break;
	}
	return tn_error_errno(err, f->err, "cannot create a user namespace");
}
