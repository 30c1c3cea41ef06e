/* SPDX-License-Identifier: Apache-2.0 */
/* Manual pages (man(7) roff) and bash completion, generated from the command tables. */
#pragma once

#include <stdio.h>

#include "cli.h"

/* tenant.1, tenant-create.1, tenant-subid-add.1, ... into `dir`; `date` for the .TH line. */
int tn_cli_man(const struct tn_command *root, const char *dir, const char *date);
/* A bash completion script for every command and option. */
void tn_cli_completion(FILE *f, const struct tn_command *root);
