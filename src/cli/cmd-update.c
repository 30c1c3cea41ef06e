/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant update ID`: new limits for a running container, with runc's flags and their
 * semantics: -r FILE (or `-r -`, stdin) takes a linux.resources object and ignores the flags;
 * a flag left out, or 0, leaves its limit as it is; memory sizes take units ("100M", "1.5g").
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "container.h"
#include "oci-config.h"
#include "parse.h"
#include "banned.h"

enum {
	UPDATE_RESOURCES,
	UPDATE_BLKIO_WEIGHT,
	UPDATE_CPU_PERIOD,
	UPDATE_CPU_QUOTA,
	UPDATE_CPU_SHARE,
	UPDATE_CPU_RT_PERIOD,
	UPDATE_CPU_RT_RUNTIME,
	UPDATE_CPUSET_CPUS,
	UPDATE_CPUSET_MEMS,
	UPDATE_KERNEL_MEMORY,
	UPDATE_KERNEL_MEMORY_TCP,
	UPDATE_MEMORY,
	UPDATE_MEMORY_RESERVATION,
	UPDATE_MEMORY_SWAP,
	UPDATE_PIDS_LIMIT,
	UPDATE_L3_CACHE_SCHEMA,
	UPDATE_MEM_BW_SCHEMA,
};

const struct tn_cli_option tn_update_options[] = {
	[UPDATE_RESOURCES] = { "resources", 'r', "FILE",
			       "linux.resources as JSON ('-': stdin); the other flags are ignored" },
	[UPDATE_BLKIO_WEIGHT] = { "blkio-weight", 0, "N", "block I/O weight, 10 to 1000" },
	[UPDATE_CPU_PERIOD] = { "cpu-period", 0, "US", "the CFS period, microseconds" },
	[UPDATE_CPU_QUOTA] = { "cpu-quota", 0, "US", "CPU time per period, microseconds" },
	[UPDATE_CPU_SHARE] = { "cpu-share", 0, "N", "CPU shares (weight)" },
	[UPDATE_CPU_RT_PERIOD] = { "cpu-rt-period", 0, "US", "the realtime period, microseconds" },
	[UPDATE_CPU_RT_RUNTIME] = { "cpu-rt-runtime", 0, "US",
				    "realtime CPU time per period, microseconds" },
	[UPDATE_CPUSET_CPUS] = { "cpuset-cpus", 0, "LIST", "CPUs allowed" },
	[UPDATE_CPUSET_MEMS] = { "cpuset-mems", 0, "LIST", "memory nodes allowed" },
	[UPDATE_KERNEL_MEMORY] = { "kernel-memory", 0, "BYTES",
				   "ignored, with a warning (as runc)" },
	[UPDATE_KERNEL_MEMORY_TCP] = { "kernel-memory-tcp", 0, "BYTES",
				       "ignored, with a warning (as runc)" },
	[UPDATE_MEMORY] = { "memory", 0, "BYTES", "memory limit (100M...; -1: unlimited)" },
	[UPDATE_MEMORY_RESERVATION] = { "memory-reservation", 0, "BYTES",
					"memory soft limit (-1: none)" },
	[UPDATE_MEMORY_SWAP] = { "memory-swap", 0, "BYTES", "memory + swap limit (-1: unlimited)" },
	[UPDATE_PIDS_LIMIT] = { "pids-limit", 0, "N", "the most processes (-1: unlimited)" },
	[UPDATE_L3_CACHE_SCHEMA] = { "l3-cache-schema", 0, "SCHEMA",
				     "Intel RDT/CAT L3 cache schema (refused: no RDT support)" },
	[UPDATE_MEM_BW_SCHEMA] = { "mem-bw-schema", 0, "SCHEMA",
				   "Intel RDT/MBA memory bandwidth schema (refused: no RDT support)" },
	{ 0 },
};

static int bad_value(struct tn_cli *cli, int opt, const char *value, const char *what)
{
	int r = tn_error_set(&cli->err, EINVAL, "--%s: '%s' is not %s", tn_update_options[opt].name,
			     value, what);

	return tn_error_hint(&cli->err, r, "see tenant update --help");
}

/* An unsigned decimal (runc's ParseUint): no sign. */
static int flag_u64(struct tn_cli *cli, const struct tn_cli_args *a, int opt, uint64_t *ret)
{
	if (!tn_cli_has(a, opt) || a->value[opt][0] == '\0')
		return 0;
	if (tn_parse_u64(a->value[opt], ret) < 0)
		return bad_value(cli, opt, a->value[opt], "an unsigned number");
	return 0;
}

/* A signed decimal (runc's ParseInt). */
static int flag_i64(struct tn_cli *cli, const struct tn_cli_args *a, int opt, int64_t *ret)
{
	const char *s = tn_cli_has(a, opt) ? a->value[opt] : "";
	bool neg = s[0] == '-';
	uint64_t v;

	if (s[0] == '\0')
		return 0;
	if (tn_parse_u64(s + (neg || s[0] == '+'), &v) < 0 || v > (uint64_t)INT64_MAX + neg)
		return bad_value(cli, opt, s, "a number");
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int flag_size(struct tn_cli *cli, const struct tn_cli_args *a, int opt, bool *has,
		     int64_t *ret)
{
	if (!tn_cli_has(a, opt) || a->value[opt][0] == '\0')
		return 0;
	if (strcmp(a->value[opt], "-1") == 0)
		*ret = -1;
	else if (tn_parse_size(a->value[opt], ret) < 0)
		return bad_value(cli, opt, a->value[opt], "a size (bytes, or 100M, 1.5g...)");
	if (has)
		*has = *ret != 0;
	return 0;
}

static int update_sizes(struct tn_cli *cli, const struct tn_cli_args *a, struct tn_resources *res)
{
	int64_t kernel = 0, kernel_tcp = 0;
	int r = flag_size(cli, a, UPDATE_MEMORY, &res->has_memory, &res->memory_limit);

	if (r < 0)
		return r;
	r = flag_size(cli, a, UPDATE_MEMORY_SWAP, &res->has_swap, &res->memory_swap);
	if (r < 0)
		return r;
	r = flag_size(cli, a, UPDATE_MEMORY_RESERVATION, &res->has_reservation,
		      &res->memory_reservation);
	if (r < 0)
		return r;
	r = flag_size(cli, a, UPDATE_KERNEL_MEMORY, NULL, &kernel);
	if (r < 0)
		return r;
	r = flag_size(cli, a, UPDATE_KERNEL_MEMORY_TCP, NULL, &kernel_tcp);
	if (r < 0)
		return r;
	if (kernel != 0 || kernel_tcp != 0)
		tn_cli_warn(cli, "kernel memory limits are ignored (as by runc): the kernel "
				 "deprecated them");
	return 0;
}

static int update_cpu(struct tn_cli *cli, const struct tn_cli_args *a, struct tn_resources *res)
{
	int r = flag_u64(cli, a, UPDATE_CPU_SHARE, &res->cpu_shares);

	if (r < 0)
		return r;
	r = flag_u64(cli, a, UPDATE_CPU_PERIOD, &res->cpu_period);
	if (r < 0)
		return r;
	r = flag_i64(cli, a, UPDATE_CPU_QUOTA, &res->cpu_quota);
	if (r < 0)
		return r;
	r = flag_u64(cli, a, UPDATE_CPU_RT_PERIOD, &res->cpu_rt_period);
	if (r < 0)
		return r;
	r = flag_i64(cli, a, UPDATE_CPU_RT_RUNTIME, &res->cpu_rt_runtime);
	if (r < 0)
		return r;
	res->has_shares = res->cpu_shares != 0;
	res->has_period = res->cpu_period != 0;
	res->has_quota = res->cpu_quota != 0;
	for (int k = 0; k < 2; k++) {
		int opt = k ? UPDATE_CPUSET_MEMS : UPDATE_CPUSET_CPUS;
		char **dst = k ? &res->mems : &res->cpus;

		if (!tn_cli_has(a, opt) || a->value[opt][0] == '\0')
			continue;
		*dst = strdup(a->value[opt]);
		if (!*dst)
			return -ENOMEM;
	}
	return 0;
}

static int update_flags(struct tn_cli *cli, const struct tn_cli_args *a, struct tn_resources *res)
{
	int64_t weight = 0;
	int r;

	for (int opt = UPDATE_L3_CACHE_SCHEMA; opt <= UPDATE_MEM_BW_SCHEMA; opt++)
		if (tn_cli_has(a, opt) && a->value[opt][0] != '\0') {
			r = tn_error_set(&cli->err, EOPNOTSUPP, "--%s: Intel RDT is not supported",
					 tn_update_options[opt].name);
			return tn_error_hint(&cli->err, r, "leave it out");
		}
	r = update_sizes(cli, a, res);
	if (r < 0)
		return r;
	r = update_cpu(cli, a, res);
	if (r < 0)
		return r;
	r = flag_i64(cli, a, UPDATE_BLKIO_WEIGHT, &weight);
	if (r < 0)
		return r;
	if (weight < 0 || weight > UINT16_MAX)
		return bad_value(cli, UPDATE_BLKIO_WEIGHT, a->value[UPDATE_BLKIO_WEIGHT],
				 "a weight (10 to 1000)");
	res->blkio_weight = (uint64_t)weight;
	r = flag_i64(cli, a, UPDATE_PIDS_LIMIT, &res->pids_limit);
	if (r < 0)
		return r;
	res->has_pids = res->pids_limit != 0;
	return 0;
}

int tn_cmd_update(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(tn_resources_done) struct tn_resources res = { 0 };
	_cleanup_(tn_error_freep) struct tn_error *warn = NULL;
	_cleanup_free_ char *root_buf = NULL;
	const char *root = tn_cli_state_root(cli, &root_buf);
	int r;

	if (!root)
		return -ENOMEM;
	if (tn_cli_has(a, UPDATE_RESOURCES)) {
		r = tn_resources_load(a->value[UPDATE_RESOURCES], &res, &cli->err);
		if (r < 0)
			return r;
		tn_resources_update_subset(&res); /* what runc's update applies of it */
	} else {
		r = update_flags(cli, a, &res);
		if (r < 0)
			return r;
	}
	r = tn_container_update(root, a->pos[0], &res, &cli->err, &warn);
	if (warn) {
		tn_cli_warn(cli, "%s", warn->message);
		if (warn->hint)
			fprintf(cli->errf, "hint: %s\n", warn->hint);
	}
	return r;
}
