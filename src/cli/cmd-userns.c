/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant unshare` and `tenant idmap show`: the command-line face of src/lib/idmap*.c,
 * userns*.c and forward.c. Both build the same plan from the same options; show prints it,
 * unshare enters it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "container.h"
#include "forward.h"
#include "fs.h"
#include "json-writer.h"
#include "oci-state.h"
#include "parse.h"
#include "userns-plan.h"
#include "userns.h"
#include "banned.h"

/* The options both commands share come first, at the same indexes. */
enum {
	OPT_MAP,
	OPT_UIDMAP,
	OPT_GIDMAP,
	OPT_FALLBACK,
	OPT_USER,
	OPT_JSON,
};

#define MAPPING_OPTIONS                                                                            \
	[OPT_MAP] = { "map", 'm', "MODE",                                                          \
		      "auto (default): 0 is you, 1.. your subordinate IDs; root: only 0 is you; "  \
		      "keep-id: your ID is yours inside too" },                                    \
	[OPT_UIDMAP] = { "uidmap", 0, "C:H:S",                                                     \
			 "map SIZE UIDs from container ID C to host ID H (repeatable)" },          \
	[OPT_GIDMAP] = { "gidmap", 0, "C:H:S",                                                     \
			 "the same for GIDs (default: as --uidmap, when only that is given)" },    \
	[OPT_FALLBACK] = {                                                                         \
		"fallback", 0, "single|none",                                                      \
		"single: when newuidmap/newgidmap cannot be used, map only your own ID "           \
		"and say so (as crun does)"                                                        \
	}

struct mapping_args {
	struct tn_user user;
	struct tn_idmap_extent *ext[2];
	struct tn_userns_request req;
};

static void mapping_args_done(struct mapping_args *m)
{
	tn_user_done(&m->user);
	free(m->ext[0]);
	free(m->ext[1]);
}

/* --uidmap/--gidmap values into extents; the error names the option. */
static int parse_extents(struct tn_cli *cli, const struct tn_cli_args *a, int opt,
			 struct tn_idmap_extent **ret, size_t *ret_n)
{
	size_t n = a->n_all[opt];
	_cleanup_free_ struct tn_idmap_extent *v = calloc(n ? n : 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		_cleanup_(tn_error_freep) struct tn_error *e = NULL;
		int r = tn_idmap_extent_parse(a->all[opt][i], &v[i], &e);

		if (r < 0)
			return tn_cli_usage(cli, "--%s: %s",
					    opt == OPT_UIDMAP ? "uidmap" : "gidmap",
					    e ? e->message : strerror(-r));
	}
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

static int parse_modes(struct tn_cli *cli, const struct tn_cli_args *a, struct mapping_args *m)
{
	bool explicit_uid = tn_cli_has(a, OPT_UIDMAP), explicit_gid = tn_cli_has(a, OPT_GIDMAP);
	enum tn_idmap_mode mode = TN_IDMAP_AUTO;
	int r;

	if (tn_cli_has(a, OPT_MAP) && tn_idmap_mode_from_string(a->value[OPT_MAP], &mode) < 0)
		return tn_cli_usage(cli, "--map: '%s' is not auto, root or keep-id",
				    a->value[OPT_MAP]);
	if (tn_cli_has(a, OPT_MAP) && (explicit_uid || explicit_gid))
		return tn_cli_usage(cli, "--map cannot be combined with --uidmap or --gidmap");
	m->req.mode[0] = m->req.mode[1] = mode;
	if (!explicit_uid && !explicit_gid)
		return 0;
	/* As podman: one of --uidmap/--gidmap alone describes both maps. */
	r = parse_extents(cli, a, explicit_uid ? OPT_UIDMAP : OPT_GIDMAP, &m->ext[0],
			  &m->req.n_explicit[0]);
	if (r < 0)
		return r;
	r = parse_extents(cli, a, explicit_gid ? OPT_GIDMAP : OPT_UIDMAP, &m->ext[1],
			  &m->req.n_explicit[1]);
	if (r < 0)
		return r;
	m->req.explicit_v[0] = m->ext[0];
	m->req.explicit_v[1] = m->ext[1];
	m->req.mode[0] = m->req.mode[1] = TN_IDMAP_EXPLICIT;
	return 0;
}

/*
 * A gid_map copied from --uidmap maps the user's own group where the uid_map maps the user:
 * "--uidmap 0:1000:1" alone means 0 is UID 1000 and GID 1000's counterpart, the user's GID.
 */
static void own_uid_to_gid(struct mapping_args *m)
{
	for (size_t i = 0; i < m->req.n_explicit[TN_IDMAP_GID]; i++)
		if (m->ext[TN_IDMAP_GID][i].count == 1 &&
		    m->ext[TN_IDMAP_GID][i].outside == m->user.uid)
			m->ext[TN_IDMAP_GID][i].outside = m->req.gid;
}

/* Everything a plan needs from the command line; `user` is NULL for the caller. */
static int parse_mapping(struct tn_cli *cli, const struct tn_cli_args *a, const char *user,
			 struct mapping_args *m)
{
	int r;

	if (tn_cli_has(a, OPT_FALLBACK) && strcmp(a->value[OPT_FALLBACK], "single") != 0 &&
	    strcmp(a->value[OPT_FALLBACK], "none") != 0)
		return tn_cli_usage(cli, "--fallback: '%s' is not single or none",
				    a->value[OPT_FALLBACK]);
	r = parse_modes(cli, a, m);
	if (r < 0)
		return r;
	if (user) {
		r = tn_user_resolve(user, &m->user, &cli->err);
		if (r < 0)
			return r;
	} else {
		r = tn_user_from_uid(getuid(), &m->user);
		if (r < 0)
			return tn_error_errno(&cli->err, -r, "cannot look up the calling user");
	}
	m->req.src = &cli->subid;
	m->req.user = &m->user;
	m->req.check_helpers = true;
	m->req.fallback =
		tn_cli_has(a, OPT_FALLBACK) && strcmp(a->value[OPT_FALLBACK], "single") == 0
			? TN_FALLBACK_SINGLE
			: TN_FALLBACK_NONE;
	if (m->user.uid == getuid()) {
		m->req.gid = getgid();
		tn_userns_caller_privileges(m->req.privileged);
	} else {
		/* Someone else's plan: as that user would get it, without privileges. */
		m->req.gid = m->user.known ? m->user.gid : m->user.uid;
	}
	if (!tn_cli_has(a, OPT_GIDMAP))
		own_uid_to_gid(m);
	return 0;
}

static void warn_fallback(struct tn_cli *cli, const struct tn_userns_plan *p, uint32_t id[2])
{
	for (int k = 0; k < 2; k++)
		if (p->fell_back[k])
			tn_cli_warn(cli,
				    "%s; mapping only your own %s %" PRIu32
				    " (--fallback single): files of other IDs show as nobody and "
				    "chown to them fails",
				    p->helper[k].reason, k == TN_IDMAP_UID ? "UID" : "GID", id[k]);
}

/* ---- unshare ---- */

const char tn_unshare_description[] =
	"As 'podman unshare': COMMAND (default: your shell) runs in a new user and mount\n"
	"namespace where root is you on the host and 1.. are your subordinate IDs from\n"
	"/etc/subuid and /etc/subgid, in file order. Maps of IDs other than your own are\n"
	"written by newuidmap/newgidmap (Debian's uidmap). The exit status is COMMAND's;\n"
	"signals sent to tenant are passed on to it.";

const struct tn_cli_option tn_unshare_options[] = {
	MAPPING_OPTIONS,
	{ 0 },
};

struct exec_args {
	char **argv;
};

/* Is there a file `name` in a directory of $PATH? */
static bool on_path(const char *name)
{
	_cleanup_free_ char *full = tn_path_search(getenv("PATH"), name, F_OK);

	return full != NULL;
}

static int exec_command(void *data, struct tn_error **err)
{
	struct exec_args *x = data;

	int r;

	execvp(x->argv[0], x->argv);
	r = errno;
	/* execvp says EACCES when some directory of PATH is not searchable, even if the command
	 * is in none of them: that is "not found", as a shell says. */
	if (r == EACCES && !strchr(x->argv[0], '/') && !on_path(x->argv[0]))
		r = ENOENT;
	return tn_error_errno(err, r, "cannot run '%s'", x->argv[0]);
}

/* The user's shell, as podman unshare runs it: $SHELL, the account's shell, or /bin/sh. */
static const char *default_shell(void)
{
	const char *sh = getenv("SHELL");
	struct passwd *pw;

	if (sh && *sh)
		return sh;
	pw = getpwuid(getuid());
	return pw && pw->pw_shell && *pw->pw_shell ? pw->pw_shell : "/bin/sh";
}

static int run_in_namespace(struct tn_cli *cli, struct tn_userns_plan *p, char **argv)
{
	_cleanup_(tn_forward_end) struct tn_forward fwd = { .fd = -1 };
	struct exec_args x = { argv };
	struct tn_userns_spawn s = {
		.ns_flags = CLONE_NEWNS,
		.maps = { &p->map[0], &p->map[1] },
		.helper_path = { p->helper[0].path, p->helper[1].path },
		.run = exec_command,
		.data = &x,
	};
	bool in_child;
	pid_t pid;
	int r, status;

	r = tn_forward_begin(&fwd);
	if (r < 0)
		return tn_error_errno(&cli->err, -r, "cannot set up signal forwarding");
	s.child_sigmask = &fwd.old_mask;
	fflush(cli->out);
	r = tn_userns_spawn(&s, &pid, &in_child, &cli->err);
	if (r < 0 && in_child)
		cli->exit_status = r == -ENOENT ? 127 : 126;
	if (r < 0)
		return r;
	r = tn_forward_wait(&fwd, pid, &status);
	tn_forward_end(
		&fwd); /* now, not at return: the child is gone, signals are tenant's again */
	if (r < 0)
		return tn_error_errno(&cli->err, -r, "cannot wait for '%s'", argv[0]);
	if (fflush(cli->out) != 0)
		return 0; /* reported by the caller */
	return tn_forward_exit_like(status);
}

int tn_cmd_unshare(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(mapping_args_done) struct mapping_args m = { 0 };
	_cleanup_(tn_userns_plan_done) struct tn_userns_plan p = { 0 };
	char *shell[] = { (char *)default_shell(), NULL };
	uint32_t ids[2];
	int r;

	r = parse_mapping(cli, a, NULL, &m);
	if (r < 0)
		return r;
	r = tn_userns_plan_build(&m.req, &p, &cli->err);
	if (r < 0)
		return r;
	ids[0] = m.user.uid;
	ids[1] = m.req.gid;
	warn_fallback(cli, &p, ids);
	return run_in_namespace(cli, &p, a->n_pos > 0 ? a->pos : shell);
}

/* ---- idmap show ---- */

static const struct tn_cli_option show_options[] = {
	MAPPING_OPTIONS,
	[OPT_USER] = { "user", 'u', "USER", "the plan of USER (name or UID) instead of yours" },
	[OPT_JSON] = { "json", 0, NULL, "print JSON" },
	{ 0 },
};

static const char *writer_name(const struct tn_userns_plan *p, int k)
{
	if (p->map[k].writer == TN_IDMAP_WRITE_DIRECT)
		return "direct";
	return tn_idmap_helper_name((enum tn_idmap_kind)k);
}

static void show_text(struct tn_cli *cli, const struct mapping_args *m,
		      const struct tn_userns_plan *p)
{
	for (int k = 0; k < 2; k++) {
		_cleanup_(tn_buf_free) struct tn_buf b = { 0 };

		fprintf(cli->out, "# %s of %s %" PRIu32 ": mode %s", tn_idmap_kind_name(k),
			k == 0 ? "uid" : "gid", k == 0 ? m->user.uid : m->req.gid,
			p->fell_back[k] ? "single (fallback)" : tn_idmap_mode_name(m->req.mode[k]));
		if (p->source[k])
			fprintf(cli->out, ", ranges from %s", p->source[k]);
		fprintf(cli->out, ", written %s%s%s\n",
			p->map[k].writer == TN_IDMAP_WRITE_DIRECT ? "directly" : "by ",
			p->map[k].writer == TN_IDMAP_WRITE_DIRECT ? "" : writer_name(p, k),
			p->map[k].deny_setgroups ? " after setgroups deny" : "");
		tn_idmap_format_kernel(&p->map[k], &b);
		if (b.data)
			fputs(b.data, cli->out);
	}
}

static void show_json_map(struct tn_json *j, const struct mapping_args *m,
			  const struct tn_userns_plan *p, int k)
{
	_cleanup_(tn_buf_free) struct tn_buf text = { 0 };

	tn_json_key(j, tn_idmap_kind_name(k));
	tn_json_begin_object(j);
	tn_json_kv_string(j, "mode",
			  p->fell_back[k] ? "single" : tn_idmap_mode_name(m->req.mode[k]));
	tn_json_kv_string(j, "writer", writer_name(p, k));
	tn_json_key(j, "helper");
	if (p->helper[k].path)
		tn_json_string(j, p->helper[k].path);
	else
		tn_json_null(j);
	tn_json_key(j, "source");
	if (p->source[k])
		tn_json_string(j, p->source[k]);
	else
		tn_json_null(j);
	tn_json_kv_bool(j, "deny_setgroups", p->map[k].deny_setgroups);
	tn_json_kv_bool(j, "fallback", p->fell_back[k]);
	tn_json_key(j, "extents");
	tn_json_begin_array(j);
	for (size_t i = 0; i < p->map[k].n; i++) {
		tn_json_begin_object(j);
		tn_json_kv_u64(j, "container", p->map[k].v[i].inside);
		tn_json_kv_u64(j, "host", p->map[k].v[i].outside);
		tn_json_kv_u64(j, "size", p->map[k].v[i].count);
		tn_json_end_object(j);
	}
	tn_json_end_array(j);
	tn_idmap_format(&p->map[k], &text);
	tn_json_kv_string(j, "text", text.data ? text.data : "");
	tn_json_end_object(j);
}

static int show_json(struct tn_cli *cli, const struct mapping_args *m,
		     const struct tn_userns_plan *p)
{
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	struct tn_json j;
	int r;

	tn_json_init(&j, &b, true);
	tn_json_begin_object(&j);
	tn_json_key(&j, "user");
	if (m->user.name)
		tn_json_string(&j, m->user.name);
	else
		tn_json_null(&j);
	tn_json_kv_u64(&j, "uid", m->user.uid);
	tn_json_kv_u64(&j, "gid", m->req.gid);
	for (int k = 0; k < 2; k++)
		show_json_map(&j, m, p, k);
	tn_json_end_object(&j);
	r = tn_json_finish(&j);
	if (r < 0)
		return r;
	fputs(b.data, cli->out);
	return 0;
}

static void container_map_json(struct tn_json *j, const struct tn_idmap *m)
{
	tn_json_key(j, tn_idmap_kind_name(m->kind));
	tn_json_begin_array(j);
	for (size_t i = 0; i < m->n; i++) {
		tn_json_begin_object(j);
		tn_json_kv_u64(j, "container", m->v[i].inside);
		tn_json_kv_u64(j, "host", m->v[i].outside);
		tn_json_kv_u64(j, "size", m->v[i].count);
		tn_json_end_object(j);
	}
	tn_json_end_array(j);
}

static void idmap_pair_done(struct tn_idmap (*maps)[2])
{
	tn_idmap_done(&(*maps)[0]);
	tn_idmap_done(&(*maps)[1]);
}

static int container_maps_json(const struct tn_idmap maps[2], struct tn_buf *b)
{
	struct tn_json j;

	tn_json_init(&j, b, true);
	tn_json_begin_object(&j);
	for (int k = 0; k < 2; k++)
		container_map_json(&j, &maps[k]);
	tn_json_end_object(&j);
	return tn_json_finish(&j);
}

static int container_maps_text(const char *id, const struct tn_idmap maps[2], struct tn_buf *b)
{
	for (int k = 0; k < 2; k++) {
		tn_buf_printf(b, "# %s of container %s\n", tn_idmap_kind_name(k), id);
		tn_idmap_format_kernel(&maps[k], b);
	}
	return tn_buf_check(b);
}

/* idmap show ID: a container's maps, as its init has them. */
static int show_container(struct tn_cli *cli, const char *id, bool json)
{
	_cleanup_free_ char *buf = NULL;
	_cleanup_(idmap_pair_done) struct tn_idmap maps[2] = { 0 };
	_cleanup_(tn_buf_free) struct tn_buf b = { 0 };
	const char *root = tn_cli_state_root(cli, &buf);
	int r;

	if (!root)
		return -ENOMEM;
	r = tn_container_maps(root, id, maps, &cli->err);
	if (r < 0)
		return r;
	r = json ? container_maps_json(maps, &b) : container_maps_text(id, maps, &b);
	if (r < 0)
		return r;
	fputs(b.data ? b.data : "", cli->out);
	return 0;
}

static int cmd_show(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_(mapping_args_done) struct mapping_args m = { 0 };
	_cleanup_(tn_userns_plan_done) struct tn_userns_plan p = { 0 };
	uint32_t ids[2];
	int r;

	if (a->n_pos == 1)
		return show_container(cli, a->pos[0], tn_cli_has(a, OPT_JSON));
	r = parse_mapping(cli, a, a->value[OPT_USER], &m);
	if (r < 0)
		return r;
	r = tn_userns_plan_build(&m.req, &p, &cli->err);
	if (r < 0)
		return r;
	ids[0] = m.user.uid;
	ids[1] = m.req.gid;
	warn_fallback(cli, &p, ids);
	if (tn_cli_has(a, OPT_JSON))
		return show_json(cli, &m, &p);
	show_text(cli, &m, &p);
	return 0;
}

enum { TR_CONTAINER, TR_TO, TR_GID };

static const struct tn_cli_option translate_options[] = {
	[TR_CONTAINER] = { "container", 'c', "ID", "the container whose maps translate" },
	[TR_TO] = { "to", 0, "host|container", "the direction (default host)" },
	[TR_GID] = { "gid", 'g', NULL, "translate a GID (default: a UID)" },
	{ 0 },
};

/* idmap translate --container ID [--to host|container] [--gid] N */
static int cmd_translate(struct tn_cli *cli, const struct tn_cli_args *a)
{
	_cleanup_free_ char *buf = NULL;
	const char *root = tn_cli_state_root(cli, &buf),
		   *to = a->value[TR_TO] ? a->value[TR_TO] : "host";
	bool to_host = strcmp(to, "host") == 0, gid = tn_cli_has(a, TR_GID);
	_cleanup_(idmap_pair_done) struct tn_idmap maps[2] = { 0 };
	uint32_t id, out;
	int r;

	if (!root)
		return -ENOMEM;
	if (!tn_cli_has(a, TR_CONTAINER))
		return tn_cli_usage(cli, "translate needs --container ID");
	if (!to_host && strcmp(to, "container") != 0)
		return tn_cli_usage(cli, "--to: '%s' is not host or container", to);
	if (tn_parse_u32(a->pos[0], &id) < 0)
		return tn_cli_usage(cli, "'%s' is not an ID", a->pos[0]);
	r = tn_container_maps(root, a->value[TR_CONTAINER], maps, &cli->err);
	if (r < 0)
		return r;
	r = tn_idmap_translate(&maps[gid], id, to_host, &out);
	if (r < 0) {
		tn_error_set(&cli->err, ENOENT, "%s %" PRIu32 " is not mapped %s container %s%s",
			     gid ? "GID" : "UID", id, to_host ? "in" : "into",
			     a->value[TR_CONTAINER], to_host ? " (inside it is nobody)" : "");
		return r;
	}
	fprintf(cli->out, "%" PRIu32 "\n", out);
	return 0;
}

const struct tn_command tn_idmap_commands[] = {
	{
		.name = "show",
		.summary = "print the uid_map and gid_map a user namespace would get",
		.description =
			"Prints what 'tenant unshare' with the same options would write, one extent a\n"
			"line as the kernel prints /proc/PID/uid_map (CONTAINER HOST SIZE), and how it\n"
			"would be written: directly, or by newuidmap/newgidmap. A plan that would be\n"
			"refused is an error that says why.",
		.options = show_options,
		.args_help = " [ID]",
		.max_args = 1,
		.run = cmd_show,
	},
	{
		.name = "translate",
		.args_help = " N",
		.summary = "translate an ID between a container and the host",
		.description =
			"Through the maps of a running container: its UID N on the host (--to "
			"host),\nor host UID N inside it (--to container). --gid for GIDs.",
		.options = translate_options,
		.min_args = 1,
		.max_args = 1,
		.run = cmd_translate,
	},
	{ 0 },
};
