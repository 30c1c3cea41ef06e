/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The other end of --console-socket for tests (as runc's recvtty): listen on SOCKET, take one
 * terminal master fd (SCM_RIGHTS), and copy what the container writes to it to stdout until
 * the container closes its end.
 *
 *	recvtty SOCKET
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int receive_fd(int conn)
{
	char name[256], buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = name, .iov_len = sizeof(name) - 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf, .msg_controllen = sizeof(buf)
	};
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(conn, &msg, 0) < 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[4096];
	ssize_t n;
	int s, conn, master;

	if (argc != 2 || strlen(argv[1]) >= sizeof(addr.sun_path))
		return fprintf(stderr, "usage: recvtty SOCKET\n"), 2;
	memcpy(addr.sun_path, argv[1], strlen(argv[1]) + 1);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(s, 1) < 0)
		return perror("recvtty: listen"), 1;
	conn = accept(s, NULL, NULL);
	master = conn < 0 ? -1 : receive_fd(conn);
	if (master < 0)
		return perror("recvtty: receive"), 1;
	while ((n = read(master, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, (size_t)n) != n)
			return 1;
	/* EIO: the container closed the slave side. */
	return n < 0 && errno != EIO ? 1 : 0;
}
