/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An attacker of `tenant shift`'s hard-link check (trust.bats): linkrace DIR1 DIR2 NAME.
 * NAME in one of the directories is a hard link to a file outside the tree. When the shift's
 * first pass has read one directory (inotify: it was closed), the name is moved into the other,
 * not yet read, so that the pass counts it twice; once that one is read too, the name is linked
 * back where it was. Pass 1 then saw as many names as the file had links.
 */
#include <limits.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[2][PATH_MAX], buf[4096];
	int fd = inotify_init1(IN_CLOEXEC), wd[2], first = -1;

	if (argc != 4 || fd < 0)
		return 2;
	/* Never outlive the round of the test that started it, even if nobody kills it. */
	alarm(30);
	for (int i = 0; i < 2; i++) {
		snprintf(path[i], sizeof(path[i]), "%s/%s", argv[1 + i], argv[3]);
		wd[i] = inotify_add_watch(fd, argv[1 + i], IN_CLOSE_NOWRITE);
		if (wd[i] < 0)
			return 2;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		for (char *p = buf; n > 0 && p < buf + n;) {
			struct inotify_event *e = (struct inotify_event *)p;
			int i = e->wd == wd[0] ? 0 : 1;

			p += sizeof(*e) + e->len;
			if (e->len || (first >= 0 && i == first))
				continue;
			if (first < 0 && access(path[i], F_OK) == 0 &&
			    rename(path[i], path[1 - i]) == 0) {
				first = i; /* read: its name moved on to the other, unread */
			} else if (first >= 0 && link(path[i], path[first]) == 0) {
				printf("raced\n");
				return 0;
			}
		}
		if (n <= 0)
			return 1;
	}
}
