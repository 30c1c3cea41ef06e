/* SPDX-License-Identifier: Apache-2.0 */
/* The command tables of each command family, assembled into one tree by main.c. */
#pragma once

#include "cli.h"

extern const struct tn_command tn_subid_commands[];
