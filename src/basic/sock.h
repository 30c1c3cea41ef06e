/* SPDX-License-Identifier: Apache-2.0 */
/* Unix stream sockets: connecting to a path, and passing an fd (SCM_RIGHTS) with a message. */
#pragma once

#include <stddef.h>

/* A connected SOCK_STREAM | SOCK_CLOEXEC socket to `path` in *ret: 0, -ENAMETOOLONG when the
 * path does not fit sockaddr_un, or connect(2)'s -errno. */
int tn_unix_connect(const char *path, int *ret);

/* One sendmsg(2) of `len` bytes of `data` (at least one) with `fd` attached; MSG_NOSIGNAL. */
int tn_send_fd(int sock, int fd, const void *data, size_t len);
