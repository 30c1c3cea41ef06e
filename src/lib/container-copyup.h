/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* tmpcopyup: copy the directory under_fd into the tmpfs now mounted at dest (below rootfd). */
int tn_copy_up(int rootfd, const char *dest, int under_fd);
