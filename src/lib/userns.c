/* SPDX-License-Identifier: Apache-2.0 */
/* A child in a new user namespace, held until its maps are written (userns.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "fs.h"
#include "idmap-write.h"
#include "userns-diag.h"
#include "accounts.h"
#include "userns-plan.h"
#include "userns.h"
#include "banned.h"

/* What the child tells the parent; one write of less than PIPE_BUF, so it arrives whole. */
enum child_stage {
	STAGE_READY,   /* the namespaces exist: write the maps */
	STAGE_UNSHARE, /* unshare() failed: `code` is its errno */
	STAGE_SETUP,   /* the mount namespace could not be prepared */
	STAGE_RUN,     /* run() failed (exec) */
};

struct child_report {
	int stage;
	int code;
	char message[1536];
	char hint[512];
};

static void report(int fd, enum child_stage stage, int code, const struct tn_error *e)
{
	struct child_report rep = { .stage = stage, .code = code };

	if (e) {
		snprintf(rep.message, sizeof(rep.message), "%s", e->message ? e->message : "");
		snprintf(rep.hint, sizeof(rep.hint), "%s", e->hint ? e->hint : "");
	}
	(void)RETRY_EINTR(write(fd, &rep, sizeof(rep)));
}

_Noreturn static void child_main(const struct tn_userns_spawn *s, pid_t parent, int go_fd,
				 int report_fd)
{
	struct tn_error *err = NULL;
	char go;
	int r;

	if (unshare(CLONE_NEWUSER | s->ns_flags) < 0) {
		report(report_fd, STAGE_UNSHARE, errno, NULL);
		_exit(1);
	}
	/* Die with tenant; and if tenant is already gone, do not run unsupervised. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(1);
	/* As podman does (MS_SLAVE; util-linux unshare makes them private): nothing mounted inside
	 * propagates back out, while the host's new mounts still appear inside. */
	if ((s->ns_flags & CLONE_NEWNS) && mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		r = errno;
		tn_error_errno(&err, r, "cannot make the mounts of the new namespace slaves");
		report(report_fd, STAGE_SETUP, r, err);
		_exit(1);
	}
	report(report_fd, STAGE_READY, 0, NULL);
	if (RETRY_EINTR(read(go_fd, &go, 1)) != 1)
		_exit(1); /* the parent gave up: it reports why */
	if (s->child_sigmask)
		sigprocmask(SIG_SETMASK, s->child_sigmask, NULL);
	r = s->run(s->data, &err);
	report(report_fd, STAGE_RUN, r < 0 ? -r : EIO, err);
	_exit(r == -ENOENT ? 127 : 126);
}

/* Read the child's next report; -EPIPE when it closed the pipe (exec'd, or died). */
static int read_report(int fd, struct child_report *rep)
{
	ssize_t n = RETRY_EINTR(read(fd, rep, sizeof(*rep)));

	if (n < 0)
		return negative_errno();
	if (n == 0)
		return -EPIPE;
	return n == (ssize_t)sizeof(*rep) ? 0 : -EIO;
}

/* A forked child that is SIGKILLed and reaped when its scope ends, unless handed on (0). */
static void kill_and_reapp(pid_t *pid)
{
	int status;

	if (*pid <= 0)
		return;
	kill(*pid, SIGKILL);
	(void)RETRY_EINTR(waitpid(*pid, &status, 0));
}

/* Turn a report from the child into the error it describes. */
static int report_error(const struct child_report *rep, struct tn_error **err)
{
	if (rep->stage == STAGE_UNSHARE) {
		struct tn_userns_facts f;

		tn_userns_facts_gather("/proc", rep->code, &f);
		return tn_userns_explain(&f, err);
	}
	int r = tn_error_set(err, rep->code, "%s", rep->message);

	if (rep->hint[0])
		tn_error_hint(err, r, "%s", rep->hint);
	return r;
}

/* The parent's half once the child is forked: maps, then "go", then the exec result. */
static int parent_main(const struct tn_userns_spawn *s, pid_t pid, int go_fd, int report_fd,
		       bool *ret_in_child, struct tn_error **err)
{
	struct child_report rep;
	int r;

	r = read_report(report_fd, &rep);
	if (r == -EPIPE)
		return tn_error_set(err, EIO,
				    "the child process died before its namespace existed");
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read from the child process");
	if (rep.stage != STAGE_READY)
		return report_error(&rep, err);
	r = tn_idmap_write(pid, s->maps, s->helper_path, err);
	if (r < 0)
		return r;
	if (RETRY_EINTR(write(go_fd, "g", 1)) != 1)
		return tn_error_errno(err, errno, "cannot start the child process");
	r = read_report(report_fd, &rep);
	if (r == -EPIPE)
		return 0; /* exec'd: the pipe closed on exec */
	if (r < 0)
		return tn_error_errno(err, -r, "cannot read from the child process");
	*ret_in_child = rep.stage == STAGE_RUN;
	return report_error(&rep, err);
}

/* Fork child_main with two pipes: the parent keeps the write end of "go" and the read end of
 * the reports; the child's ends are closed when this returns. */
static int fork_child(const struct tn_userns_spawn *s, pid_t *ret_pid, int *ret_go, int *ret_report,
		      struct tn_error **err)
{
	_cleanup_close_ int go_r = -1, go_w = -1, rep_r = -1, rep_w = -1;
	pid_t parent = getpid(), pid;
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return tn_error_errno(err, errno, "cannot create a pipe");
	go_r = p[0], go_w = p[1];
	if (pipe2(p, O_CLOEXEC) < 0)
		return tn_error_errno(err, errno, "cannot create a pipe");
	rep_r = p[0], rep_w = p[1];
	pid = fork();
	if (pid < 0)
		return tn_error_errno(err, errno, "cannot fork");
	if (pid == 0) {
		/* Forked: child_main never returns to this scope, so the parent's ends are closed
		 * by hand. */
		close(go_w);
		close(rep_r);
		child_main(s, parent, go_r, rep_w);
	}
	*ret_pid = pid;
	*ret_go = TAKE_FD(go_w);
	*ret_report = TAKE_FD(rep_r);
	return 0;
}

int tn_userns_spawn(const struct tn_userns_spawn *s, pid_t *ret_pid, bool *ret_in_child,
		    struct tn_error **err)
{
	_cleanup_close_ int go = -1, rep = -1;
	_cleanup_(kill_and_reapp) pid_t pid = 0; /* killed before the pipes close */
	int r;

	*ret_in_child = false;
	r = fork_child(s, &pid, &go, &rep, err);
	if (r < 0)
		return r;
	r = parent_main(s, pid, go, rep, ret_in_child, err);
	if (r < 0)
		return r;
	*ret_pid = pid;
	pid = 0; /* now the caller's */
	return 0;
}

int tn_userns_call(struct tn_userns_request *req, int (*run)(void *, struct tn_error **),
		   void *data, struct tn_error **err)
{
	_cleanup_(tn_userns_plan_done) struct tn_userns_plan plan = { 0 };
	_cleanup_(tn_user_done) struct tn_user me = { 0 };
	struct tn_userns_spawn s = { .run = run, .data = data };
	bool in_child;
	pid_t pid;
	int r = tn_user_from_uid(getuid(), &me), status;

	if (r < 0)
		return tn_error_errno(err, -r, "cannot look up the calling user");
	req->user = &me;
	req->gid = getgid();
	req->check_helpers = true;
	tn_userns_caller_privileges(req->privileged);
	r = tn_userns_plan_build(req, &plan, err);
	if (r < 0)
		return r;
	for (int k = 0; k < 2; k++) {
		s.maps[k] = &plan.map[k];
		s.helper_path[k] = plan.helper[k].path;
	}
	r = tn_userns_spawn(&s, &pid, &in_child, err);
	if (r < 0)
		return r;
	if (RETRY_EINTR(waitpid(pid, &status, 0)) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return tn_error_set(err, EIO, "the process in the user namespace failed");
	return 0;
}
