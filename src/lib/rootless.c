/* SPDX-License-Identifier: Apache-2.0 */
/* Rootless detection (rootless.h). */
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "idmap.h"
#include "rootless.h"
#include "banned.h"

/* The caller's uid_map; -errno when it cannot be read or parsed. */
static int own_uid_map(struct tn_idmap *ret)
{
	_cleanup_free_ char *map = NULL;
	size_t len;
	int r;

	r = tn_read_file("/proc/self/uid_map", 4096, &map, &len, NULL);
	if (r < 0)
		return r;
	return tn_idmap_parse_text(map, TN_IDMAP_UID, ret);
}

static bool initial_userns_read(void)
{
	_cleanup_free_ char *map = NULL;
	_cleanup_(tn_idmap_done) struct tn_idmap m = { 0 };
	size_t len;

	if (tn_read_file("/proc/self/uid_map", 4096, &map, &len, NULL) < 0)
		return true;
	if (tn_idmap_parse_text(map, TN_IDMAP_UID, &m) < 0)
		return false;
	return m.n == 1 && m.v[0].inside == 0 && m.v[0].outside == 0 && m.v[0].count == UINT32_MAX;
}

/*
 * The answer for one user namespace, kept: create asks a dozen times, and each read of the map
 * is five system calls. Keyed by the namespace itself, so a process that has entered another
 * (a stage after unshare or setns, a child cloned into a new one) reads its own.
 */
static struct {
	bool valid, initial;
	dev_t dev;
	ino_t ino;
} known;

bool tn_in_initial_userns(void)
{
	struct stat st;

	if (stat("/proc/self/ns/user", &st) < 0)
		return initial_userns_read();
	if (!known.valid || known.dev != st.st_dev || known.ino != st.st_ino)
		known.initial = initial_userns_read();
	known.valid = true;
	known.dev = st.st_dev;
	known.ino = st.st_ino;
	return known.initial;
}

uid_t tn_host_uid(void)
{
	_cleanup_(tn_idmap_done) struct tn_idmap m = { 0 };
	uint32_t host;

	/* Outside a user namespace, or an unreadable map: the UID is its own. */
	if (own_uid_map(&m) < 0)
		return geteuid();
	if (tn_idmap_translate(&m, geteuid(), true, &host) < 0)
		return geteuid();
	return (uid_t)host;
}

bool tn_rootless(void)
{
	/* Root of a user namespace (rootless podman runs its runtime so) is not the host's root. */
	return geteuid() != 0 || !tn_in_initial_userns();
}
