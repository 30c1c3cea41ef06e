/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup hierarchies of a mountinfo text and what a container is shown of them. */
#include <errno.h>
#include <stdlib.h>
#include <sys/sysmacros.h>

#include "cgroup.h"
#include "tap.h"

/* This machine's hybrid layout, with a combined hierarchy and a mount elsewhere. */
static const char hybrid[] =
	"22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
	"30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
	"31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup "
	"rw,cpu,cpuacct\n"
	"34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup "
	"rw,memory,release_agent=/x\n"
	"38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
	"39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
	"40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
	"41 22 0:35 /x /mnt/pids\\040copy rw - cgroup cgroup rw,pids\n";

static const char self_cgroup[] = "9:name=systemd:/tenant/c1\n"
				  "8:pids:/tenant/c1\n"
				  "4:memory:/process_api/9f/tenant/c1\n"
				  "1:cpu,cpuacct:/tenant/c1\n"
				  "0::/tenant/c1\n";

TEST(parse_keeps_cgroup_mounts_under_sys_fs_cgroup_in_order)
{
	struct tn_cgroup_hiers h;

	ASSERT_EQ(tn_cgroup_hiers_parse(hybrid, &h), 0);
	ASSERT_EQ(h.n, 5);
	ASSERT_STREQ(h.v[0].mountpoint, "/sys/fs/cgroup/cpu,cpuacct");
	ASSERT_STREQ(h.v[0].options, "cpu,cpuacct");
	ASSERT_STREQ(h.v[0].root, "/");
	ASSERT_EQ(h.v[0].dev, makedev(0, 28));
	ASSERT_FALSE(h.v[0].v2);
	/* rw and the release agent are not options a fresh mount may repeat. */
	ASSERT_STREQ(h.v[1].options, "memory");
	ASSERT_STREQ(h.v[3].options, "xattr,name=systemd");
	ASSERT_TRUE(h.v[4].v2);
	ASSERT_STREQ(h.v[4].options, "");
	ASSERT_TRUE(tn_cgroup_hier_has(&h.v[0], "cpuacct"));
	ASSERT_TRUE(tn_cgroup_hier_has(&h.v[3], "name=systemd"));
	ASSERT_FALSE(tn_cgroup_hier_has(&h.v[0], "cpuset"));
	ASSERT_FALSE(tn_cgroup_hier_has(&h.v[4], ""));
	tn_cgroup_hiers_done(&h);
}

TEST(parse_unescapes_and_refuses_what_is_not_mountinfo)
{
	struct tn_cgroup_hiers h;

	ASSERT_EQ(tn_cgroup_hiers_parse(
			  "1 0 0:5 /a\\040b /sys/fs/cgroup/pids rw - cgroup c rw,pids\n", &h),
		  0);
	ASSERT_EQ(h.n, 1);
	ASSERT_STREQ(h.v[0].root, "/a b");
	tn_cgroup_hiers_done(&h);
	/* Deeper than one level under /sys/fs/cgroup: not a hierarchy tenant uses. */
	ASSERT_EQ(tn_cgroup_hiers_parse("1 0 0:5 / /sys/fs/cgroup/a/b rw - cgroup c rw,pids\n", &h),
		  0);
	ASSERT_EQ(h.n, 0);
	tn_cgroup_hiers_done(&h);
	ASSERT_EQ(tn_cgroup_hiers_parse("1 0 0:5 / /sys/fs/cgroup/pids rw cgroup c rw,pids\n", &h),
		  -EINVAL);
	ASSERT_EQ(
		tn_cgroup_hiers_parse("1 0 x:5 / /sys/fs/cgroup/pids rw - cgroup c rw,pids\n", &h),
		-EINVAL);
	ASSERT_EQ(tn_cgroup_hiers_parse("1 0 0:5 / /sys/fs/cgroup/pids rw - cgroup\n", &h),
		  -EINVAL);
}

TEST(view_v1_shows_the_process_own_cgroup_of_each_v1_hierarchy)
{
	struct tn_cgroup_hiers h;
	struct tn_cgroup_view v;

	ASSERT_EQ(tn_cgroup_hiers_parse(hybrid, &h), 0);
	h.layout = TN_CGROUP_V1;
	ASSERT_EQ(tn_cgroup_view_plan(&h, self_cgroup, &v), 0);
	ASSERT_FALSE(v.v2);
	ASSERT_EQ(v.n, 4); /* not the hybrid's cgroup2 */
	ASSERT_STREQ(v.v[0].name, "cpu,cpuacct");
	ASSERT_STREQ(v.v[0].source, "/sys/fs/cgroup/cpu,cpuacct/tenant/c1");
	ASSERT_STREQ(v.v[0].options, "cpu,cpuacct");
	ASSERT_STREQ(v.v[1].source, "/sys/fs/cgroup/memory/process_api/9f/tenant/c1");
	ASSERT_STREQ(v.v[2].name, "pids");
	ASSERT_STREQ(v.v[3].name, "systemd");
	ASSERT_STREQ(v.v[3].options, "xattr,name=systemd");
	tn_cgroup_view_done(&v);
	tn_cgroup_hiers_done(&h);
}

TEST(view_is_relative_to_the_mount_root_and_never_escapes_it)
{
	struct tn_cgroup_hiers h;
	struct tn_cgroup_view v;

	/* Inside a container whose pids hierarchy is its own cgroup /outer. */
	ASSERT_EQ(tn_cgroup_hiers_parse(
			  "1 0 0:5 /outer /sys/fs/cgroup/pids rw - cgroup c rw,pids\n"
			  "2 0 0:6 /outer /sys/fs/cgroup/memory rw - cgroup c rw,memory\n"
			  "3 0 0:7 / /sys/fs/cgroup/freezer rw - cgroup c rw,freezer\n"
			  "4 0 0:8 /o /sys/fs/cgroup/blkio rw - cgroup c rw,blkio\n",
			  &h),
		  0);
	h.layout = TN_CGROUP_V1;
	ASSERT_EQ(tn_cgroup_view_plan(&h,
				      "5:pids:/outer/tenant/c1\n4:memory:/outer\n"
				      "3:freezer:/../x\n2:blkio:/other\n",
				      &v),
		  0);
	ASSERT_EQ(v.n, 2);
	ASSERT_STREQ(v.v[0].source, "/sys/fs/cgroup/pids/tenant/c1");
	ASSERT_STREQ(v.v[1].source, "/sys/fs/cgroup/memory");
	tn_cgroup_view_done(&v);
	tn_cgroup_hiers_done(&h);
}

TEST(view_v2_is_the_cgroup2_hierarchy_alone)
{
	struct tn_cgroup_hiers h;
	struct tn_cgroup_view v;

	ASSERT_EQ(tn_cgroup_hiers_parse("1 0 0:9 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", &h),
		  0);
	h.layout = TN_CGROUP_V2;
	ASSERT_EQ(tn_cgroup_view_plan(&h, "0::/tenant/c1\n", &v), 0);
	ASSERT_TRUE(v.v2);
	ASSERT_EQ(v.n, 1);
	ASSERT_TRUE(v.v[0].name == NULL);
	ASSERT_TRUE(v.v[0].options == NULL);
	ASSERT_STREQ(v.v[0].source, "/sys/fs/cgroup/tenant/c1");
	tn_cgroup_view_done(&v);
	ASSERT_EQ(tn_cgroup_view_plan(&h, "0::/\n", &v), 0);
	ASSERT_STREQ(v.v[0].source, "/sys/fs/cgroup");
	tn_cgroup_view_done(&v);
	tn_cgroup_hiers_done(&h);
}

TEST(path_is_the_id_when_absent_relative_kept_and_never_up)
{
	char *p = tn_cgroup_path(NULL, "c1");

	ASSERT_STREQ(p, "c1");
	free(p);
	p = tn_cgroup_path("", "c1");
	ASSERT_STREQ(p, "c1");
	free(p);
	p = tn_cgroup_path("a/b", "c1");
	ASSERT_STREQ(p, "a/b");
	free(p);
	p = tn_cgroup_path("/a/b", "c1");
	ASSERT_STREQ(p, "/a/b");
	free(p);
	p = tn_cgroup_path("system.slice:x:y", "c1");
	ASSERT_STREQ(p, "system.slice:x:y");
	free(p);
	ASSERT_TRUE(tn_cgroup_path("..", "c1") == NULL);
	ASSERT_TRUE(tn_cgroup_path("../a", "c1") == NULL);
	ASSERT_TRUE(tn_cgroup_path("a/../..", "c1") == NULL);
	ASSERT_TRUE(tn_cgroup_path("/a/..", "c1") == NULL);
	p = tn_cgroup_path("a..b/..c", "c1");
	ASSERT_STREQ(p, "a..b/..c");
	free(p);
}

/* As runc's cgroupfs manager: a relative path below the creator's own cgroup of each
 * hierarchy, an absolute one below the mount point. */
TEST(place_relative_below_the_own_cgroup_of_each_hierarchy_absolute_below_the_root)
{
	struct tn_cgroup_hiers h;

	ASSERT_EQ(tn_cgroup_hiers_parse(hybrid, &h), 0);
	ASSERT_EQ(tn_cgroup_hiers_place(&h, "c2", self_cgroup), 0);
	ASSERT_STREQ(h.v[0].dir, "/sys/fs/cgroup/cpu,cpuacct/tenant/c1/c2");
	ASSERT_STREQ(h.v[1].dir, "/sys/fs/cgroup/memory/process_api/9f/tenant/c1/c2");
	ASSERT_STREQ(h.v[3].dir, "/sys/fs/cgroup/systemd/tenant/c1/c2");
	ASSERT_STREQ(h.v[4].dir, "/sys/fs/cgroup/unified/tenant/c1/c2");
	ASSERT_EQ(tn_cgroup_hiers_place(&h, "/a/b", self_cgroup), 0);
	ASSERT_STREQ(h.v[1].dir, "/sys/fs/cgroup/memory/a/b");
	ASSERT_STREQ(h.v[4].dir, "/sys/fs/cgroup/unified/a/b");
	/* At the root, or a hierarchy /proc/self/cgroup does not name: below the mount point. */
	ASSERT_EQ(tn_cgroup_hiers_place(&h, "c2", "8:pids:/\n0::/\n"), 0);
	ASSERT_STREQ(h.v[2].dir, "/sys/fs/cgroup/pids/c2");
	ASSERT_STREQ(h.v[1].dir, "/sys/fs/cgroup/memory/c2");
	ASSERT_STREQ(h.v[4].dir, "/sys/fs/cgroup/unified/c2");
	tn_cgroup_hiers_done(&h);
	/* Relative to the mount's root, never above it. */
	ASSERT_EQ(
		tn_cgroup_hiers_parse("1 0 0:5 /x /sys/fs/cgroup/pids rw - cgroup c rw,pids\n", &h),
		0);
	ASSERT_EQ(tn_cgroup_hiers_place(&h, "c2", "8:pids:/x/y\n"), 0);
	ASSERT_STREQ(h.v[0].dir, "/sys/fs/cgroup/pids/y/c2");
	ASSERT_EQ(tn_cgroup_hiers_place(&h, "c2", "8:pids:/z\n"), 0);
	ASSERT_STREQ(h.v[0].dir, "/sys/fs/cgroup/pids/c2");
	tn_cgroup_hiers_done(&h);
}

/* On cgroup2 alone, runc's fs2 driver: below the parent of the creator's cgroup2 one. */
TEST(self_up_cuts_the_cgroup2_line_to_its_parent)
{
	char a[] = "8:pids:/x/y\n0::/user.slice/session-1.scope\n";
	char b[] = "0::/tst\n";
	char c[] = "0::/\n";
	char d[] = "1:cpu:/a/b\n";

	tn_cgroup_self_up(a);
	ASSERT_STREQ(a, "8:pids:/x/y\n0::/user.slice\n");
	tn_cgroup_self_up(b);
	ASSERT_STREQ(b, "0::/\n");
	tn_cgroup_self_up(c);
	ASSERT_STREQ(c, "0::/\n");
	tn_cgroup_self_up(d); /* no cgroup2 line: as it was */
	ASSERT_STREQ(d, "1:cpu:/a/b\n");

	char e[] = "0::/a/b";		       /* no newline */
	char f[] = "0::/a/b\n1:cpu:/x\n";      /* not the last line */
	char g[] = "2:pids:/0::/z\n0::/q/r\n"; /* "0::/" inside a v1 line's path */

	tn_cgroup_self_up(e);
	ASSERT_STREQ(e, "0::/a");
	tn_cgroup_self_up(f);
	ASSERT_STREQ(f, "0::/a\n1:cpu:/x\n");
	tn_cgroup_self_up(g);
	ASSERT_STREQ(g, "2:pids:/0::/z\n0::/q\n");
}

TAP_MAIN
