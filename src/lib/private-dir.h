/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Directories tenant keeps what steers it in: the state root and each container's directory,
 * the `--userns auto` registry's, the rootfs copies'. What is in them (a PID to signal, hooks to
 * run, a tree to delete) is trusted only when nobody but the caller and root could have put it
 * there. With XDG_RUNTIME_DIR unset the state root is /tmp/tenant-UID, a name any local user can
 * take first; so before anything in such a directory is read or written:
 *
 *  - the directory itself is opened without following a symlink, belongs to the caller (root
 *    for /run/tenant) and is writable by nobody else (no group or other write bit);
 *  - every directory above it (symlinks in the parent path resolved first, as /var/run -> /run)
 *    belongs to root or to the caller and is not writable by others unless sticky (/tmp):
 *    whoever can write a parent can rename the directory away and put their own in its place.
 *    Inside a user namespace (tenant under rootless podman) host root shows as the overflow UID
 *    (65534), which is accepted for parents only.
 *
 * Once a directory passes, paths below it are safe to use: nobody else can change them.
 */
#pragma once

#include <stdbool.h>

#include "error.h"

enum {
	TN_PRIVATE_CREATE = 1 << 0, /* make what is missing: parents 0711, the directory 0700 */
};

/*
 * Check (and with TN_PRIVATE_CREATE make) the directory `path`; `what` names it in messages
 * ("state directory"). *ret_fd (optional) gets an O_DIRECTORY fd of it. -ENOENT without a
 * message when it does not exist and was not to be made.
 */
int tn_private_dir_open(const char *path, const char *what, unsigned flags, int *ret_fd,
			struct tn_error **err);

/* The entry `name` of a checked directory: a directory of the caller's, writable by nobody else,
 * opened without following a symlink. -ENOENT without a message when missing. */
int tn_private_subdir_open(int dirfd, const char *dir_path, const char *name, const char *what,
			   int *ret_fd, struct tn_error **err);

/* A file tenant reads as root that nobody but root (or the caller) may have written
 * (/etc/tenant/tenant.conf): its parents checked as above, opened without following a symlink,
 * a regular file owned by root or the caller, writable by nobody else. *ret_fd is readable.
 * -ENOENT without a message when it does not exist. */
int tn_trusted_file_open(const char *path, int *ret_fd, struct tn_error **err);

/* Where tenant keeps its own records (NAME: "userns.json", "shift"): /var/lib/tenant/NAME as
 * root; rootless $XDG_DATA_HOME/tenant/NAME, else ~/.local/share/tenant/NAME, else
 * /tmp/tenant-UID/NAME. Allocated; NULL when out of memory. */
char *tn_storage_path(const char *name);
