/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant features` (runtime-spec features.md): what this build of tenant does, and only that.
 * Each list is made from the same tables the config parser uses, so it cannot claim more.
 */
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "sdbus.h"
#include "json-writer.h"
#include "oci-config.h"
#include "idmapped.h"
#include "oci-features.h"
#include "oci-names.h"
#include "banned.h"

static int by_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The mount options tenant reads itself, sorted as runc lists them. */
static void mount_options(struct tn_json *j)
{
	const char *v[128];
	size_t n = MIN(tn_mount_option_names(v, ELEMENTSOF(v)), ELEMENTSOF(v));

	qsort(v, n, sizeof(v[0]), by_name);
	tn_json_key(j, "mountOptions");
	tn_json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		tn_json_string(j, v[i]);
	tn_json_end_array(j);
}

static void namespaces(struct tn_json *j)
{
	tn_json_key(j, "namespaces");
	tn_json_begin_array(j);
	for (int t = 0; t < TN_NS_COUNT; t++)
		tn_json_string(j, tn_ns_type_name((enum tn_ns_type)t));
	tn_json_end_array(j);
}

/* The capabilities this kernel knows, by the names config.json uses. */
static void capabilities(struct tn_json *j)
{
	tn_json_key(j, "capabilities");
	tn_json_begin_array(j);
	for (int cap = 0; cap < TN_CAP_KNOWN; cap++)
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0)
			tn_json_string(j, tn_cap_name(cap));
	tn_json_end_array(j);
}

static void enabled(struct tn_json *j, const char *key, bool on)
{
	tn_json_key(j, key);
	tn_json_begin_object(j);
	tn_json_kv_bool(j, "enabled", on);
	tn_json_end_object(j);
}

static void names(struct tn_json *j, const char *key, const char *const *v)
{
	tn_json_key(j, key);
	tn_json_begin_array(j);
	for (; *v; v++)
		tn_json_string(j, *v);
	tn_json_end_array(j);
}

/* The architectures libseccomp can filter, among those config.json names. */
static void seccomp_archs(struct tn_json *j)
{
	static const char *const archs[] = {
		"x86",	     "x86_64", "x32",	   "arm",	  "aarch64", "mips",  "mips64",
		"mips64n32", "mipsel", "mipsel64", "mipsel64n32", "ppc",     "ppc64", "ppc64le",
		"s390",	     "s390x",  "parisc",   "parisc64",	  "riscv64",
	};

	tn_json_key(j, "archs");
	tn_json_begin_array(j);
	for (size_t i = 0; i < ELEMENTSOF(archs); i++)
		if (seccomp_arch_resolve_name(archs[i]) != 0) {
			char name[32];

			snprintf(name, sizeof(name), "SCMP_ARCH_%s", archs[i]);
			for (char *p = name + 10; *p; p++)
				*p = (char)toupper((unsigned char)*p);
			tn_json_string(j, name);
		}
	tn_json_end_array(j);
}

static void seccomp(struct tn_json *j)
{
	tn_json_key(j, "seccomp");
	tn_json_begin_object(j);
	tn_json_kv_bool(j, "enabled", true);
	names(j, "actions", tn_seccomp_action_names);
	names(j, "operators", tn_seccomp_op_names);
	seccomp_archs(j);
	names(j, "knownFlags", tn_seccomp_flag_names);
	names(j, "supportedFlags", tn_seccomp_flag_names);
	tn_json_end_object(j);
}

int tn_oci_features(const char *version, struct tn_buf *out)
{
	const struct scmp_version *sv = seccomp_version();
	char libseccomp[48];
	struct tn_json j;

	snprintf(libseccomp, sizeof(libseccomp), "%u.%u.%u", sv ? sv->major : 0, sv ? sv->minor : 0,
		 sv ? sv->micro : 0);

	tn_json_init(&j, out, true);
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "ociVersionMin", "1.0.0");
	tn_json_kv_string(&j, "ociVersionMax", TN_OCI_VERSION);
	tn_json_key(&j, "hooks");
	tn_json_begin_array(&j);
	for (int k = 0; k < TN_HOOK_KINDS; k++)
		tn_json_string(&j, tn_hook_kind_name((enum tn_hook_kind)k));
	tn_json_end_array(&j);
	mount_options(&j);
	tn_json_key(&j, "linux");
	tn_json_begin_object(&j);
	namespaces(&j);
	capabilities(&j);
	tn_json_key(&j, "cgroup");
	tn_json_begin_object(&j); /* cgroupfs, and systemd where a manager answers */
	tn_json_kv_bool(&j, "v1", true);
	tn_json_kv_bool(&j, "v2", true);
	tn_json_kv_bool(&j, "systemd", tn_sdbus_reachable(false));
	tn_json_kv_bool(&j, "systemdUser", tn_sdbus_reachable(true));
	tn_json_kv_bool(&j, "rdma", false);
	tn_json_end_object(&j);
	seccomp(&j);
	/* Support in tenant, not on this host (as runc): process.apparmorProfile is applied
	 * (container-lsm.h); SELinux only in part (selinuxLabel, not linux.mountLabel). */
	enabled(&j, "apparmor", true);
	enabled(&j, "selinux", false);
	enabled(&j, "intelRdt", false);
	tn_json_key(&j, "mountExtensions");
	tn_json_begin_object(&j);
	/* Probed: idmapped mounts of the host's filesystems need root (rootless: none). */
	tn_json_key(&j, "idmap");
	tn_json_begin_object(&j);
	tn_json_kv_bool(&j, "enabled", geteuid() == 0 && tn_idmapped_supported("/"));
	tn_json_end_object(&j);
	tn_json_end_object(&j);
	tn_json_end_object(&j);
	tn_json_key(&j, "annotations");
	tn_json_begin_object(&j);
	/* As runc's: the libseccomp in use, and the runtime's own version. */
	tn_json_kv_string(&j, "io.github.seccomp.libseccomp.version", libseccomp);
	tn_json_kv_string(&j, "io.github.tenant.version", version);
	tn_json_end_object(&j);
	tn_json_end_object(&j);
	return tn_json_finish(&j);
}
