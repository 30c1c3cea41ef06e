/* SPDX-License-Identifier: Apache-2.0 */
/* Transactions with undo, and their fault injection (txn.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "macro.h"
#include "txn.h"
#include "banned.h"

/*
 * TENANT_FAULT_LOG: appended to only when it is a regular file reached without any symlink (a
 * directory on the path that someone else controls cannot redirect root's write), opened
 * without blocking (a fifo planted there cannot pause tenant) and only by its owner or root.
 */
static void log_step(const char *name, const char *step)
{
	const char *path = getenv("TENANT_FAULT_LOG");
	struct open_how how = {
		.flags = O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		.mode = 0600,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (!path || !*path)
		return;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    (st.st_uid != geteuid() && st.st_uid != 0))
		return;
	(void)dprintf(fd, "%s:%s\n", name, step);
}

static bool fault_here(const char *name, const char *step)
{
	const char *want = getenv("TENANT_FAULT");
	size_t n = strlen(name);

	return want && strncmp(want, name, n) == 0 && want[n] == ':' &&
	       strcmp(want + n + 1, step) == 0;
}

int tn_txn_step(struct tn_txn *t, const char *step, struct tn_error **err)
{
	log_step(t->name, step);
	if (!fault_here(t->name, step))
		return 0;
	return tn_error_set(err, ECANCELED, "%s: failed at step '%s' (TENANT_FAULT=%s:%s)", t->name,
			    step, t->name, step);
}

int tn_txn_undo(struct tn_txn *t, tn_undo_fn fn, void *data)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;
		struct tn_txn_undo *v = reallocarray(t->v, cap, sizeof(*v));

		if (!v) {
			fn(data);
			return -ENOMEM;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct tn_txn_undo){ fn, data };
	return 0;
}

void tn_txn_commit(struct tn_txn *t)
{
	t->n = 0;
}

void tn_txn_rollback(struct tn_txn *t)
{
	while (t->n > 0) {
		struct tn_txn_undo *u = &t->v[--t->n];

		u->fn(u->data);
	}
	free(t->v);
	t->v = NULL;
	t->cap = 0;
}
