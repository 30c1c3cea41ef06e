/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The state.json of a container create makes, written ahead: once init's PID is known, while
 * init sets itself up, to a temporary file that create renames into place when init is ready
 * (tn_state_commit). A new file costs a filesystem like ext4 an inode, off the critical path
 * there.
 */
#pragma once

#include <sys/types.h>

#include "container-plan.h"
#include "error.h"

int tn_create_state_prepare(const struct create_plan *p, const char *root, const char *id,
			    pid_t init, char **ret_tmp, char **ret_text, struct tn_error **err);
