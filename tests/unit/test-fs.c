/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "fs.h"
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

TAP_MAIN
