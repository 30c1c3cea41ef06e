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
	dev_t dev;
	const char *top;
	struct tn_buf path; /* of the entry being visited, relative to the top */
	struct tn_error **err;
};

static int walk_dir(struct walk *w, int fd, size_t depth);

/* The path of the entry being visited ("" at the top). */
static const char *cur(const struct walk *w)
{
	return w->path.data ? w->path.data : "";
}

/* Open the directory `name` of dirfd as the lstat `st` saw it, or -ESTALE. */
static int open_child(struct walk *w, int dirfd, const char *name, const struct stat *st)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat now;

	if (fd < 0 && (errno == ENOTDIR || errno == ELOOP || errno == ENOENT))
		return tn_error_set(w->err, ESTALE, "%s/%s changed while it was read", w->top,
				    cur(w));
	if (fd < 0)
		return tn_error_errno(w->err, errno, "cannot read %s/%s", w->top, cur(w));
	if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino) {
		close(fd);
		return tn_error_set(w->err, ESTALE, "%s/%s changed while it was read", w->top,
				    cur(w));
	}
	return fd;
}

static int visit(struct walk *w, int dirfd, const char *name, size_t depth)
{
	struct stat st;
	size_t len = w->path.len;
	int r, fd;

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
	r = w->fn(
		&(struct tn_walk_entry){
			.dirfd = dirfd, .name = name, .path = cur(w), .st = &st, .depth = depth },
		w->data);
	/* A directory the callback kept: in it, and back out to this one's path. */
	if (r == 0 && S_ISDIR(st.st_mode)) {
		fd = open_child(w, dirfd, name, &st);
		r = fd < 0 ? fd : walk_dir(w, fd, depth);
	}
	w->path.len = len;
	w->path.data[len] = '\0';
	return r == TN_WALK_SKIP ? 0 : r;
}

/* Everything in the directory fd (owned; depth: its own), each entry visited in turn. One fd
 * per level is open while the walk is below it. */
static int walk_dir(struct walk *w, int fd, size_t depth)
{
	DIR *d;
	int r = 0;

	if (depth + 1 >= TN_WALK_MAX_DEPTH) {
		close(fd);
		return tn_error_set(w->err, ELOOP, "%s/%s is more than %d directories deep", w->top,
				    cur(w), TN_WALK_MAX_DEPTH);
	}
	d = fdopendir(fd);
	if (!d) {
		r = tn_error_errno(w->err, errno, "cannot read %s/%s", w->top, cur(w));
		close(fd);
		return r;
	}
	for (struct dirent *e; r >= 0;) {
		errno = 0;
		e = readdir(d);
		if (!e) {
			if (errno)
				r = tn_error_errno(w->err, errno, "cannot read %s/%s", w->top,
						   cur(w));
			break;
		}
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		r = visit(w, dirfd(d), e->d_name, depth + 1);
	}
	closedir(d);
	return r;
}

int tn_walk(int rootfd, const char *top, int (*fn)(const struct tn_walk_entry *e, void *data),
	    void *data, struct tn_error **err)
{
	struct walk w = { .fn = fn, .data = data, .top = top, .err = err };
	struct stat st;
	int r, fd;

	if (fstat(rootfd, &st) < 0)
		return tn_error_errno(err, errno, "cannot examine %s", top);
	w.dev = st.st_dev;
	r = fn(&(struct tn_walk_entry){ .dirfd = rootfd, .name = ".", .path = "", .st = &st },
	       data);
	if (r != 0 || !S_ISDIR(st.st_mode))
		return r == TN_WALK_SKIP ? 0 : r;
	/* A description of its own to read from: rootfd's offset stays the caller's. */
	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return tn_error_errno(err, errno, "cannot read %s", top);
	r = walk_dir(&w, fd, 0);
	tn_buf_free(&w.path);
	return r;
}
