/* SPDX-License-Identifier: Apache-2.0 */
/*
 * R, before the fork: the idmapped mounts of a container (container-idmap.h). Made here, as
 * root on the host (the kernel wants privilege over the source's filesystem), each as a detached
 * mount whose fd init inherits and attaches where the mount goes.
 *
 *	the rootfs       (auto:size=image, run.tenant.rootfs-idmap): the container's own maps
 *	mounts[i]        "idmap" / "ridmap" without mappings: the container's own maps
 *	                 uidMappings + gidMappings: a user namespace of those maps (runc's way)
 *
 * The container's own maps are those of its new user namespace: P1's, once R wrote them (R makes
 * the mounts then and sends them to P1, container-sources.h), so no process or namespace is made
 * for them. Without P1 (the probe of auto:size=image, tests), they are the planned ones in a
 * user namespace held by a child of tenant for as long as it takes (an idmapped mount keeps its
 * namespace's maps, not the child).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "container-idmap.h"
#include "idmapped.h"
#include "rootless.h"
#include "banned.h"

struct ctx {
	const struct tn_oci_config *cfg;
	const char *bundle;
	const struct tn_idmap *maps; /* the container's planned maps, or NULL */
	int p1_userns;		     /* the container's user namespace with its maps, or -1 */
	struct tn_idmap_userns own;  /* made from `maps` on first use (no p1_userns) */
	int joined;		     /* the user namespace config.json joins, or -1 */
	bool rootfs_optional;	     /* run.tenant.rootfs-idmap=auto: no idmap where refused */
	dev_t rootfs_dev;
	ino_t rootfs_ino;
};

static void ctx_done(struct ctx *x)
{
	tn_idmap_userns_done(&x->own);
	x->joined = safe_close(x->joined);
}

/* The user namespace with the container's own maps. */
static int own_userns(struct ctx *x, const char *what, int *ret, struct tn_error **err)
{
	int r;

	if (x->p1_userns >= 0 || x->own.fd >= 0) {
		*ret = x->p1_userns >= 0 ? x->p1_userns : x->own.fd;
		return 0;
	}
	if (x->maps) {
		const struct tn_idmap_extent *ext[2] = { x->maps[0].v, x->maps[1].v };
		const size_t n[2] = { x->maps[0].n, x->maps[1].n };

		r = tn_idmap_userns_make(ext, n, &x->own);
		if (r < 0)
			return tn_error_errno(err, -r,
					      "%s: cannot make a user namespace of the "
					      "container's maps",
					      what);
		*ret = x->own.fd;
		return 0;
	}
	if (x->cfg->ns[TN_NS_USER].path) {
		if (x->joined < 0)
			x->joined = open(x->cfg->ns[TN_NS_USER].path, O_RDONLY | O_CLOEXEC);
		if (x->joined < 0)
			return tn_error_errno(err, errno, "%s: cannot open the user namespace %s",
					      what, x->cfg->ns[TN_NS_USER].path);
		*ret = x->joined;
		return 0;
	}
	r = tn_error_set(err, EINVAL,
			 "%s: idmap without uidMappings uses the container's maps, and "
			 "it has no user namespace",
			 what);
	return tn_error_hint(err, r,
			     "give the mount uidMappings and gidMappings, or the container "
			     "a user namespace");
}

static int one_mount(struct ctx *x, size_t i, int *ret, struct tn_error **err)
{
	const struct tn_oci_mount *m = &x->cfg->mounts[i];
	_cleanup_(tn_idmap_userns_done) struct tn_idmap_userns own = { .fd = -1 };
	char what[64], src[4096];
	int ns, r;

	snprintf(what, sizeof(what), "mounts[%zu]", i);
	if (m->n_uid_mappings) {
		const struct tn_idmap_extent *ext[2] = { m->uid_mappings, m->gid_mappings };
		const size_t n[2] = { m->n_uid_mappings, m->n_gid_mappings };

		r = tn_idmap_userns_make(ext, n, &own);
		if (r < 0)
			return tn_error_errno(err, -r,
					      "%s: cannot make a user namespace of its "
					      "uidMappings and gidMappings",
					      what);
		ns = own.fd;
	} else {
		r = own_userns(x, what, &ns, err);
		if (r < 0)
			return r;
	}
	if (!m->bind)
		return tn_idmapped_fs(m->type ? m->type : "none", m->source, m->data, ns, ret, err);
	if (m->source[0] == '/')
		snprintf(src, sizeof(src), "%s", m->source);
	else
		snprintf(src, sizeof(src), "%s/%s", x->bundle, m->source);
	return tn_idmapped_tree(src, ns, m->recursive || m->ridmap, m->ridmap, ret, err);
}

/* The rootfs, idmapped: the directory planning checked, still root's alone (auto), never one
 * swapped in meanwhile (a bundle's owner could point root.path at / by then). */
static int rootfs_tree(struct ctx *x, const char *rootfs, int ns, int *ret, struct tn_error **err)
{
	_cleanup_close_ int fd = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return tn_error_errno(err, errno, "root.path: cannot open %s", rootfs);
	if (x->rootfs_ino && (st.st_dev != x->rootfs_dev || st.st_ino != x->rootfs_ino ||
			      !tn_idmapped_tree_trusted(&st))) {
		int r = tn_error_set(err, ESTALE,
				     "root.path: %s changed during create (another directory, or "
				     "no longer root's alone)",
				     rootfs);

		return tn_error_hint(err, r, "nobody but root may change a bundle's rootfs");
	}
	return tn_idmapped_tree_at(fd, "", rootfs, ns, true, false, ret, err);
}

/* Every idmapped mount into `m` (its fds -1 until made): the rootfs's, then each mounts[i]'s. */
static int make_all(struct ctx *x, const char *rootfs, bool idmap_rootfs,
		    struct tn_idmapped_mounts *m, struct tn_error **err)
{
	int r, ns;

	if (idmap_rootfs) {
		r = own_userns(x, "root.path", &ns, err);
		if (r < 0)
			return r;
		r = rootfs_tree(x, rootfs, ns, &m->rootfs_fd, err);
		if (r < 0 && (!x->rootfs_optional || r == -ESTALE))
			return r;
		if (r < 0) { /* auto: a filesystem without idmapped mounts is bound as it is */
			tn_error_free(*err);
			*err = NULL;
		}
	}
	for (size_t i = 0; i < x->cfg->n_mounts; i++) {
		if (!x->cfg->mounts[i].idmap)
			continue;
		r = one_mount(x, i, &m->fds[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

bool tn_container_idmaps(const struct tn_oci_config *cfg, bool idmap_rootfs)
{
	for (size_t i = 0; i < cfg->n_mounts && !idmap_rootfs; i++)
		idmap_rootfs = cfg->mounts[i].idmap;
	return idmap_rootfs;
}

int tn_container_idmapped_allowed(const struct tn_oci_config *cfg, bool idmap_rootfs,
				  struct tn_error **err)
{
	int r;

	if (!tn_container_idmaps(cfg, idmap_rootfs) || (geteuid() == 0 && !tn_rootless()))
		return 0;
	r = tn_error_set(err, EPERM, "an idmapped mount needs root on the host");
	return tn_error_hint(err, r,
			     "the kernel wants privilege over the filesystem of its "
			     "source; rootless, use a shifted rootfs (auto:size=image "
			     "copies one) or a volume you own");
}

int tn_container_idmapped(const struct tn_container_idmap_req *req, struct tn_idmapped_mounts *ret,
			  struct tn_error **err)
{
	const struct tn_oci_config *cfg = req->cfg;
	_cleanup_(ctx_done) struct ctx x = {
		.cfg = cfg,
		.bundle = req->bundle,
		.maps = req->maps,
		.p1_userns = req->userns_fd,
		.own = { .fd = -1 },
		.joined = -1,
		.rootfs_optional = req->rootfs_optional,
		.rootfs_dev = req->rootfs_dev,
		.rootfs_ino = req->rootfs_ino,
	};
	_cleanup_(tn_idmapped_mounts_done) struct tn_idmapped_mounts m = { .rootfs_fd = -1 };
	int r;

	*ret = (struct tn_idmapped_mounts){ .rootfs_fd = -1 };
	if (!tn_container_idmaps(cfg, req->idmap_rootfs))
		return 0;
	r = tn_container_idmapped_allowed(cfg, req->idmap_rootfs, err);
	if (r < 0)
		return r;
	m.fds = calloc(cfg->n_mounts + 1, sizeof(*m.fds));
	if (!m.fds)
		return -ENOMEM;
	m.n = cfg->n_mounts;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		m.fds[i] = -1;
	r = make_all(&x, req->rootfs, req->idmap_rootfs, &m, err);
	if (r < 0)
		return r;
	*ret = m;
	m = (struct tn_idmapped_mounts){ .rootfs_fd = -1 }; /* moved to *ret */
	return 0;
}

void tn_idmapped_mounts_done(struct tn_idmapped_mounts *m)
{
	safe_close(m->rootfs_fd);
	for (size_t i = 0; i < m->n; i++)
		safe_close(m->fds[i]);
	free(m->fds);
	*m = (struct tn_idmapped_mounts){ .rootfs_fd = -1 };
}
