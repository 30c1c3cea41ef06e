/* SPDX-License-Identifier: Apache-2.0 */
/* The hook point of create's init (container-hooks.h). */
#include <errno.h>

#include "container-hooks.h"
#include "container-sync.h"
#include "oci-hooks.h"
#include "banned.h"

bool tn_container_needs_hook_point(const struct tn_oci_config *c)
{
	return c->hooks.n[TN_HOOK_PRESTART] || c->hooks.n[TN_HOOK_CREATE_RUNTIME] ||
	       c->hooks.n[TN_HOOK_CREATE_CONTAINER] || c->hooks.n[TN_HOOK_START_CONTAINER];
}

int tn_container_hook_point(struct tn_init_ctx *ctx, struct tn_error **err)
{
	_cleanup_(tn_sync_msg_done) struct tn_sync_msg m = { 0 };
	/* As runc's init: in the rootfs, with the container process's environment. */
	const struct tn_hook_env where = { .dir = ctx->rootfs, .env = ctx->cfg->process.env };
	int r;

	if (!tn_container_needs_hook_point(ctx->cfg))
		return 0;
	r = tn_sync_send_type(ctx->sync_fd, TN_SYNC_HOOKS);
	if (r < 0)
		return tn_error_errno(err, -r, "cannot ask for the prestart hooks");
	r = tn_sync_expect(ctx->sync_fd, TN_SYNC_GO, &m);
	if (r < 0)
		return tn_error_errno(err, -r, "no answer to the prestart hooks");
	ctx->state_json = TAKE_PTR(m.state);
	if (!ctx->state_json)
		return tn_error_set(err, EPROTO, "the prestart hooks' answer has no state");
	return tn_hooks_run(&ctx->cfg->hooks, TN_HOOK_CREATE_CONTAINER, ctx->state_json, &where,
			    err);
}
