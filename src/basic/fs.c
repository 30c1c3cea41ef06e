/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "macro.h"
#include "banned.h"

/* Read to EOF; `hint` is the expected size (0 if unknown), so a regular file takes one read. */
static int read_fd_hint(int fd, size_t max_size, size_t hint, char **ret_data, size_t *ret_len)
{
	_cleanup_free_ char *data = NULL;
	size_t len = 0, cap = 0;

	if (max_size > SIZE_MAX / 2)
		return -EINVAL;
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			/* Room for max_size + 1 bytes at most, so "too large" is seen, plus the NUL. */
			size_t want = cap ? cap * 2 : MAX(hint + 2, (size_t)16384);
			size_t ncap = MIN(want, max_size + 2);
			char *p = realloc(data, ncap);

			if (!p)
				return -ENOMEM;
			data = p;
			cap = ncap;
		}
		n = RETRY_EINTR(read(fd, data + len, cap - len - 1));
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max_size)
			return -EFBIG;
	}
	data[len] = '\0';
	*ret_data = TAKE_PTR(data);
	*ret_len = len;
	return 0;
}

int tn_read_fd(int fd, size_t max_size, char **ret_data, size_t *ret_len)
{
	return read_fd_hint(fd, max_size, 0, ret_data, ret_len);
}

/* A regular file of at most max_size bytes, open for reading (its fd), with its stat. */
static int open_regular(const char *path, size_t max_size, struct stat *ret_st)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, ret_st) < 0)
		return negative_errno();
	if (S_ISDIR(ret_st->st_mode))
		return -EISDIR;
	if (!S_ISREG(ret_st->st_mode))
		return -EINVAL;
	if ((uint64_t)ret_st->st_size > max_size)
		return -EFBIG;
	return TAKE_FD(fd);
}

int tn_read_file(const char *path, size_t max_size, char **ret_data, size_t *ret_len,
		 struct stat *ret_st)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	int r;

	fd = open_regular(path, max_size, &st);
	if (fd < 0)
		return fd;
	r = read_fd_hint(fd, max_size, (size_t)st.st_size, ret_data, ret_len);
	if (r < 0)
		return r;
	if (ret_st)
		*ret_st = st;
	return 0;
}

/* Hand fn each line that ends in buf[0, len) (all of it at EOF); *ret_used is what was handed. */
static int hand_lines(const char *buf, size_t len, size_t from, bool eof, tn_line_fn fn,
		      void *userdata, size_t *ret_used)
{
	const char *p = buf, *scan = buf + from, *end = buf + len;
	int r;

	for (;;) {
		const char *nl = memchr(scan, '\n', (size_t)(end - scan));

		if (!nl)
			break;
		r = fn(p, (size_t)(nl - p), userdata);
		if (r < 0)
			return r;
		p = scan = nl + 1;
	}
	if (eof && p < end) { /* a last line without its newline */
		r = fn(p, (size_t)(end - p), userdata);
		if (r < 0)
			return r;
		p = end;
	}
	*ret_used = (size_t)(p - buf);
	return 0;
}

/* Room for more: a line longer than the buffer doubles it, never past max_size + 1 bytes. */
static int lines_grow(char **buf, size_t *cap, size_t max_size)
{
	size_t ncap;
	char *p;

	if (*cap > max_size)
		return -EFBIG;
	ncap = *cap > SIZE_MAX / 2 ? SIZE_MAX : *cap * 2;
	ncap = MIN(ncap, max_size + 1);
	p = realloc(*buf, ncap);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = ncap;
	return 0;
}

int tn_read_fd_lines(int fd, size_t max_size, tn_line_fn fn, void *userdata)
{
	_cleanup_free_ char *buf = NULL;
	size_t cap = MIN((size_t)TN_LINES_CHUNK, max_size + 1), have = 0, total = 0;

	if (max_size > SIZE_MAX / 2)
		return -EINVAL;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t used;
		ssize_t n;
		int r;

		if (have == cap) {
			r = lines_grow(&buf, &cap, max_size);
			if (r < 0)
				return r;
		}
		n = RETRY_EINTR(read(fd, buf + have, cap - have));
		if (n < 0)
			return negative_errno();
		total += (size_t)n;
		if (total > max_size)
			return -EFBIG;
		r = hand_lines(buf, have + (size_t)n, have, n == 0, fn, userdata, &used);
		if (r < 0)
			return r;
		if (n == 0)
			return 0;
		have += (size_t)n - used;
		memmove(buf, buf + used, have);
	}
}

int tn_read_file_lines(const char *path, size_t max_size, tn_line_fn fn, void *userdata)
{
	struct stat st;
	_cleanup_close_ int fd = open_regular(path, max_size, &st);

	if (fd < 0)
		return fd;
	return tn_read_fd_lines(fd, max_size, fn, userdata);
}

int tn_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = RETRY_EINTR(write(fd, p, len));

		if (n < 0)
			return negative_errno();
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int tn_write_string(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	n = RETRY_EINTR(write(fd, text, strlen(text)));
	return n == (ssize_t)strlen(text) ? 0 : n < 0 ? negative_errno() : -EIO;
}

char *tn_path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int fsync_dir(const char *dir)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	if (fsync(fd) < 0)
		return negative_errno();
	return 0;
}

/* Fill a new temporary file and give it its final metadata; on failure the caller unlinks it. */
static int fill_temp(int fd, const void *data, size_t len, mode_t mode, uid_t uid, gid_t gid,
		     bool durable)
{
	struct stat st;
	int r;

	r = tn_write_all(fd, data, len);
	if (r < 0)
		return r;
	if (fchmod(fd, mode & 07777) < 0)
		return negative_errno();
	/* Keep the owner of the file we replace; only needed (and only allowed) when it differs. */
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if ((st.st_uid != uid || st.st_gid != gid) && fchown(fd, uid, gid) < 0)
		return negative_errno();
	if (durable && fsync(fd) < 0)
		return negative_errno();
	return 0;
}

#define TEMP_INFIX ".tenant-" /* ".NAME.tenant-XXXXXX", next to NAME */

bool tn_replace_temporary_of(const char *name, const char *base)
{
	size_t n = strlen(base);

	return name[0] == '.' && strncmp(name + 1, base, n) == 0 &&
	       strncmp(name + 1 + n, TEMP_INFIX, strlen(TEMP_INFIX)) == 0;
}

/* A temporary file that is unlinked when it goes out of scope, unless TAKE_PTR took it. */
static void unlink_tempp(char **path)
{
	if (*path) {
		int saved = errno;

		unlink(*path);
		free(*path);
		errno = saved;
	}
}

/* The temporary file next to `path`, filled; *ret_tmp its name. Nothing is left on failure. */
static int prepare(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
		   gid_t gid, bool durable, char **ret_tmp)
{
	_cleanup_free_ char *dir = NULL, *template = NULL;
	_cleanup_(unlink_tempp) char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	const char *base;
	int r;

	dir = tn_path_dirname(path);
	if (!dir)
		return -ENOMEM;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (asprintf(&template, "%s/.%s" TEMP_INFIX "XXXXXX", dir, base) < 0) {
		template = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(template, O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	tmp = TAKE_PTR(template); /* exists from here: unlinked on every early return */
	r = fill_temp(fd, data, len, mode, uid, gid, durable);
	if (r < 0)
		return r;
	*ret_tmp = TAKE_PTR(tmp);
	return 0;
}

static int replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
		   gid_t gid, bool durable)
{
	_cleanup_(unlink_tempp) char *tmp = NULL;
	_cleanup_free_ char *dir = NULL;
	int r = prepare(path, data, len, mode, uid, gid, durable, &tmp);

	if (r < 0)
		return r;
	if (rename(tmp, path) < 0)
		return negative_errno();
	free(TAKE_PTR(tmp)); /* renamed: nothing left to unlink */
	if (!durable)
		return 0;
	dir = tn_path_dirname(path);
	return dir ? fsync_dir(dir) : -ENOMEM;
}

int tn_volatile_prepare(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
			gid_t gid, char **ret_tmp)
{
	return prepare(path, data, len, mode, uid, gid, false, ret_tmp);
}

int tn_atomic_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
		      gid_t gid)
{
	return replace(path, data, len, mode, uid, gid, true);
}

int tn_volatile_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
			gid_t gid)
{
	return replace(path, data, len, mode, uid, gid, false);
}

char *tn_path_search(const char *path, const char *name, int amode)
{
	for (const char *p = path ? path : ""; *p;) {
		size_t len = strcspn(p, ":");
		_cleanup_free_ char *full = NULL;

		if (len > 0 && asprintf(&full, "%.*s/%s", (int)len, p, name) < 0)
			full = NULL;
		if (full && access(full, amode) == 0)
			return TAKE_PTR(full);
		p += len + (p[len] == ':');
	}
	return NULL;
}

char *tn_path_absolute_clean(const char *path)
{
	_cleanup_free_ char *cwd = NULL, *abs = NULL;
	char *out, *o;

	if (path[0] != '/') {
		cwd = getcwd(NULL, 0);
		if (!cwd || asprintf(&abs, "%s/%s", cwd, path) < 0)
			return NULL;
		path = abs;
	}
	out = malloc(strlen(path) + 2);
	if (!out)
		return NULL;
	o = out;
	for (const char *p = path; *p;) {
		size_t len;

		p += strspn(p, "/");
		len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.')) {
			p += len;
			continue;
		}
		if (len == 2 && p[0] == '.' && p[1] == '.') { /* as Go's filepath.Clean, as runc */
			while (o > out && *--o != '/')
				;
			p += len;
			continue;
		}
		*o++ = '/';
		memcpy(o, p, len);
		o += len;
		p += len;
	}
	if (o == out)
		*o++ = '/';
	*o = '\0';
	return out;
}
