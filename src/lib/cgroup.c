/* SPDX-License-Identifier: Apache-2.0 */
/* A container's cgroup through cgroupfs, v1 or v2 (cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#include "cgroup.h"
#include "fs.h"
#include "parse.h"
#include "banned.h"

#define ROOT "/sys/fs/cgroup"

/* The v1 controllers a container joins, where they are mounted. */
static const char *const v1_controllers[] = { "pids",	"memory", "cpu",     "cpuacct",
					      "cpuset", "blkio",  "devices", "freezer" };

enum tn_cgroup_layout tn_cgroup_layout(void)
{
	struct statfs fs;

	if (statfs(ROOT, &fs) < 0)
		return TN_CGROUP_NONE;
	if (fs.f_type == CGROUP2_SUPER_MAGIC)
		return TN_CGROUP_V2;
	if (statfs(ROOT "/pids", &fs) == 0 && fs.f_type == CGROUP_SUPER_MAGIC)
		return TN_CGROUP_V1;
	return TN_CGROUP_NONE;
}

const char *tn_cgroup_layout_name(enum tn_cgroup_layout l)
{
	return l == TN_CGROUP_V2 ? "v2" : l == TN_CGROUP_V1 ? "v1" : "none";
}

char *tn_cgroup_path(const char *cgroups_path, const char *id)
{
	const char *c1, *c2;
	char *p = NULL;
	int r;

	if (!cgroups_path || !*cgroups_path)
		r = asprintf(&p, "/tenant/%s", id);
	else if (cgroups_path[0] != '/' && (c1 = strchr(cgroups_path, ':')) &&
		 (c2 = strchr(c1 + 1, ':')))
		r = asprintf(&p, "/%.*s/%.*s-%s.scope", (int)(c1 - cgroups_path), cgroups_path,
			     (int)(c2 - c1 - 1), c1 + 1, c2 + 1);
	else
		r = asprintf(&p, "%s%s", cgroups_path[0] == '/' ? "" : "/", cgroups_path);
	if (r < 0)
		return NULL;
	/* No ".." may take the path out of the hierarchy. */
	if (strstr(p, "/../") || (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0)) {
		free(p);
		return NULL;
	}
	return p;
}

static int write_text(const char *dir, const char *file, const char *text)
{
	char path[4200];
	int fd, r = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (RETRY_EINTR(write(fd, text, strlen(text))) < 0)
		r = negative_errno();
	close(fd);
	return r;
}

static int read_text(const char *dir, const char *file, char **ret)
{
	char path[4200];
	size_t len;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return tn_read_file(path, 1024 * 1024, ret, &len, NULL);
}

static bool blank(const char *s)
{
	return !s || s[strspn(s, " \n")] == '\0';
}

static void inherit_cpuset(char *dir)
{
	char *slash = strrchr(dir, '/');

	for (int k = 0; k < 2; k++) {
		const char *f = k ? "cpuset.mems" : "cpuset.cpus";
		_cleanup_free_ char *mine = NULL, *parent = NULL;

		if (read_text(dir, f, &mine) == 0 && !blank(mine))
			continue;
		*slash = '\0';
		if (read_text(dir, f, &parent) < 0)
			parent = NULL;
		*slash = '/';
		if (!blank(parent))
			write_text(dir, f, parent);
	}
}

/* mkdir -p below a hierarchy root; with cpuset, each level gets its parent's CPUs. */
static int make_dirs(const char *root, const char *path, bool cpuset)
{
	char dir[4096];
	size_t n = strlen(root);

	snprintf(dir, sizeof(dir), "%s%s", root, path);
	for (char *p = dir + n + 1;; p++) {
		bool last = *p == '\0', made;

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		made = mkdir(dir, 0755) == 0;
		if (!made && errno != EEXIST)
			return negative_errno();
		/* Every level, made here or by a create running alongside: an empty cpuset takes
		 * its parent's CPUs and memory nodes, or no task could join it. */
		if (cpuset)
			inherit_cpuset(dir);
		if (last)
			return 0;
		*p = '/';
	}
}

/* One limit: "max" for a negative value where the file takes it. */
static int set(const char *dir, const char *file, int64_t v, bool max_if_negative,
	       struct tn_error **err)
{
	char text[32];
	int r;

	if (v < 0 && max_if_negative)
		snprintf(text, sizeof(text), "max");
	else
		snprintf(text, sizeof(text), "%" PRId64, v);
	r = write_text(dir, file, text);
	return r < 0 ? tn_error_errno(err, -r, "cgroup %s: cannot set %s to %s", dir, file, text)
		     : 0;
}

static int set_text(const char *dir, const char *file, const char *text, struct tn_error **err)
{
	int r = write_text(dir, file, text);

	return r < 0 ? tn_error_errno(err, -r, "cgroup %s: cannot set %s to %s", dir, file, text)
		     : 0;
}

/* What runc always allows (libcontainer's AllowedDevices), after the config's rules. */
static const struct tn_device_rule default_devices[] = {
	{ true, 'c', -1, -1, "m" },    { true, 'b', -1, -1, "m" }, { true, 'c', 1, 3, "rwm" },
	{ true, 'c', 1, 8, "rwm" },    { true, 'c', 1, 7, "rwm" }, { true, 'c', 5, 0, "rwm" },
	{ true, 'c', 1, 5, "rwm" },    { true, 'c', 1, 9, "rwm" }, { true, 'c', 5, 1, "rwm" },
	{ true, 'c', 136, -1, "rwm" }, { true, 'c', 5, 2, "rwm" }, { true, 'c', 10, 200, "rwm" },
};

static int apply_v2(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	int r = 0;

	if (res->has_pids)
		r = set(dir, "pids.max", res->pids_limit > 0 ? res->pids_limit : -1, true, err);
	if (r == 0 && res->has_memory)
		r = set(dir, "memory.max", res->memory_limit, true, err);
	if (r == 0 && res->has_swap && res->has_memory && res->memory_swap >= 0 &&
	    res->memory_limit >= 0)
		r = set(dir, "memory.swap.max", res->memory_swap - res->memory_limit, true, err);
	/* The conversion runc and crun use from shares (2..262144) to weight (1..10000). */
	if (r == 0 && res->has_shares && res->cpu_shares >= 2)
		r = set(dir, "cpu.weight",
			(int64_t)(1 +
				  ((MIN(res->cpu_shares, UINT64_C(262144)) - 2) * 9999) / 262142),
			false, err);
	if (r == 0 && (res->has_quota || res->has_period)) {
		uint64_t period = res->has_period ? res->cpu_period : UINT64_C(100000);
		char text[64];

		if (res->has_quota && res->cpu_quota > 0)
			snprintf(text, sizeof(text), "%" PRId64 " %" PRIu64, res->cpu_quota,
				 period);
		else
			snprintf(text, sizeof(text), "max %" PRIu64, period);
		r = set_text(dir, "cpu.max", text, err);
	}
	if (r == 0 && res->cpus)
		r = set_text(dir, "cpuset.cpus", res->cpus, err);
	if (r == 0 && res->mems)
		r = set_text(dir, "cpuset.mems", res->mems, err);
	if (r == 0 && res->has_devices &&
	    (r = tn_cgroup_devices_v2(dir, res->devices, res->n_devices, default_devices,
				      ELEMENTSOF(default_devices))) < 0)
		r = tn_error_errno(err, -r, "cgroup %s: cannot attach the device filter", dir);
	return r;
}

static void device_text(const struct tn_device_rule *d, char *buf, size_t len)
{
	char major[24], minor[24];

	snprintf(major, sizeof(major), d->major < 0 ? "*" : "%" PRId64, d->major);
	snprintf(minor, sizeof(minor), d->minor < 0 ? "*" : "%" PRId64, d->minor);
	if (d->type == 'a')
		snprintf(buf, len, "a");
	else
		snprintf(buf, len, "%c %s:%s %s", d->type, major, minor, d->access);
}

/* v1 devices: deny everything, then the rules in order, then runc's defaults. */
static int apply_devices_v1(const char *path, const struct tn_resources *res, struct tn_error **err)
{
	char dir[4096], text[64];
	int r;

	snprintf(dir, sizeof(dir), ROOT "/devices%s", path);
	r = set_text(dir, "devices.deny", "a", err);
	for (size_t i = 0; r == 0 && i < res->n_devices; i++) {
		device_text(&res->devices[i], text, sizeof(text));
		r = set_text(dir, res->devices[i].allow ? "devices.allow" : "devices.deny", text,
			     err);
	}
	for (size_t i = 0; r == 0 && i < ELEMENTSOF(default_devices); i++) {
		device_text(&default_devices[i], text, sizeof(text));
		r = set_text(dir, "devices.allow", text, err);
	}
	return r;
}

static int apply_v1(const char *path, const struct tn_resources *res, struct tn_error **err)
{
	char pids[4096], mem[4096], cpu[4096], cpuset[4096];
	int r = 0;

	snprintf(pids, sizeof(pids), ROOT "/pids%s", path);
	snprintf(mem, sizeof(mem), ROOT "/memory%s", path);
	snprintf(cpu, sizeof(cpu), ROOT "/cpu%s", path);
	snprintf(cpuset, sizeof(cpuset), ROOT "/cpuset%s", path);
	if (res->has_pids)
		r = set(pids, "pids.max", res->pids_limit > 0 ? res->pids_limit : -1, true, err);
	if (r == 0 && res->has_memory)
		r = set(mem, "memory.limit_in_bytes", res->memory_limit, false, err);
	if (r == 0 && res->has_swap)
		r = set(mem, "memory.memsw.limit_in_bytes", res->memory_swap, false, err);
	if (r == 0 && res->has_shares)
		r = set(cpu, "cpu.shares", (int64_t)res->cpu_shares, false, err);
	if (r == 0 && res->has_period)
		r = set(cpu, "cpu.cfs_period_us", (int64_t)res->cpu_period, false, err);
	if (r == 0 && res->has_quota)
		r = set(cpu, "cpu.cfs_quota_us", res->cpu_quota, false, err);
	if (r == 0 && res->cpus)
		r = set_text(cpuset, "cpuset.cpus", res->cpus, err);
	if (r == 0 && res->mems)
		r = set_text(cpuset, "cpuset.mems", res->mems, err);
	if (r == 0 && res->has_devices)
		r = apply_devices_v1(path, res, err);
	return r;
}

int tn_cgroup_apply(const char *path, const struct tn_resources *res, struct tn_error **err)
{
	char dir[4096];

	if (tn_cgroup_layout() == TN_CGROUP_V1)
		return apply_v1(path, res, err);
	snprintf(dir, sizeof(dir), ROOT "%s", path);
	return apply_v2(dir, res, err);
}

/* v2: the controllers a container's limits need, enabled down to its parent. */
static void enable_controllers(const char *path)
{
	char dir[4096];
	size_t n;

	snprintf(dir, sizeof(dir), ROOT "%s", path);
	n = strlen(ROOT);
	for (char *p = dir + n;; p++) {
		char saved = *p;
		_cleanup_free_ char *avail = NULL;

		if (*p != '/' && *p != '\0')
			continue;
		if (*p == '\0')
			return; /* the leaf itself keeps its processes: no subtree_control */
		*p = '\0';
		if (read_text(p == dir + n ? ROOT : dir, "cgroup.controllers", &avail) == 0)
			for (const char *c = "pids\0memory\0cpu\0cpuset\0io\0"; *c;
			     c += strlen(c) + 1)
				if (strstr(avail, c)) {
					char add[16];

					snprintf(add, sizeof(add), "+%s", c);
					write_text(p == dir + n ? ROOT : dir,
						   "cgroup.subtree_control", add);
				}
		*p = saved;
	}
}

static int enter_v2(const char *path, pid_t pid)
{
	char dir[4096], text[32];
	int r = make_dirs(ROOT, path, false);

	if (r < 0)
		return r;
	enable_controllers(path);
	snprintf(dir, sizeof(dir), ROOT "%s", path);
	snprintf(text, sizeof(text), "%d", (int)pid);
	return write_text(dir, "cgroup.procs", text);
}

static int enter_v1(const char *path, pid_t pid)
{
	char text[32];

	snprintf(text, sizeof(text), "%d", (int)pid);
	for (size_t i = 0; i < ELEMENTSOF(v1_controllers); i++) {
		char root[256], dir[4096];
		struct stat st;
		int r;

		snprintf(root, sizeof(root), ROOT "/%s", v1_controllers[i]);
		if (stat(root, &st) < 0)
			continue; /* not mounted here */
		r = make_dirs(root, path, strcmp(v1_controllers[i], "cpuset") == 0);
		snprintf(dir, sizeof(dir), "%s%s", root, path);
		if (r == 0)
			r = write_text(dir, "cgroup.procs", text);
		if (r < 0)
			return r;
	}
	return 0;
}

int tn_cgroup_enter(const char *path, pid_t pid, const struct tn_resources *res, bool rootless,
		    bool *ret_used, struct tn_error **err)
{
	enum tn_cgroup_layout l = tn_cgroup_layout();
	pid_t *busy = NULL;
	size_t n_busy = 0;
	int r;

	*ret_used = false;
	if (l == TN_CGROUP_NONE)
		return 0;
	if (tn_cgroup_pids(path, &busy, &n_busy) == 0 && n_busy > 0) {
		free(busy);
		return tn_error_set(err, EBUSY, "cgroup %s is in use by %zu process%s", path,
				    n_busy, n_busy == 1 ? "" : "es");
	}
	free(busy);
	r = l == TN_CGROUP_V2 ? enter_v2(path, pid) : enter_v1(path, pid);
	if (r < 0 && rootless && (r == -EACCES || r == -EPERM || r == -EROFS)) {
		tn_cgroup_remove(path);
		return 0; /* no delegated cgroup: none */
	}
	if (r < 0) {
		tn_cgroup_remove(path);
		return tn_error_errno(err, -r, "cannot put the container in cgroup %s (%s)", path,
				      tn_cgroup_layout_name(l));
	}
	*ret_used = true;
	r = tn_cgroup_apply(path, res, err);
	if (r < 0)
		tn_cgroup_remove(path);
	return r;
}

int tn_cgroup_join(const char *path, pid_t pid)
{
	char text[32];
	int r = 0;

	snprintf(text, sizeof(text), "%d", (int)pid);
	if (tn_cgroup_layout() == TN_CGROUP_V2) {
		char dir[4096];

		snprintf(dir, sizeof(dir), ROOT "%s", path);
		return write_text(dir, "cgroup.procs", text);
	}
	for (size_t i = 0; i < ELEMENTSOF(v1_controllers) && r == 0; i++) {
		char dir[4096];
		struct stat st;

		snprintf(dir, sizeof(dir), ROOT "/%s%s", v1_controllers[i], path);
		if (stat(dir, &st) == 0)
			r = write_text(dir, "cgroup.procs", text);
	}
	return r;
}

/* The leaf, and tenant's own default parent "/tenant" once it is empty (rmdir refuses if not). */
static int remove_one(const char *root, const char *path)
{
	char dir[4096];
	int r = 0;

	snprintf(dir, sizeof(dir), "%s%s", root, path);
	if (rmdir(dir) < 0 && errno != ENOENT)
		r = negative_errno();
	if (strncmp(path, "/tenant/", 8) == 0 && !strchr(path + 8, '/')) {
		snprintf(dir, sizeof(dir), "%s/tenant", root);
		rmdir(dir);
	}
	return r;
}

int tn_cgroup_remove(const char *path)
{
	char root[256];

	if (tn_cgroup_layout() == TN_CGROUP_V2)
		return remove_one(ROOT, path);
	for (size_t i = 0; i < ELEMENTSOF(v1_controllers); i++) {
		snprintf(root, sizeof(root), ROOT "/%s", v1_controllers[i]);
		remove_one(root, path);
	}
	return 0;
}

int tn_cgroup_freeze(const char *path, bool freeze, struct tn_error **err)
{
	char dir[4096];
	int r;

	if (tn_cgroup_layout() == TN_CGROUP_V2) {
		snprintf(dir, sizeof(dir), ROOT "%s", path);
		r = write_text(dir, "cgroup.freeze", freeze ? "1" : "0");
	} else {
		snprintf(dir, sizeof(dir), ROOT "/freezer%s", path);
		r = write_text(dir, "freezer.state", freeze ? "FROZEN" : "THAWED");
	}
	return r < 0 ? tn_error_errno(err, -r, "cannot %s cgroup %s", freeze ? "freeze" : "thaw",
				      path)
		     : 0;
}

bool tn_cgroup_frozen(const char *path)
{
	_cleanup_free_ char *v = NULL;
	char dir[4096];

	if (tn_cgroup_layout() == TN_CGROUP_V2) {
		snprintf(dir, sizeof(dir), ROOT "%s", path);
		return read_text(dir, "cgroup.freeze", &v) == 0 && v[0] == '1';
	}
	snprintf(dir, sizeof(dir), ROOT "/freezer%s", path);
	return read_text(dir, "freezer.state", &v) == 0 && strncmp(v, "FROZEN", 6) == 0;
}

int tn_cgroup_pids(const char *path, pid_t **ret, size_t *ret_n)
{
	_cleanup_free_ char *text = NULL;
	char dir[4096];
	pid_t *v = NULL;
	size_t n = 0;
	int r;

	snprintf(dir, sizeof(dir), ROOT "%s%s", tn_cgroup_layout() == TN_CGROUP_V1 ? "/pids" : "",
		 path);
	r = read_text(dir, "cgroup.procs", &text);
	if (r < 0)
		return r;
	for (char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		uint32_t pid;

		if (len && tn_parse_u32_n(line, len, &pid) == 0) {
			pid_t *nv = reallocarray(v, n + 1, sizeof(*v));

			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			v[n++] = (pid_t)pid;
		}
		line += len + (line[len] == '\n');
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

void tn_resources_done(struct tn_resources *r)
{
	free(r->devices);
	free(r->cpus);
	free(r->mems);
	*r = (struct tn_resources){ 0 };
}
