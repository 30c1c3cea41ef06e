/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running hooks (oci-hooks.h), as runc does: the state on stdin; stdout and stderr captured and
 * quoted in the error of a failing hook (never passed through: a hook's output is not the
 * container's); without "env", the environment the caller gives (tenant's own by default);
 * killed at its timeout. Later hooks still run after a failing poststart or poststop hook.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oci-hooks.h"
#include "banned.h"

extern char **environ;

#define HOOK_OUTPUT_MAX 4096 /* kept of each stream for the message; the rest is read and dropped */

/* What a hook wrote on stdout (0) and stderr (1). */
struct hook_output {
	int fd[2]; /* read ends, non-blocking; -1 at end of file */
	char buf[2][HOOK_OUTPUT_MAX];
	size_t len[2];
};

static void hook_output_done(struct hook_output *o)
{
	o->fd[0] = safe_close(o->fd[0]);
	o->fd[1] = safe_close(o->fd[1]);
}

/* Read what is there on stream i; end of file closes it. */
static void read_stream(struct hook_output *o, int i)
{
	char drop[1024];

	for (;;) {
		size_t room = sizeof(o->buf[i]) - o->len[i];
		ssize_t n = room ? read(o->fd[i], o->buf[i] + o->len[i], room)
				 : read(o->fd[i], drop, sizeof(drop));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			o->fd[i] = safe_close(o->fd[i]);
			return;
		}
		if (room)
			o->len[i] += (size_t)n;
	}
}

/* Wait up to ms for output, and read it. */
static void poll_output(struct hook_output *o, int ms)
{
	struct pollfd p[2];
	int n = 0;

	for (int i = 0; i < 2; i++)
		if (o->fd[i] >= 0)
			p[n++] = (struct pollfd){ .fd = o->fd[i], .events = POLLIN };
	if (poll(p, (nfds_t)n, ms) <= 0)
		return;
	for (int i = 0; i < 2; i++)
		if (o->fd[i] >= 0)
			read_stream(o, i);
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000L + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

/* Wait for the hook, reading its output, killing it at its timeout; its wait status in
 * *ret_status. What a process the hook left behind writes later is not waited for. */
static int wait_hook(pid_t pid, int timeout, struct hook_output *o, int *ret_status)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t got = waitpid(pid, ret_status, WNOHANG);

		if (got == pid) {
			for (int i = 0; i < 2; i++)
				if (o->fd[i] >= 0)
					read_stream(o, i);
			return 0;
		}
		if (got < 0 && errno != EINTR)
			return negative_errno();
		if (timeout && elapsed_ms(&start) >= timeout * 1000L) {
			kill(pid, SIGKILL);
			(void)RETRY_EINTR(waitpid(pid, ret_status, 0));
			return -ETIMEDOUT;
		}
		poll_output(o, 10);
	}
}

/* In the child: the hook, with fds[0..2] as its stdin, stdout and stderr. Never returns. */
static _Noreturn void exec_hook(const struct tn_oci_hook *h, const struct tn_hook_env *where,
				const int fds[3])
{
	char *default_args[] = { h->path, NULL };
	char *const *env = h->env ? h->env : where && where->env ? where->env : environ;
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int i = 0; i < 3; i++)
		if (dup2(fds[i], i) < 0)
			_exit(127);
	/* Best effort, as runc's hooks run where runc runs: the bundle for the create steps. */
	if (where && where->dir)
		(void)chdir(where->dir);
	execve(h->path, h->n_args ? h->args : default_args, env);
	_exit(127);
}

/* Pipes for the hook's stdout and stderr: the read ends in *o, the write ends in ret_w. */
static int open_output(struct hook_output *o, int ret_w[2])
{
	for (int i = 0; i < 2; i++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0)
			return negative_errno();
		o->fd[i] = p[0];
		ret_w[i] = p[1];
		if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
			return negative_errno();
	}
	return 0;
}

/* Start the hook with the state on its stdin and its output into *o. */
static pid_t start_hook(const struct tn_oci_hook *h, const char *state,
			const struct tn_hook_env *where, struct hook_output *o)
{
	_cleanup_close_ int ours = -1, in = -1, out_w = -1, err_w = -1;
	int sv[2], w[2] = { -1, -1 }, r;
	pid_t pid;

	/* A socket, not a pipe: a hook that does not read its stdin must not SIGPIPE tenant. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	ours = sv[0];
	in = sv[1];
	r = open_output(o, w);
	out_w = w[0];
	err_w = w[1];
	if (r < 0)
		return r;
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0)
		exec_hook(h, where, (const int[3]){ in, out_w, err_w });
	/* The hook's ends are closed before the send: a hook that exits without reading ends
	 * the send instead of blocking it, and its output ends when it does. */
	in = safe_close(in);
	out_w = safe_close(out_w);
	err_w = safe_close(err_w);
	(void)RETRY_EINTR(send(ours, state, strlen(state), MSG_NOSIGNAL));
	return pid;
}

/* The output as one quoted line: control characters escaped, a final newline dropped. */
static void quote_output(const char *s, size_t len, char *dst, size_t size)
{
	size_t n = 0;

	while (len && s[len - 1] == '\n')
		len--;
	for (size_t i = 0; i < len && n + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\t' || c == '\\' || c == '"')
			n += (size_t)snprintf(dst + n, size - n, "\\%c",
					      c == '\n'	  ? 'n'
					      : c == '\t' ? 't'
							  : (char)c);
		else if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(dst + n, size - n, "\\x%02x", c);
		else
			dst[n++] = (char)c;
	}
	dst[n] = '\0';
}

/* ", stdout: \"...\", stderr: \"...\"" for the streams that have something. */
static void describe_output(const struct hook_output *o, char *dst, size_t size)
{
	static const char *const names[2] = { "stdout", "stderr" };
	char q[HOOK_OUTPUT_MAX + 64];
	size_t n = 0;

	dst[0] = '\0';
	for (int i = 0; i < 2 && n < size; i++) {
		if (!o->len[i])
			continue;
		quote_output(o->buf[i], o->len[i], q, sizeof(q));
		n += (size_t)snprintf(dst + n, size - n, ", %s: \"%s\"", names[i], q);
	}
}

/* Run hooks.KIND[i]; a failure with its message (and its output) in *err. */
static int run_one(const struct tn_oci_hooks *h, enum tn_hook_kind k, size_t i, const char *state,
		   const struct tn_hook_env *where, struct tn_error **err)
{
	_cleanup_(hook_output_done) struct hook_output o = { .fd = { -1, -1 } };
	const struct tn_oci_hook *hook = &h->v[k][i];
	const char *kind = tn_hook_kind_name(k);
	char out[2 * HOOK_OUTPUT_MAX + 64], sig[64];
	int status = 0, r;
	pid_t pid = start_hook(hook, state, where, &o);

	if (pid < 0)
		return tn_error_errno(err, (int)-pid, "hooks.%s[%zu] (%s)", kind, i, hook->path);
	r = wait_hook(pid, hook->timeout, &o, &status);
	describe_output(&o, out, sizeof(out));
	if (r == -ETIMEDOUT)
		return tn_error_set(err, ETIMEDOUT, "hooks.%s[%zu] (%s) timed out after %d s%s",
				    kind, i, hook->path, hook->timeout, out);
	if (r < 0)
		return tn_error_errno(err, -r, "hooks.%s[%zu] (%s)", kind, i, hook->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* "error running hook" and the signal in lower case, as runc's (Go's) words */
	if (WIFEXITED(status))
		return tn_error_set(
			err, EIO, "error running hooks.%s[%zu] (%s): exited with status %d%s%s",
			kind, i, hook->path, WEXITSTATUS(status),
			WEXITSTATUS(status) == 127 ? " (it cannot be executed?)" : "", out);
	tn_go_words(strsignal(WTERMSIG(status)) ?: "unknown signal", sig, sizeof(sig));
	return tn_error_set(err, EIO,
			    "error running hooks.%s[%zu] (%s): killed by signal %d (%s)%s", kind, i,
			    hook->path, WTERMSIG(status), sig, out);
}

/* One more failed late hook: its message after those of the ones before, in *warn. */
static void add_warning(struct tn_error **warn, struct tn_error *e)
{
	_cleanup_free_ char *before = NULL;

	if (!warn)
		return;
	if (!*warn || !(*warn)->message) {
		tn_error_free(*warn);
		*warn = e;
		return;
	}
	before = strdup((*warn)->message);
	if (before)
		tn_error_set(warn, e->code, "%s; %s", before, e->message ? e->message : "");
	tn_error_free(e);
}

/* e into *err, in place of what was there (dropped when err is NULL). */
static void move_error(struct tn_error **err, struct tn_error *e)
{
	if (!err) {
		tn_error_free(e);
		return;
	}
	tn_error_free(*err);
	*err = e;
}

int tn_hooks_run(const struct tn_oci_hooks *h, enum tn_hook_kind k, const char *state_json,
		 const struct tn_hook_env *where, struct tn_error **err)
{
	bool late = k == TN_HOOK_POSTSTART || k == TN_HOOK_POSTSTOP;
	int first = 0;

	for (size_t i = 0; h && i < h->n[k]; i++) {
		struct tn_error *e = NULL;
		int r = run_one(h, k, i, state_json, where, &e);

		if (r < 0 && !late) {
			move_error(err, e);
			return r;
		}
		if (r < 0) {
			add_warning(err, e); /* runtime-spec: warn, and the rest still run */
			first = first ? first : r;
		}
	}
	return first;
}
