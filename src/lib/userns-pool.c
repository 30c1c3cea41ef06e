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

static void registry_done(struct registry *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->v[i].root);
		free(g->v[i].id);
	}
	free(g->v);
	if (g->lock_fd >= 0)
		close(g->lock_fd); /* releases the lock */
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

	if (!root || root->type != TN_JSON_STRING || !id || id->type != TN_JSON_STRING ||
	    uid > TN_ID_MAX || gid > TN_ID_MAX || size == 0 || size > TN_ID_MAX ||
	    tn_idrange_check(uid, size) < 0 || tn_idrange_check(gid, size) < 0 || pid > INT32_MAX ||
	    start == UINT64_MAX)
		return -EINVAL;
	*e = (struct entry){ .root = strdup(root->string.s),
			     .id = strdup(id->string.s),
			     .uid = (uint32_t)uid,
			     .gid = (uint32_t)gid,
			     .size = (uint32_t)size,
			     .pid = (pid_t)pid,
			     .pid_start = start,
			     .userns =
				     get_u64(o, "userns") == UINT64_MAX ? 0 : get_u64(o, "userns"),
			     .committed = c && c->type == TN_JSON_BOOL && c->boolean };
	return e->root && e->id ? 0 : -ENOMEM;
}

static int parse_registry(const char *text, size_t len, struct registry *g)
{
	const struct tn_json_value *a;
	struct tn_json_value *v = NULL;
	int r = tn_json_parse(text, len, &v, NULL);

	if (r < 0)
		return -EINVAL;
	a = tn_json_get(v, "allocations");
	if (!a || a->type != TN_JSON_ARRAY) {
		tn_json_value_free(v);
		return -EINVAL;
	}
	g->v = calloc(a->array.n + 1, sizeof(*g->v));
	if (!g->v)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < a->array.n; i++) {
		r = parse_entry(a->array.v[i], &g->v[i]);
		if (r == 0)
			g->n++;
	}
	tn_json_value_free(v);
	return r;
}

static int registry_save(struct registry *g, struct tn_error **err);

/* One entry per user namespace that runs (but tenant's own): its maps' host IDs, held by one of
 * its processes, so that reclaim frees them only when nothing runs in them. */
static int add_userns(const struct tn_proc_info *p, void *data)
{
	struct registry *g = data;
	uint64_t lo[2] = { UINT64_MAX, UINT64_MAX }, hi[2] = { 0, 0 };
	struct tn_idmap m[2];
	struct entry *nv;
	char id[64];

	if (p->own_userns)
		return 0;
	snprintf(id, sizeof(id), "recovered-%" PRIu64, p->userns);
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->v[i].id, id) == 0)
			return 0; /* one of its processes was seen */
	if (tn_proc_userns_maps(p->dirfd, m) < 0)
		return 0;
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < m[k].n; i++) {
			lo[k] = MIN(lo[k], (uint64_t)m[k].v[i].outside);
			hi[k] = MAX(hi[k], (uint64_t)m[k].v[i].outside + m[k].v[i].count);
		}
		tn_idmap_done(&m[k]);
	}
	if (lo[0] >= hi[0] || lo[1] >= hi[1])
		return 0;
	nv = reallocarray(g->v, g->n + 1, sizeof(*g->v));
	if (!nv)
		return -ENOMEM;
	g->v = nv;
	g->v[g->n] = (struct entry){
		.root = strdup(""),
		.id = strdup(id),
		.uid = (uint32_t)lo[0],
		.gid = (uint32_t)lo[1],
		.size = (uint32_t)MIN(MAX(hi[0] - lo[0], hi[1] - lo[1]),
				      (uint64_t)TN_ID_MAX + 1 - MAX(lo[0], lo[1])),
		.pid = p->pid,
		.pid_start = tn_proc_start_time(p->pid),
		.committed = true,
	};
	if (!g->v[g->n].root || !g->v[g->n].id) {
		entry_free(&g->v[g->n]);
		return -ENOMEM;
	}
	g->n++;
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

/* Lock, then read (a missing registry is an empty one). */
static int registry_open(struct registry *g, struct tn_error **err)
{
	_cleanup_free_ char *dir = NULL, *lock = NULL, *text = NULL;
	size_t len;
	int r;

	*g = (struct registry){ .lock_fd = -1, .path = tn_pool_registry_path() };
	if (!g->path || !(dir = tn_path_dirname(g->path)) ||
	    asprintf(&lock, "%s/userns.lock", dir) < 0)
		return -ENOMEM;
	r = tn_private_dir_open(dir, "registry directory", TN_PRIVATE_CREATE, NULL, err);
	if (r < 0)
		return r;
	g->lock_fd = open(lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (g->lock_fd < 0 || RETRY_EINTR(flock(g->lock_fd, LOCK_EX)) < 0)
		return tn_error_errno(err, errno, "cannot lock %s", lock);
	r = tn_read_file(g->path, 64 * 1024 * 1024, &text, &len, NULL);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = parse_registry(text, len, g);
	if (r == -EINVAL)
		return recover(g, err);
	return r < 0 ? tn_error_errno(err, -r, "cannot read %s", g->path) : 0;
}

static int registry_save(struct registry *g, struct tn_error **err)
{
	struct tn_buf b = { 0 };
	struct tn_json j;
	int r;

	tn_json_init(&j, &b, true);
	tn_json_begin_object(&j);
	tn_json_kv_u64(&j, "version", 1);
	tn_json_key(&j, "allocations");
	tn_json_begin_array(&j);
	for (size_t i = 0; i < g->n; i++) {
		tn_json_begin_object(&j);
		tn_json_kv_string(&j, "root", g->v[i].root);
		tn_json_kv_string(&j, "id", g->v[i].id);
		tn_json_kv_u64(&j, "uid", g->v[i].uid);
		tn_json_kv_u64(&j, "gid", g->v[i].gid);
		tn_json_kv_u64(&j, "size", g->v[i].size);
		tn_json_kv_u64(&j, "pid", (uint64_t)g->v[i].pid);
		tn_json_kv_u64(&j, "pidStart", g->v[i].pid_start);
		if (g->v[i].userns)
			tn_json_kv_u64(&j, "userns", g->v[i].userns);
		tn_json_kv_bool(&j, "committed", g->v[i].committed);
		tn_json_end_object(&j);
	}
	tn_json_end_array(&j);
	tn_json_end_object(&j);
	r = tn_json_finish(&j);
	if (r == 0)
		r = tn_atomic_replace(g->path, b.data, b.len, 0600, geteuid(), getegid());
	tn_buf_free(&b);
	return r < 0 ? tn_error_errno(err, -r, "cannot write %s", g->path) : 0;
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

	return r < 0 ? r : tn_proc_ids_users(&set[0], &set[1], ret, ret_n);
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
	struct tn_idset used = { 0 };
	int r = 0;

	for (size_t i = 0; i < g->n && r == 0; i++)
		r = tn_idset_add(&used, gid ? g->v[i].gid : g->v[i].uid, g->v[i].size);
	if (r < 0) {
		tn_idset_free(&used);
		return r;
	}
	tn_idset_normalize(&used);
	r = -ENOSPC;
	for (size_t i = 0; i < pool->n && r == -ENOSPC; i++) {
		struct tn_idrange p = pool->v[i].range;
		uint64_t min = ((uint64_t)p.start + align - 1) / align * align;

		if (min >= tn_idrange_end(p))
			continue;
		/* find_free's max is inclusive, and never ID 4294967295 (Kubernetes 139916). */
		r = tn_idset_find_free(&used, min, MIN(tn_idrange_last(p), (uint64_t)TN_ID_MAX),
				       size, align, ret);
	}
	tn_idset_free(&used);
	return r;
}

/* The ranges of `owner` (a name, with or without an account), or the caller's rootless. */
static int load_owner(const struct tn_subid_source *src, enum tn_subid_db db, const char *owner,
		      struct tn_subid_list *ret, struct tn_error **err)
{
	struct tn_user u = { 0 };
	int r = 0;

	if (!owner) {
		r = tn_user_from_uid(getuid(), &u);
	} else {
		u = (struct tn_user){ .uid = TN_ID_INVALID, .name = strdup(owner) };
		if (!u.name)
			r = -ENOMEM;
	}
	if (r == 0)
		r = tn_subid_list_user(src, db, &u, ret, err);
	tn_user_done(&u);
	return r;
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
	struct tn_subid_edit_result res = { 0 };
	int r = tn_subid_add(src, &req, TN_LOGIN_DEFS_PATH, &res, err);

	tn_subid_edit_result_done(&res);
	return r;
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

	return r == 0 ? load_owner(src, TN_SUBGID, owner, &l[1], err) : r;
}

/* A system account for the remap user, as Docker makes dockremap: no home, no login. */
static int add_account(const char *name, struct tn_error **err)
{
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
		tn_error_set(err, EIO, "cannot create the remap user %s: useradd failed", name);
		return tn_error_hint(err,
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

int tn_pool_remap(const struct tn_subid_source *src, const char *owner,
		  struct tn_idmap_extent **ret_uid, size_t *n_uid, struct tn_idmap_extent **ret_gid,
		  size_t *n_gid, struct tn_remap_added *ret_added, struct tn_error **err)
{
	struct tn_subid_list l[2] = { 0 };
	int r;

	*ret_added = (struct tn_remap_added){ 0 };
	r = check_subid_files(src, err);
	if (r < 0)
		return r;
	r = load_both(src, owner, l, err);
	if (r == 0 && (l[0].n == 0 || l[1].n == 0)) {
		tn_subid_list_done(&l[0]);
		tn_subid_list_done(&l[1]);
		if (!getpwnam(owner)) {
			r = add_account(owner, err);
			ret_added->account = r == 0;
		}
		if (r == 0)
			r = add_owner(src, owner, TN_POOL_DEFAULT_SIZE, err);
		if (r == 0)
			r = load_both(src, owner, l, err);
		ret_added->ranges = r == 0;
	}
	if (r == 0) {
		*ret_uid = calloc(l[0].n + 1, sizeof(**ret_uid));
		*ret_gid = calloc(l[1].n + 1, sizeof(**ret_gid));
		if (!*ret_uid || !*ret_gid) {
			r = -ENOMEM;
		} else {
			to_extents(&l[0], *ret_uid, n_uid);
			to_extents(&l[1], *ret_gid, n_gid);
		}
	}
	tn_subid_list_done(&l[0]);
	tn_subid_list_done(&l[1]);
	return r;
}

static int pools(const struct tn_subid_source *src, bool rootless, struct tn_subid_list p[2],
		 bool *ret_added, struct tn_error **err)
{
	int r = load_pool(src, TN_SUBUID, rootless, &p[0], err);

	if (r == 0)
		r = load_pool(src, TN_SUBGID, rootless, &p[1], err);
	if (r == 0 && !rootless && (p[0].n == 0 || p[1].n == 0)) {
		tn_subid_list_done(&p[0]);
		tn_subid_list_done(&p[1]);
		r = add_root_pool(src, err);
		*ret_added = r == 0;
		if (r == 0)
			return pools(src, rootless, p, ret_added, err);
	}
	return r;
}

int tn_pool_allocate(const struct tn_subid_source *src, const char *root, const char *id,
		     uint32_t size, struct tn_pool_grant *ret, struct tn_error **err)
{
	struct tn_subid_list pool[2] = { 0 };
	struct registry g = { .lock_fd = -1 };
	bool rootless = tn_rootless(), added = false;
	struct entry e = { 0 };
	struct entry *nv, *mine;
	int r = check_subid_files(src, err);

	if (r == 0)
		r = registry_open(&g, err);
	if (r == 0)
		r = pools(src, rootless, pool, &added, err);
	if (r == 0) {
		reclaim(&g);
		mine = find(&g, root, id);
		/* This very process's pending entry: tenant ran itself again from a sealed copy
		 * (exe-seal.h) after planning; the range is taken again. */
		if (mine && !mine->committed && mine->pid == getpid() &&
		    mine->pid_start == tn_proc_start_time(getpid()) && mine->size == size) {
			*ret = (struct tn_pool_grant){ mine->uid, mine->gid, size, false, false };
			goto done;
		}
		if (mine)
			r = tn_error_set(err, EEXIST, "container '%s' has a range already", id);
	}
	/* Aligned blocks from tenant's own pool; a user's ranges rarely start aligned. */
	if (r == 0 &&
	    (r = pick(&pool[0], &g, false, size, rootless ? 1 : TN_POOL_ALIGN, &e.uid)) == 0)
		r = pick(&pool[1], &g, true, size, rootless ? 1 : TN_POOL_ALIGN, &e.gid);
	if (r == -ENOSPC) {
		tn_error_set(err, ENOSPC, "no free block of %" PRIu32 " IDs is left in %s", size,
			     rootless ? "your subordinate ranges"
				      : "the ranges of \"" TN_POOL_OWNER "\"");
		tn_error_hint(err, "%s",
			      rootless ? "delete containers you no longer need, or ask for "
					 "more IDs: tenant subid add USER --count N"
				       : "delete containers, or give the pool more: tenant "
					 "subid add " TN_POOL_OWNER " --count N");
	}
	if (r == 0) {
		e = (struct entry){ .root = strdup(root),
				    .id = strdup(id),
				    .uid = e.uid,
				    .gid = e.gid,
				    .size = size,
				    .pid = getpid(),
				    .pid_start = tn_proc_start_time(getpid()) };
		nv = reallocarray(g.v, g.n + 1, sizeof(*g.v));
		if (!nv || !e.root || !e.id) {
			free(e.root);
			free(e.id);
			r = -ENOMEM;
		} else {
			g.v = nv;
			g.v[g.n++] = e;
			r = registry_save(&g, err);
		}
	}
	if (r == 0)
		*ret = (struct tn_pool_grant){ e.uid, e.gid, size, added, g.recovered };
done:
	tn_subid_list_done(&pool[0]);
	tn_subid_list_done(&pool[1]);
	registry_done(&g);
	return r;
}

int tn_pool_commit(const char *root, const char *id, pid_t pid, uint64_t userns,
		   struct tn_error **err)
{
	struct registry g = { .lock_fd = -1 };
	struct entry *e;
	int r = registry_open(&g, err);

	if (r == 0 && (e = find(&g, root, id))) {
		e->pid = pid;
		e->pid_start = tn_proc_start_time(pid);
		e->userns = userns;
		e->committed = true;
		r = registry_save(&g, err);
	}
	registry_done(&g);
	return r;
}

/* The processes that are the container's: those of its user namespace; as root also whatever
 * runs with the block's IDs (tenant's pool is tenant's alone; a rootless caller's ranges are its
 * other tools' too, podman's among them). */
static int container_pids(const struct entry *e, pid_t **ret, size_t *ret_n)
{
	_cleanup_(sets_done) struct tn_idset set[2] = { 0 };
	_cleanup_free_ pid_t *ns = NULL;
	pid_t *v = NULL;
	size_t n_ns = 0, n = 0;
	int r = block_sets(e, set);

	if (r == 0 && e->userns)
		r = tn_proc_userns_members(e->userns, e->uid, &set[0], &set[1], &ns, &n_ns);

	if (r == 0 && !tn_rootless())
		r = range_users(e, &v, &n);
	if (r < 0)
		return r;
	if (n_ns) {
		pid_t *nv = reallocarray(v, n + n_ns, sizeof(*v));

		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		memcpy(v + n, ns, n_ns * sizeof(*v));
		n += n_ns;
	}
	*ret = v;
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
	struct registry g = { .lock_fd = -1 };
	struct entry *e;
	int r;

	/* Every delete comes here: without a registry there is nothing to give back, and none
	 * is made. */
	if (!path || access(path, F_OK) < 0)
		return 0;
	r = registry_open(&g, NULL);
	if (r < 0 || !(e = find(&g, root, id))) {
		registry_done(&g);
		return r;
	}
	if (kill_leftovers(e)) {
		entry_free(e);
		*e = g.v[--g.n];
	} else {
		/* Something of it survived: the range stays taken until reclaim finds it unused. */
		e->pid = 0;
		e->pid_start = 0;
	}
	r = registry_save(&g, NULL);
	registry_done(&g);
	return r;
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
	struct registry g = { .lock_fd = -1 };
	int r = parse_registry(text, len, &g);

	registry_done(&g);
	return r;
}
