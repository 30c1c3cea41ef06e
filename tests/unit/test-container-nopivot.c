/* SPDX-License-Identifier: Apache-2.0 */
/* --no-pivot: which host mounts are hidden before the move (container-nopivot.h). */
#include <string.h>

#include "buf.h"
#include "container-nopivot.h"
#include "tap.h"

static const char mountinfo[] = "21 26 0:20 / /proc rw,relatime - proc proc rw\n"
				"22 26 0:21 / /sys rw,relatime shared:7 master:1 - sysfs sysfs rw\n"
				"23 21 0:40 / /proc/sys/fs/binfmt_misc rw - autofs systemd-1 rw\n"
				"24 26 0:20 /sys /mnt/partial rw - proc proc rw\n"
				"25 26 0:20 / /run/rootfs/proc rw - proc proc rw\n"
				"26 26 0:20 / /run/rootfs2 rw - proc proc rw\n"
				"27 26 0:21 / /srv/with\\040space rw - sysfs sysfs rw\n"
				"28 26 0:22 / /tmp rw - tmpfs tmpfs rw\n";

static int collect(const char *mountpoint, void *data)
{
	tn_buf_printf(data, "%s;", mountpoint);
	return 0;
}

TEST(full_procfs_and_sysfs_outside_the_rootfs)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };

	ASSERT_EQ(tn_nopivot_each(mountinfo, "/run/rootfs", collect, &b), 0);
	ASSERT_STREQ(b.data, "/proc;/sys;/run/rootfs2;/srv/with space;");
}

static int stop(const char *mountpoint, void *data)
{
	(void)mountpoint;
	return ++*(int *)data == 2 ? -EIO : 0;
}

TEST(stops_at_the_first_error)
{
	int n = 0;

	ASSERT_EQ(tn_nopivot_each(mountinfo, "/", stop, &n), 0); /* all below / */
	ASSERT_EQ(tn_nopivot_each(mountinfo, "/run/rootfs", stop, &n), -EIO);
	ASSERT_EQ(n, 2);
}

TAP_MAIN
