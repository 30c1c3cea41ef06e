/* SPDX-License-Identifier: Apache-2.0 */
/* Walks of mountinfo before the root moves (container-nopivot.h): the host's procfs and sysfs
 * hidden before a --no-pivot move, the root filesystem's parent mount made private. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>

#include "container-nopivot.h"
#include "fs.h"
#include "macro.h"
#include "banned.h"

#define MOUNTINFO_MAX (16 << 20)

/* Field `n` (0-based, space-separated) of a line, unescaped (\ooo) into buf; false if absent. */
static bool field(const char *line, size_t len, int n, char *buf, size_t size)
{
	const char *p = line, *end = line + len;
	size_t o = 0;

	for (; n > 0 && p < end; n--) {
		p = memchr(p, ' ', (size_t)(end - p));
		if (!p)
			return false;
		p++;
	}
	for (; p < end && *p != ' ' && o + 1 < size; p++) {
		if (p[0] == '\\' && end - p >= 4 && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' &&
		    p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
			buf[o++] = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
			p += 3;
			continue;
		}
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return n == 0 && (p == end || *p == ' ');
}

/* The filesystem type: the field after the " - " separator. */
static bool fstype(const char *line, size_t len, char *buf, size_t size)
{
	for (int n = 6; n < 64; n++) {
		char f[64];

		if (!field(line, len, n, f, sizeof(f)))
			return false;
		if (strcmp(f, "-") == 0)
			return field(line, len, n + 1, buf, size);
	}
	return false;
}

/* `path` is `dir` or below it. */
static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/' || n == 1);
}

int tn_nopivot_each(const char *mountinfo, const char *rootfs,
		    int (*fn)(const char *mountpoint, void *data), void *data)
{
	for (const char *line = mountinfo; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char root[4096], point[4096], type[64];

		if (field(line, len, 3, root, sizeof(root)) && strcmp(root, "/") == 0 &&
		    field(line, len, 4, point, sizeof(point)) &&
		    fstype(line, len, type, sizeof(type)) &&
		    (strcmp(type, "proc") == 0 || strcmp(type, "sysfs") == 0) &&
		    !below(point, rootfs)) {
			int r = fn(point, data);

			if (r < 0)
				return r;
		}
		line += len + (nl ? 1 : 0);
	}
	return 0;
}

/* As runc: not propagated to the host, detached; covered where it cannot be (a mount the
 * kernel locks in a user namespace). Gone already (below one detached before): nothing. */
static int hide(const char *mountpoint, _unused_ void *data)
{
	if (mount(NULL, mountpoint, NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (umount2(mountpoint, MNT_DETACH) == 0)
		return 0;
	if (errno != EINVAL && errno != EPERM)
		return negative_errno();
	return mount("tmpfs", mountpoint, "tmpfs", 0, NULL) < 0 ? negative_errno() : 0;
}

int tn_nopivot_hide(const char *rootfs, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = tn_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &text, &len, NULL);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot read /proc/self/mountinfo");
	r = tn_nopivot_each(text, rootfs, hide, NULL);
	if (r < 0)
		return tn_error_errno(err, -r,
				      "--no-pivot: cannot hide the host's procfs and sysfs mounts");
	return 0;
}

/* The optional fields (7th on, up to "-") hold "shared:N". */
static bool is_shared(const char *line, size_t len)
{
	for (int n = 6; n < 64; n++) {
		char f[64];

		if (!field(line, len, n, f, sizeof(f)) || strcmp(f, "-") == 0)
			return false;
		if (strncmp(f, "shared:", 7) == 0)
			return true;
	}
	return false;
}

int tn_rootfs_parent_private(const char *rootfs, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	char best[4096] = "";
	bool shared = false;
	size_t len;
	int r = tn_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &text, &len, NULL);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot read /proc/self/mountinfo");
	/* The deepest mount point at or above rootfs; the last of equals is the one on top. */
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char point[4096];

		if (field(line, n, 4, point, sizeof(point)) && below(rootfs, point) &&
		    strlen(point) >= strlen(best)) {
			snprintf(best, sizeof(best), "%s", point);
			shared = is_shared(line, n);
		}
		line += n + (nl ? 1 : 0);
	}
	if (!shared)
		return 0;
	if (mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
		return tn_error_errno(err, errno,
				      "cannot make %s, the mount of the root "
				      "filesystem, private",
				      best);
	return 0;
}
