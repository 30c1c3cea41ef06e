/* SPDX-License-Identifier: Apache-2.0 */
/* Typed config.json field reads (oci-json.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "buf.h"
#include "oci-json.h"
#include "banned.h"

/* "a string (\"root\")": the value as the message shows it. */
static void show_value(struct tn_buf *b, const struct tn_json_value *v)
{
	tn_buf_puts(b, tn_json_type_name(v->type));
	switch (v->type) {
	case TN_JSON_STRING:
		if (v->string.len <= 40)
			tn_buf_printf(b, " (\"%s\")", v->string.s);
		else
			tn_buf_printf(b, " (\"%.37s...\")", v->string.s);
		break;
	case TN_JSON_NUMBER:
		tn_buf_printf(b, " (%.40s)", v->number.text);
		break;
	case TN_JSON_BOOL:
		tn_buf_printf(b, " (%s)", v->boolean ? "true" : "false");
		break;
	default:
		break;
	}
}

int tn_cfg_fail(const struct tn_cfg *c, const struct tn_json_value *v, const char *path,
		const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	if (v)
		return tn_error_set(c->err, EINVAL, "%s:%" PRIu32 ":%" PRIu32 ": %s: %s", c->file,
				    v->line, v->column, path, msg);
	return tn_error_set(c->err, EINVAL, "%s: %s: %s", c->file, path, msg);
}

static int wrong_type(const struct tn_cfg *c, const struct tn_json_value *v, const char *path,
		      const char *expected)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };

	show_value(&b, v);
	return tn_cfg_fail(c, v, path, "expected %s, got %s", expected, b.data ? b.data : "?");
}

int tn_cfg_field(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		 const char *path, enum tn_json_type want, bool required,
		 const struct tn_json_value **ret)
{
	const struct tn_json_value *v = tn_json_get(obj, key);

	*ret = NULL;
	if (!v || v->type == TN_JSON_NULL) {
		if (required)
			return tn_cfg_fail(c, obj, path, "missing (it is required)");
		return 0;
	}
	if (v->type != want)
		return wrong_type(c, v, path, tn_json_type_name(want));
	*ret = v;
	return 0;
}

int tn_cfg_string(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		  const char *path, bool required, char **ret)
{
	const struct tn_json_value *v;
	int r = tn_cfg_field(c, obj, key, path, TN_JSON_STRING, required, &v);

	if (r < 0 || !v)
		return r;
	if (strlen(v->string.s) != v->string.len)
		return tn_cfg_fail(c, v, path, "contains a NUL character");
	free(*ret);
	*ret = strdup(v->string.s);
	return *ret ? 0 : -ENOMEM;
}

int tn_cfg_bool(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		const char *path, bool *ret)
{
	const struct tn_json_value *v;
	int r = tn_cfg_field(c, obj, key, path, TN_JSON_BOOL, false, &v);

	if (r < 0 || !v)
		return r;
	*ret = v->boolean;
	return 0;
}

static int integer_field(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
			 const char *path, bool required, const struct tn_json_value **ret)
{
	int r = tn_cfg_field(c, obj, key, path, TN_JSON_NUMBER, required, ret);

	if (r < 0 || !*ret)
		return r;
	if (!(*ret)->number.integer)
		return wrong_type(c, *ret, path, "an integer");
	return 0;
}

int tn_cfg_int(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
	       const char *path, bool required, int64_t min, int64_t max, int64_t *ret)
{
	const struct tn_json_value *v = tn_json_get(obj, key);
	char want[96];
	bool fits;

	if (!v || v->type == TN_JSON_NULL)
		return required ? tn_cfg_fail(c, obj, path, "missing (it is required)") : 0;
	fits = v->type == TN_JSON_NUMBER && v->number.integer &&
	       (v->number.negative ? v->number.i >= min
				   : v->number.u <= (uint64_t)INT64_MAX && v->number.i >= min &&
					     v->number.i <= max);
	if (!fits) {
		snprintf(want, sizeof(want), "an integer from %" PRId64 " to %" PRId64, min, max);
		return wrong_type(c, v, path, want);
	}
	*ret = v->number.i;
	return 0;
}

int tn_cfg_u64(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
	       const char *path, bool required, uint64_t *ret)
{
	const struct tn_json_value *v;
	int r = integer_field(c, obj, key, path, required, &v);

	if (r < 0 || !v)
		return r;
	if (v->number.negative)
		return wrong_type(c, v, path, "an integer from 0 to 18446744073709551615");
	*ret = v->number.u;
	return 0;
}

int tn_cfg_u32(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
	       const char *path, bool required, uint32_t *ret)
{
	const struct tn_json_value *given = tn_json_get(obj, key);
	int64_t v;
	int r = tn_cfg_int(c, obj, key, path, required, 0, UINT32_MAX, &v);

	if (r < 0 || !given || given->type == TN_JSON_NULL)
		return r;
	*ret = (uint32_t)v;
	return 0;
}

int tn_cfg_id(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
	      const char *path, bool required, uint32_t *ret)
{
	const struct tn_json_value *v = tn_json_get(obj, key);
	int64_t id;
	int r;

	/* setresuid(2), setresgid(2) and setgroups read (uid_t)-1 as "leave unchanged": a
	 * process asked to be 4294967295 would keep tenant's IDs (host root). runc: EINVAL. */
	if (v && v->type == TN_JSON_NUMBER && v->number.integer && !v->number.negative &&
	    v->number.u == UINT32_MAX)
		return tn_cfg_fail(c, v, path,
				   "4294967295 is not a user or group ID (the kernel reads it as "
				   "\"leave unchanged\"); the last valid ID is 4294967294");
	r = tn_cfg_int(c, obj, key, path, required, 0, UINT32_MAX - 1, &id);
	if (r < 0 || !v || v->type == TN_JSON_NULL)
		return r;
	*ret = (uint32_t)id;
	return 0;
}

char **tn_strv_copy(char *const *v, size_t *ret_n)
{
	_cleanup_(tn_strv_freep) char **c = NULL;
	size_t n = 0;

	while (v[n])
		n++;
	c = calloc(n + 1, sizeof(*c));
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		c[i] = strdup(v[i]);
		if (!c[i])
			return NULL;
	}
	*ret_n = n;
	return TAKE_PTR(c);
}

void tn_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

int tn_cfg_strings(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		   const char *path, char ***ret, size_t *ret_n)
{
	const struct tn_json_value *a;
	_cleanup_(tn_strv_freep) char **v = NULL;
	int r = tn_cfg_field(c, obj, key, path, TN_JSON_ARRAY, false, &a);

	if (r < 0 || !a)
		return r;
	v = calloc(a->array.n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		const struct tn_json_value *s = a->array.v[i];
		char p[256];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (s->type != TN_JSON_STRING)
			return wrong_type(c, s, p, "a string");
		if (strlen(s->string.s) != s->string.len)
			return tn_cfg_fail(c, s, p, "contains a NUL character");
		v[i] = strdup(s->string.s);
		if (!v[i])
			return -ENOMEM;
	}
	tn_strv_free(*ret);
	*ret = TAKE_PTR(v);
	*ret_n = a->array.n;
	return 0;
}

/* An object of strings ("annotations", "linux.sysctl") as key/value pairs or "k=v" strings. */
int tn_cfg_string_map(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		      const char *path, bool as_assignments, char ***ret, size_t *ret_n)
{
	const struct tn_json_value *o;
	_cleanup_(tn_strv_freep) char **v = NULL;
	size_t k = 0;
	int r = tn_cfg_field(c, obj, key, path, TN_JSON_OBJECT, false, &o);

	if (r < 0 || !o)
		return r;
	v = calloc(2 * o->object.n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < o->object.n; i++) {
		const struct tn_json_member *m = &o->object.v[i];
		char p[256];

		snprintf(p, sizeof(p), "%s.%s", path, m->key);
		if (m->value->type != TN_JSON_STRING)
			return tn_cfg_fail(c, m->value, p, "expected a string, got %s",
					   tn_json_type_name(m->value->type));
		if (as_assignments) {
			if (asprintf(&v[k++], "%s=%s", m->key, m->value->string.s) < 0) {
				v[k - 1] = NULL; /* asprintf leaves it undefined */
				return -ENOMEM;
			}
			continue;
		}
		v[k] = strdup(m->key);
		if (!v[k++])
			return -ENOMEM;
		v[k] = strdup(m->value->string.s);
		if (!v[k++])
			return -ENOMEM;
	}
	tn_strv_free(*ret);
	*ret = TAKE_PTR(v);
	*ret_n = as_assignments ? k : k / 2;
	return 0;
}
