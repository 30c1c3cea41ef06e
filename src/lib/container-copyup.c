/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tmpcopyup (a mount option of crun and runc): a tmpfs mounted over a directory of the image
 * starts with a copy of what the image has there, owners and modes kept. Only directories,
 * regular files and symlinks are copied; nothing is followed out of the root.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container-copyup.h"
#include "fs.h"
#include "in-root.h"
#include "macro.h"
#include "banned.h"

static int copy_tree(int from, int to, int depth);

/* A directory (one that exists is kept), then what it holds. */
static int copy_dir(int from, int to, const char *name, mode_t mode, int depth)
{
	_cleanup_close_ int a = -1, b = -1;

	if (mkdirat(to, name, mode & 07777) < 0 && errno != EEXIST)
		return negative_errno();
	a = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	b = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (a < 0 || b < 0)
		return negative_errno();
	return copy_tree(a, b, depth + 1);
}

static int copy_link(int from, int to, const char *name)
{
	char target[4096];
	ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);

	if (n < 0)
		return negative_errno();
	target[n] = '\0';
	return symlinkat(target, to, name) < 0 ? negative_errno() : 0;
}

/* A regular file and its content, made with `mode` (never over an existing one). */
static int copy_file(int from, int to, const char *name, mode_t mode)
{
	_cleanup_close_ int a = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int b = openat(
		to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 07777);
	_cleanup_free_ char *data = NULL;
	size_t len = 0;

	if (a < 0 || b < 0 || tn_read_fd(a, 64 * 1024 * 1024, &data, &len) < 0 ||
	    tn_write_all(b, data, len) < 0)
		return negative_errno();
	return 0;
}

/* One entry of a directory, with its owner and mode; regular files with their content. */
static int copy_entry(int from, int to, const char *name, int depth)
{
	struct stat st;
	int r;

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		r = copy_dir(from, to, name, st.st_mode, depth);
	else if (S_ISLNK(st.st_mode))
		r = copy_link(from, to, name);
	else if (S_ISREG(st.st_mode))
		r = copy_file(from, to, name, st.st_mode);
	else
		return 0; /* devices, fifos, sockets: not copied */
	if (r < 0)
		return r;
	if (fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EINVAL)
		return negative_errno();
	if (!S_ISLNK(st.st_mode))
		(void)fchmodat(to, name, st.st_mode & 07777, 0);
	return 0;
}

static int copy_tree(int from, int to, int depth)
{
	_cleanup_close_ int dup_fd = -1;
	_cleanup_closedir_ DIR *d = NULL;
	int r;

	if (depth > 64)
		return -ELOOP;
	dup_fd = fcntl(from, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return negative_errno();
	d = fdopendir(dup_fd);
	if (!d)
		return negative_errno();
	(void)TAKE_FD(dup_fd); /* d owns it */
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = copy_entry(from, to, e->d_name, depth);
		if (r < 0)
			return r;
	}
	return 0;
}

/* tmpcopyup: the image's files at the destination, copied into the new tmpfs on top. */
int tn_copy_up(int rootfd, const char *dest, int under_fd)
{
	_cleanup_close_ int top = tn_openat2_in_root(rootfd, dest, O_RDONLY | O_DIRECTORY, 0);

	if (top < 0)
		return top;
	return copy_tree(under_fd, top, 0);
}
