/* SPDX-License-Identifier: Apache-2.0 */
/* Idmapped mounts (idmapped.h). */
#include <errno.h>
#include <sys/stat.h>
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

static int open_tree_clone_at(int dirfd, const char *path, bool recursive)
{
	long fd = syscall(SYS_open_tree, dirfd, path,
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0) |
				  (path[0] ? 0 : AT_EMPTY_PATH));

	return fd < 0 ? negative_errno() : (int)fd;
}

static int open_tree_clone(const char *path, bool recursive)
{
	return open_tree_clone_at(AT_FDCWD, path, recursive);
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
	return tn_idmapped_tree_at(AT_FDCWD, path, path, userns_fd, clone_recursive,
				   idmap_recursive, ret, err);
}

int tn_idmapped_tree_at(int dirfd, const char *path, const char *name, int userns_fd,
			bool clone_recursive, bool idmap_recursive, int *ret, struct tn_error **err)
{
	_cleanup_close_ int tree = open_tree_clone_at(dirfd, path, clone_recursive);
	int r;

	if (tree < 0)
		return tn_error_errno(err, -tree, "cannot clone the mount tree of %s", name);
	r = set_idmap(tree, userns_fd, idmap_recursive);
	if (r < 0) {
		tn_error_errno(err, -r, "cannot make an idmapped mount of %s", name);
		if (r == -EINVAL)
			tn_error_hint(err, r,
				      "its filesystem (or one mounted below it) does not take "
				      "idmapped mounts; tenant check lists which do");
		return r;
	}
	*ret = TAKE_FD(tree);
	return 0;
}

bool tn_idmapped_tree_trusted(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_uid == 0 && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

int tn_mount_attach(int tree_fd, int dirfd, const char *target)
{
	return syscall(SYS_move_mount, tree_fd, "", dirfd, target,
		       MOVE_MOUNT_F_EMPTY_PATH | (*target ? 0 : MOVE_MOUNT_T_EMPTY_PATH)) < 0
		       ? negative_errno()
		       : 0;
}

/* The child of child_userns(): a new user namespace, "u" on the pipe, then wait to be killed. */
_Noreturn static void child_main(int rd, int wr)
{
	/* Forked: no scope of this process's will end, the fds are closed by hand (or at _exit). */
	close(rd);
	if (unshare(CLONE_NEWUSER) < 0 || write(wr, "u", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

/* Fork child_main with a pipe; *ret_fd is its read end (the child holds the only write end). */
static int fork_child(pid_t *ret_pid, int *ret_fd)
{
	_cleanup_close_ int rd = -1, wr = -1;
	int pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return negative_errno();
	rd = pipefd[0];
	wr = pipefd[1];
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0)
		child_main(rd, wr);
	*ret_pid = pid;
	*ret_fd = TAKE_FD(rd);
	return 0;
}

/* A child in a new user namespace, waiting to be killed (u->pid, as soon as it runs), and its
 * namespace (u->fd); its maps are written by the caller. */
static int child_userns(struct tn_idmap_userns *u)
{
	_cleanup_close_ int rd = -1;
	char path[64], c;
	int r = fork_child(&u->pid, &rd);

	if (r < 0)
		return r;
	if (RETRY_EINTR(read(rd, &c, 1)) != 1)
		return -ECHILD;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)u->pid);
	u->fd = open(path, O_RDONLY | O_CLOEXEC);
	return u->fd < 0 ? negative_errno() : 0;
}

bool tn_idmapped_supported(const char *path)
{
	static const struct tn_idmap_extent probe = { 0, 4000000000u, 1 };
	const struct tn_idmap_extent *ext[2] = { &probe, &probe };
	const size_t n[2] = { 1, 1 };
	_cleanup_(tn_idmap_userns_done) struct tn_idmap_userns u = { .fd = -1 };
	_cleanup_close_ int tree = -1;

	if (tn_idmap_userns_make(ext, n, &u) < 0)
		return false;
	tree = open_tree_clone(path, false);
	if (tree < 0)
		return false;
	return set_idmap(tree, u.fd, false) == 0;
}

/* The maps are written as root writes its own: directly (idmap-write.c), no helper. */
int tn_idmap_userns_make(const struct tn_idmap_extent *const ext[2], const size_t n[2],
			 struct tn_idmap_userns *ret)
{
	_cleanup_(tn_idmap_userns_done) struct tn_idmap_userns u = { .fd = -1 };
	_cleanup_(tn_idmaps_done) struct tn_idmap maps[2] = { { .kind = TN_IDMAP_UID },
							      { .kind = TN_IDMAP_GID } };
	const struct tn_idmap *const mp[2] = { &maps[0], &maps[1] };
	const char *const helpers[2] = { NULL, NULL };
	int r;

	*ret = (struct tn_idmap_userns){ .fd = -1 };
	r = child_userns(&u);
	if (r < 0)
		return r;
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < n[k]; i++) {
			r = tn_idmap_push(&maps[k], ext[k][i].inside, ext[k][i].outside,
					  ext[k][i].count);
			if (r < 0)
				return r;
		}
	r = tn_idmap_write(u.pid, mp, helpers, NULL);
	if (r < 0)
		return r;
	*ret = u;
	u = (struct tn_idmap_userns){ .fd = -1 }; /* now *ret's */
	return 0;
}

void tn_idmap_userns_done(struct tn_idmap_userns *u)
{
	closep(&u->fd);
	if (u->pid > 0) {
		kill(u->pid, SIGKILL);
		(void)RETRY_EINTR(waitpid(u->pid, NULL, 0));
	}
	*u = (struct tn_idmap_userns){ .fd = -1 };
}

/* The source and the options ("a,b=c") of a filesystem context, then its creation. */
static int fs_configure(int fs, const char *source, char *opts)
{
	if (source && syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", source, 0) < 0)
		return negative_errno();
	for (char *o = opts, *next; o && *o; o = next) {
		char *eq;

		next = o + strcspn(o, ",");
		if (*next)
			*next++ = '\0';
		eq = strchr(o, '=');
		if (eq)
			*eq = '\0';
		if (syscall(SYS_fsconfig, fs, eq ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG, o,
			    eq ? eq + 1 : NULL, 0) < 0)
			return negative_errno();
	}
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negative_errno();
	return 0;
}

int tn_idmapped_fs(const char *type, const char *source, const char *data, int userns_fd, int *ret,
		   struct tn_error **err)
{
	_cleanup_free_ char *opts = data ? strdup(data) : NULL;
	_cleanup_close_ int fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC), mnt = -1;
	int r;

	if (fs < 0)
		return tn_error_errno(err, errno, "cannot open a %s filesystem", type);
	r = fs_configure(fs, source, opts);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot make a %s filesystem", type);
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		return tn_error_errno(err, errno, "cannot make a %s filesystem", type);
	r = set_idmap(mnt, userns_fd, false);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot make an idmapped mount of a %s filesystem",
				      type);
	*ret = TAKE_FD(mnt);
	return 0;
}
