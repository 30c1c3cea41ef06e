/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd cgroup manager's pure parts: slices, cgroupsPath, unit properties, and the
 * limits a scope's cgroup cannot apply. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-systemd.h"
#include "tap.h"

static void expands(const char *slice, const char *want)
{
	char *got = NULL;

	ASSERT_EQ(tn_systemd_expand_slice(slice, &got), 0);
	ASSERT_STREQ(got, want);
	free(got);
}

TEST(slices_expand_as_systemd_and_runc_expand_them)
{
	char *got = NULL;

	expands("-.slice", "/");
	expands("system.slice", "/system.slice");
	expands("kubepods-besteffort-pod0a1b.slice",
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b.slice");
	ASSERT_EQ(tn_systemd_expand_slice("a--b.slice", &got), -EINVAL);
	ASSERT_EQ(tn_systemd_expand_slice("-a.slice", &got), -EINVAL);
	ASSERT_EQ(tn_systemd_expand_slice("a-.slice", &got), -EINVAL);
	ASSERT_EQ(tn_systemd_expand_slice(".slice", &got), -EINVAL);
	ASSERT_EQ(tn_systemd_expand_slice("a/b.slice", &got), -EINVAL);
	ASSERT_EQ(tn_systemd_expand_slice("system.scope", &got), -EINVAL);
	ASSERT_TRUE(got == NULL);
}

TEST(cgroups_path_names_the_scope_and_its_cgroup)
{
	struct tn_systemd_path p = { 0 };
	struct tn_error *err = NULL;

	ASSERT_EQ(tn_systemd_path_parse("kubepods-burstable-podU.slice:cri-containerd:abc", "x",
					false, &p, &err),
		  0);
	ASSERT_STREQ(p.slice, "kubepods-burstable-podU.slice");
	ASSERT_STREQ(p.unit, "cri-containerd-abc.scope");
	ASSERT_STREQ(p.cgroup, "/kubepods.slice/kubepods-burstable.slice/"
			       "kubepods-burstable-podU.slice/cri-containerd-abc.scope");
	ASSERT_FALSE(p.user);
	tn_systemd_path_done(&p);
	/* Empty: tenant-ID.scope in system.slice, or user.slice for a user's manager. */
	ASSERT_EQ(tn_systemd_path_parse("", "c1", true, &p, &err), 0);
	ASSERT_STREQ(p.unit, "tenant-c1.scope");
	ASSERT_STREQ(p.cgroup, "/user.slice/tenant-c1.scope");
	ASSERT_TRUE(p.user);
	tn_systemd_path_done(&p);
	/* An empty slice is the default one; an empty prefix leaves the dash out. */
	ASSERT_EQ(tn_systemd_path_parse(":libpod:x", "c1", false, &p, &err), 0);
	ASSERT_STREQ(p.cgroup, "/system.slice/libpod-x.scope");
	tn_systemd_path_done(&p);
	ASSERT_EQ(tn_systemd_path_parse("machine.slice::x", "c1", false, &p, &err), 0);
	ASSERT_STREQ(p.unit, "x.scope");
	tn_systemd_path_done(&p);
}

static void refused(const char *path, const char *why)
{
	struct tn_systemd_path p = { 0 };
	struct tn_error *err = NULL;

	ASSERT_EQ(tn_systemd_path_parse(path, "c1", false, &p, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "linux.cgroupsPath");
	ASSERT_CONTAINS(err->message, why);
	ASSERT_CONTAINS(err->hint, "SLICE:PREFIX:NAME");
	ASSERT_TRUE(p.unit == NULL);
	tn_error_free(err);
}

TEST(an_empty_cgroups_path_names_the_id_it_took_the_name_from)
{
	struct tn_systemd_path p = { 0 };
	struct tn_error *err = NULL;

	ASSERT_EQ(tn_systemd_path_parse(NULL, "a+b", false, &p, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "the container ID 'a+b' as NAME");
	ASSERT_CONTAINS(err->message, "'tenant-a+b.scope'");
	tn_error_free(err);
	err = NULL;
	ASSERT_EQ(tn_systemd_path_parse("", "x.slice", false, &p, &err), -EINVAL);
	ASSERT_CONTAINS(err->message, "'x.slice' as NAME, names a slice");
	tn_error_free(err);
}

TEST(cgroups_path_of_another_form_is_refused_naming_the_field)
{
	refused("/machine.slice/c1", "is not of the form SLICE:PREFIX:NAME");
	refused("a:b", "is not of the form");
	refused("a.slice:b:c:d", "is not of the form");
	refused("machine:tenant:c1", "names no slice");
	refused("machine.slice:tenant:c1.slice", "names a slice");
	refused("machine.slice:ten ant:c1",
		"makes a unit name systemd refuses ('ten ant-c1.scope')");
	refused("machine.slice:tenant:c/1", "makes a unit name systemd refuses");
	refused("a b.slice:t:x", "names no slice");
	refused("system.slice::", "has no NAME");
	refused("-.slice::init", "names systemd's own init.scope");
}

static const struct tn_sd_prop *prop(const struct tn_sd_props *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->v[i].name, name) == 0)
			return &p->v[i];
	return NULL;
}

TEST(resources_become_runcs_unit_properties)
{
	struct tn_resources res = {
		.has_memory = true,
		.memory_limit = 64 << 20,
		.has_swap = true,
		.memory_swap = 96 << 20,
		.has_pids = true,
		.pids_limit = 50,
		.has_shares = true,
		.cpu_shares = 512,
		.has_quota = true,
		.cpu_quota = 12345,
		.has_period = true,
		.cpu_period = 100000,
		.cpus = (char *)"0-2,9",
	};
	struct tn_sd_props p = { 0 };

	ASSERT_EQ(tn_systemd_resource_props(&res, true, 252, &p), 0);
	ASSERT_EQ_U(prop(&p, "MemoryMax")->t, 64u << 20);
	ASSERT_EQ_U(prop(&p, "MemorySwapMax")->t, 32u << 20);
	ASSERT_EQ_U(prop(&p, "TasksMax")->t, 50);
	ASSERT_EQ_U(prop(&p, "CPUWeight")->t, 20); /* 1 + (510 * 9999) / 262142 */
	ASSERT_EQ_U(prop(&p, "CPUQuotaPeriodUSec")->t, 100000);
	/* 123450 us per second, rounded up to whole percents (runc's rule). */
	ASSERT_EQ_U(prop(&p, "CPUQuotaPerSecUSec")->t, 130000);
	ASSERT_EQ(prop(&p, "AllowedCPUs")->type, 'y');
	ASSERT_EQ_U(prop(&p, "AllowedCPUs")->n_bits, 2);
	ASSERT_EQ_U(prop(&p, "AllowedCPUs")->bits[0], 0x07);
	ASSERT_EQ_U(prop(&p, "AllowedCPUs")->bits[1], 0x02);
	ASSERT_TRUE(prop(&p, "MemoryLimit") == NULL);
	/* v1 names; systemd before 244 has no AllowedCPUs, before 242 no period. */
	p = (struct tn_sd_props){ 0 };
	ASSERT_EQ(tn_systemd_resource_props(&res, false, 241, &p), 0);
	ASSERT_EQ_U(prop(&p, "MemoryLimit")->t, 64u << 20);
	ASSERT_EQ_U(prop(&p, "CPUShares")->t, 512);
	ASSERT_TRUE(prop(&p, "CPUQuotaPeriodUSec") == NULL);
	ASSERT_TRUE(prop(&p, "AllowedCPUs") == NULL);
	ASSERT_TRUE(prop(&p, "MemorySwapMax") == NULL);
}

TEST(unlimited_and_absent_resources)
{
	struct tn_resources res = { .has_memory = true,
				    .memory_limit = -1,
				    .has_pids = true,
				    .pids_limit = -1,
				    .has_quota = true,
				    .cpu_quota = -1,
				    .blkio_weight = 500 };
	struct tn_sd_props p = { 0 };

	ASSERT_EQ(tn_systemd_resource_props(&res, true, 252, &p), 0);
	ASSERT_EQ_U(prop(&p, "MemoryMax")->t, UINT64_MAX);
	ASSERT_EQ_U(prop(&p, "TasksMax")->t, UINT64_MAX);
	ASSERT_EQ_U(prop(&p, "CPUQuotaPerSecUSec")->t, UINT64_MAX);
	ASSERT_TRUE(prop(&p, "CPUWeight") == NULL);
	ASSERT_EQ_U(prop(&p, "IOWeight")->t, 4950); /* 1 + (500 - 10) * 9999 / 990 */
	/* pids.limit 0 leaves TasksMax as it is, as runc 1.1 and tenant's cgroupfs. */
	p = (struct tn_sd_props){ 0 };
	res.pids_limit = 0;
	ASSERT_EQ(tn_systemd_resource_props(&res, false, 252, &p), 0);
	ASSERT_TRUE(prop(&p, "TasksMax") == NULL);
	ASSERT_EQ_U(prop(&p, "BlockIOWeight")->t, 500);
	/* A cpuset list that is not one is refused, not sent. */
	p = (struct tn_sd_props){ 0 };
	res = (struct tn_resources){ .cpus = (char *)"0-a" };
	ASSERT_EQ(tn_systemd_resource_props(&res, true, 252, &p), -EINVAL);
	res.cpus = (char *)"5-2";
	ASSERT_EQ(tn_systemd_resource_props(&res, true, 252, &p), -EINVAL);
	res.cpus = (char *)"1024";
	ASSERT_EQ(tn_systemd_resource_props(&res, true, 252, &p), -EINVAL);
}

TEST(limits_of_absent_controllers_are_dropped_and_named)
{
	struct tn_resources res = { .has_memory = true,
				    .memory_limit = 1 << 20,
				    .has_pids = true,
				    .pids_limit = 9,
				    .has_shares = true,
				    .cpu_shares = 100 };
	char dropped[64];

	res.cpus = strdup("0");
	res.unified = calloc(7, sizeof(char *));
	res.unified[0] = strdup("memory.high");
	res.unified[1] = strdup("1M");
	res.unified[2] = strdup("hugetlb.2MB.max");
	res.unified[3] = strdup("0");
	res.unified[4] = strdup("io.max");
	res.unified[5] = strdup("8:0 rbps=1");
	res.n_unified = 3;
	/* Each controller once, by its name (unified's entries by theirs). */
	tn_systemd_drop_absent(&res, "cpuset hugetlb pids\n", dropped, sizeof(dropped));
	ASSERT_STREQ(dropped, "memory, cpu, io");
	ASSERT_TRUE(res.has_pids);
	ASSERT_FALSE(res.has_memory);
	ASSERT_FALSE(res.has_shares);
	ASSERT_STREQ(res.cpus, "0");
	ASSERT_EQ_U(res.n_unified, 1);
	ASSERT_STREQ(res.unified[0], "hugetlb.2MB.max");
	ASSERT_TRUE(res.unified[2] == NULL);
	/* "pids" is not "pids2": whole words only. */
	tn_systemd_drop_absent(&res, "cpuset hugetlb pids2", dropped, sizeof(dropped));
	ASSERT_STREQ(dropped, "pids");
	/* A limit of 0 (as it is) is no limit to warn of. */
	res.has_pids = true;
	res.pids_limit = 0;
	tn_systemd_drop_absent(&res, "cpuset hugetlb", dropped, sizeof(dropped));
	ASSERT_STREQ(dropped, "");
	ASSERT_FALSE(res.has_pids);
	tn_resources_done(&res);
}

TEST(unit_names_are_checked)
{
	ASSERT_TRUE(tn_systemd_unit_name_ok("cri-containerd-abc.scope"));
	ASSERT_TRUE(tn_systemd_unit_name_ok("a:b_c\\x2d.scope"));
	ASSERT_FALSE(tn_systemd_unit_name_ok(""));
	ASSERT_FALSE(tn_systemd_unit_name_ok("../x.scope"));
	ASSERT_FALSE(tn_systemd_unit_name_ok("a b.scope"));
}

TAP_MAIN
