/* SPDX-License-Identifier: Apache-2.0 */
/* Relaying the container's terminal to tenant's stdio (tty-relay.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fs.h"
#include "macro.h"
#include "sock.h"
#include "tty-relay.h"
#include "banned.h"

/* As runc: the first of stderr, stdout and stdin that is a terminal, else the controlling one. */
static int find_host(struct tn_relay *r)
{
	static const int fds[] = { STDERR_FILENO, STDOUT_FILENO, STDIN_FILENO };

	for (size_t i = 0; i < ELEMENTSOF(fds); i++)
		if (isatty(fds[i])) {
			r->host = fds[i];
			return 0;
		}
	r->host = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (r->host < 0)
		return -ENXIO;
	r->host_opened = true;
	return 0;
}

int tn_relay_prepare(struct tn_relay *r)
{
	int sv[2], fd, k;

	k = find_host(r);
	if (k < 0)
		return k;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	r->sock[0] = sv[0];
	/* Never 0, 1 or 2 (stdin closed): the stages' end is "none" when <= 0 (container.h). */
	fd = fcntl(sv[1], F_DUPFD_CLOEXEC, 3);
	k = fd < 0 ? negative_errno() : 0;
	close(sv[1]);
	if (k < 0)
		return k;
	r->sock[1] = fd;
	return 0;
}

/* The fd sent with SCM_RIGHTS on `sock`, if one is there already; -EAGAIN if none. */
static int recv_fd(int sock, int *ret)
{
	union tn_cmsg_fd u = { 0 };
	char name[64];
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n = RETRY_EINTR(recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC));

	if (n < 0)
		return negative_errno();
	c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EAGAIN;
	memcpy(ret, CMSG_DATA(c), sizeof(int));
	return 0;
}

/* runc's raw mode (containerd/console): input unprocessed, no echo, no line editing, no signal
 * keys; output and the character size as they were. */
static int make_raw(struct tn_relay *r)
{
	struct termios t;

	if (tcgetattr(r->host, &r->saved) < 0)
		return negative_errno();
	t = r->saved;
	t.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
	t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(r->host, TCSANOW, &t) < 0)
		return negative_errno();
	r->raw = true;
	return 0;
}

void tn_relay_resize(const struct tn_relay *r)
{
	struct winsize ws;

	if (r->master >= 0 && r->host >= 0 && ioctl(r->host, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(r->master, TIOCSWINSZ, &ws);
}

int tn_relay_receive(struct tn_relay *r, struct tn_error **err)
{
	int k;

	r->sock[1] = safe_close(r->sock[1]);
	if (r->sock[0] < 0)
		return 0;
	k = recv_fd(r->sock[0], &r->master);
	r->sock[0] = safe_close(r->sock[0]);
	if (k == -EAGAIN)
		return 0; /* process.terminal is false */
	if (k < 0)
		return tn_error_errno(err, -k, "cannot receive the container's terminal");
	if (fcntl(r->master, F_SETFL, O_NONBLOCK) < 0)
		return tn_error_errno(err, errno, "cannot relay the container's terminal");
	tn_relay_resize(r);
	k = make_raw(r);
	if (k < 0)
		return tn_error_errno(err, -k, "cannot put the terminal in raw mode");
	return 1;
}

/* The container's terminal, to stdout: what is there now. */
static void master_out(struct tn_relay *r)
{
	char buf[16384];

	for (;;) {
		ssize_t n = RETRY_EINTR(read(r->master, buf, sizeof(buf)));

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) { /* EIO: no process holds the terminal any more */
			r->master_done = true;
			return;
		}
		/* A stdout that fails (a closed pipe) loses the output, not the process's status. */
		(void)tn_write_all(STDOUT_FILENO, buf, (size_t)n);
	}
}

/* stdin, to the container's terminal: one read, written as far as the terminal takes it. */
static void stdin_in(struct tn_relay *r, bool readable)
{
	if (r->in_len == 0 && readable) {
		ssize_t n = RETRY_EINTR(read(STDIN_FILENO, r->in, sizeof(r->in)));

		/* As runc, the end of stdin is not passed on (no ^D): the process reads on. */
		if (n <= 0 && !(n < 0 && errno == EAGAIN))
			r->in_done = true;
		r->in_off = 0;
		r->in_len = n > 0 ? (size_t)n : 0;
	}
	while (r->in_len > 0) {
		ssize_t n = RETRY_EINTR(write(r->master, r->in + r->in_off, r->in_len));

		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) { /* the terminal is gone: what is left goes nowhere */
			r->in_len = 0;
			return;
		}
		r->in_off += (size_t)n;
		r->in_len -= (size_t)n;
	}
}

int tn_relay_until(struct tn_relay *r, int fd)
{
	struct pollfd p[3] = { { .fd = fd, .events = POLLIN },
			       { .fd = -1, .events = POLLIN },
			       { .fd = -1, .events = POLLIN } };

	for (;;) {
		/* A negative fd is not polled: stdin while its bytes wait for the terminal. */
		p[1].fd = r->in_done || r->in_len > 0 || r->master_done ? -1 : STDIN_FILENO;
		p[2].fd = r->master_done ? -1 : r->master;
		p[2].events = (short)(POLLIN | (r->in_len > 0 ? POLLOUT : 0));
		if (poll(p, ELEMENTSOF(p), -1) < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (p[2].revents)
			master_out(r);
		if (p[1].revents || (p[2].revents & POLLOUT))
			stdin_in(r, p[1].revents != 0);
		if (p[0].revents)
			return 0;
	}
}

/*
 * The kernel passes what the process wrote on to the master a moment later (a work queue), so
 * it is read until every process has closed the terminal (EIO), or until nothing came for a
 * while: a process the exec'd one left behind may hold it for ever.
 */
void tn_relay_drain(struct tn_relay *r)
{
	while (r->master >= 0 && !r->master_done) {
		struct pollfd p = { .fd = r->master, .events = POLLIN };

		if (RETRY_EINTR(poll(&p, 1, 250)) <= 0)
			return;
		master_out(r);
	}
}

void tn_relay_done(struct tn_relay *r)
{
	if (r->raw)
		(void)tcsetattr(r->host, TCSANOW, &r->saved);
	r->raw = false;
	if (r->host_opened)
		r->host = safe_close(r->host);
	r->host = -1;
	r->master = safe_close(r->master);
	r->sock[0] = safe_close(r->sock[0]);
	r->sock[1] = safe_close(r->sock[1]);
}
