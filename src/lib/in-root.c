/* SPDX-License-Identifier: Apache-2.0 */
/* Opening a path inside a root filesystem (in-root.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "in-root.h"
#include "macro.h"
#include "banned.h"

int tn_openat2_in_root(int rootfd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.mode = mode,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd < 0 ? negative_errno() : (int)fd;
}

/* One missing component in `dir`: a directory, or an empty file. */
static int make_component(int dir, const char *name, bool file)
{
	_cleanup_close_ int fd = -1;

	if (!file)
		return mkdirat(dir, name, 0755) < 0 && errno != EEXIST ? negative_errno() : 0;
	/* O_EXCL|O_NOFOLLOW: a dangling symlink of the image is never followed. */
	fd = openat(dir, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
	return fd < 0 && errno != EEXIST ? negative_errno() : 0;
}

/*
 * The last component of `path` inside the root, made when it is missing (other errors are
 * the caller's). 1 when it is a dangling symlink of the image: its target, in ret_link, is
 * for the caller to make.
 */
static int make_if_missing(int rootfd, char *path, bool file, char *ret_link, size_t size)
{
	_cleanup_close_ int fd = tn_openat2_in_root(rootfd, path, O_PATH, 0);
	_cleanup_close_ int dir = -1;
	char *slash;
	ssize_t n;

	if (fd != -ENOENT)
		return fd < 0 ? fd : 0; /* as runc's MkdirAll: EACCES, ENOTDIR... fail here */
	slash = strrchr(path, '/');
	*slash = '\0';
	dir = tn_openat2_in_root(rootfd, slash == path ? "/" : path, O_PATH | O_DIRECTORY, 0);
	*slash = '/';
	if (dir < 0)
		return dir;
	n = readlinkat(dir, slash + 1, ret_link, size);
	if (n < 0)
		return make_component(dir, slash + 1, file);
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	ret_link[n] = '\0';
	return 1;
}

/*
 * `buf` (a path cut at `end`, a dangling symlink) rewritten to the link's target followed by
 * what came after `end`: an absolute target from the root, a relative one from the link's
 * directory. Resolved inside the root like any path, it cannot lead out.
 */
static int follow_link(char *buf, size_t size, char *end, bool last, const char *link)
{
	char out[4096], *slash = strrchr(buf, '/');
	int n;

	*slash = '\0';
	n = snprintf(out, sizeof(out), "%s%s%s%s%s", link[0] == '/' ? "" : buf,
		     link[0] == '/' ? "" : "/", link, last ? "" : "/", last ? "" : end + 1);
	if (n < 0 || (size_t)n >= sizeof(out) || (size_t)n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, out, (size_t)n + 1);
	return 0;
}

/*
 * Create `path` (a directory, or an empty file for the last component) inside the root. A
 * dangling symlink on the way is followed inside the root and its target made, as runc's
 * securejoin does; 40 of them at most, as the kernel.
 */
int tn_mkpath_in_root(int rootfd, const char *path, bool file)
{
	char buf[4096], link[4096];
	size_t len = strlen(path);
	int links = 0;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		bool last = *p == '\0';
		int r;

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		r = make_if_missing(rootfd, buf, last && file, link, sizeof(link));
		if (r < 0)
			return r;
		if (r > 0) {
			if (++links > 40)
				return -ELOOP;
			r = follow_link(buf, sizeof(buf), p, last, link);
			if (r < 0)
				return r;
			p = buf; /* from the top again */
			continue;
		}
		if (last)
			return 0;
		*p = '/';
	}
}
