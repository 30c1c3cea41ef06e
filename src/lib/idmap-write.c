/* SPDX-License-Identifier: Apache-2.0 */
/* Writing maps, directly or through newuidmap/newgidmap (idmap-write.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "buf.h"
#include "fs.h"
#include "idmap-write.h"
#include "banned.h"

extern char **environ;

const char *tn_idmap_helper_name(enum tn_idmap_kind kind)
{
	return kind == TN_IDMAP_UID ? "newuidmap" : "newgidmap";
}

/* The first executable `name` in the directories of $PATH (as execvp would run). */
static char *find_on_path(const char *name)
{
	const char *path = getenv("PATH");

	return tn_path_search(path && *path ? path : TN_DEFAULT_PATH, name, X_OK);
}

/* Setuid root or file capabilities, and a filesystem that honours them. */
static int check_usable(struct tn_idmap_helper *h)
{
	struct statvfs vfs;
	struct stat st;
	int r = 0;

	if (stat(h->path, &st) < 0)
		r = asprintf(&h->reason, "%s cannot be examined: %s", h->path, strerror(errno));
	else if (!(st.st_uid == 0 && (st.st_mode & S_ISUID)) &&
		 getxattr(h->path, "security.capability", NULL, 0) <= 0)
		r = asprintf(&h->reason,
			     "%s is neither setuid root nor given file capabilities (owner %" PRIu32
			     ", mode %04o)",
			     h->path, (uint32_t)st.st_uid, (unsigned)(st.st_mode & 07777));
	else if (statvfs(h->path, &vfs) == 0 && (vfs.f_flag & ST_NOSUID))
		r = asprintf(&h->reason, "%s is on a filesystem mounted nosuid", h->path);
	else
		h->usable = true;
	return r < 0 ? -ENOMEM : 0;
}

int tn_idmap_helper_find(enum tn_idmap_kind kind, struct tn_idmap_helper *ret)
{
	*ret = (struct tn_idmap_helper){ .kind = kind };
	ret->path = find_on_path(tn_idmap_helper_name(kind));
	if (!ret->path) {
		const char *path = getenv("PATH");

		if (asprintf(&ret->reason, "%s is not installed (not found on PATH %s)",
			     tn_idmap_helper_name(kind),
			     path && *path ? path : TN_DEFAULT_PATH) < 0)
			return -ENOMEM;
		return 0;
	}
	return check_usable(ret);
}

void tn_idmap_helper_done(struct tn_idmap_helper *h)
{
	free(h->path);
	free(h->reason);
	*h = (struct tn_idmap_helper){ 0 };
}

int tn_idmap_helper_refuse(const struct tn_idmap_helper *h, struct tn_error **err)
{
	const char *name = tn_idmap_helper_name(h->kind);
	int r = tn_error_set(
		err, h->path ? EPERM : ENOENT,
		"cannot write the %s: it maps IDs other than your own, which needs %s, and %s",
		tn_idmap_kind_name(h->kind), name, h->reason);

	if (!h->path)
		return tn_error_hint(
			err, r,
			"as root: apt-get install uidmap; or map only your own ID with "
			"--map root or --fallback single");
	return tn_error_hint(
		err, r,
		"as root: apt-get install --reinstall uidmap (or chmod u+s %s); or map "
		"only your own ID with --map root or --fallback single",
		h->path);
}

/* ---- direct ---- */

static int write_proc(pid_t pid, const char *file, const char *text, size_t len)
{
	char path[64];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	/* The kernel takes a map in one write() only. */
	n = RETRY_EINTR(write(fd, text, len));
	if (n < 0)
		return negative_errno();
	return (size_t)n == len ? 0 : -EIO;
}

/* The kernel refused map m (or it could not be formatted): say which, on one line. */
static int refused(pid_t pid, const struct tn_idmap *m, struct tn_buf *b, int r,
		   struct tn_error **err)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] == '\n')
			b->data[i] = i + 1 == b->len ? '\0' : ',';
	tn_error_errno(err, -r, "the kernel refused the %s '%s' of process %d",
		       tn_idmap_kind_name(m->kind), b->data ? b->data : "", (int)pid);
	return r;
}

static int write_direct(pid_t pid, const struct tn_idmap *m, struct tn_error **err)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	int r;

	if (m->deny_setgroups) {
		r = write_proc(pid, "setgroups", "deny", 4);
		if (r < 0)
			return tn_error_errno(err, -r, "cannot write 'deny' to /proc/%d/setgroups",
					      (int)pid);
	}
	tn_idmap_format(m, &b);
	r = tn_buf_check(&b);
	if (r < 0)
		return refused(pid, m, &b, r, err);
	r = write_proc(pid, tn_idmap_kind_name(m->kind), b.data, b.len);
	if (r < 0)
		return refused(pid, m, &b, r, err);
	return 0;
}

/* ---- through newuidmap/newgidmap ---- */

struct helper_run {
	const struct tn_idmap *map;
	char **argv;
	pid_t pid;  /* started and not waited for yet: > 0 */
	int err_fd; /* read end of the helper's stderr */
};

static void strv_free(char **v)
{
	if (v)
		for (char **a = v; *a; a++)
			free(*a);
	free(v);
}

static void strv_freep(char ***v)
{
	strv_free(*v);
}

/* argv: HELPER PID inside outside count ... */
static int helper_argv(const char *path, pid_t pid, const struct tn_idmap *m, char ***ret)
{
	size_t n = 2 + 3 * m->n + 1, k = 0;
	_cleanup_(strv_freep) char **argv = calloc(n, sizeof(*argv));

	if (!argv)
		return -ENOMEM;
	argv[k] = strdup(path);
	if (!argv[k++])
		return -ENOMEM;
	if (asprintf(&argv[k++], "%d", (int)pid) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		const uint32_t f[3] = { m->v[i].inside, m->v[i].outside, m->v[i].count };

		for (int j = 0; j < 3; j++)
			if (asprintf(&argv[k++], "%" PRIu32, f[j]) < 0)
				return -ENOMEM;
	}
	*ret = TAKE_PTR(argv);
	return 0;
}

/* posix_spawn the helper with stderr on fd, and every signal as at a fresh exec. */
static int spawn(struct helper_run *h, int fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDERR_FILENO);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	r = -posix_spawn(&h->pid, h->argv[0], &fa, &attr, h->argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return r;
}

/* Start the helper with its stderr on a pipe. */
static int helper_start(struct helper_run *h)
{
	_cleanup_close_ int rd = -1, wr = -1;
	int p[2], r;

	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	rd = p[0];
	wr = p[1];
	r = spawn(h, wr);
	if (r < 0) {
		h->pid = 0;
		return r;
	}
	h->err_fd = TAKE_FD(rd);
	return 0;
}

/* "newuidmap 1234 0 1001 1 ...": the request as a command line, for messages. */
static void describe(struct tn_buf *b, char **argv)
{
	const char *slash = strrchr(argv[0], '/');

	tn_buf_puts(b, slash ? slash + 1 : argv[0]);
	for (char **a = argv + 1; *a; a++)
		tn_buf_printf(b, " %s", *a);
}

/* Read what the helper says to EOF, and wait for it. */
static int helper_finish(struct helper_run *h, struct tn_error **err)
{
	_cleanup_(tn_buf_free) struct tn_buf cmd = { 0 };
	_cleanup_free_ char *said = NULL;
	size_t len = 0;
	int status, r;

	/* Read to EOF first: a helper that writes more than a pipe holds would never exit. */
	if (tn_read_fd(h->err_fd, 1024 * 1024, &said, &len) < 0)
		said = NULL;
	r = RETRY_EINTR(waitpid(h->pid, &status, 0));
	h->pid = 0; /* waited for, or not ours to wait for */
	if (r < 0)
		return tn_error_errno(err, errno, "cannot wait for %s", h->argv[0]);
	while (said && len > 0 && (said[len - 1] == '\n' || said[len - 1] == ' '))
		said[--len] = '\0';
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	describe(&cmd, h->argv);
	r = tn_error_set(err, EPERM, "%s refused to write the %s (`%s` %s %d)%s%s",
			 tn_idmap_helper_name(h->map->kind), tn_idmap_kind_name(h->map->kind),
			 cmd.data ? cmd.data : "",
			 WIFEXITED(status) ? "exited with" : "killed by signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 said && *said ? ": " : "", said && *said ? said : "");
	tn_error_hint(err, r,
		      "%s maps only your own %s and the ranges listed for you in %s; "
		      "'tenant subid list' shows them and 'tenant idmap show' the plan",
		      tn_idmap_helper_name(h->map->kind),
		      h->map->kind == TN_IDMAP_UID ? "UID" : "GID",
		      h->map->kind == TN_IDMAP_UID ? "/etc/subuid" : "/etc/subgid");
	return r;
}

/* A helper still running is waited for (what it says is dropped: an error is reported
 * already); then its argv and pipe are released. */
static void helper_run_done(struct helper_run *h)
{
	if (h->pid > 0)
		(void)helper_finish(h, NULL);
	strv_free(h->argv);
	h->argv = NULL;
	closep(&h->err_fd);
}

static void helper_runs_done(struct helper_run (*run)[2])
{
	helper_run_done(&(*run)[0]);
	helper_run_done(&(*run)[1]);
}

/* Start the helper for map m, when it is one the helper writes. */
static int helper_begin(struct helper_run *h, const struct tn_idmap *m, const char *path, pid_t pid,
			struct tn_error **err)
{
	int r;

	if (m->writer != TN_IDMAP_WRITE_HELPER)
		return 0;
	h->map = m;
	r = helper_argv(path, pid, m, &h->argv);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot run %s", path);
	r = helper_start(h);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot run %s", path);
	return 0;
}

int tn_idmap_write(pid_t pid, const struct tn_idmap *const maps[2],
		   const char *const helper_path[2], struct tn_error **err)
{
	_cleanup_(helper_runs_done) struct helper_run run[2] = { { .err_fd = -1 },
								 { .err_fd = -1 } };
	int r;

	/* Start the helpers first: they run while the direct maps are written. */
	for (int k = 0; k < 2; k++) {
		r = helper_begin(&run[k], maps[k], helper_path[k], pid, err);
		if (r < 0)
			return r;
	}
	for (int k = 0; k < 2; k++) {
		if (maps[k]->writer != TN_IDMAP_WRITE_DIRECT)
			continue;
		r = write_direct(pid, maps[k], err);
		if (r < 0)
			return r;
	}
	for (int k = 0; k < 2; k++) {
		if (run[k].pid <= 0)
			continue;
		r = helper_finish(&run[k], err);
		if (r < 0)
			return r;
	}
	return 0;
}
