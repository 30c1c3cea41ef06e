/* SPDX-License-Identifier: Apache-2.0 */
/* `tenant shift ROOTFS --to MAP`: chown shifting (src/lib/shift.c). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "container.h"
#include "shift-record.h"
#include "shift.h"
#include "banned.h"

enum { SH_TO, SH_TO_GID, SH_FROM, SH_FROM_GID, SH_CONTAINER, SH_SHOW };

const struct tn_cli_option tn_shift_options[] = {
	[SH_TO] = { "to", 't', "C:H:S[,...]",
		    "the map to shift to, container ID C to host ID H for S IDs (UIDs, and GIDs "
		    "unless --to-gid)" },
	[SH_TO_GID] = { "to-gid", 0, "C:H:S[,...]", "the GIDs' map, when it differs" },
	[SH_FROM] = { "from", 0, "C:H:S[,...]",
		      "the tree's map now (default: as recorded by tenant, else unshifted: a "
		      "file's owner is the container ID it means)" },
	[SH_FROM_GID] = { "from-gid", 0, "C:H:S[,...]", "the GIDs' map now, when it differs" },
	[SH_CONTAINER] = { "container", 'c', "ID", "shift to the maps of this container" },
	[SH_SHOW] = { "show", 0, NULL, "print the tree's record (busy or done, and its maps)" },
	{ 0 },
};

const char tn_shift_description[] =
	"Changes the owners of every file of ROOTFS in place so that a container with the\n"
	"target map sees them as the image means them, for where an idmapped mount cannot\n"
	"be used: rootless, or a filesystem without idmapped mounts. Setuid and setgid\n"
	"bits, file capabilities, ACLs and hard links come out right. The shift is recorded\n"
	"in tenant's own store (/var/lib/tenant/shift as root, ~/.local/share/tenant/shift\n"
	"rootless), never in the tree, busy first and done last: a shift that was killed is\n"
	"finished by the next one, and a tree already at the target map is left alone.\n"
	"Nothing the tree's owner wrote steers it, and no step leaves the tree: a directory\n"
	"swapped for a symlink mid-shift stops it with an error. Rootless, it runs in a user\n"
	"namespace of your subordinate ranges, so both maps must be within them.";

/* "C:H:S[,C:H:S...]" into *ret (left empty, of `kind`, on failure). */
static int parse_map(struct tn_cli *cli, const char *opt, const char *text, enum tn_idmap_kind kind,
		     struct tn_idmap *ret)
{
	_cleanup_(tn_idmap_done) struct tn_idmap m = { .kind = kind };
	_cleanup_free_ char *copy = strdup(text);
	int r;

	*ret = (struct tn_idmap){ .kind = kind };
	if (!copy)
		return -ENOMEM;
	for (char *p = copy, *next; *p; p = next) {
		struct tn_idmap_extent e;

		next = p + strcspn(p, ",");
		if (*next)
			*next++ = '\0';
		r = tn_idmap_extent_parse(p, &e, &cli->err);
		if (r < 0)
			return r;
		r = tn_idmap_push(&m, e.inside, e.outside, e.count);
		if (r < 0)
			return r;
	}
	r = tn_idmap_validate(&m, &cli->err);
	if (r < 0) {
		return tn_error_hint(&cli->err, r, "in --%s", opt);
	}
	*ret = TAKE_STRUCT(m);
	return 0;
}

static void idmap_pair_done(struct tn_idmap (*maps)[2])
{
	tn_idmap_done(&(*maps)[0]);
	tn_idmap_done(&(*maps)[1]);
}

static void progress(void *data, uint64_t files)
{
	struct tn_cli *cli = data;

	fprintf(cli->errf, "\r%s: shifted %" PRIu64 " files", cli->prog, files);
	fflush(cli->errf);
}

/* The maps of --OPT and --OPT-gid (which defaults to --OPT's value). */
static int option_maps(struct tn_cli *cli, const struct tn_cli_args *a, int opt, int gid_opt,
		       struct tn_idmap maps[2])
{
	const char *name = opt == SH_TO ? "to" : "from";
	bool has_gid = tn_cli_has(a, gid_opt);
	int r;

	r = parse_map(cli, name, a->value[opt], TN_IDMAP_UID, &maps[0]);
	if (r < 0)
		return r;
	return parse_map(cli, has_gid ? (opt == SH_TO ? "to-gid" : "from-gid") : name,
			 a->value[has_gid ? gid_opt : opt], TN_IDMAP_GID, &maps[1]);
}

static int target_maps(struct tn_cli *cli, const struct tn_cli_args *a, struct tn_idmap to[2])
{
	_cleanup_free_ char *buf = NULL;
	const char *root;

	if (tn_cli_has(a, SH_CONTAINER) == tn_cli_has(a, SH_TO))
		return tn_cli_usage(cli, "shift needs --to MAP or --container ID (one of them)");
	if (!tn_cli_has(a, SH_CONTAINER))
		return option_maps(cli, a, SH_TO, SH_TO_GID, to);
	root = tn_cli_state_root(cli, &buf);
	if (!root)
		return -ENOMEM;
	return tn_container_maps(root, a->value[SH_CONTAINER], to, &cli->err);
}

/* --show: the record as it is kept. */
static int show(struct tn_cli *cli, const char *root)
{
	_cleanup_free_ char *file = NULL, *text = NULL;
	int r = tn_shift_record_show(root, &file, &text, &cli->err);

	if (r == -ENODATA) {
		fprintf(cli->out, "%s: no shift record (never shifted by tenant)\n", root);
		return 0;
	}
	if (r < 0)
		return r;
	fprintf(cli->out, "# %s\n%s", file, text);
	return 0;
}

int tn_cmd_shift(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(idmap_pair_done) struct tn_idmap to[2] = { { .kind = TN_IDMAP_UID },
							     { .kind = TN_IDMAP_GID } };
	_cleanup_(idmap_pair_done) struct tn_idmap from[2] = { { .kind = TN_IDMAP_UID },
							       { .kind = TN_IDMAP_GID } };
	struct tn_shift_request req = { .root = a->pos[0] };
	struct tn_shift_result res;
	int r;

	if (tn_cli_has(a, SH_SHOW))
		return show(cli, a->pos[0]);
	r = target_maps(cli, a, to);
	if (r < 0)
		return r;
	if (tn_cli_has(a, SH_FROM)) {
		r = option_maps(cli, a, SH_FROM, SH_FROM_GID, from);
		if (r < 0)
			return r;
	}
	for (int k = 0; k < 2; k++) {
		req.to[k] = &to[k];
		req.from[k] = from[k].n ? &from[k] : NULL;
	}
	if (isatty(fileno(cli->errf))) { /* long runs show how far they are */
		req.progress = progress;
		req.progress_data = cli;
	}
	r = tn_shift_run(&req, &cli->subid, &res, &cli->err);
	if (r < 0)
		return r;
	if (req.progress)
		fputc('\n', cli->errf);
	if (res.resumed)
		fprintf(cli->errf, "%s: finished a shift of %s that had been interrupted\n",
			cli->prog, req.root);
	fprintf(cli->out, "%s: %s\n", req.root,
		res.already ? "already shifted to this map" : "shifted");
	return 0;
}
