/* SPDX-License-Identifier: Apache-2.0 */
/*
 * R, before the container runs: owners in its rootfs and its bind-mounted sources that its
 * maps cannot show (container-preflight.h). Seed 003's UID 1000320999 beyond a 65536-ID range,
 * or an account of the image's etc/passwd the range does not reach, is said with paths, counts
 * and the fix, rather than found later as files of nobody or as a chown's EINVAL
 * (`lchown ... invalid argument`). A warning, not an error: runc and podman run such trees too.
 *
 * An owner counts as representable when the maps have it as a host ID (a shifted tree) or as
 * a container ID (an unshifted tree, which an idmapped mount or a shift fixes): what neither
 * reaches is reported, so a root-owned volume is not noise, UID 1000320999 is. Bounded: the
 * image's accounts and the first TN_PREFLIGHT_MAX_FILES files of each tree.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "container-preflight.h"
#include "tree-ids.h"
#include "banned.h"

#define TN_PREFLIGHT_MAX_FILES 1024

struct report {
	struct tn_buf b;
	bool any, truncated;
	uint32_t max_uid; /* the largest UID not shown */
};

static void report_done(struct report *rep)
{
	tn_buf_free(&rep->b);
}

/* The IDs of one kind (k) that `map` cannot show, added to the tree's part of the report. */
static int one_kind(struct report *rep, const char *what, const struct tn_tree_ids *ids,
		    const struct tn_idmap *map, int k, bool *first)
{
	_cleanup_free_ const struct tn_tree_id **v = NULL;
	size_t n = 0;
	uint64_t files;
	int r;

	r = tn_tree_ids_unmapped(ids, map, &v, &n, &files);
	if (r < 0)
		return r;
	if (n == 0)
		return 0;
	if (*first)
		tn_buf_printf(&rep->b,
			      "%s%s uses IDs this container does not map: ", rep->any ? "; " : "",
			      what);
	else
		tn_buf_puts(&rep->b, ", ");
	r = tn_tree_ids_describe(v, n, (enum tn_idmap_kind)k, 5, &rep->b);
	if (k == 0)
		rep->max_uid = MAX(rep->max_uid, v[n - 1]->id);
	*first = false;
	rep->any = true;
	return r;
}

/* One tree's owners that `maps` cannot show, as "WHAT uses IDs ...: UID n (...)". */
static int one_tree(struct report *rep, const char *what, const char *path,
		    const struct tn_idmap maps[2])
{
	_cleanup_(tn_tree_ids_done) struct tn_tree_ids ids = { 0 };
	bool first = true;
	int r;

	if (tn_tree_ids_scan(path, TN_PREFLIGHT_MAX_FILES, &ids, NULL) < 0)
		return 0; /* an unreadable tree fails later, with its own error */
	rep->truncated = rep->truncated || ids.truncated;
	for (int k = 0; k < 2; k++) {
		r = one_kind(rep, what, &ids, &maps[k], k, &first);
		if (r < 0)
			return r;
	}
	return 0;
}

static bool special(const char *path)
{
	static const char *const skip[] = { "/proc", "/sys", "/dev" };

	for (size_t i = 0; i < ELEMENTSOF(skip); i++) {
		size_t n = strlen(skip[i]);

		if (strncmp(path, skip[i], n) == 0 && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static void hint(const struct tn_oci_config *cfg, const struct report *rep, struct tn_error **warn)
{
	if (cfg->n_uid_mappings) {
		tn_error_hint(warn, ERANGE,
			      "linux.uidMappings and gidMappings decide here: widen them to "
			      "cover these IDs, or drop them and map exactly the IDs the image "
			      "uses with --userns auto:size=image");
		return;
	}
	tn_error_hint(warn, ERANGE,
		      "map exactly the IDs the image uses, without a range that reaches them: "
		      "--userns auto:size=image (or the annotation "
		      "run.tenant.userns=auto:size=image); or give the user a range that reaches "
		      "them, a subuid line USER:START:COUNT with COUNT above %" PRIu32
		      " (seed 003's bob:1000000:1000400000), which takes that many host IDs",
		      rep->max_uid);
}

/* The rootfs and every bind-mounted source (but /proc, /sys, /dev), into the report. */
static int scan_trees(struct report *rep, const struct tn_oci_config *cfg, const char *bundle,
		      const char *rootfs, const struct tn_idmap maps[2])
{
	int r = one_tree(rep, "the root filesystem", rootfs, maps);

	if (r < 0)
		return r;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct tn_oci_mount *m = &cfg->mounts[i];
		char what[96], src[4096];

		if (!m->bind || !m->source || m->n_uid_mappings)
			continue; /* not a bind, or idmapped with maps of its own */
		if (m->source[0] == '/')
			snprintf(src, sizeof(src), "%s", m->source);
		else
			snprintf(src, sizeof(src), "%s/%s", bundle, m->source);
		if (special(src))
			continue;
		snprintf(what, sizeof(what), "mounts[%zu] (%s)", i, m->destination);
		r = one_tree(rep, what, src, maps);
		if (r < 0)
			return r;
	}
	return 0;
}

int tn_container_preflight(const struct tn_oci_config *cfg, const char *bundle, const char *rootfs,
			   const struct tn_idmap maps[2], struct tn_error **warn)
{
	_cleanup_(report_done) struct report rep = { 0 };
	int r = scan_trees(&rep, cfg, bundle, rootfs, maps);

	if (r < 0)
		return r == -ENOMEM ? r : 0; /* anything else leaves the warning unsaid */
	if (!rep.any)
		return 0;
	r = tn_buf_check(&rep.b);
	if (r < 0)
		return r;
	tn_error_set(warn, ERANGE, "%s%s; inside they show as 65534 (nobody)", rep.b.data,
		     rep.truncated ? " (the image's accounts and the first 1024 files of "
				     "each tree checked)"
				   : "");
	hint(cfg, &rep, warn);
	return 0;
}
