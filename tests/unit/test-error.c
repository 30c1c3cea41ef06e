/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "error.h"
#include "tap.h"

static int leaf(struct tn_error **err)
{
	return tn_error_errno(err, -ENOENT, "cannot open '%s'", "/etc/subuid");
}

TEST(set_returns_negative_errno)
{
	struct tn_error *err = NULL;

	ASSERT_EQ(leaf(&err), -ENOENT);
	ASSERT_EQ(err->code, ENOENT);
	ASSERT_STREQ(err->message, "cannot open '/etc/subuid': No such file or directory");
	tn_error_free(err);
}

TEST(wrap_adds_context_in_front)
{
	struct tn_error *err = NULL;
	int r = leaf(&err);

	r = tn_error_wrap(&err, r, "cannot list ranges of '%s'", "bob");
	ASSERT_EQ(r, -ENOENT);
	ASSERT_STREQ(
		err->message,
		"cannot list ranges of 'bob': cannot open '/etc/subuid': No such file or directory");
	ASSERT_EQ(tn_error_hint(&err, r, "create it with '%s'", "tenant subid add"), -ENOENT);
	ASSERT_STREQ(err->hint, "create it with 'tenant subid add'");
	tn_error_free(err);
}

TEST(wrap_without_message_uses_strerror)
{
	struct tn_error *err = NULL;

	ASSERT_EQ(tn_error_wrap(&err, -EACCES, "cannot lock"), -EACCES);
	ASSERT_STREQ(err->message, "cannot lock: Permission denied");
	tn_error_free(err);
}

TEST(null_slot_only_returns_the_number)
{
	ASSERT_EQ(tn_error_set(NULL, EINVAL, "x"), -EINVAL);
	ASSERT_EQ(tn_error_wrap(NULL, -EPERM, "y"), -EPERM);
	ASSERT_EQ(tn_error_set(NULL, 0, "zero is not a failure code"), -EIO);
	ASSERT_EQ(tn_error_hint(NULL, EPERM, "no slot, still the caller's code"), -EPERM);
	ASSERT_EQ(tn_error_hint(NULL, 0, "z"), -EIO);
	tn_error_free(NULL);
}

/* The hint returns the code it is given, whatever another error set meanwhile: no hidden
 * state links the two calls (there was a thread-local "last code" once). */
TEST(hint_returns_the_code_it_is_given)
{
	struct tn_error *err = NULL, *other = NULL;
	int r = tn_error_set(&err, ENOENT, "first");

	tn_error_set(&other, EACCES, "second");
	ASSERT_EQ(tn_error_hint(&err, r, "h"), -ENOENT);
	ASSERT_EQ(tn_error_hint(&err, -ENOSPC, "h2"), -ENOSPC);
	ASSERT_EQ(err->code, ENOENT);
	ASSERT_STREQ(err->hint, "h2");
	tn_error_free(err);
	tn_error_free(other);
}

TAP_MAIN
