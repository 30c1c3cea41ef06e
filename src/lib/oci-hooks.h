/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json hooks (runtime-spec config.md#posix-platform-hooks): parsed with the config, run
 * with the container's state as JSON on stdin, their args and env, and their timeout.
 *
 *	prestart, createRuntime   in the runtime's namespaces, once init exists, before pivot_root
 *	createContainer           in the container's namespaces, before pivot_root
 *	startContainer            in the container, after start, before the process is executed
 *	poststart                 in the runtime's namespaces, after the process started
 *	poststop                  in the runtime's namespaces, after the container is deleted
 *
 * A failing hook of the first four kinds fails the step (the container is destroyed); a failing
 * poststart or poststop hook is a warning, and the hooks after it still run (runtime-spec).
 * Without "env", a hook in the runtime's namespaces gets tenant's environment, and one in the
 * container's (createContainer, startContainer) the container process's, as with runc.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "json-parse.h"

enum tn_hook_kind {
	TN_HOOK_PRESTART,
	TN_HOOK_CREATE_RUNTIME,
	TN_HOOK_CREATE_CONTAINER,
	TN_HOOK_START_CONTAINER,
	TN_HOOK_POSTSTART,
	TN_HOOK_POSTSTOP,
	TN_HOOK_KINDS,
};

struct tn_oci_hook {
	char *path;
	char **args; /* NULL-terminated; NULL: just the path */
	size_t n_args;
	char **env; /* NULL-terminated; NULL: empty */
	size_t n_env;
	int timeout; /* seconds; 0: none */
};

struct tn_oci_hooks {
	struct tn_oci_hook *v[TN_HOOK_KINDS];
	size_t n[TN_HOOK_KINDS];
};

struct tn_cfg;

const char *tn_hook_kind_name(enum tn_hook_kind k); /* "createRuntime", ... */

int tn_hooks_parse(const struct tn_cfg *c, const struct tn_json_value *root,
		   struct tn_oci_hooks *ret);
void tn_hooks_done(struct tn_oci_hooks *h);

/* Where the hooks of one step run, besides their own fields. */
struct tn_hook_env {
	const char *dir;  /* working directory (runc's: the bundle at create); NULL: the caller's */
	char *const *env; /* environment of a hook without "env"; NULL: tenant's own */
};

/*
 * Run the hooks of one kind in order, each with the state on its stdin and its stdout and stderr
 * captured (quoted in the message of its failure). prestart to startContainer: the first failure
 * stops them and is returned. poststart and poststop: every hook runs; the failures' messages
 * are joined in *err and the first one's code returned (the caller's warning).
 */
int tn_hooks_run(const struct tn_oci_hooks *h, enum tn_hook_kind k, const char *state_json,
		 const struct tn_hook_env *where, struct tn_error **err);
