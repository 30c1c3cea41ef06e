/* SPDX-License-Identifier: Apache-2.0 */
/* SCMP_ACT_NOTIFY's listener, handed to the agent (container-seccomp.h). */
#include <errno.h>
#include <linux/seccomp.h>
#include <string.h>

#include "buf.h"
#include "container-seccomp.h"
#include "container-sync.h"
#include "json-writer.h"
#include "macro.h"
#include "oci-config.h"
#include "sock.h"
#include "banned.h"

int tn_seccomp_agent_connect(const struct tn_seccomp *s, int *ret, struct tn_error **err)
{
	int r;

	*ret = -1;
	if (!s || !s->notifies)
		return 0;
	r = tn_unix_connect(s->listener_path, ret);
	if (r < 0) {
		r = tn_error_errno(err, -r, "failed to connect with seccomp agent at %s",
				   s->listener_path);
		return tn_error_hint(
			err, r,
			"linux.seccomp.listenerPath names the socket of the agent that "
			"answers SCMP_ACT_NOTIFY; start the agent first");
	}
	return 0;
}

static int process_state(const struct tn_seccomp *s, const struct tn_state *st, pid_t pid,
			 char **ret)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	struct tn_json j;
	int r;

	tn_json_init(&j, &b, false);
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "ociVersion", TN_OCI_VERSION);
	tn_json_key(&j, "fds");
	tn_json_begin_array(&j);
	tn_json_string(&j, "seccompFd");
	tn_json_end_array(&j);
	tn_json_kv_u64(&j, "pid", (uint64_t)pid);
	tn_json_kv_string(&j, "metadata", s->listener_metadata ? s->listener_metadata : "");
	tn_json_key(&j, "state");
	tn_state_write_hook(&j, st, TN_OCI_VERSION);
	tn_json_end_object(&j);
	r = tn_json_finish(&j);
	if (r < 0)
		return r;
	*ret = tn_buf_steal(&b);
	return 0;
}

int tn_seccomp_go(int sync_fd, const struct tn_seccomp *s, const struct tn_state *st, pid_t pid)
{
	_cleanup_free_ char *json = NULL;
	int r;

	if (!s || !s->notifies)
		return tn_sync_send_type(sync_fd, TN_SYNC_GO);
	r = process_state(s, st, pid, &json);
	if (r < 0)
		return r;
	return tn_sync_send(sync_fd, &(struct tn_sync_msg){ .type = TN_SYNC_GO, .state = json });
}

int tn_seccomp_install(const struct tn_seccomp_bpf *b, int *agent_fd, const char *state,
		       struct tn_error **err)
{
	_cleanup_close_ int agent = TAKE_FD(*agent_fd), listener = -1;
	int r = tn_seccomp_load(b);

	if (r < 0)
		return tn_error_errno(err, -r, "linux.seccomp: cannot load the filter");
	/* seccomp(2) gives the lowest free fd: 0 is a listener too when stdin was closed */
	if (!(b->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return 0;
	listener = r;
	if (agent < 0 || !state)
		return tn_error_set(err, EPROTO,
				    "linux.seccomp: a listener but no agent to hand it to");
	r = tn_send_fd(agent, listener, state, strlen(state));
	if (r < 0)
		return tn_error_errno(err, -r, "cannot send the seccomp listener to the agent");
	return 0;
}
