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
#include "banned.h"

static int open_tree_clone(const char *path)
{
	long fd = syscall(SYS_open_tree, AT_FDCWD, path,
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	return fd < 0 ? negative_errno() : (int)fd;
}

static int set_idmap(int tree, int userns_fd)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns_fd };

	return syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
		       sizeof(attr)) < 0
		       ? negative_errno()
		       : 0;
}

int tn_idmapped_tree(const char *path, int userns_fd, int *ret, struct tn_error **err)
{
	int tree = open_tree_clone(path), r;

	if (tree < 0)
		return tn_error_errno(err, -tree, "cannot clone the mount tree of %s", path);
	r = set_idmap(tree, userns_fd);
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

int tn_mount_attach(int tree_fd, const char *target)
{
	return syscall(SYS_move_mount, tree_fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0
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

static int write_small(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return negative_errno();
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		r = negative_errno();
	close(fd);
	return r;
}

bool tn_idmapped_supported(const char *path)
{
	char p[64];
	pid_t pid = -1;
	int ns = -1, tree = -1, r = child_userns(&pid, &ns);

	if (r == 0) {
		snprintf(p, sizeof(p), "/proc/%d/uid_map", (int)pid);
		r = write_small(p, "0 4000000000 1\n");
	}
	if (r == 0) {
		snprintf(p, sizeof(p), "/proc/%d/gid_map", (int)pid);
		r = write_small(p, "0 4000000000 1\n");
	}
	if (r == 0 && (tree = open_tree_clone(path)) < 0)
		r = tree;
	if (r == 0)
		r = set_idmap(tree, ns);
	if (tree >= 0)
		close(tree);
	if (ns >= 0)
		close(ns);
	if (pid > 0) {
		kill(pid, SIGKILL);
		(void)RETRY_EINTR(waitpid(pid, NULL, 0));
	}
	return r == 0;
}
