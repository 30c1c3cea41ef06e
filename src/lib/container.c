/* SPDX-License-Identifier: Apache-2.0 */
/* `create`: from config.json to an init process waiting for `start` (container.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "clock.h"
#include "container-internal.h"
#include "exe-seal.h"
#include "fs.h"
#include "idmap-write.h"
#include "idmapped.h"
#include "oci-state.h"
#include "parse.h"
#include "proc-stat.h"
#include "rootfs-copy.h"
#include "rootless.h"
#include "shift.h"
#include "userns-diag.h"
#include "tree-ids.h"
#include "idmap-sparse.h"
#include "userns-pool.h"
#include "banned.h"

int tn_sync_send(int fd, enum tn_sync_type type, int code, pid_t pid, const struct tn_error *e)
{
	struct tn_sync_msg m = { .type = type, .code = code, .pid = pid };

	if (e) {
		snprintf(m.message, sizeof(m.message), "%s", e->message ? e->message : "");
		snprintf(m.hint, sizeof(m.hint), "%s", e->hint ? e->hint : "");
	}
	return RETRY_EINTR(send(fd, &m, sizeof(m), MSG_NOSIGNAL)) == (ssize_t)sizeof(m)
		       ? 0
		       : negative_errno();
}

int tn_sync_send_pid(int fd, pid_t pid, uint64_t userns)
{
	struct tn_sync_msg m = { .type = TN_SYNC_PID, .pid = pid, .userns = userns };

	return RETRY_EINTR(send(fd, &m, sizeof(m), MSG_NOSIGNAL)) == (ssize_t)sizeof(m)
		       ? 0
		       : negative_errno();
}

int tn_sync_recv(int fd, struct tn_sync_msg *m)
{
	ssize_t n = RETRY_EINTR(recv(fd, m, sizeof(*m), 0));

	if (n < 0)
		return negative_errno();
	return n == (ssize_t)sizeof(*m) ? 0 : -EPIPE;
}

void tn_container_done(struct tn_container *c)
{
	free(c->state_dir);
	free(c->remap_user);
	tn_error_free(c->warning);
	*c = (struct tn_container){ 0 };
}

int tn_container_remove_dir(const char *dir)
{
	static const char *const files[] = { TN_EXEC_FIFO, TN_STATE_FILE, TN_CONFIG_COPY };
	char path[PATH_MAX];

	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (unlink(path) < 0 && errno != ENOENT)
			return negative_errno();
	}
	return rmdir(dir) < 0 && errno != ENOENT ? negative_errno() : 0;
}

int tn_container_preserved_fds_check(unsigned n, struct tn_error **err)
{
	for (unsigned i = 0; i < n && i < INT_MAX - 3; i++) {
		if (fcntl(3 + (int)i, F_GETFD) >= 0)
			continue;
		tn_error_set(err, EBADF, "--preserve-fds %u: fd %u is not open", n, 3 + i);
		return tn_error_hint(err,
				     "pass that many descriptors from fd 3 up, or a smaller N");
	}
	return 0;
}

/* ---- planning, before anything exists ---- */

struct create_plan {
	struct tn_oci_config cfg;
	char *cgroup;	  /* the cgroup's path below each hierarchy */
	bool cgroup_used; /* created and entered (not for a rootless caller without one) */
	struct tn_cgroup_dirs cgroup_made; /* what creating it made: undone on failure */
	char *config_path;
	char *config_text; /* as read once: parsed, and kept in the state directory as is */
	size_t config_len;
	char *bundle;
	char *rootfs;
	struct tn_user caller;
	struct tn_userns_plan maps;
	struct tn_seccomp_bpf seccomp;
	struct tn_pool_grant grant;	  /* --userns auto */
	struct tn_idmap_extent *remap[2]; /* --userns remap: the remap user's ranges */
	size_t n_remap[2];
	struct tn_remap_added remap_added;
	char *remap_user;
	struct tn_idmap_extent auto_map[2]; /* its maps */
	struct tn_idmap_extent *sparse[2];  /* --userns auto:size=image: the rootfs's IDs */
	size_t n_sparse[2];
	bool idmap_rootfs; /* the rootfs is idmapped onto the container's maps (R makes it) */
	struct tn_idmapped_mounts idm; /* made before the fork, attached by init */
	char *copy;	      /* ... or copied, shifted, here (rootless; no idmapped mounts) */
	bool pooled;	      /* a range was allocated: commit or release it */
	uint64_t init_userns; /* the inode of init's user namespace, as P1 saw it */
	bool new_userns;
	int new_flags;
};

static void create_plan_done(struct create_plan *p)
{
	tn_oci_config_done(&p->cfg);
	free(p->cgroup);
	tn_cgroup_dirs_done(&p->cgroup_made);
	free(p->config_path);
	free(p->config_text);
	free(p->bundle);
	free(p->rootfs);
	tn_user_done(&p->caller);
	tn_userns_plan_done(&p->maps);
	tn_seccomp_bpf_done(&p->seccomp);
	free(p->remap[0]);
	free(p->remap[1]);
	free(p->sparse[0]);
	free(p->sparse[1]);
	free(p->copy);
	free(p->remap_user);
	tn_idmapped_mounts_done(&p->idm);
}

/*
 * An unshifted rootfs (auto:size=image) seen through the container's maps: an idmapped mount
 * as root where the filesystem takes one, else a shifted copy of its own.
 */
static int prepare_rootfs_view(const struct tn_container_opts *o, struct create_plan *p,
			       struct tn_error **err)
{
	const struct tn_idmap_extent *ext[2] = { p->sparse[0], p->sparse[1] };
	int r;

	if (!p->idmap_rootfs || p->n_sparse[0] == 0 ||
	    (!tn_rootless() && tn_idmapped_supported(p->rootfs)))
		return 0;
	p->idmap_rootfs = false;
	p->copy = tn_rootfs_copy_path(o->root, o->id);
	if (!p->copy)
		return -ENOMEM;
	r = tn_rootfs_copy_prepare(p->copy, err);
	/* The ID is free (its state directory was just made): a copy there is a crashed one's. */
	if (r == 0)
		r = tn_rootfs_copy_remove(p->copy, o->subid, err);
	if (r == 0)
		r = tn_rootfs_copy(p->rootfs, p->copy, o->subid, ext, p->n_sparse, err);
	if (r < 0) {
		free(p->copy);
		p->copy = NULL;
		return r;
	}
	free(p->rootfs);
	p->rootfs = strdup(p->copy);
	return p->rootfs ? 0 : -ENOMEM;
}

static int resolve_paths(const struct tn_container_opts *o, struct create_plan *p,
			 struct tn_error **err)
{
	_cleanup_free_ char *config = NULL, *root = NULL;
	int r;

	p->bundle = realpath(o->bundle ? o->bundle : ".", NULL);
	if (!p->bundle)
		return tn_error_errno(err, errno, "bundle %s", o->bundle ? o->bundle : ".");
	if (o->config_path)
		config = strdup(o->config_path);
	else if (asprintf(&config, "%s/config.json", p->bundle) < 0)
		config = NULL;
	if (!config)
		return -ENOMEM;
	p->config_path = strdup(config);
	if (!p->config_path)
		return -ENOMEM;
	/* Read once: the bundle's owner may change the file, and what exec and delete's hooks
	 * later take from the state directory must be what was checked here. */
	r = tn_read_file(config, TN_CONFIG_MAX, &p->config_text, &p->config_len, NULL);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", config);
	r = tn_oci_config_parse(config, p->config_text, p->config_len, &p->cfg, err);
	if (r < 0)
		return r;
	if (!p->cfg.has_process)
		return tn_error_set(err, EINVAL, "%s: process: missing (create needs it)", config);
	if (p->cfg.root_path[0] == '/')
		root = strdup(p->cfg.root_path);
	else if (asprintf(&root, "%s/%s", p->bundle, p->cfg.root_path) < 0)
		root = NULL;
	if (!root)
		return -ENOMEM;
	p->rootfs = realpath(root, NULL);
	if (!p->rootfs)
		return tn_error_errno(err, errno, "%s: root.path: cannot use root filesystem %s",
				      config, root);
	return 0;
}

/*
 * The user namespace's maps. As crun does, a rootless caller whose config.json has no user
 * namespace gets one anyway: the caller is process.user.uid inside, and its subordinate ranges
 * fill the rest.
 */
/* The user namespace mode: the annotation run.tenant.userns, else --userns; NULL: none. */
static const char *annotation(const struct tn_oci_config *c, const char *key);

static const char *userns_mode(const struct tn_container_opts *o, const struct tn_oci_config *c)
{
	const char *v = annotation(c, "run.tenant.userns");

	return v ? v : o->userns_mode;
}

/* The container IDs the rootfs uses, the process's own and root: each map's sparse plan. */
static int plan_sparse(struct create_plan *p, uint64_t *ret_size, struct tn_error **err)
{
	const struct tn_oci_process *proc = &p->cfg.process;
	struct tn_tree_ids ids;
	struct tn_idset set[2] = { 0 };
	uint64_t total[2] = { 0 };
	int r = tn_tree_ids_scan(p->rootfs, 0, &ids, err);

	if (r < 0)
		return r == -ENOMEM
			       ? r
			       : tn_error_hint(err, "auto:size=image reads every file's owner");
	for (int k = 0; k < 2 && r == 0; k++)
		r = tn_tree_ids_add(&ids, (enum tn_idmap_kind)k, 0);
	if (r == 0)
		r = tn_tree_ids_add(&ids, TN_IDMAP_UID, proc->uid);
	if (r == 0)
		r = tn_tree_ids_add(&ids, TN_IDMAP_GID, proc->gid);
	for (size_t i = 0; i < proc->n_additional_gids && r == 0; i++)
		r = tn_tree_ids_add(&ids, TN_IDMAP_GID, proc->additional_gids[i]);
	for (int k = 0; k < 2 && r == 0; k++) {
		r = tn_tree_ids_set(&ids, (enum tn_idmap_kind)k, &set[k]);
		if (r == 0)
			r = tn_idmap_sparse_plan(&set[k], &p->sparse[k], &p->n_sparse[k],
						 &total[k]);
		tn_idset_free(&set[k]);
	}
	tn_tree_ids_done(&ids);
	*ret_size = MAX(total[0], total[1]);
	return r;
}

/* auto[:size=N|image]: a range of the pool for this container alone (userns-pool.h). */
static int plan_auto(const struct tn_container_opts *o, struct create_plan *p, const char *mode,
		     struct tn_userns_request *req, struct tn_error **err)
{
	uint64_t size = TN_POOL_DEFAULT_SIZE;
	bool image = strcmp(mode, "auto:size=image") == 0;
	int r;

	if (image && (r = plan_sparse(p, &size, err)) < 0)
		return r;
	if (!image && strncmp(mode, "auto:size=", 10) == 0 &&
	    (tn_parse_u64(mode + 10, &size) < 0 || size == 0 || size > TN_ID_MAX))
		return tn_error_set(err, EINVAL,
				    "userns mode '%s': the size is not a number of IDs", mode);
	if (strcmp(mode, "auto") != 0 && strncmp(mode, "auto:size=", 10) != 0)
		return tn_error_set(
			err, EINVAL,
			"userns mode '%s' is not one of auto, auto:size=N, auto:size=image, remap, "
			"keep-id, host",
			mode);
	r = tn_pool_allocate(o->subid, o->root, o->id, (uint32_t)size, &p->grant, err);
	if (r < 0)
		return r;
	p->pooled = true;
	p->auto_map[0] = (struct tn_idmap_extent){ 0, p->grant.uid_start, p->grant.size };
	p->auto_map[1] = (struct tn_idmap_extent){ 0, p->grant.gid_start, p->grant.size };
	req->mode[0] = req->mode[1] = TN_IDMAP_EXPLICIT;
	for (int k = 0; k < 2; k++) {
		req->explicit_v[k] = &p->auto_map[k];
		req->n_explicit[k] = 1;
	}
	if (!image)
		return 0;
	/* The sparse extents, packed into the block; the rootfs is read as unshifted. */
	for (int k = 0; k < 2; k++) {
		for (size_t i = 0; i < p->n_sparse[k]; i++)
			p->sparse[k][i].outside += k ? p->grant.gid_start : p->grant.uid_start;
		req->explicit_v[k] = p->sparse[k];
		req->n_explicit[k] = p->n_sparse[k];
	}
	p->idmap_rootfs = true;
	return 0;
}

/* remap: the ranges of the remap user (tenant.conf), shared by every container that asks. */
static int plan_remap(const struct tn_container_opts *o, struct create_plan *p,
		      struct tn_userns_request *req, struct tn_error **err)
{
	int r;

	if (!req->privileged[0])
		return tn_error_set(err, EPERM,
				    "userns mode 'remap' needs root (as Docker's "
				    "--userns-remap); rootless, use auto or keep-id");
	r = tn_remap_owner(TN_TENANT_CONF, &p->remap_user, err);
	if (r == 0)
		r = tn_pool_remap(o->subid, p->remap_user, &p->remap[0], &p->n_remap[0],
				  &p->remap[1], &p->n_remap[1], &p->remap_added, err);
	if (r < 0)
		return r;
	req->mode[0] = req->mode[1] = TN_IDMAP_EXPLICIT;
	for (int k = 0; k < 2; k++) {
		req->explicit_v[k] = p->remap[k];
		req->n_explicit[k] = p->n_remap[k];
	}
	return 0;
}

/*
 * The user namespace's maps. Explicit mappings in config.json win; then the mode (auto: a
 * range of its own; keep-id; host: none, as root). As crun does, a rootless caller whose
 * config.json has no user namespace gets one anyway: the caller is process.user.uid inside,
 * and its subordinate ranges fill the rest.
 */
static int plan_userns(const struct tn_container_opts *o, struct create_plan *p,
		       struct tn_error **err)
{
	struct tn_userns_request req = { .src = o->subid, .check_helpers = true };
	const struct tn_oci_config *c = &p->cfg;
	const char *mode = c->n_uid_mappings ? NULL : userns_mode(o, c);
	int r;

	tn_userns_caller_privileges(req.privileged);
	if (mode && strcmp(mode, "host") == 0) {
		if (!req.privileged[0])
			return tn_error_set(err, EPERM,
					    "userns mode 'host' needs root: a rootless "
					    "container always has a user namespace");
		if (c->ns[TN_NS_USER].present)
			return tn_error_set(err, EINVAL,
					    "userns mode 'host', but linux.namespaces has "
					    "a \"user\" namespace");
		return 0;
	}
	if (!mode && !c->ns[TN_NS_USER].present && req.privileged[0] && req.privileged[1])
		return 0;
	if (c->ns[TN_NS_USER].path)
		return 0; /* joined: its maps exist */
	if (!mode && c->ns[TN_NS_USER].present && !c->n_uid_mappings && req.privileged[0]) {
		tn_error_set(err, EINVAL, "linux.uidMappings: a new user namespace needs mappings");
		return tn_error_hint(err,
				     "as root, say which host IDs the container gets, e.g. "
				     "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}], "
				     "or use --userns auto");
	}
	p->new_userns = true;
	r = tn_user_from_uid(getuid(), &p->caller);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot look up the calling user");
	req.user = &p->caller;
	req.gid = getgid();
	if (c->n_uid_mappings) {
		req.mode[0] = req.mode[1] = TN_IDMAP_EXPLICIT;
		req.explicit_v[0] = c->uid_mappings;
		req.n_explicit[0] = c->n_uid_mappings;
		req.explicit_v[1] = c->gid_mappings;
		req.n_explicit[1] = c->n_gid_mappings;
	} else if (mode && strncmp(mode, "auto", 4) == 0) {
		r = plan_auto(o, p, mode, &req, err);
		if (r < 0)
			return r;
	} else if (mode && strcmp(mode, "remap") == 0) {
		r = plan_remap(o, p, &req, err);
		if (r < 0)
			return r;
	} else if (mode && strcmp(mode, "keep-id") != 0) {
		return tn_error_set(
			err, EINVAL,
			"userns mode '%s' is not one of auto, auto:size=N, auto:size=image, remap, "
			"keep-id, host",
			mode);
	} else {
		req.mode[0] = req.mode[1] = TN_IDMAP_KEEP_ID;
		req.own_inside_set = !mode; /* keep-id: the caller's own ID inside */
		req.own_inside[0] = c->process.uid;
		req.own_inside[1] = c->process.gid;
		req.single_if_no_ranges = true;
	}
	return tn_userns_plan_build(&req, &p->maps, err);
}

/*
 * A rootfs tenant has shifted before (its record is in tenant's store) follows the
 * container: shifted to its maps unless it is there already, or finished when a shift was
 * interrupted. Once per range; an unshifted tree is never chowned behind the user's back.
 */
static int shift_rootfs(const struct tn_container_opts *o, struct create_plan *p,
			struct tn_error **err)
{
	struct tn_idmap rec[2] = { { .kind = TN_IDMAP_UID }, { .kind = TN_IDMAP_GID } };
	struct tn_shift_request req = { .root = p->rootfs };
	struct tn_shift_result res;
	int r;

	if (!p->new_userns || p->idmap_rootfs || p->n_sparse[0] > 0)
		return 0;
	r = tn_shift_recorded(p->rootfs, rec);
	tn_idmap_done(&rec[0]);
	tn_idmap_done(&rec[1]);
	if (r == -ENODATA || r == -ENOTSUP)
		return 0;
	req.to[0] = &p->maps.map[0];
	req.to[1] = &p->maps.map[1];
	return tn_shift_run(&req, o->subid, &res, err);
}

/* The pre-flight (container-preflight.c), unless the maps were made from the tree itself or the
 * annotation run.tenant.preflight=off says not to. */
static int preflight(const struct create_plan *p, struct tn_error **warn)
{
	const char *mode = annotation(&p->cfg, "run.tenant.preflight");

	if (!p->new_userns || p->n_sparse[0] > 0 || (mode && strcmp(mode, "off") == 0))
		return 0;
	return tn_container_preflight(&p->cfg, p->bundle, p->rootfs, p->maps.map, warn);
}

static const char *annotation(const struct tn_oci_config *c, const char *key)
{
	for (size_t i = 0; i < c->n_annotations; i++)
		if (strcmp(c->annotations[2 * i], key) == 0)
			return c->annotations[2 * i + 1];
	return NULL;
}

/*
 * run.tenant.rootfs-idmap (auto, on, off; default auto): as root with a new user namespace, a
 * rootfs of unshifted IDs (its root directory's owner is a container ID of the maps, not one of
 * their host IDs) is idmapped onto the container's maps, so one tree serves containers on any
 * range without chown. auto does it where the filesystem takes idmapped mounts.
 */
static int plan_rootfs_idmap(struct create_plan *p, struct tn_error **err)
{
	const char *v = annotation(&p->cfg, "run.tenant.rootfs-idmap");
	uint32_t inside;
	struct stat st;

	if (v && strcmp(v, "auto") != 0 && strcmp(v, "on") != 0 && strcmp(v, "off") != 0)
		return tn_error_set(err, EINVAL,
				    "annotations: run.tenant.rootfs-idmap: '%s' is not auto, on "
				    "or off",
				    v);
	if (p->idmap_rootfs || (v && strcmp(v, "off") == 0))
		return 0;
	if (v && strcmp(v, "on") == 0) {
		if (!p->new_userns)
			return tn_error_set(err, EINVAL,
					    "annotations: run.tenant.rootfs-idmap is on, but the "
					    "container has no new user namespace to map onto");
		p->idmap_rootfs = true; /* refused later, with the reason, when it cannot be */
		return 0;
	}
	if (!p->new_userns || tn_rootless() || stat(p->rootfs, &st) < 0 ||
	    tn_idmap_translate(&p->maps.map[0], st.st_uid, false, &inside) == 0 ||
	    tn_idmap_translate(&p->maps.map[0], st.st_uid, true, &inside) < 0)
		return 0;
	p->idmap_rootfs = tn_idmapped_supported(p->rootfs);
	return 0;
}

static int plan_create(const struct tn_container_opts *o, struct create_plan *p,
		       struct tn_error **err)
{
	int r = resolve_paths(o, p, err);

	if (r == 0)
		r = plan_userns(o, p, err);
	if (r == 0)
		r = plan_rootfs_idmap(p, err);
	if (r == 0)
		r = tn_sysctl_check(&p->cfg, err);
	if (r == 0 && p->cfg.seccomp)
		r = tn_seccomp_compile(p->cfg.seccomp, &p->seccomp, err);
	if (r < 0)
		return r;
	p->cgroup = tn_cgroup_path(p->cfg.cgroups_path, o->id);
	if (!p->cgroup)
		return tn_error_set(err, EINVAL, "linux.cgroupsPath: '%s' is not a cgroup path",
				    p->cfg.cgroups_path ? p->cfg.cgroups_path : "");
	for (int t = 0; t < TN_NS_COUNT; t++)
		if (p->cfg.ns[t].present && !p->cfg.ns[t].path && t != TN_NS_USER)
			p->new_flags |= tn_ns_clone_flag((enum tn_ns_type)t);
	if (p->new_userns)
		p->new_flags |= CLONE_NEWUSER | CLONE_NEWNS;
	if (!p->cfg.ns[TN_NS_MOUNT].present && !p->new_userns)
		return tn_error_set(err, EINVAL,
				    "linux.namespaces: a container needs a \"mount\" namespace");
	if (o->console_socket && !p->cfg.process.terminal)
		return tn_error_set(err, EINVAL,
				    "--console-socket is given but process.terminal is false");
	if (p->cfg.process.terminal && !o->console_socket && !o->foreground) {
		tn_error_set(
			err, EINVAL,
			"process.terminal is true, but there is no --console-socket to send the "
			"terminal to");
		return tn_error_hint(err, "pass --console-socket PATH (as podman and containerd "
					  "do), or set process.terminal to false");
	}
	if (p->cfg.hostname && !(p->new_flags & CLONE_NEWUTS))
		return tn_error_set(err, EINVAL,
				    "hostname: setting it needs a new \"uts\" namespace in "
				    "linux.namespaces");
	return 0;
}

/* ---- R: talking to the child stages ---- */

static int write_maps(struct create_plan *p, pid_t pid, struct tn_error **err)
{
	const struct tn_idmap *maps[2] = { &p->maps.map[0], &p->maps.map[1] };
	const char *helpers[2] = { p->maps.helper[0].path, p->maps.helper[1].path };

	return tn_idmap_write(pid, maps, helpers, err);
}

/*
 * P1's namespaces exist: the maps of a new user namespace, then the container's cgroup (made,
 * limited, P1 moved in), before P1 makes the cgroup namespace and forks init, which inherits
 * both. A rootless caller without a delegated cgroup gets none.
 */
static int setup_stage1(const struct tn_container_opts *o, struct create_plan *p, pid_t p1, int fd,
			struct tn_error **err)
{
	int r;

	if (p->new_userns) {
		r = write_maps(p, p1, err);
		if (r < 0)
			return r;
	}
	if (!o->no_cgroup) {
		r = tn_cgroup_enter(p->cgroup, p1, &p->cfg.resources, tn_rootless(),
				    &p->cgroup_made, &p->cgroup_used, err);
		if (r < 0)
			return r;
	}
	return tn_sync_send(fd, TN_SYNC_GO, 0, 0, NULL);
}

static int child_error(const struct tn_sync_msg *m, struct tn_error **err)
{
	if (m->type == TN_SYNC_UNSHARE_FAILED) { /* explained with this machine's facts */
		struct tn_userns_facts f;

		tn_userns_facts_gather("/proc", m->code, &f);
		return tn_userns_explain(&f, err);
	}
	tn_error_set(err, m->code > 0 ? m->code : EIO, "%s", m->message);
	if (m->hint[0])
		tn_error_hint(err, "%s", m->hint);
	return -(m->code > 0 ? m->code : EIO);
}

/* prestart and createRuntime, in tenant's namespaces; then init may go on, with the state. */
static int runtime_hooks(const struct tn_container_opts *o, struct create_plan *p, pid_t pid,
			 int fd, struct tn_error **err)
{
	_cleanup_free_ char *json = NULL, *now = tn_now_rfc3339();
	struct tn_state s = {
		.id = (char *)o->id,
		.pid = pid,
		.bundle = p->bundle,
		.created = now ? now : (char *)"",
		.owner = getuid(),
		.annotations = p->cfg.annotations,
		.n_annotations = p->cfg.n_annotations,
		.status = TN_STATUS_CREATING,
	};
	struct tn_error carrier = { 0 };
	int r = tn_state_to_json(&s, TN_OCI_VERSION, &json);

	if (r < 0)
		return r;
	r = tn_hooks_run(&p->cfg.hooks, TN_HOOK_PRESTART, json, err);
	if (r == 0)
		r = tn_hooks_run(&p->cfg.hooks, TN_HOOK_CREATE_RUNTIME, json, err);
	if (r < 0)
		return r;
	if (strlen(json) >= sizeof(((struct tn_sync_msg *)NULL)->message))
		return tn_error_set(err, E2BIG, "the container's state is too large for its hooks");
	carrier.message = json;
	return tn_sync_send(fd, TN_SYNC_GO, 0, 0, &carrier);
}

/*
 * Follow P1 and P2 through setup until init is ready and its PID known: both arrive on the
 * same socket in either order (init may be ready before P1 gets to say its PID). Init's hook
 * point waits for the PID too.
 */
static int supervise_setup(const struct tn_container_opts *o, struct create_plan *p, int fd,
			   pid_t p1, pid_t *init_pid, struct tn_error **err)
{
	_cleanup_free_ struct tn_sync_msg *m = malloc(sizeof(*m));
	bool ready = false, hooks = false;

	if (!m)
		return -ENOMEM;
	while (!ready || *init_pid <= 0) {
		int r = tn_sync_recv(fd, m);

		if (r < 0)
			return tn_error_set(err, EIO,
					    "the container's init process exited during "
					    "setup");
		switch (m->type) {
		case TN_SYNC_SETUP:
			r = setup_stage1(o, p, p1, fd, err);
			if (r < 0)
				return r;
			break;
		case TN_SYNC_PID:
			if (m->pid <= 0)
				return tn_error_set(err, EIO, "the container's init has no PID");
			*init_pid = m->pid;
			p->init_userns = m->userns;
			break;
		case TN_SYNC_HOOKS:
			hooks = true;
			break;
		case TN_SYNC_READY:
			ready = true;
			break;
		default:
			return child_error(m, err);
		}
		if (hooks && *init_pid > 0) {
			hooks = false;
			r = runtime_hooks(o, p, *init_pid, fd, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* A copy of config.json in the state directory: exec takes the container's process from it. */
static int save_config(const struct tn_container_opts *o, struct create_plan *p,
		       struct tn_error **err)
{
	_cleanup_free_ char *dir = tn_state_dir(o->root, o->id), *dst = NULL;
	int r;

	if (!dir || asprintf(&dst, "%s/%s", dir, TN_CONFIG_COPY) < 0)
		return -ENOMEM;
	r = tn_atomic_replace(dst, p->config_text, p->config_len, 0600, geteuid(), getegid());
	return r < 0 ? tn_error_errno(err, -r, "cannot keep a copy of %s", p->config_path) : 0;
}

static int save_state(const struct tn_container_opts *o, struct create_plan *p, pid_t pid,
		      struct tn_error **err)
{
	struct tn_state s = {
		.id = (char *)o->id,
		.pid = pid,
		.pid_start = tn_proc_start_time(pid),
		.bundle = p->bundle,
		.created = tn_now_rfc3339(),
		.owner = getuid(),
		.annotations = p->cfg.annotations,
		.n_annotations = p->cfg.n_annotations,
		.rootless = tn_rootless(),
		.new_pid_ns = (p->new_flags & CLONE_NEWPID) != 0,
		.cgroup_path = p->cgroup_used ? p->cgroup : NULL,
		.cgroup_dirs = p->cgroup_made, /* borrowed: s is never tn_state_done'd */
	};
	int r = s.created ? tn_state_save(o->root, &s, err) : -ENOMEM;

	free(s.created);
	if (r == 0 && o->pid_file)
		r = tn_write_pid_file(o->pid_file, pid, err);
	return r;
}

/* The state directory with exec.fifo, writable by the container's root (runc's 0622). */
static int make_state_dir(const struct tn_container_opts *o, char **ret_dir, int *ret_fifo,
			  struct tn_error **err)
{
	_cleanup_free_ char *dir = tn_state_dir(o->root, o->id), *fifo = NULL;
	int r = tn_state_root_prepare(o->root, err);

	if (r < 0)
		return r;
	if (!dir || asprintf(&fifo, "%s/%s", dir, TN_EXEC_FIFO) < 0)
		return -ENOMEM;
	if (mkdir(dir, 0700) < 0) {
		if (errno == EEXIST)
			return tn_error_set(err, EEXIST, "container '%s' already exists", o->id);
		return tn_error_errno(err, errno, "cannot create %s", dir);
	}
	if (mkfifo(fifo, 0600) < 0 || chmod(fifo, 0622) < 0 ||
	    (*ret_fifo = open(fifo, O_PATH | O_CLOEXEC)) < 0) {
		r = tn_error_errno(err, errno, "cannot create %s", fifo);
		tn_container_remove_dir(dir);
		return r;
	}
	*ret_dir = TAKE_PTR(dir);
	return 0;
}

static void kill_init(pid_t pid, bool reap)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	if (reap)
		(void)RETRY_EINTR(waitpid(pid, NULL, 0));
}

static int launch(const struct tn_container_opts *o, struct create_plan *p, int fifo_fd,
		  pid_t *ret_pid, struct tn_error **err)
{
	struct tn_init_ctx ctx = { .cfg = &p->cfg,
				   .o = o,
				   .rootfs = p->rootfs,
				   .fifo_fd = fifo_fd,
				   .new_flags = p->new_flags,
				   .cgroup_setup = !o->no_cgroup,
				   .proc_fd = -1,
				   .rootfs_fd = p->idm.rootfs_fd,
				   .mount_fds = p->idm.fds,
				   .sigmask = o->sigmask,
				   .seccomp = p->cfg.seccomp ? &p->seccomp : NULL };
	pid_t p1, init = 0;
	int sv[2], r;

	ctx.console_fd = -1;
	if (o->console_socket) {
		r = tn_console_connect(o->console_socket, &ctx.console_fd, err);
		if (r < 0)
			return r;
	}
	/* Also when tenant itself runs in a user namespace (under rootless podman): no mknod, and
	 * the kernel's mount restrictions of user namespaces apply. */
	ctx.in_userns = p->new_userns || p->cfg.ns[TN_NS_USER].path || tn_rootless();
	ctx.setgroups_ok = !p->new_userns || !p->maps.map[1].deny_setgroups;
	ctx.maps_dumpable = p->new_userns &&
			    (geteuid() != 0 || p->maps.map[0].writer == TN_IDMAP_WRITE_HELPER ||
			     p->maps.map[1].writer == TN_IDMAP_WRITE_HELPER);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		if (ctx.console_fd >= 0)
			close(ctx.console_fd);
		return tn_error_errno(err, errno, "cannot create a socket pair");
	}
	/* Init stays tenant's child until tenant exits (when P1 is gone), so an init that fails
	 * during setup is reaped here and its PID cannot be reused under us. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	p1 = fork();
	if (p1 < 0) {
		r = tn_error_errno(err, errno, "cannot fork");
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (p1 == 0) {
		close(sv[0]);
		ctx.sync_fd = sv[1];
		tn_container_stage1(&ctx);
	}
	close(sv[1]);
	if (ctx.console_fd >= 0)
		close(ctx.console_fd);
	r = supervise_setup(o, p, sv[0], p1, &init, err);
	close(sv[0]);
	if (r < 0)
		kill(p1, SIGKILL);
	(void)RETRY_EINTR(waitpid(p1, NULL, 0));
	if (r < 0) {
		kill_init(init, true);
		return r;
	}
	*ret_pid = init;
	return 0;
}

/*
 * A failed create: nothing may run on in the cgroup it entered (an init whose PID R never
 * learnt exits on its own, but maybe not yet), and what it made goes.
 */
static void undo_cgroup(struct create_plan *p)
{
	if (p->cgroup_used)
		(void)tn_cgroup_kill(p->cgroup);
	if (p->cgroup_made.n > 0)
		(void)tn_cgroup_remove(p->cgroup, &p->cgroup_made);
}

extern char **environ;

/*
 * Before anything of the container exists: run from a sealed copy of tenant's binary when the
 * container could write the binary (exe-seal.h). The process planned so far runs again from the
 * copy: what planning did is idempotent (the state root, the remap account, and the --userns auto
 * range, which is this PID's own pending entry and is taken again).
 */
static int seal_if_reachable(const struct tn_container_opts *o, const struct create_plan *p,
			     struct tn_error **err)
{
	const struct tn_idmap *maps[2] = { &p->maps.map[0], &p->maps.map[1] };

	/* A user namespace joined by path: its maps are not read here. */
	if (!p->new_userns || p->cfg.ns[TN_NS_USER].path)
		return tn_exe_seal_if_reachable(NULL, o->argv, environ, o->sigmask, err);
	return tn_exe_seal_if_reachable(maps, o->argv, environ, o->sigmask, err);
}

int tn_container_create(const struct tn_container_opts *o, struct tn_container *ret,
			struct tn_error **err)
{
	struct create_plan p = { .idm = { .rootfs_fd = -1 } };
	_cleanup_close_ int fifo_fd = -1;
	char *dir = NULL;
	pid_t pid = 0;
	int r;

	*ret = (struct tn_container){ 0 };
	r = tn_container_id_check(o->id, err);
	/* As runc: the state root first (made if missing; refused when someone else's). */
	if (r == 0)
		r = tn_state_root_prepare(o->root, err);
	if (r == 0)
		r = plan_create(o, &p, err);
	if (r == 0)
		r = seal_if_reachable(o, &p, err);
	if (r == 0)
		r = shift_rootfs(o, &p, err);
	if (r == 0)
		r = preflight(&p, &ret->warning);
	if (r == 0)
		r = make_state_dir(o, &dir, &fifo_fd, err);
	/* The config first: a delete --force of what a killed create left finds its cgroup. */
	if (r == 0)
		r = save_config(o, &p, err);
	if (r == 0 && (r = prepare_rootfs_view(o, &p, err)) == 0)
		r = tn_container_idmapped(&p.cfg, p.bundle, p.rootfs, p.idmap_rootfs,
					  p.new_userns ? p.maps.map : NULL, &p.idm, err);
	if (r == 0)
		r = launch(o, &p, fifo_fd, &pid, err);
	if (r == 0)
		r = save_state(o, &p, pid, err);
	if (r == 0 && p.pooled)
		r = tn_pool_commit(o->root, o->id, pid, p.init_userns, err);
	/* Undo in reverse: init first, so that no process is left on a range given back. */
	if (r < 0 && pid > 0)
		kill_init(pid, true);
	if (r < 0)
		undo_cgroup(&p);
	if (p.pooled && r < 0)
		tn_pool_release(o->root, o->id);
	if (p.copy && r < 0)
		(void)tn_rootfs_copy_remove(p.copy, o->subid, NULL);
	if (r < 0 && dir)
		tn_container_remove_dir(dir);
	if (r == 0)
		ret->remap_user = TAKE_PTR(p.remap_user);
	create_plan_done(&p);
	if (r < 0) {
		free(dir);
		tn_error_free(ret->warning);
		ret->warning = NULL;
		return r;
	}
	ret->pid = pid;
	ret->state_dir = dir;
	ret->no_cgroup = !o->no_cgroup && !p.cgroup_used;
	ret->pool_added = p.pooled && p.grant.added_pool;
	ret->registry_recovered = p.pooled && p.grant.recovered;
	ret->remap_added = p.remap_added.ranges;
	ret->remap_account_added = p.remap_added.account;
	return 0;
}
