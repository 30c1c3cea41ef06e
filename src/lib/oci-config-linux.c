/* SPDX-License-Identifier: Apache-2.0 */
/* The "linux" object of config.json (oci-config.h), as tables of fields (oci-fields.h). */
#include <errno.h>
#include <string.h>

#include "oci-config-internal.h"
#include "oci-config.h"
#include "oci-names.h"
#include "banned.h"

static int parse_namespace(const struct tn_cfg *c, const struct tn_json_value *o, size_t i,
			   struct tn_oci_namespace *ns)
{
	_cleanup_free_ char *type = NULL;
	char path[64];
	int t, r;

	snprintf(path, sizeof(path), "linux.namespaces[%zu]", i);
	if (o->type != TN_JSON_OBJECT)
		return tn_cfg_fail(c, o, path, "expected an object, got %s",
				   tn_json_type_name(o->type));
	snprintf(path, sizeof(path), "linux.namespaces[%zu].type", i);
	r = tn_cfg_string(c, o, "type", path, true, &type);
	if (r < 0)
		return r;
	t = tn_ns_from_name(type);
	if (t < 0)
		return tn_cfg_fail(c, tn_json_get(o, "type"), path,
				   "unknown namespace type \"%s\" (known: user, mount, pid, uts, "
				   "ipc, network, cgroup, time)",
				   type);
	if (ns[t].present)
		return tn_cfg_fail(c, tn_json_get(o, "type"), path,
				   "namespace \"%s\" is listed twice", type);
	ns[t].present = true;
	snprintf(path, sizeof(path), "linux.namespaces[%zu].path", i);
	r = tn_cfg_string(c, o, "path", path, false, &ns[t].path);
	if (r < 0)
		return r;
	if (ns[t].path && ns[t].path[0] != '/')
		return tn_cfg_fail(c, tn_json_get(o, "path"), path,
				   "\"%s\" is not an absolute path", ns[t].path);
	return 0;
}

/* Each listed type into its slot of cfg->ns[], once. */
static int parse_namespaces(const struct tn_cfg *c, const struct tn_field *f,
			    const struct tn_json_value *lx, const char *path, void *dst)
{
	const struct tn_json_value *a;
	int r = tn_cfg_field(c, lx, f->key, path, TN_JSON_ARRAY, false, &a);

	if (r < 0 || !a)
		return r;
	for (size_t i = 0; i < a->array.n; i++) {
		r = parse_namespace(c, a->array.v[i], i, dst);
		if (r < 0)
			return r;
	}
	return 0;
}

static void namespaces_done(void *dst)
{
	struct tn_oci_namespace *ns = dst;

	for (int i = 0; i < TN_NS_COUNT; i++) {
		free(ns[i].path);
		ns[i].path = NULL;
	}
}

/* Intel RDT (resctrl) is not implemented: refused, never dropped. runc refuses it too where
 * the host has no RDT, the case of every machine tenant is tested on. */
static int check_intel_rdt(const struct tn_cfg *c, _unused_ const struct tn_field *f,
			   const struct tn_json_value *lx, _unused_ const char *path,
			   _unused_ void *base)
{
	static const char *const keys[] = { "closID", "l3CacheSchema", "memBwSchema" };
	const struct tn_json_value *rdt = tn_json_get(lx, "intelRdt");

	for (size_t i = 0; rdt && i < ELEMENTSOF(keys); i++) {
		const struct tn_json_value *v = tn_json_get(rdt, keys[i]);
		char at[64];

		if (!v || (v->type == TN_JSON_STRING && !v->string.s[0]))
			continue;
		snprintf(at, sizeof(at), "linux.intelRdt.%s", keys[i]);
		return tn_cfg_fail(c, v, at,
				   "Intel RDT (resctrl) is not supported by tenant; leave it out");
	}
	return 0;
}

static bool maps_root(const struct tn_idmap_extent *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].inside == 0)
			return true;
	return false;
}

/* A new user namespace has both maps or neither, each mapping root; mappings need one. */
static int check_mappings(const struct tn_cfg *c, _unused_ const struct tn_field *f,
			  const struct tn_json_value *lx, _unused_ const char *path, void *base)
{
	const struct tn_oci_config *cfg = base;
	const struct tn_oci_namespace *user = &cfg->ns[TN_NS_USER];

	if ((cfg->n_uid_mappings || cfg->n_gid_mappings) && !user->present)
		return tn_cfg_fail(
			c, lx, "linux.uidMappings",
			"mappings are given but linux.namespaces has no \"user\" namespace");
	if (user->present && !user->path && (!cfg->n_uid_mappings) != (!cfg->n_gid_mappings))
		return tn_cfg_fail(c, lx,
				   cfg->n_uid_mappings ? "linux.gidMappings" : "linux.uidMappings",
				   "missing: uidMappings and gidMappings go together");
	/* As runc ("User namespaces enabled, but no user mapping found"): the container's root
	 * owns its /dev, its console and devpts's gid; unmapped, it fails later and worse. */
	if (user->present && !user->path && cfg->n_uid_mappings &&
	    !maps_root(cfg->uid_mappings, cfg->n_uid_mappings))
		return tn_cfg_fail(c, lx, "linux.uidMappings",
				   "no extent maps container UID 0 (root): give one whose "
				   "containerID is 0, as runc requires");
	if (user->present && !user->path && cfg->n_gid_mappings &&
	    !maps_root(cfg->gid_mappings, cfg->n_gid_mappings))
		return tn_cfg_fail(c, lx, "linux.gidMappings",
				   "no extent maps container GID 0 (root): give one whose "
				   "containerID is 0, as runc requires");
	return 0;
}

static int parse_propagation(const struct tn_cfg *c, const struct tn_field *f,
			     const struct tn_json_value *lx, const char *path, void *dst)
{
	_cleanup_free_ char *s = NULL;
	int r = tn_cfg_string(c, lx, f->key, path, false, &s);

	if (r < 0 || !s)
		return r;
	if (tn_propagation_from_name(s, dst) < 0)
		return tn_cfg_fail(c, tn_json_get(lx, f->key), path,
				   "\"%s\" is not one of shared, slave, private, unbindable (or "
				   "their r- forms)",
				   s);
	return 0;
}

static int parse_seccomp(const struct tn_cfg *c, _unused_ const struct tn_field *f,
			 const struct tn_json_value *lx, _unused_ const char *path, void *dst)
{
	return tn_seccomp_parse(c, lx, dst);
}

static void seccomp_done(void *dst)
{
	struct tn_seccomp **s = dst;

	tn_seccomp_free(*s);
	*s = NULL;
}

#define D(k, t, member, ...) TN_FIELD(struct tn_device_rule, k, t, member, __VA_ARGS__)

/* "a", "b" or "c"; absent: "a" (all). */
static int parse_device_type(const struct tn_cfg *c, const struct tn_field *f,
			     const struct tn_json_value *o, const char *path, void *dst)
{
	_cleanup_free_ char *type = NULL;
	int r = tn_cfg_string(c, o, f->key, path, false, &type);

	if (r < 0)
		return r;
	if (type && (strlen(type) != 1 || !strchr("abc", type[0])))
		return tn_cfg_fail(c, tn_json_get(o, f->key), path, "\"%s\" is not a, b or c",
				   type);
	*(char *)dst = type ? type[0] : 'a';
	return 0;
}

/* Its r, w and m, in that order; absent: "rwm". Other letters are ignored, as runc ignores
 * them ("rwa" is "rw"): configs written for it have them. */
static int parse_device_access(const struct tn_cfg *c, const struct tn_field *f,
			       const struct tn_json_value *o, const char *path, void *dst)
{
	_cleanup_free_ char *access = NULL;
	char *out = dst;
	int r = tn_cfg_string(c, o, f->key, path, false, &access);

	if (r < 0)
		return r;
	if (!access)
		return snprintf(out, 4, "rwm"), 0;
	for (const char *k = "rwm"; *k; k++)
		if (strchr(access, *k))
			*out++ = *k;
	*out = '\0';
	return 0;
}

static const struct tn_field device_fields[] = {
	D("allow", BOOL, allow, 0),
	D("type", CUSTOM, type, 0, .parse = parse_device_type),
	D("major", I64, major, 0, .min = -1, .max = UINT32_MAX),
	D("minor", I64, minor, 0, .min = -1, .max = UINT32_MAX),
	D("access", CUSTOM, access, 0, .parse = parse_device_access),
	{ 0 },
};

static int parse_device_rule(const struct tn_cfg *c, const struct tn_json_value *o,
			     const char *path, void *array, size_t i)
{
	struct tn_device_rule *d = &((struct tn_device_rule *)array)[i];

	if (o->type != TN_JSON_OBJECT)
		return tn_cfg_fail(c, o, path, "expected an object");
	d->major = d->minor = -1; /* any */
	return tn_fields_parse(c, device_fields, o, path, d);
}

/* linux.resources: what tenant applies (pids, memory, cpu, devices); the rest is ignored. */
#define R(k, t, member, ...) TN_FIELD(struct tn_resources, k, t, member, __VA_ARGS__)
#define R_GIVEN(member)	     TN_GIVEN(struct tn_resources, member)
/* A limit: -1 (or for pids 0) is "unlimited"; null is refused, as when runc reads it. */
#define LIMIT(k, member, has)                                                                      \
	R(k, I64, member, TN_FIELD_NOT_NULL | TN_FIELD_HAS, R_GIVEN(has), .min = -1,               \
	  .max = INT64_MAX)
/* CPU fields given as null still count as given (as they always have). */
#define CPU_GIVEN(has) TN_FIELD_HAS | TN_FIELD_HAS_NULL, R_GIVEN(has)

static const struct tn_field pids_fields[] = {
	LIMIT("limit", pids_limit, has_pids),
	{ 0 },
};

static const struct tn_field memory_fields[] = {
	LIMIT("limit", memory_limit, has_memory),
	LIMIT("swap", memory_swap, has_swap),
	LIMIT("reservation", memory_reservation, has_reservation),
	R("swappiness", I64, swappiness, TN_FIELD_HAS, R_GIVEN(has_swappiness), .min = -1,
	  .max = INT64_MAX),
	R("disableOOMKiller", BOOL, disable_oom, 0),
	{ 0 },
};

static const struct tn_field cpu_fields[] = {
	R("shares", U64, cpu_shares, CPU_GIVEN(has_shares)),
	R("quota", I64, cpu_quota, CPU_GIVEN(has_quota), .min = -1, .max = INT64_MAX),
	R("period", U64, cpu_period, CPU_GIVEN(has_period)),
	R("realtimeRuntime", I64, cpu_rt_runtime, 0, .min = INT64_MIN, .max = INT64_MAX),
	R("realtimePeriod", U64, cpu_rt_period, 0),
	R("cpus", STRING, cpus, 0),
	R("mems", STRING, mems, 0),
	{ 0 },
};

#define WD(k, t, member) TN_FIELD(struct tn_blkio_weight_device, k, t, member, 0)
static const struct tn_field weight_device_fields[] = {
	TN_FIELD(struct tn_blkio_weight_device, "major", I64, major, TN_FIELD_REQUIRED, .min = 0,
		 .max = UINT32_MAX),
	TN_FIELD(struct tn_blkio_weight_device, "minor", I64, minor, TN_FIELD_REQUIRED, .min = 0,
		 .max = UINT32_MAX),
	WD("weight", U64, weight),
	WD("leafWeight", U64, leaf_weight),
	{ 0 },
};

#define TD(k, t, member, ...) TN_FIELD(struct tn_blkio_throttle, k, t, member, __VA_ARGS__)
static const struct tn_field throttle_fields[] = {
	TD("major", I64, major, TN_FIELD_REQUIRED, .min = 0, .max = UINT32_MAX),
	TD("minor", I64, minor, TN_FIELD_REQUIRED, .min = 0, .max = UINT32_MAX),
	TD("rate", U64, rate, TN_FIELD_REQUIRED),
	{ 0 },
};

#define THROTTLE(k, i)                                                                             \
	R(k, ARRAY, throttle[i], 0, TN_COUNT(struct tn_resources, n_throttle[i]),                  \
	  .fields = throttle_fields, .elem_size = sizeof(struct tn_blkio_throttle))

static const struct tn_field blockio_fields[] = {
	R("weight", U64, blkio_weight, 0),
	R("leafWeight", U64, blkio_leaf_weight, 0),
	R("weightDevice", ARRAY, weight_devices, 0, TN_COUNT(struct tn_resources, n_weight_devices),
	  .fields = weight_device_fields, .elem_size = sizeof(struct tn_blkio_weight_device)),
	THROTTLE("throttleReadBpsDevice", TN_THROTTLE_READ_BPS),
	THROTTLE("throttleWriteBpsDevice", TN_THROTTLE_WRITE_BPS),
	THROTTLE("throttleReadIOPSDevice", TN_THROTTLE_READ_IOPS),
	THROTTLE("throttleWriteIOPSDevice", TN_THROTTLE_WRITE_IOPS),
	{ 0 },
};

static const struct tn_field hugepage_fields[] = {
	TN_FIELD(struct tn_hugepage_limit, "pageSize", STRING, page_size, TN_FIELD_REQUIRED),
	TN_FIELD(struct tn_hugepage_limit, "limit", U64, limit, TN_FIELD_REQUIRED),
	{ 0 },
};

static const struct tn_field net_priority_fields[] = {
	TN_FIELD(struct tn_net_priority, "name", STRING, name, TN_FIELD_REQUIRED),
	TN_FIELD(struct tn_net_priority, "priority", U32, priority, TN_FIELD_REQUIRED),
	{ 0 },
};

static const struct tn_field network_fields[] = {
	R("classID", U32, net_class_id, 0),
	R("priorities", ARRAY, net_priorities, 0, TN_COUNT(struct tn_resources, n_net_priorities),
	  .fields = net_priority_fields, .elem_size = sizeof(struct tn_net_priority)),
	{ 0 },
};

static const struct tn_field rdma_limit_fields[] = {
	TN_FIELD(struct tn_rdma_limit, "hcaHandles", U32, handles, TN_FIELD_HAS,
		 TN_GIVEN(struct tn_rdma_limit, has_handles)),
	TN_FIELD(struct tn_rdma_limit, "hcaObjects", U32, objects, TN_FIELD_HAS,
		 TN_GIVEN(struct tn_rdma_limit, has_objects)),
	{ 0 },
};

/* linux.resources.rdma: an object of devices, each with its limits. */
static int parse_rdma(const struct tn_cfg *c, const struct tn_field *f,
		      const struct tn_json_value *obj, const char *path, void *dst)
{
	struct tn_rdma_limit **v = dst;
	const struct tn_json_value *o;
	int r = tn_cfg_field(c, obj, f->key, path, TN_JSON_OBJECT, false, &o);

	if (r < 0 || !o)
		return r;
	*v = calloc(o->object.n + 1, sizeof(**v)); /* ends with a NULL device */
	if (!*v)
		return -ENOMEM;
	for (size_t i = 0; i < o->object.n; i++) {
		const struct tn_json_member *m = &o->object.v[i];
		struct tn_rdma_limit *l = &(*v)[i];
		char p[TN_FIELD_PATH_MAX + 64];

		snprintf(p, sizeof(p), "%s.%s", path, m->key);
		if (m->value->type != TN_JSON_OBJECT)
			return tn_cfg_fail(c, m->value, p, "expected an object, got %s",
					   tn_json_type_name(m->value->type));
		l->device = strdup(m->key);
		if (!l->device)
			return -ENOMEM;
		r = tn_fields_parse(c, rdma_limit_fields, m->value, p, l);
		if (r < 0)
			return r;
	}
	return 0;
}

static void rdma_done(void *dst)
{
	struct tn_rdma_limit **v = dst;

	for (size_t i = 0; *v && (*v)[i].device; i++)
		free((*v)[i].device);
	free(*v);
	*v = NULL;
}

const struct tn_field tn_resources_fields[] = {
	R("devices", ARRAY, devices, TN_FIELD_HAS, R_GIVEN(has_devices),
	  TN_COUNT(struct tn_resources, n_devices), .parse_elem = parse_device_rule,
	  .elem_size = sizeof(struct tn_device_rule)),
	TN_INLINE("pids", pids_fields, 0),
	TN_INLINE("memory", memory_fields, 0),
	TN_INLINE("cpu", cpu_fields, 0),
	TN_INLINE("blockIO", blockio_fields, 0),
	R("hugepageLimits", ARRAY, hugepages, 0, TN_COUNT(struct tn_resources, n_hugepages),
	  .fields = hugepage_fields, .elem_size = sizeof(struct tn_hugepage_limit)),
	TN_INLINE("network", network_fields, 0),
	R("rdma", CUSTOM, rdma, 0, .parse = parse_rdma, .done = rdma_done),
	R("unified", STRING_MAP, unified, 0, TN_COUNT(struct tn_resources, n_unified)),
	{ 0 },
};

#define N(k, t, member, ...) TN_FIELD(struct tn_oci_device, k, t, member, __VA_ARGS__)

/* linux.devices[].type: c, b, u (unbuffered: a character device) or p (a fifo). */
static int parse_node_type(const struct tn_cfg *c, const struct tn_field *f,
			   const struct tn_json_value *o, const char *path, void *dst)
{
	_cleanup_free_ char *type = NULL;
	int r = tn_cfg_string(c, o, f->key, path, true, &type);

	if (r < 0)
		return r;
	if (strlen(type) != 1 || !strchr("cbup", type[0]))
		return tn_cfg_fail(c, tn_json_get(o, f->key), path, "\"%s\" is not c, b, u or p",
				   type);
	*(char *)dst = type[0] == 'u' ? 'c' : type[0];
	return 0;
}

static const struct tn_field node_fields[] = {
	N("path", STRING, path, TN_FIELD_REQUIRED, .check = tn_field_check_absolute),
	N("type", CUSTOM, type, 0, .parse = parse_node_type),
	N("major", I64, major, 0, .min = 0, .max = UINT32_MAX),
	N("minor", I64, minor, 0, .min = 0, .max = UINT32_MAX),
	N("fileMode", U32, file_mode, TN_FIELD_HAS, TN_GIVEN(struct tn_oci_device, has_file_mode)),
	N("uid", ID, uid, 0),
	N("gid", ID, gid, 0),
	{ 0 },
};

#define L(k, t, member, ...) TN_FIELD(struct tn_oci_config, k, t, member, __VA_ARGS__)
#define L_COUNT(member)	     TN_COUNT(struct tn_oci_config, member)

static const struct tn_field time_offset_fields[] = {
	TN_FIELD(struct tn_time_offset, "secs", I64, secs, 0, .min = INT64_MIN, .max = INT64_MAX),
	TN_FIELD(struct tn_time_offset, "nanosecs", INT, nanosecs, 0, .min = 0, .max = 999999999),
	{ 0 },
};
#define TIME_OFFSET(k, i)                                                                          \
	L(k, OBJECT, time_offsets[i], TN_FIELD_HAS,                                                \
	  TN_GIVEN(struct tn_oci_config, time_offsets[i].given), .fields = time_offset_fields)
static const struct tn_field time_offsets_fields[] = {
	TIME_OFFSET("monotonic", TN_TIME_MONOTONIC),
	TIME_OFFSET("boottime", TN_TIME_BOOTTIME),
	{ 0 },
};

const struct tn_field tn_oci_linux_fields[] = {
	L("namespaces", CUSTOM, ns, 0, .parse = parse_namespaces, .done = namespaces_done),
	TN_FIELD_IDMAPPINGS(struct tn_oci_config, "uidMappings", uid_mappings, n_uid_mappings),
	TN_FIELD_IDMAPPINGS(struct tn_oci_config, "gidMappings", gid_mappings, n_gid_mappings),
	{ .key = "(mappings)", .type = TN_FIELD_CHECK, .check = check_mappings },
	L("maskedPaths", STRINGS, masked_paths, 0, L_COUNT(n_masked_paths),
	  .check = tn_field_check_absolute_all),
	L("readonlyPaths", STRINGS, readonly_paths, 0, L_COUNT(n_readonly_paths),
	  .check = tn_field_check_absolute_all),
	L("rootfsPropagation", CUSTOM, rootfs_propagation, 0, .parse = parse_propagation),
	L("cgroupsPath", STRING, cgroups_path, 0),
	L("sysctl", STRING_MAP, sysctl, 0, L_COUNT(n_sysctl)),
	L("seccomp", CUSTOM, seccomp, 0, .parse = parse_seccomp, .done = seccomp_done),
	L("resources", OBJECT, resources, 0, .fields = tn_resources_fields),
	{ .key = "(intelRdt)", .type = TN_FIELD_CHECK, .check = check_intel_rdt },
	L("devices", ARRAY, devices, 0, L_COUNT(n_devices), .fields = node_fields,
	  .elem_size = sizeof(struct tn_oci_device)),
	TN_INLINE("timeOffsets", time_offsets_fields, 0),
	{ 0 },
};
