/* SPDX-License-Identifier: Apache-2.0 */
/* Device rules reduced to the v1 form, as runc's emulator writes them. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "tap.h"

#define ALLOW(t, ma, mi, a)                                                                        \
	{                                                                                          \
		true, t, ma, mi, a                                                                 \
	}
#define DENY(t, ma, mi, a)                                                                         \
	{                                                                                          \
		false, t, ma, mi, a                                                                \
	}

/* The list as devices.list shows it, one line per exception, the default first. */
static void show(const struct tn_device_list *l, char *buf, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "%s", l->allow_all ? "allow" : "deny");

	for (size_t i = 0; i < l->n && k < len; i++) {
		char major[24] = "*", minor[24] = "*";

		if (l->v[i].major >= 0)
			snprintf(major, sizeof(major), "%lld", (long long)l->v[i].major);
		if (l->v[i].minor >= 0)
			snprintf(minor, sizeof(minor), "%lld", (long long)l->v[i].minor);
		k += (size_t)snprintf(buf + k, len - k, "|%c %s:%s %s", l->v[i].type, major, minor,
				      l->v[i].access);
	}
}

TEST(deny_all_then_allows_merged_and_sorted)
{
	const struct tn_device_rule rules[] = {
		DENY('a', -1, -1, "rwm"), ALLOW('c', 136, -1, "rwm"), ALLOW('c', 1, 11, "r"),
		ALLOW('b', 7, -1, "rw"),  ALLOW('c', 1, 11, "w"),     ALLOW('c', 4, 9, "rwm"),
		DENY('c', 4, 9, "m"), /* before the wildcard that gives m: not a hole */
		ALLOW('c', -1, -1, "m"),  ALLOW('b', -1, -1, "m"),    ALLOW('c', 1, 3, "rwm"),
	};
	struct tn_device_list l;
	size_t bad = 99;
	char buf[512];

	ASSERT_EQ(tn_device_list_reduce(rules, ELEMENTSOF(rules), &l, &bad), 0);
	ASSERT_EQ(bad, 99);
	show(&l, buf, sizeof(buf));
	ASSERT_STREQ(buf, "deny|b *:* m|c *:* m|c 1:3 rwm|c 1:11 rw|c 4:9 rw|b 7:* rw|c 136:* rwm");
	tn_device_list_done(&l);
}

TEST(allow_all_makes_a_deny_list)
{
	const struct tn_device_rule rules[] = {
		ALLOW('c', 1, 3, "rwm"), ALLOW('a', -1, -1, "rwm"), DENY('c', 1, 7, "w"),
		DENY('c', 1, 8, "rw"),	 ALLOW('c', 1, 8, "r"),
	};
	struct tn_device_list l;
	size_t bad = 99;
	char buf[512];

	ASSERT_EQ(tn_device_list_reduce(rules, ELEMENTSOF(rules), &l, &bad), 0);
	show(&l, buf, sizeof(buf));
	ASSERT_STREQ(buf, "allow|c 1:7 w|c 1:8 w");
	tn_device_list_done(&l);
}

TEST(no_rules_deny_everything)
{
	struct tn_device_list l;
	size_t bad = 99;

	ASSERT_EQ(tn_device_list_reduce(NULL, 0, &l, &bad), 0);
	ASSERT_FALSE(l.allow_all);
	ASSERT_EQ(l.n, 0);
	tn_device_list_done(&l);
}

TEST(a_hole_in_a_wildcard_is_refused_with_its_index)
{
	const struct tn_device_rule rules[] = {
		DENY('a', -1, -1, "rwm"),
		ALLOW('c', 1, -1, "rwm"),
		DENY('c', 1, 9, "w"),
	};
	struct tn_device_list l = { 0 };
	size_t bad = 99;

	ASSERT_EQ(tn_device_list_reduce(rules, ELEMENTSOF(rules), &l, &bad), -EINVAL);
	ASSERT_EQ(bad, 2);
	/* Denying what the wildcard does not give is fine. */
	const struct tn_device_rule ok[] = {
		DENY('a', -1, -1, "rwm"), ALLOW('c', -1, -1, "m"), DENY('c', 1, 9, "rw"),
		DENY('c', -1, -1, "m"), /* the wildcard itself */
	};
	ASSERT_EQ(tn_device_list_reduce(ok, 2, &l, &bad), 0);
	tn_device_list_done(&l);
	ASSERT_EQ(tn_device_list_reduce(ok, 3, &l, &bad), 0);
	tn_device_list_done(&l);
	ASSERT_EQ(tn_device_list_reduce(ok, 4, &l, &bad), 0);
	ASSERT_EQ(l.n, 0);
	tn_device_list_done(&l);
}

TAP_MAIN
