/* SPDX-License-Identifier: Apache-2.0 */
/*
 * process.terminal: a pseudo-terminal made inside the container (its own devpts), the master
 * sent to --console-socket as runc does (SCM_RIGHTS), the slave made the process's
 * controlling terminal and stdio.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>

#include "container-tty.h"
#include "banned.h"

int tn_console_connect(const char *path, int *ret, struct tn_error **err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return tn_error_set(err, ENAMETOOLONG, "--console-socket %s: the path is too long",
				    path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int r = tn_error_errno(err, errno, "cannot connect to --console-socket %s", path);

		if (fd >= 0)
			close(fd);
		return r;
	}
	*ret = fd;
	return 0;
}

static int send_fd(int sock, int fd, const char *name)
{
	char buf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = (void *)name, .iov_len = strlen(name) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return RETRY_EINTR(sendmsg(sock, &msg, MSG_NOSIGNAL)) < 0 ? negative_errno() : 0;
}

int tn_container_setup_console(struct tn_init_ctx *ctx, struct tn_error **err)
{
	const struct tn_oci_process *p = &ctx->cfg->process;
	int master, slave, r = 0;

	if (ctx->console_fd < 0)
		return 0;
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return tn_error_errno(err, errno, "process.terminal: cannot open /dev/ptmx");
	if (unlockpt(master) < 0 || (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY)) < 0) {
		r = tn_error_errno(err, errno, "process.terminal: cannot make a terminal");
		close(master);
		return r;
	}
	if (p->has_console_size) {
		struct winsize ws = { .ws_row = p->console_height, .ws_col = p->console_width };

		ioctl(slave, TIOCSWINSZ, &ws);
	}
	if (fchown(slave, p->uid, p->gid) < 0 && errno != EINVAL)
		r = tn_error_errno(err, errno, "process.terminal: cannot give the terminal to %u",
				   p->uid);
	if (r == 0 && send_fd(ctx->console_fd, master, "/dev/ptmx") < 0)
		r = tn_error_errno(err, errno, "cannot send the terminal to --console-socket");
	close(master);
	close(ctx->console_fd);
	ctx->console_fd = -1;
	if (r == 0 && (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0))
		r = tn_error_errno(err, errno,
				   "process.terminal: cannot make it the controlling "
				   "terminal");
	for (int fd = 0; r == 0 && fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			r = tn_error_errno(err, errno, "process.terminal: cannot use it as stdio");
	close(slave);
	return r;
}
