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

/* One entry of a directory, with its owner and mode; regular files with their content. */
static int copy_entry(int from, int to, const char *name, int depth)
{
	struct stat st;
	int r = 0;

	if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode)) {
		int a, b;

		if (mkdirat(to, name, st.st_mode & 07777) < 0 && errno != EEXIST)
			return negative_errno();
		a = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		b = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		r = a < 0 || b < 0 ? negative_errno() : copy_tree(a, b, depth + 1);
		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(from, name, target, sizeof(target) - 1);

		if (n < 0)
			return negative_errno();
		target[n] = '\0';
		r = symlinkat(target, to, name) < 0 ? negative_errno() : 0;
	} else if (S_ISREG(st.st_mode)) {
		int a = openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int b = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       st.st_mode & 07777);
		_cleanup_free_ char *data = NULL;
		size_t len = 0;

		if (a < 0 || b < 0 || tn_read_fd(a, 64 * 1024 * 1024, &data, &len) < 0 ||
		    tn_write_all(b, data, len) < 0)
			r = negative_errno();
		if (a >= 0)
			close(a);
		if (b >= 0)
			close(b);
	} else {
		return 0; /* devices, fifos, sockets: not copied */
	}
	if (r == 0 && fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
	    errno != EINVAL)
		r = negative_errno();
	if (r == 0 && !S_ISLNK(st.st_mode))
		(void)fchmodat(to, name, st.st_mode & 07777, 0);
	return r;
}

static int copy_tree(int from, int to, int depth)
{
	int dup_fd, r = 0;
	DIR *d;

	if (depth > 64)
		return -ELOOP;
	dup_fd = fcntl(from, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		return negative_errno();
	}
	for (struct dirent *e; r == 0 && (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			r = copy_entry(from, to, e->d_name, depth);
	closedir(d);
	return r;
}

/* tmpcopyup: the image's files at the destination, copied into the new tmpfs on top. */
int tn_copy_up(int rootfd, const char *dest, int under_fd)
{
	int top = tn_openat2_in_root(rootfd, dest, O_RDONLY | O_DIRECTORY, 0), r;

	if (top < 0)
		return top;
	r = copy_tree(under_fd, top, 0);
	close(top);
	return r;
}
