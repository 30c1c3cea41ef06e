/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Typed reads of config.json fields with errors that name the file, line, column, field and
 * value: "config.json:12:20: process.user.uid: expected an integer from 0 to 4294967294, got a
 * string (\"root\")".
 *
 * Each reader takes the object that holds the field, the field's key, and the field's path for
 * messages. A field that is absent leaves *ret unchanged and returns 0 (or an error when
 * `required`); JSON null counts as absent, as Go's decoder treats it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "idmap.h"
#include "json-parse.h"

struct tn_cfg {
	const char *file; /* for messages: the config.json path as given */
	struct tn_error **err;
};

/* Report a problem with value `v` (or with the whole file when v is NULL). */
int tn_cfg_fail(const struct tn_cfg *c, const struct tn_json_value *v, const char *path,
		const char *fmt, ...) _printf_(4, 5);

/* The field as a JSON value of type `want`, or NULL when absent (an error when required). */
int tn_cfg_field(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		 const char *path, enum tn_json_type want, bool required,
		 const struct tn_json_value **ret);

int tn_cfg_string(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		  const char *path, bool required, char **ret);
int tn_cfg_bool(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		const char *path, bool *ret);
/* An integer within [min, max]. */
int tn_cfg_int(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
	       const char *path, bool required, int64_t min, int64_t max, int64_t *ret);
int tn_cfg_u64(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
	       const char *path, bool required, uint64_t *ret);
int tn_cfg_u32(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
	       const char *path, bool required, uint32_t *ret);
/* A user or group ID: an integer from 0 to 4294967294 (4294967295 is refused, with why). */
int tn_cfg_id(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
	      const char *path, bool required, uint32_t *ret);
/* An array of strings, NULL-terminated (*ret_n excludes the NULL). */
int tn_cfg_strings(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		   const char *path, char ***ret, size_t *ret_n);

/*
 * An object of strings ("annotations", "linux.sysctl"): as "key", "value" pairs (*ret_n pairs),
 * or with `as_assignments` as "key=value" strings (*ret_n strings). NULL-terminated.
 */
int tn_cfg_string_map(const struct tn_cfg *c, const struct tn_json_value *obj, const char *key,
		      const char *path, bool as_assignments, char ***ret, size_t *ret_n);

void tn_strv_free(char **v);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, tn_strv_free)
/* A copy of a NULL-terminated string array; *ret_n gets its length. NULL when out of memory. */
char **tn_strv_copy(char *const *v, size_t *ret_n);
