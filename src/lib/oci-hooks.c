/* SPDX-License-Identifier: Apache-2.0 */
/* Hooks: parsing and running (oci-hooks.h). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "fs.h"
#include "oci-hooks.h"
#include "oci-json.h"
#include "banned.h"

static const char *const kind_names[TN_HOOK_KINDS] = {
	[TN_HOOK_PRESTART] = "prestart",
	[TN_HOOK_CREATE_RUNTIME] = "createRuntime",
	[TN_HOOK_CREATE_CONTAINER] = "createContainer",
	[TN_HOOK_START_CONTAINER] = "startContainer",
	[TN_HOOK_POSTSTART] = "poststart",
	[TN_HOOK_POSTSTOP] = "poststop",
};

const char *tn_hook_kind_name(enum tn_hook_kind k)
{
	return kind_names[k];
}

static int parse_hook(const struct tn_cfg *c, const struct tn_json_value *o, const char *path,
		      struct tn_oci_hook *h)
{
	char p[128];
	int64_t timeout = 0;
	int r;

	if (o->type != TN_JSON_OBJECT)
		return tn_cfg_fail(c, o, path, "expected an object, got %s",
				   tn_json_type_name(o->type));
	snprintf(p, sizeof(p), "%s.path", path);
	r = tn_cfg_string(c, o, "path", p, true, &h->path);
	if (r < 0)
		return r;
	if (h->path[0] != '/')
		return tn_cfg_fail(c, tn_json_get(o, "path"), p, "\"%s\" is not an absolute path",
				   h->path);
	snprintf(p, sizeof(p), "%s.args", path);
	r = tn_cfg_strings(c, o, "args", p, &h->args, &h->n_args);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%s.env", path);
	r = tn_cfg_strings(c, o, "env", p, &h->env, &h->n_env);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%s.timeout", path);
	r = tn_cfg_int(c, o, "timeout", p, false, 1, 86400, &timeout);
	if (r < 0)
		return r;
	h->timeout = (int)timeout;
	return 0;
}

/* The hooks of one kind, if config.json has any, into hooks->v[k]. */
static int parse_kind(const struct tn_cfg *c, const struct tn_json_value *obj, int k,
		      struct tn_oci_hooks *hooks)
{
	const struct tn_json_value *a;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "hooks.%s", kind_names[k]);
	r = tn_cfg_field(c, obj, kind_names[k], path, TN_JSON_ARRAY, false, &a);
	if (r < 0 || !a)
		return r;
	hooks->v[k] = calloc(a->array.n + 1, sizeof(*hooks->v[k]));
	if (!hooks->v[k])
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		snprintf(path, sizeof(path), "hooks.%s[%zu]", kind_names[k], i);
		hooks->n[k]++; /* counted first: what a failed parse took is freed with the rest */
		r = parse_hook(c, a->array.v[i], path, &hooks->v[k][i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int tn_hooks_parse(const struct tn_cfg *c, const struct tn_json_value *root,
		   struct tn_oci_hooks *ret)
{
	_cleanup_(tn_hooks_done) struct tn_oci_hooks hooks = { 0 };
	const struct tn_json_value *obj;
	int r;

	r = tn_cfg_field(c, root, "hooks", "hooks", TN_JSON_OBJECT, false, &obj);
	if (r < 0)
		return r;
	for (int k = 0; obj && k < TN_HOOK_KINDS; k++) {
		r = parse_kind(c, obj, k, &hooks);
		if (r < 0)
			return r;
	}
	*ret = hooks;
	hooks = (struct tn_oci_hooks){ 0 }; /* handed on */
	return 0;
}

void tn_hooks_done(struct tn_oci_hooks *h)
{
	for (int k = 0; k < TN_HOOK_KINDS; k++) {
		for (size_t i = 0; i < h->n[k]; i++) {
			free(h->v[k][i].path);
			tn_strv_free(h->v[k][i].args);
			tn_strv_free(h->v[k][i].env);
		}
		free(h->v[k]);
	}
	*h = (struct tn_oci_hooks){ 0 };
}

/* Wait for the hook, killing it at its timeout; its wait status in *ret_status. */
static int wait_hook(pid_t pid, int timeout, int *ret_status)
{
	struct timespec tick = { .tv_nsec = 5 * 1000 * 1000 };

	for (long waited = 0;; waited += 5) {
		pid_t got = waitpid(pid, ret_status, timeout ? WNOHANG : 0);

		if (got == pid)
			return 0;
		if (got < 0 && errno != EINTR)
			return negative_errno();
		if (timeout && waited >= timeout * 1000L) {
			kill(pid, SIGKILL);
			(void)RETRY_EINTR(waitpid(pid, ret_status, 0));
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
	}
}

/* In the child: the hook, with `in` as its stdin. Never returns. */
static _Noreturn void exec_hook(const struct tn_oci_hook *h, int in)
{
	char *default_args[] = { h->path, NULL }, *no_env[] = { NULL };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(in, STDIN_FILENO);
	execve(h->path, h->args ? h->args : default_args, h->env ? h->env : no_env);
	_exit(127);
}

/* Fork the hook with `in` as its stdin; tenant's copy of `in` is closed on return either way. */
static pid_t fork_hook(const struct tn_oci_hook *h, int in_owned)
{
	_cleanup_close_ int in = in_owned;
	pid_t pid = fork();

	if (pid < 0)
		return negative_errno();
	if (pid == 0)
		exec_hook(h, in);
	return pid;
}

/* Start the hook with the state on its stdin. Tenant's end is closed on return, before the
 * wait: the hook reads its stdin to the end. */
static pid_t start_hook(const struct tn_oci_hook *h, const char *state)
{
	_cleanup_close_ int ours = -1;
	int sv[2];
	pid_t pid;

	/* A socket, not a pipe: a hook that does not read its stdin must not SIGPIPE tenant. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	ours = sv[0];
	/* fork_hook owns the hook's end, and closes tenant's copy before the send: a hook that
	 * exits without reading ends the send instead of blocking it. */
	pid = fork_hook(h, sv[1]);
	if (pid < 0)
		return pid;
	(void)RETRY_EINTR(send(ours, state, strlen(state), MSG_NOSIGNAL));
	return pid;
}

static int run_one(const struct tn_oci_hook *h, const char *state, int *ret_status)
{
	pid_t pid = start_hook(h, state);

	if (pid < 0)
		return pid;
	return wait_hook(pid, h->timeout, ret_status);
}

int tn_hooks_run(const struct tn_oci_hooks *h, enum tn_hook_kind k, const char *state_json,
		 struct tn_error **err)
{
	for (size_t i = 0; h && i < h->n[k]; i++) {
		int status = 0, r = run_one(&h->v[k][i], state_json, &status);

		if (r == -ETIMEDOUT)
			return tn_error_set(err, ETIMEDOUT,
					    "hooks.%s[%zu] (%s) timed out after %d s",
					    kind_names[k], i, h->v[k][i].path, h->v[k][i].timeout);
		if (r < 0)
			return tn_error_errno(err, -r, "hooks.%s[%zu] (%s)", kind_names[k], i,
					      h->v[k][i].path);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		if (WIFEXITED(status))
			return tn_error_set(err, EIO, "hooks.%s[%zu] (%s) exited with status %d%s",
					    kind_names[k], i, h->v[k][i].path, WEXITSTATUS(status),
					    WEXITSTATUS(status) == 127 ? " (it cannot be executed?)"
								       : "");
		return tn_error_set(err, EIO, "hooks.%s[%zu] (%s) was killed by signal %d",
				    kind_names[k], i, h->v[k][i].path, WTERMSIG(status));
	}
	return 0;
}
