/* SPDX-License-Identifier: Apache-2.0 */
/* The names config.json uses: capabilities, rlimits, namespaces, mount options. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include "buf.h"
#include "oci-config.h"
#include "oci-names.h"
#include "banned.h"

static const char *const cap_names[TN_CAP_KNOWN] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

int tn_cap_from_name(const char *name)
{
	for (int i = 0; i < TN_CAP_KNOWN; i++)
		if (strcmp(name, cap_names[i]) == 0)
			return i;
	return -EINVAL;
}

const char *tn_cap_name(int cap)
{
	return cap >= 0 && cap < TN_CAP_KNOWN ? cap_names[cap] : NULL;
}

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{ "RLIMIT_AS", RLIMIT_AS },
	{ "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU },
	{ "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE },
	{ "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
	{ "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE },
	{ "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC },
	{ "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
	{ "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
	{ "RLIMIT_STACK", RLIMIT_STACK },
};

int tn_rlimit_from_name(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(rlimits); i++)
		if (strcmp(name, rlimits[i].name) == 0)
			return rlimits[i].resource;
	return -EINVAL;
}

static const char *const ns_names[TN_NS_COUNT] = {
	[TN_NS_USER] = "user",	   [TN_NS_MOUNT] = "mount", [TN_NS_PID] = "pid",
	[TN_NS_UTS] = "uts",	   [TN_NS_IPC] = "ipc",	    [TN_NS_NET] = "network",
	[TN_NS_CGROUP] = "cgroup", [TN_NS_TIME] = "time",
};

static const int ns_flags[TN_NS_COUNT] = {
	[TN_NS_USER] = CLONE_NEWUSER,	  [TN_NS_MOUNT] = CLONE_NEWNS,
	[TN_NS_PID] = CLONE_NEWPID,	  [TN_NS_UTS] = CLONE_NEWUTS,
	[TN_NS_IPC] = CLONE_NEWIPC,	  [TN_NS_NET] = CLONE_NEWNET,
	[TN_NS_CGROUP] = CLONE_NEWCGROUP, [TN_NS_TIME] = 0x00000080 /* CLONE_NEWTIME */,
};

const char *tn_ns_type_name(enum tn_ns_type t)
{
	return ns_names[t];
}

int tn_ns_clone_flag(enum tn_ns_type t)
{
	return ns_flags[t];
}

int tn_ns_from_name(const char *name)
{
	for (int i = 0; i < TN_NS_COUNT; i++)
		if (strcmp(name, ns_names[i]) == 0)
			return i;
	return -EINVAL;
}

/* Mount options that are flags, as mount(8) and crun read them. */
static const struct {
	const char *name;
	unsigned long set, clear;
} mount_flags[] = {
	{ "ro", MS_RDONLY, 0 },
	{ "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },
	{ "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },
	{ "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },
	{ "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },
	{ "remount", MS_REMOUNT, 0 },
	{ "mand", MS_MANDLOCK, 0 },
	{ "nomand", 0, MS_MANDLOCK },
	{ "atime", 0, MS_NOATIME },
	{ "noatime", MS_NOATIME, 0 },
	{ "diratime", 0, MS_NODIRATIME },
	{ "nodiratime", MS_NODIRATIME, 0 },
	{ "relatime", MS_RELATIME, 0 },
	{ "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "nostrictatime", 0, MS_STRICTATIME },
	{ "lazytime", MS_LAZYTIME, 0 },
	{ "nolazytime", 0, MS_LAZYTIME },
	{ "silent", MS_SILENT, 0 },
	{ "loud", 0, MS_SILENT },
	{ "acl", MS_POSIXACL, 0 },
	{ "noacl", 0, MS_POSIXACL },
	{ "iversion", MS_I_VERSION, 0 },
	{ "noiversion", 0, MS_I_VERSION },
	{ "nosymfollow", MS_NOSYMFOLLOW, 0 },
	{ "symfollow", 0, MS_NOSYMFOLLOW },
	{ "defaults", 0, 0 },
};

static const struct {
	const char *name;
	unsigned long flags;
} propagations[] = {
	{ "private", MS_PRIVATE },	 { "rprivate", MS_PRIVATE | MS_REC },
	{ "shared", MS_SHARED },	 { "rshared", MS_SHARED | MS_REC },
	{ "slave", MS_SLAVE },		 { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

int tn_propagation_from_name(const char *name, unsigned long *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(propagations); i++)
		if (strcmp(name, propagations[i].name) == 0) {
			*ret = propagations[i].flags;
			return 0;
		}
	return -EINVAL;
}

/* runc's recursive options: mount_setattr(AT_RECURSIVE) on a bind once it is made. */
static const struct {
	const char *name;
	uint64_t attr;
	bool clear;
} rec_attrs[] = {
	{ "rro", MOUNT_ATTR_RDONLY, false },
	{ "rrw", MOUNT_ATTR_RDONLY, true },
	{ "rnosuid", MOUNT_ATTR_NOSUID, false },
	{ "rsuid", MOUNT_ATTR_NOSUID, true },
	{ "rnodev", MOUNT_ATTR_NODEV, false },
	{ "rdev", MOUNT_ATTR_NODEV, true },
	{ "rnoexec", MOUNT_ATTR_NOEXEC, false },
	{ "rexec", MOUNT_ATTR_NOEXEC, true },
	{ "rnodiratime", MOUNT_ATTR_NODIRATIME, false },
	{ "rdiratime", MOUNT_ATTR_NODIRATIME, true },
	{ "rrelatime", MOUNT_ATTR_RELATIME, false },
	{ "rnorelatime", MOUNT_ATTR_RELATIME, true },
	{ "rnoatime", MOUNT_ATTR_NOATIME, false },
	{ "ratime", MOUNT_ATTR_NOATIME, true },
	{ "rstrictatime", MOUNT_ATTR_STRICTATIME, false },
	{ "rnostrictatime", MOUNT_ATTR_STRICTATIME, true },
	{ "rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW, false },
	{ "rsymfollow", MOUNT_ATTR_NOSYMFOLLOW, true },
};

/* As runc: an atime mode set clears the others (the kernel wants MOUNT_ATTR__ATIME cleared);
 * a clear applies whatever the order. */
static bool rec_attr_option(struct tn_oci_mount *m, const char *o)
{
	for (size_t i = 0; i < ELEMENTSOF(rec_attrs); i++) {
		if (strcmp(o, rec_attrs[i].name) != 0)
			continue;
		if (rec_attrs[i].clear) {
			m->attr_clr |= rec_attrs[i].attr;
			return true;
		}
		m->attr_set |= rec_attrs[i].attr;
		if ((rec_attrs[i].attr & MOUNT_ATTR__ATIME) == rec_attrs[i].attr)
			m->attr_clr |= MOUNT_ATTR__ATIME;
		return true;
	}
	return false;
}

static bool flag_option(struct tn_oci_mount *m, const char *o)
{
	for (size_t i = 0; i < ELEMENTSOF(mount_flags); i++)
		if (strcmp(o, mount_flags[i].name) == 0) {
			m->flags = (m->flags & ~mount_flags[i].clear) | mount_flags[i].set;
			m->clear = (m->clear & ~mount_flags[i].set) | mount_flags[i].clear;
			return true;
		}
	return false;
}

size_t tn_mount_option_names(const char **v, size_t n)
{
	static const char *const own[] = { "bind", "rbind", "tmpcopyup", "idmap", "ridmap" };
	size_t k = 0;

#define ADD(name)                                                                                  \
	do {                                                                                       \
		if (k < n)                                                                         \
			v[k] = (name);                                                             \
		k++;                                                                               \
	} while (0)
	for (size_t i = 0; i < ELEMENTSOF(own); i++)
		ADD(own[i]);
	for (size_t i = 0; i < ELEMENTSOF(mount_flags); i++)
		ADD(mount_flags[i].name);
	for (size_t i = 0; i < ELEMENTSOF(propagations); i++)
		ADD(propagations[i].name);
	for (size_t i = 0; i < ELEMENTSOF(rec_attrs); i++)
		ADD(rec_attrs[i].name);
#undef ADD
	return k;
}

int tn_oci_mount_options(struct tn_oci_mount *m, const char **ret_bad)
{
	_cleanup_(tn_buf_free) struct tn_buf data = { 0 };

	for (size_t i = 0; i < m->n_options; i++) {
		const char *o = m->options[i];
		unsigned long p;

		if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0) {
			/* As runc's flags: a later "bind" keeps an "rbind"'s MS_REC. */
			m->bind = true;
			m->recursive = m->recursive || o[0] == 'r';
		} else if (strcmp(o, "tmpcopyup") == 0) {
			m->tmpcopyup = true;
		} else if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
			m->idmap = true;
			m->ridmap = o[0] == 'r';
		} else if (tn_propagation_from_name(o, &p) == 0) {
			m->propagation = p;
		} else if (!flag_option(m, o) && !rec_attr_option(m, o)) {
			if (*o == '\0' || strchr(o, ',')) {
				*ret_bad = o;
				return -EINVAL;
			}
			/* Anything else is for the filesystem: mode=755, size=64k, newinstance... */
			tn_buf_printf(&data, "%s%s", data.len ? "," : "", o);
		}
	}
	if (tn_buf_check(&data) < 0)
		return -ENOMEM;
	m->data = tn_buf_steal(&data);
	return 0;
}
