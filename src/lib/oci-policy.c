/* SPDX-License-Identifier: Apache-2.0 */
/* run.tenant.* annotations and --userns into types (oci-policy.h). */
#include <errno.h>
#include <string.h>

#include "idrange.h"
#include "oci-policy.h"
#include "parse.h"
#include "banned.h"

#define AUTO_SIZE "auto:size="

int tn_userns_mode_parse(const char *s, struct tn_userns_mode *ret, struct tn_error **err)
{
	static const struct {
		const char *name;
		enum tn_userns_kind kind;
	} modes[] = {
		{ "host", TN_USERNS_HOST },
		{ "auto", TN_USERNS_AUTO },
		{ AUTO_SIZE "image", TN_USERNS_AUTO_IMAGE },
		{ "remap", TN_USERNS_REMAP },
		{ "keep-id", TN_USERNS_KEEP_ID },
	};
	uint64_t size;

	if (!s) {
		*ret = (struct tn_userns_mode){ TN_USERNS_UNSET, 0 };
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(modes); i++)
		if (strcmp(s, modes[i].name) == 0) {
			*ret = (struct tn_userns_mode){ modes[i].kind, 0 };
			return 0;
		}
	if (strncmp(s, AUTO_SIZE, strlen(AUTO_SIZE)) != 0)
		return tn_error_set(err, EINVAL,
				    "userns mode '%s' is not one of auto, auto:size=N, "
				    "auto:size=image, remap, keep-id, host",
				    s);
	if (tn_parse_u64(s + strlen(AUTO_SIZE), &size) < 0 || size == 0 || size > TN_ID_MAX)
		return tn_error_set(err, EINVAL,
				    "userns mode '%s': the size is not a number of IDs", s);
	*ret = (struct tn_userns_mode){ TN_USERNS_AUTO, size };
	return 0;
}

static const char *annotation(char *const *annotations, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(annotations[2 * i], key) == 0)
			return annotations[2 * i + 1];
	return NULL;
}

static int parse_tristate(const char *key, const char *v, enum tn_tristate *ret,
			  struct tn_error **err)
{
	static const char *const names[] = {
		[TN_TRISTATE_AUTO] = "auto",
		[TN_TRISTATE_ON] = "on",
		[TN_TRISTATE_OFF] = "off",
	};

	if (!v) {
		*ret = TN_TRISTATE_AUTO;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(v, names[i]) == 0) {
			*ret = (enum tn_tristate)i;
			return 0;
		}
	return tn_error_set(err, EINVAL, "annotations: %s: '%s' is not auto, on or off", key, v);
}

int tn_oci_policy_parse(char *const *annotations, size_t n, struct tn_oci_policy *ret,
			struct tn_error **err)
{
	const char *preflight = annotation(annotations, n, "run.tenant.preflight");
	struct tn_oci_policy p = { .preflight = !preflight || strcmp(preflight, "off") != 0 };
	int r;

	r = tn_userns_mode_parse(annotation(annotations, n, "run.tenant.userns"), &p.userns, err);
	if (r < 0)
		return r;
	r = parse_tristate("run.tenant.rootfs-idmap",
			   annotation(annotations, n, "run.tenant.rootfs-idmap"), &p.rootfs_idmap,
			   err);
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}
