/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "nsswitch.h"
#include "subid-nss.h"
#include "tap.h"

static char *module(const char *text)
{
	char *m = NULL;

	if (tn_subid_nss_parse(text, &m) < 0)
		return (char *)"(error)";
	return m;
}

TEST(subid_source_is_first_word)
{
	char *m;

	ASSERT_TRUE(module("passwd: files\n") == NULL);
	ASSERT_TRUE(module("subid: files\n") == NULL);
	ASSERT_TRUE(module("subid:files sss\n") == NULL);
	m = module("passwd: files\nsubid:   sss files\n");
	ASSERT_STREQ(m, "sss");
	free(m);
	m = module("SUBID: ldap");
	ASSERT_STREQ(m, "ldap");
	free(m);
}

TEST(subid_line_must_start_in_column_0)
{
	ASSERT_TRUE(module("  subid: sss\n") == NULL);
	ASSERT_TRUE(module("subid:\n") == NULL);
	ASSERT_TRUE(module("subid: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n") == NULL);
}

TEST(enumeration_completeness)
{
	ASSERT_TRUE(tn_nsswitch_enumerates_all("passwd: files systemd\n", "passwd"));
	ASSERT_TRUE(tn_nsswitch_enumerates_all("group: files [SUCCESS=merge] systemd\n", "group"));
	ASSERT_TRUE(tn_nsswitch_enumerates_all("hosts: dns\n", "passwd"));
	ASSERT_FALSE(tn_nsswitch_enumerates_all("passwd: files sss\n", "passwd"));
	ASSERT_FALSE(tn_nsswitch_enumerates_all("  passwd:\tcompat ldap\n", "passwd"));
	ASSERT_TRUE(tn_nsswitch_enumerates_all("passwd: files # sss\n", "passwd"));
}

TAP_MAIN
