/* SPDX-License-Identifier: Apache-2.0 */
/*
 * create's run, shared by the files create is made of (container-create.c, the transaction and
 * the stages; container-create-cgroup.c, the cgroup). Not for other modules: container.h is
 * create's interface.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgroup.h"
#include "container-plan.h"
#include "container.h"
#include "error.h"
#include "idmap.h"
#include "txn.h"

/*
 * Everything create makes, in the order it makes it; each piece registers its undo in `txn`
 * as soon as it exists, and a failure anywhere undoes them newest first (txn.h): init is
 * killed, the cgroup emptied and removed, the rootfs copy and the state directory removed, the
 * range given back. Nothing is left but what outlives any one container (the state root, the
 * remap account, a shifted tree's record).
 */
struct create_run {
	const struct tn_container_opts *o;
	struct create_plan p;
	struct tn_txn txn;
	char *dir;			/* the state directory */
	int fifo_fd;			/* O_PATH of its exec.fifo */
	int start_fd;			/* ... open for reading, for `run` (o->start_fd) */
	int sync_fd;			/* R's end of the socket to P1 and init */
	int p1_root, p1_userns;		/* P1's root and user namespace, for the sources (pin_p1) */
	pid_t p1, init;			/* 0 when there is none (any more) */
	struct tn_cgroup_placed placed; /* cgroupfs: made before P1, which joins it at SETUP */
	bool p1_cloned_in;		/* P1 was cloned into its cgroup2 directory */
	bool single;			/* P1 is init (container-init.h's single stage) */
	bool stage1_done;		/* SETUP's work done (setup_stage1) */
	bool go_sent;	   /* SETUP's GO sent (setup_stage1, ahead in the single stage) */
	bool init_go_sent; /* init's exec.fifo and GO sent ahead (send_ahead) */
	bool limits_set;   /* linux.resources applied (apply_limits) */
	bool pid_file_written;
	char *state_tmp; /* state.json written ahead, renamed into place at READY (container-state.h) */
	char *state_text;		    /* ... its text (the caller's, tn_container) */
	struct tn_error *preflight_warning; /* owners the maps cannot show (the caller's) */
	struct tn_idmap shifted_from[2]; /* the rootfs's recorded maps before create shifted it */
};

/* cgroupfs, before P1 exists: the cgroup made (and its undo registered), so that P1 is cloned
 * into it; limited once init exists. */
int tn_create_cgroup_place(struct create_run *c, struct tn_error **err);
/* --cgroup-manager systemd, at SETUP: the scope with P1 in it, then cgroupfs in it and the
 * hierarchies systemd leaves. */
int tn_create_cgroup_systemd(struct create_run *c, struct tn_error **err);
