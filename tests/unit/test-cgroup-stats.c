/* SPDX-License-Identifier: Apache-2.0 */
/* events --stats: runc's JSON from a cgroup's files, v1 and v2, in a tree made in /tmp. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-stats.h"
#include "tap.h"

static char dir[] = "/tmp/tenant-test-cgroup-stats-XXXXXX";

static void put(const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "we");
	ASSERT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* The JSON, or NULL when it could not be made. */
static char *stats(bool v2)
{
	char *dirs[TN_STAT_CONTROLLERS] = { dir, dir, dir, dir, dir, dir, NULL };
	struct tn_buf b = { 0 };
	struct tn_json j;

	tn_json_init(&j, &b, false);
	if (tn_cgroup_stats_json_dirs(v2, dirs, &j) < 0 || tn_json_finish(&j) < 0) {
		tn_buf_free(&b);
		return NULL;
	}
	return tn_buf_steal(&b);
}

static void cleanup(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ASSERT_EQ(system(cmd), 0);
}

TEST(v2_as_runc)
{
	char *got;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	put("cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 3\n"
			"nr_throttled 1\nthrottled_usec 20\n");
	put("memory.current", "4096\n");
	put("memory.max", "max\n");
	put("memory.swap.current", "0\n");
	put("memory.swap.max", "max\n");
	put("memory.stat", "file 8192\nanon 4096\n");
	put("pids.current", "2\n");
	put("pids.max", "max\n");
	put("io.stat", "8:16 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n");
	got = stats(true);
	ASSERT_TRUE(got != NULL);
	ASSERT_CONTAINS(got, "{\"cpu\":{\"usage\":{\"total\":1500000,\"kernel\":500000,\"user\":"
			     "1000000},\"throttling\":{\"periods\":3,\"throttledPeriods\":1,"
			     "\"throttledTime\":20000}},");
	ASSERT_CONTAINS(got, "\"memory\":{\"cache\":8192,\"usage\":{\"limit\":18446744073709551615,"
			     "\"usage\":4096,\"failcnt\":0},\"swap\":{\"limit\":"
			     "18446744073709551615,\"usage\":4096,\"failcnt\":0},");
	ASSERT_CONTAINS(got, "\"raw\":{\"anon\":4096,\"file\":8192}}");
	ASSERT_CONTAINS(got, "\"pids\":{\"current\":2},");
	ASSERT_CONTAINS(got, "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"minor\":16,"
			     "\"op\":\"Read\",\"value\":100},{\"major\":8,\"minor\":16,\"op\":"
			     "\"Write\",\"value\":200}],\"ioServicedRecursive\":[");
	ASSERT_CONTAINS(got, "\"hugetlb\":{},\"intel_rdt\":{},\"network_interfaces\":null}");
	free(got);
	cleanup();
}

TEST(v1_as_runc)
{
	char *got;

	strcpy(dir + strlen(dir) - 6, "XXXXXX");
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	put("cpuacct.usage", "300\n");
	put("cpuacct.usage_percpu", "100 200 \n");
	put("cpuacct.usage_all", "cpu user system\n0 60 40\n1 150 50\n");
	put("cpuacct.stat", "user 2\nsystem 3\n");
	put("cpuset.cpus", "0-2,5\n");
	put("cpuset.mems", "0\n");
	put("cpuset.sched_load_balance", "1\n");
	put("cpuset.sched_relax_domain_level", "-1\n");
	put("memory.limit_in_bytes", "1048576\n");
	put("memory.usage_in_bytes", "4096\n");
	put("memory.max_usage_in_bytes", "8192\n");
	put("memory.failcnt", "0\n");
	put("memory.stat", "rss 4096\ncache 0\n");
	put("pids.current", "1\n");
	put("pids.max", "50\n");
	put("blkio.throttle.io_serviced_recursive", "Total 0\n");
	put("blkio.throttle.io_service_bytes_recursive", "Total 0\n");
	put("blkio.throttle.io_serviced", "8:0 Read 7\n8:0 Write 0\nTotal 7\n");
	put("blkio.throttle.io_service_bytes", "8:0 Read 4096\n8:0 Write 0\nTotal 4096\n");
	got = stats(false);
	ASSERT_TRUE(got != NULL);
	ASSERT_CONTAINS(got, "{\"cpu\":{\"usage\":{\"total\":300,\"percpu\":[100,200],"
			     "\"percpu_kernel\":[40,50],\"percpu_user\":[60,150],\"kernel\":"
			     "30000000,\"user\":20000000},\"throttling\":{}},");
	ASSERT_CONTAINS(got, "\"cpuset\":{\"cpus\":[0,1,2,5],\"cpu_exclusive\":0,\"mems\":[0],");
	ASSERT_CONTAINS(got, "\"sched_load_balance\":1,\"sched_relax_domain_level\":-1},");
	ASSERT_CONTAINS(got, "\"memory\":{\"usage\":{\"limit\":1048576,\"usage\":4096,\"max\":8192,"
			     "\"failcnt\":0},\"swap\":{\"limit\":0,\"failcnt\":0},");
	ASSERT_CONTAINS(got, "\"raw\":{\"cache\":0,\"rss\":4096}}");
	ASSERT_CONTAINS(got, "\"pids\":{\"current\":1,\"limit\":50},");
	/* The first group whose io_serviced file has an entry: here the non-recursive one. */
	ASSERT_CONTAINS(got, "\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\","
			     "\"value\":4096},{\"major\":8,\"op\":\"Write\"}],"
			     "\"ioServicedRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":7},");
	free(got);
	cleanup();
}

TAP_MAIN
