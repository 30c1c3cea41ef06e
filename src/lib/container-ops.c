/* SPDX-License-Identifier: Apache-2.0 */
/* start, kill, delete (container.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup-systemd.h"
#include "container.h"
#include "oci-config.h"
#include "fs.h"
#include "idmap.h"
#include "oci-state.h"
#include "proc-stat.h"
#include "rootfs-copy.h"
#include "userns-pool.h"
#include "parse.h"
#include "proc-ids.h"
#include "banned.h"

#define START_TIMEOUT_MS 60000

static bool alive(const struct tn_state *s)
{
	uint64_t t = s->pid > 0 ? tn_proc_start_time(s->pid) : 0;

	return t != 0 && t == s->pid_start;
}

static int wrong_status(const struct tn_state *s, const char *verb, struct tn_error **err)
{
	return tn_error_set(err, EINVAL, "cannot %s container '%s': it is %s", verb, s->id,
			    tn_status_name(s->status));
}

/* After init's byte: until its end of exec.fifo closes, at the process's execve (O_CLOEXEC), or
 * init is gone. */
static void wait_exec(const struct tn_state *s, int fd)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char buf[16];
		ssize_t k;

		if (poll(&pfd, 1, 100) > 0) {
			k = RETRY_EINTR(read(fd, buf, sizeof(buf)));
			if (k == 0 || (k < 0 && errno != EAGAIN))
				return;
		}
		if (!alive(s))
			return;
	}
}

/* Read init's byte from exec.fifo; init may still be on its way to opening it. */
static int release_init(const struct tn_state *s, int fd, struct tn_error **err)
{
	for (int waited = 0; waited < START_TIMEOUT_MS; waited += 100) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char c;
		int n = poll(&pfd, 1, 100);

		if (n > 0 && (pfd.revents & POLLIN) && RETRY_EINTR(read(fd, &c, 1)) == 1) {
			wait_exec(s, fd);
			return 0;
		}
		if (n > 0 && (pfd.revents & POLLHUP) && !(pfd.revents & POLLIN))
			poll(NULL, 0, 10); /* no writer yet: do not spin */
		if (!alive(s))
			return tn_error_set(err, ESRCH,
					    "container '%s': its init process has exited", s->id);
	}
	return tn_error_set(err, ETIMEDOUT,
			    "container '%s': its init process did not take the "
			    "start signal",
			    s->id);
}

/* The hooks of the config the container was created from. */
static int load_hooks(const char *root, const char *id, struct tn_oci_config *cfg)
{
	_cleanup_free_ char *dir = tn_state_dir(root, id), *path = NULL;

	*cfg = (struct tn_oci_config){ 0 };
	if (!dir || asprintf(&path, "%s/%s", dir, TN_CONFIG_COPY) < 0)
		return -ENOMEM;
	return tn_oci_config_load(path, cfg, NULL);
}

/* poststart and poststop: a failure is a warning (runtime-spec), in *warn. poststart runs in
 * the bundle, as runc's (run at create); poststop where delete is run, as runc's. */
static void late_hooks(const struct tn_oci_hooks *hooks, enum tn_hook_kind k, struct tn_state *s,
		       struct tn_error **warn)
{
	const struct tn_hook_env where = { .dir = k == TN_HOOK_POSTSTART ? s->bundle : NULL };
	_cleanup_free_ char *json = NULL;

	if (!hooks->n[k] || tn_state_to_hook_json(s, TN_OCI_VERSION, &json) < 0)
		return;
	tn_hooks_run(hooks, k, json, &where, warn);
}

/* The caller's hooks, else those of the container's config copy (in *cfg). */
static const struct tn_oci_hooks *hooks_of(const char *root, const char *id,
					   const struct tn_oci_hooks *hooks,
					   struct tn_oci_config *cfg)
{
	*cfg = (struct tn_oci_config){ 0 };
	if (hooks)
		return hooks;
	return load_hooks(root, id, cfg) == 0 ? &cfg->hooks : NULL;
}

int tn_container_start_loaded(const char *root, struct tn_state *s,
			      const struct tn_oci_hooks *hooks, int fifo_fd, struct tn_error **err,
			      struct tn_error **warn)
{
	_cleanup_(tn_oci_config_done) struct tn_oci_config cfg = { 0 };
	_cleanup_free_ char *dir = NULL, *fifo = NULL;
	_cleanup_close_ int fd = fifo_fd;
	int r;

	/* With exec.fifo open since create (run), init went on at READY: its process may have
	 * ended already; its byte says it was released. */
	if (s->status != TN_STATUS_CREATED && (fd < 0 || s->status != TN_STATUS_STOPPED))
		return wrong_status(s, "start", err);
	dir = tn_state_dir(root, s->id);
	if (!dir || asprintf(&fifo, "%s/%s", dir, TN_EXEC_FIFO) < 0)
		return -ENOMEM;
	if (fd < 0)
		fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return tn_error_errno(err, errno, "cannot open %s", fifo);
	r = release_init(s, fd, err);
	if (r < 0)
		return r;
	fd = safe_close(fd); /* init is released: the fifo is done with before the hooks */
	unlink(fifo);
	s->status = TN_STATUS_RUNNING;
	hooks = hooks_of(root, s->id, hooks, &cfg);
	if (hooks)
		late_hooks(hooks, TN_HOOK_POSTSTART, s, warn);
	return 0;
}

int tn_container_start(const char *root, const char *id, struct tn_error **err,
		       struct tn_error **warn)
{
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r = tn_state_load(root, id, &s, err);

	if (r < 0)
		return r;
	return tn_container_start_loaded(root, &s, NULL, -1, err, warn);
}

/*
 * Every process of the container (kill --all without a cgroup to walk): those in init's mount
 * namespace, which a container has its own of (not its PID namespace: it may share the host's).
 * Init is checked through a /proc dirfd (still the same process, by start time) before its
 * namespace is read; a mount namespace that is tenant's own (joined by path) is refused.
 */
/* Every process in the mount namespace `want` (an ns/mnt link), tenant itself excepted. */
static int kill_in_mnt_ns(const char *want, int sig)
{
	_cleanup_closedir_ DIR *d = opendir("/proc");
	char have[64];
	uint32_t pid;

	if (!d)
		return negative_errno();
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if (tn_proc_ns_link(e->d_name, "mnt", have, sizeof(have)) < 0)
			continue;
		if (strcmp(have, want) == 0 && tn_parse_u32(e->d_name, &pid) == 0 && pid > 0 &&
		    pid <= INT32_MAX && (pid_t)pid != getpid())
			kill((pid_t)pid, sig);
	}
	return 0;
}

static int kill_all(const struct tn_state *s, int sig)
{
	char path[300], want[64], self[64];
	_cleanup_close_ int dirfd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d", (int)s->pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return negative_errno();
	n = readlinkat(dirfd, "ns/mnt", want, sizeof(want) - 1);
	if (tn_proc_start_time(s->pid) != s->pid_start)
		return -ESRCH;
	/* Before start, init is non-dumpable (container-process.h) and nothing else of the
	 * container runs yet: init alone is signalled. */
	if (n < 0 && errno == EACCES && s->status == TN_STATUS_CREATED)
		return kill(s->pid, sig) < 0 ? negative_errno() : 0;
	if (n < 0)
		return -ESRCH;
	want[n] = '\0';
	n = readlink("/proc/self/ns/mnt", self, sizeof(self) - 1);
	if (n >= 0 && (self[n] = '\0', strcmp(self, want) == 0))
		return -EPERM; /* not the container's own: it would be everyone */
	return kill_in_mnt_ns(want, sig);
}

static int kill_every(const struct tn_state *s, int sig, struct tn_error **err)
{
	int r;

	/* SIGKILL to init of its own PID namespace takes every process with it. */
	if (s->new_pid_ns && sig == SIGKILL)
		return kill(s->pid, sig) < 0 ? tn_error_errno(err, errno, "cannot kill '%s'", s->id)
					     : 0;
	r = kill_all(s, sig);
	if (r == -EPERM)
		return tn_error_set(
			err, EPERM,
			"cannot kill --all '%s': it shares tenant's mount namespace, so "
			"its processes cannot be told from others",
			s->id);
	return r < 0 ? tn_error_errno(err, -r, "cannot kill '%s'", s->id) : 0;
}

/* Stopped: init is gone (its PID may be another process's now). As runc's kill --all, what
 * is left in the container's cgroup is signalled (a container without a PID namespace of its
 * own may leave processes); none is not an error. */
static int kill_leftovers(const struct tn_state *s, int sig)
{
	const struct tn_cgroup_at at = tn_state_cgroup(s);
	_cleanup_free_ pid_t *pids = NULL;
	size_t n = 0;

	if (!s->cgroup_path || !s->cgroup_path[0] || tn_cgroup_pids(&at, &pids, &n) < 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		kill(pids[i], sig);
	return 0;
}

int tn_container_kill(const char *root, const char *id, int sig, bool all, struct tn_error **err)
{
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r = tn_state_load(root, id, &s, err);

	if (r < 0)
		return r;
	if (s.status == TN_STATUS_STOPPED && all)
		return kill_leftovers(&s, sig);
	if (s.status == TN_STATUS_STOPPED)
		return wrong_status(&s, "kill", err);
	r = all ? kill_every(&s, sig, err) : kill(s.pid, sig) < 0 ? negative_errno() : 0;
	if (r < 0)
		return all ? r
			   : tn_error_errno(err, -r, "cannot send signal %d to '%s' (pid %d)", sig,
					    id, (int)s.pid);
	/* A frozen process takes SIGKILL only once thawed: as runc, thaw a paused container
	 * after SIGKILL, so that it stops. */
	if (sig == SIGKILL && s.status == TN_STATUS_PAUSED)
		return tn_cgroup_freeze(&(struct tn_cgroup_at){ s.cgroup_path, s.cgroup_parent },
					false, err);
	return 0;
}

/*
 * What is left in the container's cgroup once init is gone; true when the cgroup may go. Without a
 * PID namespace of its own the container may leave processes: each killed (a frozen cgroup thawed
 * first), until none is left. With one, init's end ends them all, and as runc tenant kills no
 * more: what else runs there is another container's, in a cgroupsPath two containers name, and
 * the cgroup is left to it. Init itself may outlive its main thread (a zombie whose other threads
 * run on, and keep the namespace): killed, and waited for.
 */
static bool end_cgroup(const struct tn_state *s)
{
	const struct tn_cgroup_at at = tn_state_cgroup(s);
	size_t others = 0;

	if (!s->new_pid_ns) {
		(void)tn_cgroup_kill(&at);
		return true;
	}
	if (s->pid > 0 && tn_proc_start_time_any(s->pid) == s->pid_start)
		kill(s->pid, SIGKILL);
	if (tn_cgroup_wait_out(&at, s->pid, &others) < 0)
		return true;
	return others == 0;
}

/* Kill what is left and wait (up to 10 s) until init is gone. */
static int kill_and_wait(struct tn_state *s, struct tn_error **err)
{
	const struct tn_cgroup_at at = tn_state_cgroup(s);
	bool cgroup = s->cgroup_path && s->cgroup_path[0];

	/* A frozen init takes SIGKILL only once thawed (as runc's kill of a paused container). */
	if (s->new_pid_ns && cgroup && tn_cgroup_frozen(&at))
		(void)tn_cgroup_freeze(&at, false, NULL);
	if (!s->new_pid_ns && cgroup)
		(void)end_cgroup(s);
	if (s->new_pid_ns)
		kill(s->pid, SIGKILL);
	else
		kill_all(s, SIGKILL);
	for (int i = 0; i < 1000 && alive(s); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	if (alive(s))
		return tn_error_set(err, EBUSY, "container '%s': pid %d survived SIGKILL", s->id,
				    (int)s->pid);
	return 0;
}

/* The shifted copy of the rootfs (auto:size=image without idmapped mounts); a failure warns. */
static void remove_copy(const char *root, const char *id, struct tn_error **warn)
{
	_cleanup_free_ char *path = tn_rootfs_copy_path(root, id);
	struct tn_subid_source src;

	tn_subid_source_default(&src);
	if (path && tn_rootfs_copy_remove(path, &src, warn) < 0)
		tn_error_hint(warn, 0, "remove it by hand: tenant unshare rm -rf %s", path);
}

/* The cgroup a killed create made, when it is tenant's own default (ID, below the caller's
 * cgroups as tn_cgroup_creator finds them): its processes killed, then removed. A cgroupsPath of
 * the config's is left alone: it may not be tenant's. */
static void remove_cgroup_left(const char *root, const char *id)
{
	_cleanup_(tn_oci_config_done) struct tn_oci_config cfg = { 0 };
	_cleanup_free_ char *path = NULL;

	if (load_hooks(root, id, &cfg) < 0)
		return;
	if (cfg.cgroups_path && cfg.cgroups_path[0])
		return;
	path = tn_cgroup_path(NULL, id);
	if (!path)
		return;
	/* Relative, below this process's own cgroups (create's, when called from the same). */
	(void)tn_cgroup_kill(&(struct tn_cgroup_at){ path, NULL });
	(void)tn_cgroup_remove(&(struct tn_cgroup_at){ path, NULL }, NULL);
}

/*
 * runc: delete --force of a missing container succeeds. What a create killed half-way left goes
 * too, or its ID and range stay taken: the directory without state.json, whatever runs on its
 * range (tn_pool_release kills it first), the partial rootfs copy.
 */
static int delete_remains(const char *root, const char *id, struct tn_error **warn)
{
	_cleanup_free_ char *dir = NULL;

	if (tn_container_id_check(id, NULL) < 0)
		return 0;
	dir = tn_state_dir(root, id);
	if (!dir)
		return -ENOMEM;
	/* Nothing was made (a range pending for a create killed before its directory is reclaimed
	 * once nothing runs on it; one of a create still under way is not ours to take). */
	if (tn_state_check(root, id, NULL) < 0)
		return 0;
	remove_cgroup_left(root, id);
	tn_container_remove_dir(dir);
	tn_pool_release(root, id);
	remove_copy(root, id, warn);
	return 0;
}

/* Init is gone: the cgroup, the state directory, the range and the copy go, then poststop. */
static int remove_stopped(const char *root, const char *id, struct tn_state *s,
			  const struct tn_oci_hooks *hooks, struct tn_error **err,
			  struct tn_error **warn)
{
	_cleanup_(tn_oci_config_done) struct tn_oci_config cfg = { 0 };
	_cleanup_free_ char *dir = tn_state_dir(root, id);

	hooks = hooks_of(root, id, hooks, &cfg); /* before the copy goes with the directory */
	/* A scope that emptied is gone; its name may be another's by now (left alone). */
	int whose = s->systemd_unit ? tn_systemd_whose(s->systemd_unit, s->systemd_user,
						       s->systemd_invocation, warn)
				    : TN_SCOPE_OURS;
	/* What init left in the cgroup goes (end_cgroup), then the cgroup; not one another
	 * container still runs in. */
	if (s->cgroup_path && s->cgroup_path[0] && whose != TN_SCOPE_OTHER &&
	    (whose == TN_SCOPE_GONE || end_cgroup(s)))
		tn_cgroup_remove(&(struct tn_cgroup_at){ s->cgroup_path, s->cgroup_parent },
				 s->has_cgroup_dirs ? &s->cgroup_dirs : NULL);
	/* Its scope: systemd removes the cgroup (a failure is a warning: all else goes). */
	if (s->systemd_unit && whose == TN_SCOPE_OURS)
		(void)tn_systemd_stop(s->systemd_unit, s->systemd_user, warn);
	if (!dir || tn_container_remove_dir(dir) < 0)
		return tn_error_errno(err, errno, "cannot remove %s", dir ? dir : id);
	/* Its range, if --userns auto gave it one; its shifted copy, if it had one. */
	if (!s->remains_known || s->pooled)
		tn_pool_release(root, id);
	if (!s->remains_known || s->rootfs_copy)
		remove_copy(root, id, warn);
	s->status = TN_STATUS_STOPPED;
	if (hooks)
		late_hooks(hooks, TN_HOOK_POSTSTOP, s, warn);
	return 0;
}

int tn_container_delete(const char *root, const char *id, bool force, struct tn_error **err,
			struct tn_error **warn)
{
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r = tn_state_load(root, id, &s, err);

	if (r == -ENOENT && force) {
		if (err) {
			tn_error_free(*err);
			*err = NULL;
		}
		return delete_remains(root, id, warn);
	}
	if (r < 0)
		return r;
	if ((s.status == TN_STATUS_RUNNING || s.status == TN_STATUS_PAUSED) && !force) {
		r = wrong_status(&s, "delete", err); /* paused too, as runc */
		tn_error_hint(err, r,
			      "stop it first ('tenant kill %s'), or use 'tenant delete --force'",
			      id);
		return r;
	}
	if (s.status != TN_STATUS_STOPPED) {
		r = kill_and_wait(&s, err);
		if (r < 0)
			return r;
	}
	return remove_stopped(root, id, &s, NULL, err, warn);
}

int tn_container_delete_ended(const char *root, struct tn_state *s,
			      const struct tn_oci_hooks *hooks, struct tn_error **err,
			      struct tn_error **warn)
{
	/* Reaped by the caller: init is gone (else it goes as with delete --force). */
	int r = alive(s) ? kill_and_wait(s, err) : 0;

	if (r < 0)
		return r;
	s->status = TN_STATUS_STOPPED;
	return remove_stopped(root, s->id, s, hooks, err, warn);
}

static int with_cgroup(const char *root, const char *id, struct tn_state *s, struct tn_error **err)
{
	int r = tn_state_load(root, id, s, err);

	if (r < 0)
		return r;
	if (!s->cgroup_path || !s->cgroup_path[0]) {
		r = tn_error_set(err, ENOTSUP, "container '%s' has no cgroup of its own", id);
		tn_state_done(s);
		return tn_error_hint(err, r,
				     "a rootless container gets one only where the user may "
				     "write a delegated cgroup");
	}
	return 0;
}

int tn_container_freeze(const char *root, const char *id, bool freeze, struct tn_error **err)
{
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r = with_cgroup(root, id, &s, err);

	if (r < 0)
		return r;
	/* As runc: a created container may be paused too (its init waits, frozen). */
	if (freeze ? s.status != TN_STATUS_RUNNING && s.status != TN_STATUS_CREATED
		   : s.status != TN_STATUS_PAUSED)
		return wrong_status(&s, freeze ? "pause" : "resume", err);
	return tn_cgroup_freeze(&(struct tn_cgroup_at){ s.cgroup_path, s.cgroup_parent }, freeze,
				err);
}

int tn_container_pids(const char *root, const char *id, pid_t **ret, size_t *ret_n,
		      struct tn_error **err)
{
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r = with_cgroup(root, id, &s, err);

	if (r < 0)
		return r;
	r = tn_cgroup_pids(&(struct tn_cgroup_at){ s.cgroup_path, s.cgroup_parent }, ret, ret_n);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot list the processes of '%s'", id);
	return r;
}

int tn_container_update(const char *root, const char *id, struct tn_resources *res,
			struct tn_error **err, struct tn_error **warn)
{
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r = with_cgroup(root, id, &s, err);

	if (r < 0)
		return r;
	if (s.status == TN_STATUS_STOPPED)
		return wrong_status(&s, "update", err);
	/* The scope's properties first, then the files (what systemd cannot express). */
	if (s.systemd_unit) {
		char dropped[128];

		r = tn_systemd_update(s.systemd_unit, s.systemd_user, res, err);
		if (r < 0)
			return r;
		r = tn_systemd_usable(s.cgroup_path, res, dropped, sizeof(dropped));
		if (r < 0)
			return tn_error_errno(err, -r, "cannot read the controllers of cgroup %s",
					      s.cgroup_path);
		tn_systemd_dropped_warning(warn, s.cgroup_path, s.systemd_unit, dropped);
	}
	return tn_cgroup_apply(&(struct tn_cgroup_at){ s.cgroup_path, s.cgroup_parent }, res, err);
}

/* /proc/PID/uid_map (k 0) or gid_map (k 1), parsed. */
static int read_map(pid_t pid, int k, struct tn_idmap *ret, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	size_t len;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, k ? "gid_map" : "uid_map");
	r = tn_read_file(path, 64 * 1024, &text, &len, NULL);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", path);
	r = tn_idmap_parse_text(text, k ? TN_IDMAP_GID : TN_IDMAP_UID, ret);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", path);
	return 0;
}

int tn_container_maps(const char *root, const char *id, struct tn_idmap maps[2],
		      struct tn_error **err)
{
	_cleanup_(tn_state_done) struct tn_state s = { 0 };
	int r = tn_state_load(root, id, &s, err);

	if (r < 0)
		return r;
	maps[0] = (struct tn_idmap){ 0 };
	maps[1] = (struct tn_idmap){ 0 };
	if (s.status == TN_STATUS_STOPPED)
		return tn_error_set(err, ESRCH, "container '%s' is stopped: its maps are gone", id);
	for (int k = 0; k < 2; k++) {
		r = read_map(s.pid, k, &maps[k], err);
		if (r < 0) {
			tn_idmap_done(&maps[0]); /* nothing half-read is handed back */
			tn_idmap_done(&maps[1]);
			return r;
		}
	}
	return 0;
}
