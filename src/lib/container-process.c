/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container process (container-process.h): oom_score_adj in stage 1, hostname, sysctl
 * and rlimits before start; after start the user, groups, capabilities, no_new_privs, umask,
 * cwd, and exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <net/if.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "container-process.h"
#include "container-seccomp.h"
#include "container-tty.h"
#include "idmap.h"
#include "proc-ids.h"
#include "oci-state.h"
#include "rootless.h"
#include "fs.h"
#include "parse.h"
#include "banned.h"

static int apply_sysctl(const struct tn_oci_config *c, struct tn_error **err)
{
	for (size_t i = 0; i < c->n_sysctl; i++) {
		const char *key = c->sysctl[2 * i], *value = c->sysctl[2 * i + 1];
		char path[512];
		int r;

		/* Checked by create (tn_sysctl_check): no '/', no "..", a namespaced key. */
		snprintf(path, sizeof(path), "/proc/sys/%s", key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		r = tn_write_string(path, value);
		if (r < 0)
			return tn_error_errno(err, -r, "linux.sysctl: cannot set %s", key);
	}
	return 0;
}

/*
 * As runc: only sysctls of a namespace the container has of its own may be set, or they
 * would change the host: net.* needs a network namespace, IPC ones an IPC namespace, the
 * domain name a UTS namespace; kernel.hostname is refused, as it conflicts with "hostname".
 */
static int hostname_sysctl(struct tn_error **err)
{
	int r = tn_error_set(err, EINVAL,
			     "linux.sysctl: kernel.hostname conflicts with the \"hostname\" field");

	return tn_error_hint(err, r, "set \"hostname\" instead");
}

int tn_sysctl_check(const struct tn_oci_config *c, struct tn_error **err)
{
	static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb",
					   "kernel.msgmni", "kernel.sem",
					   "kernel.shmall", "kernel.shmmax",
					   "kernel.shmmni", "kernel.shm_rmid_forced" };

	for (size_t i = 0; i < c->n_sysctl; i++) {
		const char *key = c->sysctl[2 * i];
		enum tn_ns_type need = TN_NS_COUNT;

		if (key[0] == '\0' || strlen(key) > 400 || strchr(key, '/') || strstr(key, ".."))
			return tn_error_set(err, EINVAL, "linux.sysctl: invalid key '%s'", key);
		if (strncmp(key, "net.", 4) == 0)
			need = TN_NS_NET;
		else if (strncmp(key, "fs.mqueue.", 10) == 0)
			need = TN_NS_IPC;
		else if (strcmp(key, "kernel.hostname") == 0)
			return hostname_sysctl(err);
		else if (strcmp(key, "kernel.domainname") == 0)
			need = TN_NS_UTS;
		for (size_t k = 0; k < ELEMENTSOF(ipc); k++)
			if (strcmp(key, ipc[k]) == 0)
				need = TN_NS_IPC;
		if (need == TN_NS_COUNT)
			return tn_error_set(err, EINVAL,
					    "linux.sysctl: %s is not namespaced: setting it would "
					    "change the host",
					    key);
		if (!c->ns[need].present)
			return tn_error_set(err, EINVAL,
					    "linux.sysctl: %s needs a \"%s\" namespace of the "
					    "container's own in linux.namespaces",
					    key, tn_ns_type_name(need));
	}
	return 0;
}

/* As runc: a new network namespace gets its loopback interface up. */
static int loopback_up(struct tn_error **err)
{
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { .ifr_name = "lo" };

	if (fd < 0)
		return tn_error_errno(err, errno, "cannot bring up lo: no socket");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return tn_error_errno(err, errno, "cannot bring up lo");
	if (ifr.ifr_flags & IFF_UP)
		return 0;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return tn_error_errno(err, errno, "cannot bring up lo");
	return 0;
}

int tn_container_setup_misc(struct tn_init_ctx *ctx, struct tn_error **err)
{
	const struct tn_oci_config *c = ctx->cfg;
	const struct tn_oci_process *p = &c->process;
	int r;

	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return tn_error_errno(err, errno, "hostname: cannot set '%s'", c->hostname);
	if (c->domainname && setdomainname(c->domainname, strlen(c->domainname)) < 0)
		return tn_error_errno(err, errno, "domainname: cannot set '%s'", c->domainname);
	r = apply_sysctl(c, err);
	if (r < 0)
		return r;
	if (ctx->new_flags & CLONE_NEWNET) {
		r = loopback_up(err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit l = { .rlim_cur = p->rlimits[i].soft,
				    .rlim_max = p->rlimits[i].hard };

		if (setrlimit(p->rlimits[i].resource, &l) < 0) {
			r = tn_error_errno(
				err, errno, "process.rlimits[%zu]: cannot set soft %llu, hard %llu",
				i, (unsigned long long)l.rlim_cur, (unsigned long long)l.rlim_max);
			return tn_error_hint(err, r,
					     "raising a hard limit needs CAP_SYS_RESOURCE on the "
					     "host; ask for at most the current hard limit");
		}
	}
	return 0;
}

int tn_container_set_oom_score(const struct tn_oci_process *p, struct tn_error **err)
{
	char v[16];
	int r;

	if (!p->has_oom_score_adj)
		return 0;
	snprintf(v, sizeof(v), "%d", p->oom_score_adj);
	r = tn_write_string("/proc/self/oom_score_adj", v);
	if (r < 0)
		return tn_error_errno(err, -r, "process.oomScoreAdj: cannot set %d",
				      p->oom_score_adj);
	return 0;
}

int tn_container_protect_stage(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ? negative_errno() : 0;
}

/* The PATH the process gets: the last one in process.env (env_for_exec keeps the last). */
static const char *env_path(const struct tn_oci_process *p)
{
	for (size_t i = p->n_env; i-- > 0;)
		if (strncmp(p->env[i], "PATH=", 5) == 0)
			return p->env[i] + 5;
	return TN_DEFAULT_PATH;
}

/* Go's findExecutable, which runc's exec.LookPath uses: a file that is not a directory and has
 * an execute bit. `path` relative to process.cwd, where the process will be. */
static int check_exec(const char *cwd, const char *path)
{
	_cleanup_free_ char *full = NULL;
	struct stat st;

	if (path[0] != '/' && asprintf(&full, "%s/%s", cwd, path) < 0)
		return -ENOMEM;
	if (stat(full ? full : path, &st) < 0)
		return negative_errno();
	return !S_ISDIR(st.st_mode) && (st.st_mode & 0111) ? 0 : -EACCES;
}

/*
 * As runc (exec.LookPath once in the container's cwd, at create so that a bad args[0] fails
 * there): a name with a '/' is taken as it is, relative to process.cwd; another is looked up
 * in $PATH, where a relative directory is refused (Go's exec.ErrDot). The messages keep runc's words, which engines map to exit codes (podman: "permission
 * denied" 126, "no such file or directory" or "executable file not found in" 127).
 */
int tn_container_find_exec(const struct tn_oci_process *p, char **ret, struct tn_error **err)
{
	const char *name = p->args[0], *path = env_path(p), *cwd = p->cwd ? p->cwd : "/";
	int r;

	if (strchr(name, '/')) {
		r = check_exec(cwd, name);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return tn_error_errno(err, -r, "process.args[0]: exec '%s'", name);
		*ret = strdup(name);
		return *ret ? 0 : -ENOMEM;
	}
	for (const char *d = path; *name && *d;) {
		size_t len = strcspn(d, ":");
		_cleanup_free_ char *full = NULL;

		if (asprintf(&full, "%.*s/%s", (int)(len ? len : 1), len ? d : ".", name) < 0)
			return -ENOMEM;
		r = check_exec(cwd, full);
		if (r == -ENOMEM)
			return r;
		d += len + (d[len] == ':');
		if (r < 0) /* not this directory: the next one */
			continue;
		if (full[0] != '/')
			return tn_error_set(
				err, EACCES,
				"process.args[0]: exec '%s': cannot run executable found "
				"relative to current directory",
				name);
		*ret = TAKE_PTR(full);
		return 0;
	}
	return tn_error_set(
		err, ENOENT,
		"process.args[0]: exec '%s': executable file not found in $PATH (%s) of "
		"the container",
		name, path);
}

/* Whether process.gid or one of process.user.additionalGids (its groups: tenant sets no others)
 * is g. */
static bool in_groups(const struct tn_oci_process *p, gid_t g)
{
	if (p->gid == g)
		return true;
	for (size_t i = 0; i < p->n_additional_gids; i++)
		if (p->additional_gids[i] == g)
			return true;
	return false;
}

/* Whether the kernel's execute check will deny the user: owner bits for its owner, group bits
 * for its groups, other bits for the rest; any bit with CAP_DAC_OVERRIDE. An owner shown as
 * 65534 may be one the namespace does not map: the owner bits are not taken as the user's. */
static bool mode_denies(const struct tn_oci_process *p, const struct stat *st)
{
	mode_t m = st->st_mode;

	if (p->caps[TN_CAP_EFFECTIVE] & (UINT64_C(1) << CAP_DAC_OVERRIDE))
		return !(m & 0111);
	if (st->st_uid == p->uid && st->st_uid != 65534)
		return !(m & 0100);
	if (st->st_uid == p->uid && (m & 0100))
		return false;
	if (in_groups(p, st->st_gid))
		return !(m & 0010);
	return !(m & 0001);
}

int tn_container_check_exec_access(const struct tn_oci_process *p, const char *path,
				   struct tn_error **err)
{
	_cleanup_free_ char *full = NULL;
	const char *cwd = p->cwd ? p->cwd : "/";
	struct statvfs vfs;
	struct stat st;

	if (path[0] != '/' && asprintf(&full, "%s/%s", cwd, path) < 0)
		return -ENOMEM;
	if (stat(full ? full : path, &st) < 0 || statvfs(full ? full : path, &vfs) < 0)
		return 0; /* execve will say */
	if (!(vfs.f_flag & ST_NOEXEC) && !mode_denies(p, &st))
		return 0;
	return tn_error_errno(err, EACCES, "process.args[0]: exec '%s'", path);
}

/* ---- after start ---- */

static int last_cap(void)
{
	int n = 0;

	while (n < 63 && prctl(PR_CAPBSET_READ, n + 1, 0, 0, 0) >= 0)
		n++;
	return n;
}

static int set_caps(const struct tn_oci_process *p, int last, struct tn_error **err)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { 0 };
	uint64_t known = last >= 63 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
	uint64_t eff = p->caps[TN_CAP_EFFECTIVE] & known, prm = p->caps[TN_CAP_PERMITTED] & known,
		 inh = p->caps[TN_CAP_INHERITABLE] & known;

	d[0].effective = (uint32_t)eff, d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)prm, d[1].permitted = (uint32_t)(prm >> 32);
	d[0].inheritable = (uint32_t)inh, d[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return tn_error_errno(err, errno, "process.capabilities: cannot set them");
	/* The kernel raises an ambient capability only if it is permitted and inheritable; runc's
	 * and crun's default spec lists ambient ones that are not inheritable, and both go on
	 * without them (EPERM), as tenant does. */
	for (int cap = 0; cap <= last; cap++)
		if ((p->caps[TN_CAP_AMBIENT] >> cap) & 1 &&
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EPERM)
			return tn_error_errno(err, errno,
					      "process.capabilities.ambient: cannot raise %s",
					      tn_cap_name(cap));
	return 0;
}

static int set_user(struct tn_init_ctx *ctx, const struct tn_oci_process *p, struct tn_error **err)
{
	/* The parser refuses 4294967295 ("leave unchanged" to setresuid); never reach it. */
	if (p->uid == (uid_t)-1 || p->gid == (gid_t)-1)
		return tn_error_set(err, EINVAL, "process.user: 4294967295 is not an ID");
	if (p->n_additional_gids && !ctx->setgroups_ok)
		return tn_error_set(err, EPERM,
				    "process.user.additionalGids: setgroups is denied in this user "
				    "namespace (its gid_map was written without newgidmap)");
	if ((ctx->setgroups_ok || p->n_additional_gids) &&
	    setgroups(p->n_additional_gids, p->additional_gids) < 0)
		return tn_error_errno(err, errno, "process.user.additionalGids: cannot set them");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresgid(p->gid, p->gid, p->gid) < 0)
		return tn_error_errno(err, errno, "process.user.gid: cannot become GID %u", p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return tn_error_errno(err, errno, "process.user.uid: cannot become UID %u", p->uid);
	return prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 ? negative_errno() : 0;
}

static int unmapped(const char *field, uint32_t id, const char *which, struct tn_error **err)
{
	int r = tn_error_set(
		err, EINVAL,
		"%s: %u is not mapped in the container's user namespace (cannot set %s "
		"to unmapped user in user namespace)",
		field, id, which);

	return tn_error_hint(err, r, "give an ID within linux.%sMappings", which);
}

int tn_container_check_user(struct tn_init_ctx *ctx, struct tn_error **err)
{
	const struct tn_oci_process *p = &ctx->cfg->process;
	_cleanup_(tn_idmaps_done) struct tn_idmap m[2] = { 0 };
	uint32_t host;
	int r;

	_cleanup_close_ int self = -1;

	if (!ctx->in_userns || ctx->proc_fd < 0)
		return 0;
	self = openat(ctx->proc_fd, "self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self < 0)
		return tn_error_errno(err, errno, "cannot open /proc/self");
	r = tn_proc_userns_maps(self, m);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read the container's uid_map and gid_map");
	if (tn_idmap_translate(&m[0], p->uid, true, &host) < 0)
		return unmapped("process.user.uid", p->uid, "uid", err);
	if (tn_idmap_translate(&m[1], p->gid, true, &host) < 0)
		return unmapped("process.user.gid", p->gid, "gid", err);
	for (size_t i = 0; i < p->n_additional_gids; i++)
		if (tn_idmap_translate(&m[1], p->additional_gids[i], true, &host) < 0)
			return unmapped("process.user.additionalGids", p->additional_gids[i], "gid",
					err);
	return 0;
}

/* The home directory of `uid` in the container's /etc/passwd (read as the container sees it,
 * never through NSS), or "/": runc's default for HOME. Allocated; NULL out of memory. */
static char *passwd_home(uint32_t uid)
{
	_cleanup_close_ int fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t len;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    tn_read_fd(fd, 4 << 20, &text, &len) < 0)
		return strdup("/");
	for (char *line = text, *next; line && *line; line = next) {
		char *f[7] = { NULL };
		uint32_t u;
		int n = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		for (char *p = line; n < 7 && p; n++) {
			f[n] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (n >= 6 && tn_parse_u32(f[2], &u) == 0 && u == uid && f[5][0])
			return strdup(f[5]);
	}
	return strdup("/");
}

/*
 * process.env as execve(2) takes it, as runc makes it: a name given twice keeps its first place
 * and its last value, and HOME comes from the user's passwd entry when process.env has none.
 */
static int env_for_exec(const struct tn_oci_process *p, char ***ret)
{
	_cleanup_free_ char **env = calloc(p->n_env + 2, sizeof(*env));
	_cleanup_free_ char *home = NULL;
	bool has_home = false;
	size_t n = 0;

	if (!env)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_env; i++) {
		size_t len = strcspn(p->env[i], "="), j = 0;

		while (j < n && strncmp(env[j], p->env[i], len + 1) != 0)
			j++;
		env[j] = p->env[i];
		n += j == n;
		has_home |= len == 4 && strncmp(p->env[i], "HOME", 4) == 0;
	}
	if (!has_home) {
		home = passwd_home(p->uid);
		/* Not freed: execve follows, and on its failure the process exits. */
		if (!home || asprintf(&env[n], "HOME=%s", home) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(env);
	return 0;
}

/*
 * As runc: process.cwd is entered first as the container's root, so that a directory only it may
 * enter works for any process.user; where root may not (EACCES, EPERM: a directory of a host ID
 * the container does not map, or a volume owned by the process's user alone), it is entered again
 * once the user has changed. 1 when it is left for then.
 */
int tn_container_enter_cwd(const struct tn_oci_process *p, struct tn_error **err)
{
	if (chdir(p->cwd) == 0)
		return 0;
	if (errno == EACCES || errno == EPERM)
		return 1;
	return tn_error_errno(err, errno, "process.cwd: cannot enter %s", p->cwd);
}

/* A child becomes process.user and enters process.cwd: 0, or the errno it met (as runc, whose
 * init enters it as the user before create returns). */
static int cwd_as_user(struct tn_init_ctx *ctx, const struct tn_oci_process *p)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(set_user(ctx, p, NULL) < 0 ? EPERM : chdir(p->cwd) < 0 ? errno : 0);
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0)
		return errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : EIO;
}

int tn_container_check_cwd(struct tn_init_ctx *ctx, struct tn_error **err)
{
	const struct tn_oci_process *p = &ctx->cfg->process;
	int r = tn_container_enter_cwd(p, err), code;

	if (r <= 0)
		return r;
	code = cwd_as_user(ctx, p);
	if (code != 0)
		return tn_error_errno(err, code, "process.cwd: cannot enter %s", p->cwd);
	return 0;
}

/*
 * As runc's process: every signal at its default action and none blocked, whatever tenant's
 * caller left ignored or blocked (a SIGPIPE ignored by a supervisor would make `yes | head -1`
 * print "Broken pipe" in the container). execve keeps SIG_IGN and the mask, so they are undone
 * here; a signal already pending (one tenant forwarded) is delivered at once.
 */
static void signals_default(void)
{
	/* The kernel's struct sigaction: glibc's sigaction() refuses its own signals 32 and 33,
	 * which a caller may have left ignored; the container's process gets them at SIG_DFL too. */
	struct {
		void (*handler)(int);
		unsigned long flags;
		void (*restorer)(void);
		uint64_t mask;
	} dfl = { .handler = SIG_DFL };
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

int tn_container_exec(struct tn_init_ctx *ctx, const char *exec_path, struct tn_error **err)
{
	const struct tn_oci_process *p = &ctx->cfg->process;
	unsigned first_closed = 3 + ctx->o->preserve_fds;
	int last = last_cap(), r;
	_cleanup_free_ char **env = NULL; /* p->env as execve takes it */
	bool cwd_later;

	for (int cap = 0; cap <= last; cap++)
		if (!((p->caps[TN_CAP_BOUNDING] >> cap) & 1) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return tn_error_errno(err, errno,
					      "process.capabilities.bounding: cannot "
					      "drop %s",
					      tn_cap_name(cap));
	/* As runc: without no_new_privs the filter needs CAP_SYS_ADMIN, so it goes on before the
	 * capabilities are dropped; with it, last, right before exec. */
	if (ctx->seccomp && !p->no_new_privileges) {
		r = tn_seccomp_install(ctx->seccomp, &ctx->seccomp_agent_fd, ctx->seccomp_state,
				       err);
		if (r < 0)
			return r;
	}
	/* Before the user changes: the container's root can read its /etc/passwd. */
	r = env_for_exec(p, &env);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot set HOME");
	r = tn_container_enter_cwd(p, err);
	if (r < 0)
		return r;
	cwd_later = r > 0;
	tn_container_stdio_owner(p, ctx->o->foreground);
	r = set_user(ctx, p, err);
	if (r < 0)
		return r;
	r = set_caps(p, last, err);
	if (r < 0)
		return r;
	if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return tn_error_errno(err, errno, "process.noNewPrivileges: cannot set it");
	if (p->has_umask)
		umask(p->umask);
	if (cwd_later && chdir(p->cwd) < 0)
		return tn_error_errno(err, errno, "process.cwd: cannot enter %s", p->cwd);
	for (unsigned fd = 3; fd < first_closed; fd++)
		fcntl((int)fd, F_SETFD, 0);
	syscall(SYS_close_range, first_closed, ~0U, CLOSE_RANGE_CLOEXEC);
	signals_default();
	if (ctx->seccomp && p->no_new_privileges) {
		r = tn_seccomp_install(ctx->seccomp, &ctx->seccomp_agent_fd, ctx->seccomp_state,
				       err);
		if (r < 0)
			return r;
	}
	if (ctx->before_exec)
		ctx->before_exec(ctx);
	execve(exec_path, p->args, env);
	ctx->exec_failed = true;
	return tn_error_errno(err, errno, "cannot execute %s", exec_path);
}

_Noreturn void tn_container_fail_started(int r, struct tn_error *err, int status)
{
	dprintf(STDERR_FILENO, "tenant: %s\n", err && err->message ? err->message : strerror(-r));
	if (err && err->hint)
		dprintf(STDERR_FILENO, "hint: %s\n", err->hint);
	_exit(status);
}

int tn_container_drop_groups(struct tn_error **err)
{
	if (tn_rootless() || getgroups(0, NULL) == 0)
		return 0;
	return setgroups(0, NULL) < 0
		       ? tn_error_errno(err, errno, "cannot drop the supplementary groups")
		       : 0;
}
