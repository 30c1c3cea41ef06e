/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
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

TAP_MAIN
