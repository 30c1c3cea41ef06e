/* SPDX-License-Identifier: Apache-2.0 */
/* Reading and writing the files of a cgroup, the processes of a cgroup and those below it, and
 * where a v1 controller's are (cgroup-internal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cgroup-internal.h"
#include "fs.h"
#include "banned.h"

int tn_cgroup_write(const char *dir, const char *file, const char *text)
{
	_cleanup_close_ int fd = -1;
	char path[4200];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (RETRY_EINTR(write(fd, text, strlen(text))) < 0)
		return negative_errno();
	return 0;
}

int tn_cgroup_read(const char *dir, const char *file, char **ret)
{
	char path[4200];
	size_t len;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return tn_read_file(path, 1024 * 1024, ret, &len, NULL);
}

int tn_cgroup_set(const char *dir, const char *file, const char *text, struct tn_error **err)
{
	int r = tn_cgroup_write(dir, file, text);

	return r < 0 ? tn_error_errno(err, -r, "cgroup %s: cannot set %s to %s", dir, file, text)
		     : 0;
}

int tn_cgroup_ctrl_dir(const struct tn_cgroup_hiers *h, const char *c, char *buf, size_t len)
{
	for (size_t i = 0; i < h->n; i++)
		if (tn_cgroup_hier_has(&h->v[i], c) && h->v[i].dir)
			return snprintf(buf, len, "%s", h->v[i].dir) >= (int)len ? -ENAMETOOLONG
										 : 0;
	return -ENOENT;
}

/* cgroup.procs of the directory open at dfd, then of each cgroup below it, appended to b. */
static int procs_tree(int dfd, int depth, struct tn_buf *b)
{
	_cleanup_close_ int fd = openat(dfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (fd < 0)
		return negative_errno();
	int r = tn_read_fd(fd, 1024 * 1024, &text, &len);
	if (r < 0)
		return r;
	tn_buf_puts(b, text);
	if (depth >= 32)
		return 0; /* deeper than any a container makes in practice */
	int dup = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
	if (dup < 0)
		return negative_errno();
	_cleanup_closedir_ DIR *d = fdopendir(dup);
	if (!d) {
		close(dup); /* fdopendir failed: the dup is not d's */
		return negative_errno();
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_type != DT_DIR || strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0)
			continue;
		_cleanup_close_ int sub = openat(dirfd(d), e->d_name,
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			continue; /* removed meanwhile */
		r = procs_tree(sub, depth + 1, b);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

int tn_cgroup_read_procs(const char *dir, char **ret)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };

	if (fd < 0)
		return negative_errno();
	int r = procs_tree(fd, 0, &b);
	if (r < 0)
		return r;
	r = tn_buf_check(&b);
	if (r < 0)
		return r;
	*ret = tn_buf_steal(&b);
	return *ret ? 0 : -ENOMEM;
}
