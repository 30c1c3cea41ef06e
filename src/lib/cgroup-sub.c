/* SPDX-License-Identifier: Apache-2.0 */
/* Sub-cgroups for exec --cgroup (cgroup-sub.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup-internal.h"
#include "cgroup-sub.h"
#include "fs.h"
#include "banned.h"

/* Whether the comma-separated list [c, c + len) names `h`'s controller ("" names every one). */
static bool names_hier(const char *c, size_t len, const struct tn_cgroup_hier *h)
{
	if (len == 0)
		return true;
	for (size_t n; len > 0; c += n + (n < len), len -= n + (n < len)) {
		char one[64];

		n = strcspn(c, ",");
		if (n > len)
			n = len;
		if (n > 0 && n < sizeof(one)) {
			memcpy(one, c, n);
			one[n] = '\0';
			if (!h->v2 && tn_cgroup_hier_has(h, one))
				return true;
		}
	}
	return false;
}

/* The sub-cgroup of the last value that names h's controller; NULL: the container's own. */
static const char *sub_for(char *const *subs, const struct tn_cgroup_hier *h)
{
	const char *found = NULL;

	for (size_t i = 0; subs && subs[i]; i++) {
		const char *colon = strchr(subs[i], ':');

		if (!colon)
			found = subs[i];
		else if (names_hier(subs[i], (size_t)(colon - subs[i]), h))
			found = colon + 1;
	}
	return found;
}

static bool escapes(const char *path)
{
	for (const char *c = path; *c; c += strcspn(c, "/"), c += *c == '/')
		if (strncmp(c, "..", 2) == 0 && (c[2] == '/' || c[2] == '\0'))
			return true;
	return path[0] == '\0';
}

/* Each controller of value v's list is one of a hierarchy's. */
static int check_controllers(const struct tn_cgroup_hiers *h, const char *v, size_t len,
			     struct tn_error **err)
{
	for (const char *c = v, *end = v + len; c < end;) {
		size_t n = strcspn(c, ",:");
		bool known = false;

		for (size_t k = 0; k < h->n && !known; k++)
			known = names_hier(c, n, &h->v[k]);
		if (n > 0 && !known)
			return tn_error_set(err, EINVAL, "--cgroup %s: unknown controller %.*s", v,
					    (int)n, c);
		c += n + 1;
	}
	return 0;
}

int tn_cgroup_subs_check(char *const *subs, struct tn_error **err)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	size_t n = 0;
	int r;

	for (; subs && subs[n]; n++)
		;
	if (n == 0)
		return 0;
	r = tn_cgroup_hiers_load(&h);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read the cgroup hierarchies");
	for (size_t i = 0; i < n; i++) {
		const char *colon = strchr(subs[i], ':'), *path = colon ? colon + 1 : subs[i];

		if (colon && strchr(path, ':'))
			return tn_error_set(err, EINVAL, "--cgroup: '%s' is not [CONTROLLER:]PATH",
					    subs[i]);
		if (!colon && n > 1)
			return tn_error_set(err, EINVAL,
					    "--cgroup: '%s' has no CONTROLLER: prefix (needed when "
					    "--cgroup is given more than once)",
					    subs[i]);
		if (escapes(path))
			return tn_error_set(err, EINVAL,
					    "--cgroup: %s is not a sub cgroup path (of the "
					    "container's cgroup)",
					    path);
		r = colon ? check_controllers(&h, subs[i], (size_t)(colon - subs[i]), err) : 0;
		if (r < 0)
			return r;
	}
	return 0;
}

static int join_one(const char *dir, pid_t pid)
{
	_cleanup_close_ int fd = -1;
	char path[4200], text[32];

	if (snprintf(path, sizeof(path), "%s/cgroup.procs", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	snprintf(text, sizeof(text), "%d", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return RETRY_EINTR(write(fd, text, strlen(text))) < 0 ? negative_errno() : 0;
}

int tn_cgroup_join_subs(const struct tn_cgroup_at *at, char *const *subs, pid_t pid,
			struct tn_error **err)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	char dir[4096];
	int r = tn_cgroup_hiers_load_at(at, &h);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot read the cgroup hierarchies");
	for (size_t i = 0; i < h.n; i++) {
		const char *sub = sub_for(subs, &h.v[i]);
		struct stat st;

		if (!h.v[i].dir || stat(h.v[i].dir, &st) < 0)
			continue;
		while (sub &&
		       *sub == '/') /* "/sub" is below the container's cgroup too, as in runc */
			sub++;
		if (sub && !*sub)
			sub = NULL;
		if (snprintf(dir, sizeof(dir), "%s%s%s", h.v[i].dir, sub ? "/" : "",
			     sub ? sub : "") >= (int)sizeof(dir))
			return -ENAMETOOLONG;
		r = join_one(dir, pid);
		if (r < 0) { /* runc's words (Go's lower case), which engines and tests look for */
			char why[128];

			tn_strerror_lower(-r, why, sizeof(why));
			return tn_error_set(err, -r,
					    "adding pid %d to cgroups: write %s/cgroup.procs: %s",
					    (int)pid, dir, why);
		}
	}
	return 0;
}

/*
 * Where `init` is in hierarchy h (a directory below h->dir, the container's cgroup), from its
 * /proc/PID/cgroup as this process sees it: -ENOENT when it is not below the container's cgroup.
 */
static int init_dir(const struct tn_cgroup_hier *h, pid_t init, char *buf, size_t len)
{
	_cleanup_free_ char *text = NULL;
	char proc[64];
	size_t rn = strcmp(h->root, "/") == 0 ? 0 : strlen(h->root);

	snprintf(proc, sizeof(proc), "/proc/%d", (int)init);
	int r = tn_cgroup_read(proc, "cgroup", &text);
	if (r < 0)
		return r;
	const char *line = strstr(text, "0::/");
	if (!h->v2 || !line || (line != text && line[-1] != '\n'))
		return -ENOENT;
	line += 3;
	size_t n = strcspn(line, "\n");
	if (n < rn || strncmp(line, h->root, rn) != 0 || memmem(line, n, "/..", 3))
		return -ENOENT;
	int w = snprintf(buf, len, "%s%.*s", h->mountpoint, (int)(n - rn), line + rn);
	if (w < 0 || (size_t)w >= len)
		return -ENAMETOOLONG;
	size_t dl = strlen(h->dir);
	if (strncmp(buf, h->dir, dl) != 0 || (buf[dl] != '/' && buf[dl] != '\0'))
		return -ENOENT;
	return 0;
}

int tn_cgroup_exec_fd(const struct tn_cgroup_at *at, bool *ret_v2_only)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	int r = tn_cgroup_hiers_load_at(at, &h);

	*ret_v2_only = r >= 0 && h.layout == TN_CGROUP_V2;
	return r < 0 ? r : tn_cgroup_hiers_open_v2(&h, true);
}

int tn_cgroup_join_exec(const struct tn_cgroup_at *at, pid_t pid, pid_t init, bool rootless,
			bool but_v2)
{
	_cleanup_(tn_cgroup_hiers_done) struct tn_cgroup_hiers h = { 0 };
	char text[32], dir[4096];
	int r = tn_cgroup_hiers_load_at(at, &h);

	if (r < 0)
		return r;
	snprintf(text, sizeof(text), "%d", (int)pid);
	for (size_t i = 0; i < h.n; i++) {
		struct stat st;

		if ((but_v2 && h.v[i].v2) || stat(h.v[i].dir, &st) < 0)
			continue;
		r = tn_cgroup_write(h.v[i].dir, "cgroup.procs", text);
		/* A v2 cgroup with controllers enabled for its children takes no process (a
		 * systemd inside made them): init's own, below it, as runc does. */
		if (r == -EBUSY && init > 0 && init_dir(&h.v[i], init, dir, sizeof(dir)) == 0 &&
		    !tn_cgroup_frozen_dir(dir))
			r = tn_cgroup_write(dir, "cgroup.procs", text);
		/* Rootless, from a cgroup outside the container's delegated tree (a login
		 * session's): the process stays where it is, as runc's rootless manager. */
		if (r < 0 && rootless && (r == -EACCES || r == -EPERM))
			continue;
		if (r < 0)
			return r;
	}
	return 0;
}
