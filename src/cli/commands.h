/* SPDX-License-Identifier: Apache-2.0 */
/* The command tables of each command family, assembled into one tree by main.c. */
#pragma once

#include "cli.h"

extern const struct tn_command tn_subid_commands[];

extern const struct tn_command tn_idmap_commands[];

/* `tenant unshare` is a top-level command: its row is in main.c, its parts here. */
extern const struct tn_cli_option tn_unshare_options[];
extern const char tn_unshare_description[];
int tn_cmd_unshare(struct tn_cli *cli, const struct tn_cli_args *a);

/* `tenant shift`, top-level: chown shifting of a tree. */
extern const struct tn_cli_option tn_shift_options[];
extern const char tn_shift_description[];
int tn_cmd_shift(struct tn_cli *cli, const struct tn_cli_args *a);

/* `tenant check`, top-level: the machine's readiness for a user. */
extern const struct tn_cli_option tn_check_options[];
extern const char tn_check_description[];
int tn_cmd_check(struct tn_cli *cli, const struct tn_cli_args *a);

/* `tenant events`, an OCI verb: the container's statistics and OOM events (cmd-events.c). */
extern const struct tn_cli_option tn_events_options[];
int tn_cmd_events(struct tn_cli *cli, const struct tn_cli_args *a);
/* `tenant list` and `tenant ps` (cmd-list.c), rows of tn_oci_commands. */
extern const struct tn_cli_option tn_list_options[];
int tn_cmd_list(struct tn_cli *cli, const struct tn_cli_args *a);
extern const struct tn_cli_option tn_ps_options[];
int tn_cmd_ps(struct tn_cli *cli, const struct tn_cli_args *a);

/* The OCI runtime verbs (runc's command line), top-level commands. */
extern const struct tn_command tn_oci_commands[];

/* `tenant update ID`: runc's flags (cmd-update.c). */
extern const struct tn_cli_option tn_update_options[];
int tn_cmd_update(struct tn_cli *cli, const struct tn_cli_args *a);
