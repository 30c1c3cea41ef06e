/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sources of bind mounts of a container in a user namespace, opened by R (container-sources.c).
 *
 * Init runs as the container's root, a host ID with no privilege over the host's files: it
 * cannot reach a source below a directory only host root may enter (a podman volume's 0700
 * volumes/NAME). runc opens such sources as itself, inside the container's mount namespace,
 * and hands the fds to its init; so does tenant. The fds are O_PATH, opened in P1's mount
 * namespace (the mounts there are the container's, with the kernel's locks), so init binds
 * them through /proc/self/fd as it would bind the path.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci-config.h"

/* Whether R opens the source of mounts[i]: a bind that is not idmapped (R clones those). */
bool tn_mount_source_wanted(const struct tn_oci_mount *m);

/*
 * R, after SETUP's GO, for init: each wanted source opened as host root inside P1's mount
 * namespace (from `rootfd`, /proc/P1/root opened while P1 waited for GO), sent on `sock` with
 * its index; then the idmapped mounts R made on P1's own user namespace once its maps were
 * written (`rootfs_fd` and `idmapped[i]`, -1 where none; `idmapped` may be NULL); then the end.
 * A source R cannot open is not sent: init resolves it itself and says why it cannot.
 */
int tn_mount_sources_send(const struct tn_oci_config *cfg, const char *bundle, int rootfd,
			  int rootfs_fd, const int *idmapped, int sock);

/* Per mounts[i]: the source R opened, or -1; the idmapped mount R sent, or -1, with the
 * rootfs's after them (idmapped[n]). All zero: none. */
struct tn_mount_sources {
	int *fd;
	int *idmapped;
	size_t n;
};

/* P1: what R sent, until the end, into *ret (one fd per mount, -1 where none). */
int tn_mount_sources_recv(int sock, size_t n_mounts, struct tn_mount_sources *ret);
/* Every fd closed, the array freed (an empty one: nothing). */
void tn_mount_sources_done(struct tn_mount_sources *s);
