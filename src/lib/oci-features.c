/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant features` (runtime-spec features.md): what this build of tenant does, and only that.
 * Each list is made from the same tables the config parser uses, so it cannot claim more.
 */
#include <errno.h>
#include <sys/prctl.h>

#include "json-writer.h"
#include "oci-config.h"
#include "oci-features.h"
#include "banned.h"

static const char *const mount_options[] = {
	"async",      "atime",	    "bind",	  "defaults",	   "dev",
	"diratime",   "dirsync",    "exec",	  "lazytime",	   "loud",
	"mand",	      "noatime",    "nodev",	  "nodiratime",	   "noexec",
	"nolazytime", "nomand",	    "norelatime", "nostrictatime", "nosuid",
	"private",    "rbind",	    "relatime",	  "remount",	   "ro",
	"rprivate",   "rshared",    "rslave",	  "runbindable",   "rw",
	"shared",     "silent",	    "slave",	  "strictatime",   "suid",
	"sync",	      "unbindable",
};

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

static void disabled(struct tn_json *j, const char *key)
{
	tn_json_key(j, key);
	tn_json_begin_object(j);
	tn_json_kv_bool(j, "enabled", false);
	tn_json_end_object(j);
}

int tn_oci_features(struct tn_buf *out)
{
	struct tn_json j;

	tn_json_init(&j, out, true);
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "ociVersionMin", "1.0.0");
	tn_json_kv_string(&j, "ociVersionMax", TN_OCI_VERSION);
	tn_json_key(&j, "hooks");
	tn_json_begin_array(&j); /* hooks are not run yet */
	tn_json_end_array(&j);
	tn_json_key(&j, "mountOptions");
	tn_json_begin_array(&j);
	for (size_t i = 0; i < ELEMENTSOF(mount_options); i++)
		tn_json_string(&j, mount_options[i]);
	tn_json_end_array(&j);
	tn_json_key(&j, "linux");
	tn_json_begin_object(&j);
	namespaces(&j);
	capabilities(&j);
	tn_json_key(&j, "cgroup");
	tn_json_begin_object(&j); /* no cgroup is managed yet */
	tn_json_kv_bool(&j, "v1", false);
	tn_json_kv_bool(&j, "v2", false);
	tn_json_kv_bool(&j, "systemd", false);
	tn_json_kv_bool(&j, "systemdUser", false);
	tn_json_kv_bool(&j, "rdma", false);
	tn_json_end_object(&j);
	disabled(&j, "seccomp");
	disabled(&j, "apparmor");
	disabled(&j, "selinux");
	disabled(&j, "intelRdt");
	tn_json_key(&j, "mountExtensions");
	tn_json_begin_object(&j);
	disabled(&j, "idmap");
	tn_json_end_object(&j);
	tn_json_end_object(&j);
	tn_json_key(&j, "annotations");
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "io.github.tenant.version", TN_OCI_VERSION);
	tn_json_end_object(&j);
	tn_json_end_object(&j);
	return tn_json_finish(&j);
}
