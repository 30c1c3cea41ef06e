/* SPDX-License-Identifier: Apache-2.0 */
/* --log FILE, --log-format text|json and --debug: runc's log lines (cli-log.c). */
#pragma once

#include <stdarg.h>

#include "cli.h"

/* Create or open --log FILE (append), once, when the global options are read. */
int tn_cli_log_open(struct tn_cli *cli);

/* One line at LEVEL ("debug", "warning", "error") to --log FILE; a debug line (only with
 * --debug) goes to stderr when there is no FILE. */
void tn_cli_log(struct tn_cli *cli, const char *level, const char *fmt, ...) _printf_(3, 4);
/* With --debug: the command line, as the first debug line. */
void tn_cli_log_command(struct tn_cli *cli);
void tn_cli_logv(struct tn_cli *cli, const char *level, const char *fmt, va_list ap) _printf_(3, 0);
