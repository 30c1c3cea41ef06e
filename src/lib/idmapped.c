/* SPDX-License-Identifier: Apache-2.0 */
/* Idmapped mounts (idmapped.h). */
#include <errno.h>
#include <inttypes.h>
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
	if (r == 0 && (tree = open_tree_clone(path, false)) < 0)
		r = tree;
	if (r == 0)
		r = set_idmap(tree, ns, false);
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

/* "inside outside count\n" lines, as one write to /proc/PID/{uid,gid}_map takes them. */
static int map_text(const struct tn_idmap_extent *v, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		int w = snprintf(buf + off, len - off, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
				 v[i].inside, v[i].outside, v[i].count);

		if (w < 0 || (size_t)w >= len - off)
			return -E2BIG;
		off += (size_t)w;
	}
	return 0;
}

int tn_idmap_userns_make(const struct tn_idmap_extent *const ext[2], const size_t n[2],
			 struct tn_idmap_userns *ret)
{
	static const char *const files[2] = { "uid_map", "gid_map" };
	char text[4096], path[64];
	int r = child_userns(&ret->pid, &ret->fd);

	for (int k = 0; r == 0 && k < 2; k++) {
		r = map_text(ext[k], n[k], text, sizeof(text));
		snprintf(path, sizeof(path), "/proc/%d/%s", (int)ret->pid, files[k]);
		if (r == 0)
			r = write_small(path, text);
	}
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
