/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant spec`: the default config.json, the same as runc's so that tools which generate a
 * bundle with `spec` and edit it keep working; --rootless makes the changes runc makes (a user
 * namespace mapping the caller, sysfs bound from the host, no gid=5 on devpts, no network
 * namespace, no device cgroup rules).
 */
#include <errno.h>

#include "json-writer.h"
#include "oci-config.h"
#include "oci-spec.h"
#include "banned.h"

static void strings(struct tn_json *j, const char *key, const char *const *v)
{
	tn_json_key(j, key);
	tn_json_begin_array(j);
	for (; *v; v++)
		tn_json_string(j, *v);
	tn_json_end_array(j);
}

static void process(struct tn_json *j)
{
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
					    NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm",
		NULL
	};

	tn_json_key(j, "process");
	tn_json_begin_object(j);
	tn_json_kv_bool(j, "terminal", true);
	tn_json_key(j, "user");
	tn_json_begin_object(j);
	tn_json_kv_u64(j, "uid", 0);
	tn_json_kv_u64(j, "gid", 0);
	tn_json_end_object(j);
	strings(j, "args", (const char *const[]){ "sh", NULL });
	strings(j, "env", env);
	tn_json_kv_string(j, "cwd", "/");
	tn_json_key(j, "capabilities");
	tn_json_begin_object(j);
	strings(j, "bounding", caps);
	strings(j, "effective", caps);
	strings(j, "permitted", caps);
	strings(j, "ambient", caps);
	tn_json_end_object(j);
	tn_json_key(j, "rlimits");
	tn_json_begin_array(j);
	tn_json_begin_object(j);
	tn_json_kv_string(j, "type", "RLIMIT_NOFILE");
	tn_json_kv_u64(j, "hard", 1024);
	tn_json_kv_u64(j, "soft", 1024);
	tn_json_end_object(j);
	tn_json_end_array(j);
	tn_json_kv_bool(j, "noNewPrivileges", true);
	tn_json_end_object(j);
}

static void mount(struct tn_json *j, const char *dest, const char *type, const char *src,
		  const char *const *options)
{
	tn_json_begin_object(j);
	tn_json_kv_string(j, "destination", dest);
	tn_json_kv_string(j, "type", type);
	tn_json_kv_string(j, "source", src);
	if (options)
		strings(j, "options", options);
	tn_json_end_object(j);
}

static void mounts(struct tn_json *j, bool rootless)
{
	tn_json_key(j, "mounts");
	tn_json_begin_array(j);
	mount(j, "/proc", "proc", "proc", NULL);
	mount(j, "/dev", "tmpfs", "tmpfs",
	      (const char *const[]){ "nosuid", "strictatime", "mode=755", "size=65536k", NULL });
	mount(j, "/dev/pts", "devpts", "devpts",
	      rootless ? (const char *const[]){ "nosuid", "noexec", "newinstance", "ptmxmode=0666",
						"mode=0620", NULL }
		       : (const char *const[]){ "nosuid", "noexec", "newinstance", "ptmxmode=0666",
						"mode=0620", "gid=5", NULL });
	mount(j, "/dev/shm", "tmpfs", "shm",
	      (const char *const[]){ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k",
				     NULL });
	mount(j, "/dev/mqueue", "mqueue", "mqueue",
	      (const char *const[]){ "nosuid", "noexec", "nodev", NULL });
	if (rootless)
		mount(j, "/sys", "none", "/sys",
		      (const char *const[]){ "rbind", "nosuid", "noexec", "nodev", "ro", NULL });
	else
		mount(j, "/sys", "sysfs", "sysfs",
		      (const char *const[]){ "nosuid", "noexec", "nodev", "ro", NULL });
	mount(j, "/sys/fs/cgroup", "cgroup", "cgroup",
	      (const char *const[]){ "nosuid", "noexec", "nodev", "relatime", "ro", NULL });
	tn_json_end_array(j);
}

static void mapping(struct tn_json *j, const char *key, uint32_t host)
{
	tn_json_key(j, key);
	tn_json_begin_array(j);
	tn_json_begin_object(j);
	tn_json_kv_u64(j, "containerID", 0);
	tn_json_kv_u64(j, "hostID", host);
	tn_json_kv_u64(j, "size", 1);
	tn_json_end_object(j);
	tn_json_end_array(j);
}

static void linux_section(struct tn_json *j, bool rootless, uint32_t uid, uint32_t gid)
{
	static const char *const ns_rootful[] = { "pid", "network", "ipc", "uts", "mount", NULL };
	static const char *const ns_rootless[] = { "pid", "ipc", "uts", "mount", "user", NULL };

	tn_json_key(j, "linux");
	tn_json_begin_object(j);
	if (rootless) {
		mapping(j, "uidMappings", uid);
		mapping(j, "gidMappings", gid);
	} else {
		tn_json_key(j, "resources");
		tn_json_begin_object(j);
		tn_json_key(j, "devices");
		tn_json_begin_array(j);
		tn_json_begin_object(j);
		tn_json_kv_bool(j, "allow", false);
		tn_json_kv_string(j, "access", "rwm");
		tn_json_end_object(j);
		tn_json_end_array(j);
		tn_json_end_object(j);
	}
	tn_json_key(j, "namespaces");
	tn_json_begin_array(j);
	for (const char *const *n = rootless ? ns_rootless : ns_rootful; *n; n++) {
		tn_json_begin_object(j);
		tn_json_kv_string(j, "type", *n);
		tn_json_end_object(j);
	}
	tn_json_end_array(j);
	strings(j, "maskedPaths",
		(const char *const[]){ "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
				       "/proc/latency_stats", "/proc/timer_list",
				       "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
				       "/proc/scsi", NULL });
	strings(j, "readonlyPaths",
		(const char *const[]){ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
				       "/proc/sysrq-trigger", NULL });
	tn_json_end_object(j);
}

int tn_oci_spec_default(bool rootless, uint32_t uid, uint32_t gid, struct tn_buf *out)
{
	struct tn_json j;

	tn_json_init(&j, out, true);
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "ociVersion", TN_OCI_VERSION);
	process(&j);
	tn_json_key(&j, "root");
	tn_json_begin_object(&j);
	tn_json_kv_string(&j, "path", "rootfs");
	tn_json_kv_bool(&j, "readonly", true);
	tn_json_end_object(&j);
	tn_json_kv_string(&j, "hostname", "tenant");
	mounts(&j, rootless);
	linux_section(&j, rootless, uid, gid);
	tn_json_end_object(&j);
	return tn_json_finish(&j);
}
