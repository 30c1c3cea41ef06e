/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whether tenant runs as the host's root, read from its own credentials and
 * /proc/self/uid_map: root of a user namespace (as under rootless podman) is not.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

/* Not the host's root: not UID 0, or UID 0 of a user namespace (as under rootless podman). */
bool tn_rootless(void);
/* Whether tenant runs in the initial user namespace (its uid_map is the identity). */
bool tn_in_initial_userns(void);
/* The host UID the caller is, seen through its user namespace's map (the effective UID when
 * that map cannot be read or does not map it). */
uid_t tn_host_uid(void);
