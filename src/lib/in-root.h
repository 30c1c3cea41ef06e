/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <sys/types.h>

/* openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) below rootfd, O_CLOEXEC added: an fd, or
 * -errno. A symlink of the tree resolves inside it, never to the host. */
int tn_openat2_in_root(int rootfd, const char *path, int flags, mode_t mode);
