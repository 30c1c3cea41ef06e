/* SPDX-License-Identifier: Apache-2.0 */
/* A container's cgroup through cgroupfs, v1 or v2 (cgroup.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>

#include "cgroup-internal.h"
#include "fs.h"
#include "parse.h"
#include "proc-stat.h"
#include "banned.h"

#define ROOT "/sys/fs/cgroup"

char *tn_cgroup_path(const char *cgroups_path, const char *id)
{
	_cleanup_free_ char *p = strdup(cgroups_path && *cgroups_path ? cgroups_path : id);
	_cleanup_free_ char *slashed = NULL;

	if (!p || asprintf(&slashed, "/%s/", p) < 0)
		return NULL;
	/* No ".." may take the path out of the hierarchy, or out of the creator's cgroup. */
	if (strstr(slashed, "/../"))
		return NULL;
	return TAKE_PTR(p);
}

static int write_text(const char *dir, const char *file, const char *text)
{
	return tn_cgroup_write(dir, file, text);
}

static int read_text(const char *dir, const char *file, char **ret)
{
	return tn_cgroup_read(dir, file, ret);
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

void tn_cgroup_dirs_done(struct tn_cgroup_dirs *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i]);
	free(d->v);
	*d = (struct tn_cgroup_dirs){ 0 };
}

static int dirs_add(struct tn_cgroup_dirs *d, const char *dir)
{
	_cleanup_free_ char *copy = strdup(dir);
	char **v;

	if (!copy)
		return -ENOMEM;
	v = reallocarray(d->v, d->n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->v = v;
	d->v[d->n++] = TAKE_PTR(copy);
	return 0;
}

/* mkdir one level (one that exists is fine); a directory made goes into `made`, or is removed
 * again when it cannot be noted there. */
static int make_one(const char *dir, struct tn_cgroup_dirs *made)
{
	int r;

	if (mkdir(dir, 0755) < 0)
		return errno == EEXIST ? 0 : negative_errno();
	r = dirs_add(made, dir);
	if (r < 0) {
		rmdir(dir);
		return r;
	}
	return 0;
}

/*
 * mkdir -p of a hierarchy's `dir` below its mount point; each directory made goes into `made`.
 * With cpuset, each level gets its parent's CPUs.
 */
static int make_dirs(const struct tn_cgroup_hier *e, bool cpuset, struct tn_cgroup_dirs *made)
{
	char dir[4096];
	size_t n = strlen(e->mountpoint);

	if (snprintf(dir, sizeof(dir), "%s", e->dir) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	if (strncmp(dir, e->mountpoint, n) != 0 || dir[n] != '/')
		return -EINVAL;
	for (char *p = dir + n + 1;; p++) {
		bool last = *p == '\0';
		int r;

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		r = make_one(dir, made);
		if (r < 0)
			return r;
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
	return tn_cgroup_set(dir, file, text, err);
}

static int apply_v2_pids_memory(const char *dir, const struct tn_resources *res,
				struct tn_error **err)
{
	int r;

	if (res->has_pids && res->pids_limit != 0) { /* 0: as it is (runc) */
		r = set(dir, "pids.max", res->pids_limit > 0 ? res->pids_limit : -1, true, err);
		if (r < 0)
			return r;
	}
	if (res->has_memory && res->memory_limit != 0) {
		r = set(dir, "memory.max", res->memory_limit, true, err);
		if (r < 0)
			return r;
	}
	if (res->has_swap && res->has_memory && res->memory_swap >= 0 && res->memory_limit >= 0) {
		r = set(dir, "memory.swap.max", res->memory_swap - res->memory_limit, true, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply_v2_cpu_max(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	uint64_t period = res->has_period ? res->cpu_period : UINT64_C(100000);
	char text[64];

	if (res->has_quota && res->cpu_quota > 0)
		snprintf(text, sizeof(text), "%" PRId64 " %" PRIu64, res->cpu_quota, period);
	else
		snprintf(text, sizeof(text), "max %" PRIu64, period);
	return set_text(dir, "cpu.max", text, err);
}

static int apply_v2_cpu(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	int r;

	/* The conversion runc and crun use from shares (2..262144) to weight (1..10000). */
	if (res->has_shares && res->cpu_shares >= 2) {
		r = set(dir, "cpu.weight",
			(int64_t)(1 +
				  ((MIN(res->cpu_shares, UINT64_C(262144)) - 2) * 9999) / 262142),
			false, err);
		if (r < 0)
			return r;
	}
	if ((res->has_quota && res->cpu_quota != 0) || (res->has_period && res->cpu_period != 0)) {
		r = apply_v2_cpu_max(dir, res, err);
		if (r < 0)
			return r;
	}
	if (res->cpus) {
		r = set_text(dir, "cpuset.cpus", res->cpus, err);
		if (r < 0)
			return r;
	}
	if (res->mems) {
		r = set_text(dir, "cpuset.mems", res->mems, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* linux.resources.devices (with runc's defaults, create appended them) in v1's form. */
static int device_list(const struct tn_resources *res, struct tn_device_list *ret,
		       struct tn_error **err)
{
	size_t bad = 0;
	int r = tn_device_list_reduce(res->devices, res->n_devices, ret, &bad);

	if (r == -EINVAL) {
		r = tn_error_set(
			err, EINVAL,
			"linux.resources.devices[%zu]: the rule takes access out of part of "
			"a wildcard rule before it, which the device cgroup cannot do",
			bad);
		return tn_error_hint(err, r,
				     "deny the wildcard rule as a whole, or allow only what is "
				     "wanted");
	}
	return r < 0 ? tn_error_errno(err, -r, "cannot reduce the device rules") : 0;
}

/* v2: what has no v2 form here refused before anything is written; unified after the other
 * limits, so that it wins (as runc). */
static int apply_v2(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	_cleanup_(tn_device_list_done) struct tn_device_list l = { 0 };
	int r = tn_cgroup_refuse_v2(res, err);

	if (r < 0)
		return r;
	r = apply_v2_pids_memory(dir, res, err);
	if (r < 0)
		return r;
	r = apply_v2_cpu(dir, res, err);
	if (r < 0)
		return r;
	r = tn_cgroup_limits_v2(dir, res, err);
	if (r < 0)
		return r;
	if (!res->has_devices)
		return 0;
	r = device_list(res, &l, err);
	if (r < 0)
		return r;
	r = tn_cgroup_devices_v2(dir, &l);
	if (r < 0)
		return tn_error_errno(err, -r, "cgroup %s: cannot attach the device filter", dir);
	return 0;
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

static int ctrl_dir(const struct tn_cgroup_hiers *h, const char *c, char *buf, size_t len)
{
	return tn_cgroup_ctrl_dir(h, c, buf, len);
}

/* The placed directory of a v2 layout's one hierarchy. */
static int v2_dir(const struct tn_cgroup_hiers *h, char *buf, size_t len)
{
	if (h->n == 0 || !h->v[0].dir)
		return -ENOENT;
	return snprintf(buf, len, "%s", h->v[0].dir) >= (int)len ? -ENAMETOOLONG : 0;
}

/* The placed directory in the cgroup2 hierarchy (a hybrid host's too), if it exists: where a
 * rootless container's cgroup is when that tree alone was delegated. */
static int unified_dir(const struct tn_cgroup_hiers *h, char *buf, size_t len)
{
	struct stat st;

	for (size_t i = 0; i < h->n; i++) {
		if (!h->v[i].v2 || !h->v[i].dir)
			continue;
		if (snprintf(buf, len, "%s", h->v[i].dir) >= (int)len)
			return -ENAMETOOLONG;
		return stat(buf, &st) == 0 ? 0 : -ENOENT;
	}
	return -ENOENT;
}

/* v1 devices as runc writes them: everything denied (or allowed), then each exception. */
static int apply_devices_v1(const char *dir, const struct tn_resources *res, struct tn_error **err)
{
	_cleanup_(tn_device_list_done) struct tn_device_list l = { 0 };
	const char *to_default, *to_exception;
	char text[64];
	int r = device_list(res, &l, err);

	if (r < 0)
		return r;
	to_default = l.allow_all ? "devices.allow" : "devices.deny";
	to_exception = l.allow_all ? "devices.deny" : "devices.allow";
	r = set_text(dir, to_default, "a", err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < l.n; i++) {
		device_text(&l.v[i], text, sizeof(text));
		r = set_text(dir, to_exception, text, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* v1: cpuset and devices (unless `devices` is false), then every other limit in the hierarchy
 * of its controller. */
static int apply_v1(const struct tn_cgroup_hiers *h, const char *path,
		    const struct tn_resources *res, bool devices, struct tn_error **err)
{
	char dir[4096];
	const struct {
		bool has;
		const char *ctrl, *file, *text;
	} limits[] = {
		{ res->cpus != NULL, "cpuset", "cpuset.cpus", res->cpus },
		{ res->mems != NULL, "cpuset", "cpuset.mems", res->mems },
		{ devices && res->has_devices, "devices", NULL, NULL },
	};
	int r = tn_cgroup_refuse_unified_v1(res, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
		if (!limits[i].has)
			continue;
		r = ctrl_dir(h, limits[i].ctrl, dir, sizeof(dir));
		if (r < 0)
			return tn_error_errno(err, -r, "cgroup %s: no %s hierarchy for its limits",
					      path, limits[i].ctrl);
		r = limits[i].file ? set_text(dir, limits[i].file, limits[i].text, err)
				   : apply_devices_v1(dir, res, err);
		if (r < 0)
			return r;
	}
	return tn_cgroup_limits_v1(h, path, res, err);
}

static int apply(const struct tn_cgroup_hiers *h, const char *path, const struct tn_resources *res,
		 bool devices_v1, struct tn_error **err)
{
	char dir[4096];

	if (h->layout == TN_CGROUP_V1)
		return apply_v1(h, path, res, devices_v1, err);
	if (h->layout == TN_CGROUP_NONE)
		return tn_error_set(err, ENOENT, "cgroup %s: no cgroup hierarchy is mounted", path);
	if (v2_dir(h, dir, sizeof(dir)) < 0)
		return tn_error_set(err, ENAMETOOLONG, "cgroup %s: the path is too long", path);
	return apply_v2(dir, res, err);
}

int tn_cgroup_apply(const struct tn_cgroup_at *at, const struct tn_resources *res,
		    struct tn_error **err)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	int r = tn_cgroup_hiers_load_at(at, &h);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot read the cgroup hierarchies");
	return apply(&h, at->path, res, true, err);
}

/*
 * Before anything enters a v1 layout's cgroup: its device rules, written one at a time (deny
 * all, then each exception), which a process opening a device in between would trip over; and
 * the limits it refuses, so that they fail before anything runs.
 */
static int make_early(const struct tn_cgroup_hiers *h, const char *path,
		      const struct tn_resources *res, struct tn_error **err)
{
	char dir[4096];
	int r;

	if (h->layout != TN_CGROUP_V1)
		return tn_cgroup_refuse_v2(res, err);
	r = tn_cgroup_refuse_unified_v1(res, err);
	if (r < 0 || !res->has_devices)
		return r;
	r = ctrl_dir(h, "devices", dir, sizeof(dir));
	if (r < 0)
		return tn_error_errno(err, -r, "cgroup %s: no devices hierarchy for its limits",
				      path);
	return apply_devices_v1(dir, res, err);
}

int tn_cgroup_placed_apply(const struct tn_cgroup_placed *pl, const struct tn_resources *res,
			   struct tn_error **err)
{
	return pl->used ? apply(&pl->h, pl->path, res, false, err) : 0;
}

/* v2: every controller the parent has, enabled down to the container's parent (as runc). */
static void enable_controllers(const struct tn_cgroup_hiers *h)
{
	char dir[4096];
	size_t n = strlen(ROOT);

	if (v2_dir(h, dir, sizeof(dir)) < 0 || strncmp(dir, ROOT "/", n + 1) != 0)
		return;
	for (char *p = dir + n;; p++) {
		char saved = *p;
		_cleanup_free_ char *avail = NULL;

		if (*p != '/' && *p != '\0')
			continue;
		if (*p == '\0')
			return; /* the leaf itself keeps its processes: no subtree_control */
		*p = '\0';
		if (read_text(p == dir + n ? ROOT : dir, "cgroup.controllers", &avail) == 0)
			for (const char *c = avail; *c;) {
				size_t len = strcspn(c, " \n");
				char add[64];

				if (len > 0 && len < sizeof(add) - 1) {
					snprintf(add, sizeof(add), "+%.*s", (int)len, c);
					write_text(p == dir + n ? ROOT : dir,
						   "cgroup.subtree_control", add);
				}
				c += len + (c[len] != '\0');
			}
		*p = saved;
	}
}

/* The PIDs in `path`: cgroup.procs of the pids hierarchy (v1), or of the first that has it. */
/* cgroup.procs of the pids hierarchy, else (none, or no cgroup there: a rootless one made only
 * in a hybrid host's cgroup2 tree) of cgroup2. */
static int procs_text(const struct tn_cgroup_hiers *h, char **ret)
{
	char dir[4096];
	int r = ctrl_dir(h, "pids", dir, sizeof(dir));

	if (r < 0 && r != -ENOENT)
		return r;
	r = r < 0 ? r : tn_cgroup_read_procs(dir, ret); /* the pids hierarchy's list */
	if (r != -ENOENT)
		return r;
	r = unified_dir(h, dir, sizeof(dir));
	if (r < 0)
		return r;
	return tn_cgroup_read_procs(dir, ret);
}

static int procs(const struct tn_cgroup_hiers *h, pid_t **ret, size_t *ret_n)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ pid_t *v = NULL;
	size_t n = 0;
	int r = procs_text(h, &text);

	if (r < 0)
		return r;
	for (char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		uint32_t pid;

		if (len && tn_parse_u32_n(line, len, &pid) == 0) {
			pid_t *nv = reallocarray(v, n + 1, sizeof(*v));

			if (!nv)
				return -ENOMEM;
			v = nv;
			v[n++] = (pid_t)pid;
		}
		line += len + (line[len] == '\n');
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

int tn_cgroup_pids(const struct tn_cgroup_at *at, pid_t **ret, size_t *ret_n)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	int r = tn_cgroup_hiers_load_at(at, &h);

	if (r < 0)
		return r;
	return procs(&h, ret, ret_n);
}

/* How many processes run in a cgroup linux.cgroupsPath names already (runc 1.1 warns, and
 * shares it). */
static size_t count_procs(const struct tn_cgroup_hiers *h)
{
	_cleanup_free_ pid_t *busy = NULL;
	size_t n = 0;

	return procs(h, &busy, &n) < 0 ? 0 : n;
}

/* A cgroup given by linux.cgroupsPath may exist: not frozen, or the container would hang in
 * it (runc refuses too). */
static int check_thawed(const struct tn_cgroup_hiers *h, const char *path, struct tn_error **err)
{
	_cleanup_free_ char *state = NULL;
	char dir[4096];
	int r;

	if (h->layout == TN_CGROUP_V2) {
		if (v2_dir(h, dir, sizeof(dir)) < 0 ||
		    read_text(dir, "cgroup.freeze", &state) < 0 || state[0] != '1')
			return 0;
	} else if (ctrl_dir(h, "freezer", dir, sizeof(dir)) < 0 ||
		   read_text(dir, "freezer.state", &state) < 0 ||
		   strncmp(state, "THAWED", 6) == 0) {
		return 0;
	}
	r = tn_error_set(err, EBUSY, "container's cgroup unexpectedly frozen: %s", path);
	return tn_error_hint(err, r, "thaw it (%s/%s), or give another linux.cgroupsPath", dir,
			     h->layout == TN_CGROUP_V2 ? "cgroup.freeze: 0"
						       : "freezer.state: THAWED");
}

/* Every directory first, so a caller without a delegated cgroup finds out before a move. */
static bool denied(int r)
{
	return r == -EACCES || r == -EPERM || r == -EROFS;
}

/*
 * The cgroup in every hierarchy. Rootless, a hierarchy where the caller may not make it is
 * left out of *h (as runc's rootless manager skips such a subsystem): on a hybrid host a
 * cgroup delegated in the cgroup2 tree alone is used. -EACCES when it may make none.
 */
static int make_all(struct tn_cgroup_hiers *h, bool rootless, struct tn_cgroup_dirs *made)
{
	size_t kept = 0;

	for (size_t i = 0; i < h->n; i++) {
		bool cpuset = tn_cgroup_hier_has(&h->v[i], "cpuset");
		int r = make_dirs(&h->v[i], cpuset, made);

		/* A parent removed by a delete running alongside: again. */
		for (int k = 0; k < 3 && r == -ENOENT; k++)
			r = make_dirs(&h->v[i], cpuset, made);
		if (r < 0 && !(rootless && denied(r)))
			return r;
		if (r < 0) {
			tn_cgroup_hier_done(&h->v[i]);
			continue;
		}
		h->v[kept++] = h->v[i];
	}
	h->n = kept;
	if (kept == 0)
		return -EACCES;
	if (h->layout == TN_CGROUP_V2)
		enable_controllers(h);
	return 0;
}

/* The cgroups below the one open at `fd`, the deepest first: what a container with a delegated
 * cgroup made in it (systemd's init.scope...). cgroupfs has no symlinks; the depth is bounded
 * all the same. Emptied of processes first, by the caller. */
static void remove_children(int fd, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *e;
	int dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (dup < 0)
		return;
	d = fdopendir(dup);
	if (!d) {
		close(dup); /* fdopendir failed: the dup is not d's */
		return;
	}
	while ((e = readdir(d))) {
		_cleanup_close_ int sub = -1;

		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue;
		if (depth < 32)
			remove_children(sub, depth + 1);
		(void)unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
	}
}

/* Only a cgroup directory under /sys/fs/cgroup is ever removed, whatever a record says; with
 * the cgroups made below it, as runc removes them. */
static int remove_dir(const char *dir)
{
	_cleanup_close_ int fd = -1;
	struct statfs fs;

	if (strncmp(dir, ROOT "/", strlen(ROOT) + 1) != 0 || strstr(dir, "/../") ||
	    statfs(dir, &fs) < 0 ||
	    (fs.f_type != CGROUP_SUPER_MAGIC && fs.f_type != CGROUP2_SUPER_MAGIC))
		return -ENOENT;
	if (rmdir(dir) == 0)
		return 0;
	if (errno != EBUSY && errno != ENOTEMPTY)
		return negative_errno();
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	remove_children(fd, 0);
	return rmdir(dir) < 0 ? negative_errno() : 0;
}

/* Undo make_all back to made->n == from (the directories are empty: nothing moved yet). */
static void unmake(struct tn_cgroup_dirs *made, size_t from)
{
	while (made->n > from) {
		remove_dir(made->v[made->n - 1]);
		free(made->v[--made->n]);
	}
}

/* Without a cgroup, a limit cannot hold: refused, as runc does (device rules aside). */
static int refuse_limits(const char *path, const struct tn_resources *res, struct tn_error **err)
{
	const char *what = tn_cgroup_limit_given(res);
	int r;

	if (!what)
		return 0;
	/* runc's words first ("cannot set pids limit: ..."): engines and their users know them */
	r = tn_error_set(err, EPERM,
			 "cannot set %s limit: container could not join or create cgroup (%s: UID "
			 "%u may not create cgroup %s, none is delegated to it)",
			 strncmp(what, "linux.resources.", 16) == 0 ? what + 16 : what, what,
			 (unsigned)geteuid(), path);
	return tn_error_hint(err, r,
			     "leave the limits out, or delegate a cgroup to the user and give it "
			     "as linux.cgroupsPath");
}

int tn_cgroup_make(const struct tn_cgroup_at *at, const struct tn_resources *res, bool rootless,
		   struct tn_cgroup_dirs *made, struct tn_cgroup_placed *ret, size_t *ret_busy,
		   struct tn_error **err)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	_cleanup_free_ char *first = NULL;
	const char *path = at->path;
	size_t before = made->n;
	int r = tn_cgroup_hiers_load_at(at, &h);

	*ret = (struct tn_cgroup_placed){ .path = path };
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read the cgroup hierarchies");
	if (h.layout == TN_CGROUP_NONE)
		return 0;
	*ret_busy = count_procs(&h);
	r = check_thawed(&h, path, err);
	if (r < 0)
		return r;
	/* The first directory, named if it cannot be made (make_all drops what it cannot make). */
	first = h.n > 0 && h.v[0].dir ? strdup(h.v[0].dir) : NULL;
	r = make_all(&h, rootless, made);
	if (r < 0 && rootless && denied(r)) {
		unmake(made, before);
		return refuse_limits(first ? first : path, res,
				     err); /* no delegated cgroup: none */
	}
	if (r < 0) { /* runc's words, and Go's lower case */
		char why[128];

		tn_strerror_lower(-r, why, sizeof(why));
		return tn_error_set(err, -r,
				    "unable to apply cgroup configuration: cannot create cgroup %s "
				    "(%s): %s",
				    path, tn_cgroup_layout_name(h.layout), why);
	}
	/* The rest of the limits once init exists (tn_cgroup_placed_apply), as runc sets them. */
	r = make_early(&h, path, res, err);
	if (r < 0)
		return r;
	ret->h = TAKE_STRUCT(h);
	ret->used = true;
	return 0;
}

bool tn_cgroup_frozen_dir(const char *dir)
{
	_cleanup_free_ char *events = NULL;

	return tn_cgroup_read(dir, "cgroup.events", &events) == 0 && strstr(events, "frozen 1");
}

int tn_cgroup_hiers_open_v2(const struct tn_cgroup_hiers *h, bool unless_frozen)
{
	for (size_t i = 0; i < h->n; i++) {
		int fd;

		if (!h->v[i].v2 || !h->v[i].dir)
			continue;
		if (unless_frozen && tn_cgroup_frozen_dir(h->v[i].dir))
			return -EBUSY;
		fd = open(h->v[i].dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return fd < 0 ? negative_errno() : fd;
	}
	return -ENOENT;
}

int tn_cgroup_open_v2(const struct tn_cgroup_placed *pl)
{
	return pl->used ? tn_cgroup_hiers_open_v2(&pl->h, false) : -ENOENT;
}

int tn_cgroup_join(const struct tn_cgroup_placed *pl, pid_t pid, bool but_v2, struct tn_error **err)
{
	char text[32];

	snprintf(text, sizeof(text), "%d", (int)pid);
	for (size_t i = 0; pl->used && i < pl->h.n; i++) {
		int r;

		if (but_v2 && pl->h.v[i].v2)
			continue; /* cloned into it (tn_fork_into_cgroup) */
		r = write_text(pl->h.v[i].dir, "cgroup.procs", text);
		if (r < 0)
			return tn_error_errno(err, -r, "cannot put the container in cgroup %s (%s)",
					      pl->path, tn_cgroup_layout_name(pl->h.layout));
	}
	return 0;
}

void tn_cgroup_placed_done(struct tn_cgroup_placed *pl)
{
	tn_cgroup_hiers_done(&pl->h);
	*pl = (struct tn_cgroup_placed){ 0 };
}

int tn_cgroup_enter(const struct tn_cgroup_at *at, pid_t pid, const struct tn_resources *res,
		    bool rootless, struct tn_cgroup_dirs *made, bool *ret_used, size_t *ret_busy,
		    struct tn_error **err)
{
	_cleanup_(tn_cgroup_placed_done) struct tn_cgroup_placed pl = { 0 };
	int r = tn_cgroup_make(at, res, rootless, made, &pl, ret_busy, err);

	if (r < 0 || !pl.used)
		return r;
	r = tn_cgroup_placed_apply(&pl, res, err);
	if (r < 0)
		return r;
	r = tn_cgroup_join(&pl, pid, false, err);
	if (r < 0)
		return r;
	*ret_used = true;
	return 0;
}

int tn_cgroup_remove(const struct tn_cgroup_at *at, const struct tn_cgroup_dirs *made)
{
	const char *path = at->path;
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	char dir[4096];
	int r = 0;

	/* Cleanup goes on past a failure: every directory is tried, the first error returned. */
	for (size_t i = made ? made->n : 0; i > 0; i--) {
		int k = remove_dir(made->v[i - 1]);

		if (k < 0 && k != -ENOENT && r == 0) /* not a chain: the first error wins */
			r = k;
	}
	if (tn_cgroup_hiers_load_at(at, &h) < 0)
		return r;
	for (size_t i = 0; i < h.n; i++) {
		if (!made)
			remove_dir(h.v[i].dir);
		/* The parent of tenant's default paths before they were relative (a state of then),
		 * made by whichever container came first. */
		if (strncmp(path, "/tenant/", 8) == 0 && !strchr(path + 8, '/')) {
			snprintf(dir, sizeof(dir), "%s/tenant", h.v[i].mountpoint);
			remove_dir(dir);
		}
	}
	return r;
}

/* The directory with the freezer: cgroup v2's own, or the v1 freezer hierarchy's. */
static int freezer_dir_of(const struct tn_cgroup_hiers *h, char *buf, size_t len, bool *ret_v2)
{
	struct stat st;
	int r;

	*ret_v2 = h->layout == TN_CGROUP_V2;
	if (h->layout == TN_CGROUP_V2)
		return v2_dir(h, buf, len);
	r = ctrl_dir(h, "freezer", buf, len);
	if (r < 0 && r != -ENOENT)
		return r;
	/* No freezer cgroup: a rootless one in the hybrid's cgroup2 tree alone has its own. */
	if (r == -ENOENT || stat(buf, &st) < 0) {
		*ret_v2 = unified_dir(h, buf, len) == 0;
		return *ret_v2 ? 0 : -ENOENT;
	}
	return 0;
}

static int freezer_dir(const struct tn_cgroup_at *at, char *buf, size_t len, bool *ret_v2)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	int r = tn_cgroup_hiers_load_at(at, &h);

	if (r < 0)
		return r;
	return freezer_dir_of(&h, buf, len, ret_v2);
}

/* Whether the cgroup of `h` is frozen (paused, or being). */
static bool frozen_in(const struct tn_cgroup_hiers *h)
{
	_cleanup_free_ char *v = NULL;
	char dir[4096];
	bool v2 = false;

	if (freezer_dir_of(h, dir, sizeof(dir), &v2) < 0)
		return false;
	if (v2)
		return read_text(dir, "cgroup.freeze", &v) == 0 && v[0] == '1';
	return read_text(dir, "freezer.state", &v) == 0 && strncmp(v, "FROZEN", 6) == 0;
}

int tn_cgroup_freeze(const struct tn_cgroup_at *at, bool freeze, struct tn_error **err)
{
	const char *path = at->path;
	char dir[4096];
	bool v2 = false;
	int r = freezer_dir(at, dir, sizeof(dir), &v2);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot %s cgroup %s", freeze ? "freeze" : "thaw",
				      path);
	if (v2)
		r = write_text(dir, "cgroup.freeze", freeze ? "1" : "0");
	else
		r = write_text(dir, "freezer.state", freeze ? "FROZEN" : "THAWED");
	if (r < 0)
		return tn_error_errno(err, -r, "cannot %s cgroup %s", freeze ? "freeze" : "thaw",
				      path);
	return 0;
}

bool tn_cgroup_frozen(const struct tn_cgroup_at *at)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };

	return tn_cgroup_hiers_load_at(at, &h) == 0 && frozen_in(&h);
}

int tn_cgroup_wait_out(const struct tn_cgroup_at *at, pid_t pid, size_t *ret_others)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	int r = tn_cgroup_hiers_load_at(at, &h);

	*ret_others = 0;
	if (r < 0)
		return r;
	for (int i = 0; i < 500; i++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0, listed = 0;

		r = procs(&h, &pids, &n);
		if (r < 0)
			return r == -ENOENT ? 0 : r;
		for (size_t k = 0; k < n; k++)
			listed += pids[k] == pid;
		*ret_others = n - listed;
		if (listed == 0)
			return 0;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return -EBUSY;
}

int tn_cgroup_kill(const struct tn_cgroup_at *at)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	int r = tn_cgroup_hiers_load_at(at, &h); /* once: the mounts do not move meanwhile */

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (frozen_in(&h))
		tn_cgroup_freeze(at, false, NULL);
	for (int i = 0; i < 500; i++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0, others = 0;

		r = procs(&h, &pids, &n);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		for (size_t k = 0; k < n; k++) {
			if (pids[k] <= 0 || pids[k] == getpid())
				continue;
			others++;
			kill(pids[k], SIGKILL);
			(void)waitpid(pids[k], NULL, WNOHANG); /* when it is tenant's own child */
		}
		if (others == 0)
			return 0;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return -EBUSY;
}

void tn_resources_update_subset(struct tn_resources *r)
{
	struct tn_resources kept = {
		.has_pids = r->has_pids,
		.pids_limit = r->pids_limit,
		.has_memory = r->has_memory,
		.memory_limit = r->memory_limit,
		.has_swap = r->has_swap,
		.memory_swap = r->memory_swap,
		.has_reservation = r->has_reservation,
		.memory_reservation = r->memory_reservation,
		.has_shares = r->has_shares,
		.cpu_shares = r->cpu_shares,
		.has_quota = r->has_quota,
		.cpu_quota = r->cpu_quota,
		.has_period = r->has_period,
		.cpu_period = r->cpu_period,
		.cpu_rt_runtime = r->cpu_rt_runtime,
		.cpu_rt_period = r->cpu_rt_period,
		.cpus = TAKE_PTR(r->cpus),
		.mems = TAKE_PTR(r->mems),
		.blkio_weight = r->blkio_weight,
		.unified = TAKE_PTR(r->unified),
		.n_unified = r->n_unified,
	};

	r->n_unified = 0;
	tn_resources_done(r);
	*r = kept;
}

void tn_resources_done(struct tn_resources *r)
{
	for (size_t i = 0; i < r->n_hugepages; i++)
		free(r->hugepages[i].page_size);
	free(r->hugepages);
	for (size_t i = 0; i < r->n_net_priorities; i++)
		free(r->net_priorities[i].name);
	free(r->net_priorities);
	for (size_t i = 0; r->rdma && r->rdma[i].device; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	for (size_t i = 0; i < _TN_THROTTLE_MAX; i++)
		free(r->throttle[i]);
	free(r->weight_devices);
	for (size_t i = 0; r->unified && r->unified[i]; i++)
		free(r->unified[i]);
	free(r->unified);
	free(r->devices);
	free(r->cpus);
	free(r->mems);
	*r = (struct tn_resources){ 0 };
}
