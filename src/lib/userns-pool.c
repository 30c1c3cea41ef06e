/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of per-container ID ranges (userns-pool.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/file.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <signal.h>
#include <time.h>

#include "fs.h"
#include "idrange.h"
#include "json-parse.h"
#include "json-writer.h"
#include "logindefs.h"
#include "proc-stat.h"
#include "rootless.h"
#include "subid-edit.h"
#include "userns-pool.h"
#include "private-dir.h"
#include "proc-ids.h"
#include "banned.h"

struct entry {
	char *root, *id;
	uint32_t uid, gid, size;
	pid_t pid; /* the allocating tenant (pending) or the container's init (committed) */
	uint64_t pid_start;
	uint64_t userns; /* the inode of the container's user namespace (committed), or 0 */
	bool committed;
};

struct registry {
	struct entry *v;
	size_t n;
	int lock_fd;
	char *path;
	bool recovered; /* it was damaged: rebuilt from the user namespaces that run */
};

char *tn_pool_registry_path(void)
{
	return tn_storage_path("userns.json");
}

static void entry_free(struct entry *e)
{
	free(e->root);
	free(e->id);
}

static void lists_done(struct tn_subid_list (*l)[2])
{
	tn_subid_list_done(&(*l)[0]);
	tn_subid_list_done(&(*l)[1]);
}

/* Frees the entries and releases the lock; accepts an empty registry ({ .lock_fd = -1 }). */
static void registry_done(struct registry *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].root);
		free(g->v[i].id);
	}
	free(g->v);
	closep(&g->lock_fd); /* releases the lock */
	free(g->path);
	*g = (struct registry){ .lock_fd = -1 };
}

static uint64_t get_u64(const struct tn_json_value *o, const char *k)
{
	const struct tn_json_value *v = tn_json_get(o, k);

	return v && v->type == TN_JSON_NUMBER && v->number.integer && !v->number.negative
		       ? v->number.u
		       : UINT64_MAX;
}

static int parse_entry(const struct tn_json_value *o, struct entry *e)
{
	const struct tn_json_value *root = tn_json_get(o, "root"), *id = tn_json_get(o, "id"),
				   *c = tn_json_get(o, "committed");
	uint64_t uid = get_u64(o, "uid"), gid = get_u64(o, "gid"), size = get_u64(o, "size"),
		 pid = get_u64(o, "pid"), start = get_u64(o, "pidStart");
	_cleanup_free_ char *root_copy = NULL, *id_copy = NULL;

	if (!root || root->type != TN_JSON_STRING || !id || id->type != TN_JSON_STRING ||
	    uid > TN_ID_MAX || gid > TN_ID_MAX || size == 0 || size > TN_ID_MAX ||
	    tn_idrange_check(uid, size) < 0 || tn_idrange_check(gid, size) < 0 || pid > INT32_MAX ||
	    start == UINT64_MAX)
		return -EINVAL;
	root_copy = strdup(root->string.s);
	id_copy = strdup(id->string.s);
	if (!root_copy || !id_copy)
		return -ENOMEM;
	*e = (struct entry){ .root = TAKE_PTR(root_copy),
			     .id = TAKE_PTR(id_copy),
			     .uid = (uint32_t)uid,
			     .gid = (uint32_t)gid,
			     .size = (uint32_t)size,
			     .pid = (pid_t)pid,
			     .pid_start = start,
			     .userns =
				     get_u64(o, "userns") == UINT64_MAX ? 0 : get_u64(o, "userns"),
			     .committed = c && c->type == TN_JSON_BOOL && c->boolean };
	return 0;
}

static int parse_registry(const char *text, size_t len, struct registry *g)
{
	_cleanup_(tn_json_value_freep) struct tn_json_value *v = NULL;
	const struct tn_json_value *a;
	int r = tn_json_parse(text, len, &v, NULL);

	if (r < 0)
		return -EINVAL;
	a = tn_json_get(v, "allocations");
	if (!a || a->type != TN_JSON_ARRAY)
		return -EINVAL;
	g->v = calloc(a->array.n + 1, sizeof(*g->v));
	if (!g->v)
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		r = parse_entry(a->array.v[i], &g->v[i]);
		if (r < 0)
			return r;
		g->n++;
	}
	return 0;
}

static int registry_save(struct registry *g, struct tn_error **err);

/* One entry per user namespace that runs (but tenant's own): its maps' host IDs, held by one of
 * its processes, so that reclaim frees them only when nothing runs in them. */
/* The lowest and the end of the host IDs the maps of a process's user namespace use; false when
 * they cannot be read or map nothing. */
static bool userns_bounds(int dirfd, uint64_t lo[2], uint64_t hi[2])
{
	_cleanup_(tn_idmaps_done) struct tn_idmap m[2] = { 0 };

	if (tn_proc_userns_maps(dirfd, m) < 0)
		return false;
	for (int k = 0; k < 2; k++) {
		lo[k] = UINT64_MAX;
		hi[k] = 0;
		for (size_t i = 0; i < m[k].n; i++) {
			lo[k] = MIN(lo[k], (uint64_t)m[k].v[i].outside);
			hi[k] = MAX(hi[k], (uint64_t)m[k].v[i].outside + m[k].v[i].count);
		}
	}
	return lo[0] < hi[0] && lo[1] < hi[1];
}

static int add_userns(const struct tn_proc_info *p, void *data)
{
	_cleanup_free_ char *root_copy = NULL, *id_copy = NULL;
	struct registry *g = data;
	uint64_t lo[2], hi[2];
	struct entry *nv;
	char id[64];

	if (p->own_userns)
		return 0;
	snprintf(id, sizeof(id), "recovered-%" PRIu64, p->userns);
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].id, id) == 0)
			return 0; /* one of its processes was seen */
	if (!userns_bounds(p->dirfd, lo, hi))
		return 0;
	nv = reallocarray(g->v, g->n + 1, sizeof(*g->v));
	if (!nv)
		return -ENOMEM;
	g->v = nv;
	root_copy = strdup("");
	id_copy = strdup(id);
	if (!root_copy || !id_copy)
		return -ENOMEM;
	g->v[g->n++] = (struct entry){
		.root = TAKE_PTR(root_copy),
		.id = TAKE_PTR(id_copy),
		.uid = (uint32_t)lo[0],
		.gid = (uint32_t)lo[1],
		.size = (uint32_t)MIN(MAX(hi[0] - lo[0], hi[1] - lo[1]),
				      (uint64_t)TN_ID_MAX + 1 - MAX(lo[0], lo[1])),
		.pid = p->pid,
		.pid_start = tn_proc_start_time(p->pid),
		.committed = true,
	};
	return 0;
}

/*
 * A damaged registry (it is tenant's alone, so a crash or a full disk, not an attack) is kept
 * as FILE.damaged, and a new one is built from what runs: every user namespace on the host holds
 * its host IDs until nothing runs in it. Starting empty instead would hand out ranges that
 * running containers still use.
 */
static int recover(struct registry *g, struct tn_error **err)
{
	_cleanup_free_ char *aside = NULL;
	int r;

	for (size_t i = 0; i < g->n; i++)
		entry_free(&g->v[i]);
	g->n = 0;
	if (asprintf(&aside, "%s.damaged", g->path) < 0)
		return -ENOMEM;
	if (rename(g->path, aside) < 0)
		return tn_error_errno(err, errno, "%s is damaged, and cannot be moved to %s",
				      g->path, aside);
	r = tn_proc_scan(add_userns, g);
	if (r < 0)
		return tn_error_errno(
			err, -r,
			"%s was damaged (kept as %s), and the ranges in use cannot be "
			"read from /proc",
			g->path, aside);
	g->recovered = true;
	return registry_save(g, err);
}

/* Make the registry's private directory and take the lock file in it; *ret_fd holds the lock. */
static int registry_lock(const char *path, int *ret_fd, struct tn_error **err)
{
	_cleanup_free_ char *dir = tn_path_dirname(path), *lock = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	if (!dir || asprintf(&lock, "%s/userns.lock", dir) < 0)
		return -ENOMEM;
	r = tn_private_dir_open(dir, "registry directory", TN_PRIVATE_CREATE, NULL, err);
	if (r < 0)
		return r;
	fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return tn_error_errno(err, errno, "cannot lock %s", lock);
	if (RETRY_EINTR(flock(fd, LOCK_EX)) < 0)
		return tn_error_errno(err, errno, "cannot lock %s", lock);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Lock, then read (a missing registry is an empty one). g is the caller's to registry_done(),
 * also on failure. */
static int registry_open(struct registry *g, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	*g = (struct registry){ .lock_fd = -1, .path = tn_pool_registry_path() };
	if (!g->path)
		return -ENOMEM;
	r = registry_lock(g->path, &g->lock_fd, err);
	if (r < 0)
		return r;
	r = tn_read_file(g->path, 64 * 1024 * 1024, &text, &len, NULL);
	if (r == -ENOENT)
		return 0;
	if (r == -EINVAL)
		return recover(g, err);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", g->path);
	r = parse_registry(text, len, g);
	if (r == -EINVAL)
		return recover(g, err);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", g->path);
	return 0;
}

static void registry_format(const struct registry *g, struct tn_json *j)
{
	tn_json_begin_object(j);
	tn_json_kv_u64(j, "version", 1);
	tn_json_key(j, "allocations");
	tn_json_begin_array(j);
	for (size_t i = 0; i < g->n; i++) {
		const struct entry *e = &g->v[i];

		tn_json_begin_object(j);
		tn_json_kv_string(j, "root", e->root);
		tn_json_kv_string(j, "id", e->id);
		tn_json_kv_u64(j, "uid", e->uid);
		tn_json_kv_u64(j, "gid", e->gid);
		tn_json_kv_u64(j, "size", e->size);
		tn_json_kv_u64(j, "pid", (uint64_t)e->pid);
		tn_json_kv_u64(j, "pidStart", e->pid_start);
		if (e->userns)
			tn_json_kv_u64(j, "userns", e->userns);
		tn_json_kv_bool(j, "committed", e->committed);
		tn_json_end_object(j);
	}
	tn_json_end_array(j);
	tn_json_end_object(j);
}

static int registry_save(struct registry *g, struct tn_error **err)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	struct tn_json j;
	int r;

	tn_json_init(&j, &b, true);
	registry_format(g, &j);
	r = tn_json_finish(&j);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot write %s", g->path);
	/* Not fsync'ed (two per save, twice per create, under the lock that serialises creates):
	 * after a crash of the machine nothing it records runs any more, and a registry torn by one
	 * is rebuilt from what runs (recover). */
	r = tn_volatile_replace(g->path, b.data, b.len, 0600, geteuid(), getegid());
	if (r < 0)
		return tn_error_errno(err, -r, "cannot write %s", g->path);
	return 0;
}

static void sets_done(struct tn_idset (*set)[2])
{
	tn_idset_free(&(*set)[0]);
	tn_idset_free(&(*set)[1]);
}

/* The entry's block as ID sets (normalized). */
static int block_sets(const struct entry *e, struct tn_idset set[2])
{
	int r = tn_idset_add(&set[0], e->uid, e->size);

	if (r < 0)
		return r;
	r = tn_idset_add(&set[1], e->gid, e->size);
	if (r < 0)
		return r;
	tn_idset_normalize(&set[0]);
	tn_idset_normalize(&set[1]);
	return 0;
}

/* The processes on the host that run with an ID of the entry's range (proc-ids.h). */
static int range_users(const struct entry *e, pid_t **ret, size_t *ret_n)
{
	_cleanup_(sets_done) struct tn_idset set[2] = { 0 };
	int r = block_sets(e, set);

	if (r < 0)
		return r;
	return tn_proc_ids_users(&set[0], &set[1], ret, ret_n);
}

static bool range_in_use(const struct entry *e)
{
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	/* When /proc cannot be read, keep the range: better lost than shared. */
	return range_users(e, &pids, &n) < 0 || n > 0;
}

/*
 * Drop entries whose range nobody uses any more: the recorded process (the allocating tenant,
 * then the container's init) is gone, and no process on the host runs with an ID of the range.
 * A container whose init ended without `delete` may keep processes (no PID namespace, a
 * background child): its range stays taken until they are gone too.
 */
static void reclaim(struct registry *g)
{
	size_t k = 0;

	for (size_t i = 0; i < g->n; i++) {
		struct entry *e = &g->v[i];
		uint64_t t = e->pid > 0 ? tn_proc_start_time(e->pid) : 0;

		if ((t != 0 && t == e->pid_start) || range_in_use(e)) {
			g->v[k++] = *e;
			continue;
		}
		entry_free(e);
	}
	g->n = k;
}

static struct entry *find(struct registry *g, const char *root, const char *id)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].root, root) == 0 && strcmp(g->v[i].id, id) == 0)
			return &g->v[i];
	return NULL;
}

/* The lowest aligned block of `size` in the pool's ranges, clear of every allocation. */
static int pick(const struct tn_subid_list *pool, const struct registry *g, bool gid, uint32_t size,
		uint64_t align, uint32_t *ret)
{
	_cleanup_(tn_idset_free) struct tn_idset used = { 0 };
	int r;

	for (size_t i = 0; i < g->n; i++) {
		r = tn_idset_add(&used, gid ? g->v[i].gid : g->v[i].uid, g->v[i].size);
		if (r < 0)
			return r;
	}
	tn_idset_normalize(&used);
	for (size_t i = 0; i < pool->n; i++) {
		struct tn_idrange p = pool->v[i].range;
		uint64_t min = ((uint64_t)p.start + align - 1) / align * align;

		if (min >= tn_idrange_end(p))
			continue;
		/* find_free's max is inclusive, and never ID 4294967295 (Kubernetes 139916). */
		r = tn_idset_find_free(&used, min, MIN(tn_idrange_last(p), (uint64_t)TN_ID_MAX),
				       size, align, ret);
		if (r != -ENOSPC)
			return r; /* found, or failed otherwise */
	}
	return -ENOSPC;
}

/* The ranges of `owner` (a name, with or without an account), or the caller's rootless. */
static int load_owner(const struct tn_subid_source *src, enum tn_subid_db db, const char *owner,
		      struct tn_subid_list *ret, struct tn_error **err)
{
	_cleanup_(tn_user_done) struct tn_user u = { 0 };
	int r;

	if (!owner) {
		r = tn_user_from_uid(getuid(), &u);
		if (r < 0)
			return r;
	} else {
		u = (struct tn_user){ .uid = TN_ID_INVALID, .name = strdup(owner) };
		if (!u.name)
			return -ENOMEM;
	}
	return tn_subid_list_user(src, db, &u, ret, err);
}

static int load_pool(const struct tn_subid_source *src, enum tn_subid_db db, bool rootless,
		     struct tn_subid_list *ret, struct tn_error **err)
{
	return load_owner(src, db, rootless ? NULL : TN_POOL_OWNER, ret, err);
}

/* Give `owner` `count` IDs in both files (the lowest free ones). */
static int add_owner(const struct tn_subid_source *src, const char *owner, uint64_t count,
		     struct tn_error **err)
{
	struct tn_user u = { .uid = TN_ID_INVALID, .name = (char *)owner };
	struct tn_subid_add_request req = {
		.user = &u, .owner = owner, .have_count = true, .count = count
	};
	_cleanup_(tn_subid_edit_result_done) struct tn_subid_edit_result res = { 0 };

	return tn_subid_add(src, &req, TN_LOGIN_DEFS_PATH, &res, err);
}

/* As root, without ranges for "tenant" yet: give it TN_POOL_ROOT_COUNT IDs in both files. */
static int add_root_pool(const struct tn_subid_source *src, struct tn_error **err)
{
	return add_owner(src, TN_POOL_OWNER, TN_POOL_ROOT_COUNT, err);
}

/* The ranges as extents from container ID 0 up, in file order. */
static void to_extents(const struct tn_subid_list *l, struct tn_idmap_extent *v, size_t *n)
{
	uint64_t inside = 0;

	*n = 0;
	for (size_t i = 0; i < l->n && inside <= TN_ID_MAX; i++) {
		uint64_t count =
			MIN((uint64_t)l->v[i].range.count, (uint64_t)TN_ID_MAX + 1 - inside);

		v[(*n)++] = (struct tn_idmap_extent){ (uint32_t)inside, l->v[i].range.start,
						      (uint32_t)count };
		inside += count;
	}
}

static int load_both(const struct tn_subid_source *src, const char *owner,
		     struct tn_subid_list l[2], struct tn_error **err)
{
	int r = load_owner(src, TN_SUBUID, owner, &l[0], err);

	if (r < 0)
		return r;
	return load_owner(src, TN_SUBGID, owner, &l[1], err);
}

/* A system account for the remap user, as Docker makes dockremap: no home, no login. */
static int add_account(const char *name, struct tn_error **err)
{
	int r;

	_cleanup_free_ char *useradd = tn_path_search(TN_DEFAULT_PATH, "useradd", X_OK);
	int status;
	pid_t pid;

	if (!useradd)
		return tn_error_set(err, ENOENT,
				    "cannot create the remap user %s: useradd is not installed",
				    name);
	pid = fork();
	if (pid < 0)
		return tn_error_errno(err, errno, "cannot fork");
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
		}
		execl(useradd, "useradd", "--system", "--no-create-home", "--shell",
		      "/usr/sbin/nologin", "--user-group", "--comment", "tenant --userns remap",
		      "--", name, (char *)NULL);
		_exit(127);
	}
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		r = tn_error_set(err, EIO, "cannot create the remap user %s: useradd failed", name);
		return tn_error_hint(err, r,
				     "create it by hand (useradd --system %s), or name "
				     "another in remap-user of " TN_TENANT_CONF,
				     name);
	}
	return 0;
}

/*
 * As root, /etc/subuid and /etc/subgid say whose host IDs every pooled or remapped container
 * gets: they must be root's, and nobody else's to write (tenant.conf the same).
 */
static int check_subid_files(const struct tn_subid_source *src, struct tn_error **err)
{
	for (int k = 0; k < 2; k++) {
		_cleanup_close_ int fd = -1;
		int r;

		if (tn_rootless() || !src->path[k])
			continue;
		r = tn_trusted_file_open(src->path[k], &fd, err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

/* The remap user has no ranges yet: make its account when there is none, give it
 * TN_POOL_DEFAULT_SIZE IDs in both files, and load them into l. */
static int add_remap_owner(const struct tn_subid_source *src, const char *owner,
			   struct tn_subid_list l[2], struct tn_remap_added *ret_added,
			   struct tn_error **err)
{
	int r;

	if (!getpwnam(owner)) {
		r = add_account(owner, err);
		if (r < 0)
			return r;
		ret_added->account = true;
	}
	r = add_owner(src, owner, TN_POOL_DEFAULT_SIZE, err);
	if (r < 0)
		return r;
	r = load_both(src, owner, l, err);
	if (r < 0)
		return r;
	ret_added->ranges = true;
	return 0;
}

int tn_pool_remap(const struct tn_subid_source *src, const char *owner,
		  struct tn_idmap_extent **ret_uid, size_t *n_uid, struct tn_idmap_extent **ret_gid,
		  size_t *n_gid, struct tn_remap_added *ret_added, struct tn_error **err)
{
	_cleanup_(lists_done) struct tn_subid_list l[2] = { 0 };
	_cleanup_free_ struct tn_idmap_extent *uid = NULL, *gid = NULL;
	int r;

	*ret_added = (struct tn_remap_added){ 0 };
	r = check_subid_files(src, err);
	if (r < 0)
		return r;
	r = load_both(src, owner, l, err);
	if (r < 0)
		return r;
	if (l[0].n == 0 || l[1].n == 0) {
		lists_done(&l);
		r = add_remap_owner(src, owner, l, ret_added, err);
		if (r < 0)
			return r;
	}
	uid = calloc(l[0].n + 1, sizeof(*uid));
	gid = calloc(l[1].n + 1, sizeof(*gid));
	if (!uid || !gid)
		return -ENOMEM;
	to_extents(&l[0], uid, n_uid);
	to_extents(&l[1], gid, n_gid);
	*ret_uid = TAKE_PTR(uid);
	*ret_gid = TAKE_PTR(gid);
	return 0;
}

static int pools(const struct tn_subid_source *src, bool rootless, struct tn_subid_list p[2],
		 bool *ret_added, struct tn_error **err)
{
	int r = load_pool(src, TN_SUBUID, rootless, &p[0], err);

	if (r < 0)
		return r;
	r = load_pool(src, TN_SUBGID, rootless, &p[1], err);
	if (r < 0)
		return r;
	if (rootless || (p[0].n > 0 && p[1].n > 0))
		return 0;
	tn_subid_list_done(&p[0]);
	tn_subid_list_done(&p[1]);
	r = add_root_pool(src, err);
	*ret_added = r >= 0;
	if (r < 0)
		return r;
	return pools(src, rootless, p, ret_added, err);
}

/* This very process's pending entry: tenant ran itself again from a sealed copy (exe-seal.h)
 * after planning; the range is taken again. */
static bool pending_mine(const struct entry *e, uint32_t size)
{
	return !e->committed && e->pid == getpid() &&
	       e->pid_start == tn_proc_start_time(getpid()) && e->size == size;
}

/* Aligned blocks from tenant's own pool; a user's ranges rarely start aligned. */
static int pick_block(const struct tn_subid_list pool[2], const struct registry *g, bool rootless,
		      uint32_t size, struct entry *e)
{
	int r = pick(&pool[0], g, false, size, rootless ? 1 : TN_POOL_ALIGN, &e->uid);

	if (r < 0)
		return r;
	return pick(&pool[1], g, true, size, rootless ? 1 : TN_POOL_ALIGN, &e->gid);
}

/* What tn_pool_allocate works on; allocation_done() releases the lists, then the lock. */
struct allocation {
	struct tn_subid_list pool[2];
	struct registry g;
	bool rootless;
	bool added;	    /* the root pool was made just now */
	bool again;	    /* this process's own pending entry was found: block is that one */
	struct entry block; /* uid and gid only */
};

static void allocation_done(struct allocation *a)
{
	lists_done(&a->pool);
	registry_done(&a->g);
}

/*
 * Lock the registry, load the pool (made as root when missing), drop what nobody uses, and
 * pick a block for (root, id) into a->block (or find this process's pending one: a->again).
 */
static int find_block(const struct tn_subid_source *src, const char *root, const char *id,
		      uint32_t size, struct allocation *a, struct tn_error **err)
{
	struct entry *mine;
	int r = check_subid_files(src, err);

	if (r < 0)
		return r;
	r = registry_open(&a->g, err);
	if (r < 0)
		return r;
	r = pools(src, a->rootless, a->pool, &a->added, err);
	if (r < 0)
		return r;
	reclaim(&a->g);
	mine = find(&a->g, root, id);
	if (mine && pending_mine(mine, size)) {
		a->block = (struct entry){ .uid = mine->uid, .gid = mine->gid };
		a->again = true;
		return 0;
	}
	if (mine)
		return tn_error_set(err, EEXIST, "container '%s' has a range already", id);
	return pick_block(a->pool, &a->g, a->rootless, size, &a->block);
}

static int no_space(struct tn_error **err, uint32_t size, bool rootless)
{
	int r;

	r = tn_error_set(err, ENOSPC, "no free block of %" PRIu32 " IDs is left in %s", size,
			 rootless ? "your subordinate ranges"
				  : "the ranges of \"" TN_POOL_OWNER "\"");
	tn_error_hint(err, r, "%s",
		      rootless ? "delete containers you no longer need, or ask for "
				 "more IDs: tenant subid add USER --count N"
			       : "delete containers, or give the pool more: tenant "
				 "subid add " TN_POOL_OWNER " --count N");
	return -ENOSPC;
}

/* Record the pending entry of (root, id) on block b. */
static int add_entry(struct registry *g, const char *root, const char *id, const struct entry *b,
		     uint32_t size)
{
	_cleanup_free_ char *root_copy = strdup(root), *id_copy = strdup(id);
	struct entry *nv = reallocarray(g->v, g->n + 1, sizeof(*g->v));

	if (!nv)
		return -ENOMEM;
	g->v = nv;
	if (!root_copy || !id_copy)
		return -ENOMEM;
	g->v[g->n++] = (struct entry){ .root = TAKE_PTR(root_copy),
				       .id = TAKE_PTR(id_copy),
				       .uid = b->uid,
				       .gid = b->gid,
				       .size = size,
				       .pid = getpid(),
				       .pid_start = tn_proc_start_time(getpid()) };
	return 0;
}

int tn_pool_allocate(const struct tn_subid_source *src, const char *root, const char *id,
		     uint32_t size, struct tn_pool_grant *ret, struct tn_error **err)
{
	_cleanup_(allocation_done) struct allocation a = { .g = { .lock_fd = -1 },
							   .rootless = tn_rootless() };
	int r;

	/* Any ENOSPC up to the pick (the pool tenant adds for itself as root included) is
	 * reported as a pool without room, with the hint to grow it. */
	r = find_block(src, root, id, size, &a, err);
	if (r == -ENOSPC)
		return no_space(err, size, a.rootless);
	if (r < 0)
		return r;
	if (a.again) {
		*ret = (struct tn_pool_grant){ a.block.uid, a.block.gid, size, false, false };
		return 0;
	}
	r = add_entry(&a.g, root, id, &a.block, size);
	if (r < 0)
		return r;
	r = registry_save(&a.g, err);
	if (r < 0)
		return r;
	*ret = (struct tn_pool_grant){ a.block.uid, a.block.gid, size, a.added, a.g.recovered };
	return 0;
}

int tn_pool_commit(const char *root, const char *id, pid_t pid, uint64_t userns,
		   struct tn_error **err)
{
	_cleanup_(registry_done) struct registry g = { .lock_fd = -1 };
	struct entry *e;
	int r = registry_open(&g, err);

	if (r < 0)
		return r;
	e = find(&g, root, id);
	if (!e)
		return 0;
	e->pid = pid;
	e->pid_start = tn_proc_start_time(pid);
	e->userns = userns;
	e->committed = true;
	return registry_save(&g, err);
}

/* The processes that are the container's: those of its user namespace; as root also whatever
 * runs with the block's IDs (tenant's pool is tenant's alone; a rootless caller's ranges are its
 * other tools' too, podman's among them). */
static int container_pids(const struct entry *e, pid_t **ret, size_t *ret_n)
{
	_cleanup_(sets_done) struct tn_idset set[2] = { 0 };
	_cleanup_free_ pid_t *ns = NULL, *v = NULL;
	size_t n_ns = 0, n = 0;
	int r = block_sets(e, set);

	if (r < 0)
		return r;
	if (e->userns) {
		r = tn_proc_userns_members(e->userns, e->uid, &set[0], &set[1], &ns, &n_ns);
		if (r < 0)
			return r;
	}
	if (!tn_rootless()) {
		r = range_users(e, &v, &n);
		if (r < 0)
			return r;
	}
	if (n_ns) {
		pid_t *nv = reallocarray(v, n + n_ns, sizeof(*v));

		if (!nv)
			return -ENOMEM;
		v = nv;
		memcpy(v + n, ns, n_ns * sizeof(*v));
		n += n_ns;
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* SIGKILL what is left of the container, and wait up to two seconds until no process runs with
 * an ID of its block. */
static bool kill_leftovers(const struct entry *e)
{
	for (int i = 0; i < 200; i++) {
		_cleanup_free_ pid_t *pids = NULL;
		size_t n = 0;

		if (container_pids(e, &pids, &n) < 0)
			return false;
		for (size_t j = 0; j < n; j++)
			kill(pids[j], SIGKILL);
		if (n == 0 && !range_in_use(e))
			return true;
		if (n == 0 && i >= 10) /* someone else's, not ours to kill: the range waits */
			return false;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return false;
}

int tn_pool_release(const char *root, const char *id)
{
	_cleanup_free_ char *path = tn_pool_registry_path();
	_cleanup_(registry_done) struct registry g = { .lock_fd = -1 };
	struct entry *e;
	int r;

	/* Every delete comes here: without a registry there is nothing to give back, and none
	 * is made. */
	if (!path || access(path, F_OK) < 0)
		return 0;
	r = registry_open(&g, NULL);
	if (r < 0)
		return r;
	e = find(&g, root, id);
	if (!e)
		return 0;
	if (kill_leftovers(e)) {
		entry_free(e);
		*e = g.v[--g.n];
	} else {
		/* Something of it survived: the range stays taken until reclaim finds it unused. */
		e->pid = 0;
		e->pid_start = 0;
	}
	return registry_save(&g, NULL);
}

int tn_remap_owner(const char *conf, char **ret, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	size_t len;
	unsigned line_no = 0;
	/* It names whose ranges every remapped container gets: only root may have written it. */
	int r = tn_trusted_file_open(conf, &fd, err);

	if (r == -ENOENT)
		return (*ret = strdup(TN_REMAP_DEFAULT_OWNER)) ? 0 : -ENOMEM;
	if (r < 0)
		return r;
	r = tn_read_fd(fd, 1024 * 1024, &text, &len);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", conf);
	for (char *line = text; *line;) {
		size_t n = strcspn(line, "\n");
		char *end = line + n, *eq, *k, *v;

		line_no++;
		if (*end)
			*end++ = '\0';
		k = line + strspn(line, " \t");
		eq = strchr(k, '=');
		if (*k && *k != '#' && eq) {
			char *ke = eq;

			while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
				ke--;
			*ke = '\0';
			v = eq + 1 + strspn(eq + 1, " \t");
			for (char *ve = v + strlen(v); ve > v && (ve[-1] == ' ' || ve[-1] == '\t');)
				*--ve = '\0';
			if (strcmp(k, "remap-user") == 0) {
				if (!*v || strchr(v, ':'))
					return tn_error_set(err, EINVAL,
							    "%s:%u: remap-user: '%s' is not a "
							    "user name",
							    conf, line_no, v);
				return (*ret = strdup(v)) ? 0 : -ENOMEM;
			}
		} else if (*k && *k != '#') {
			return tn_error_set(err, EINVAL, "%s:%u: not KEY = VALUE", conf, line_no);
		}
		line = end;
	}
	return (*ret = strdup(TN_REMAP_DEFAULT_OWNER)) ? 0 : -ENOMEM;
}

int tn_pool_registry_parse(const char *text, size_t len)
{
	_cleanup_(registry_done) struct registry g = { .lock_fd = -1 };

	return parse_registry(text, len, &g);
}
