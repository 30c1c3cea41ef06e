/* SPDX-License-Identifier: Apache-2.0 */
/*
 * --log FILE, --log-format and --debug, as runc's logrus writes them: engines (containerd's
 * shim, CRI-O) pass --log and read the last error from the file when a command fails.
 *
 *	text:  time="2026-01-02T03:04:05Z" level=error msg="..."
 *	json:  {"level":"error","msg":"...","time":"2026-01-02T03:04:05Z"}
 *
 * The file is created when tenant starts, as runc's. Errors and warnings are also printed on
 * stderr; debug lines (--debug) go to the file, or to stderr without --log.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cli-log.h"
#include "exe-seal.h"
#include "fs.h"
#include "json-writer.h"
#include "version.h"
#include "banned.h"

int tn_cli_log_open(struct tn_cli *cli)
{
	if (!cli->oci.log || cli->oci.log_fd >= 0)
		return 0;
	cli->oci.log_fd =
		open(cli->oci.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
	if (cli->oci.log_fd < 0)
		return tn_error_errno(&cli->err, errno, "--log: cannot open '%s'", cli->oci.log);
	return 0;
}

/* Now, as logrus's default: RFC 3339 in UTC, whole seconds. */
static void log_time(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

/* The line of logrus's text format: the message quoted, Go-style. */
static void text_line(struct tn_buf *line, const char *now, const char *level, const char *msg)
{
	tn_buf_printf(line, "time=\"%s\" level=%s msg=\"", now, level);
	for (const char *p = msg; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"' || c == '\\')
			tn_buf_printf(line, "\\%c", c);
		else if (c == '\n')
			tn_buf_printf(line, "\\n");
		else if (c == '\t')
			tn_buf_printf(line, "\\t");
		else if (c < 0x20 || c == 0x7f)
			tn_buf_printf(line, "\\x%02x", c);
		else
			tn_buf_putc(line, (char)c);
	}
	tn_buf_printf(line, "\"\n");
}

static int json_line(struct tn_buf *line, const char *now, const char *level, const char *msg)
{
	struct tn_json j;
	int r;

	tn_json_init(&j, line, false);
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "level", level);
	tn_json_kv_string(&j, "msg", msg);
	tn_json_kv_string(&j, "time", now);
	tn_json_end_object(&j);
	r = tn_json_finish(&j);
	if (r < 0)
		return r;
	tn_buf_putc(line, '\n');
	return 0;
}

void tn_cli_logv(struct tn_cli *cli, const char *level, const char *fmt, va_list ap)
{
	_cleanup_(tn_buf_free) struct tn_buf line = { 0 };
	_cleanup_free_ char *msg = NULL;
	bool debug = strcmp(level, "debug") == 0;
	int fd = cli->oci.log_fd;
	char now[32];

	if (debug && !cli->oci.debug)
		return;
	if (fd < 0 && !debug)
		return; /* errors and warnings are on stderr already */
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	log_time(now, sizeof(now));
	if (fd >= 0 && cli->oci.log_json) {
		if (json_line(&line, now, level, msg) < 0)
			return;
	} else {
		text_line(&line, now, level, msg);
	}
	if (tn_buf_check(&line) < 0)
		return;
	if (fd < 0) {
		fflush(cli->errf);
		fd = fileno(cli->errf);
	}
	(void)tn_write_all(fd, line.data, line.len);
}

void tn_cli_log(struct tn_cli *cli, const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tn_cli_logv(cli, level, fmt, ap);
	va_end(ap);
}

void tn_cli_log_command(struct tn_cli *cli)
{
	_cleanup_(tn_buf_free) struct tn_buf words = { 0 };
	_cleanup_close_ int exe = -1;

	if (!cli->oci.debug || !cli->argv)
		return;
	/* tenant again, from its sealed copy (exe-seal.h): the command is in the log already */
	exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe >= 0 && tn_exe_fd_sealed(exe))
		return;
	for (char **a = cli->argv; *a; a++)
		tn_buf_printf(&words, "%s%s", a == cli->argv ? "" : " ", *a);
	if (tn_buf_check(&words) < 0 || !words.data)
		return;
	tn_cli_log(cli, "debug", "%s %s: %s", cli->prog, TENANT_VERSION, words.data);
}
