/* SPDX-License-Identifier: Apache-2.0 */
/* Unix stream sockets: connecting to a path, and passing an fd (SCM_RIGHTS) with a message. */
#pragma once

#include <stddef.h>
#include <sys/socket.h>

/* A control buffer for one SCM_RIGHTS fd, aligned as CMSG_FIRSTHDR's header must be. */
union tn_cmsg_fd {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
};

/* A connected SOCK_STREAM | SOCK_CLOEXEC socket to `path` in *ret: 0, -ENAMETOOLONG when the
 * path does not fit sockaddr_un, or connect(2)'s -errno. */
int tn_unix_connect(const char *path, int *ret);

/* One sendmsg(2) of `len` bytes of `data` (at least one) with `fd` attached (none when `fd` is
 * negative); MSG_NOSIGNAL. */
int tn_send_fd(int sock, int fd, const void *data, size_t len);
/* One record of exactly `len` bytes into `data`, and the fd attached to it (O_CLOEXEC) in
 * *ret_fd, -1 when none was: -EPIPE at the end of the stream, -EPROTO for a record of another
 * size or a truncated one (its fd closed). */
int tn_recv_fd(int sock, void *data, size_t len, int *ret_fd);
