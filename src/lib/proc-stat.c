/* SPDX-License-Identifier: Apache-2.0 */
/* Facts about one process from /proc (proc-stat.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "fs.h"
#include "macro.h"
#include "parse.h"
#include "proc-stat.h"
#include "banned.h"

static uint64_t start_time(pid_t pid, bool ended_too)
{
	_cleanup_free_ char *text = NULL;
	char path[64];
	const char *p;
	size_t len;
	uint64_t v;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (pid <= 0 || tn_read_file(path, 4096, &text, &len, NULL) < 0)
		return 0;
	/* The command name may hold spaces and ')': fields count from the last ')'. A zombie
	 * has ended: it counts as gone. */
	p = strrchr(text, ')');
	if (!p || p[1] != ' ' || (!ended_too && (p[2] == 'Z' || p[2] == 'X')))
		return 0;
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || tn_parse_u64_n(p + 1, strcspn(p + 1, " "), &v) < 0)
		return 0;
	return v;
}

uint64_t tn_proc_start_time(pid_t pid)
{
	return start_time(pid, false);
}

uint64_t tn_proc_start_time_any(pid_t pid)
{
	return start_time(pid, true);
}

int tn_proc_comm(pid_t pid, char **ret)
{
	_cleanup_free_ char *comm = NULL;
	char path[64];
	size_t len = 0;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	r = tn_read_file(path, 256, &comm, &len, NULL);
	if (r < 0)
		return r;
	if (len && comm[len - 1] == '\n')
		comm[len - 1] = '\0';
	*ret = TAKE_PTR(comm);
	return 0;
}

uint64_t tn_proc_userns_inode(pid_t pid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}
