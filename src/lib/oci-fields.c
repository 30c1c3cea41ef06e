/* SPDX-License-Identifier: Apache-2.0 */
/* config.json read through tables of field descriptors (oci-fields.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "idrange.h"
#include "oci-fields.h"
#include "banned.h"

#define AT(base, off) ((void *)((char *)(base) + (off)))

/* An extent of linux.uidMappings or mounts[].gidMappings: each field given, none past the last
 * ID. */
static int check_extent(const struct tn_cfg *c, _unused_ const struct tn_field *f,
			const struct tn_json_value *o, const char *path, void *base)
{
	const struct tn_idmap_extent *e = base;

	if (e->count == 0)
		return tn_cfg_fail(c, o, path, "size is 0: the extent maps no IDs");
	if (tn_idrange_check(e->inside, e->count) < 0 || tn_idrange_check(e->outside, e->count) < 0)
		return tn_cfg_fail(c, o, path,
				   "%u:%u:%u reaches ID 4294967295, which cannot be mapped",
				   e->inside, e->outside, e->count);
	return 0;
}

#define X(k, member) TN_FIELD(struct tn_idmap_extent, k, U32, member, TN_FIELD_REQUIRED)
const struct tn_field tn_idmap_extent_fields[] = {
	X("containerID", inside),
	X("hostID", outside),
	X("size", count),
	{ .key = "extent", .type = TN_FIELD_CHECK, .check = check_extent },
	{ 0 },
};
#undef X

/* `s` appended at buf[*at], cut to what fits before the NUL (as snprintf cuts). */
static void append(char *buf, size_t size, size_t *at, const char *s)
{
	size_t n = MIN(strlen(s), size - 1 - *at);

	memcpy(buf + *at, s, n);
	*at += n;
	buf[*at] = '\0';
}

/* Every field of every table gets its path, read or not: not through printf's machinery,
 * which was a quarter of config.json's parse. */
void tn_field_path(char *buf, size_t size, const char *prefix, const char *key)
{
	size_t at = 0;

	buf[0] = '\0';
	if (prefix) {
		append(buf, size, &at, prefix);
		append(buf, size, &at, ".");
	}
	append(buf, size, &at, key);
}

/* An array of user or group IDs, each read as a required ID field ("additionalGids"). */
static int parse_ids(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		     const char *path, uint32_t **ret, size_t *ret_n)
{
	const struct tn_json_value *a;
	int r = tn_cfg_field(c, obj, key, path, TN_JSON_ARRAY, false, &a);

	if (r < 0 || !a)
		return r;
	*ret = calloc(a->array.n + 1, sizeof(uint32_t));
	if (!*ret)
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		/* Read as a one-member object, so that the element gets tn_cfg_id()'s checks and
		 * messages; a null element is then "missing (it is required)". */
		struct tn_json_member m = { (char *)key, a->array.v[i] };
		struct tn_json_value holder = { .type = TN_JSON_OBJECT, .object = { &m, 1 } };
		char p[TN_FIELD_PATH_MAX + 24];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		r = tn_cfg_id(c, &holder, key, p, true, &(*ret)[i]);
		if (r < 0)
			return r;
		(*ret_n)++;
	}
	return 0;
}

/* An array of objects: each element read with f->fields, or by f->parse. */
static int parse_array(const struct tn_cfg *c, const struct tn_field *f,
		       const struct tn_json_value *obj, const char *path, void *base)
{
	const struct tn_json_value *a;
	size_t *n = AT(base, f->n);
	void **v = AT(base, f->offset);
	int r = tn_cfg_field(c, obj, f->key, path, TN_JSON_ARRAY, f->flags & TN_FIELD_REQUIRED, &a);

	if (r < 0 || !a)
		return r;
	*v = calloc(a->array.n + 1, f->elem_size);
	if (!*v)
		return -ENOMEM;
	for (size_t i = 0; i < a->array.n; i++) {
		const struct tn_json_value *e = a->array.v[i];
		void *elem = AT(*v, i * f->elem_size);
		char p[TN_FIELD_PATH_MAX + 24];

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		(*n)++; /* counted before it is read: tn_fields_done() frees a half-read one */
		if (f->parse_elem)
			r = f->parse_elem(c, e, p, *v, i);
		else if (e->type != TN_JSON_OBJECT)
			r = tn_cfg_fail(c, e, p, "expected an object, got %s",
					tn_json_type_name(e->type));
		else
			r = tn_fields_parse(c, f->fields, e, p, elem);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_object(const struct tn_cfg *c, const struct tn_field *f,
			const struct tn_json_value *obj, const char *path, void *dst)
{
	const struct tn_json_value *o;
	int r = tn_cfg_field(c, obj, f->key, path, TN_JSON_OBJECT, f->flags & TN_FIELD_REQUIRED,
			     &o);

	if (r < 0 || !o)
		return r;
	return tn_fields_parse(c, f->fields, o, path, dst);
}

static int parse_int(const struct tn_cfg *c, const struct tn_field *f,
		     const struct tn_json_value *obj, const char *path, bool required, void *dst)
{
	const struct tn_json_value *v = tn_json_get(obj, f->key);
	int64_t i;
	int r = tn_cfg_int(c, obj, f->key, path, required, f->min, f->max, &i);

	if (r < 0 || !v || v->type == TN_JSON_NULL)
		return r;
	if (f->type == TN_FIELD_INT)
		*(int *)dst = (int)i; /* within [min, max], which fit an int */
	else
		*(int64_t *)dst = i;
	return 0;
}

static int read_field(const struct tn_cfg *c, const struct tn_field *f,
		      const struct tn_json_value *obj, const char *path, void *base)
{
	const struct tn_json_value *v = tn_json_get(obj, f->key);
	bool required = (f->flags & TN_FIELD_REQUIRED) || ((f->flags & TN_FIELD_NOT_NULL) && v);
	void *dst = AT(base, f->offset);
	size_t *n = AT(base, f->n);

	switch (f->type) {
	case TN_FIELD_STRING:
		return tn_cfg_string(c, obj, f->key, path, required, dst);
	case TN_FIELD_BOOL:
		return tn_cfg_bool(c, obj, f->key, path, dst);
	case TN_FIELD_INT:
	case TN_FIELD_I64:
		return parse_int(c, f, obj, path, required, dst);
	case TN_FIELD_U32:
		return tn_cfg_u32(c, obj, f->key, path, required, dst);
	case TN_FIELD_U64:
		return tn_cfg_u64(c, obj, f->key, path, required, dst);
	case TN_FIELD_ID:
		return tn_cfg_id(c, obj, f->key, path, required, dst);
	case TN_FIELD_STRINGS:
		return tn_cfg_strings(c, obj, f->key, path, dst, n);
	case TN_FIELD_STRING_MAP:
		return tn_cfg_string_map(c, obj, f->key, path, false, dst, n);
	case TN_FIELD_IDS:
		return parse_ids(c, obj, f->key, path, dst, n);
	case TN_FIELD_OBJECT:
		return parse_object(c, f, obj, path, dst);
	case TN_FIELD_ARRAY:
		return parse_array(c, f, obj, path, base);
	case TN_FIELD_CUSTOM:
		return f->parse(c, f, obj, path, dst);
	case TN_FIELD_CHECK:
	case TN_FIELD_DERIVED:
		return 0;
	}
	return -EINVAL;
}

int tn_fields_parse(const struct tn_cfg *c, const struct tn_field *fields,
		    const struct tn_json_value *obj, const char *prefix, void *base)
{
	for (const struct tn_field *f = fields; f->key; f++) {
		char path[TN_FIELD_PATH_MAX];
		int r;

		if (f->type == TN_FIELD_CHECK) { /* about the object: named by its path */
			r = f->check(c, f, obj, prefix ? prefix : "", base);
			if (r < 0)
				return r;
			continue;
		}
		tn_field_path(path, sizeof(path), prefix, f->key);
		r = read_field(c, f, obj, path, base);
		if (r < 0)
			return r;
		if (f->flags & TN_FIELD_HAS) {
			const struct tn_json_value *v = tn_json_get(obj, f->key);

			*(bool *)AT(base, f->has) =
				v && (v->type != TN_JSON_NULL || (f->flags & TN_FIELD_HAS_NULL));
		}
		if (f->check) {
			r = f->check(c, f, obj, path, base);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int tn_field_check_absolute(const struct tn_cfg *c, const struct tn_field *f,
			    const struct tn_json_value *obj, const char *path, void *base)
{
	const char *s = *(char **)AT(base, f->offset);

	if (s && s[0] != '/')
		return tn_cfg_fail(c, tn_json_get(obj, f->key), path,
				   "\"%s\" is not an absolute path", s);
	return 0;
}

int tn_field_check_absolute_all(const struct tn_cfg *c, const struct tn_field *f,
				const struct tn_json_value *obj, const char *path, void *base)
{
	char **v = *(char ***)AT(base, f->offset);
	size_t n = *(size_t *)AT(base, f->n);

	for (size_t i = 0; i < n; i++)
		if (v[i][0] != '/') {
			char p[TN_FIELD_PATH_MAX + 24];

			snprintf(p, sizeof(p), "%s[%zu]", path, i);
			return tn_cfg_fail(c, tn_json_get(obj, f->key)->array.v[i], p,
					   "\"%s\" is not an absolute path", v[i]);
		}
	return 0;
}

static void free_array(const struct tn_field *f, void *base)
{
	size_t *n = AT(base, f->n);
	void **v = AT(base, f->offset);

	for (size_t i = 0; *v && f->fields && i < *n; i++)
		tn_fields_done(f->fields, AT(*v, i * f->elem_size));
	free(*v);
	*v = NULL;
	*n = 0;
}

void tn_fields_done(const struct tn_field *fields, void *base)
{
	for (const struct tn_field *f = fields; f->key; f++) {
		void *dst = AT(base, f->offset);

		switch (f->type) {
		case TN_FIELD_STRING:
		case TN_FIELD_DERIVED:
		case TN_FIELD_IDS:
			free(*(void **)dst);
			*(void **)dst = NULL;
			break;
		case TN_FIELD_STRINGS:
		case TN_FIELD_STRING_MAP:
			tn_strv_free(*(char ***)dst);
			*(char ***)dst = NULL;
			break;
		case TN_FIELD_OBJECT:
			tn_fields_done(f->fields, dst);
			break;
		case TN_FIELD_ARRAY:
			free_array(f, base);
			break;
		case TN_FIELD_CUSTOM:
			if (f->done)
				f->done(dst);
			break;
		default:
			break;
		}
		if (f->type >= TN_FIELD_STRINGS && f->type <= TN_FIELD_IDS)
			*(size_t *)AT(base, f->n) = 0;
	}
}
