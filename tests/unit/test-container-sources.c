/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The records R sends P1 between SETUP and GO (container-sources.h): bind sources by index, the
 * idmapped mounts made on P1's user namespace (the rootfs's after the others), then the end.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "container-sources.h"
#include "macro.h"
#include "tap.h"

/* An fd of /dev/null, told apart from others by its inode. */
static ino_t ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static void pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
}

TEST(idmapped_mounts_and_the_rootfs_arrive_in_their_slots)
{
	struct tn_oci_config cfg = { 0 };
	struct tn_oci_mount mounts[3] = { { 0 } };
	_cleanup_(tn_mount_sources_done) struct tn_mount_sources got = { 0 };
	_cleanup_close_ int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int b = open("/", O_PATH | O_CLOEXEC);
	int idm[3] = { -1, -1, -1 }, sv[2];

	cfg.mounts = mounts;
	cfg.n_mounts = 3;
	idm[2] = a;
	pair(sv);
	/* p1 0: no /proc/0/root, so no bind source is opened; the idmapped ones still go. */
	ASSERT_EQ(tn_mount_sources_send(&cfg, "/", 0, b, idm, sv[0]), 0);
	ASSERT_EQ(tn_mount_sources_recv(sv[1], 3, &got), 0);
	ASSERT_EQ(got.n, 3);
	ASSERT_TRUE(got.idmapped[0] < 0 && got.idmapped[1] < 0 && got.fd[2] < 0);
	ASSERT_EQ(ino(got.idmapped[2]), ino(a));
	ASSERT_EQ(ino(got.idmapped[3]), ino(b)); /* the rootfs: after the mounts */
	close(sv[0]);
	close(sv[1]);
}

TEST(nothing_sent_is_an_empty_set)
{
	struct tn_oci_config cfg = { 0 };
	_cleanup_(tn_mount_sources_done) struct tn_mount_sources got = { 0 };
	int sv[2];

	pair(sv);
	ASSERT_EQ(tn_mount_sources_send(&cfg, "/", 0, -1, NULL, sv[0]), 0);
	ASSERT_EQ(tn_mount_sources_recv(sv[1], 0, &got), 0);
	ASSERT_EQ(got.n, 0);
	ASSERT_TRUE(got.idmapped[0] < 0); /* no rootfs */
	close(sv[0]);
	close(sv[1]);
}

TEST(an_index_past_the_mounts_is_a_protocol_error)
{
	struct tn_oci_config cfg = { 0 };
	struct tn_oci_mount mounts[2] = { { 0 } };
	_cleanup_(tn_mount_sources_done) struct tn_mount_sources got = { 0 };
	_cleanup_close_ int a = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int idm[2] = { -1, -1 }, sv[2];

	cfg.mounts = mounts;
	cfg.n_mounts = 2;
	idm[1] = a;
	pair(sv);
	ASSERT_EQ(tn_mount_sources_send(&cfg, "/", 0, -1, idm, sv[0]), 0);
	/* The receiver knows of one mount only: mount 1's record has no slot. */
	ASSERT_EQ(tn_mount_sources_recv(sv[1], 1, &got), -EPROTO);
	ASSERT_TRUE(got.fd == NULL && got.idmapped == NULL); /* nothing half-filled */
	close(sv[0]);
	close(sv[1]);
}

TAP_MAIN
