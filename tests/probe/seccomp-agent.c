/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A seccomp agent for tests (as runc's contrib/cmd/seccompagent): listen on SOCKET; from every
 * runtime that connects, take one container process state (JSON, appended as a line to LOG) and
 * the listener fd attached to it (SCM_RIGHTS), and answer its notifications in a child:
 *
 *	mkdir(PATH)			makes PATH-SUFFIX in the process's root instead, returns 0
 *	chmod, fchmod, fchmodat		fail with ENOMEDIUM
 *	anything else			continues (SECCOMP_USER_NOTIF_FLAG_CONTINUE)
 *
 *	seccomp-agent SOCKET LOG SUFFIX
 *
 * Killing the agent kills its children (PR_SET_PDEATHSIG): the listeners close, and the
 * container's notified syscalls fail with ENOSYS.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int receive(int conn, char *state, size_t size)
{
	char buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = state, .iov_len = size - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	int fd = -1;

	if (n <= 0)
		return -1;
	state[n] = '\0';
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* mkdir's PATH, read from the process's memory, made with the suffix in its root or cwd. */
static int do_mkdir(const struct seccomp_notif *req, const char *suffix)
{
	char path[PATH_MAX], at[PATH_MAX + 64], where[64];
	int mem, r;
	ssize_t n;

	snprintf(where, sizeof(where), "/proc/%u/mem", req->pid);
	mem = open(where, O_RDONLY | O_CLOEXEC);
	if (mem < 0)
		return -ENOSYS;
	n = pread(mem, path, sizeof(path) - 1, (off_t)req->data.args[0]);
	close(mem);
	if (n <= 0)
		return -ENOSYS;
	path[n] = '\0';
	path[strnlen(path, (size_t)n)] = '\0';
	snprintf(at, sizeof(at), "/proc/%u/%s/%s-%s", req->pid, path[0] == '/' ? "root" : "cwd",
		 path, suffix);
	r = mkdir(at, (mode_t)req->data.args[1]);
	return r < 0 ? -errno : 0;
}

static void serve(int listener, const char *suffix)
{
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;

	if (seccomp_notify_alloc(&req, &resp) < 0)
		_exit(1);
	for (;;) {
		char *name;

		memset(req, 0, sizeof(*req));
		if (seccomp_notify_receive(listener, req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			_exit(0);
		}
		memset(resp, 0, sizeof(*resp));
		resp->id = req->id;
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
		if (name && strcmp(name, "mkdir") == 0) {
			int r = do_mkdir(req, suffix);

			resp->flags = 0;
			resp->error = r;
			resp->val = r < 0 ? -1 : 0;
		} else if (name && (strcmp(name, "chmod") == 0 || strcmp(name, "fchmod") == 0 ||
				    strcmp(name, "fchmodat") == 0)) {
			resp->flags = 0;
			resp->error = -ENOMEDIUM;
			resp->val = -1;
		}
		free(name);
		(void)seccomp_notify_respond(listener, resp);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int s;

	if (argc != 4 || strlen(argv[1]) >= sizeof(addr.sun_path))
		return fprintf(stderr, "usage: seccomp-agent SOCKET LOG SUFFIX\n"), 2;
	memcpy(addr.sun_path, argv[1], strlen(argv[1]) + 1);
	signal(SIGCHLD, SIG_IGN); /* children reaped by the kernel */
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 16) < 0)
		return perror("seccomp-agent: listen"), 1;
	for (;;) {
		char state[65536];
		int conn = accept4(s, NULL, NULL, SOCK_CLOEXEC), listener;
		FILE *log;

		if (conn < 0)
			continue;
		state[0] = '\0';
		listener = receive(conn, state, sizeof(state));
		close(conn);
		log = fopen(argv[2], "ae");
		if (log) {
			fprintf(log, "%s\n", state);
			fclose(log);
		}
		if (listener < 0)
			continue;
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(s);
			serve(listener, argv[3]);
		}
		close(listener);
	}
}
