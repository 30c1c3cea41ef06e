/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tenant's own policy, parsed once into types: the run.tenant.* annotations of config.json and
 * the --userns flag. A bad value is refused where it is read; later steps switch on enums and
 * never compare policy strings again.
 *
 *	run.tenant.userns        (or --userns; the annotation wins) the user namespace mode
 *	run.tenant.rootfs-idmap  auto (default), on, off: idmap an unshifted rootfs onto the maps
 *	run.tenant.preflight     off skips the check of the rootfs's owners against the maps
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum tn_userns_kind {
	TN_USERNS_UNSET,      /* not given: config.json's namespaces decide */
	TN_USERNS_HOST,	      /* host: no user namespace (root only) */
	TN_USERNS_AUTO,	      /* auto[:size=N]: a range of the pool for this container alone */
	TN_USERNS_AUTO_IMAGE, /* auto:size=image: exactly the IDs the rootfs uses */
	TN_USERNS_REMAP,      /* remap: the ranges of the remap user (tenant.conf) */
	TN_USERNS_KEEP_ID,    /* keep-id: the caller's own ID inside */
};

struct tn_userns_mode {
	enum tn_userns_kind kind;
	uint64_t size; /* TN_USERNS_AUTO: IDs to ask the pool for; 0: its default */
};

enum tn_tristate {
	TN_TRISTATE_AUTO,
	TN_TRISTATE_ON,
	TN_TRISTATE_OFF,
};

struct tn_oci_policy {
	struct tn_userns_mode userns;  /* run.tenant.userns; TN_USERNS_UNSET when absent */
	enum tn_tristate rootfs_idmap; /* run.tenant.rootfs-idmap */
	bool preflight;		       /* run.tenant.preflight is not "off" */
};

/* A userns mode as --userns and run.tenant.userns write it; NULL: TN_USERNS_UNSET. */
int tn_userns_mode_parse(const char *s, struct tn_userns_mode *ret, struct tn_error **err);

/* The policy of config.json's annotations ("key", "value" pairs; the first of a key counts). */
int tn_oci_policy_parse(char *const *annotations, size_t n, struct tn_oci_policy *ret,
			struct tn_error **err);
