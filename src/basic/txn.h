/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A transaction: an operation of several steps, each of which may leave something behind (a
 * directory, a range of IDs, a process, a cgroup), registers how to undo it as soon as it has
 * made it. Leaving the scope without tn_txn_commit() undoes everything, newest first:
 *
 *	_cleanup_(tn_txn_rollback) struct tn_txn t = TN_TXN_INIT("create");
 *
 *	r = tn_txn_step(&t, "state-dir", err);     // a fault may be injected here
 *	if (r < 0)
 *		return r;
 *	r = make_dir(...);
 *	if (r < 0)
 *		return r;
 *	r = tn_txn_undo(&t, remove_dir, dir);      // from now on, a failure removes it
 *	if (r < 0)
 *		return r;
 *	...
 *	tn_txn_commit(&t);
 *
 * Fault injection, for tests: with TENANT_FAULT=NAME:STEP in the environment, tn_txn_step() of
 * that step fails with ECANCELED, as if the step itself had failed before it did anything; with
 * TENANT_FAULT_LOG=FILE each step reached is appended to FILE as "NAME:STEP", so a test can list
 * the steps and fail each in turn. Neither can do more than make tenant fail or write such a line:
 * the log is a regular file (not a fifo that would pause tenant) reached through no symlink,
 * owned by tenant's user or root, opened without blocking; anything else is ignored.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

typedef void (*tn_undo_fn)(void *data);

struct tn_txn_undo {
	tn_undo_fn fn;
	void *data;
};

struct tn_txn {
	const char *name;
	struct tn_txn_undo *v; /* in the order registered */
	size_t n, cap;
};

#define TN_TXN_INIT(NAME)                                                                          \
	{                                                                                          \
		.name = (NAME)                                                                     \
	}

/* The start of a step: 0, or -ECANCELED when TENANT_FAULT names it (err says so). */
int tn_txn_step(struct tn_txn *t, const char *step, struct tn_error **err);
/* Register fn(data) to undo what was just done. Out of memory, it is undone at once (-ENOMEM). */
int tn_txn_undo(struct tn_txn *t, tn_undo_fn fn, void *data);
/* Success: nothing is undone. */
void tn_txn_commit(struct tn_txn *t);
/* Undo what was registered, newest first (nothing after commit); for _cleanup_. */
void tn_txn_rollback(struct tn_txn *t);
