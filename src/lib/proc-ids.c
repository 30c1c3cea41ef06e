/* SPDX-License-Identifier: Apache-2.0 */
/* Processes using a range of IDs (proc-ids.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "fs.h"
#include "macro.h"
#include "parse.h"
#include "proc-ids.h"
#include "banned.h"

/* "Uid:\t0\t0\t0\t0" into v[4]. */
static int parse_ids(const char *status, const char *key, uint32_t v[4])
{
	const char *p = strstr(status, key);

	if (!p)
		return -EBADMSG;
	p += strlen(key);
	for (int i = 0; i < 4; i++) {
		p += strspn(p, " \t");
		if (tn_parse_u32_n(p, strcspn(p, " \t\n"), &v[i]) < 0)
			return -EBADMSG;
		p += strcspn(p, " \t\n");
	}
	return 0;
}

/*
 * One task's status (the leader's "status", or "task/TID/status"): its IDs into p, and *ret_threads.
 * -ESRCH when it has ended: a zombie runs nothing, whoever has not reaped it yet.
 */
static int read_task(int dirfd, const char *status_path, struct tn_proc_info *p,
		     uint32_t *ret_threads)
{
	_cleanup_free_ char *status = NULL;
	_cleanup_close_ int sfd = openat(dirfd, status_path, O_RDONLY | O_CLOEXEC);
	const char *t;
	size_t len;
	int r;

	if (sfd < 0)
		return negative_errno();
	r = tn_read_fd(sfd, 64 * 1024, &status, &len);
	if (r < 0)
		return r;
	t = strstr(status, "\nThreads:");
	*ret_threads = 1;
	if (t)
		(void)tn_parse_u32_n(t + 10 + strspn(t + 10, " \t"),
				     strcspn(t + 10 + strspn(t + 10, " \t"), "\n"), ret_threads);
	if (strstr(status, "\nState:\tZ") || strstr(status, "\nState:\tX"))
		return -ESRCH;
	r = parse_ids(status, "\nUid:", p->uid);
	if (r < 0)
		return r;
	return parse_ids(status, "\nGid:", p->gid);
}

static void read_userns(int dirfd, const char *link, ino_t own, struct tn_proc_info *p)
{
	struct stat st;

	/* A kernel thread or a process we may not examine has no namespace link to read. */
	p->userns = fstatat(dirfd, link, &st, 0) == 0 ? st.st_ino : 0;
	p->own_userns = p->userns == 0 || p->userns == own;
}

/* Every live thread of a process whose leader has exited, or whose threads may differ: a
 * process lives while any of its threads does, and each thread has credentials of its own. */
static int scan_tasks(struct tn_proc_info *p, ino_t own,
		      int (*fn)(const struct tn_proc_info *p, void *data), void *data)
{
	_cleanup_close_ int fd = openat(p->dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;

	if (fd < 0)
		return 0; /* gone meanwhile */
	d = fdopendir(fd);
	if (!d)
		return 0;  /* gone meanwhile */
	(void)TAKE_FD(fd); /* the stream has it */
	for (struct dirent *e; (e = readdir(d));) {
		char status[300], ns[300];
		uint32_t threads;
		int r;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(status, sizeof(status), "task/%s/status", e->d_name);
		snprintf(ns, sizeof(ns), "task/%s/ns/user", e->d_name);
		if (read_task(p->dirfd, status, p, &threads) < 0)
			continue;
		read_userns(p->dirfd, ns, own, p);
		r = fn(p, data);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The process `name` of /proc: fn once for a plain live process, once per live thread else. */
static int visit(int procfd, const char *name, ino_t own,
		 int (*fn)(const struct tn_proc_info *p, void *data), void *data)
{
	_cleanup_close_ int dirfd = -1;
	struct tn_proc_info p = { .dirfd = -1 };
	uint32_t pid, threads = 1;
	int r;

	if (tn_parse_u32(name, &pid) < 0 || pid == 0 || pid > INT32_MAX)
		return 0;
	dirfd = openat(procfd, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return 0;
	p.dirfd = dirfd;
	p.pid = (pid_t)pid;
	r = read_task(p.dirfd, "status", &p, &threads);
	if (r < 0 && r != -ESRCH)
		return 0; /* gone meanwhile */
	/* A leader that has exited, or several threads: each live thread. */
	if (r == -ESRCH || threads != 1)
		return scan_tasks(&p, own, fn, data);
	read_userns(p.dirfd, "ns/user", own, &p);
	return fn(&p, data);
}

int tn_proc_scan(int (*fn)(const struct tn_proc_info *p, void *data), void *data)
{
	_cleanup_close_ int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = NULL;
	struct stat self;

	if (procfd < 0)
		return negative_errno();
	if (stat("/proc/self/ns/user", &self) < 0)
		return negative_errno();
	d = fdopendir(procfd);
	if (!d)
		return negative_errno();
	(void)TAKE_FD(procfd); /* the stream has it */
	for (struct dirent *e; (e = readdir(d));) {
		int r;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		r = visit(dirfd(d), e->d_name, self.st_ino, fn, data);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_map(int dirfd, enum tn_idmap_kind k, struct tn_idmap *ret)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd =
		openat(dirfd, k == TN_IDMAP_GID ? "gid_map" : "uid_map", O_RDONLY | O_CLOEXEC);
	size_t len;
	int r;

	*ret = (struct tn_idmap){ .kind = k };
	if (fd < 0)
		return negative_errno();
	r = tn_read_fd(fd, 64 * 1024, &text, &len);
	if (r < 0)
		return r;
	return tn_idmap_parse_text(text, k, ret);
}

int tn_proc_userns_maps(int dirfd, struct tn_idmap ret[2])
{
	int r = read_map(dirfd, TN_IDMAP_UID, &ret[0]);

	if (r < 0)
		return r;
	r = read_map(dirfd, TN_IDMAP_GID, &ret[1]);
	if (r < 0)
		tn_idmap_done(&ret[0]);
	return r;
}

struct users {
	const struct tn_idset *set[2];
	uint64_t userns; /* 0: by IDs; else the members of this user namespace */
	uint32_t uid_outside;
	pid_t *v;
	size_t n;
};

static bool ids_in(const struct tn_idset *s, const uint32_t v[4])
{
	for (int i = 0; i < 4; i++)
		if (s && tn_idset_overlaps(s, v[i], 1))
			return true;
	return false;
}

/* Whether the process's user namespace is below the one of inode `ancestor` (a namespace a
 * process of the container made for itself). NS_GET_PARENT stops where the caller's sight ends. */
static bool userns_below(int dirfd, uint64_t ancestor)
{
	_cleanup_close_ int fd = openat(dirfd, "ns/user", O_RDONLY | O_CLOEXEC);

	for (int depth = 0; fd >= 0 && depth < 33; depth++) {
		_cleanup_close_ int parent = -1;
		struct stat st;

		if (fstat(fd, &st) < 0)
			return false;
		if ((uint64_t)st.st_ino == ancestor)
			return true;
		parent = ioctl(fd, NS_GET_PARENT);
		closep(&fd);
		fd = TAKE_FD(parent);
	}
	return false;
}

/* A member of the user namespace asked for: its inode, and its uid_map starting at the block
 * (an inode number of a namespace that is gone may be used again by another); or a process with
 * an ID of the block in a namespace below it. */
static bool member(const struct users *u, const struct tn_proc_info *p)
{
	_cleanup_(tn_idmaps_done) struct tn_idmap m[2] = { 0 };
	bool yes = false;

	if (p->userns != u->userns)
		return (ids_in(u->set[0], p->uid) || ids_in(u->set[1], p->gid)) &&
		       userns_below(p->dirfd, u->userns);
	if (tn_proc_userns_maps(p->dirfd, m) < 0)
		return false;
	for (size_t i = 0; i < m[0].n; i++)
		yes = yes || m[0].v[i].outside == u->uid_outside;
	return yes;
}

static int collect_user(const struct tn_proc_info *p, void *data)
{
	struct users *u = data;
	bool uses =
		u->userns ? member(u, p) : ids_in(u->set[0], p->uid) || ids_in(u->set[1], p->gid);
	pid_t *nv;

	if (p->pid == getpid() || !uses)
		return 0;
	nv = reallocarray(u->v, u->n + 1, sizeof(*u->v));
	if (!nv)
		return -ENOMEM;
	u->v = nv;
	u->v[u->n++] = p->pid;
	return 0;
}

static int collect(struct users *u, pid_t **ret, size_t *ret_n)
{
	_cleanup_free_ pid_t *v = NULL;
	int r = tn_proc_scan(collect_user, u);

	v = TAKE_PTR(u->v); /* ours, on every path */
	if (r < 0)
		return r;
	*ret = TAKE_PTR(v);
	*ret_n = u->n;
	return 0;
}

int tn_proc_ids_users(const struct tn_idset *uids, const struct tn_idset *gids, pid_t **ret,
		      size_t *ret_n)
{
	struct users u = { .set = { uids, gids } };

	return collect(&u, ret, ret_n);
}

int tn_proc_userns_members(uint64_t userns, uint32_t uid_outside, const struct tn_idset *uids,
			   const struct tn_idset *gids, pid_t **ret, size_t *ret_n)
{
	struct users u = { .set = { uids, gids }, .userns = userns, .uid_outside = uid_outside };

	return collect(&u, ret, ret_n);
}

int tn_proc_ns_link(const char *pid, const char *ns, char *buf, size_t len)
{
	_cleanup_closedir_ DIR *d = NULL;
	char path[600];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns);
	n = readlink(path, buf, len - 1);
	if (n >= 0) {
		buf[n] = '\0';
		return 0;
	}
	/* A leader that has exited has no namespaces left: its live threads do. */
	snprintf(path, sizeof(path), "/proc/%s/task", pid);
	d = opendir(path);
	if (!d)
		return -ESRCH;
	for (struct dirent *e; n < 0 && (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task/%s/ns/%s", pid, e->d_name, ns);
		n = readlink(path, buf, len - 1);
	}
	if (n < 0)
		return -ESRCH;
	buf[n] = '\0';
	return 0;
}
