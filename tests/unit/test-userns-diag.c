/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "tap.h"
#include "userns-diag.h"

/* What a healthy machine looks like; each test changes one thing. */
static struct tn_userns_facts healthy(int err)
{
	return (struct tn_userns_facts){ .err = err,
					 .have_userns = true,
					 .uid_mapped = true,
					 .gid_mapped = true,
					 .max_user_namespaces = 15000,
					 .max_mnt_namespaces = 15000,
					 .unprivileged_userns_clone = -1,
					 .apparmor_restrict = -1,
					 .existing = -1 };
}

TEST(disabled_by_sysctl_names_it_and_rhel7_boot_option)
{
	struct tn_userns_facts f = healthy(ENOSPC);
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;

	f.max_user_namespaces = 0;
	ASSERT_EQ(tn_userns_explain(&f, &err), -ENOSPC);
	ASSERT_CONTAINS(err->message,
			"user namespaces are disabled (user.max_user_namespaces = 0)");
	ASSERT_CONTAINS(err->hint, "sysctl -w user.max_user_namespaces=");
	ASSERT_CONTAINS(err->hint, "user_namespace.enable=1");
	f.boot_disabled = true;
	ASSERT_EQ(tn_userns_explain(&f, &err), -ENOSPC);
	ASSERT_CONTAINS(err->message, "booted with user_namespace.enable=0");
}

TEST(limit_reached_gives_count_and_limit)
{
	struct tn_userns_facts f = healthy(ENOSPC);
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;

	f.max_user_namespaces = 3;
	f.existing = 3;
	ASSERT_EQ(tn_userns_explain(&f, &err), -ENOSPC);
	ASSERT_CONTAINS(err->message, "user.max_user_namespaces is 3 and 3 user namespaces exist");
	ASSERT_CONTAINS(err->hint, "sysctl -w user.max_user_namespaces=6");
	f.existing = -1;
	ASSERT_EQ(tn_userns_explain(&f, &err), -ENOSPC);
	ASSERT_CONTAINS(err->message, "the limit is reached (user.max_user_namespaces is 3)");
	/* The sysctl is an int: the suggestion never overflows it. */
	f.max_user_namespaces = 2147483647;
	ASSERT_EQ(tn_userns_explain(&f, &err), -ENOSPC);
	ASSERT_CONTAINS(err->hint, "user.max_user_namespaces=2147483647");
}

TEST(enospc_below_the_user_limit_points_elsewhere)
{
	struct tn_userns_facts f = healthy(ENOSPC);
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;

	f.existing = 2;
	ASSERT_EQ(tn_userns_explain(&f, &err), -ENOSPC);
	ASSERT_CONTAINS(err->message,
			"probably not user.max_user_namespaces (15000, with 2 seen in use)");
	f.max_mnt_namespaces = 0;
	ASSERT_EQ(tn_userns_explain(&f, &err), -ENOSPC);
	ASSERT_CONTAINS(err->message, "user.max_mnt_namespaces = 0");
}

TEST(debian_sysctl_and_apparmor)
{
	struct tn_userns_facts f = healthy(EPERM);
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;

	f.unprivileged_userns_clone = 0;
	ASSERT_EQ(tn_userns_explain(&f, &err), -EPERM);
	ASSERT_CONTAINS(err->message, "kernel.unprivileged_userns_clone = 0");
	ASSERT_CONTAINS(err->hint, "sysctl -w kernel.unprivileged_userns_clone=1");
	f.unprivileged_userns_clone = 1;
	f.apparmor_restrict = 1;
	ASSERT_EQ(tn_userns_explain(&f, &err), -EPERM);
	ASSERT_CONTAINS(err->message, "kernel.apparmor_restrict_unprivileged_userns = 1");
	/* Root is not subject to either. */
	f.privileged = true;
	ASSERT_EQ(tn_userns_explain(&f, &err), -EPERM);
	ASSERT_CONTAINS(err->message, "seccomp");
}

TEST(unmapped_caller)
{
	struct tn_userns_facts f = healthy(EPERM);
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;

	f.gid_mapped = false;
	ASSERT_EQ(tn_userns_explain(&f, &err), -EPERM);
	ASSERT_CONTAINS(err->message, "your GID has no mapping");
}

TEST(no_user_namespaces_in_the_kernel)
{
	struct tn_userns_facts f = healthy(EINVAL);
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;

	f.have_userns = false;
	ASSERT_EQ(tn_userns_explain(&f, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "CONFIG_USER_NS");
	f = healthy(EUSERS);
	ASSERT_EQ(tn_userns_explain(&f, &err), -EUSERS);
	ASSERT_CONTAINS(err->message, "32 deep");
	f = healthy(ENOMEM);
	ASSERT_EQ(tn_userns_explain(&f, &err), -ENOMEM);
	ASSERT_CONTAINS(err->message, "cannot create a user namespace: ");
}

/* Gathering reads the files a /proc tree has; a fake tree shows each one is read. */
static void put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(gather_reads_sysctls_cmdline_and_maps)
{
	char dir[] = "/tmp/tenant-test-proc.XXXXXX", cmd[600];
	struct tn_userns_facts f;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/sys/user %s/sys/kernel %s/self", dir, dir, dir);
	ASSERT_EQ(system(cmd), 0);
	put(dir, "sys/user/max_user_namespaces", "0\n");
	put(dir, "sys/kernel/unprivileged_userns_clone", "1\n");
	put(dir, "cmdline", "ro quiet user_namespace.enable=0 splash\n");
	put(dir, "self/uid_map", "");
	put(dir, "self/gid_map", "         0       1000          1\n");
	tn_userns_facts_gather(dir, ENOSPC, &f);
	ASSERT_EQ(f.max_user_namespaces, 0);
	ASSERT_EQ(f.unprivileged_userns_clone, 1);
	ASSERT_EQ(f.apparmor_restrict, -1);
	ASSERT_TRUE(f.boot_disabled);
	ASSERT_FALSE(f.uid_mapped);
	ASSERT_TRUE(f.gid_mapped);
	ASSERT_FALSE(f.have_userns);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ(system(cmd), 0);
}

TAP_MAIN
