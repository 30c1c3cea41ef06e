/* SPDX-License-Identifier: Apache-2.0 */
/* Hooks: parsing (oci-hooks.h); oci-hooks-run.c runs them. */
#include <errno.h>
#include <string.h>

#include "fs.h"
#include "oci-hooks.h"
#include "oci-json.h"
#include "banned.h"

static const char *const kind_names[TN_HOOK_KINDS] = {
	[TN_HOOK_PRESTART] = "prestart",
	[TN_HOOK_CREATE_RUNTIME] = "createRuntime",
	[TN_HOOK_CREATE_CONTAINER] = "createContainer",
	[TN_HOOK_START_CONTAINER] = "startContainer",
	[TN_HOOK_POSTSTART] = "poststart",
	[TN_HOOK_POSTSTOP] = "poststop",
};

const char *tn_hook_kind_name(enum tn_hook_kind k)
{
	return kind_names[k];
}

static int parse_hook(const struct tn_cfg *c, const struct tn_json_value *o, const char *path,
		      struct tn_oci_hook *h)
{
	char p[128];
	int64_t timeout = 0;
	int r;

	if (o->type != TN_JSON_OBJECT)
		return tn_cfg_fail(c, o, path, "expected an object, got %s",
				   tn_json_type_name(o->type));
	snprintf(p, sizeof(p), "%s.path", path);
	r = tn_cfg_string(c, o, "path", p, true, &h->path);
	if (r < 0)
		return r;
	if (h->path[0] != '/')
		return tn_cfg_fail(c, tn_json_get(o, "path"), p, "\"%s\" is not an absolute path",
				   h->path);
	snprintf(p, sizeof(p), "%s.args", path);
	r = tn_cfg_strings(c, o, "args", p, &h->args, &h->n_args);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%s.env", path);
	r = tn_cfg_strings(c, o, "env", p, &h->env, &h->n_env);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%s.timeout", path);
	r = tn_cfg_int(c, o, "timeout", p, false, 1, 86400, &timeout);
	if (r < 0)
		return r;
	h->timeout = (int)timeout;
	return 0;
}

/* The hooks of one kind, if config.json has any, into hooks->v[k]. */
static int parse_kind(const struct tn_cfg *c, const struct tn_json_value *obj, int k,
		      struct tn_oci_hooks *hooks)
{
	const struct tn_json_value *a;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "hooks.%s", kind_names[k]);
	r = tn_cfg_field(c, obj, kind_names[k], path, TN_JSON_ARRAY, false, &a);
	if (r < 0 || !a)
		return r;
	hooks->v[k] = calloc(a->array.n + 1, sizeof(*hooks->v[k]));
	if (!hooks->v[k])
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		snprintf(path, sizeof(path), "hooks.%s[%zu]", kind_names[k], i);
		hooks->n[k]++; /* counted first: what a failed parse took is freed with the rest */
		r = parse_hook(c, a->array.v[i], path, &hooks->v[k][i]);
		if (r < 0)
			return r;
	}
	return 0;
}

int tn_hooks_parse(const struct tn_cfg *c, const struct tn_json_value *root,
		   struct tn_oci_hooks *ret)
{
	_cleanup_(tn_hooks_done) struct tn_oci_hooks hooks = { 0 };
	const struct tn_json_value *obj;
	int r;

	r = tn_cfg_field(c, root, "hooks", "hooks", TN_JSON_OBJECT, false, &obj);
	if (r < 0)
		return r;
	for (int k = 0; obj && k < TN_HOOK_KINDS; k++) {
		r = parse_kind(c, obj, k, &hooks);
		if (r < 0)
			return r;
	}
	*ret = hooks;
	hooks = (struct tn_oci_hooks){ 0 }; /* handed on */
	return 0;
}

void tn_hooks_done(struct tn_oci_hooks *h)
{
	for (int k = 0; k < TN_HOOK_KINDS; k++) {
		for (size_t i = 0; i < h->n[k]; i++) {
			free(h->v[k][i].path);
			tn_strv_free(h->v[k][i].args);
			tn_strv_free(h->v[k][i].env);
		}
		free(h->v[k]);
	}
	*h = (struct tn_oci_hooks){ 0 };
}
