/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bind sources opened by R for init (container-sources.h). On the sync socket, before R's GO
 * (and after P1's SETUP, or before it in the single stage, where R sends them right after the
 * clone; P1 reads them after sending SETUP either way), one record per source: {TN_SOURCE_MAGIC, index} with the fd attached
 * (SCM_RIGHTS); one per idmapped mount, {TN_SOURCE_MAGIC, TN_SOURCE_IDMAPPED | index} or
 * {TN_SOURCE_MAGIC, TN_SOURCE_ROOTFS}, with its fd; then {TN_SOURCE_MAGIC, TN_SOURCE_END}
 * without one.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "container-sources.h"
#include "macro.h"
#include "sock.h"
#include "banned.h"

#define TN_SOURCE_MAGIC	   0x74736f75u /* "tsou" */
#define TN_SOURCE_END	   UINT32_MAX
#define TN_SOURCE_ROOTFS   (UINT32_MAX - 1)
#define TN_SOURCE_IDMAPPED 0x80000000u

struct source_record {
	uint32_t magic;
	uint32_t index;
};

bool tn_mount_source_wanted(const struct tn_oci_mount *m)
{
	return m->bind && !m->idmap && m->source;
}

static int send_record(int sock, uint32_t index, int fd)
{
	const struct source_record rec = { .magic = TN_SOURCE_MAGIC, .index = index };

	return tn_send_fd(sock, fd, &rec, sizeof(rec));
}

/*
 * `path` below P1's root, as host root: absolute symlinks resolve from that root (never from
 * R's), so the fd is of a mount in P1's namespace. The config is the caller's: its sources
 * are trusted as runc trusts them (followed as root), the container's rootfs is not involved.
 */
static int open_in(int rootfd, const char *path)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT,
	};
	long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));

	return fd < 0 ? negative_errno() : (int)fd;
}

static int send_one(int rootfd, const struct tn_oci_mount *m, const char *bundle, uint32_t index,
		    int sock)
{
	_cleanup_close_ int fd = -1;
	char src[4096];

	if (m->source[0] == '/')
		snprintf(src, sizeof(src), "%s", m->source);
	else if (snprintf(src, sizeof(src), "%s/%s", bundle, m->source) >= (int)sizeof(src))
		return 0;
	fd = open_in(rootfd, src);
	if (fd < 0)
		return 0; /* init tries, and says why it cannot */
	return send_record(sock, index, fd);
}

static int send_idmapped(int rootfs_fd, const int *idmapped, size_t n, int sock)
{
	int r;

	if (rootfs_fd >= 0) {
		r = send_record(sock, TN_SOURCE_ROOTFS, rootfs_fd);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; idmapped && i < n && i < TN_SOURCE_IDMAPPED; i++) {
		if (idmapped[i] < 0)
			continue;
		r = send_record(sock, TN_SOURCE_IDMAPPED | (uint32_t)i, idmapped[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int tn_mount_sources_send(const struct tn_oci_config *cfg, const char *bundle, int rootfd,
			  int rootfs_fd, const int *idmapped, int sock)
{
	int r;

	for (size_t i = 0; i < cfg->n_mounts && i < TN_SOURCE_IDMAPPED; i++) {
		if (!tn_mount_source_wanted(&cfg->mounts[i]))
			continue;
		r = send_one(rootfd, &cfg->mounts[i], bundle, (uint32_t)i, sock);
		if (r < 0)
			return r;
	}
	r = send_idmapped(rootfs_fd, idmapped, cfg->n_mounts, sock);
	if (r < 0)
		return r;
	return send_record(sock, TN_SOURCE_END, -1);
}

/* One record: its index, and its fd in *ret_fd (-1: none). */
static int recv_record(int sock, uint32_t *ret_index, int *ret_fd)
{
	struct source_record rec = { 0 };
	int fd = -1, r = tn_recv_fd(sock, &rec, sizeof(rec), &fd);

	if (r < 0)
		return r;
	if (rec.magic != TN_SOURCE_MAGIC) {
		safe_close(fd);
		return -EPROTO;
	}
	*ret_index = rec.index;
	*ret_fd = fd;
	return 0;
}

void tn_mount_sources_done(struct tn_mount_sources *s)
{
	for (size_t i = 0; i < s->n; i++)
		safe_close(s->fd[i]);
	for (size_t i = 0; s->idmapped && i <= s->n; i++)
		safe_close(s->idmapped[i]);
	free(s->fd);
	free(s->idmapped);
	*s = (struct tn_mount_sources){ 0 };
}

/* Where a record's fd goes: NULL for a bad index. */
static int *slot(struct tn_mount_sources *s, uint32_t index)
{
	if (index == TN_SOURCE_ROOTFS)
		return &s->idmapped[s->n];
	if ((index & TN_SOURCE_IDMAPPED) && (index & ~TN_SOURCE_IDMAPPED) < s->n)
		return &s->idmapped[index & ~TN_SOURCE_IDMAPPED];
	return index < s->n ? &s->fd[index] : NULL;
}

/* One record into s: 1 at the end. */
static int recv_one(int sock, struct tn_mount_sources *s)
{
	_cleanup_close_ int fd = -1;
	uint32_t index;
	int *to, r = recv_record(sock, &index, &fd);

	if (r < 0)
		return r;
	if (index == TN_SOURCE_END)
		return fd < 0 ? 1 : -EPROTO;
	to = slot(s, index);
	if (!to || fd < 0 || *to >= 0)
		return -EPROTO;
	*to = TAKE_FD(fd);
	return 0;
}

int tn_mount_sources_recv(int sock, size_t n_mounts, struct tn_mount_sources *ret)
{
	_cleanup_free_ int *fd = calloc(n_mounts + 1, sizeof(*fd));
	_cleanup_free_ int *idmapped = calloc(n_mounts + 1, sizeof(*idmapped));
	_cleanup_(tn_mount_sources_done) struct tn_mount_sources s = { 0 };
	int r;

	if (!fd || !idmapped)
		return -ENOMEM;
	for (size_t i = 0; i <= n_mounts; i++)
		fd[i] = idmapped[i] = -1;
	s = (struct tn_mount_sources){ TAKE_PTR(fd), TAKE_PTR(idmapped), n_mounts };
	do
		r = recv_one(sock, &s);
	while (r == 0);
	if (r < 0)
		return r;
	*ret = TAKE_STRUCT(s);
	return 0;
}
