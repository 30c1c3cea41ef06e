/* SPDX-License-Identifier: Apache-2.0 */
/* Listing containers and their processes (container-list.h). */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "container-list.h"
#include "container.h"
#include "fs.h"
#include "oci-config.h"
#include "idmap.h"
#include "proc-stat.h"
#include "banned.h"

/* "1001,100000-165535": the host IDs a container's UIDs (k 0) or GIDs (k 1) are. */
static char *host_ids(const struct tn_idmap maps[2], int k)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };

	tn_idmap_format_host_ranges(&maps[k], &b);
	return b.data ? tn_buf_steal(&b) : strdup("-");
}

/* The host IDs and user namespace of a container that runs; "-" and 0 for one that does not. */
static void fill_host_ids(const char *root, struct tn_container_info *c)
{
	_cleanup_(tn_idmaps_done) struct tn_idmap maps[2] = { 0 };

	if (c->state.status != TN_STATUS_STOPPED && c->state.pid > 0)
		c->userns = tn_proc_userns_inode(c->state.pid);
	if (c->state.status == TN_STATUS_STOPPED ||
	    tn_container_maps(root, c->state.id, maps, NULL) < 0) {
		c->host_uids = strdup("-");
		c->host_gids = strdup("-");
		return;
	}
	c->host_uids = host_ids(maps, 0);
	c->host_gids = host_ids(maps, 1);
}

/* The root filesystem's absolute path, from the config the container was created from (as
 * runc's state has it); NULL when that cannot be read. */
static char *rootfs_of(const char *root, const struct tn_state *s)
{
	_cleanup_(tn_oci_config_done) struct tn_oci_config cfg = { 0 };
	_cleanup_free_ char *dir = tn_state_dir(root, s->id), *path = NULL, *joined = NULL;

	if (!dir || asprintf(&path, "%s/%s", dir, TN_CONFIG_COPY) < 0)
		return NULL;
	if (tn_oci_config_load(path, &cfg, NULL) < 0 || !cfg.root_path || !s->bundle)
		return NULL;
	if (cfg.root_path[0] == '/')
		return tn_path_absolute_clean(cfg.root_path);
	if (asprintf(&joined, "%s/%s", s->bundle, cfg.root_path) < 0)
		return NULL;
	return tn_path_absolute_clean(joined);
}

static void container_info_done(struct tn_container_info *c)
{
	tn_state_done(&c->state);
	free(c->rootfs);
	free(c->host_uids);
	free(c->host_gids);
}

void tn_container_list_done(struct tn_container_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		container_info_done(&l->v[i]);
	free(l->v);
	*l = (struct tn_container_list){ 0 };
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* The IDs of tn_state_list, freed by scope. */
struct id_vector {
	char **v;
	size_t n;
};

static void id_vector_done(struct id_vector *ids)
{
	free_ids(ids->v, ids->n);
}

int tn_container_list(const char *root, unsigned flags, struct tn_container_list *ret,
		      struct tn_error **err)
{
	_cleanup_(id_vector_done) struct id_vector ids = { 0 };
	_cleanup_(tn_container_list_done) struct tn_container_list l = { 0 };
	int r;

	r = tn_state_list(root, &ids.v, &ids.n, err);
	if (r < 0)
		return r;
	l.v = calloc(ids.n ? ids.n : 1, sizeof(*l.v));
	if (!l.v)
		return -ENOMEM;
	for (size_t i = 0; i < ids.n; i++) {
		struct tn_container_info *c = &l.v[l.n];

		/* Gone or damaged since it was listed: not shown, as it is not there. */
		if (tn_state_load(root, ids.v[i], &c->state, NULL) < 0)
			continue;
		l.n++;
		if (flags & TN_LIST_ROOTFS)
			c->rootfs = rootfs_of(root, &c->state);
		if (flags & TN_LIST_HOST_IDS)
			fill_host_ids(root, c);
	}
	*ret = TAKE_STRUCT(l);
	return 0;
}

void tn_process_list_done(struct tn_process_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].comm);
	free(l->v);
	*l = (struct tn_process_list){ 0 };
}

int tn_container_processes(const char *root, const char *id, struct tn_process_list *ret,
			   struct tn_error **err)
{
	_cleanup_free_ pid_t *pids = NULL;
	_cleanup_(tn_process_list_done) struct tn_process_list l = { 0 };
	size_t n = 0;
	int r;

	r = tn_container_pids(root, id, &pids, &n, err);
	if (r < 0)
		return r;
	l.v = calloc(n ? n : 1, sizeof(*l.v));
	if (!l.v)
		return -ENOMEM;
	for (l.n = 0; l.n < n; l.n++) {
		l.v[l.n].pid = pids[l.n];
		(void)tn_proc_comm(pids[l.n], &l.v[l.n].comm); /* left NULL when it ended */
	}
	*ret = TAKE_STRUCT(l);
	return 0;
}
