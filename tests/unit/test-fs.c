/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "macro.h"
#include "tap.h"

static void clean_is(const char *in, const char *want)
{
	char *got = tn_path_absolute_clean(in);

	ASSERT_STREQ(got, want);
	free(got);
}

TEST(path_clean_as_runc_takes_root)
{
	clean_is("/run/tenant", "/run/tenant");
	clean_is("/run//tenant/", "/run/tenant");
	clean_is("//run/./tenant//.", "/run/tenant");
	clean_is("/run/x/../tenant", "/run/tenant");
	clean_is("/../..", "/");
	clean_is("/", "/");
}

TEST(path_clean_relative_is_from_the_working_directory)
{
	char *got = tn_path_absolute_clean("a/./b/");

	ASSERT_EQ(got[0], '/');
	ASSERT_EQ(strcmp(got + strlen(got) - 4, "/a/b"), 0);
	free(got);
}

/* Both replacements leave the new text with its mode and nothing else in the directory. */
static void replaced(int (*replace)(const char *, const void *, size_t, mode_t, uid_t, gid_t))
{
	char dir[] = "/tmp/tenant-test-fs.XXXXXX", path[64];
	_cleanup_free_ char *text = NULL;
	size_t len, n = 0;
	struct stat st;
	struct dirent *e;
	DIR *d;

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	ASSERT_EQ(replace(path, "old", 3, 0644, getuid(), getgid()), 0);
	ASSERT_EQ(replace(path, "new!", 4, 0600, getuid(), getgid()), 0);
	ASSERT_EQ(tn_read_file(path, 64, &text, &len, NULL), 0);
	ASSERT_STREQ(text, "new!");
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0600);
	d = opendir(dir);
	ASSERT_TRUE(d != NULL);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	ASSERT_EQ(n, 1); /* no temporary file (.state.json.tenant-*) left behind */
	unlink(path);
	rmdir(dir);
}

TEST(atomic_replace_durable_and_volatile)
{
	replaced(tn_atomic_replace);
	replaced(tn_volatile_replace);
}

TEST(replace_temporary_names)
{
	ASSERT_TRUE(tn_replace_temporary_of(".state.json.tenant-Ab12Cd", "state.json"));
	ASSERT_FALSE(tn_replace_temporary_of("state.json", "state.json"));
	ASSERT_FALSE(tn_replace_temporary_of(".state.json", "state.json"));
	ASSERT_FALSE(tn_replace_temporary_of(".config.json.tenant-Ab12Cd", "state.json"));
	ASSERT_FALSE(tn_replace_temporary_of(".state.jsonx.tenant-Ab12Cd", "state.json"));
}

/* What the line reader handed: each line's length, and the text joined back with '\n'. */
struct lines_seen {
	size_t n, stop_at;
	size_t len[8];
	char *joined;
	size_t joined_len;
};

static int seen_line(const char *line, size_t len, void *userdata)
{
	struct lines_seen *s = userdata;

	if (s->n == s->stop_at)
		return -ECANCELED;
	if (s->n < ELEMENTSOF(s->len))
		s->len[s->n] = len;
	s->n++;
	memcpy(s->joined + s->joined_len, line, len);
	s->joined_len += len;
	s->joined[s->joined_len++] = '\n';
	return 0;
}

/* A file holding text, read from its start (-1 if it could not be made). */
static int text_fd(const char *text, size_t len)
{
	int fd = memfd_create("lines", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (tn_write_all(fd, text, len) < 0 || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Lines across the buffer's edge, one longer than the buffer, an empty one, no final newline. */
TEST(read_lines_whole_and_in_order)
{
	size_t big = 3 * TN_LINES_CHUNK + 17, len = 0, cap = big + 4 * TN_LINES_CHUNK;
	_cleanup_free_ char *text = malloc(cap), *joined = malloc(cap + 1);
	struct lines_seen s = { .stop_at = SIZE_MAX, .joined = joined };
	_cleanup_close_ int fd = -1;

	len += (size_t)sprintf(text + len, "first\n\n");
	memset(text + len, 'x', big);
	len += big;
	text[len++] = '\n';
	while (len < cap - 16)
		len += (size_t)sprintf(text + len, "l:%05zu\n", len % 100000);
	len += (size_t)sprintf(text + len, "end");
	fd = text_fd(text, len);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(tn_read_fd_lines(fd, cap, seen_line, &s), 0);
	ASSERT_EQ(s.len[0], 5);
	ASSERT_EQ(s.len[1], 0);
	ASSERT_EQ(s.len[2], big);
	ASSERT_EQ(s.len[3], 7);
	ASSERT_EQ(s.joined_len, len + 1); /* every line back, "end" given its newline */
	ASSERT_EQ(memcmp(s.joined, text, len), 0);
}

TEST(read_lines_limits_and_stops)
{
	const char text[] = "a\nb\nc\n";
	struct lines_seen s = { .stop_at = 1 };
	char joined[16];
	_cleanup_close_ int fd = text_fd(text, sizeof(text) - 1);

	ASSERT_TRUE(fd >= 0);
	s.joined = joined;
	ASSERT_EQ(tn_read_fd_lines(fd, 64, seen_line, &s), -ECANCELED);
	ASSERT_EQ(s.n, 1);
	ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
	s = (struct lines_seen){ .stop_at = SIZE_MAX, .joined = joined };
	ASSERT_EQ(tn_read_fd_lines(fd, 5, seen_line, &s), -EFBIG);
	ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
	s = (struct lines_seen){ .stop_at = SIZE_MAX, .joined = joined };
	ASSERT_EQ(tn_read_fd_lines(fd, 6, seen_line, &s), 0);
	ASSERT_EQ(s.n, 3);
	ASSERT_EQ(tn_read_file_lines("/", 64, seen_line, &s), -EISDIR);
	ASSERT_EQ(tn_read_file_lines("/nonexistent-tenant-test", 64, seen_line, &s), -ENOENT);
}

TAP_MAIN
