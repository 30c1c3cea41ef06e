/* SPDX-License-Identifier: Apache-2.0 */
/* config.json into struct tn_oci_config (oci-config.h), through tables of fields (oci-fields.h). */
#include <errno.h>
#include <string.h>

#include "fs.h"
#include "oci-config-internal.h"
#include "oci-config.h"
#include "oci-fields.h"
#include "oci-names.h"
#include "banned.h"

#define P(k, t, member, ...) TN_FIELD(struct tn_oci_process, k, t, member, __VA_ARGS__)
#define P_COUNT(member)	     TN_COUNT(struct tn_oci_process, member)
#define P_GIVEN(member)	     TN_GIVEN(struct tn_oci_process, member)

static int parse_cap_set(const struct tn_cfg *c, const struct tn_field *f,
			 const struct tn_json_value *caps, const char *path, void *dst)
{
	_cleanup_(tn_strv_freep) char **names = NULL;
	uint64_t *set = dst;
	size_t n = 0;
	int r = tn_cfg_strings(c, caps, f->key, path, &names, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		int cap = tn_cap_from_name(names[i]);
		char p[64];

		if (cap < 0) {
			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			return tn_cfg_fail(c, tn_json_get(caps, f->key)->array.v[i], p,
					   "unknown capability \"%s\"", names[i]);
		}
		*set |= UINT64_C(1) << cap;
	}
	return 0;
}

/* Every type once, soft at most hard. */
static int parse_rlimit(const struct tn_cfg *c, const struct tn_json_value *o, const char *path,
			void *array, size_t i)
{
	struct tn_oci_rlimit *l = &((struct tn_oci_rlimit *)array)[i];
	_cleanup_free_ char *type = NULL;
	char p[64];
	int r;

	if (o->type != TN_JSON_OBJECT)
		return tn_cfg_fail(c, o, path, "expected an object, got %s",
				   tn_json_type_name(o->type));
	snprintf(p, sizeof(p), "%s.type", path);
	r = tn_cfg_string(c, o, "type", p, true, &type);
	if (r < 0)
		return r;
	l->resource = tn_rlimit_from_name(type);
	if (l->resource < 0)
		return tn_cfg_fail(c, tn_json_get(o, "type"), p, "unknown rlimit \"%s\"", type);
	for (size_t j = 0; j < i; j++)
		if (((struct tn_oci_rlimit *)array)[j].resource == l->resource)
			return tn_cfg_fail(c, tn_json_get(o, "type"), p, "\"%s\" is given twice",
					   type);
	snprintf(p, sizeof(p), "%s.soft", path);
	r = tn_cfg_u64(c, o, "soft", p, true, &l->soft);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%s.hard", path);
	r = tn_cfg_u64(c, o, "hard", p, true, &l->hard);
	if (r < 0)
		return r;
	if (l->soft > l->hard)
		return tn_cfg_fail(c, o, p, "soft limit %llu is above the hard limit %llu",
				   (unsigned long long)l->soft, (unsigned long long)l->hard);
	return 0;
}

static int check_args(const struct tn_cfg *c, _unused_ const struct tn_field *f,
		      const struct tn_json_value *proc, const char *path, void *base)
{
	const struct tn_oci_process *p = base;

	if (p->n_args == 0)
		return tn_cfg_fail(c, proc, path, "missing or empty (it is required)");
	return 0;
}

/* NAME=VALUE, as environ(7) has them; runc refuses the rest when the process starts. */
static int check_env(const struct tn_cfg *c, const struct tn_field *f,
		     const struct tn_json_value *proc, const char *path, void *base)
{
	const struct tn_oci_process *p = base;

	for (size_t i = 0; i < p->n_env; i++) {
		const char *eq = strchr(p->env[i], '=');
		char at[TN_FIELD_PATH_MAX + 24];

		if (eq && eq != p->env[i])
			continue;
		snprintf(at, sizeof(at), "%s[%zu]", path, i);
		return tn_cfg_fail(c, tn_json_get(proc, f->key)->array.v[i], at,
				   eq ? "\"%s\" has an empty name"
				      : "\"%s\" is not NAME=VALUE (it has no '=')",
				   p->env[i]);
	}
	return 0;
}

static const struct tn_field console_size_fields[] = {
	P("height", U32, console_height, TN_FIELD_REQUIRED),
	P("width", U32, console_width, TN_FIELD_REQUIRED),
	{ 0 },
};

static const struct tn_field user_fields[] = {
	P("uid", ID, uid, TN_FIELD_REQUIRED),
	P("gid", ID, gid, TN_FIELD_REQUIRED),
	P("umask", U32, umask, TN_FIELD_HAS, P_GIVEN(has_umask)),
	P("additionalGids", IDS, additional_gids, 0, P_COUNT(n_additional_gids)),
	{ 0 },
};

#define CAP_SET(k, set) P(k, CUSTOM, caps[set], 0, .parse = parse_cap_set)
static const struct tn_field caps_fields[] = {
	CAP_SET("bounding", TN_CAP_BOUNDING),	    CAP_SET("effective", TN_CAP_EFFECTIVE),
	CAP_SET("inheritable", TN_CAP_INHERITABLE), CAP_SET("permitted", TN_CAP_PERMITTED),
	CAP_SET("ambient", TN_CAP_AMBIENT),	    { 0 },
};

static const struct tn_field process_fields[] = {
	P("terminal", BOOL, terminal, 0),
	TN_INLINE("consoleSize", console_size_fields, TN_FIELD_HAS, P_GIVEN(has_console_size)),
	TN_INLINE("user", user_fields, TN_FIELD_REQUIRED),
	P("args", STRINGS, args, 0, P_COUNT(n_args), .check = check_args),
	P("env", STRINGS, env, 0, P_COUNT(n_env), .check = check_env),
	P("cwd", STRING, cwd, TN_FIELD_REQUIRED, .check = tn_field_check_absolute),
	TN_INLINE("capabilities", caps_fields, 0),
	P("noNewPrivileges", BOOL, no_new_privileges, 0),
	P("rlimits", ARRAY, rlimits, 0, P_COUNT(n_rlimits), .parse_elem = parse_rlimit,
	  .elem_size = sizeof(struct tn_oci_rlimit)),
	P("oomScoreAdj", INT, oom_score_adj, TN_FIELD_HAS, P_GIVEN(has_oom_score_adj), .min = -1000,
	  .max = 1000),
	P("apparmorProfile", STRING, apparmor_profile, 0),
	P("selinuxLabel", STRING, selinux_label, 0),
	{ 0 },
};

#define M(k, t, member, ...) TN_FIELD(struct tn_oci_mount, k, t, member, __VA_ARGS__)

/* The options into flags and data; a bind mount has a source. */
static int check_mount_options(const struct tn_cfg *c, _unused_ const struct tn_field *f,
			       const struct tn_json_value *o, const char *path, void *base)
{
	struct tn_oci_mount *m = base;
	bool bind_type = m->type && strcmp(m->type, "bind") == 0;
	const char *bad = NULL;
	char p[64];
	int r = tn_oci_mount_options(m, &bad);

	if (r == -EINVAL) {
		snprintf(p, sizeof(p), "%s.options", path);
		return tn_cfg_fail(c, tn_json_get(o, "options"), p, "invalid option \"%s\"", bad);
	}
	if (r < 0)
		return r;
	if ((m->bind || bind_type) && !m->source) {
		snprintf(p, sizeof(p), "%s.source", path);
		return tn_cfg_fail(c, o, p, "missing (a bind mount needs a source)");
	}
	if (bind_type)
		m->bind = true;
	return 0;
}

static int check_mount_idmap(const struct tn_cfg *c, _unused_ const struct tn_field *f,
			     const struct tn_json_value *o, const char *path, void *base)
{
	struct tn_oci_mount *m = base;

	if ((!m->n_uid_mappings) != (!m->n_gid_mappings))
		return tn_cfg_fail(c, o, path,
				   "%s without %s: an idmapped mount needs both (or neither: the "
				   "container's own maps)",
				   m->n_uid_mappings ? "uidMappings" : "gidMappings",
				   m->n_uid_mappings ? "gidMappings" : "uidMappings");
	if (m->n_uid_mappings)
		m->idmap = true; /* as runc: mappings alone ask for an idmapped mount */
	return 0;
}

/* runtime-spec 1.1 (and runc): on Linux a relative destination is relative to "/". */
static int check_mount_destination(const struct tn_cfg *c, const struct tn_field *f,
				   const struct tn_json_value *o, const char *path, void *base)
{
	struct tn_oci_mount *m = base;
	char *abs;

	if (m->destination[0] == '\0')
		return tn_cfg_fail(c, tn_json_get(o, f->key), path, "is empty");
	if (m->destination[0] == '/')
		return 0;
	if (asprintf(&abs, "/%s", m->destination) < 0)
		return -ENOMEM;
	free(m->destination);
	m->destination = abs;
	return 0;
}

static const struct tn_field mount_fields[] = {
	M("destination", STRING, destination, TN_FIELD_REQUIRED, .check = check_mount_destination),
	M("type", STRING, type, 0),
	M("source", STRING, source, 0),
	M("options", STRINGS, options, 0, TN_COUNT(struct tn_oci_mount, n_options)),
	{ .key = "(options)", .type = TN_FIELD_CHECK, .check = check_mount_options },
	TN_FIELD_IDMAPPINGS(struct tn_oci_mount, "uidMappings", uid_mappings, n_uid_mappings),
	TN_FIELD_IDMAPPINGS(struct tn_oci_mount, "gidMappings", gid_mappings, n_gid_mappings),
	{ .key = "(mappings)", .type = TN_FIELD_CHECK, .check = check_mount_idmap },
	M("(data)", DERIVED, data, 0),
	{ 0 },
};

#define C(k, t, member, ...) TN_FIELD(struct tn_oci_config, k, t, member, __VA_ARGS__)
#define C_COUNT(member)	     TN_COUNT(struct tn_oci_config, member)

static int check_root_path(const struct tn_cfg *c, const struct tn_field *f,
			   const struct tn_json_value *o, const char *path, void *base)
{
	const struct tn_oci_config *cfg = base;

	if (cfg->root_path[0] == '\0')
		return tn_cfg_fail(c, tn_json_get(o, f->key), path, "is empty");
	return 0;
}

static int check_hostname(const struct tn_cfg *c, _unused_ const struct tn_field *f,
			  const struct tn_json_value *root, _unused_ const char *path, void *base)
{
	const struct tn_oci_config *cfg = base;

	if (cfg->hostname && strlen(cfg->hostname) > 64)
		return tn_cfg_fail(c, tn_json_get(root, "hostname"), "hostname",
				   "longer than 64 characters");
	return 0;
}

/* The run.tenant.* annotations, last: whatever else is wrong with the file is said first. */
static int check_policy(const struct tn_cfg *c, _unused_ const struct tn_field *f,
			_unused_ const struct tn_json_value *root, _unused_ const char *path,
			void *base)
{
	struct tn_oci_config *cfg = base;

	return tn_oci_policy_parse(cfg->annotations, cfg->n_annotations, &cfg->policy, c->err);
}

static int parse_hooks(const struct tn_cfg *c, _unused_ const struct tn_field *f,
		       const struct tn_json_value *root, _unused_ const char *path, void *dst)
{
	return tn_hooks_parse(c, root, dst);
}

static void hooks_done(void *dst)
{
	tn_hooks_done(dst);
}

static const struct tn_field root_fields[] = {
	C("path", STRING, root_path, TN_FIELD_REQUIRED, .check = check_root_path),
	C("readonly", BOOL, root_readonly, 0),
	{ 0 },
};

static const struct tn_field config_fields[] = {
	C("ociVersion", STRING, oci_version, TN_FIELD_REQUIRED),
	TN_INLINE("root", root_fields, TN_FIELD_REQUIRED),
	C("hostname", STRING, hostname, 0),
	C("domainname", STRING, domainname, 0),
	{ .key = "(hostname)", .type = TN_FIELD_CHECK, .check = check_hostname },
	C("process", OBJECT, process, TN_FIELD_HAS, TN_GIVEN(struct tn_oci_config, has_process),
	  .fields = process_fields),
	C("mounts", ARRAY, mounts, 0, C_COUNT(n_mounts), .fields = mount_fields,
	  .elem_size = sizeof(struct tn_oci_mount)),
	C("annotations", STRING_MAP, annotations, 0, C_COUNT(n_annotations)),
	TN_INLINE("linux", tn_oci_linux_fields, 0),
	C("hooks", CUSTOM, hooks, 0, .parse = parse_hooks, .done = hooks_done),
	{ .key = "(policy)", .type = TN_FIELD_CHECK, .check = check_policy },
	{ 0 },
};

/* exec --process FILE: the file is the value of "process". */
static const struct tn_field process_only_fields[] = {
	C("process", OBJECT, process, TN_FIELD_HAS, TN_GIVEN(struct tn_oci_config, has_process),
	  .fields = process_fields),
	{ 0 },
};

static int parse_json(const char *file, const char *text, size_t len, struct tn_json_value **ret,
		      struct tn_error **err)
{
	struct tn_json_syntax_error se = { 0 };
	int r = tn_json_parse(text, len, ret, &se);

	if (r == -EINVAL || r == -E2BIG)
		return tn_error_set(err, EINVAL, "%s:%u:%u: invalid JSON: %s", file, se.line,
				    se.column, se.message);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot parse %s", file);
	return 0;
}

static int parse_config(const struct tn_cfg *c, const struct tn_json_value *root,
			struct tn_oci_config *cfg)
{
	if (root->type != TN_JSON_OBJECT)
		return tn_cfg_fail(c, root, "(top level)", "expected an object, got %s",
				   tn_json_type_name(root->type));
	return tn_fields_parse(c, config_fields, root, NULL, cfg);
}

int tn_oci_config_parse(const char *file, const char *text, size_t len, struct tn_oci_config *ret,
			struct tn_error **err)
{
	struct tn_cfg c = { .file = file, .err = err };
	_cleanup_(tn_json_value_freep) struct tn_json_value *root = NULL;
	int r;

	*ret = (struct tn_oci_config){ 0 };
	r = parse_json(file, text, len, &root, err);
	if (r < 0)
		return r;
	r = parse_config(&c, root, ret);
	if (r < 0) {
		tn_oci_config_done(ret);
		if (r == -ENOMEM)
			return tn_error_errno(err, ENOMEM, "cannot parse %s", file);
		return r;
	}
	return 0;
}

/*
 * exec -p's process without "user" runs as 0:0, as runc's exec takes it (config.json's process
 * must have one): `v` as seen with a user {"uid": 0, "gid": 0} added, in *with (its member
 * array in *members, the caller frees it; the values stay v's).
 */
static int default_user(struct tn_json_value *v, struct tn_json_value *with,
			struct tn_json_member **members)
{
	static struct tn_json_value zero = { .type = TN_JSON_NUMBER,
					     .number = { .integer = true, .text = (char *)"0" } };
	static struct tn_json_member ids[] = { { (char *)"uid", &zero }, { (char *)"gid", &zero } };
	static struct tn_json_value user = { .type = TN_JSON_OBJECT, .object = { ids, 2 } };

	*with = *v;
	if (v->type != TN_JSON_OBJECT || tn_json_get(v, "user"))
		return 0;
	*members = calloc(v->object.n + 1, sizeof(**members));
	if (!*members)
		return -ENOMEM;
	if (v->object.n) /* an empty object has no member array */
		memcpy(*members, v->object.v, v->object.n * sizeof(**members));
	(*members)[v->object.n] = (struct tn_json_member){ (char *)"user", &user };
	with->object.v = *members;
	with->object.n = v->object.n + 1;
	return 0;
}

int tn_oci_process_parse(const char *file, const char *text, size_t len, struct tn_oci_config *cfg,
			 struct tn_error **err)
{
	struct tn_cfg c = { .file = file, .err = err };
	_cleanup_(tn_json_value_freep) struct tn_json_value *v = NULL;
	_cleanup_free_ struct tn_json_member *members = NULL;
	struct tn_json_value proc;
	struct tn_json_member m = { (char *)"process", &proc };
	struct tn_json_value holder = { .type = TN_JSON_OBJECT, .object = { &m, 1 } };
	int r;

	r = parse_json(file, text, len, &v, err);
	if (r < 0)
		return r;
	r = default_user(v, &proc, &members);
	if (r < 0)
		return r;
	tn_oci_process_done(&cfg->process);
	cfg->process = (struct tn_oci_process){ 0 };
	r = tn_fields_parse(&c, process_only_fields, &holder, NULL, cfg);
	if (r < 0)
		return r;
	if (!cfg->has_process)
		return tn_cfg_fail(&c, v, "process", "expected an object, got %s",
				   tn_json_type_name(v->type));
	return 0;
}

int tn_resources_load(const char *path, struct tn_resources *ret, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_(tn_json_value_freep) struct tn_json_value *v = NULL;
	struct tn_json_syntax_error se = { 0 };
	struct tn_cfg c = { .file = path, .err = err };
	size_t len;
	int r = strcmp(path, "-") == 0 ? tn_read_fd(STDIN_FILENO, TN_CONFIG_MAX, &text, &len)
				       : tn_read_file(path, TN_CONFIG_MAX, &text, &len, NULL);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", path);
	r = tn_json_parse(text, len, &v, &se);
	if (r < 0)
		return tn_error_set(err, EINVAL, "%s:%u:%u: invalid JSON: %s", path, se.line,
				    se.column, se.message);
	if (v->type != TN_JSON_OBJECT)
		return tn_cfg_fail(&c, v, "resources", "expected an object");
	r = tn_fields_parse(&c, tn_resources_fields, v, "linux.resources", ret);
	if (r < 0)
		return r;
	/* As runc's update: the device rules stay as create set them. */
	ret->has_devices = false;
	return 0;
}

int tn_oci_config_load(const char *path, struct tn_oci_config *ret, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = tn_read_file(path, TN_CONFIG_MAX, &text, &len, NULL);

	if (r < 0)
		return tn_error_errno(err, -r, "cannot read %s", path);
	return tn_oci_config_parse(path, text, len, ret, err);
}

void tn_oci_process_done(struct tn_oci_process *p)
{
	tn_fields_done(process_fields, p);
}

void tn_oci_config_done(struct tn_oci_config *c)
{
	tn_fields_done(config_fields, c);
	*c = (struct tn_oci_config){ 0 };
}
