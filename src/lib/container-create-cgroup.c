/* SPDX-License-Identifier: Apache-2.0 */
/* create's cgroup (container-create-run.h): cgroupfs or systemd's scope, a system container's
 * delegation, and the undo that empties and removes what was made. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cgroup-systemd.h"
#include "container-create-run.h"
#include "container-devices.h"
#include "rootless.h"
#include "banned.h"

/* Nothing may run on in the cgroup (an init whose PID R never learnt, a hook's child), and
 * what entering it made goes. */
static void undo_cgroup(void *data)
{
	struct create_run *c = data;

	const struct tn_cgroup_at at = { c->p.cgroup, c->p.cgroup_parent };

	/* systemd's scope too: P1 waits in it, and a stop job would wait out its SIGTERM. Not a
	 * cgroup that had processes before (cgroupsPath shared): those are not the container's,
	 * and its own (P1, init) have undos of their own, as runc kills only its init. */
	if ((c->p.cgroup_used && c->p.cgroup_busy == 0) || c->p.systemd_started)
		(void)tn_cgroup_kill(&at);
	if (c->p.cgroup_made.n > 0)
		(void)tn_cgroup_remove(&at, &c->p.cgroup_made);
	if (c->p.systemd_started)
		(void)tn_systemd_stop(c->p.systemd.unit, c->p.systemd.user, NULL);
}

/* --cgroup-manager systemd: the scope, with P1 in it; cgroupfs goes on from where it is. */
static int enter_systemd(struct create_run *c, struct tn_error **err)
{
	struct create_plan *p = &c->p;
	char *cgroup = NULL, dropped[128];
	int r = tn_systemd_enter(&p->systemd, c->o->id, c->p1, &p->cfg.resources, p->systemd.user,
				 &cgroup, p->systemd_invocation, err);

	if (r < 0)
		return r;
	p->systemd_started = true;
	free(p->cgroup);
	p->cgroup = cgroup;
	r = tn_systemd_usable(cgroup, &p->cfg.resources, dropped, sizeof(dropped));
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read the controllers of cgroup %s", cgroup);
	tn_systemd_dropped_warning(&p->cgroup_warning, cgroup, p->systemd.unit, dropped);
	return 0;
}

/*
 * A system container: a user namespace and a cgroup namespace of its own, and its cgroup view
 * mounted read-write (the default spec mounts it read-only). Its root gets the cgroup
 * delegated, as crun delegates it, so that a systemd inside makes its cgroups there; runc
 * leaves the cgroup root's, and systemd fails ("Failed to create /init.scope control group").
 */
static bool delegates_cgroup(const struct create_plan *p)
{
	if (!p->new_userns || !(p->new_flags & CLONE_NEWCGROUP) || geteuid() != 0)
		return false; /* root, in a user namespace too (a system container's tenant) */
	for (size_t i = 0; i < p->cfg.n_mounts; i++) {
		const struct tn_oci_mount *m = &p->cfg.mounts[i];

		if (!m->bind && m->type &&
		    (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) &&
		    !(m->flags & MS_RDONLY))
			return true;
	}
	return false;
}

static int delegate_cgroup(const struct create_plan *p, struct tn_error **err)
{
	uint32_t uid, gid;
	int r;

	if (tn_idmap_translate(&p->maps.map[0], 0, true, &uid) < 0 ||
	    tn_idmap_translate(&p->maps.map[1], 0, true, &gid) < 0)
		return 0; /* no root inside (refused by the config's checks before) */
	r = tn_cgroup_delegate(&(struct tn_cgroup_at){ p->cgroup, p->cgroup_parent },
			       &p->cgroup_made, p->systemd_started, uid, gid);
	if (r < 0 && tn_rootless() && (r == -EPERM || r == -EINVAL))
		return 0; /* in a user namespace whose root may not give it: as it is */
	if (r < 0)
		return tn_error_errno(err, -r, "cannot delegate cgroup %s to the container's root",
				      p->cgroup);
	return 0;
}

/* As runc: a rootless caller may go without a cgroup of its own, never without the one the
 * config names; with systemd's scope, without the hierarchies it may not write (v1 controllers
 * in a user namespace: runc's rootless manager). */
static bool cgroup_optional(const struct create_run *c)
{
	const struct create_plan *p = &c->p;

	return tn_rootless() &&
	       (c->o->systemd_cgroup || !(p->cfg.cgroups_path && p->cfg.cgroups_path[0]));
}

/* The cgroup's steps before anything enters it: the undo first (making may fail half-way,
 * having made directories), the default device rules. */
static int cgroup_begin(struct create_run *c, struct tn_error **err)
{
	int r = tn_txn_step(&c->txn, "cgroup", err);

	if (r < 0)
		return r;
	r = tn_txn_undo(&c->txn, undo_cgroup, c);
	if (r < 0)
		return r;
	r = tn_container_device_rules(&c->p.cfg, tn_rootless());
	return r < 0 ? tn_error_errno(err, -r, "cannot add the default device rules") : 0;
}

/* A system container's cgroup, given to its root (delegates_cgroup). */
static int cgroup_delegate(struct create_run *c, struct tn_error **err)
{
	return (c->p.cgroup_used || c->placed.used) && delegates_cgroup(&c->p)
		       ? delegate_cgroup(&c->p, err)
		       : 0;
}

/* cgroupfs, before P1 exists: the cgroup made, so that P1 is cloned into it; limited once
 * init exists (init_known). */
int tn_create_cgroup_place(struct create_run *c, struct tn_error **err)
{
	struct create_plan *p = &c->p;
	int r;

	if (c->o->no_cgroup || c->o->systemd_cgroup)
		return 0;
	r = cgroup_begin(c, err);
	if (r < 0)
		return r;
	r = tn_cgroup_make(&(struct tn_cgroup_at){ p->cgroup, p->cgroup_parent }, &p->cfg.resources,
			   cgroup_optional(c), &p->cgroup_made, &c->placed, &p->cgroup_busy, err);
	if (r < 0)
		return r;
	return cgroup_delegate(c, err); /* used once P1 is in it (fork_p1, setup_stage1) */
}

/* systemd's scope (P1 in it), then cgroupfs in it and the hierarchies systemd leaves. */
int tn_create_cgroup_systemd(struct create_run *c, struct tn_error **err)
{
	struct create_plan *p = &c->p;
	int r = cgroup_begin(c, err);

	if (r < 0)
		return r;
	r = enter_systemd(c, err);
	if (r < 0)
		return r;
	r = tn_cgroup_enter(&(struct tn_cgroup_at){ p->cgroup, p->cgroup_parent }, c->p1,
			    &p->cfg.resources, cgroup_optional(c), &p->cgroup_made, &p->cgroup_used,
			    &p->cgroup_busy, err);
	if (r < 0)
		return r;
	p->cgroup_busy = 0; /* P1, whom systemd moved into the new scope */
	return cgroup_delegate(c, err);
}
