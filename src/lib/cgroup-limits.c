/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources on cgroup v1, each limit in the hierarchy of its controller, with runc's
 * semantics (cgroup-internal.h): a number 0 leaves its file as it is; memory and swap, and the
 * CFS period and quota, are written in the order the kernel accepts; a limit whose hierarchy is
 * not mounted fails. On cgroup v2, what has no v2 form here yet is refused, never dropped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup-internal.h"
#include "parse.h"
#include "banned.h"

struct v1 {
	const struct tn_cgroup_hiers *h;
	const char *path;
	struct tn_error **err;
};

static int set_i64(const char *dir, const char *file, int64_t v, struct tn_error **err)
{
	char text[32];

	snprintf(text, sizeof(text), "%" PRId64, v);
	return tn_cgroup_set(dir, file, text, err);
}

static bool exists(const char *dir, const char *file)
{
	char path[4200];
	struct stat st;

	return snprintf(path, sizeof(path), "%s/%s", dir, file) < (int)sizeof(path) &&
	       stat(path, &st) == 0;
}

static int read_u64(const char *dir, const char *file, uint64_t *ret)
{
	_cleanup_free_ char *text = NULL;
	int r = tn_cgroup_read(dir, file, &text);

	if (r < 0)
		return r;
	return tn_parse_u64_n(text, strcspn(text, "\n"), ret);
}

/* ---- memory ---- */

static int set_memory(const char *dir, int64_t v, struct tn_error **err)
{
	uint64_t usage = 0;
	char text[32];
	int r;

	if (v == 0)
		return 0;
	snprintf(text, sizeof(text), "%" PRId64, v);
	r = tn_cgroup_write(dir, "memory.limit_in_bytes", text);
	if (r == -EBUSY && read_u64(dir, "memory.usage_in_bytes", &usage) == 0) {
		r = tn_error_set(err, EBUSY,
				 "cgroup %s: cannot set the memory limit to %" PRId64
				 ": it uses %" PRIu64 " bytes already",
				 dir, v, usage);
		return tn_error_hint(err, r, "give a limit above what the container uses");
	}
	if (r < 0)
		return tn_error_errno(err, -r, "cgroup %s: cannot set memory.limit_in_bytes to %s",
				      dir, text);
	return 0;
}

/* memory.limit_in_bytes never above memory.memsw.limit_in_bytes: the order that keeps it so
 * while both change. */
static int memory_and_swap(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	int64_t mem = res->has_memory ? res->memory_limit : 0;
	int64_t swap = res->has_swap ? res->memory_swap : 0;
	uint64_t cur = 0;
	int r;

	if (mem == -1 && swap == 0 && exists(dir, "memory.memsw.limit_in_bytes"))
		swap = -1; /* no limit on memory is none on swap either */
	if (mem != 0 && swap != 0) {
		r = read_u64(dir, "memory.limit_in_bytes", &cur);
		if (r < 0)
			return tn_error_errno(err, -r,
					      "cgroup %s: cannot read memory.limit_in_bytes", dir);
		if (swap == -1 || cur < (uint64_t)swap) {
			r = set_i64(dir, "memory.memsw.limit_in_bytes", swap, err);
			if (r < 0)
				return r;
			return set_memory(dir, mem, err);
		}
	}
	r = set_memory(dir, mem, err);
	if (r < 0)
		return r;
	return swap != 0 ? set_i64(dir, "memory.memsw.limit_in_bytes", swap, err) : 0;
}

static bool memory_needed(const struct tn_resources *res)
{
	return (res->has_memory && res->memory_limit != 0) ||
	       (res->has_swap && res->memory_swap != 0) ||
	       (res->has_reservation && res->memory_reservation != 0) || res->disable_oom ||
	       (res->has_swappiness && res->swappiness != -1);
}

static int memory(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	int r;

	if (res->has_swappiness && res->swappiness > 100) {
		r = tn_error_set(err, EINVAL,
				 "linux.resources.memory.swappiness: %" PRId64
				 " is not within 0 to 100",
				 res->swappiness);
		return tn_error_hint(err, r, "give 0 to 100, or -1 to leave it as it is");
	}
	r = memory_and_swap(dir, res, err);
	if (r < 0)
		return r;
	if (res->has_reservation && res->memory_reservation != 0) {
		r = set_i64(dir, "memory.soft_limit_in_bytes", res->memory_reservation, err);
		if (r < 0)
			return r;
	}
	if (res->disable_oom) {
		r = tn_cgroup_set(dir, "memory.oom_control", "1", err);
		if (r < 0)
			return r;
	}
	if (res->has_swappiness && res->swappiness != -1)
		return set_i64(dir, "memory.swappiness", res->swappiness, err);
	return 0;
}

/* ---- cpu ---- */

static bool cpu_needed(const struct tn_resources *res)
{
	return (res->has_shares && res->cpu_shares != 0) ||
	       (res->has_period && res->cpu_period != 0) ||
	       (res->has_quota && res->cpu_quota != 0) || res->cpu_rt_period != 0 ||
	       res->cpu_rt_runtime != 0;
}

/* The kernel clamps shares to its range: what it kept, read back, says which end. */
static int cpu_shares(const char *dir, uint64_t shares, struct tn_error **err)
{
	uint64_t got = 0;
	int r = set_i64(dir, "cpu.shares", (int64_t)MIN(shares, (uint64_t)INT64_MAX), err);

	if (r < 0)
		return r;
	r = read_u64(dir, "cpu.shares", &got);
	if (r < 0)
		return tn_error_errno(err, -r, "cgroup %s: cannot read cpu.shares", dir);
	if (got != shares)
		return tn_error_set(err, EINVAL,
				    "linux.resources.cpu.shares: the %s allowed is %" PRIu64,
				    shares > got ? "most" : "least", got);
	return 0;
}

/* The period first; when the kernel refuses it (EINVAL: the old quota over the new period
 * exceeds the parent's) and a quota comes too, the period again after the quota. */
static int cpu_cfs(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	uint64_t period = res->has_period ? res->cpu_period : 0;
	int64_t quota = res->has_quota ? res->cpu_quota : 0;
	bool again = false;
	char text[32];
	int r;

	if (period != 0) {
		snprintf(text, sizeof(text), "%" PRIu64, period);
		r = tn_cgroup_write(dir, "cpu.cfs_period_us", text);
		again = r == -EINVAL && quota != 0;
		if (r < 0 && !again)
			return tn_error_errno(err, -r,
					      "cgroup %s: cannot set cpu.cfs_period_us to %s", dir,
					      text);
	}
	if (quota == 0)
		return 0;
	r = set_i64(dir, "cpu.cfs_quota_us", quota, err);
	if (r < 0)
		return r;
	return again ? tn_cgroup_set(dir, "cpu.cfs_period_us", text, err) : 0;
}

static int cpu(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	int r;

	if (res->has_shares && res->cpu_shares != 0) {
		r = cpu_shares(dir, res->cpu_shares, err);
		if (r < 0)
			return r;
	}
	r = cpu_cfs(dir, res, err);
	if (r < 0)
		return r;
	if (res->cpu_rt_period != 0) {
		r = set_i64(dir, "cpu.rt_period_us", (int64_t)MIN(res->cpu_rt_period, INT64_MAX),
			    err);
		if (r < 0)
			return r;
	}
	return res->cpu_rt_runtime != 0
		       ? set_i64(dir, "cpu.rt_runtime_us", res->cpu_rt_runtime, err)
		       : 0;
}

/* ---- pids ---- */

static bool pids_needed(const struct tn_resources *res)
{
	return res->has_pids && res->pids_limit != 0;
}

static int pids(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	if (res->pids_limit < 0)
		return tn_cgroup_set(dir, "pids.max", "max", err);
	return set_i64(dir, "pids.max", res->pids_limit, err);
}

/* ---- blkio ---- */

static bool blkio_needed(const struct tn_resources *res)
{
	bool any =
		res->blkio_weight != 0 || res->blkio_leaf_weight != 0 || res->n_weight_devices > 0;

	for (size_t i = 0; i < _TN_THROTTLE_MAX; i++)
		any = any || res->n_throttle[i] > 0;
	return any;
}

static int set_device(const char *dir, const char *file, int64_t major, int64_t minor, uint64_t v,
		      struct tn_error **err)
{
	char text[80];

	snprintf(text, sizeof(text), "%" PRId64 ":%" PRId64 " %" PRIu64, major, minor, v);
	return tn_cgroup_set(dir, file, text, err);
}

static int blkio_weights(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	/* A kernel without CFQ has BFQ's files only. */
	bool bfq = !exists(dir, "blkio.weight");
	const char *weight = bfq ? "blkio.bfq.weight" : "blkio.weight";
	const char *weight_device = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device";
	int r;

	if (res->blkio_weight != 0) {
		r = set_i64(dir, weight, (int64_t)MIN(res->blkio_weight, INT64_MAX), err);
		if (r < 0)
			return r;
	}
	if (res->blkio_leaf_weight != 0) {
		r = set_i64(dir, "blkio.leaf_weight",
			    (int64_t)MIN(res->blkio_leaf_weight, INT64_MAX), err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < res->n_weight_devices; i++) {
		const struct tn_blkio_weight_device *d = &res->weight_devices[i];

		r = d->weight ? set_device(dir, weight_device, d->major, d->minor, d->weight, err)
			      : 0;
		if (r < 0)
			return r;
		r = d->leaf_weight ? set_device(dir, "blkio.leaf_weight_device", d->major, d->minor,
						d->leaf_weight, err)
				   : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

static int blkio(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	static const char *const files[_TN_THROTTLE_MAX] = {
		[TN_THROTTLE_READ_BPS] = "blkio.throttle.read_bps_device",
		[TN_THROTTLE_WRITE_BPS] = "blkio.throttle.write_bps_device",
		[TN_THROTTLE_READ_IOPS] = "blkio.throttle.read_iops_device",
		[TN_THROTTLE_WRITE_IOPS] = "blkio.throttle.write_iops_device",
	};
	int r = blkio_weights(dir, res, err);

	if (r < 0)
		return r;
	for (size_t k = 0; k < _TN_THROTTLE_MAX; k++)
		for (size_t i = 0; i < res->n_throttle[k]; i++) {
			const struct tn_blkio_throttle *t = &res->throttle[k][i];

			r = set_device(dir, files[k], t->major, t->minor, t->rate, err);
			if (r < 0)
				return r;
		}
	return 0;
}

/* ---- hugetlb, net_cls, net_prio, rdma ---- */

static bool hugetlb_needed(const struct tn_resources *res)
{
	return res->n_hugepages > 0;
}

static int hugetlb(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	for (size_t i = 0; i < res->n_hugepages; i++) {
		char file[128];
		int r;

		if (strchr(res->hugepages[i].page_size, '/') ||
		    snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes",
			     res->hugepages[i].page_size) >= (int)sizeof(file))
			return tn_error_set(err, EINVAL,
					    "linux.resources.hugepageLimits[%zu].pageSize: \"%s\" "
					    "is not a page size",
					    i, res->hugepages[i].page_size);
		r = set_i64(dir, file, (int64_t)MIN(res->hugepages[i].limit, INT64_MAX), err);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool net_cls_needed(const struct tn_resources *res)
{
	return res->net_class_id != 0;
}

static int net_cls(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	return set_i64(dir, "net_cls.classid", res->net_class_id, err);
}

static bool net_prio_needed(const struct tn_resources *res)
{
	return res->n_net_priorities > 0;
}

static int net_prio(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	for (size_t i = 0; i < res->n_net_priorities; i++) {
		char text[300];
		int r;

		snprintf(text, sizeof(text), "%s %" PRIu32, res->net_priorities[i].name,
			 res->net_priorities[i].priority);
		r = tn_cgroup_set(dir, "net_prio.ifpriomap", text, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool rdma_needed(const struct tn_resources *res)
{
	return res->rdma && res->rdma[0].device;
}

static int rdma(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	for (const struct tn_rdma_limit *l = res->rdma; l->device; l++) {
		char text[300], handles[40] = "", objects[40] = "";
		int r;

		if (l->has_handles)
			snprintf(handles, sizeof(handles), " hca_handle=%" PRIu32, l->handles);
		if (l->has_objects)
			snprintf(objects, sizeof(objects), " hca_object=%" PRIu32, l->objects);
		snprintf(text, sizeof(text), "%s%s%s", l->device, handles, objects);
		r = tn_cgroup_set(dir, "rdma.max", text, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- all ---- */

static const struct controller {
	const char *name, *what; /* the v1 controller; the field, for messages */
	bool (*needed)(const struct tn_resources *res);
	int (*apply)(const char *dir, const struct tn_resources *res, struct tn_error **err);
} controllers[] = {
	{ "memory", "linux.resources.memory", memory_needed, memory },
	{ "cpu", "linux.resources.cpu", cpu_needed, cpu },
	{ "pids", "linux.resources.pids", pids_needed, pids },
	{ "blkio", "linux.resources.blockIO", blkio_needed, blkio },
	{ "hugetlb", "linux.resources.hugepageLimits", hugetlb_needed, hugetlb },
	{ "net_cls", "linux.resources.network.classID", net_cls_needed, net_cls },
	{ "net_prio", "linux.resources.network.priorities", net_prio_needed, net_prio },
	{ "rdma", "linux.resources.rdma", rdma_needed, rdma },
};

static int dir_of(const struct v1 *c, const struct controller *k, char *dir, size_t len)
{
	int r = tn_cgroup_ctrl_dir(c->h, k->name, dir, len);

	if (r == -ENOENT) {
		r = tn_error_set(c->err, ENOENT, "cgroup %s: cannot set %s: no %s hierarchy here",
				 c->path, k->what, k->name);
		return tn_error_hint(c->err, r,
				     "leave %s out of config.json, or mount the %s controller",
				     k->what, k->name);
	}
	if (r < 0)
		return tn_error_errno(c->err, -r, "cgroup %s", c->path);
	return 0;
}

int tn_cgroup_limits_v1(const struct tn_cgroup_hiers *h, const char *path,
			const struct tn_resources *res, struct tn_error **err)
{
	const struct v1 c = { h, path, err };
	char dir[4096];

	for (size_t i = 0; i < ELEMENTSOF(controllers); i++) {
		int r;

		if (!controllers[i].needed(res))
			continue;
		r = dir_of(&c, &controllers[i], dir, sizeof(dir));
		if (r < 0)
			return r;
		r = controllers[i].apply(dir, res, err);
		if (r < 0)
			return r;
	}
	return 0;
}

const char *tn_cgroup_limit_given(const struct tn_resources *res)
{
	for (size_t i = 0; i < ELEMENTSOF(controllers); i++)
		if (controllers[i].needed(res))
			return controllers[i].what;
	if ((res->cpus && res->cpus[0]) || (res->mems && res->mems[0]))
		return "linux.resources.cpu";
	return res->n_unified > 0 ? "linux.resources.unified" : NULL;
}

int tn_cgroup_refuse_unified_v1(const struct tn_resources *res, struct tn_error **err)
{
	int r;

	if (res->n_unified == 0)
		return 0;
	r = tn_error_set(
		err, EINVAL,
		"invalid configuration: linux.resources.unified cannot be used on cgroup v1");
	return tn_error_hint(err, r,
			     "give the limits in their v1 form (linux.resources.memory, cpu...) "
			     "on this host");
}

/* ---- cgroup v2 ---- */

/* What linux.resources has that tenant does not write on v2 yet: the first such field. */
static const char *v2_unsupported(const struct tn_resources *res)
{
	if (res->has_swappiness && res->swappiness != -1)
		return "linux.resources.memory.swappiness";
	if (res->disable_oom)
		return "linux.resources.memory.disableOOMKiller";
	if (res->cpu_rt_period != 0 || res->cpu_rt_runtime != 0)
		return "linux.resources.cpu.realtimeRuntime and realtimePeriod";
	if (blkio_needed(res))
		return "linux.resources.blockIO";
	if (hugetlb_needed(res))
		return "linux.resources.hugepageLimits";
	if (net_cls_needed(res) || net_prio_needed(res))
		return "linux.resources.network";
	if (rdma_needed(res))
		return "linux.resources.rdma";
	return NULL;
}

/* A file name of unified: a plain name with a controller's prefix ("memory.high"). */
static bool unified_file_ok(const char *f)
{
	return f[0] && f[0] != '.' && !strchr(f, '/') && strchr(f, '.');
}

int tn_cgroup_refuse_v2(const struct tn_resources *res, struct tn_error **err)
{
	const char *no = v2_unsupported(res);
	int r;

	if (!no)
		return 0;
	r = tn_error_set(err, EOPNOTSUPP, "%s: not supported by tenant on cgroup v2", no);
	return tn_error_hint(err, r,
			     "leave it out, or give its v2 file in linux.resources.unified");
}

int tn_cgroup_limits_v2(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	int r;

	if (res->has_reservation && res->memory_reservation != 0) {
		r = res->memory_reservation < 0
			    ? tn_cgroup_set(dir, "memory.low", "max", err)
			    : set_i64(dir, "memory.low", res->memory_reservation, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < res->n_unified; i++) {
		const char *file = res->unified[2 * i], *value = res->unified[2 * i + 1];

		if (!unified_file_ok(file))
			return tn_error_set(err, EINVAL,
					    "linux.resources.unified: \"%s\" is not a cgroup file",
					    file);
		r = tn_cgroup_set(dir, file, value, err);
		if (r < 0)
			return r;
	}
	return 0;
}
