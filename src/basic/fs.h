/* SPDX-License-Identifier: Apache-2.0 */
/*
 * File helpers. Every fd is opened O_CLOEXEC. Sizes of what is read are capped by the caller.
 */
#pragma once

#include <stdbool.h>

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Read a whole regular file into a NUL-terminated buffer. Fails with -EFBIG when it is larger
 * than `max_size` bytes and -EINVAL when it is not a regular file. On success *ret_data owns the
 * buffer; ret_st (optional) receives the file's stat.
 */
int tn_read_file(const char *path, size_t max_size, char **ret_data, size_t *ret_len,
		 struct stat *ret_st);

/* Read all of an open fd (same cap and result as tn_read_file). */
int tn_read_fd(int fd, size_t max_size, char **ret_data, size_t *ret_len);

/*
 * Hand fn each line of an open fd, without its '\n' (a last line without one too), stopping at
 * fn's first negative return, which is returned. The text goes through one buffer of
 * TN_LINES_CHUNK bytes that stays in the CPU's cache: reading a large file whole costs a page
 * fault per 4 KiB of buffer and a second trip through memory to split it. A line longer than
 * the buffer grows it, so every line is handed whole. More than `max_size` bytes is -EFBIG.
 */
#define TN_LINES_CHUNK (64u * 1024)
typedef int (*tn_line_fn)(const char *line, size_t len, void *userdata);
int tn_read_fd_lines(int fd, size_t max_size, tn_line_fn fn, void *userdata);

/* The same for a regular file (the errors of tn_read_file). */
int tn_read_file_lines(const char *path, size_t max_size, tn_line_fn fn, void *userdata);

/* Write all `len` bytes, retrying short writes and EINTR. */
int tn_write_all(int fd, const void *data, size_t len);

/* Write `text` to an existing file in one write(2), as the kernel's files want it (/proc/sys,
 * /proc/self/attr, cgroup files): a short write is -EIO. */
int tn_write_string(const char *path, const char *text);

/*
 * Replace `path` atomically with `data`: a temporary file in the same directory, written,
 * given `mode`, `uid` and `gid`, fsync'ed, renamed over `path`, and the directory fsync'ed.
 * Readers see the old file or the new one, never a torn one; on failure nothing changes.
 */
int tn_atomic_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
		      gid_t gid);

/*
 * The same, without the two fsyncs: for state that means nothing after a crash of the machine
 * (a container's state.json, its config copy, a pid file: the containers die with the machine),
 * as runc and crun write theirs. Readers still see the old file or the new one.
 */
int tn_volatile_replace(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
			gid_t gid);
/* Its first half, ahead of time: the temporary file, filled (*ret_tmp, its path), which the
 * caller renames over `path` when the time comes, or unlinks. */
int tn_volatile_prepare(const char *path, const void *data, size_t len, mode_t mode, uid_t uid,
			gid_t gid, char **ret_tmp);

/* Whether the directory entry `name` is a temporary file a replace of `base` (a file name in
 * the same directory) left when it was killed before its rename. */
bool tn_replace_temporary_of(const char *name, const char *base);

/* The directory part of `path` ("." when it has none), newly allocated; NULL when out of memory. */
char *tn_path_dirname(const char *path);

/* `path` made absolute (against the working directory) and clean, as runc takes --root: no
 * "//", "." or trailing "/", ".." taken textually. Allocated; NULL when out of memory. */
char *tn_path_absolute_clean(const char *path);

/* The PATH of a process without one (as execvp and shells use). */
#define TN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The first DIR/name, over the directories of `path` (a $PATH), that access(amode) allows;
 * allocated, or NULL. */
char *tn_path_search(const char *path, const char *name, int amode);
