/* SPDX-License-Identifier: Apache-2.0 */
/* Directories tenant trusts only when nobody else could have written them (private-dir.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "accounts.h"
#include "fs.h"
#include "oci-state.h"
#include "parse.h"
#include "private-dir.h"
#include "banned.h"

/* "uid 1001 (bob)" */
static void describe_owner(uid_t uid, char *buf, size_t len)
{
	struct tn_user u = { 0 };

	if (tn_user_from_uid(uid, &u) == 0 && u.name)
		snprintf(buf, len, "uid %u (%s)", (unsigned)uid, u.name);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
	tn_user_done(&u);
}

/* Host root as seen from a user namespace: the overflow UID (kernel.overflowuid). */
static uid_t overflow_uid(void)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	uint32_t v;

	if (tn_read_file("/proc/sys/kernel/overflowuid", 64, &text, &len, NULL) < 0 ||
	    tn_parse_u32_n(text, strcspn(text, "\n"), &v) < 0)
		return 65534;
	return (uid_t)v;
}

static bool trusted_owner(uid_t uid, bool parent)
{
	if (uid == 0 || uid == geteuid())
		return true;
	return parent && !tn_in_initial_userns() && uid == overflow_uid();
}

static int refuse_owner(const char *path, const char *what, const char *whose,
			const struct stat *st, struct tn_error **err)
{
	char owner[300];

	describe_owner(st->st_uid, owner, sizeof(owner));
	tn_error_set(err, EPERM, "refusing the %s %s: %s belongs to %s, not to you (uid %u)", what,
		     path, whose, owner, (unsigned)geteuid());
	return tn_error_hint(err,
			     "someone else may have made it to steer tenant; remove it (as root: "
			     "rm -rf '%s'), or use a directory of your own (--root DIR, or set "
			     "XDG_RUNTIME_DIR)",
			     path);
}

/* The directory itself: the caller's, and nobody else's to write. */
static int check_private(int fd, const char *path, const char *what, struct tn_error **err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return tn_error_errno(err, errno, "cannot examine the %s %s", what, path);
	if (!S_ISDIR(st.st_mode))
		return tn_error_set(err, ENOTDIR, "the %s %s is not a directory", what, path);
	if (st.st_uid != geteuid())
		return refuse_owner(path, what, "it", &st, err);
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		tn_error_set(err, EPERM, "refusing the %s %s: it is writable by %s (mode %04o)",
			     what, path, st.st_mode & S_IWOTH ? "others" : "its group",
			     (unsigned)(st.st_mode & 07777));
		return tn_error_hint(err, "chmod go-w '%s' if you made it; otherwise remove it",
				     path);
	}
	return 0;
}

/* A directory above it: root's or the caller's, and not writable by others unless sticky. */
static int check_parent(int fd, const char *dir, const char *path, const char *what,
			struct tn_error **err)
{
	char owner[300];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return tn_error_errno(err, errno, "cannot examine %s", dir);
	if (!trusted_owner(st.st_uid, true)) {
		describe_owner(st.st_uid, owner, sizeof(owner));
		tn_error_set(err, EPERM,
			     "refusing the %s %s: %s above it belongs to %s, who could replace it",
			     what, path, dir, owner);
		return tn_error_hint(err, "use a directory whose parents belong to root or to you");
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		tn_error_set(err, EPERM,
			     "refusing the %s %s: %s above it is writable by others (mode %04o), "
			     "who could replace it",
			     what, path, dir, (unsigned)(st.st_mode & 07777));
		return tn_error_hint(err,
				     "use a directory whose parents only root or you can write");
	}
	return 0;
}

/* mkdir -p of `dir` (0711, as runc makes the parents of its root). */
static int make_parents(const char *dir)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(path, 0711) < 0 && errno != EEXIST)
			return negative_errno();
		if (last)
			return 0;
		*p = '/';
	}
}

/* Open the real path `dir` (no symlink in it) from /, checking each directory on the way. */
static int open_parents(const char *dir, const char *path, const char *what, int *ret_fd,
			struct tn_error **err)
{
	_cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *copy = strdup(dir);
	char *save = NULL;
	int r;

	if (fd < 0 || !copy)
		return fd < 0 ? tn_error_errno(err, errno, "cannot open /") : -ENOMEM;
	r = check_parent(fd, "/", path, what, err);
	if (r < 0)
		return r;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (next < 0) /* it changed since realpath: refuse */
			return tn_error_errno(err, errno, "cannot open %s above the %s %s", dir,
					      what, path);
		close(fd);
		fd = next;
		r = check_parent(fd, dir, path, what, err);
		if (r < 0)
			return r;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Split `path` into its real parent directory (symlinks resolved) and its last component. */
static int split(const char *path, bool create, char **ret_parent, char **ret_base,
		 struct tn_error **err)
{
	_cleanup_free_ char *abs = NULL, *parent = NULL, *cwd = NULL;
	const char *base;
	int r;

	if (path[0] != '/' && (!(cwd = getcwd(NULL, 0)) || asprintf(&abs, "%s/%s", cwd, path) < 0))
		return cwd ? -ENOMEM : tn_error_errno(err, errno, "cannot resolve %s", path);
	if (!abs && !(abs = strdup(path)))
		return -ENOMEM;
	base = strrchr(abs, '/') + 1;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return tn_error_set(err, EINVAL, "'%s' does not name a directory of its own", path);
	parent = tn_path_dirname(abs);
	if (!parent)
		return -ENOMEM;
	if (create && (r = make_parents(parent)) < 0)
		return tn_error_errno(err, -r, "cannot create %s", parent);
	*ret_parent = realpath(parent, NULL);
	if (!*ret_parent)
		return errno == ENOENT ? -ENOENT
				       : tn_error_errno(err, errno, "cannot resolve %s", parent);
	*ret_base = strdup(base);
	if (!*ret_base) {
		free(*ret_parent);
		return -ENOMEM;
	}
	return 0;
}

int tn_private_dir_open(const char *path, const char *what, unsigned flags, int *ret_fd,
			struct tn_error **err)
{
	_cleanup_free_ char *parent = NULL, *base = NULL;
	_cleanup_close_ int pfd = -1, fd = -1;
	int r = split(path, flags & TN_PRIVATE_CREATE, &parent, &base, err);

	if (r < 0)
		return r;
	r = open_parents(parent, path, what, &pfd, err);
	if (r < 0)
		return r;
	if ((flags & TN_PRIVATE_CREATE) && mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
		return tn_error_errno(err, errno, "cannot create the %s %s", what, path);
	r = tn_private_subdir_open(pfd, parent, base, what, &fd, err);
	if (r == -ENOENT && !(flags & TN_PRIVATE_CREATE))
		return r;
	if (r < 0)
		return r == -ENOENT
			       ? tn_error_errno(err, ENOENT, "cannot open the %s %s", what, path)
			       : r;
	if (ret_fd)
		*ret_fd = TAKE_FD(fd);
	return 0;
}

int tn_private_subdir_open(int dirfd, const char *dir_path, const char *name, const char *what,
			   int *ret_fd, struct tn_error **err)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	if (asprintf(&path, "%s/%s", strcmp(dir_path, "/") == 0 ? "" : dir_path, name) < 0)
		return -ENOMEM;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR) &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
		tn_error_set(err, ELOOP, "refusing the %s %s: it is a symbolic link", what, path);
		return tn_error_hint(err,
				     "someone may have put it there to steer tenant; remove it "
				     "(rm '%s') and try again",
				     path);
	}
	if (fd < 0)
		return tn_error_errno(err, errno, "cannot open the %s %s", what, path);
	r = check_private(fd, path, what, err);
	if (r < 0)
		return r;
	if (ret_fd)
		*ret_fd = TAKE_FD(fd);
	return 0;
}

int tn_trusted_file_open(const char *path, int *ret_fd, struct tn_error **err)
{
	_cleanup_free_ char *parent = NULL, *base = NULL;
	_cleanup_close_ int pfd = -1, fd = -1;
	char owner[300];
	struct stat st;
	int r = split(path, false, &parent, &base, err);

	if (r < 0)
		return r;
	r = open_parents(parent, path, "file", &pfd, err);
	if (r < 0)
		return r;
	fd = openat(pfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT
				       : tn_error_errno(err, errno, "cannot open %s", path);
	if (fstat(fd, &st) < 0)
		return tn_error_errno(err, errno, "cannot examine %s", path);
	if (!S_ISREG(st.st_mode))
		return tn_error_set(err, EPERM, "refusing %s: it is not a regular file", path);
	if (!trusted_owner(st.st_uid, false)) {
		describe_owner(st.st_uid, owner, sizeof(owner));
		tn_error_set(err, EPERM, "refusing %s: it belongs to %s, not to you or root", path,
			     owner);
		return tn_error_hint(err, "chown root: '%s' if its contents are yours", path);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		tn_error_set(err, EPERM,
			     "refusing %s: it is writable by group or others (mode %04o)", path,
			     (unsigned)(st.st_mode & 07777));
		return tn_error_hint(err, "chmod go-w '%s'", path);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

char *tn_storage_path(const char *name)
{
	const char *xdg = secure_getenv("XDG_DATA_HOME"), *home = secure_getenv("HOME");
	char *p = NULL;
	int r;

	if (!tn_rootless())
		r = asprintf(&p, "/var/lib/tenant/%s", name);
	else if (xdg && xdg[0] == '/')
		r = asprintf(&p, "%s/tenant/%s", xdg, name);
	else if (home && home[0] == '/')
		r = asprintf(&p, "%s/.local/share/tenant/%s", home, name);
	else
		r = asprintf(&p, "/tmp/tenant-%u/%s", (unsigned)geteuid(), name);
	return r < 0 ? NULL : p;
}
