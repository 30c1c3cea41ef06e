/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create's plan: config.json read once and checked, the paths, the user namespace's maps (a
 * range of the pool, the remap user's, keep-id, explicit), the rootfs's view, the seccomp
 * filter, the cgroup. Planning makes nothing but a pending range of the pool (plan.pooled),
 * which the caller registers to give back (container-create.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "accounts.h"
#include "cgroup-systemd.h"
#include "cgroup.h"
#include "container-idmap.h"
#include "container.h"
#include "idmap.h"
#include "oci-config.h"
#include "oci-seccomp.h"
#include "userns-plan.h"
#include "userns-pool.h"

struct create_plan {
	struct tn_oci_config cfg;
	char *cgroup;	     /* the cgroup's path (tn_cgroup_path): "/a/b", or relative "ID" */
	char *cgroup_parent; /* relative: where it goes below (tn_cgroup_creator, tn_cgroup_at) */
	bool cgroup_used;    /* created and entered (not for a rootless caller without one) */
	size_t cgroup_busy;  /* processes found in it already (shared, as runc 1.1: a warning) */
	struct tn_cgroup_dirs cgroup_made; /* what creating it made: undone on failure */
	struct tn_systemd_path systemd;	   /* --cgroup-manager systemd: the scope (unit set) */
	bool systemd_started;		   /* systemd made it: stopped on failure */
	char systemd_invocation[33];	   /* ... this start of it (its InvocationID) */
	struct tn_error *cgroup_warning;   /* limits its cgroup cannot apply (systemd) */
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
	bool idmap_rootfs;	/* the rootfs is idmapped onto the container's maps (R makes it) */
	bool idmap_rootfs_auto; /* ...where its filesystem takes idmapped mounts */
	dev_t rootfs_dev;	/* the rootfs directory planning checked, made idmapped (ino 0: */
	ino_t rootfs_ino;	/* not pinned) */
	struct tn_idmapped_mounts idm; /* made by R (before the fork, or on P1's user namespace
					* once its maps are written), attached by init */
	char *copy;	      /* ... or copied, shifted, here (rootless; no idmapped mounts) */
	bool pooled;	      /* a range was allocated: commit or release it */
	uint64_t init_userns; /* the inode of init's user namespace, as P1 saw it */
	bool new_userns;
	int new_flags;
};

void create_plan_done(struct create_plan *p);
int plan_create(const struct tn_container_opts *o, struct create_plan *p, struct tn_error **err);
/* Owners in the rootfs and bind sources the maps cannot show, as a warning. */
int plan_preflight(const struct create_plan *p, struct tn_error **warn);
