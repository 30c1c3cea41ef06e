/* SPDX-License-Identifier: Apache-2.0 */
/* `tenant check` (check.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "buf.h"
#include "check.h"
#include "fs.h"
#include "idmap-write.h"
#include "idmapped.h"
#include "parse.h"
#include "rootless.h"
#include "sdbus.h"
#include "subid-lint.h"
#include "userns-diag.h"
#include "banned.h"

const char *tn_check_status_name(enum tn_check_status s)
{
	return s == TN_CHECK_OK ? "ok" : s == TN_CHECK_WARN ? "warn" : "fail";
}

/* Room for one more result. */
static int reserve(struct tn_check_report *r)
{
	struct tn_check_result *v;
	size_t cap;

	if (r->n < r->cap)
		return 0;
	cap = r->cap ? r->cap * 2 : 16;
	v = reallocarray(r->v, cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->v = v;
	r->cap = cap;
	return 0;
}

_printf_(5, 6) static int add(struct tn_check_report *r, const char *name,
			      enum tn_check_status status, const char *fix, const char *fmt, ...)
{
	_cleanup_free_ char *found = NULL, *fix_copy = NULL;
	va_list ap;
	int n = reserve(r);

	if (n < 0)
		return n;
	va_start(ap, fmt);
	n = vasprintf(&found, fmt, ap);
	va_end(ap);
	if (n < 0) {
		found = NULL; /* undefined after a failure */
		return -ENOMEM;
	}
	if (fix) {
		fix_copy = strdup(fix);
		if (!fix_copy)
			return -ENOMEM;
	}
	r->v[r->n++] = (struct tn_check_result){
		.name = name, .status = status, .found = TAKE_PTR(found), .fix = TAKE_PTR(fix_copy)
	};
	r->n_failed += status == TN_CHECK_FAIL;
	r->n_warned += status == TN_CHECK_WARN;
	return 0;
}

static bool is_root(const struct tn_check_opts *o)
{
	return o->user->uid == 0;
}

/* ---- user namespaces ---- */

/* unshare(CLONE_NEWUSER) in a child that has become the user; 0 or the errno. */
static int try_userns(const struct tn_user *u)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return errno;
	if (pid == 0) {
		if (u->uid != geteuid() &&
		    (setgroups(0, NULL) < 0 || setresgid(u->gid, u->gid, u->gid) < 0 ||
		     setresuid(u->uid, u->uid, u->uid) < 0))
			_exit(EPERM);
		_exit(unshare(CLONE_NEWUSER) < 0 ? (errno & 0xff) : 0);
	}
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0 || !WIFEXITED(status))
		return EIO;
	return WEXITSTATUS(status);
}

static int check_userns(const struct tn_check_opts *o, struct tn_check_report *r)
{
	_cleanup_(tn_error_freep) struct tn_error *e = NULL;
	struct tn_userns_facts f;
	int err = try_userns(o->user);

	if (err == 0)
		return add(r, "userns", TN_CHECK_OK, NULL,
			   "a new user namespace can be made as %s (UID %" PRIu32 ")",
			   o->user->name ? o->user->name : "?", o->user->uid);
	tn_userns_facts_gather(o->proc, err, &f);
	f.privileged = is_root(o);
	tn_userns_explain(&f, &e);
	return add(r, "userns", TN_CHECK_FAIL, e && e->hint ? e->hint : NULL, "%s",
		   e && e->message ? e->message : strerror(err));
}

/* Whether the user namespace of process `name` is one `uid` owns (not the initial one, which
 * has no parent): its inode into *ret_ino. */
static bool owned_userns(const char *proc, const char *name, uid_t uid, uint64_t *ret_ino)
{
	_cleanup_close_ int fd = -1, parent = -1;
	char path[PATH_MAX];
	struct stat st;
	uid_t owner;

	snprintf(path, sizeof(path), "%s/%s/ns/user", proc, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) < 0 || ioctl(fd, NS_GET_OWNER_UID, &owner) < 0 || owner != uid)
		return false;
	parent = ioctl(fd, NS_GET_PARENT);
	if (parent < 0)
		return false;
	*ret_ino = st.st_ino;
	return true;
}

/* The user namespaces `uid` owns now (the limit counts per user), by inode. */
static long count_owned(const char *proc, uid_t uid)
{
	_cleanup_closedir_ DIR *d = opendir(proc);
	uint64_t seen[4096];
	size_t n = 0;
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)) && n < ELEMENTSOF(seen)) {
		uint64_t ino;
		uint32_t pid;
		bool dup = false;

		if (tn_parse_u32(de->d_name, &pid) < 0)
			continue;
		if (!owned_userns(proc, de->d_name, uid, &ino))
			continue;
		for (size_t i = 0; i < n; i++)
			dup = dup || seen[i] == ino;
		if (!dup)
			seen[n++] = ino;
	}
	return (long)n;
}

static int check_max(const struct tn_check_opts *o, struct tn_check_report *r)
{
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];
	size_t len;
	uint64_t max = 0;
	long used = count_owned(o->proc, o->user->uid);

	snprintf(path, sizeof(path), "%s/sys/user/max_user_namespaces", o->proc);
	if (tn_read_file(path, 64, &text, &len, NULL) < 0 ||
	    tn_parse_u64_n(text, strcspn(text, "\n"), &max) < 0)
		return add(r, "max-userns", TN_CHECK_WARN, NULL, "cannot read %s", path);
	if (max == 0)
		return add(r, "max-userns", TN_CHECK_FAIL,
			   "sysctl -w user.max_user_namespaces=15000, and keep it in "
			   "/etc/sysctl.d/99-userns.conf",
			   "user.max_user_namespaces is 0: no user namespace can be made");
	return add(
		r, "max-userns",
		used >= 0 && (uint64_t)used * 10 >= max * 9 ? TN_CHECK_WARN : TN_CHECK_OK,
		used >= 0 && (uint64_t)used * 10 >= max * 9
			? "raise it: sysctl -w user.max_user_namespaces=N (and in /etc/sysctl.d/)"
			: NULL,
		"user.max_user_namespaces is %" PRIu64 "; %s owns %ld now", max,
		o->user->name ? o->user->name : "the user", used);
}

/* ---- the helpers ---- */

static int check_helper(const struct tn_check_opts *o, enum tn_idmap_kind k,
			struct tn_check_report *r)
{
	_cleanup_(tn_idmap_helper_done) struct tn_idmap_helper h = { 0 };
	const char *name = tn_idmap_helper_name(k);
	int rr = tn_idmap_helper_find(k, &h);

	if (rr < 0)
		return rr;
	if (h.usable) {
		struct stat st;
		bool suid = stat(h.path, &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid == 0;

		return add(r, name, TN_CHECK_OK, NULL, "%s is %s", h.path,
			   suid ? "setuid root" : "usable (file capabilities)");
	}
	return add(r, name, is_root(o) ? TN_CHECK_WARN : TN_CHECK_FAIL,
		   h.path ? "Debian's uidmap package installs it setuid root: chmod u+s it "
			    "(or setcap cap_setuid,cap_setgid+ep), on a filesystem without "
			    "nosuid"
			  : "apt-get install uidmap",
		   "%s%s", h.reason ? h.reason : "not usable",
		   is_root(o) ? " (root needs it only to map IDs for another user)" : "");
}

/* ---- subordinate ranges ---- */

static int check_ranges(const struct tn_check_opts *o, enum tn_subid_db db,
			const struct tn_lint_report *lint, struct tn_check_report *r)
{
	const char *name = db == TN_SUBUID ? "subuid" : "subgid";
	_cleanup_(tn_subid_list_done) struct tn_subid_list l = { 0 };
	_cleanup_(tn_error_freep) struct tn_error *e = NULL;
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	size_t errors = 0;
	int rr = tn_subid_list_user(o->subid, db, o->user, &l, &e);

	if (rr < 0)
		return add(r, name, TN_CHECK_FAIL, "tenant subid lint shows what is wrong", "%s",
			   e && e->message ? e->message : strerror(-rr));
	for (size_t i = 0; i < lint->n; i++)
		errors += lint->v[i].severity == TN_LINT_ERROR &&
			  strcmp(lint->v[i].path, o->subid->path[db]) == 0;
	for (size_t i = 0; i < l.n; i++)
		tn_buf_printf(&b, "%s%" PRIu32 "-%" PRIu64 " (%" PRIu32 ")", i ? ", " : "",
			      l.v[i].range.start, tn_idrange_last(l.v[i].range),
			      l.v[i].range.count);
	if (tn_buf_check(&b) < 0)
		return -ENOMEM;
	if (l.n == 0 && !is_root(o))
		return add(r, name, TN_CHECK_FAIL,
			   db == TN_SUBUID ? "tenant subid add USER (or usermod --add-subuids "
					     "FIRST-LAST USER)"
					   : "tenant subid add USER (or usermod --add-subgids "
					     "FIRST-LAST USER)",
			   "%s has no range in %s: only its own ID can be mapped",
			   o->user->name ? o->user->name : "the user", o->subid->path[db]);
	if (l.n == 0)
		return add(r, name, TN_CHECK_OK, NULL,
			   "root has no ranges in %s, and needs none (--userns auto adds its pool)",
			   o->subid->path[db]);
	return add(r, name, errors ? TN_CHECK_WARN : TN_CHECK_OK,
		   errors ? "tenant subid lint lists them, with the fixes" : NULL,
		   "%s; %zu lint error%s in %s", b.data, errors, errors == 1 ? "" : "s",
		   o->subid->path[db]);
}

/* ---- idmapped mounts ---- */

static const char *fs_name(long type)
{
	switch (type) {
	case EXT4_SUPER_MAGIC:
		return "ext4";
	case TMPFS_MAGIC:
		return "tmpfs";
	case BTRFS_SUPER_MAGIC:
		return "btrfs";
	case XFS_SUPER_MAGIC:
		return "xfs";
	case OVERLAYFS_SUPER_MAGIC:
		return "overlay";
	case NFS_SUPER_MAGIC:
		return "nfs";
	default:
		return "other";
	}
}

static int check_idmap(const struct tn_check_opts *o, struct tn_check_report *r)
{
	static const char *const paths[] = { "/", "/run", "/var/lib", "/var/tmp", "/tmp" };
	_cleanup_(tn_buf_free) struct tn_buf yes = { 0 }, no = { 0 };

	if (!is_root(o) || tn_rootless())
		return add(r, "idmap", TN_CHECK_OK, NULL,
			   "rootless, the kernel allows no idmapped mount of a host filesystem: "
			   "tenant uses a shifted copy (--userns auto:size=image) or tenant shift");
	for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
		struct statfs fs;

		if (statfs(paths[i], &fs) < 0)
			continue;
		struct tn_buf *b = tn_idmapped_supported(paths[i]) ? &yes : &no;

		tn_buf_printf(b, "%s%s (%s)", b->len ? ", " : "", paths[i],
			      fs_name((long)fs.f_type));
	}
	if (tn_buf_check(&yes) < 0 || tn_buf_check(&no) < 0)
		return -ENOMEM;
	if (no.len)
		return add(r, "idmap", TN_CHECK_WARN,
			   "images there are shifted instead (tenant shift, auto:size=image)",
			   "idmapped mounts work on %s; not on %s", yes.len ? yes.data : "none",
			   no.data);
	return add(r, "idmap", TN_CHECK_OK, NULL, "idmapped mounts work on %s",
		   yes.len ? yes.data : "none");
}

/* ---- cgroups ---- */

static int check_cgroups(const struct tn_check_opts *o, struct tn_check_report *r)
{
	char path[PATH_MAX];
	struct statfs fs;
	struct stat st;
	const char *layout;
	bool v2;

	snprintf(path, sizeof(path), "%s/fs/cgroup", o->sys);
	if (statfs(path, &fs) < 0)
		return add(r, "cgroups", TN_CHECK_WARN, "mount cgroup2 on /sys/fs/cgroup",
			   "no cgroup filesystem at %s", path);
	v2 = fs.f_type == CGROUP2_SUPER_MAGIC;
	snprintf(path, sizeof(path), "%s/fs/cgroup/unified", o->sys);
	layout = v2 ? "v2 (unified)" : stat(path, &st) == 0 ? "hybrid v1 + v2" : "v1";
	if (is_root(o))
		return add(r, "cgroups", TN_CHECK_OK, NULL,
			   "%s; root manages its containers' cgroups (cgroupfs)", layout);
	snprintf(path, sizeof(path),
		 "%s/fs/cgroup/user.slice/user-%" PRIu32 ".slice/user@%" PRIu32 ".service", o->sys,
		 o->user->uid, o->user->uid);
	if (v2 && stat(path, &st) == 0 && st.st_uid == o->user->uid)
		return add(r, "cgroups", TN_CHECK_OK, NULL, "%s; delegated to UID %" PRIu32 ": %s",
			   layout, o->user->uid, path);
	return add(r, "cgroups", TN_CHECK_WARN,
		   v2 ? "with systemd: loginctl enable-linger USER, and Delegate=yes for "
			"user@.service (/etc/systemd/system/user@.service.d/delegate.conf)"
		      : "rootless cgroups need the unified layout: boot with "
			"systemd.unified_cgroup_hierarchy=1",
		   "%s; no cgroup is delegated to UID %" PRIu32
		   ": rootless containers run without linux.resources (as podman's "
		   "cgroupfs manager does)",
		   layout, o->user->uid);
}

/* ---- the systemd cgroup manager ---- */

/* The controllers a user's manager may hand to its scopes that rootless limits need. */
static int check_user_delegation(const struct tn_check_opts *o, struct tn_check_report *r)
{
	static const char *const wanted[] = { "cpu", "memory", "pids" };
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX], missing[64] = "";
	size_t len;
	uint32_t u = o->user->uid;

	snprintf(path, sizeof(path),
		 "%s/fs/cgroup/user.slice/user-%" PRIu32 ".slice/user@%" PRIu32
		 ".service/cgroup.controllers",
		 o->sys, u, u);
	if (tn_read_file(path, 4096, &text, &len, NULL) < 0)
		text = NULL;
	for (size_t i = 0; i < ELEMENTSOF(wanted); i++)
		if (!text || !tn_list_has(text, " \n", wanted[i]))
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing),
				 "%s%s", missing[0] ? ", " : "", wanted[i]);
	if (missing[0])
		return add(
			r, "systemd", TN_CHECK_WARN,
			"Delegate=cpu cpuset io memory pids under [Service] in "
			"/etc/systemd/system/user@.service.d/delegate.conf, systemctl "
			"daemon-reload, and log in again (a hybrid or v1 host delegates none: boot "
			"with systemd.unified_cgroup_hierarchy=1)",
			"the user manager of UID %" PRIu32 " answers (--systemd-cgroup makes "
			"scopes there), but it delegates no %s controller: rootless containers "
			"get no such limits",
			u, missing);
	return add(r, "systemd", TN_CHECK_OK, NULL,
		   "the user manager of UID %" PRIu32 " answers and delegates cpu, memory and "
		   "pids: rootless containers get their limits (--systemd-cgroup)",
		   u);
}

/* The system manager for root, the user's own manager for anyone else. */
static int check_systemd(const struct tn_check_opts *o, struct tn_check_report *r)
{
	char path[PATH_MAX];
	struct stat st;

	if (is_root(o))
		return tn_sdbus_reachable(false)
			       ? add(r, "systemd", TN_CHECK_OK, NULL,
				     "systemd answers on /run/systemd/private: --systemd-cgroup "
				     "(the kubelet's systemd driver, podman --cgroup-manager systemd) "
				     "makes transient scopes")
			       : add(r, "systemd", TN_CHECK_WARN,
				     "engines set to the systemd cgroup driver must use cgroupfs "
				     "here (containerd SystemdCgroup = false, podman "
				     "--cgroup-manager cgroupfs)",
				     "systemd is not PID 1 here: --systemd-cgroup is not available");
	snprintf(path, sizeof(path), "/run/user/%" PRIu32 "/systemd/private", o->user->uid);
	if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode))
		return add(r, "systemd", TN_CHECK_WARN,
			   "loginctl enable-linger USER (as root), or log in through a session",
			   "UID %" PRIu32 " has no systemd user manager (%s): --systemd-cgroup, "
			   "rootless podman's default, is not available",
			   o->user->uid, path);
	return check_user_delegation(o, r);
}

/* ---- seccomp, pidfd, clone3 ---- */

static int check_seccomp(const struct tn_check_opts *o, struct tn_check_report *r)
{
	const struct scmp_version *v = seccomp_version();
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];
	size_t len;
	bool kernel;

	snprintf(path, sizeof(path), "%s/self/status", o->proc);
	kernel = tn_read_file(path, 1 << 16, &text, &len, NULL) == 0 && strstr(text, "\nSeccomp:");
	if (!kernel)
		return add(r, "seccomp", TN_CHECK_FAIL, "a kernel with CONFIG_SECCOMP_FILTER",
			   "the kernel has no seccomp (no Seccomp: in %s)", path);
	return add(r, "seccomp", TN_CHECK_OK, NULL, "filters: yes; libseccomp %u.%u.%u",
		   v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
}

static int check_syscalls(struct tn_check_report *r)
{
	_cleanup_close_ int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	int rr = add(r, "pidfd", fd >= 0 ? TN_CHECK_OK : TN_CHECK_WARN,
		     fd >= 0 ? NULL : "Linux 5.3 or later", "pidfd_open: %s",
		     fd >= 0 ? "yes" : strerror(errno));
	bool have;

	if (rr < 0)
		return rr;
	have = syscall(SYS_clone3, NULL, 0) < 0 && errno != ENOSYS;
	return add(r, "clone3", have ? TN_CHECK_OK : TN_CHECK_WARN,
		   have ? NULL : "Linux 5.3 or later", "clone3: %s", have ? "yes" : "no");
}

/* User namespaces, their helpers and the subordinate ranges. */
static int check_ids(const struct tn_check_opts *o, const struct tn_lint_report *lint,
		     struct tn_check_report *r)
{
	int k = check_userns(o, r);

	if (k < 0)
		return k;
	k = check_max(o, r);
	if (k < 0)
		return k;
	k = check_helper(o, TN_IDMAP_UID, r);
	if (k < 0)
		return k;
	k = check_helper(o, TN_IDMAP_GID, r);
	if (k < 0)
		return k;
	k = check_ranges(o, TN_SUBUID, lint, r);
	if (k < 0)
		return k;
	return check_ranges(o, TN_SUBGID, lint, r);
}

/* Idmapped mounts, cgroups, seccomp and the newer system calls. */
static int check_system(const struct tn_check_opts *o, struct tn_check_report *r)
{
	int k = check_idmap(o, r);

	if (k < 0)
		return k;
	k = check_cgroups(o, r);
	if (k < 0)
		return k;
	k = check_systemd(o, r);
	if (k < 0)
		return k;
	k = check_seccomp(o, r);
	if (k < 0)
		return k;
	return check_syscalls(r);
}

int tn_check_run(const struct tn_check_opts *o, struct tn_check_report *ret)
{
	_cleanup_(tn_lint_report_done) struct tn_lint_report lint = { 0 };
	_cleanup_(tn_check_report_done) struct tn_check_report report = { 0 };
	int r;

	*ret = (struct tn_check_report){ 0 };
	(void)tn_subid_lint(o->subid, &lint, NULL); /* unreadable files: the range checks say */
	r = check_ids(o, &lint, &report);
	if (r < 0)
		return r;
	r = check_system(o, &report);
	if (r < 0)
		return r;
	*ret = report;
	report = (struct tn_check_report){ 0 }; /* now *ret's */
	return 0;
}

void tn_check_report_done(struct tn_check_report *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].found);
		free(r->v[i].fix);
	}
	free(r->v);
	*r = (struct tn_check_report){ 0 };
}
