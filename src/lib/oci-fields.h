/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json read through tables of field descriptors, in the spirit of systemd's table-driven
 * config parsers: one line per field says its key, its type, where it goes (offsetof) and
 * whether it is required; the same table frees what reading allocated.
 *
 *	static const struct tn_field root_fields[] = {
 *		TN_FIELD(struct tn_oci_config, "path", STRING, root_path, TN_FIELD_REQUIRED,
 *			 .check = check_not_empty),
 *		TN_FIELD(struct tn_oci_config, "readonly", BOOL, root_readonly, 0),
 *		{ 0 },
 *	};
 *
 * Fields are read in table order, so the first error is the one today's messages promise
 * (oci-json.h: "config.json:12:20: process.user.uid: expected ..."). A nested object is a
 * TN_FIELD_OBJECT with its own table; an array of objects a TN_FIELD_ARRAY with the table of
 * one element (or a function that reads one element); anything else a TN_FIELD_CUSTOM with a
 * function that reads it and one that frees it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci-json.h"

#define TN_FIELD_PATH_MAX 256 /* "linux.resources.devices[3].access" */

enum tn_field_type {
	TN_FIELD_STRING,     /* char *, without NUL characters */
	TN_FIELD_BOOL,	     /* bool */
	TN_FIELD_INT,	     /* int within [min, max] */
	TN_FIELD_I64,	     /* int64_t within [min, max] */
	TN_FIELD_U32,	     /* uint32_t */
	TN_FIELD_U64,	     /* uint64_t */
	TN_FIELD_ID,	     /* uint32_t, a user or group ID: 0 to 4294967294 */
	TN_FIELD_STRINGS,    /* char **, NULL-terminated; its length at .n */
	TN_FIELD_STRING_MAP, /* char **, "key", "value" pairs; their number at .n */
	TN_FIELD_IDS,	     /* uint32_t *, an array of IDs; their number at .n */
	TN_FIELD_OBJECT,     /* an object read with .fields into the struct at .offset */
	TN_FIELD_ARRAY,	     /* an array of .elem_size elements at .offset, their number at .n */
	TN_FIELD_CUSTOM,     /* .parse reads it, .done frees it */
	TN_FIELD_CHECK,	     /* reads nothing: runs .check on the object at this point */
	TN_FIELD_DERIVED,    /* reads nothing: a char * the checks make, freed with the rest */
};

enum {
	TN_FIELD_REQUIRED = 1 << 0, /* absent or null: "missing (it is required)" */
	TN_FIELD_NOT_NULL = 1 << 1, /* may be absent, but null is "missing (it is required)" */
	TN_FIELD_HAS = 1 << 2,	    /* the bool at .has says whether it was given (not null) */
	TN_FIELD_HAS_NULL = 1 << 3, /* ... and null counts as given */
};

struct tn_field;

/* CUSTOM: read field f of `obj` into `dst` (the struct + .offset); absent is its to handle. */
typedef int (*tn_field_parse_fn)(const struct tn_cfg *c, const struct tn_field *f,
				 const struct tn_json_value *obj, const char *path, void *dst);
/* ARRAY: read element i, `v` (at `path`: "process.rlimits[2]"), of `array` (0..i-1 are read). */
typedef int (*tn_field_elem_fn)(const struct tn_cfg *c, const struct tn_json_value *v,
				const char *path, void *array, size_t i);
/* After the field is read (or at a CHECK entry): cross-field checks on `base`, the struct. */
typedef int (*tn_field_check_fn)(const struct tn_cfg *c, const struct tn_field *f,
				 const struct tn_json_value *obj, const char *path, void *base);

struct tn_field {
	const char *key; /* NULL ends a table */
	enum tn_field_type type;
	unsigned flags;
	size_t offset;		       /* where the value goes */
	size_t n;		       /* arrays: where their length goes (a size_t) */
	size_t has;		       /* TN_FIELD_HAS: where the bool goes */
	int64_t min, max;	       /* INT, I64 */
	const struct tn_field *fields; /* OBJECT; ARRAY of objects */
	size_t elem_size;	       /* ARRAY */
	tn_field_parse_fn parse;       /* CUSTOM */
	void (*done)(void *dst);       /* CUSTOM: frees what .parse made */
	tn_field_elem_fn parse_elem;   /* ARRAY: reads an element instead of .fields (which free) */
	tn_field_check_fn check;       /* after reading, given or not */
};

/*
 * One line per field: TN_FIELD(struct tn_oci_process, "cwd", STRING, cwd, TN_FIELD_REQUIRED),
 * the flags (0 for none) and then any more designators: TN_COUNT(...), .check = ...
 */
#define TN_FIELD(st, k, t, member, ...)                                                            \
	{                                                                                          \
		.key = (k), .type = TN_FIELD_##t, .offset = offsetof(st, member),                  \
		.flags = __VA_ARGS__                                                               \
	}
#define TN_COUNT(st, member) .n = offsetof(st, member)
#define TN_GIVEN(st, member) .has = offsetof(st, member)
/* An object whose fields go into the same struct as its parent's ("root": root_path...). */
#define TN_INLINE(k, table, ...)                                                                   \
	{                                                                                          \
		.key = (k), .type = TN_FIELD_OBJECT, .fields = (table), .flags = __VA_ARGS__       \
	}
/* Checks for .check: a string field (char *) or every string of a STRINGS field is an
 * absolute path. */
int tn_field_check_absolute(const struct tn_cfg *c, const struct tn_field *f,
			    const struct tn_json_value *obj, const char *path, void *base);
int tn_field_check_absolute_all(const struct tn_cfg *c, const struct tn_field *f,
				const struct tn_json_value *obj, const char *path, void *base);
/* An array of {containerID, hostID, size} (linux.uidMappings): struct tn_idmap_extent *. */
#define TN_FIELD_IDMAPPINGS(st, k, member, n_member)                                               \
	TN_FIELD(st, k, ARRAY, member, 0, TN_COUNT(st, n_member),                                  \
		 .fields = tn_idmap_extent_fields, .elem_size = sizeof(struct tn_idmap_extent))

extern const struct tn_field tn_idmap_extent_fields[];

/*
 * Read the fields of `obj` (an object) into `base`. `prefix` names `obj` in messages
 * ("process.user"); NULL at the top level. On failure, what was read stays in `base` for
 * tn_fields_done().
 */
int tn_fields_parse(const struct tn_cfg *c, const struct tn_field *fields,
		    const struct tn_json_value *obj, const char *prefix, void *base);
/* Free what tn_fields_parse() allocated in `base` (which may be half read). */
void tn_fields_done(const struct tn_field *fields, void *base);

/* The path of field `key` under `prefix` ("process" + "cwd": "process.cwd"). */
void tn_field_path(char *buf, size_t size, const char *prefix, const char *key);
