/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup-systemd.h"
#include "macro.h"
#include "parse.h"
#include "banned.h"

#define USEC_INFINITY  UINT64_MAX
#define DEFAULT_PERIOD 100000ULL /* the kernel's cpu quota period, microseconds */

void tn_systemd_path_done(struct tn_systemd_path *p)
{
	free(p->slice);
	free(p->unit);
	free(p->cgroup);
	*p = (struct tn_systemd_path){ 0 };
}

int tn_systemd_expand_slice(const char *slice, char **ret)
{
	static const char suffix[] = ".slice";
	const size_t sl = sizeof(suffix) - 1;
	size_t n = strlen(slice), len = 0;

	/* A unit name is at most 255 characters: the sizes below cannot overflow. */
	if (n <= sl || n > 255 || strcmp(slice + n - sl, suffix) != 0 || strchr(slice, '/'))
		return -EINVAL;
	n -= sl;
	if (n == 1 && slice[0] == '-')
		return (*ret = strdup("/")) ? 0 : -ENOMEM;
	if (slice[0] == '-' || slice[n - 1] == '-' || memmem(slice, n, "--", 2))
		return -EINVAL; /* "-a", "a-", "a--b" */
	/* Each dash ends a component: a-b -> /a.slice/a-b.slice. */
	size_t size = (n + 1) * (n + sl + 2);
	_cleanup_free_ char *out = malloc(size);
	if (!out)
		return -ENOMEM;
	for (size_t i = 1; i <= n; i++)
		if (i == n || slice[i] == '-')
			len += (size_t)snprintf(out + len, size - len, "/%.*s%s", (int)i, slice,
						suffix);
	*ret = TAKE_PTR(out);
	return 0;
}

/* The field and its value, or the ID an empty one takes its NAME from. */
static int path_error(struct tn_error **err, const char *cgroups_path, const char *id,
		      const char *why)
{
	int r = cgroups_path && *cgroups_path
			? tn_error_set(err, EINVAL, "linux.cgroupsPath: '%s' %s", cgroups_path, why)
			: tn_error_set(
				  err, EINVAL,
				  "linux.cgroupsPath: empty, with the container ID '%s' as NAME, "
				  "%s",
				  id, why);
	return tn_error_hint(err, r,
			     "the systemd cgroup manager takes \"SLICE:PREFIX:NAME\", such as "
			     "\"machine.slice:tenant:NAME\" (a unit PREFIX-NAME.scope in SLICE); "
			     "or use --cgroup-manager cgroupfs");
}

bool tn_systemd_unit_name_ok(const char *s)
{
	/* systemd's unit name characters: ASCII letters, digits and ":-_.\\". */
	if (!*s || strlen(s) > 255)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\",
			    *s))
			return false;
	return true;
}

/* The unit PREFIX-NAME.scope (NAME.scope without a prefix), or why not. */
static const char *unit_of(const char *prefix, const char *name, char **ret)
{
	size_t nl = strlen(name);

	if (nl == 0)
		return "has no NAME";
	if (nl > 6 && strcmp(name + nl - 6, ".slice") == 0)
		return "names a slice: a container's unit is a scope";
	if ((*prefix ? asprintf(ret, "%s-%s.scope", prefix, name)
		     : asprintf(ret, "%s.scope", name)) < 0)
		return NULL;
	if (strcmp(*ret, "init.scope") == 0)
		return "names systemd's own init.scope";
	return tn_systemd_unit_name_ok(*ret) ? NULL : "makes a unit name systemd refuses";
}

int tn_systemd_path_parse(const char *cgroups_path, const char *id, bool user,
			  struct tn_systemd_path *ret, struct tn_error **err)
{
	_cleanup_(tn_systemd_path_done) struct tn_systemd_path p = { .user = user };
	const char *slice = user ? "user.slice" : "system.slice", *prefix = "tenant", *name = id;
	_cleanup_free_ char *copy = NULL, *expanded = NULL;

	if (cgroups_path && *cgroups_path) {
		copy = strdup(cgroups_path);
		if (!copy)
			return -ENOMEM;
		char *a = copy, *b = strchr(a, ':'), *c = b ? strchr(b + 1, ':') : NULL;
		if (!b || !c || strchr(c + 1, ':'))
			return path_error(err, cgroups_path, id,
					  "is not of the form SLICE:PREFIX:NAME");
		*b++ = '\0';
		*c++ = '\0';
		slice = *a ? a : slice;
		prefix = b;
		name = c;
	}
	if (!tn_systemd_unit_name_ok(slice) || tn_systemd_expand_slice(slice, &expanded) < 0)
		return path_error(err, cgroups_path, id, "names no slice (NAME.slice)");
	const char *why = unit_of(prefix, name, &p.unit);
	if (why) {
		char text[400];

		snprintf(text, sizeof(text), p.unit ? "%s ('%.255s')" : "%s", why, p.unit);
		return path_error(err, cgroups_path, id, text);
	}
	if (!p.unit)
		return -ENOMEM;
	p.slice = strdup(slice);
	if (!p.slice ||
	    asprintf(&p.cgroup, "%s/%s", strcmp(expanded, "/") == 0 ? "" : expanded, p.unit) < 0)
		return -ENOMEM;
	*ret = TAKE_STRUCT(p);
	return 0;
}

static int add_t(struct tn_sd_props *p, const char *name, uint64_t t)
{
	return tn_sd_props_add(p, &(struct tn_sd_prop){ .name = name, .type = 't', .t = t });
}

/* "0-3,6" into a bitmask, as systemd's AllowedCPUs takes it (bit N of byte N/8). */
static int cpu_bits(const char *list, struct tn_sd_prop *prop)
{
	const char *s = list;

	while (*s) {
		size_t len = strcspn(s, ",");
		const char *dash = memchr(s, '-', len);
		uint32_t lo, hi;
		int r = tn_parse_u32_n(s, dash ? (size_t)(dash - s) : len, &lo);
		if (r < 0)
			return -EINVAL;
		hi = lo;
		if (dash && tn_parse_u32_n(dash + 1, len - (size_t)(dash + 1 - s), &hi) < 0)
			return -EINVAL;
		if (hi < lo || hi >= sizeof(prop->bits) * 8)
			return -EINVAL;
		for (uint32_t i = lo; i <= hi; i++)
			prop->bits[i / 8] |= (uint8_t)(1u << (i % 8));
		prop->n_bits = MAX(prop->n_bits, (size_t)hi / 8 + 1);
		s += len;
		if (*s == ',')
			s++;
	}
	return 0;
}

static int add_bits(struct tn_sd_props *p, const char *name, const char *list)
{
	struct tn_sd_prop prop = { .name = name, .type = 'y' };
	int r = cpu_bits(list, &prop);
	if (r < 0)
		return r;
	return tn_sd_props_add(p, &prop);
}

/* runc's CPU quota rule: per second of CPU, rounded up to 10 ms (systemd keeps percents). */
static int cpu_props(const struct tn_resources *res, unsigned version, struct tn_sd_props *p)
{
	int64_t quota = res->has_quota ? res->cpu_quota : 0;
	uint64_t period = res->has_period ? res->cpu_period : 0;
	int r;

	if (period && version >= 242) {
		r = add_t(p, "CPUQuotaPeriodUSec", period);
		if (r < 0)
			return r;
	}
	if (quota == 0 && period == 0)
		return 0;
	uint64_t per_sec = USEC_INFINITY;
	if (quota > 0) {
		uint64_t q = (uint64_t)quota, per = period ? period : DEFAULT_PERIOD;
		if (q > UINT64_MAX / 1000000ULL)
			return -ERANGE;
		per_sec = q * 1000000ULL / per;
		if (per_sec % 10000)
			per_sec = (per_sec / 10000 + 1) * 10000;
	}
	return add_t(p, "CPUQuotaPerSecUSec", per_sec);
}

static uint64_t limit_value(int64_t v)
{
	return v < 0 ? UINT64_MAX : (uint64_t)v;
}

static int memory_props(const struct tn_resources *res, bool v2, struct tn_sd_props *p)
{
	int r;

	if (res->has_memory && res->memory_limit != 0) {
		r = add_t(p, v2 ? "MemoryMax" : "MemoryLimit", limit_value(res->memory_limit));
		if (r < 0)
			return r;
	}
	if (!v2)
		return 0;
	if (res->has_reservation && res->memory_reservation != 0) {
		r = add_t(p, "MemoryLow", limit_value(res->memory_reservation));
		if (r < 0)
			return r;
	}
	if (!res->has_swap || res->memory_swap == 0)
		return 0;
	/* v2 counts swap alone: memory+swap less memory, as runc converts it. */
	if (res->memory_swap < 0)
		return add_t(p, "MemorySwapMax", UINT64_MAX);
	if (res->has_memory && res->memory_limit > 0 && res->memory_swap >= res->memory_limit)
		return add_t(p, "MemorySwapMax",
			     (uint64_t)res->memory_swap - (uint64_t)res->memory_limit);
	return 0;
}

int tn_systemd_resource_props(const struct tn_resources *res, bool v2, unsigned version,
			      struct tn_sd_props *ret)
{
	int r = memory_props(res, v2, ret);

	if (r < 0)
		return r;
	if (res->has_pids && res->pids_limit != 0) { /* 0: as it is, as runc 1.1 (and cgroupfs) */
		r = add_t(ret, "TasksMax",
			  res->pids_limit > 0 ? (uint64_t)res->pids_limit : UINT64_MAX);
		if (r < 0)
			return r;
	}
	if (res->has_shares && res->cpu_shares != 0) {
		uint64_t s = MIN(MAX(res->cpu_shares, 2), 262144);
		r = v2 ? add_t(ret, "CPUWeight", 1 + ((s - 2) * 9999) / 262142)
		       : add_t(ret, "CPUShares", res->cpu_shares);
		if (r < 0)
			return r;
	}
	r = cpu_props(res, version, ret);
	if (r < 0)
		return r;
	if (res->blkio_weight) { /* runc's conversion of 10..1000 to 1..10000 on v2 */
		uint64_t w = MIN(MAX(res->blkio_weight, 10), 1000);
		r = v2 ? add_t(ret, "IOWeight", 1 + (w - 10) * 9999 / 990)
		       : add_t(ret, "BlockIOWeight", res->blkio_weight);
		if (r < 0)
			return r;
	}
	if (!v2 || version < 244) /* AllowedCPUs came with systemd 244 */
		return 0;
	if (res->cpus && *res->cpus) {
		r = add_bits(ret, "AllowedCPUs", res->cpus);
		if (r < 0)
			return r;
	}
	if (res->mems && *res->mems)
		return add_bits(ret, "AllowedMemoryNodes", res->mems);
	return 0;
}

static int add_b(struct tn_sd_props *p, const char *name, bool b)
{
	return tn_sd_props_add(p, &(struct tn_sd_prop){ .name = name, .type = 'b', .b = b });
}

/* What every container scope has, as runc sets it: delegated, accounted, no dependencies. */
static int scope_props(const struct tn_systemd_path *sp, const char *id, pid_t pid, bool v2,
		       struct tn_sd_props *p)
{
	static const char *const accounting_v2[] = { "MemoryAccounting", "CPUAccounting",
						     "IOAccounting", "TasksAccounting" };
	static const char *const accounting_v1[] = { "MemoryAccounting", "CPUAccounting",
						     "BlockIOAccounting", "TasksAccounting" };
	int r;

	snprintf(p->text, sizeof(p->text), "tenant container %s", id);
	r = tn_sd_props_add(
		p, &(struct tn_sd_prop){ .name = "Description", .type = 's', .s = p->text });
	if (r < 0)
		return r;
	r = tn_sd_props_add(p,
			    &(struct tn_sd_prop){ .name = "Slice", .type = 's', .s = sp->slice });
	if (r < 0)
		return r;
	r = add_b(p, "Delegate", true);
	if (r < 0)
		return r;
	r = tn_sd_props_add(
		p, &(struct tn_sd_prop){ .name = "PIDs", .type = 'p', .pid = (uint32_t)pid });
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(accounting_v2); i++) {
		r = add_b(p, v2 ? accounting_v2[i] : accounting_v1[i], true);
		if (r < 0)
			return r;
	}
	return add_b(p, "DefaultDependencies", false);
}

static int props_error(struct tn_error **err, int r)
{
	if (r == -EINVAL)
		return tn_error_set(err, EINVAL,
				    "linux.resources.cpu.cpus or .mems: not a list of CPUs such as "
				    "0-3,6 (below 1024)");
	return tn_error_errno(err, -r, "cannot make the systemd unit's properties");
}

int tn_systemd_enter(const struct tn_systemd_path *sp, const char *id, pid_t pid,
		     const struct tn_resources *res, bool user, char **ret_cgroup,
		     char ret_invocation[33], struct tn_error **err)
{
	_cleanup_sdbus_ struct tn_sdbus *b = NULL;
	struct tn_sd_props props = { 0 };
	bool v2 = tn_cgroup_layout() == TN_CGROUP_V2;
	int r = tn_sdbus_open(user, &b, err);

	if (r < 0)
		return r;
	r = scope_props(sp, id, pid, v2, &props);
	if (r < 0)
		return props_error(err, r);
	r = tn_systemd_resource_props(res, v2, tn_sdbus_version(b), &props);
	if (r < 0)
		return props_error(err, r);
	r = tn_sdbus_start_transient(b, sp->unit, &props, err);
	if (r == -EEXIST) { /* a failed one left by a container before: reset, once (newer runc) */
		tn_sdbus_reset_failed(b, sp->unit);
		r = tn_sdbus_start_transient(b, sp->unit, &props, err);
	}
	if (r == -EEXIST) {
		r = tn_error_set(err, EEXIST, "systemd has a unit %s already", sp->unit);
		return tn_error_hint(err, r,
				     "another container has it: give this one another cgroupsPath "
				     "NAME, or stop that one (systemctl stop %s)",
				     sp->unit);
	}
	if (r < 0)
		return r;
	r = tn_sdbus_invocation(b, sp->unit, ret_invocation, err);
	if (r < 0) {
		(void)tn_sdbus_stop(b, sp->unit, NULL);
		return r == -ENOENT ? tn_error_set(err, ENOENT, "systemd lost %s at once", sp->unit)
				    : r;
	}
	r = tn_sdbus_control_group(b, sp->unit, "Scope", ret_cgroup, err);
	if (r < 0)
		(void)tn_sdbus_stop(b, sp->unit, NULL);
	return r;
}

int tn_systemd_update(const char *unit, bool user, const struct tn_resources *res,
		      struct tn_error **err)
{
	_cleanup_sdbus_ struct tn_sdbus *b = NULL;
	struct tn_sd_props props = { 0 };
	int r = tn_sdbus_open(user, &b, err);

	if (r < 0)
		return r;
	r = tn_systemd_resource_props(res, tn_cgroup_layout() == TN_CGROUP_V2, tn_sdbus_version(b),
				      &props);
	if (r < 0)
		return props_error(err, r);
	if (props.n == 0)
		return 0;
	return tn_sdbus_set_properties(b, unit, &props, err);
}

int tn_systemd_stop(const char *unit, bool user, struct tn_error **err)
{
	_cleanup_sdbus_ struct tn_sdbus *b = NULL;
	int r = tn_sdbus_open(user, &b, err);

	if (r < 0)
		return r;
	return tn_sdbus_stop(b, unit, err);
}

static void note(char *dropped, size_t size, const char *c)
{
	size_t len = strlen(dropped);

	if (tn_list_has(dropped, ", ", c))
		return;
	snprintf(dropped + len, size - len, "%s%s", len ? ", " : "", c);
}

/* linux.resources.unified's entries for an absent controller ("memory.high"), dropped and
 * their controllers noted. */
static void drop_unified(struct tn_resources *res, const char *controllers, char *dropped,
			 size_t size)
{
	size_t kept = 0;

	for (size_t i = 0; i < res->n_unified; i++) {
		char **pair = &res->unified[2 * i];
		size_t dot = strcspn(pair[0], ".");
		char c[64];

		snprintf(c, sizeof(c), "%.*s", (int)MIN(dot, sizeof(c) - 1), pair[0]);
		/* "cgroup." files, and keys that name no controller (cgroupfs refuses them). */
		if (!c[0] || strcmp(c, "cgroup") == 0 || tn_list_has(controllers, " \n", c)) {
			res->unified[2 * kept] = pair[0];
			res->unified[2 * kept + 1] = pair[1];
			kept++;
			continue;
		}
		note(dropped, size, c);
		free(pair[0]);
		free(pair[1]);
	}
	if (res->unified)
		res->unified[2 * kept] = NULL;
	res->n_unified = kept;
}

void tn_systemd_drop_absent(struct tn_resources *res, const char *controllers, char *dropped,
			    size_t size)
{
	dropped[0] = '\0';
	/* A limit of 0 leaves its file as it is: nothing to drop (nor to warn of). */
	if (!tn_list_has(controllers, " \n", "pids") && res->has_pids) {
		res->has_pids = false;
		if (res->pids_limit != 0)
			note(dropped, size, "pids");
	}
	if (!tn_list_has(controllers, " \n", "memory") &&
	    (res->has_memory || res->has_swap || res->has_reservation)) {
		if ((res->has_memory && res->memory_limit) || (res->has_swap && res->memory_swap) ||
		    (res->has_reservation && res->memory_reservation))
			note(dropped, size, "memory");
		res->has_memory = res->has_swap = res->has_reservation = false;
	}
	if (!tn_list_has(controllers, " \n", "cpu") &&
	    (res->has_shares || res->has_quota || res->has_period)) {
		if ((res->has_shares && res->cpu_shares) || (res->has_quota && res->cpu_quota) ||
		    (res->has_period && res->cpu_period))
			note(dropped, size, "cpu");
		res->has_shares = res->has_quota = res->has_period = false;
	}
	if (!tn_list_has(controllers, " \n", "cpuset") && (res->cpus || res->mems)) {
		free(res->cpus);
		free(res->mems);
		res->cpus = res->mems = NULL;
		note(dropped, size, "cpuset");
	}
	if (!tn_list_has(controllers, " \n", "io") && res->blkio_weight) {
		res->blkio_weight = 0;
		note(dropped, size, "io");
	}
	if (!tn_list_has(controllers, " \n", "hugetlb") && res->n_hugepages) {
		for (size_t i = 0; i < res->n_hugepages; i++)
			free(res->hugepages[i].page_size);
		free(res->hugepages);
		res->hugepages = NULL;
		res->n_hugepages = 0;
		note(dropped, size, "hugetlb");
	}
	drop_unified(res, controllers, dropped, size);
}

/* Whether the cgroup at mountpoint + cgroup exists, or may be made: its nearest ancestor is
 * writable. */
static bool makeable(const char *mountpoint, const char *cgroup)
{
	char path[4096];
	int n = snprintf(path, sizeof(path), "%s%s", mountpoint, cgroup);

	if (n < 0 || (size_t)n >= sizeof(path))
		return false;
	for (;;) {
		if (access(path, F_OK) == 0)
			return access(path, W_OK) == 0 || strlen(path) == (size_t)n;
		char *slash = strrchr(path, '/');
		if (!slash || slash == path)
			return false;
		*slash = '\0';
	}
}

/* v1: the controllers (by their v2 names) whose hierarchy can hold the cgroup. */
static int v1_usable(const char *cgroup, char *list, size_t size)
{
	static const char *const v1[][2] = { { "memory", "memory" }, { "pids", "pids" },
					     { "cpu", "cpu" },	     { "cpuset", "cpuset" },
					     { "blkio", "io" },	     { "hugetlb", "hugetlb" } };
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	int r = tn_cgroup_hiers_load(&h);

	if (r < 0)
		return r;
	list[0] = '\0';
	for (size_t i = 0; i < h.n; i++)
		for (size_t k = 0; k < ELEMENTSOF(v1); k++)
			if (!h.v[i].v2 && tn_cgroup_hier_has(&h.v[i], v1[k][0]) &&
			    makeable(h.v[i].mountpoint, cgroup))
				snprintf(list + strlen(list), size - strlen(list), "%s ", v1[k][1]);
	return 0;
}

int tn_systemd_usable(const char *cgroup, struct tn_resources *res, char *dropped, size_t size)
{
	_cleanup_free_ char *dir = NULL, *text = NULL;
	char list[128];
	int r;

	dropped[0] = '\0';
	if (tn_cgroup_layout() == TN_CGROUP_V1) {
		r = v1_usable(cgroup, list, sizeof(list));
		if (r < 0)
			return r;
		tn_systemd_drop_absent(res, list, dropped, size);
		return 0;
	}
	if (asprintf(&dir, "/sys/fs/cgroup%s", cgroup) < 0)
		return -ENOMEM;
	r = tn_cgroup_read(dir, "cgroup.controllers", &text);
	if (r < 0)
		return r;
	tn_systemd_drop_absent(res, text, dropped, size);
	return 0;
}

void tn_systemd_dropped_warning(struct tn_error **warn, const char *cgroup, const char *unit,
				const char *dropped)
{
	if (!dropped[0])
		return;
	int r = tn_error_set(warn, EOPNOTSUPP,
			     "cgroup %s lacks the controllers %s: their limits cannot apply (%s "
			     "keeps those systemd has properties for)",
			     cgroup, dropped, unit);
	(void)tn_error_hint(
		warn, r, "%s",
		tn_cgroup_layout() == TN_CGROUP_V2
			? "the controllers are bound to cgroup v1 on this host (hybrid): "
			  "boot it with systemd.unified_cgroup_hierarchy=1 for limits "
			  "under systemd"
			: "their v1 hierarchies are not this root's to write (a user "
			  "namespace): limits apply on the host, or on cgroup v2");
}

int tn_systemd_whose(const char *unit, bool user, const char *invocation, struct tn_error **err)
{
	_cleanup_sdbus_ struct tn_sdbus *b = NULL;
	char now[33];
	int r = tn_sdbus_open(user, &b, err);

	if (r < 0)
		return r;
	r = tn_sdbus_invocation(b, unit, now, err);
	if (r == -ENOENT)
		return TN_SCOPE_GONE;
	if (r < 0)
		return r;
	return invocation && strcmp(now, invocation) == 0 ? TN_SCOPE_OURS : TN_SCOPE_OTHER;
}
