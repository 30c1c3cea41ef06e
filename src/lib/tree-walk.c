/* SPDX-License-Identifier: Apache-2.0 */
/* An fd-relative, symlink-free walk of a tree (tree-walk.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "buf.h"
#include "macro.h"
#include "tree-walk.h"
#include "banned.h"

struct walk {
	int (*fn)(const struct tn_walk_entry *e, void *data);
	void *data;
	unsigned flags;
	dev_t dev;
	const char *top;
	struct tn_buf path; /* of the entry being visited, relative to the top */
	struct tn_error **err;
};

static void walk_done(struct walk *w)
{
	tn_buf_free(&w->path);
}

static int walk_dir(struct walk *w, int fd, size_t depth);

/* The path of the entry being visited ("" at the top). */
static const char *cur(const struct walk *w)
{
	return w->path.data ? w->path.data : "";
}

static int stale(struct walk *w)
{
	return tn_error_set(w->err, ESTALE, "%s/%s changed while it was read", w->top, cur(w));
}

/* Open the directory `name` of dirfd as the lstat `st` saw it, or -ESTALE. */
static int open_child(struct walk *w, int dirfd, const char *name, const struct stat *st)
{
	_cleanup_close_ int fd =
		openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat now;

	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP || errno == ENOENT))
		return stale(w);
	if (fd < 0)
		return tn_error_errno(w->err, errno, "cannot read %s/%s", w->top, cur(w));
	if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		return stale(w);
	return TAKE_FD(fd);
}

/* The top, as a description of its own to read from: rootfd's offset stays the caller's. */
static int open_top(struct walk *w, int rootfd)
{
	int fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return tn_error_errno(w->err, errno, "cannot read %s", w->top);
	return fd;
}

static int call(struct walk *w, const struct tn_walk_entry *e)
{
	int r = w->fn(e, w->data);

	return r == TN_WALK_SKIP ? 0 : r;
}

/* fn for e; for a directory it keeps, what is in it, then fn again (TN_WALK_POST). 0,
 * TN_WALK_STOP or -errno. w->path is e's path throughout. */
static int enter(struct walk *w, struct tn_walk_entry *e)
{
	int r = w->fn(e, w->data), fd;

	if (r != 0 || !S_ISDIR(e->st->st_mode))
		return r == TN_WALK_SKIP ? 0 : r;
	fd = e->depth == 0 ? open_top(w, e->dirfd) : open_child(w, e->dirfd, e->name, e->st);
	if (fd < 0)
		return fd;
	r = walk_dir(w, fd, e->depth);
	if (r != 0 || !(w->flags & TN_WALK_POST))
		return r;
	e->path = cur(w); /* the buffer may have moved below it */
	e->post = true;
	return call(w, e);
}

static int visit(struct walk *w, int dirfd, const char *name, size_t depth)
{
	struct stat st;
	size_t len = w->path.len;
	int r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 /* gone meanwhile */
				       : tn_error_errno(w->err, errno, "cannot examine %s/%s%s%s",
							w->top, cur(w), len ? "/" : "", name);
	if (st.st_dev != w->dev)
		return 0; /* another filesystem: not part of the tree */
	tn_buf_printf(&w->path, "%s%s", len ? "/" : "", name);
	r = tn_buf_check(&w->path);
	if (r < 0)
		return r;
	r = enter(
		w,
		&(struct tn_walk_entry){
			.dirfd = dirfd, .name = name, .path = cur(w), .st = &st, .depth = depth });
	/* Back out to the path of the directory that holds it. */
	w->path.len = len;
	w->path.data[len] = '\0';
	return r;
}

/* Everything in the directory fd (owned; depth: its own), each entry visited in turn. One fd
 * per level is open while the walk is below it. 0, TN_WALK_STOP or -errno. */
static int walk_dir(struct walk *w, int fd, size_t depth)
{
	_cleanup_close_ int owned = fd;
	_cleanup_closedir_ DIR *d = NULL;

	if (depth + 1 >= TN_WALK_MAX_DEPTH)
		return tn_error_set(w->err, ELOOP, "%s/%s is more than %d directories deep", w->top,
				    cur(w), TN_WALK_MAX_DEPTH);
	d = fdopendir(owned);
	if (!d)
		return tn_error_errno(w->err, errno, "cannot read %s/%s", w->top, cur(w));
	owned = -1; /* the DIR has it now */
	for (;;) {
		struct dirent *e;
		int r;

		errno = 0;
		e = readdir(d);
		if (!e && errno)
			return tn_error_errno(w->err, errno, "cannot read %s/%s", w->top, cur(w));
		if (!e)
			return 0;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = visit(w, dirfd(d), e->d_name, depth + 1);
		if (r != 0)
			return r;
	}
}

int tn_walk(int rootfd, const char *top, unsigned flags,
	    int (*fn)(const struct tn_walk_entry *e, void *data), void *data, struct tn_error **err)
{
	_cleanup_(walk_done) struct walk w = {
		.fn = fn, .data = data, .flags = flags, .top = top, .err = err
	};
	struct stat st;
	int r;

	if (fstat(rootfd, &st) < 0)
		return tn_error_errno(err, errno, "cannot examine %s", top);
	w.dev = st.st_dev;
	r = enter(&w,
		  &(struct tn_walk_entry){ .dirfd = rootfd, .name = ".", .path = "", .st = &st });
	return r == TN_WALK_STOP ? 0 : r;
}
