/* SPDX-License-Identifier: Apache-2.0 */
/* Idmapped mounts (idmapped.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "idmapped.h"
#include "macro.h"
#include "idmap-write.h"
#include "idmap.h"
#include "banned.h"

static int open_tree_clone(const char *path, bool recursive)
{
	long fd = syscall(SYS_open_tree, AT_FDCWD, path,
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));

	return fd < 0 ? negative_errno() : (int)fd;
}

static int set_idmap(int tree, int userns_fd, bool recursive)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };

	return syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0),
		       &attr, sizeof(attr)) < 0
		       ? negative_errno()
		       : 0;
}

int tn_idmapped_tree(const char *path, int userns_fd, bool clone_recursive, bool idmap_recursive,
		     int *ret, struct tn_error **err)
{
	int tree = open_tree_clone(path, clone_recursive), r;

	if (tree < 0)
		return tn_error_errno(err, -tree, "cannot clone the mount tree of %s", path);
	r = set_idmap(tree, userns_fd, idmap_recursive);
	if (r < 0) {
		close(tree);
		tn_error_errno(err, -r, "cannot make an idmapped mount of %s", path);
		if (r == -EINVAL)
			tn_error_hint(err, "its filesystem (or one mounted below it) does not take "
					   "idmapped mounts; tenant check lists which do");
		return r;
	}
	*ret = tree;
	return 0;
}

int tn_mount_attach(int tree_fd, int dirfd, const char *target)
{
	return syscall(SYS_move_mount, tree_fd, "", dirfd, target,
		       MOVE_MOUNT_F_EMPTY_PATH | (*target ? 0 : MOVE_MOUNT_T_EMPTY_PATH)) < 0
		       ? negative_errno()
		       : 0;
}

/* A child in a new user namespace, waiting to be killed; its maps are written by the caller. */
static int child_userns(pid_t *ret_pid, int *ret_fd)
{
	char path[64], c;
	int pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return negative_errno();
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (unshare(CLONE_NEWUSER) < 0 || write(pipefd[1], "u", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	*ret_pid = pid;
	close(pipefd[1]);
	if (RETRY_EINTR(read(pipefd[0], &c, 1)) != 1) {
		close(pipefd[0]);
		return -ECHILD;
	}
	close(pipefd[0]);
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	*ret_fd = open(path, O_RDONLY | O_CLOEXEC);
	return *ret_fd < 0 ? negative_errno() : 0;
}

bool tn_idmapped_supported(const char *path)
{
	static const struct tn_idmap_extent probe = { 0, 4000000000u, 1 };
	const struct tn_idmap_extent *ext[2] = { &probe, &probe };
	const size_t n[2] = { 1, 1 };
	struct tn_idmap_userns u;
	int tree = -1, r = tn_idmap_userns_make(ext, n, &u);

	if (r == 0 && (tree = open_tree_clone(path, false)) < 0)
		r = tree;
	if (r == 0)
		r = set_idmap(tree, u.fd, false);
	if (tree >= 0)
		close(tree);
	tn_idmap_userns_done(&u);
	return r == 0;
}

/* The maps are written as root writes its own: directly (idmap-write.c), no helper. */
int tn_idmap_userns_make(const struct tn_idmap_extent *const ext[2], const size_t n[2],
			 struct tn_idmap_userns *ret)
{
	struct tn_idmap maps[2] = { { .kind = TN_IDMAP_UID }, { .kind = TN_IDMAP_GID } };
	const struct tn_idmap *const mp[2] = { &maps[0], &maps[1] };
	const char *const helpers[2] = { NULL, NULL };
	int r;

	*ret = (struct tn_idmap_userns){ .fd = -1 };
	r = child_userns(&ret->pid, &ret->fd);
	for (int k = 0; r == 0 && k < 2; k++)
		for (size_t i = 0; r == 0 && i < n[k]; i++)
			r = tn_idmap_push(&maps[k], ext[k][i].inside, ext[k][i].outside,
					  ext[k][i].count);
	if (r == 0)
		r = tn_idmap_write(ret->pid, mp, helpers, NULL);
	tn_idmap_done(&maps[0]);
	tn_idmap_done(&maps[1]);
	if (r < 0)
		tn_idmap_userns_done(ret);
	return r;
}

void tn_idmap_userns_done(struct tn_idmap_userns *u)
{
	if (u->fd >= 0)
		close(u->fd);
	if (u->pid > 0) {
		kill(u->pid, SIGKILL);
		(void)RETRY_EINTR(waitpid(u->pid, NULL, 0));
	}
	*u = (struct tn_idmap_userns){ .fd = -1 };
}

int tn_idmapped_fs(const char *type, const char *source, const char *data, int userns_fd, int *ret,
		   struct tn_error **err)
{
	_cleanup_free_ char *opts = data ? strdup(data) : NULL;
	int fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC), mnt = -1, r = 0;

	if (fs < 0)
		return tn_error_errno(err, errno, "cannot open a %s filesystem", type);
	if (source && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		r = negative_errno();
	for (char *o = opts, *next; r == 0 && o && *o; o = next) {
		char *eq;

		next = o + strcspn(o, ",");
		if (*next)
			*next++ = '\0';
		eq = strchr(o, '=');
		if (eq)
			*eq = '\0';
		if (syscall(SYS_fsconfig, fs, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, o,
			    eq ? eq + 1 : NULL, 0) < 0)
			r = negative_errno();
	}
	if (r == 0 && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		r = negative_errno();
	if (r == 0 && (mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0)) < 0)
		r = negative_errno();
	close(fs);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot make a %s filesystem", type);
	r = set_idmap(mnt, userns_fd, false);
	if (r < 0) {
		close(mnt);
		return tn_error_errno(err, -r, "cannot make an idmapped mount of a %s filesystem",
				      type);
	}
	*ret = mnt;
	return 0;
}
