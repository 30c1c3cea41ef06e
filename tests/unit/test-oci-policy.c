/* SPDX-License-Identifier: Apache-2.0 */
/* run.tenant.* annotations and --userns, parsed once into types (oci-policy.h). */
#include <errno.h>
#include <string.h>

#include "oci-policy.h"
#include "tap.h"

static int mode(const char *s, struct tn_userns_mode *m, struct tn_error **err)
{
	*m = (struct tn_userns_mode){ TN_USERNS_KEEP_ID, 7 }; /* overwritten on success */
	return tn_userns_mode_parse(s, m, err);
}

TEST(userns_modes)
{
	struct tn_userns_mode m;

	ASSERT_EQ(mode(NULL, &m, NULL), 0);
	ASSERT_EQ(m.kind, TN_USERNS_UNSET);
	ASSERT_EQ(mode("host", &m, NULL), 0);
	ASSERT_EQ(m.kind, TN_USERNS_HOST);
	ASSERT_EQ(mode("auto", &m, NULL), 0);
	ASSERT_EQ(m.kind, TN_USERNS_AUTO);
	ASSERT_EQ_U(m.size, 0); /* the pool's default */
	ASSERT_EQ(mode("auto:size=100000", &m, NULL), 0);
	ASSERT_EQ(m.kind, TN_USERNS_AUTO);
	ASSERT_EQ_U(m.size, 100000);
	ASSERT_EQ(mode("auto:size=4294967294", &m, NULL), 0);
	ASSERT_EQ_U(m.size, 4294967294u);
	ASSERT_EQ(mode("auto:size=image", &m, NULL), 0);
	ASSERT_EQ(m.kind, TN_USERNS_AUTO_IMAGE);
	ASSERT_EQ(mode("remap", &m, NULL), 0);
	ASSERT_EQ(m.kind, TN_USERNS_REMAP);
	ASSERT_EQ(mode("keep-id", &m, NULL), 0);
	ASSERT_EQ(m.kind, TN_USERNS_KEEP_ID);
}

TEST(userns_mode_errors)
{
	static const char *const not_one_of[] = { "bogus", "",	       "autox",	   "auto:",
						  "Host",  "keep-id ", "auto:size" };
	static const char *const bad_size[] = { "auto:size=",	 "auto:size=0",
						"auto:size=-1",	 "auto:size=4294967295",
						"auto:size=12x", "auto:size=IMAGE" };
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_userns_mode m;

	for (size_t i = 0; i < ELEMENTSOF(not_one_of); i++) {
		char want[160];

		snprintf(want, sizeof(want),
			 "userns mode '%s' is not one of auto, auto:size=N, auto:size=image, "
			 "remap, keep-id, host",
			 not_one_of[i]);
		ASSERT_EQ(mode(not_one_of[i], &m, &err), -EINVAL);
		ASSERT_STREQ(err->message, want);
		ASSERT_EQ(m.kind, TN_USERNS_KEEP_ID); /* untouched */
	}
	for (size_t i = 0; i < ELEMENTSOF(bad_size); i++) {
		char want[160];

		snprintf(want, sizeof(want), "userns mode '%s': the size is not a number of IDs",
			 bad_size[i]);
		ASSERT_EQ(mode(bad_size[i], &m, &err), -EINVAL);
		ASSERT_STREQ(err->message, want);
	}
}

TEST(policy_defaults)
{
	struct tn_oci_policy p = { .preflight = false, .rootfs_idmap = TN_TRISTATE_OFF };
	char *none[] = { NULL };
	char *other[] = { (char *)"org.example", (char *)"x", NULL };

	ASSERT_EQ(tn_oci_policy_parse(none, 0, &p, NULL), 0);
	ASSERT_EQ(p.userns.kind, TN_USERNS_UNSET);
	ASSERT_EQ(p.rootfs_idmap, TN_TRISTATE_AUTO);
	ASSERT_TRUE(p.preflight);
	ASSERT_EQ(tn_oci_policy_parse(other, 1, &p, NULL), 0);
	ASSERT_EQ(p.userns.kind, TN_USERNS_UNSET);
	ASSERT_TRUE(p.preflight);
}

TEST(policy_values)
{
	char *a[] = { (char *)"run.tenant.userns",
		      (char *)"auto:size=image",
		      (char *)"run.tenant.rootfs-idmap",
		      (char *)"on",
		      (char *)"run.tenant.preflight",
		      (char *)"off",
		      (char *)"run.tenant.userns",
		      (char *)"host", /* the first counts */
		      NULL };
	char *b[] = { (char *)"run.tenant.rootfs-idmap", (char *)"off",
		      (char *)"run.tenant.preflight", (char *)"on", NULL };
	struct tn_oci_policy p;

	ASSERT_EQ(tn_oci_policy_parse(a, 4, &p, NULL), 0);
	ASSERT_EQ(p.userns.kind, TN_USERNS_AUTO_IMAGE);
	ASSERT_EQ(p.rootfs_idmap, TN_TRISTATE_ON);
	ASSERT_FALSE(p.preflight);
	ASSERT_EQ(tn_oci_policy_parse(b, 2, &p, NULL), 0);
	ASSERT_EQ(p.rootfs_idmap, TN_TRISTATE_OFF);
	ASSERT_TRUE(p.preflight); /* anything but "off" */
}

TEST(policy_errors)
{
	char *idmap[] = { (char *)"run.tenant.rootfs-idmap", (char *)"maybe", NULL };
	char *userns[] = { (char *)"run.tenant.userns", (char *)"auto:size=0", NULL };
	_cleanup_(tn_error_freep) struct tn_error *err = NULL;
	struct tn_oci_policy p;

	ASSERT_EQ(tn_oci_policy_parse(idmap, 1, &p, &err), -EINVAL);
	ASSERT_STREQ(err->message,
		     "annotations: run.tenant.rootfs-idmap: 'maybe' is not auto, on or off");
	ASSERT_EQ(tn_oci_policy_parse(userns, 1, &p, &err), -EINVAL);
	ASSERT_STREQ(err->message, "userns mode 'auto:size=0': the size is not a number of IDs");
}

TAP_MAIN
