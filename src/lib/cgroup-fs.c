/* SPDX-License-Identifier: Apache-2.0 */
/* Reading and writing the files of a cgroup, and where a v1 controller's are (cgroup-internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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
