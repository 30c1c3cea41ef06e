/* SPDX-License-Identifier: Apache-2.0 */
/* runc's cgroup statistics (cgroup-stats.h). Each reader leaves out what a kernel lacks. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-internal.h"
#include "cgroup-stats.h"
#include "cgroup.h"
#include "fs.h"
#include "parse.h"
#include "banned.h"

#define STAT_MAX (1 << 20)

/* Where the stats of one cgroup are: a directory per controller (NULL: none), owned. */
struct where {
	bool v2;
	char *dir[TN_STAT_CONTROLLERS];
};
enum {
	CPU = TN_STAT_CPU,
	CPUACCT = TN_STAT_CPUACCT,
	CPUSET = TN_STAT_CPUSET,
	MEMORY = TN_STAT_MEMORY,
	PIDS = TN_STAT_PIDS,
	BLKIO = TN_STAT_BLKIO,
	HUGETLB = TN_STAT_HUGETLB,
};
static const char *const controllers[TN_STAT_CONTROLLERS] = { "cpu",  "cpuacct", "cpuset", "memory",
							      "pids", "blkio",	 "hugetlb" };

static void where_done(struct where *w)
{
	for (size_t i = 0; i < ELEMENTSOF(w->dir); i++)
		free(w->dir[i]);
}

static int where_load(const struct tn_cgroup_at *at, struct where *w)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	int r = tn_cgroup_hiers_load_at(at, &h);

	if (r < 0)
		return r;
	w->v2 = h.layout == TN_CGROUP_V2;
	for (size_t i = 0; i < h.n; i++)
		for (size_t c = 0; c < ELEMENTSOF(controllers); c++)
			if (!w->dir[c] &&
			    (w->v2 ||
			     (!h.v[i].v2 && tn_cgroup_hier_has(&h.v[i], controllers[c]))) &&
			    h.v[i].dir && !(w->dir[c] = strdup(h.v[i].dir)))
				return -ENOMEM;
	return 0;
}

static char *read_text(const char *dir, const char *file)
{
	_cleanup_free_ char *path = NULL;
	char *text = NULL;
	size_t len;

	if (!dir || asprintf(&path, "%s/%s", dir, file) < 0 ||
	    tn_read_file(path, STAT_MAX, &text, &len, NULL) < 0)
		return NULL;
	return text;
}

/* A number from the start of s ("max": UINT64_MAX); false when there is none. */
static bool parse_num(const char *s, uint64_t *ret)
{
	size_t n = strspn(s, "0123456789");

	if (strncmp(s, "max", 3) == 0) {
		*ret = UINT64_MAX;
		return true;
	}
	return n > 0 && tn_parse_u64_n(s, n, ret) == 0;
}

static uint64_t read_u64(const char *dir, const char *file)
{
	_cleanup_free_ char *text = read_text(dir, file);
	uint64_t v = 0;

	return text && parse_num(text, &v) ? v : 0;
}

/* The value of "key N" in a flat keyed file's text; 0 when absent. */
static uint64_t keyed(const char *text, const char *key)
{
	size_t klen = strlen(key);
	uint64_t v = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, klen) == 0 && l[klen] == ' ')
			return parse_num(l + klen + 1, &v) ? v : 0;
	return 0;
}

static void kv_nonzero(struct tn_json *j, const char *key, uint64_t v)
{
	if (v)
		tn_json_kv_u64(j, key, v);
}

/* A list of numbers ("1 2 3") as an array, left out when empty. */
static void number_list(struct tn_json *j, const char *key, const char *text, uint64_t scale)
{
	bool any = false;
	uint64_t v;

	for (const char *p = text; p && *p; p += strcspn(p, " \n"), p += strspn(p, " \n")) {
		if (!parse_num(p, &v))
			continue;
		if (!any) {
			tn_json_key(j, key);
			tn_json_begin_array(j);
		}
		any = true;
		tn_json_u64(j, v * scale);
	}
	if (any)
		tn_json_end_array(j);
}

/* Column `col` (1: user, 2: system) of cpuacct.usage_all, after its header line. */
static void usage_all_column(struct tn_json *j, const char *key, const char *text, int col)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	const char *l = text ? strchr(text, '\n') : NULL;

	for (; l && l[1]; l = strchr(l + 1, '\n')) {
		const char *f = l + 1;

		for (int k = 0; k < col && f; k++)
			f = strchr(f, ' '), f = f ? f + 1 : NULL;
		if (f)
			tn_buf_printf(&b, "%.*s ", (int)strcspn(f, " \n"), f);
	}
	number_list(j, key, b.data, 1);
}

static void cpu_json(const struct where *w, struct tn_json *j)
{
	_cleanup_free_ char *stat = read_text(w->dir[CPU], "cpu.stat");
	_cleanup_free_ char *acct = NULL, *percpu = NULL, *all = NULL;
	uint64_t micro = w->v2 ? 1000 : 1;

	tn_json_key(j, "cpu");
	tn_json_begin_object(j);
	tn_json_key(j, "usage");
	tn_json_begin_object(j);
	if (w->v2) {
		kv_nonzero(j, "total", stat ? keyed(stat, "usage_usec") * 1000 : 0);
		tn_json_kv_u64(j, "kernel", stat ? keyed(stat, "system_usec") * 1000 : 0);
		tn_json_kv_u64(j, "user", stat ? keyed(stat, "user_usec") * 1000 : 0);
	} else {
		/* cpuacct.stat counts USER_HZ (100) ticks. */
		acct = read_text(w->dir[CPUACCT], "cpuacct.stat");
		percpu = read_text(w->dir[CPUACCT], "cpuacct.usage_percpu");
		all = read_text(w->dir[CPUACCT], "cpuacct.usage_all");
		kv_nonzero(j, "total", read_u64(w->dir[CPUACCT], "cpuacct.usage"));
		number_list(j, "percpu", percpu, 1);
		usage_all_column(j, "percpu_kernel", all, 2);
		usage_all_column(j, "percpu_user", all, 1);
		tn_json_kv_u64(j, "kernel", acct ? keyed(acct, "system") * 10000000 : 0);
		tn_json_kv_u64(j, "user", acct ? keyed(acct, "user") * 10000000 : 0);
	}
	tn_json_end_object(j);
	tn_json_key(j, "throttling");
	tn_json_begin_object(j);
	if (stat) {
		kv_nonzero(j, "periods", keyed(stat, "nr_periods"));
		kv_nonzero(j, "throttledPeriods", keyed(stat, "nr_throttled"));
		kv_nonzero(j, "throttledTime",
			   keyed(stat, w->v2 ? "throttled_usec" : "throttled_time") * micro);
	}
	tn_json_end_object(j);
	tn_json_end_object(j);
}

/* "0-2,5" as [0,1,2,5], left out when empty. */
static void cpu_list(struct tn_json *j, const char *key, const char *text)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	uint64_t lo, hi;

	for (const char *p = text; p && parse_num(p, &lo); p = strchr(p, ','), p = p ? p + 1 : 0) {
		const char *dash = p + strspn(p, "0123456789");

		hi = lo;
		if (*dash == '-' && !parse_num(dash + 1, &hi))
			break;
		for (uint64_t v = lo; v <= hi && v - lo < 65536; v++)
			tn_buf_printf(&b, "%" PRIu64 " ", v);
	}
	number_list(j, key, b.data, 1);
}

static void cpuset_json(const struct where *w, struct tn_json *j)
{
	static const char *const flags[] = { "cpu_exclusive",	   "mem_hardwall",
					     "mem_exclusive",	   "memory_migrate",
					     "memory_spread_page", "memory_spread_slab",
					     "memory_pressure",	   "sched_load_balance" };
	const char *dir = w->v2 ? NULL : w->dir[CPUSET];
	_cleanup_free_ char *cpus = read_text(dir, "cpuset.cpus");
	_cleanup_free_ char *mems = read_text(dir, "cpuset.mems");
	_cleanup_free_ char *relax = read_text(dir, "cpuset.sched_relax_domain_level");
	char file[64];
	uint64_t v = 0;

	tn_json_key(j, "cpuset");
	tn_json_begin_object(j);
	cpu_list(j, "cpus", cpus);
	for (size_t i = 0; i < ELEMENTSOF(flags); i++) {
		snprintf(file, sizeof(file), "cpuset.%s", flags[i]);
		if (i == 1)
			cpu_list(j, "mems", mems);
		tn_json_kv_u64(j, flags[i], read_u64(dir, file));
	}
	tn_json_key(j, "sched_relax_domain_level");
	if (relax && relax[0] == '-' && parse_num(relax + 1, &v))
		tn_json_i64(j, -(int64_t)v);
	else
		tn_json_u64(j, relax && parse_num(relax, &v) ? v : 0);
	tn_json_end_object(j);
}

/* {limit, usage, max, failcnt} of memory.PREFIX{limit_in_bytes,...} (v1). */
static void memory_entry_v1(struct tn_json *j, const char *key, const char *dir, const char *p)
{
	char f[4][64];

	snprintf(f[0], sizeof(f[0]), "memory.%slimit_in_bytes", p);
	snprintf(f[1], sizeof(f[1]), "memory.%susage_in_bytes", p);
	snprintf(f[2], sizeof(f[2]), "memory.%smax_usage_in_bytes", p);
	snprintf(f[3], sizeof(f[3]), "memory.%sfailcnt", p);
	tn_json_key(j, key);
	tn_json_begin_object(j);
	tn_json_kv_u64(j, "limit", read_u64(dir, f[0]));
	kv_nonzero(j, "usage", read_u64(dir, f[1]));
	kv_nonzero(j, "max", read_u64(dir, f[2]));
	tn_json_kv_u64(j, "failcnt", read_u64(dir, f[3]));
	tn_json_end_object(j);
}

static void memory_entry(struct tn_json *j, const char *key, uint64_t limit, uint64_t usage)
{
	tn_json_key(j, key);
	tn_json_begin_object(j);
	tn_json_kv_u64(j, "limit", limit);
	kv_nonzero(j, "usage", usage);
	tn_json_kv_u64(j, "failcnt", 0);
	tn_json_end_object(j);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* memory.stat as "raw", its keys sorted (as Go writes a map). */
static void memory_raw(struct tn_json *j, char *text)
{
	_cleanup_free_ char **lines = NULL;
	size_t n = 0;
	uint64_t v;

	for (char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		n++;
	lines = calloc(n + 1, sizeof(*lines));
	if (!lines || n == 0)
		return;
	n = 0;
	for (char *l = text, *next; l && *l; l = next) {
		next = strchr(l, '\n');
		if (next)
			*next++ = '\0';
		lines[n++] = l;
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	tn_json_key(j, "raw");
	tn_json_begin_object(j);
	for (size_t i = 0; i < n; i++) {
		char *sp = strchr(lines[i], ' ');

		if (!sp || !parse_num(sp + 1, &v))
			continue;
		*sp = '\0';
		tn_json_kv_u64(j, lines[i], v);
	}
	tn_json_end_object(j);
}

static void memory_json(const struct where *w, struct tn_json *j)
{
	const char *dir = w->dir[MEMORY];
	_cleanup_free_ char *stat = read_text(dir, "memory.stat");

	tn_json_key(j, "memory");
	tn_json_begin_object(j);
	kv_nonzero(j, "cache", stat ? keyed(stat, w->v2 ? "file" : "cache") : 0);
	if (w->v2) {
		/* As runc: swap counts memory too, as v1's memsw does. */
		uint64_t limit = read_u64(dir, "memory.max"),
			 usage = read_u64(dir, "memory.current");
		uint64_t slimit = read_u64(dir, "memory.swap.max");

		memory_entry(j, "usage", limit, usage);
		memory_entry(j, "swap", slimit == UINT64_MAX ? slimit : slimit + limit,
			     usage + read_u64(dir, "memory.swap.current"));
		memory_entry(j, "kernel", 0, 0);
		memory_entry(j, "kernelTCP", 0, 0);
	} else {
		memory_entry_v1(j, "usage", dir, "");
		memory_entry_v1(j, "swap", dir, "memsw.");
		memory_entry_v1(j, "kernel", dir, "kmem.");
		memory_entry_v1(j, "kernelTCP", dir, "kmem.tcp.");
	}
	if (stat)
		memory_raw(j, stat);
	tn_json_end_object(j);
}

static void pids_json(const struct where *w, struct tn_json *j)
{
	uint64_t limit = read_u64(w->dir[PIDS], "pids.max");

	tn_json_key(j, "pids");
	tn_json_begin_object(j);
	kv_nonzero(j, "current", read_u64(w->dir[PIDS], "pids.current"));
	kv_nonzero(j, "limit", limit == UINT64_MAX ? 0 : limit);
	tn_json_end_object(j);
}

/* One blkio entry; the fields are left out when zero, as runc's omitempty. */
static void blkio_entry(struct tn_json *j, uint64_t major, uint64_t minor, const char *op,
			size_t oplen, uint64_t value)
{
	tn_json_begin_object(j);
	kv_nonzero(j, "major", major);
	kv_nonzero(j, "minor", minor);
	if (oplen) {
		tn_json_key(j, "op");
		tn_json_string_n(j, op, oplen);
	}
	kv_nonzero(j, "value", value);
	tn_json_end_object(j);
}

/* A v1 blkio file ("MAJ:MIN Op Value" lines, "Total N" skipped) as key's array, or only
 * counted with j NULL; the count of entries. */
static size_t blkio_v1_file(struct tn_json *j, const char *dir, const char *file, const char *key)
{
	_cleanup_free_ char *text = read_text(dir, file);
	size_t n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		uint64_t major, minor, value;
		const char *colon = strchr(l, ':'), *op, *val;

		if (strncmp(l, "Total", 5) == 0 || !colon || !parse_num(l, &major) ||
		    !parse_num(colon + 1, &minor))
			continue;
		op = strchr(colon, ' ');
		if (!op)
			continue;
		op++;
		val = op + strcspn(op, " \n");
		if (*val != ' ' || !parse_num(val + 1, &value)) /* "MAJ:MIN Value" */
			val = op - 1, op = "";
		if (!parse_num(val + 1, &value))
			continue;
		if (j && n == 0) {
			tn_json_key(j, key);
			tn_json_begin_array(j);
		}
		n++;
		if (j)
			blkio_entry(j, major, minor, op, *op ? strcspn(op, " ") : 0, value);
	}
	if (j && n)
		tn_json_end_array(j);
	return n;
}

/* As runc: the first group whose first file (io_serviced) has entries: BFQ, then throttling. */
static void blkio_v1(const struct where *w, struct tn_json *j)
{
	static const char *const groups[][2] = {
		{ "blkio.bfq.io_serviced_recursive", "blkio.bfq.io_service_bytes_recursive" },
		{ "blkio.throttle.io_serviced_recursive",
		  "blkio.throttle.io_service_bytes_recursive" },
		{ "blkio.throttle.io_serviced", "blkio.throttle.io_service_bytes" },
	};

	for (size_t g = 0; g < ELEMENTSOF(groups); g++)
		if (blkio_v1_file(NULL, w->dir[BLKIO], groups[g][0], NULL)) {
			blkio_v1_file(j, w->dir[BLKIO], groups[g][1], "ioServiceBytesRecursive");
			blkio_v1_file(j, w->dir[BLKIO], groups[g][0], "ioServicedRecursive");
			return;
		}
}

/* io.stat's "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." as runc's Read/Write entries. */
static void blkio_v2(const struct where *w, struct tn_json *j)
{
	static const char *const keys[2][2] = { { "rbytes=", "wbytes=" }, { "rios=", "wios=" } };
	static const char *const names[2] = { "ioServiceBytesRecursive", "ioServicedRecursive" };
	_cleanup_free_ char *text = read_text(w->dir[BLKIO], "io.stat");

	for (int k = 0; text && k < 2; k++) {
		bool any = false;

		for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
			const char *colon = strchr(l, ':'), *end = l + strcspn(l, "\n");
			uint64_t major, minor, v;

			if (!colon || colon > end || !parse_num(l, &major) ||
			    !parse_num(colon + 1, &minor))
				continue;
			for (int rw = 0; rw < 2; rw++) {
				const char *f = strstr(l, keys[k][rw]);

				if (!f || f > end || !parse_num(f + strlen(keys[k][rw]), &v))
					continue;
				if (!any) {
					tn_json_key(j, names[k]);
					tn_json_begin_array(j);
				}
				any = true;
				blkio_entry(j, major, minor, rw ? "Write" : "Read", rw ? 5 : 4, v);
			}
		}
		if (any)
			tn_json_end_array(j);
	}
}

/* Page sizes from /sys/kernel/mm/hugepages ("hugepages-2048kB"), named as runc ("2MB"). */
static void hugetlb_json(const struct where *w, struct tn_json *j)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB" };
	DIR *d = w->dir[HUGETLB] ? opendir("/sys/kernel/mm/hugepages") : NULL;
	struct dirent *e;
	char name[32], f[3][96];

	tn_json_key(j, "hugetlb");
	tn_json_begin_object(j);
	while (d && (e = readdir(d))) {
		uint64_t kb;
		size_t u = 0;

		if (strncmp(e->d_name, "hugepages-", 10) != 0 || !parse_num(e->d_name + 10, &kb))
			continue;
		for (; kb >= 1024 && kb % 1024 == 0 && u + 1 < ELEMENTSOF(units); u++)
			kb /= 1024;
		snprintf(name, sizeof(name), "%" PRIu64 "%s", kb, units[u]);
		snprintf(f[0], sizeof(f[0]), "hugetlb.%s.%s", name,
			 w->v2 ? "current" : "usage_in_bytes");
		snprintf(f[1], sizeof(f[1]), "hugetlb.%s.max_usage_in_bytes", name);
		snprintf(f[2], sizeof(f[2]), "hugetlb.%s.failcnt", name);
		tn_json_key(j, name);
		tn_json_begin_object(j);
		kv_nonzero(j, "usage", read_u64(w->dir[HUGETLB], f[0]));
		kv_nonzero(j, "max", w->v2 ? 0 : read_u64(w->dir[HUGETLB], f[1]));
		tn_json_kv_u64(j, "failcnt", w->v2 ? 0 : read_u64(w->dir[HUGETLB], f[2]));
		tn_json_end_object(j);
	}
	if (d)
		closedir(d);
	tn_json_end_object(j);
}

int tn_cgroup_stats_json_dirs(bool v2, char *const dirs[TN_STAT_CONTROLLERS], struct tn_json *j)
{
	struct where w = { .v2 = v2 };

	memcpy(w.dir, dirs, sizeof(w.dir));
	tn_json_begin_object(j);
	cpu_json(&w, j);
	cpuset_json(&w, j);
	memory_json(&w, j);
	pids_json(&w, j);
	tn_json_key(j, "blkio");
	tn_json_begin_object(j);
	if (w.v2)
		blkio_v2(&w, j);
	else
		blkio_v1(&w, j);
	tn_json_end_object(j);
	hugetlb_json(&w, j);
	tn_json_key(j, "intel_rdt");
	tn_json_begin_object(j);
	tn_json_end_object(j);
	tn_json_key(j, "network_interfaces");
	tn_json_null(j);
	tn_json_end_object(j);
	return 0;
}

int tn_cgroup_stats_json(const struct tn_cgroup_at *at, struct tn_json *j)
{
	_cleanup_(where_done) struct where w = { 0 };
	int r = where_load(at, &w);

	if (r < 0)
		return r;
	return tn_cgroup_stats_json_dirs(w.v2, w.dir, j);
}

int tn_cgroup_oom_kills(const struct tn_cgroup_at *at, uint64_t *ret)
{
	_cleanup_(where_done) struct where w = { 0 };
	_cleanup_free_ char *text = NULL;
	int r = where_load(at, &w);

	if (r < 0)
		return r;
	text = read_text(w.dir[MEMORY], w.v2 ? "memory.events" : "memory.oom_control");
	if (!text)
		return -ENOENT;
	*ret = keyed(text, "oom_kill");
	return 0;
}
