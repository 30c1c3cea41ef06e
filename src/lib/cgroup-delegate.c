/* SPDX-License-Identifier: Apache-2.0 */
/* A system container's cgroup, given to its root (tn_cgroup_delegate, cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "fs.h"
#include "macro.h"
#include "banned.h"

/* One file (or the directory itself, "") of a delegated cgroup: owned by the container's root. */
static int chown_in(int dirfd, const char *name, uid_t uid, gid_t gid)
{
	if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW | (name[0] ? 0 : AT_EMPTY_PATH)) <
	    0)
		return errno == ENOENT ? 0 : negative_errno();
	return 0;
}

/* What the kernel lets a delegatee write in a cgroup2 directory (/sys/kernel/cgroup/delegate),
 * else the three every kernel has. */
static int delegate_v2(int dirfd, uid_t uid, gid_t gid)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	if (tn_read_file("/sys/kernel/cgroup/delegate", 1 << 16, &text, &len, NULL) < 0) {
		free(text);
		text = strdup("cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n");
		if (!text)
			return -ENOMEM;
	}
	for (char *line = text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		*nl = '\0';
		r = chown_in(dirfd, line, uid, gid);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool made_here(const struct tn_cgroup_dirs *made, const char *dir)
{
	for (size_t i = 0; i < made->n; i++)
		if (strcmp(made->v[i], dir) == 0)
			return true;
	return false;
}

int tn_cgroup_delegate(const struct tn_cgroup_at *at, const struct tn_cgroup_dirs *made, bool owned,
		       uid_t uid, gid_t gid)
{
	static const char *const named[] = { "cgroup.procs", "tasks", "cgroup.clone_children",
					     "notify_on_release" };
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	int r = tn_cgroup_hiers_load_at(at, &h);

	if (r < 0)
		return r;
	for (size_t i = 0; i < h.n; i++) {
		_cleanup_close_ int fd = -1;

		if (!h.v[i].v2 && strcmp(h.v[i].options, "name=systemd") != 0)
			continue; /* a controller's own files stay root's: its limits hold */
		if (!owned && !made_here(made, h.v[i].dir))
			continue; /* a cgroup that was there before is not this container's to give */
		fd = open(h.v[i].dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return errno == ENOENT ? 0 : negative_errno();
		r = chown_in(fd, "", uid, gid);
		if (r < 0)
			return r;
		if (h.v[i].v2) {
			r = delegate_v2(fd, uid, gid);
			if (r < 0)
				return r;
			continue;
		}
		for (size_t k = 0; k < ELEMENTSOF(named); k++) {
			r = chown_in(fd, named[k], uid, gid);
			if (r < 0)
				return r;
		}
	}
	return 0;
}
