/* SPDX-License-Identifier: Apache-2.0 */
/* The "linux" object of config.json (oci-config.h). */
#include <errno.h>
#include <string.h>

#include "oci-config.h"
#include "oci-json.h"
#include "oci-names.h"
#include "banned.h"

int tn_oci_config_linux(const struct tn_cfg *c, const struct tn_json_value *root,
			struct tn_oci_config *cfg);
int tn_resources_parse(const struct tn_cfg *c, const struct tn_json_value *res,
		       struct tn_resources *r);

static int parse_namespace(const struct tn_cfg *c, const struct tn_json_value *o, size_t i,
			   struct tn_oci_config *cfg)
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
	if (cfg->ns[t].present)
		return tn_cfg_fail(c, tn_json_get(o, "type"), path,
				   "namespace \"%s\" is listed twice", type);
	cfg->ns[t].present = true;
	snprintf(path, sizeof(path), "linux.namespaces[%zu].path", i);
	r = tn_cfg_string(c, o, "path", path, false, &cfg->ns[t].path);
	if (r == 0 && cfg->ns[t].path && cfg->ns[t].path[0] != '/')
		r = tn_cfg_fail(c, tn_json_get(o, "path"), path, "\"%s\" is not an absolute path",
				cfg->ns[t].path);
	return r;
}

static int parse_namespaces(const struct tn_cfg *c, const struct tn_json_value *lx,
			    struct tn_oci_config *cfg)
{
	const struct tn_json_value *a;
	int r = tn_cfg_field(c, lx, "namespaces", "linux.namespaces", TN_JSON_ARRAY, false, &a);

	for (size_t i = 0; r == 0 && a && i < a->array.n; i++)
		r = parse_namespace(c, a->array.v[i], i, cfg);
	return r;
}

int tn_cfg_idmappings(const struct tn_cfg *c, const struct tn_json_value *lx, const char *key,
		      const char *prefix, struct tn_idmap_extent **ret, size_t *ret_n)
{
	const struct tn_json_value *a;
	char path[96];
	int r;

	snprintf(path, sizeof(path), "%s.%s", prefix, key);
	r = tn_cfg_field(c, lx, key, path, TN_JSON_ARRAY, false, &a);
	if (r < 0 || !a)
		return r;
	*ret = calloc(a->array.n + 1, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		const struct tn_json_value *o = a->array.v[i];
		struct tn_idmap_extent *e = &(*ret)[i];
		static const char *const f[] = { "containerID", "hostID", "size" };
		uint32_t *dst[] = { &e->inside, &e->outside, &e->count };

		snprintf(path, sizeof(path), "%s.%s[%zu]", prefix, key, i);
		if (o->type != TN_JSON_OBJECT)
			return tn_cfg_fail(c, o, path, "expected an object, got %s",
					   tn_json_type_name(o->type));
		for (int k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "%s.%s[%zu].%s", prefix, key, i, f[k]);
			r = tn_cfg_u32(c, o, f[k], path, true, dst[k]);
			if (r < 0)
				return r;
		}
		snprintf(path, sizeof(path), "%s.%s[%zu]", prefix, key, i);
		if (e->count == 0)
			return tn_cfg_fail(c, o, path, "size is 0: the extent maps no IDs");
		if (tn_idrange_check(e->inside, e->count) < 0 ||
		    tn_idrange_check(e->outside, e->count) < 0)
			return tn_cfg_fail(c, o, path,
					   "%u:%u:%u reaches ID 4294967295, which cannot be mapped",
					   e->inside, e->outside, e->count);
		(*ret_n)++;
	}
	return 0;
}

static int parse_propagation(const struct tn_cfg *c, const struct tn_json_value *lx,
			     struct tn_oci_config *cfg)
{
	_cleanup_free_ char *s = NULL;
	int r = tn_cfg_string(c, lx, "rootfsPropagation", "linux.rootfsPropagation", false, &s);

	if (r < 0 || !s)
		return r;
	if (tn_propagation_from_name(s, &cfg->rootfs_propagation) < 0)
		return tn_cfg_fail(c, tn_json_get(lx, "rootfsPropagation"),
				   "linux.rootfsPropagation",
				   "\"%s\" is not one of shared, slave, private, unbindable (or "
				   "their r- forms)",
				   s);
	return 0;
}

static int check_absolute(const struct tn_cfg *c, const struct tn_json_value *lx, const char *key,
			  char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i][0] != '/') {
			char path[64];

			snprintf(path, sizeof(path), "linux.%s[%zu]", key, i);
			return tn_cfg_fail(c, tn_json_get(lx, key)->array.v[i], path,
					   "\"%s\" is not an absolute path", v[i]);
		}
	return 0;
}

static int parse_device_rule(const struct tn_cfg *c, const struct tn_json_value *o, size_t i,
			     struct tn_device_rule *d)
{
	_cleanup_free_ char *type = NULL, *access = NULL;
	char path[96];
	int r;

	snprintf(path, sizeof(path), "linux.resources.devices[%zu]", i);
	if (o->type != TN_JSON_OBJECT)
		return tn_cfg_fail(c, o, path, "expected an object");
	d->major = d->minor = -1;
	snprintf(path, sizeof(path), "linux.resources.devices[%zu].allow", i);
	r = tn_cfg_bool(c, o, "allow", path, &d->allow);
	snprintf(path, sizeof(path), "linux.resources.devices[%zu].type", i);
	if (r == 0)
		r = tn_cfg_string(c, o, "type", path, false, &type);
	if (r == 0 && type && (strlen(type) != 1 || !strchr("abc", type[0])))
		r = tn_cfg_fail(c, tn_json_get(o, "type"), path, "\"%s\" is not a, b or c", type);
	d->type = type ? type[0] : 'a';
	snprintf(path, sizeof(path), "linux.resources.devices[%zu].major", i);
	if (r == 0)
		r = tn_cfg_int(c, o, "major", path, false, -1, UINT32_MAX, &d->major);
	snprintf(path, sizeof(path), "linux.resources.devices[%zu].minor", i);
	if (r == 0)
		r = tn_cfg_int(c, o, "minor", path, false, -1, UINT32_MAX, &d->minor);
	snprintf(path, sizeof(path), "linux.resources.devices[%zu].access", i);
	if (r == 0)
		r = tn_cfg_string(c, o, "access", path, false, &access);
	if (r == 0 && access && (strlen(access) > 3 || strspn(access, "rwm") != strlen(access)))
		r = tn_cfg_fail(c, tn_json_get(o, "access"), path, "\"%s\" is not made of r, w, m",
				access);
	snprintf(d->access, sizeof(d->access), "%s", access ? access : "rwm");
	return r;
}

static int parse_devices(const struct tn_cfg *c, const struct tn_json_value *res,
			 struct tn_resources *r)
{
	const struct tn_json_value *a;
	int e = tn_cfg_field(c, res, "devices", "linux.resources.devices", TN_JSON_ARRAY, false,
			     &a);

	if (e < 0 || !a)
		return e;
	r->has_devices = true;
	r->devices = calloc(a->array.n + 1, sizeof(*r->devices));
	if (!r->devices)
		return -ENOMEM;
	for (size_t i = 0; e == 0 && i < a->array.n; i++) {
		e = parse_device_rule(c, a->array.v[i], i, &r->devices[i]);
		r->n_devices++;
	}
	return e;
}

/* linux.resources: what tenant applies (pids, memory, cpu, devices); the rest is ignored. */
int tn_resources_parse(const struct tn_cfg *c, const struct tn_json_value *res,
		       struct tn_resources *r)
{
	const struct tn_json_value *o;
	int e = 0;

	if (!res)
		return 0;
	e = parse_devices(c, res, r);
	if (e == 0)
		e = tn_cfg_field(c, res, "pids", "linux.resources.pids", TN_JSON_OBJECT, false, &o);
	if (e == 0 && o && tn_json_get(o, "limit")) {
		r->has_pids = true;
		e = tn_cfg_int(c, o, "limit", "linux.resources.pids.limit", true, -1, INT64_MAX,
			       &r->pids_limit);
	}
	if (e == 0)
		e = tn_cfg_field(c, res, "memory", "linux.resources.memory", TN_JSON_OBJECT, false,
				 &o);
	if (e == 0 && o && tn_json_get(o, "limit")) {
		r->has_memory = true;
		e = tn_cfg_int(c, o, "limit", "linux.resources.memory.limit", true, -1, INT64_MAX,
			       &r->memory_limit);
	}
	if (e == 0 && o && tn_json_get(o, "swap")) {
		r->has_swap = true;
		e = tn_cfg_int(c, o, "swap", "linux.resources.memory.swap", true, -1, INT64_MAX,
			       &r->memory_swap);
	}
	if (e == 0)
		e = tn_cfg_field(c, res, "cpu", "linux.resources.cpu", TN_JSON_OBJECT, false, &o);
	if (e == 0 && o) {
		r->has_shares = tn_json_get(o, "shares") != NULL;
		r->has_quota = tn_json_get(o, "quota") != NULL;
		r->has_period = tn_json_get(o, "period") != NULL;
		e = tn_cfg_u64(c, o, "shares", "linux.resources.cpu.shares", false, &r->cpu_shares);
		if (e == 0)
			e = tn_cfg_int(c, o, "quota", "linux.resources.cpu.quota", false, -1,
				       INT64_MAX, &r->cpu_quota);
		if (e == 0)
			e = tn_cfg_u64(c, o, "period", "linux.resources.cpu.period", false,
				       &r->cpu_period);
		if (e == 0)
			e = tn_cfg_string(c, o, "cpus", "linux.resources.cpu.cpus", false,
					  &r->cpus);
		if (e == 0)
			e = tn_cfg_string(c, o, "mems", "linux.resources.cpu.mems", false,
					  &r->mems);
	}
	return e;
}

int tn_oci_config_linux(const struct tn_cfg *c, const struct tn_json_value *root,
			struct tn_oci_config *cfg)
{
	const struct tn_json_value *lx, *res;
	int r = tn_cfg_field(c, root, "linux", "linux", TN_JSON_OBJECT, false, &lx);

	if (r < 0 || !lx)
		return r;
	r = parse_namespaces(c, lx, cfg);
	if (r == 0)
		r = tn_cfg_idmappings(c, lx, "uidMappings", "linux", &cfg->uid_mappings,
				      &cfg->n_uid_mappings);
	if (r == 0)
		r = tn_cfg_idmappings(c, lx, "gidMappings", "linux", &cfg->gid_mappings,
				      &cfg->n_gid_mappings);
	if (r == 0 && (cfg->n_uid_mappings || cfg->n_gid_mappings) && !cfg->ns[TN_NS_USER].present)
		r = tn_cfg_fail(
			c, lx, "linux.uidMappings",
			"mappings are given but linux.namespaces has no \"user\" namespace");
	if (r == 0 && cfg->ns[TN_NS_USER].present && !cfg->ns[TN_NS_USER].path &&
	    (!cfg->n_uid_mappings) != (!cfg->n_gid_mappings))
		r = tn_cfg_fail(c, lx,
				cfg->n_uid_mappings ? "linux.gidMappings" : "linux.uidMappings",
				"missing: uidMappings and gidMappings go together");
	if (r == 0)
		r = tn_cfg_strings(c, lx, "maskedPaths", "linux.maskedPaths", &cfg->masked_paths,
				   &cfg->n_masked_paths);
	if (r == 0)
		r = check_absolute(c, lx, "maskedPaths", cfg->masked_paths, cfg->n_masked_paths);
	if (r == 0)
		r = tn_cfg_strings(c, lx, "readonlyPaths", "linux.readonlyPaths",
				   &cfg->readonly_paths, &cfg->n_readonly_paths);
	if (r == 0)
		r = check_absolute(c, lx, "readonlyPaths", cfg->readonly_paths,
				   cfg->n_readonly_paths);
	if (r == 0)
		r = parse_propagation(c, lx, cfg);
	if (r == 0)
		r = tn_cfg_string(c, lx, "cgroupsPath", "linux.cgroupsPath", false,
				  &cfg->cgroups_path);
	if (r == 0)
		r = tn_cfg_string_map(c, lx, "sysctl", "linux.sysctl", false, &cfg->sysctl,
				      &cfg->n_sysctl);
	if (r == 0)
		r = tn_seccomp_parse(c, lx, &cfg->seccomp);
	if (r == 0)
		r = tn_cfg_field(c, lx, "resources", "linux.resources", TN_JSON_OBJECT, false,
				 &res);
	if (r == 0)
		r = tn_resources_parse(c, res, &cfg->resources);
	return r;
}
