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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <termios.h>

#include "container-tty.h"
#include "sock.h"
#include "banned.h"

int tn_console_connect(const char *path, int *ret, struct tn_error **err)
{
	int r = tn_unix_connect(path, ret);

	if (r == -ENAMETOOLONG)
		return tn_error_set(err, ENAMETOOLONG, "--console-socket %s: the path is too long",
				    path);
	return r < 0 ? tn_error_errno(err, -r, "cannot connect to --console-socket %s", path) : 0;
}

int tn_console_refuse_no_host(struct tn_error **err)
{
	int r = tn_error_set(
		err, ENXIO,
		"process.terminal is true, but tenant has no terminal to relay it to: "
		"neither its stdin, stdout nor stderr is one, and it has no controlling "
		"terminal (/dev/tty)");

	return tn_error_hint(err, r,
			     "run it from a terminal, pass --console-socket PATH, or set "
			     "process.terminal to false");
}

int tn_console_relayed(int relay_fd, int *ret, struct tn_error **err)
{
	if (relay_fd <= 0)
		return tn_console_refuse_no_host(err);
	*ret = fcntl(relay_fd, F_DUPFD_CLOEXEC, 3);
	if (*ret < 0)
		return tn_error_errno(err, errno, "cannot pass the terminal's socket on");
	return 0;
}

int tn_console_refuse_detached(struct tn_error **err)
{
	int r = tn_error_set(err, EINVAL,
			     "process.terminal is true, but there is no --console-socket to send "
			     "the terminal to (detached, tenant cannot relay it)");

	return tn_error_hint(err, r,
			     "pass --console-socket PATH (as podman and containerd do), or set "
			     "process.terminal to false");
}

/* The slave given to the process's user, the master sent to --console-socket. */
static int hand_over(struct tn_init_ctx *ctx, int master, int slave, struct tn_error **err)
{
	const struct tn_oci_process *p = &ctx->cfg->process;
	int r;

	/* The group stays devpts's (gid=5, tty, in the default config), as runc leaves it */
	if (fchown(slave, p->uid, (gid_t)-1) < 0 && errno != EINVAL)
		return tn_error_errno(err, errno,
				      "process.terminal: cannot give the terminal to %u", p->uid);
	r = tn_send_fd(ctx->console_fd, master, "/dev/ptmx", strlen("/dev/ptmx"));
	return r < 0 ? tn_error_errno(err, -r, "cannot send the terminal to --console-socket") : 0;
}

void tn_container_stdio_owner(const struct tn_oci_process *p, bool pipes_only)
{
	struct stat null, st;

	if (stat("/dev/null", &null) < 0)
		null.st_rdev = makedev(1, 3);
	for (int fd = 0; fd < 3; fd++) {
		if (fstat(fd, &st) < 0 || st.st_uid == p->uid)
			continue;
		if (pipes_only && !S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
			continue;
		if (S_ISCHR(st.st_mode) &&
		    (st.st_rdev == null.st_rdev || st.st_rdev == makedev(1, 3)))
			continue;
		/* EPERM (an owner not mapped in the container), EINVAL, EROFS: left as it is. */
		(void)fchown(fd, p->uid, (gid_t)-1);
	}
}

int tn_container_setup_console(struct tn_init_ctx *ctx, struct tn_error **err)
{
	const struct tn_oci_process *p = &ctx->cfg->process;
	_cleanup_close_ int master = -1, slave = -1;
	int r;

	/* As runc: the process leads a session of its own, with a terminal or without, so the
	 * caller's terminal neither signals it nor is its controlling terminal. */
	if (ctx->console_fd < 0)
		return setsid() < 0 ? tn_error_errno(err, errno, "cannot make a session") : 0;
	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return tn_error_errno(err, errno, "process.terminal: cannot open /dev/ptmx");
	if (unlockpt(master) < 0 || (slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY)) < 0)
		return tn_error_errno(err, errno, "process.terminal: cannot make a terminal");
	if (p->has_console_size) {
		struct winsize ws = { .ws_row = p->console_height, .ws_col = p->console_width };

		ioctl(slave, TIOCSWINSZ, &ws);
	}
	/* As runc's relay: "\n" as it is; the host terminal adds the "\r". */
	if (ctx->console_relayed) {
		struct termios t;

		if (tcgetattr(slave, &t) == 0) {
			t.c_oflag &= ~(tcflag_t)ONLCR;
			(void)tcsetattr(slave, TCSANOW, &t);
		}
	}
	r = hand_over(ctx, master, slave, err);
	/* Sent or not, this stage is done with the master and the socket, on every path; the
	 * socket (connected by R) lives in the shared context, which no scope here owns. */
	master = safe_close(master);
	ctx->console_fd = safe_close(ctx->console_fd);
	if (r < 0)
		return r;
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return tn_error_errno(err, errno,
				      "process.terminal: cannot make it the controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return tn_error_errno(err, errno,
					      "process.terminal: cannot use it as stdio");
	return 0;
}
