/* SPDX-License-Identifier: Apache-2.0 */
/* Container state directories and state.json (oci-state.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fs.h"
#include "json-parse.h"
#include "json-writer.h"
#include "cgroup-systemd.h"
#include "cgroup.h"
#include "oci-state.h"
#include "private-dir.h"
#include "proc-stat.h"
#include "rootless.h"
#include "banned.h"

int tn_state_root_default(char **ret)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int r;

	if (!tn_rootless())
		r = asprintf(ret, "/run/tenant");
	else if (xdg && xdg[0] == '/')
		r = asprintf(ret, "%s/tenant", xdg);
	else /* of the host UID: everyone's `unshare -r` is UID 0 */
		r = asprintf(ret, "/tmp/tenant-%u", (unsigned)tn_host_uid());
	return r < 0 ? -ENOMEM : 0;
}

int tn_state_root_prepare(const char *root, struct tn_error **err)
{
	return tn_private_dir_open(root, "state directory", TN_PRIVATE_CREATE, NULL, err);
}

int tn_container_id_check(const char *id, struct tn_error **err)
{
	size_t n = strlen(id);
	int r;

	if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return tn_error_set(err, EINVAL, "invalid container ID '%s'", id);
	for (const char *p = id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_.+-", *p))) {
			r = tn_error_set(err, EINVAL,
					 "invalid container ID '%s': '%c' is not allowed", id, *p);
			return tn_error_hint(err, r, "IDs use letters, digits and _ . + -");
		}
	return 0;
}

char *tn_state_dir(const char *root, const char *id)
{
	char *p;

	return asprintf(&p, "%s/%s", root, id) < 0 ? NULL : p;
}

void tn_state_write_annotations(struct tn_json *j, const struct tn_state *s, bool always)
{
	if (!always && s->n_annotations == 0)
		return;
	tn_json_key(j, "annotations");
	tn_json_begin_object(j);
	for (size_t i = 0; i < s->n_annotations; i++)
		tn_json_kv_string(j, s->annotations[2 * i], s->annotations[2 * i + 1]);
	tn_json_end_object(j);
}

static void write_common(struct tn_json *j, const struct tn_state *s)
{
	tn_json_kv_string(j, "id", s->id);
	tn_json_kv_u64(j, "pid", (uint64_t)s->pid);
	tn_json_kv_string(j, "bundle", s->bundle);
	tn_json_kv_string(j, "rootfs", s->rootfs ? s->rootfs : "");
	tn_json_kv_string(j, "created", s->created);
	tn_json_kv_u64(j, "owner", s->owner);
	tn_state_write_annotations(j, s, true);
}

/* state.json's text, as tn_state_prepare writes it. */
static int state_file_json(const struct tn_state *s, struct tn_buf *b)
{
	struct tn_json j;

	tn_json_init(&j, b, true);
	tn_json_begin_object(&j);
	write_common(&j, s);
	tn_json_kv_u64(&j, "pidStartTime", s->pid_start);
	tn_json_kv_bool(&j, "rootless", s->rootless);
	tn_json_kv_bool(&j, "newPidNamespace", s->new_pid_ns);
	tn_json_kv_string(&j, "cgroupPath", s->cgroup_path ? s->cgroup_path : "");
	tn_json_kv_string(&j, "cgroupParent", s->cgroup_parent ? s->cgroup_parent : "");
	tn_json_key(&j, "cgroupDirs");
	tn_json_begin_array(&j);
	for (size_t i = 0; i < s->cgroup_dirs.n; i++)
		tn_json_string(&j, s->cgroup_dirs.v[i]);
	tn_json_end_array(&j);
	tn_json_kv_bool(&j, "pooled", s->pooled);
	tn_json_kv_bool(&j, "rootfsCopy", s->rootfs_copy);
	if (s->systemd_unit) {
		tn_json_kv_string(&j, "systemdUnit", s->systemd_unit);
		tn_json_kv_bool(&j, "systemdUser", s->systemd_user);
		tn_json_kv_string(&j, "systemdInvocation",
				  s->systemd_invocation ? s->systemd_invocation : "");
	}
	tn_json_end_object(&j);
	return tn_json_finish(&j);
}

static char *state_path(const char *root, const char *id)
{
	_cleanup_free_ char *dir = tn_state_dir(root, id);
	char *path;

	if (!dir || asprintf(&path, "%s/%s", dir, TN_STATE_FILE) < 0)
		return NULL;
	return path;
}

int tn_state_prepare(const char *root, const struct tn_state *s, char **ret_tmp, char **ret_text,
		     struct tn_error **err)
{
	_cleanup_free_ char *path = state_path(root, s->id);
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	int r;

	if (!path)
		return -ENOMEM;
	r = state_file_json(s, &b);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot write %s", path);
	r = tn_volatile_prepare(path, b.data, b.len, 0600, geteuid(), getegid(), ret_tmp);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot write %s", path);
	if (ret_text)
		*ret_text = TAKE_PTR(b.data);
	return 0;
}

int tn_state_commit(const char *root, const char *id, const char *tmp, struct tn_error **err)
{
	_cleanup_free_ char *path = state_path(root, id);

	if (!path)
		return -ENOMEM;
	if (rename(tmp, path) < 0)
		return tn_error_errno(err, errno, "cannot write %s", path);
	return 0;
}

void tn_state_owner_name(uid_t uid, char *buf, size_t size)
{
	struct passwd pw, *found = NULL;
	char text[1024];

	if (getpwuid_r(uid, &pw, text, sizeof(text), &found) == 0 && found)
		snprintf(buf, size, "%s", found->pw_name);
	else
		snprintf(buf, size, "#%u", (unsigned)uid);
}

int tn_state_to_json(const struct tn_state *s, const char *oci_version, char **ret)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	char owner[256];
	struct tn_json j;
	int r;

	tn_json_init(&j, &b, true);
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "ociVersion", oci_version);
	tn_json_kv_string(&j, "id", s->id);
	tn_json_kv_u64(&j, "pid", s->status == TN_STATUS_STOPPED ? 0 : (uint64_t)s->pid);
	tn_json_kv_string(&j, "status", tn_status_name(s->status));
	tn_json_kv_string(&j, "bundle", s->bundle);
	tn_json_kv_string(&j, "rootfs", s->rootfs ? s->rootfs : "");
	tn_json_kv_string(&j, "created", s->created);
	tn_state_owner_name(s->owner, owner, sizeof(owner));
	tn_json_kv_string(&j, "owner", owner);
	tn_state_write_annotations(&j, s, false); /* as runc: no key without annotations */
	tn_json_end_object(&j);
	r = tn_json_finish(&j);
	if (r < 0)
		return r;
	*ret = tn_buf_steal(&b);
	return 0;
}

void tn_state_write_hook(struct tn_json *j, const struct tn_state *s, const char *oci_version)
{
	tn_json_begin_object(j);
	tn_json_kv_string(j, "ociVersion", oci_version);
	tn_json_kv_string(j, "id", s->id);
	tn_json_kv_string(j, "status", tn_status_name(s->status));
	if (s->status != TN_STATUS_STOPPED && s->pid > 0)
		tn_json_kv_u64(j, "pid", (uint64_t)s->pid);
	tn_json_kv_string(j, "bundle", s->bundle);
	tn_state_write_annotations(j, s, false);
	tn_json_end_object(j);
}

int tn_state_to_hook_json(const struct tn_state *s, const char *oci_version, char **ret)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	struct tn_json j;
	int r;

	tn_json_init(&j, &b, false);
	tn_state_write_hook(&j, s, oci_version);
	r = tn_json_finish(&j);
	if (r < 0)
		return r;
	*ret = tn_buf_steal(&b);
	return 0;
}

static char *dup_string(const struct tn_json_value *o, const char *key)
{
	const struct tn_json_value *v = tn_json_get(o, key);

	return strdup(v && v->type == TN_JSON_STRING ? v->string.s : "");
}

static uint64_t get_u64(const struct tn_json_value *o, const char *key)
{
	const struct tn_json_value *v = tn_json_get(o, key);

	return v && v->type == TN_JSON_NUMBER && v->number.integer && !v->number.negative
		       ? v->number.u
		       : 0;
}

static bool is_bool(const struct tn_json_value *o, const char *key)
{
	const struct tn_json_value *v = tn_json_get(o, key);

	return v && v->type == TN_JSON_BOOL;
}

static bool get_bool(const struct tn_json_value *o, const char *key)
{
	const struct tn_json_value *v = tn_json_get(o, key);

	return v && v->type == TN_JSON_BOOL && v->boolean;
}

static int load_annotations(const struct tn_json_value *o, struct tn_state *s)
{
	const struct tn_json_value *a = tn_json_get(o, "annotations");
	size_t n = a && a->type == TN_JSON_OBJECT ? a->object.n : 0, k = 0;

	s->annotations = calloc(2 * n + 1, sizeof(char *));
	if (!s->annotations)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *key = NULL, *value = NULL;

		if (a->object.v[i].value->type != TN_JSON_STRING)
			continue;
		key = strdup(a->object.v[i].key);
		value = strdup(a->object.v[i].value->string.s);
		if (!key || !value)
			return -ENOMEM;
		s->annotations[k++] = TAKE_PTR(key);
		s->annotations[k++] = TAKE_PTR(value);
		s->n_annotations = k / 2; /* what tn_state_done frees */
	}
	return 0;
}

/* cgroupDirs: absent in a state.json written before tenant kept them. */
static int load_cgroup_dirs(const struct tn_json_value *o, struct tn_state *s)
{
	const struct tn_json_value *a = tn_json_get(o, "cgroupDirs");

	if (!a || a->type != TN_JSON_ARRAY)
		return 0;
	s->has_cgroup_dirs = true;
	s->cgroup_dirs.v = calloc(a->array.n + 1, sizeof(char *));
	if (!s->cgroup_dirs.v)
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		if (a->array.v[i]->type != TN_JSON_STRING)
			continue;
		s->cgroup_dirs.v[s->cgroup_dirs.n] = strdup(a->array.v[i]->string.s);
		if (!s->cgroup_dirs.v[s->cgroup_dirs.n++])
			return -ENOMEM;
	}
	return 0;
}

/* systemdUnit: a scope's name, nothing else, and the InvocationID of its start (delete stops it
 * only while it is that one). A value of another shape is left out (delete stops nothing and
 * still removes the container), not a damaged state. */
static int load_systemd_unit(const struct tn_json_value *o, struct tn_state *s)
{
	const struct tn_json_value *v = tn_json_get(o, "systemdUnit");
	const struct tn_json_value *inv = tn_json_get(o, "systemdInvocation");
	size_t n = v && v->type == TN_JSON_STRING ? strlen(v->string.s) : 0;

	if (n <= 6 || !tn_systemd_unit_name_ok(v->string.s) ||
	    strcmp(v->string.s + n - 6, ".scope") != 0)
		return 0;
	s->systemd_user = get_bool(o, "systemdUser");
	s->systemd_unit = strdup(v->string.s);
	if (!s->systemd_unit)
		return -ENOMEM;
	if (!inv || inv->type != TN_JSON_STRING || strlen(inv->string.s) != 32 ||
	    strspn(inv->string.s, "0123456789abcdef") != 32)
		return 0;
	s->systemd_invocation = strdup(inv->string.s);
	return s->systemd_invocation ? 0 : -ENOMEM;
}

static int state_from_json(const struct tn_json_value *o, struct tn_state *s)
{
	uint64_t pid = get_u64(o, "pid");
	int r;

	s->pid = pid <= INT32_MAX ? (pid_t)pid : 0;
	s->pid_start = get_u64(o, "pidStartTime");
	s->owner = (uint32_t)get_u64(o, "owner");
	s->rootless = get_bool(o, "rootless");
	s->new_pid_ns = get_bool(o, "newPidNamespace");
	/* Both booleans, or delete looks for both (a state.json of an older tenant). */
	s->remains_known = is_bool(o, "pooled") && is_bool(o, "rootfsCopy");
	s->pooled = get_bool(o, "pooled");
	s->rootfs_copy = get_bool(o, "rootfsCopy");
	s->id = dup_string(o, "id");
	s->bundle = dup_string(o, "bundle");
	s->rootfs = dup_string(o, "rootfs");
	s->created = dup_string(o, "created");
	s->cgroup_path = dup_string(o, "cgroupPath");
	s->cgroup_parent = dup_string(o, "cgroupParent");
	if (!s->id || !s->bundle || !s->rootfs || !s->created || !s->cgroup_path ||
	    !s->cgroup_parent)
		return -ENOMEM;
	if (!s->cgroup_parent[0]) { /* absent: an absolute path (tenant's default once was) */
		free(s->cgroup_parent);
		s->cgroup_parent = NULL;
	}
	r = load_cgroup_dirs(o, s);
	if (r < 0)
		return r;
	r = load_systemd_unit(o, s);
	if (r < 0)
		return r;
	return load_annotations(o, s);
}

int tn_state_parse(const char *text, size_t len, struct tn_state *ret)
{
	_cleanup_(tn_json_value_freep) struct tn_json_value *v = NULL;
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r;

	*ret = (struct tn_state){ 0 };
	r = tn_json_parse(text, len, &v, NULL);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || v->type != TN_JSON_OBJECT)
		return -EINVAL;
	r = state_from_json(v, &s);
	if (r < 0)
		return r;
	*ret = TAKE_STRUCT(s);
	return 0;
}

/* The container's directory below a checked state root: -ENOENT (with a message naming the
 * ID) when there is none. */
static int open_container_dir(const char *root, const char *id, int *ret_fd, struct tn_error **err)
{
	_cleanup_close_ int rootfd = -1;
	int r = tn_container_id_check(id, err);

	if (r < 0)
		return r;
	r = tn_private_dir_open(root, "state directory", 0, &rootfd, err);
	if (r == -ENOENT)
		return tn_error_set(err, ENOENT, "container '%s' does not exist (in %s)", id, root);
	if (r < 0)
		return r;
	r = tn_private_subdir_open(rootfd, root, id, "container directory", ret_fd, err);
	if (r == -ENOENT)
		return tn_error_set(err, ENOENT, "container '%s' does not exist (in %s)", id, root);
	return r;
}

int tn_state_check(const char *root, const char *id, struct tn_error **err)
{
	_cleanup_close_ int fd = -1;

	return open_container_dir(root, id, &fd, err);
}

int tn_state_load(const char *root, const char *id, struct tn_state *ret, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dirfd = -1, fd = -1;
	size_t len;
	int r;

	*ret = (struct tn_state){ 0 };
	r = open_container_dir(root, id, &dirfd, err);
	if (r < 0)
		return r;
	fd = openat(dirfd, TN_STATE_FILE, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return tn_error_set(err, ENOENT, "container '%s' does not exist (in %s)", id, root);
	if (fd < 0)
		return tn_error_errno(err, errno, "cannot read %s/%s/%s", root, id, TN_STATE_FILE);
	r = tn_read_fd(fd, 1024 * 1024, &text, &len);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s/%s/%s", root, id, TN_STATE_FILE);
	return tn_state_from_text(root, id, text, len, ret, err);
}

int tn_state_from_text(const char *root, const char *id, const char *text, size_t len,
		       struct tn_state *ret, struct tn_error **err)
{
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r;

	*ret = (struct tn_state){ 0 };
	r = tn_state_parse(text, len, &s);
	if (r == -EINVAL)
		return tn_error_set(err, EINVAL, "%s/%s/%s is damaged: not a JSON object", root, id,
				    TN_STATE_FILE);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot load %s/%s/%s", root, id, TN_STATE_FILE);
	/* Another container's: the directory this one had (its fd opened before a delete) went to
	 * the spare and to a create since (container-dir.c). */
	if (s.id[0] && strcmp(s.id, id) != 0)
		return tn_error_set(err, ENOENT, "container '%s' does not exist (in %s)", id, root);
	free(s.id);
	s.id = strdup(id);
	if (!s.id)
		return tn_error_errno(err, ENOMEM, "cannot load %s/%s/%s", root, id, TN_STATE_FILE);
	tn_state_refresh(root, &s);
	*ret = TAKE_STRUCT(s);
	return 0;
}

static int compare_ids(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The IDs found so far; v stays NULL-terminated. */
struct id_list {
	char **v;
	size_t n;
};

static void id_list_done(struct id_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int id_list_add(struct id_list *l, const char *id)
{
	char **nv = reallocarray(l->v, l->n + 2, sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	l->v = nv;
	l->v[l->n + 1] = NULL;
	l->v[l->n] = strdup(id);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

/* A directory entry that may be a container's: a directory (or unknown) with a valid ID. */
static bool is_container_entry(const struct dirent *e)
{
	/* IDs may begin with a dot, as runc's; "." and "..", and the spare (".~spare":
	 * container-dir.c), are none. */
	return (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) &&
	       tn_container_id_check(e->d_name, NULL) >= 0;
}

int tn_state_list(const char *root, char ***ret, size_t *ret_n, struct tn_error **err)
{
	_cleanup_(id_list_done) struct id_list l = { 0 };
	_cleanup_close_ int fd = -1;
	_cleanup_closedir_ DIR *d = NULL;
	int r = tn_private_dir_open(root, "state directory", 0, &fd, err);

	*ret = NULL;
	*ret_n = 0;
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	d = fdopendir(fd);
	if (!d)
		return tn_error_errno(err, errno, "cannot read %s", root);
	TAKE_FD(fd); /* the DIR owns it */
	for (struct dirent *e; (e = readdir(d));) {
		if (!is_container_entry(e))
			continue;
		r = id_list_add(&l, e->d_name);
		if (r < 0)
			return r;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), compare_ids);
	*ret_n = l.n;
	*ret = TAKE_PTR(l.v);
	l.n = 0;
	return 0;
}

void tn_state_done(struct tn_state *s)
{
	free(s->id);
	free(s->bundle);
	free(s->rootfs);
	free(s->created);
	free(s->cgroup_path);
	free(s->cgroup_parent);
	tn_cgroup_dirs_done(&s->cgroup_dirs);
	free(s->systemd_unit);
	free(s->systemd_invocation);
	if (s->annotations)
		for (size_t i = 0; i < 2 * s->n_annotations; i++)
			free(s->annotations[i]);
	free(s->annotations);
	*s = (struct tn_state){ 0 };
}

/* Whether the container still has its exec fifo: created, not yet started. */
static bool has_exec_fifo(const char *root, const char *id)
{
	_cleanup_free_ char *fifo = NULL;

	if (asprintf(&fifo, "%s/%s/%s", root, id, TN_EXEC_FIFO) < 0) {
		fifo = NULL;
		return false;
	}
	return access(fifo, F_OK) == 0;
}

void tn_state_refresh(const char *root, struct tn_state *s)
{
	const struct tn_cgroup_at at = tn_state_cgroup(s);
	uint64_t start = tn_proc_start_time(s->pid);

	if (s->pid <= 0 || start == 0 || start != s->pid_start) {
		s->status = TN_STATUS_STOPPED;
		return;
	}
	/* Frozen first: a created container may be paused too (as runc), and reads "paused". */
	s->status = TN_STATUS_RUNNING;
	if (s->cgroup_path && s->cgroup_path[0] && tn_cgroup_frozen(&at))
		s->status = TN_STATUS_PAUSED;
	else if (has_exec_fifo(root, s->id))
		s->status = TN_STATUS_CREATED;
}

struct tn_cgroup_at tn_state_cgroup(const struct tn_state *s)
{
	return (struct tn_cgroup_at){ s->cgroup_path, s->cgroup_parent };
}

const char *tn_status_name(enum tn_status st)
{
	static const char *const names[] = {
		[TN_STATUS_CREATING] = "creating", [TN_STATUS_CREATED] = "created",
		[TN_STATUS_RUNNING] = "running",   [TN_STATUS_PAUSED] = "paused",
		[TN_STATUS_STOPPED] = "stopped",
	};

	return names[st];
}

int tn_write_pid_file(const char *path, pid_t pid, struct tn_error **err)
{
	char text[32];
	int n = snprintf(text, sizeof(text), "%d", (int)pid);
	int r = tn_volatile_replace(path, text, (size_t)n, 0644, geteuid(), getegid());

	return r < 0 ? tn_error_errno(err, -r, "cannot write the pid file %s", path) : 0;
}
