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

/* The last component of `path` inside the root, made when it is missing (other errors are
 * left to the open that follows). */
static int make_if_missing(int rootfd, char *path, bool file)
{
	_cleanup_close_ int fd = tn_openat2_in_root(rootfd, path, O_PATH, 0);
	_cleanup_close_ int dir = -1;
	char *slash;

	if (fd != -ENOENT)
		return 0;
	slash = strrchr(path, '/');
	*slash = '\0';
	dir = tn_openat2_in_root(rootfd, slash == path ? "/" : path, O_PATH | O_DIRECTORY, 0);
	*slash = '/';
	if (dir < 0)
		return dir;
	return make_component(dir, slash + 1, file);
}

/* Create `path` (a directory, or an empty file for the last component) inside the root. */
int tn_mkpath_in_root(int rootfd, const char *path, bool file)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		bool last = *p == '\0';
		int r;

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		r = make_if_missing(rootfd, buf, last && file);
		if (r < 0)
			return r;
		if (last)
			return 0;
		*p = '/';
	}
}
