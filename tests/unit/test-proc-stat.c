/* SPDX-License-Identifier: Apache-2.0 */
/* proc-stat.c and clock.c against the test's own process. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "macro.h"
#include "proc-stat.h"
#include "tap.h"

TEST(start_time_of_self_and_of_no_process)
{
	uint64_t t = tn_proc_start_time(getpid());

	ASSERT_TRUE(t > 0);
	ASSERT_EQ_U(tn_proc_start_time(getpid()), t); /* the same process, the same time */
	ASSERT_EQ_U(tn_proc_start_time(0), 0);
	ASSERT_EQ_U(tn_proc_start_time(-1), 0);
}

TEST(comm_without_its_newline)
{
	_cleanup_free_ char *comm = NULL;

	ASSERT_EQ(tn_proc_comm(getpid(), &comm), 0);
	ASSERT_STREQ(comm, "test-proc-stat");
}

TEST(comm_of_no_process_fails_and_leaves_ret)
{
	char *comm = (char *)"untouched";

	ASSERT_TRUE(tn_proc_comm(-1, &comm) < 0);
	ASSERT_STREQ(comm, "untouched");
}

TEST(userns_inode_of_self)
{
	ASSERT_TRUE(tn_proc_userns_inode(getpid()) > 0);
	ASSERT_EQ_U(tn_proc_userns_inode(-1), 0);
}

TEST(now_is_rfc3339_utc_with_nanoseconds)
{
	_cleanup_free_ char *now = tn_now_rfc3339();

	ASSERT_TRUE(now != NULL);
	ASSERT_TRUE(strlen(now) >= strlen("2026-11-23T12:00:00Z"));
	ASSERT_TRUE(strlen(now) <= strlen("2026-11-23T12:00:00.123456789Z"));
	ASSERT_EQ(now[4], '-');
	ASSERT_EQ(now[10], 'T');
	ASSERT_EQ(now[strlen(now) - 1], 'Z');
}

TEST(rfc3339_drops_trailing_zeros_as_go)
{
	struct timespec a = { .tv_sec = 1795000000, .tv_nsec = 123456789 };
	struct timespec b = { .tv_sec = 1795000000, .tv_nsec = 120000000 };
	struct timespec c = { .tv_sec = 1795000000, .tv_nsec = 0 };
	struct timespec d = { .tv_sec = 1795000000, .tv_nsec = 5 };
	_cleanup_free_ char *ta = tn_time_rfc3339(&a), *tb = tn_time_rfc3339(&b);
	_cleanup_free_ char *tc = tn_time_rfc3339(&c), *td = tn_time_rfc3339(&d);

	ASSERT_STREQ(ta, "2026-11-18T11:06:40.123456789Z");
	ASSERT_STREQ(tb, "2026-11-18T11:06:40.12Z");
	ASSERT_STREQ(tc, "2026-11-18T11:06:40Z");
	ASSERT_STREQ(td, "2026-11-18T11:06:40.000000005Z");
}

TAP_MAIN
