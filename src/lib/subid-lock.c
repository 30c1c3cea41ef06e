/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "parse.h"
#include "subid-lock.h"
#include "banned.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep a little longer each time (1 ms doubling up to 50 ms); false once the deadline passed. */
static bool backoff(int64_t deadline, unsigned *delay_ms)
{
	struct timespec ts;

	if (now_ms() >= deadline)
		return false;
	ts = (struct timespec){ .tv_sec = 0, .tv_nsec = (long)*delay_ms * 1000000L };
	nanosleep(&ts, NULL);
	*delay_ms = MIN(*delay_ms * 2, 50u);
	return true;
}

static int lock_dir(const char *file, int64_t deadline, int *ret_fd, struct tn_error **err)
{
	_cleanup_free_ char *dir = tn_path_dirname(file), *path = NULL;
	_cleanup_close_ int fd = -1;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	unsigned delay = 1;

	if (!dir || asprintf(&path, "%s/.pwd.lock", dir) < 0)
		return tn_error_errno(err, ENOMEM, "cannot lock '%s'", file);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		int r = negative_errno();

		tn_error_errno(err, r, "cannot lock '%s': cannot open '%s'", file, path);
		return r == -EACCES || r == -EROFS
			       ? tn_error_hint(err, r, "editing '%s' needs root", file)
			       : r;
	}
	while (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return tn_error_errno(err, errno, "cannot lock '%s'", path);
		if (!backoff(deadline, &delay)) {
			int r = tn_error_set(err, ETIMEDOUT,
					     "'%s' is still locked after %d seconds", path,
					     TN_SUBID_LOCK_TIMEOUT_MS / 1000);

			return tn_error_hint(
				err, r, "another useradd, usermod or tenant holds it; try again");
		}
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The PID written in a shadow lock file, or 0 when it holds none. */
static pid_t lock_owner(const char *lock)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	uint32_t pid;

	if (tn_read_file(lock, 64, &text, &len, NULL) < 0)
		return 0;
	len = strnlen(text, len);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	if (tn_parse_u32_n(text, len, &pid) < 0 || pid == 0 || pid > INT32_MAX)
		return 0;
	return (pid_t)pid;
}

/* A temporary file that is removed when it goes out of scope. */
static void unlink_tmpp(const char **path)
{
	if (*path) {
		int saved = errno;

		unlink(*path);
		errno = saved;
	}
}

/* shadow's protocol: FILE.PID with "PID\0" in it, hard-linked to FILE.lock. */
static int try_link_lock(const char *tmp, const char *lock)
{
	char text[24];
	_cleanup_close_ int fd = -1;
	_cleanup_(unlink_tmpp) const char *created = NULL;
	struct stat st;
	int n, r;

	n = snprintf(text, sizeof(text), "%ld", (long)getpid());
	/* O_EXCL: never write through something already there (a planted link, in a shared
	 * directory). A leftover with our PID is from a dead process that had it before us. */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	created = tmp; /* removed on every return from here: FILE.lock is the lock, not FILE.PID */
	r = tn_write_all(fd, text, (size_t)n + 1);
	if (r < 0)
		return r;
	if (fdatasync(fd) < 0)
		return negative_errno();
	if (link(tmp, lock) < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0 || st.st_nlink != 2)
		return -EEXIST;
	return 0;
}

static int lock_file(const char *file, int64_t deadline, char **ret_lock, struct tn_error **err)
{
	_cleanup_free_ char *tmp = NULL, *lock = NULL;
	unsigned delay = 1;
	pid_t holder = 0;
	int r;

	if (asprintf(&tmp, "%s.%ld", file, (long)getpid()) < 0 ||
	    asprintf(&lock, "%s.lock", file) < 0)
		return tn_error_errno(err, ENOMEM, "cannot lock '%s'", file);
	while ((r = try_link_lock(tmp, lock)) == -EEXIST) {
		holder = lock_owner(lock);
		/* A lock whose process is gone is stale: take it over, as shadow does. */
		if (holder > 0 && kill(holder, 0) < 0 && errno == ESRCH) {
			unlink(lock);
			continue;
		}
		if (!backoff(deadline, &delay)) {
			if (holder == 0)
				r = tn_error_set(err, ETIMEDOUT,
						 "'%s' is locked ('%s' names no process)", file,
						 lock);
			else
				r = tn_error_set(err, ETIMEDOUT, "'%s' is locked by process %ld",
						 file, (long)holder);
			return tn_error_hint(
				err, r,
				"wait for it to finish; if no such process runs, remove '%s'",
				lock);
		}
	}
	if (r < 0) {
		tn_error_errno(err, r, "cannot lock '%s': cannot create '%s'", file, lock);
		return r == -EACCES || r == -EPERM || r == -EROFS
			       ? tn_error_hint(err, r, "editing '%s' needs root", file)
			       : r;
	}
	*ret_lock = TAKE_PTR(lock);
	return 0;
}

/* The .pwd.lock of paths[i]'s directory, unless paths[0]'s is the same one (locked already). */
static int lock_dir_once(const char *const paths[], size_t i, int64_t deadline, int *ret_fd,
			 struct tn_error **err)
{
	_cleanup_free_ char *d = tn_path_dirname(paths[i]), *d0 = tn_path_dirname(paths[0]);

	if (!d || !d0)
		return tn_error_errno(err, ENOMEM, "cannot lock '%s'", paths[i]);
	if (i != 0 && strcmp(d, d0) == 0)
		return 0;
	return lock_dir(paths[i], deadline, ret_fd, err);
}

int tn_subid_lock_acquire(const char *const paths[], size_t n, struct tn_subid_lock *l,
			  struct tn_error **err)
{
	_cleanup_(tn_subid_lock_release) struct tn_subid_lock lock = TN_SUBID_LOCK_INIT;
	int64_t deadline = now_ms() + TN_SUBID_LOCK_TIMEOUT_MS;
	int r;

	*l = (struct tn_subid_lock)TN_SUBID_LOCK_INIT;
	for (size_t i = 0; i < n && i < 2; i++) {
		r = lock_dir_once(paths, i, deadline, &lock.dir_fd[i], err);
		if (r < 0)
			return r; /* what was taken is released by the scope */
	}
	for (size_t i = 0; i < n && i < 2; i++) {
		r = lock_file(paths[i], deadline, &lock.file_lock[i], err);
		if (r < 0)
			return r;
	}
	*l = lock;
	lock = (struct tn_subid_lock)TN_SUBID_LOCK_INIT; /* handed on */
	return 0;
}

void tn_subid_lock_release(struct tn_subid_lock *l)
{
	for (int i = 1; i >= 0; i--) {
		if (l->file_lock[i] && lock_owner(l->file_lock[i]) == getpid())
			unlink(l->file_lock[i]);
		free(l->file_lock[i]);
		l->file_lock[i] = NULL;
	}
	for (int i = 1; i >= 0; i--) {
		closep(&l->dir_fd[i]);
		l->dir_fd[i] = -1;
	}
}
