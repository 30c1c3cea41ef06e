/* SPDX-License-Identifier: Apache-2.0 */
/* Directories tenant trusts only when nobody else could have written them (private-dir.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "accounts.h"
#include "fs.h"
#include "parse.h"
#include "private-dir.h"
#include "rootless.h"
#include "banned.h"

/* "uid 1001 (bob)" */
static void describe_owner(uid_t uid, char *buf, size_t len)
{
	_cleanup_(tn_user_done) struct tn_user u = { 0 };

	if (tn_user_from_uid(uid, &u) == 0 && u.name)
		snprintf(buf, len, "uid %u (%s)", (unsigned)uid, u.name);
	else
		snprintf(buf, len, "uid %u", (unsigned)uid);
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
	int r;

	describe_owner(st->st_uid, owner, sizeof(owner));
	r = tn_error_set(err, EPERM, "refusing the %s %s: %s belongs to %s, not to you (uid %u)",
			 what, path, whose, owner, (unsigned)geteuid());
	if (strcmp(what, "state directory") != 0)
		return tn_error_hint(err, r,
				     "someone else may have made it to steer tenant; remove it (as "
				     "root: rm -rf '%s')",
				     path);
	return tn_error_hint(err, r,
			     "someone else may have made it to steer tenant; remove it (as root: "
			     "rm -rf '%s'), or use a directory of your own (--root DIR, or set "
			     "XDG_RUNTIME_DIR)",
			     path);
}

/* The directory itself: the caller's, and nobody else's to write. */
static int check_private(int fd, const char *path, const char *what, struct tn_error **err)
{
	struct stat st;
	int r;

	if (fstat(fd, &st) < 0)
		return tn_error_errno(err, errno, "cannot examine the %s %s", what, path);
	if (!S_ISDIR(st.st_mode))
		return tn_error_set(err, ENOTDIR, "the %s %s is not a directory", what, path);
	if (st.st_uid != geteuid())
		return refuse_owner(path, what, "it", &st, err);
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		r = tn_error_set(err, EPERM, "refusing the %s %s: it is writable by %s (mode %04o)",
				 what, path, st.st_mode & S_IWOTH ? "others" : "its group",
				 (unsigned)(st.st_mode & 07777));
		return tn_error_hint(err, r, "chmod go-w '%s' if you made it; otherwise remove it",
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
	int r;

	if (fstat(fd, &st) < 0)
		return tn_error_errno(err, errno, "cannot examine %s", dir);
	if (!trusted_owner(st.st_uid, true)) {
		describe_owner(st.st_uid, owner, sizeof(owner));
		r = tn_error_set(
			err, EPERM,
			"refusing the %s %s: %s above it belongs to %s, who could replace it", what,
			path, dir, owner);
		return tn_error_hint(err, r,
				     "use a directory whose parents belong to root or to you");
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
		r = tn_error_set(
			err, EPERM,
			"refusing the %s %s: %s above it is writable by others (mode %04o), "
			"who could replace it",
			what, path, dir, (unsigned)(st.st_mode & 07777));
		return tn_error_hint(err, r,
				     "use a directory whose parents only root or you can write");
	}
	return 0;
}

/* A symlink on the way: root's or the caller's, or whoever owns it could point it elsewhere
 * between the check and the use (a sticky /tmp keeps others from replacing it). */
static int check_link(int dirfd, const char *name, const char *path, const char *what,
		      struct tn_error **err)
{
	char owner[300];
	struct stat st;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return tn_error_errno(err, errno, "cannot examine %s above the %s %s", name, what,
				      path);
	/* Not the overflow UID, even in a user namespace: every user it does not map shows so. */
	if (trusted_owner(st.st_uid, false))
		return 0;
	describe_owner(st.st_uid, owner, sizeof(owner));
	r = tn_error_set(
		err, EPERM,
		"refusing the %s %s: the symbolic link '%s' on its path belongs to %s, who "
		"could point it elsewhere",
		what, path, name, owner);
	return tn_error_hint(err, r,
			     "give the real path, or one whose links belong to root or to you");
}

/* The directories from / down to where the walk is, open and checked: a stack of fds, which
 * no single scope can hold, closed by chase_pop() and chase_done(). */
struct chase {
	int fd[256];
	size_t n;
};

static void chase_pop(struct chase *c)
{
	close(c->fd[--c->n]); /* the stack holds it, not a scope */
}

static void chase_done(struct chase *c)
{
	while (c->n > 0)
		chase_pop(c);
}

/* Push fd (taken: closed on failure too) and check it as a directory above the path. */
static int chase_push(struct chase *c, int fd, const char *dir, const char *path, const char *what,
		      struct tn_error **err)
{
	_cleanup_close_ int owned = fd;

	if (c->n == ELEMENTSOF(c->fd))
		return tn_error_set(err, ENAMETOOLONG, "the path of the %s %s is too deep", what,
				    path);
	c->fd[c->n++] = TAKE_FD(owned);
	return check_parent(fd, dir, path, what, err);
}

/* One step down into `name` (made 0711 when missing and `create`): a directory is checked and
 * pushed; a symlink's owner is checked and its target returned in *ret_link to walk instead. */
static int chase_step(struct chase *c, const char *name, bool create, const char *path,
		      const char *what, char **ret_link, struct tn_error **err)
{
	int dirfd = c->fd[c->n - 1];
	_cleanup_close_ int fd = -1;
	char target[PATH_MAX];
	ssize_t n;
	int r;

	fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(dirfd, name, 0711) < 0 && errno != EEXIST)
			return tn_error_errno(err, errno, "cannot create the parents of the %s %s",
					      what, path);
		fd = openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd >= 0)
		return chase_push(c, TAKE_FD(fd), name, path, what, err);
	if (errno == ENOENT)
		return -ENOENT;
	if (errno != ENOTDIR && errno != ELOOP)
		return tn_error_errno(err, errno, "cannot open the parents of the %s %s", what,
				      path);
	n = readlinkat(dirfd, name, target, sizeof(target) - 1);
	if (n < 0)
		return tn_error_errno(err, errno == EINVAL ? ENOTDIR : errno,
				      "cannot use the %s %s: '%s' on its path", what, path, name);
	r = check_link(dirfd, name, path, what, err);
	if (r < 0)
		return r;
	target[n] = '\0';
	*ret_link = strdup(target);
	return *ret_link ? 0 : -ENOMEM;
}

/* The next component of *todo into name (NAME_MAX), *todo advanced past it; false at the end. */
static bool next_name(const char **todo, char name[NAME_MAX + 1])
{
	const char *p = *todo + strspn(*todo, "/");
	size_t len = strcspn(p, "/");

	if (len == 0 || len > NAME_MAX)
		return false;
	memcpy(name, p, len);
	name[len] = '\0';
	*todo = p + len;
	return true;
}

/* A walk down a path: the directories so far, and what is left of the path (in buf). */
struct walk {
	struct chase c;
	char *buf;
	const char *todo;
	int links;		 /* symbolic links followed so far */
	const char *path, *what; /* for messages */
	bool create;
};

static void walk_done(struct walk *w)
{
	chase_done(&w->c);
	free(w->buf);
	w->buf = NULL;
}

/* Walk the link's target, then what followed the link. */
static int walk_link(struct walk *w, const char *link, struct tn_error **err)
{
	char *joined;

	if (++w->links > 40)
		return tn_error_set(err, ELOOP, "too many symbolic links on the path of the %s %s",
				    w->what, w->path);
	while (link[0] == '/' && w->c.n > 1)
		chase_pop(&w->c);
	if (asprintf(&joined, "%s/%s", link, w->todo) < 0)
		return -ENOMEM;
	free(w->buf);
	w->buf = joined;
	w->todo = w->buf;
	return 0;
}

/* One component: ".", ".." (as the kernel follows it), a directory or a symbolic link. */
static int walk_name(struct walk *w, const char *name, struct tn_error **err)
{
	_cleanup_free_ char *link = NULL;
	int r;

	if (strcmp(name, ".") == 0 || (strcmp(name, "..") == 0 && w->c.n == 1))
		return 0;
	if (strcmp(name, "..") == 0) {
		chase_pop(&w->c);
		return 0;
	}
	r = chase_step(&w->c, name, w->create, w->path, w->what, &link, err);
	if (r < 0 || !link)
		return r;
	return walk_link(w, link, err);
}

/*
 * Open the directory `dir` (absolute) from /, one component at a time: every directory checked
 * (check_parent), every symlink on the way root's or the caller's, ".." followed as the kernel
 * would. With `create`, what is missing is made (0711, as runc makes the parents of its root).
 */
static int open_parents(const char *dir, const char *path, const char *what, bool create,
			int *ret_fd, struct tn_error **err)
{
	_cleanup_(walk_done) struct walk w = {
		.buf = strdup(dir), .path = path, .what = what, .create = create
	};
	_cleanup_close_ int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char name[NAME_MAX + 1];
	int r;

	if (fd < 0)
		return tn_error_errno(err, errno, "cannot open /");
	if (!w.buf)
		return -ENOMEM;
	w.todo = w.buf;
	r = chase_push(&w.c, TAKE_FD(fd), "/", path, what, err);
	if (r < 0)
		return r;
	while (next_name(&w.todo, name)) {
		r = walk_name(&w, name, err);
		if (r < 0)
			return r;
	}
	if (w.todo[strspn(w.todo, "/")])
		return tn_error_set(err, ENAMETOOLONG, "the path of the %s %s is too long", what,
				    path);
	*ret_fd = w.c.fd[--w.c.n];
	return 0;
}

/* Split `path` into its parent directory (absolute) and its last component. */
static int split(const char *path, char **ret_parent, char **ret_base, struct tn_error **err)
{
	_cleanup_free_ char *abs = NULL, *cwd = NULL, *base_copy = NULL, *parent = NULL;
	const char *base;

	if (path[0] != '/') {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			return tn_error_errno(err, errno, "cannot resolve %s", path);
		if (asprintf(&abs, "%s/%s", cwd, path) < 0)
			return -ENOMEM;
	} else {
		abs = strdup(path);
		if (!abs)
			return -ENOMEM;
	}
	base = strrchr(abs, '/') + 1;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return tn_error_set(err, EINVAL, "'%s' does not name a directory of its own", path);
	base_copy = strdup(base);
	parent = tn_path_dirname(abs);
	if (!base_copy || !parent)
		return -ENOMEM;
	*ret_base = TAKE_PTR(base_copy);
	*ret_parent = TAKE_PTR(parent);
	return 0;
}

int tn_private_dir_open(const char *path, const char *what, unsigned flags, int *ret_fd,
			struct tn_error **err)
{
	_cleanup_free_ char *parent = NULL, *base = NULL;
	_cleanup_close_ int pfd = -1, fd = -1;
	int r = split(path, &parent, &base, err);

	if (r < 0)
		return r;
	r = open_parents(parent, path, what, flags & TN_PRIVATE_CREATE, &pfd, err);
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
		r = tn_error_set(err, ELOOP, "refusing the %s %s: it is a symbolic link", what,
				 path);
		return tn_error_hint(err, r,
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
	int r = split(path, &parent, &base, err);

	if (r < 0)
		return r;
	r = open_parents(parent, path, "file", false, &pfd, err);
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
		r = tn_error_set(err, EPERM, "refusing %s: it belongs to %s, not to you or root",
				 path, owner);
		return tn_error_hint(err, r, "chown root: '%s' if its contents are yours", path);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		r = tn_error_set(err, EPERM,
				 "refusing %s: it is writable by group or others (mode %04o)", path,
				 (unsigned)(st.st_mode & 07777));
		return tn_error_hint(err, r, "chmod go-w '%s'", path);
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
