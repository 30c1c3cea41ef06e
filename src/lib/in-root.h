/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) below rootfd, O_CLOEXEC added: an fd, or
 * -errno. A symlink of the tree resolves inside it, never to the host. */
int tn_openat2_in_root(int rootfd, const char *path, int flags, mode_t mode);
/* Create `path` inside the root: its missing directories (0755, less the umask), and the last
 * component as a directory, or an empty file (0644) when `file`. What exists is kept. */
int tn_mkpath_in_root(int rootfd, const char *path, bool file);
