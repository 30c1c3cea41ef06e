/* SPDX-License-Identifier: Apache-2.0 */
/* config.json into struct tn_oci_config (oci-config.h). */
#include <errno.h>
#include <string.h>

#include "fs.h"
#include "oci-config.h"
#include "oci-json.h"
#include "oci-names.h"
#include "banned.h"

/* "process.capabilities.bounding[3]" */
#define PATH_FMT(buf, ...) snprintf(buf, sizeof(buf), __VA_ARGS__)

static int parse_user(const struct tn_cfg *c, const struct tn_json_value *proc,
		      struct tn_oci_process *p)
{
	const struct tn_json_value *user, *gids;
	int r;

	r = tn_cfg_field(c, proc, "user", "process.user", TN_JSON_OBJECT, true, &user);
	if (r < 0)
		return r;
	r = tn_cfg_id(c, user, "uid", "process.user.uid", true, &p->uid);
	if (r == 0)
		r = tn_cfg_id(c, user, "gid", "process.user.gid", true, &p->gid);
	if (r == 0 && tn_json_get(user, "umask")) {
		r = tn_cfg_u32(c, user, "umask", "process.user.umask", false, &p->umask);
		p->has_umask = tn_json_get(user, "umask")->type != TN_JSON_NULL;
	}
	if (r == 0)
		r = tn_cfg_field(c, user, "additionalGids", "process.user.additionalGids",
				 TN_JSON_ARRAY, false, &gids);
	if (r < 0 || !gids)
		return r;
	p->additional_gids = calloc(gids->array.n + 1, sizeof(uint32_t));
	if (!p->additional_gids)
		return -ENOMEM;
	for (size_t i = 0; i < gids->array.n; i++) {
		struct tn_json_value holder = { .type = TN_JSON_OBJECT };
		struct tn_json_member m = { (char *)"gid", gids->array.v[i] };
		char path[64];

		holder.object.v = &m;
		holder.object.n = 1;
		PATH_FMT(path, "process.user.additionalGids[%zu]", i);
		r = tn_cfg_id(c, &holder, "gid", path, true, &p->additional_gids[i]);
		if (r < 0)
			return r;
		p->n_additional_gids++;
	}
	return 0;
}

static int parse_caps(const struct tn_cfg *c, const struct tn_json_value *proc,
		      struct tn_oci_process *p)
{
	static const char *const sets[TN_CAP_SETS] = { "bounding", "effective", "inheritable",
						       "permitted", "ambient" };
	const struct tn_json_value *caps;
	int r = tn_cfg_field(c, proc, "capabilities", "process.capabilities", TN_JSON_OBJECT, false,
			     &caps);

	for (int s = 0; r == 0 && caps && s < TN_CAP_SETS; s++) {
		char path[64], **names = NULL;
		size_t n = 0;

		PATH_FMT(path, "process.capabilities.%s", sets[s]);
		r = tn_cfg_strings(c, caps, sets[s], path, &names, &n);
		for (size_t i = 0; r == 0 && i < n; i++) {
			int cap = tn_cap_from_name(names[i]);

			if (cap < 0) {
				PATH_FMT(path, "process.capabilities.%s[%zu]", sets[s], i);
				r = tn_cfg_fail(c, tn_json_get(caps, sets[s])->array.v[i], path,
						"unknown capability \"%s\"", names[i]);
			} else {
				p->caps[s] |= UINT64_C(1) << cap;
			}
		}
		tn_strv_free(names);
	}
	return r;
}

static int parse_rlimits(const struct tn_cfg *c, const struct tn_json_value *proc,
			 struct tn_oci_process *p)
{
	const struct tn_json_value *a;
	int r = tn_cfg_field(c, proc, "rlimits", "process.rlimits", TN_JSON_ARRAY, false, &a);

	if (r < 0 || !a)
		return r;
	p->rlimits = calloc(a->array.n + 1, sizeof(*p->rlimits));
	if (!p->rlimits)
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		const struct tn_json_value *o = a->array.v[i];
		struct tn_oci_rlimit *l = &p->rlimits[i];
		_cleanup_free_ char *type = NULL;
		char path[64];

		PATH_FMT(path, "process.rlimits[%zu]", i);
		if (o->type != TN_JSON_OBJECT)
			return tn_cfg_fail(c, o, path, "expected an object, got %s",
					   tn_json_type_name(o->type));
		PATH_FMT(path, "process.rlimits[%zu].type", i);
		r = tn_cfg_string(c, o, "type", path, true, &type);
		if (r < 0)
			return r;
		l->resource = tn_rlimit_from_name(type);
		if (l->resource < 0)
			return tn_cfg_fail(c, tn_json_get(o, "type"), path, "unknown rlimit \"%s\"",
					   type);
		for (size_t j = 0; j < i; j++)
			if (p->rlimits[j].resource == l->resource)
				return tn_cfg_fail(c, tn_json_get(o, "type"), path,
						   "\"%s\" is given twice", type);
		PATH_FMT(path, "process.rlimits[%zu].soft", i);
		r = tn_cfg_u64(c, o, "soft", path, true, &l->soft);
		PATH_FMT(path, "process.rlimits[%zu].hard", i);
		if (r == 0)
			r = tn_cfg_u64(c, o, "hard", path, true, &l->hard);
		if (r < 0)
			return r;
		if (l->soft > l->hard)
			return tn_cfg_fail(
				c, o, path, "soft limit %llu is above the hard limit %llu",
				(unsigned long long)l->soft, (unsigned long long)l->hard);
		p->n_rlimits++;
	}
	return 0;
}

static int parse_console_size(const struct tn_cfg *c, const struct tn_json_value *proc,
			      struct tn_oci_process *p)
{
	const struct tn_json_value *o;
	int r = tn_cfg_field(c, proc, "consoleSize", "process.consoleSize", TN_JSON_OBJECT, false,
			     &o);

	if (r < 0 || !o)
		return r;
	p->has_console_size = true;
	r = tn_cfg_u32(c, o, "height", "process.consoleSize.height", true, &p->console_height);
	if (r == 0)
		r = tn_cfg_u32(c, o, "width", "process.consoleSize.width", true, &p->console_width);
	return r;
}

static int parse_process(const struct tn_cfg *c, const struct tn_json_value *root,
			 struct tn_oci_config *cfg)
{
	const struct tn_json_value *proc;
	struct tn_oci_process *p = &cfg->process;
	int64_t oom;
	int r = tn_cfg_field(c, root, "process", "process", TN_JSON_OBJECT, false, &proc);

	if (r < 0 || !proc)
		return r;
	cfg->has_process = true;
	r = tn_cfg_bool(c, proc, "terminal", "process.terminal", &p->terminal);
	if (r == 0)
		r = parse_console_size(c, proc, p);
	if (r == 0)
		r = parse_user(c, proc, p);
	if (r == 0)
		r = tn_cfg_strings(c, proc, "args", "process.args", &p->args, &p->n_args);
	if (r == 0 && p->n_args == 0)
		r = tn_cfg_fail(c, proc, "process.args", "missing or empty (it is required)");
	if (r == 0)
		r = tn_cfg_strings(c, proc, "env", "process.env", &p->env, &p->n_env);
	if (r == 0)
		r = tn_cfg_string(c, proc, "cwd", "process.cwd", true, &p->cwd);
	if (r == 0 && p->cwd[0] != '/')
		r = tn_cfg_fail(c, tn_json_get(proc, "cwd"), "process.cwd",
				"\"%s\" is not an absolute path", p->cwd);
	if (r == 0)
		r = parse_caps(c, proc, p);
	if (r == 0)
		r = tn_cfg_bool(c, proc, "noNewPrivileges", "process.noNewPrivileges",
				&p->no_new_privileges);
	if (r == 0)
		r = parse_rlimits(c, proc, p);
	if (r == 0 && tn_json_get(proc, "oomScoreAdj") &&
	    tn_json_get(proc, "oomScoreAdj")->type != TN_JSON_NULL) {
		r = tn_cfg_int(c, proc, "oomScoreAdj", "process.oomScoreAdj", true, -1000, 1000,
			       &oom);
		p->has_oom_score_adj = true;
		p->oom_score_adj = (int)oom;
	}
	return r;
}

static int parse_root(const struct tn_cfg *c, const struct tn_json_value *root,
		      struct tn_oci_config *cfg)
{
	const struct tn_json_value *o;
	int r = tn_cfg_field(c, root, "root", "root", TN_JSON_OBJECT, true, &o);

	if (r == 0)
		r = tn_cfg_string(c, o, "path", "root.path", true, &cfg->root_path);
	if (r == 0 && cfg->root_path[0] == '\0')
		r = tn_cfg_fail(c, tn_json_get(o, "path"), "root.path", "is empty");
	if (r == 0)
		r = tn_cfg_bool(c, o, "readonly", "root.readonly", &cfg->root_readonly);
	return r;
}

static int parse_mount(const struct tn_cfg *c, const struct tn_json_value *o, size_t i,
		       struct tn_oci_mount *m)
{
	char path[64];
	const char *bad = NULL;
	int r;

	PATH_FMT(path, "mounts[%zu]", i);
	if (o->type != TN_JSON_OBJECT)
		return tn_cfg_fail(c, o, path, "expected an object, got %s",
				   tn_json_type_name(o->type));
	PATH_FMT(path, "mounts[%zu].destination", i);
	r = tn_cfg_string(c, o, "destination", path, true, &m->destination);
	if (r == 0 && m->destination[0] != '/')
		r = tn_cfg_fail(c, tn_json_get(o, "destination"), path,
				"\"%s\" is not an absolute path", m->destination);
	PATH_FMT(path, "mounts[%zu].type", i);
	if (r == 0)
		r = tn_cfg_string(c, o, "type", path, false, &m->type);
	PATH_FMT(path, "mounts[%zu].source", i);
	if (r == 0)
		r = tn_cfg_string(c, o, "source", path, false, &m->source);
	PATH_FMT(path, "mounts[%zu].options", i);
	if (r == 0)
		r = tn_cfg_strings(c, o, "options", path, &m->options, &m->n_options);
	if (r < 0)
		return r;
	r = tn_oci_mount_options(m, &bad);
	if (r == -EINVAL)
		return tn_cfg_fail(c, tn_json_get(o, "options"), path, "invalid option \"%s\"",
				   bad);
	if (r == 0 && (m->bind || (m->type && strcmp(m->type, "bind") == 0)) && !m->source) {
		PATH_FMT(path, "mounts[%zu].source", i);
		return tn_cfg_fail(c, o, path, "missing (a bind mount needs a source)");
	}
	if (m->type && strcmp(m->type, "bind") == 0)
		m->bind = true;
	PATH_FMT(path, "mounts[%zu]", i);
	if (r == 0)
		r = tn_cfg_idmappings(c, o, "uidMappings", path, &m->uid_mappings,
				      &m->n_uid_mappings);
	if (r == 0)
		r = tn_cfg_idmappings(c, o, "gidMappings", path, &m->gid_mappings,
				      &m->n_gid_mappings);
	if (r == 0 && (!m->n_uid_mappings) != (!m->n_gid_mappings))
		r = tn_cfg_fail(c, o, path,
				"%s without %s: an idmapped mount needs both (or neither: the "
				"container's own maps)",
				m->n_uid_mappings ? "uidMappings" : "gidMappings",
				m->n_uid_mappings ? "gidMappings" : "uidMappings");
	if (m->n_uid_mappings)
		m->idmap = true; /* as runc: mappings alone ask for an idmapped mount */
	return r;
}

static int parse_mounts(const struct tn_cfg *c, const struct tn_json_value *root,
			struct tn_oci_config *cfg)
{
	const struct tn_json_value *a;
	int r = tn_cfg_field(c, root, "mounts", "mounts", TN_JSON_ARRAY, false, &a);

	if (r < 0 || !a)
		return r;
	cfg->mounts = calloc(a->array.n + 1, sizeof(*cfg->mounts));
	if (!cfg->mounts)
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		cfg->n_mounts++;
		r = parse_mount(c, a->array.v[i], i, &cfg->mounts[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_hostnames(const struct tn_cfg *c, const struct tn_json_value *root,
			   struct tn_oci_config *cfg)
{
	int r = tn_cfg_string(c, root, "hostname", "hostname", false, &cfg->hostname);

	if (r == 0)
		r = tn_cfg_string(c, root, "domainname", "domainname", false, &cfg->domainname);
	if (r == 0 && cfg->hostname && strlen(cfg->hostname) > 64)
		r = tn_cfg_fail(c, tn_json_get(root, "hostname"), "hostname",
				"longer than 64 characters");
	return r;
}

int tn_oci_config_linux(const struct tn_cfg *c, const struct tn_json_value *root,
			struct tn_oci_config *cfg);

int tn_oci_config_parse(const char *file, const char *text, size_t len, struct tn_oci_config *ret,
			struct tn_error **err)
{
	struct tn_cfg c = { .file = file, .err = err };
	struct tn_json_syntax_error se = { 0 };
	struct tn_json_value *root = NULL;
	int r;

	*ret = (struct tn_oci_config){ 0 };
	r = tn_json_parse(text, len, &root, &se);
	if (r == -EINVAL || r == -E2BIG)
		return tn_error_set(err, EINVAL, "%s:%u:%u: invalid JSON: %s", file, se.line,
				    se.column, se.message);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot parse %s", file);
	if (root->type != TN_JSON_OBJECT)
		r = tn_cfg_fail(&c, root, "(top level)", "expected an object, got %s",
				tn_json_type_name(root->type));
	if (r == 0)
		r = tn_cfg_string(&c, root, "ociVersion", "ociVersion", true, &ret->oci_version);
	if (r == 0)
		r = parse_root(&c, root, ret);
	if (r == 0)
		r = parse_hostnames(&c, root, ret);
	if (r == 0)
		r = parse_process(&c, root, ret);
	if (r == 0)
		r = parse_mounts(&c, root, ret);
	if (r == 0)
		r = tn_cfg_string_map(&c, root, "annotations", "annotations", false,
				      &ret->annotations, &ret->n_annotations);
	if (r == 0)
		r = tn_oci_config_linux(&c, root, ret);
	if (r == 0)
		r = tn_hooks_parse(&c, root, &ret->hooks);
	tn_json_value_free(root);
	if (r < 0) {
		tn_oci_config_done(ret);
		if (r == -ENOMEM)
			return tn_error_errno(err, ENOMEM, "cannot parse %s", file);
	}
	return r;
}

int tn_oci_process_parse(const char *file, const char *text, size_t len, struct tn_oci_config *cfg,
			 struct tn_error **err)
{
	struct tn_cfg c = { .file = file, .err = err };
	struct tn_json_syntax_error se = { 0 };
	struct tn_json_value *v = NULL, holder = { .type = TN_JSON_OBJECT };
	struct tn_json_member m = { (char *)"process", NULL };
	int r = tn_json_parse(text, len, &v, &se);

	if (r == -EINVAL || r == -E2BIG)
		return tn_error_set(err, EINVAL, "%s:%u:%u: invalid JSON: %s", file, se.line,
				    se.column, se.message);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot parse %s", file);
	m.value = v;
	holder.object.v = &m;
	holder.object.n = 1;
	tn_oci_process_done(&cfg->process);
	cfg->process = (struct tn_oci_process){ 0 };
	r = parse_process(&c, &holder, cfg);
	if (r == 0 && !cfg->has_process)
		r = tn_cfg_fail(&c, v, "process", "expected an object, got %s",
				tn_json_type_name(v->type));
	tn_json_value_free(v);
	return r;
}

int tn_resources_parse(const struct tn_cfg *c, const struct tn_json_value *res,
		       struct tn_resources *r);

int tn_resources_load(const char *path, struct tn_resources *ret, struct tn_error **err)
{
	_cleanup_free_ char *text = NULL;
	struct tn_json_syntax_error se = { 0 };
	struct tn_json_value *v = NULL;
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
		r = tn_cfg_fail(&c, v, "resources", "expected an object");
	else
		r = tn_resources_parse(&c, v, ret);
	tn_json_value_free(v);
	return r;
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
	free(p->additional_gids);
	tn_strv_free(p->args);
	tn_strv_free(p->env);
	free(p->cwd);
	free(p->rlimits);
}

void tn_oci_config_done(struct tn_oci_config *c)
{
	free(c->oci_version);
	free(c->root_path);
	free(c->hostname);
	free(c->domainname);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		tn_strv_free(c->mounts[i].options);
		free(c->mounts[i].data);
		free(c->mounts[i].uid_mappings);
		free(c->mounts[i].gid_mappings);
	}
	free(c->mounts);
	tn_oci_process_done(&c->process);
	for (int i = 0; i < TN_NS_COUNT; i++)
		free(c->ns[i].path);
	free(c->uid_mappings);
	free(c->gid_mappings);
	tn_strv_free(c->masked_paths);
	tn_strv_free(c->readonly_paths);
	free(c->cgroups_path);
	tn_resources_done(&c->resources);
	tn_strv_free(c->sysctl);
	tn_strv_free(c->annotations);
	tn_seccomp_free(c->seccomp);
	tn_hooks_done(&c->hooks);
	*c = (struct tn_oci_config){ 0 };
}
