/* SPDX-License-Identifier: Apache-2.0 */
/* create's plan (container-plan.h), and what the container modules share (container.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>

#include "container-idmap.h"
#include "container-lsm.h"
#include "container-plan.h"
#include "container-preflight.h"
#include "container-process.h"
#include "container-tty.h"
#include "clock.h"
#include "exe-seal.h"
#include "fs.h"
#include "idmapped.h"
#include "oci-state.h"
#include "parse.h"
#include "proc-stat.h"
#include "rootfs-copy.h"
#include "rootless.h"
#include "shift.h"
#include "tree-ids.h"
#include "idmap-sparse.h"
#include "userns-pool.h"
#include "banned.h"

void tn_container_done(struct tn_container *c)
{
	free(c->state_dir);
	free(c->state_text);
	tn_hooks_done(&c->hooks);
	free(c->remap_user);
	tn_error_free(c->warning);
	tn_error_free(c->cgroup_warning);
	*c = (struct tn_container){ 0 };
}

int tn_container_preserved_fds_check(unsigned n, struct tn_error **err)
{
	int r;

	for (unsigned i = 0; i < n && i < INT_MAX - 3; i++) {
		if (fcntl(3 + (int)i, F_GETFD) >= 0)
			continue;
		r = tn_error_set(err, EBADF, "--preserve-fds %u: fd %u is not open", n, 3 + i);
		return tn_error_hint(err, r,
				     "pass that many descriptors from fd 3 up, or a smaller N");
	}
	return 0;
}

/* ---- planning, before anything exists ---- */

void create_plan_done(struct create_plan *p)
{
	tn_oci_config_done(&p->cfg);
	free(p->cgroup);
	free(p->cgroup_parent);
	tn_cgroup_dirs_done(&p->cgroup_made);
	tn_systemd_path_done(&p->systemd);
	tn_error_free(p->cgroup_warning);
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
/* The user namespace mode: the annotation run.tenant.userns, else --userns. */
static const struct tn_userns_mode *userns_mode(const struct tn_container_opts *o,
						const struct tn_oci_config *c)
{
	return c->policy.userns.kind != TN_USERNS_UNSET ? &c->policy.userns : &o->userns_mode;
}

/* The container IDs the rootfs uses, the process's own and root: each map's sparse plan. */
static int plan_sparse(struct create_plan *p, uint64_t *ret_size, struct tn_error **err)
{
	const struct tn_oci_process *proc = &p->cfg.process;
	const struct {
		enum tn_idmap_kind kind;
		uint32_t id;
	} own[] = {
		{ TN_IDMAP_UID, 0 },
		{ TN_IDMAP_GID, 0 },
		{ TN_IDMAP_UID, proc->uid },
		{ TN_IDMAP_GID, proc->gid },
	};
	_cleanup_(tn_tree_ids_done) struct tn_tree_ids ids = { 0 };
	uint64_t total[2] = { 0 };
	int r = tn_tree_ids_scan(p->rootfs, 0, &ids, err);

	if (r < 0)
		return r == -ENOMEM
			       ? r
			       : tn_error_hint(err, r, "auto:size=image reads every file's owner");
	for (size_t i = 0; i < ELEMENTSOF(own); i++) {
		r = tn_tree_ids_add(&ids, own[i].kind, own[i].id);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < proc->n_additional_gids; i++) {
		r = tn_tree_ids_add(&ids, TN_IDMAP_GID, proc->additional_gids[i]);
		if (r < 0)
			return r;
	}
	for (int k = 0; k < 2; k++) {
		_cleanup_(tn_idset_free) struct tn_idset set = { 0 };

		r = tn_tree_ids_set(&ids, (enum tn_idmap_kind)k, &set);
		if (r < 0)
			return r;
		r = tn_idmap_sparse_plan(&set, &p->sparse[k], &p->n_sparse[k], &total[k]);
		if (r < 0)
			return r;
	}
	*ret_size = MAX(total[0], total[1]);
	return 0;
}

/* auto[:size=N|image]: a range of the pool for this container alone (userns-pool.h). */
static int plan_auto(const struct tn_container_opts *o, struct create_plan *p,
		     const struct tn_userns_mode *mode, struct tn_userns_request *req,
		     struct tn_error **err)
{
	uint64_t size = mode->size ? mode->size : TN_POOL_DEFAULT_SIZE;
	bool image = mode->kind == TN_USERNS_AUTO_IMAGE;
	int r;

	if (image) {
		r = plan_sparse(p, &size, err);
		if (r < 0)
			return r;
	}
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
	if (r < 0)
		return r;
	r = tn_pool_remap(o->subid, p->remap_user, &p->remap[0], &p->n_remap[0], &p->remap[1],
			  &p->n_remap[1], &p->remap_added, err);
	if (r < 0)
		return r;
	req->mode[0] = req->mode[1] = TN_IDMAP_EXPLICIT;
	for (int k = 0; k < 2; k++) {
		req->explicit_v[k] = p->remap[k];
		req->n_explicit[k] = p->n_remap[k];
	}
	return 0;
}

/* The caller by UID alone, as tn_user_from_uid gives a UID without an account. */
static int caller_unnamed(struct tn_user *ret)
{
	*ret = (struct tn_user){ .uid = getuid(), .gid = (uint32_t)-1, .numeric = true };
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
	const struct tn_userns_mode *mode = userns_mode(o, c);
	/* Explicit mappings win over any mode. */
	enum tn_userns_kind kind = c->n_uid_mappings ? TN_USERNS_UNSET : mode->kind;
	int r;

	tn_userns_caller_privileges(req.privileged);
	if (kind == TN_USERNS_HOST) {
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
	if (kind == TN_USERNS_UNSET && !c->ns[TN_NS_USER].present && req.privileged[0] &&
	    req.privileged[1])
		return 0;
	if (c->ns[TN_NS_USER].path)
		return 0; /* joined: its maps exist */
	if (kind == TN_USERNS_UNSET && c->ns[TN_NS_USER].present && !c->n_uid_mappings &&
	    req.privileged[0]) {
		r = tn_error_set(err, EINVAL,
				 "linux.uidMappings: a new user namespace needs mappings");
		return tn_error_hint(err, r,
				     "as root, say which host IDs the container gets, e.g. "
				     "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}], "
				     "or use --userns auto");
	}
	p->new_userns = true;
	/* Root's own maps need no account (userns-plan.c looks the name up for an error): no
	 * nsswitch.conf and /etc/passwd on every run. */
	r = c->n_uid_mappings && req.privileged[0] && req.privileged[1]
		    ? caller_unnamed(&p->caller)
		    : tn_user_from_uid(getuid(), &p->caller);
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
	} else if (kind == TN_USERNS_AUTO || kind == TN_USERNS_AUTO_IMAGE) {
		r = plan_auto(o, p, mode, &req, err);
		if (r < 0)
			return r;
	} else if (kind == TN_USERNS_REMAP) {
		r = plan_remap(o, p, &req, err);
		if (r < 0)
			return r;
	} else { /* unset or keep-id */
		req.mode[0] = req.mode[1] = TN_IDMAP_KEEP_ID;
		/* keep-id: the caller's own ID inside */
		req.own_inside_set = kind == TN_USERNS_UNSET;
		req.own_inside[0] = c->process.uid;
		req.own_inside[1] = c->process.gid;
		req.single_if_no_ranges = true;
	}
	return tn_userns_plan_build(&req, &p->maps, err);
}

/* The pre-flight (container-preflight.c), unless the maps were made from the tree itself or the
 * annotation run.tenant.preflight=off says not to. */
static int preflight(const struct create_plan *p, struct tn_error **warn)
{
	if (!p->new_userns || p->n_sparse[0] > 0 || !p->cfg.policy.preflight)
		return 0;
	return tn_container_preflight(&p->cfg, p->bundle, p->rootfs, p->maps.map, warn);
}

/*
 * run.tenant.rootfs-idmap (auto, on, off; default auto): as root with a new user namespace, a
 * rootfs of unshifted IDs (its root directory's owner is a container ID of the maps, not one of
 * their host IDs) is idmapped onto the container's maps, so one tree serves containers on any
 * range without chown. auto does it where the filesystem takes idmapped mounts.
 */
static int plan_rootfs_idmap(struct create_plan *p, struct tn_error **err)
{
	enum tn_tristate v = p->cfg.policy.rootfs_idmap; /* a bad value was refused in parsing */
	uint32_t inside;
	struct stat st;

	if (p->idmap_rootfs || v == TN_TRISTATE_OFF)
		return 0;
	if (v == TN_TRISTATE_ON) {
		if (!p->new_userns)
			return tn_error_set(err, EINVAL,
					    "annotations: run.tenant.rootfs-idmap is on, but the "
					    "container has no new user namespace to map onto");
		p->idmap_rootfs = true; /* refused later, with the reason, when it cannot be */
		return 0;
	}
	/* A tree root extracted and only root may write (tn_idmapped_tree_trusted): through the
	 * mount the container's root writes as host root. */
	if (!p->new_userns || tn_rootless() || stat(p->rootfs, &st) < 0 ||
	    !tn_idmapped_tree_trusted(&st) ||
	    tn_idmap_translate(&p->maps.map[0], st.st_uid, false, &inside) == 0 ||
	    tn_idmap_translate(&p->maps.map[0], st.st_uid, true, &inside) < 0)
		return 0;
	/* No probe: R idmaps it on the container's user namespace, or binds it as it is where its
	 * filesystem refuses (container-idmap.c); the very directory checked here. */
	p->idmap_rootfs = p->idmap_rootfs_auto = true;
	p->rootfs_dev = st.st_dev;
	p->rootfs_ino = st.st_ino;
	return 0;
}

/*
 * Where the cgroup goes: cgroupfs takes linux.cgroupsPath as a path; the systemd manager as
 * SLICE:PREFIX:NAME, whose scope's cgroup systemd reports once it made it (setup_stage1).
 */
static int plan_cgroup(const struct tn_container_opts *o, struct create_plan *p,
		       struct tn_error **err)
{
	int r;

	/*
	 * The user's own manager for a caller that is not root, and for root of a user namespace
	 * the system manager does not take (rootless podman runs its runtime so: runc decides
	 * the same); root, in a system container's user namespace too, talks to the system one.
	 */
	if (o->systemd_cgroup) {
		bool user = geteuid() != 0 || (tn_rootless() && !tn_sdbus_system_private());

		if (user && tn_cgroup_layout() != TN_CGROUP_V2) {
			r = tn_error_set(err, EOPNOTSUPP,
					 "the systemd cgroup manager needs cgroup v2 "
					 "for a rootless caller");
			return tn_error_hint(err, r,
					     "this host has cgroup v1 (or hybrid): use "
					     "--cgroup-manager cgroupfs");
		}
		r = tn_systemd_path_parse(p->cfg.cgroups_path, o->id, user, &p->systemd, err);
		if (r < 0)
			return r;
		if (!tn_sdbus_reachable(user)) {
			r = tn_error_set(err, EOPNOTSUPP,
					 "no systemd %s manager answers here: cannot "
					 "use the systemd cgroup manager",
					 user ? "user" : "system");
			return tn_error_hint(
				err, r, "%s",
				user ? "start the user's systemd (loginctl enable-linger USER; "
				       "XDG_RUNTIME_DIR set), or use --cgroup-manager cgroupfs"
				     : "systemd must be PID 1 (/run/systemd/system) with /run/systemd/private; "
				       "or use --cgroup-manager cgroupfs with a linux.cgroupsPath such as "
				       "/machine.slice/NAME");
		}
		p->cgroup = strdup(p->systemd.cgroup);
		return p->cgroup ? 0 : -ENOMEM;
	}
	p->cgroup = tn_cgroup_path(p->cfg.cgroups_path, o->id);
	if (!p->cgroup)
		return tn_error_set(err, EINVAL, "linux.cgroupsPath: '%s' is not a cgroup path",
				    p->cfg.cgroups_path ? p->cfg.cgroups_path : "");
	/* A relative path is below tenant's own cgroups (on cgroup2 alone, the parent of its
	 * own), as runc's: kept in the state, for the commands that find it from other cgroups. */
	if (p->cgroup[0] != '/') {
		r = tn_cgroup_creator(&p->cgroup_parent);
		if (r < 0)
			return tn_error_errno(err, -r, "cannot read /proc/self/cgroup");
	}
	return 0;
}

int plan_create(const struct tn_container_opts *o, struct create_plan *p, struct tn_error **err)
{
	int r = resolve_paths(o, p, err);

	if (r < 0)
		return r;
	r = plan_userns(o, p, err);
	if (r < 0)
		return r;
	r = plan_rootfs_idmap(p, err);
	if (r < 0)
		return r;
	r = tn_sysctl_check(&p->cfg, err);
	if (r < 0)
		return r;
	r = tn_lsm_check(&p->cfg.process, err);
	if (r < 0)
		return r;
	if (p->cfg.seccomp) {
		r = tn_seccomp_compile(p->cfg.seccomp, &p->seccomp, err);
		if (r < 0)
			return r;
	}
	r = plan_cgroup(o, p, err);
	if (r < 0)
		return r;
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
	if (p->cfg.process.terminal && !o->console_socket && !o->foreground)
		return tn_console_refuse_detached(err);
	if (p->cfg.process.terminal && !o->console_socket && o->console_fd <= 0)
		return tn_console_refuse_no_host(err);
	/* As runc, a UTS namespace the container joins by path may be given the names too (a
	 * pod's containers share the sandbox's: containerd sets the hostname of each). */
	if (p->cfg.hostname && !p->cfg.ns[TN_NS_UTS].present)
		return tn_error_set(err, EINVAL,
				    "hostname: setting it needs a \"uts\" namespace in "
				    "linux.namespaces");
	if ((p->cfg.time_offsets[TN_TIME_MONOTONIC].given ||
	     p->cfg.time_offsets[TN_TIME_BOOTTIME].given) &&
	    !(p->new_flags & tn_ns_clone_flag(TN_NS_TIME)))
		return tn_error_set(err, EINVAL,
				    "linux.timeOffsets: they need a new \"time\" namespace in "
				    "linux.namespaces");
	if (p->cfg.domainname && !p->cfg.ns[TN_NS_UTS].present)
		return tn_error_set(err, EINVAL,
				    "domainname: setting it needs a \"uts\" namespace in "
				    "linux.namespaces");
	return 0;
}

int plan_preflight(const struct create_plan *p, struct tn_error **warn)
{
	return preflight(p, warn);
}
