/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mapping plans: which IDs of a new user namespace map to which IDs outside (docs/userns.md).
 *
 * Pure code, no syscalls. From the caller's ID, its subordinate ranges and a mode, compute the
 * extents of a uid_map or gid_map, check them against what the kernel and newuidmap accept, and
 * decide how they reach the kernel. One plan covers one map; a caller plans the uid_map and the
 * gid_map separately (TN_IDMAP_UID, TN_IDMAP_GID).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"
#include "idrange.h"

/* The kernel's limits on one map: UID_GID_MAP_MAX_EXTENTS, and one write() of less than a page. */
#define TN_IDMAP_MAX_EXTENTS 340
#define TN_IDMAP_MAX_TEXT    4095

enum tn_idmap_kind {
	TN_IDMAP_UID,
	TN_IDMAP_GID,
};

enum tn_idmap_mode {
	TN_IDMAP_AUTO, /* 0 -> caller, 1.. -> subordinate ranges in file order (podman unshare) */
	TN_IDMAP_ROOT, /* 0 -> caller only */
	TN_IDMAP_KEEP_ID,  /* caller -> caller, subordinate ranges around it (podman keep-id) */
	TN_IDMAP_EXPLICIT, /* the extents given (--uidmap/--gidmap) */
};

/* How a map reaches /proc/PID/{uid,gid}_map. */
enum tn_idmap_writer {
	TN_IDMAP_WRITE_DIRECT, /* write the file: with CAP_SETUID/CAP_SETGID, or the caller's own ID */
	TN_IDMAP_WRITE_HELPER, /* newuidmap/newgidmap, which check /etc/subuid and /etc/subgid */
};

/* One line of a map: `count` IDs from `inside` map to IDs from `outside` in the parent. */
struct tn_idmap_extent {
	uint32_t inside;
	uint32_t outside;
	uint32_t count;
};

struct tn_idmap_request {
	enum tn_idmap_kind kind;
	enum tn_idmap_mode mode;
	uint32_t id;	 /* the caller's UID (GID for a gid_map) in the parent namespace */
	bool privileged; /* CAP_SETUID (CAP_SETGID) in the parent: any host ID may be mapped */
	const struct tn_idrange *sub; /* the caller's subordinate ranges, in file order */
	size_t n_sub;
	const struct tn_idmap_extent *explicit_v; /* TN_IDMAP_EXPLICIT only */
	size_t n_explicit;
	bool own_inside_set; /* keep-id: put the caller at `own_inside` instead of at its own ID */
	uint32_t own_inside; /* (crun's rootless default: the caller is process.user.uid) */
};

struct tn_idmap {
	enum tn_idmap_kind kind;
	struct tn_idmap_extent *v;
	size_t n;
	size_t cap;
	enum tn_idmap_writer writer;
	bool deny_setgroups; /* a gid_map written without CAP_SETGID needs setgroups "deny" first */
};

const char *tn_idmap_kind_name(enum tn_idmap_kind kind);	       /* "uid_map" / "gid_map" */
const char *tn_idmap_mode_name(enum tn_idmap_mode mode);	       /* "auto", "root", ... */
int tn_idmap_mode_from_string(const char *s, enum tn_idmap_mode *ret); /* -EINVAL if unknown */

/*
 * Parse "CONTAINER:HOST:SIZE" (decimal, as podman's --uidmap). -EINVAL for a malformed text,
 * -ERANGE for an extent that reaches 4294967295; the error quotes the text.
 */
int tn_idmap_extent_parse(const char *s, struct tn_idmap_extent *ret, struct tn_error **err);

/*
 * Compute and check the plan for one map. Errors say which rule refused it:
 *   -ENOENT  auto/keep-id without subordinate ranges (unprivileged)
 *   -EPERM   an unprivileged host ID that is neither the caller's nor subordinate
 *   -EINVAL  overlapping extents, an empty extent
 *   -ERANGE  an extent reaching 4294967295
 *   -E2BIG   more than 340 extents, or a map text of 4096 bytes or more
 * An unprivileged extent that spans two of the caller's ranges is split at the boundary.
 */
int tn_idmap_plan(const struct tn_idmap_request *req, struct tn_idmap *ret, struct tn_error **err);

/* Check the rules that hold for every writer (count, overlap, 4294967295, size). */
int tn_idmap_validate(const struct tn_idmap *m, struct tn_error **err);

/* The text written to the kernel: "inside outside count\n" per extent. */
void tn_idmap_format(const struct tn_idmap *m, struct tn_buf *b);
/* What the kernel prints back in /proc/PID/uid_map: "%10u %10u %10u\n" per extent. */
void tn_idmap_format_kernel(const struct tn_idmap *m, struct tn_buf *b);

/* Does the map map exactly `id` (and only it)? */
bool tn_idmap_is_single(const struct tn_idmap *m, uint32_t id);

/* A map as /proc/PID/uid_map prints it ("%10u %10u %10u" lines). -EINVAL for another text. */
int tn_idmap_parse_text(const char *text, enum tn_idmap_kind kind, struct tn_idmap *ret);

/*
 * Translate one ID: to_host takes a container ID to the host, else a host ID into the
 * container. -ENOENT when the map does not map it.
 */
int tn_idmap_translate(const struct tn_idmap *m, uint32_t id, bool to_host, uint32_t *ret);

/* "1001,100000-165535": the host IDs of a map, for listings. */
void tn_idmap_format_host_ranges(const struct tn_idmap *m, struct tn_buf *b);

int tn_idmap_push(struct tn_idmap *m, uint32_t inside, uint32_t outside, uint32_t count);
void tn_idmap_done(struct tn_idmap *m);
/* A uid_map and gid_map pair: `_cleanup_(tn_idmaps_done) struct tn_idmap m[2] = { 0 };`. */
static inline void tn_idmaps_done(struct tn_idmap (*m)[2])
{
	tn_idmap_done(&(*m)[0]);
	tn_idmap_done(&(*m)[1]);
}
