/* SPDX-License-Identifier: Apache-2.0 */
/* linux.seccomp through libseccomp (oci-seccomp.h). */
#include <ctype.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "fs.h"
#include "oci-json.h"
#include "oci-seccomp.h"
#include "oci-seccomp-enosys.h"
#include "banned.h"

#define ACTION_ERRNO UINT32_C(0xffffffff) /* placeholder until errnoRet is known */

static const struct {
	const char *name;
	uint32_t action;
} actions[] = {
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_ERRNO", ACTION_ERRNO },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(EPERM) },
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
	{ "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
};

const char *const tn_seccomp_action_names[] = {
	"SCMP_ACT_KILL",	 "SCMP_ACT_KILL_THREAD",
	"SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRAP",
	"SCMP_ACT_ERRNO",	 "SCMP_ACT_TRACE",
	"SCMP_ACT_ALLOW",	 "SCMP_ACT_LOG",
	"SCMP_ACT_NOTIFY",	 NULL,
};

static const struct {
	const char *name;
	enum scmp_compare op;
} ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

const char *const tn_seccomp_op_names[] = {
	"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",	    "SCMP_CMP_EQ",
	"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ", NULL,
};

static const struct {
	const char *name;
	unsigned flag;
} flags[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
	{ "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
};

const char *const tn_seccomp_flag_names[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	NULL,
};

/* An action with its errnoRet ("SCMP_ACT_ERRNO" defaults to EPERM, as the spec says). */
static int parse_action(const struct tn_cfg *c, const struct tn_json_value *o, const char *key,
			const char *errno_key, const char *path, uint32_t *ret)
{
	_cleanup_free_ char *name = NULL;
	char p[160];
	int64_t ret_errno = EPERM;
	int r = tn_cfg_string(c, o, key, path, true, &name);

	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%.100s (%s)", path, errno_key);
	r = tn_cfg_int(c, o, errno_key, p, false, 0, 4095, &ret_errno);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(actions); i++)
		if (strcmp(name, actions[i].name) == 0) {
			*ret = actions[i].action;
			if (*ret == ACTION_ERRNO)
				*ret = SCMP_ACT_ERRNO((uint32_t)ret_errno);
			else if (strcmp(name, "SCMP_ACT_TRACE") == 0)
				*ret = SCMP_ACT_TRACE((uint32_t)ret_errno);
			return 0;
		}
	return tn_cfg_fail(c, tn_json_get(o, key), path, "unknown action \"%s\"", name);
}

static int parse_arg(const struct tn_cfg *c, const struct tn_json_value *o, const char *path,
		     struct tn_seccomp_arg *a)
{
	_cleanup_free_ char *op = NULL;
	char p[200];
	uint32_t index;
	int r;

	snprintf(p, sizeof(p), "%s.index", path);
	r = tn_cfg_u32(c, o, "index", p, true, &index);
	if (r < 0)
		return r;
	if (index > 5)
		return tn_cfg_fail(c, tn_json_get(o, "index"), p, "%u is not 0 to 5", index);
	snprintf(p, sizeof(p), "%s.value", path);
	r = tn_cfg_u64(c, o, "value", p, true, &a->value);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%s.valueTwo", path);
	r = tn_cfg_u64(c, o, "valueTwo", p, false, &a->value_two);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%s.op", path);
	r = tn_cfg_string(c, o, "op", p, true, &op);
	if (r < 0)
		return r;
	a->index = index;
	for (size_t i = 0; i < ELEMENTSOF(ops); i++)
		if (strcmp(op, ops[i].name) == 0) {
			a->op = ops[i].op;
			return 0;
		}
	return tn_cfg_fail(c, tn_json_get(o, "op"), p, "unknown operator \"%s\"", op);
}

/*
 * The container's process hands the listener to the agent itself, right after loading the
 * filter (sendmsg), and tenant's init writes its errors (write): a notification for either would
 * wait for an agent that has no listener yet. runc refuses write for the same reason.
 */
static int check_notify(const struct tn_cfg *c, const struct tn_json_value *o, const char *path,
			const struct tn_seccomp_rule *rule)
{
	static const char *const needed[] = { "write", "sendmsg" };

	if (rule->action != SCMP_ACT_NOTIFY)
		return 0;
	for (size_t i = 0; i < rule->n_names; i++)
		for (size_t k = 0; k < ELEMENTSOF(needed); k++)
			if (strcmp(rule->names[i], needed[k]) == 0)
				return tn_cfg_fail(c, tn_json_get(o, "names"), path,
						   "SCMP_ACT_NOTIFY cannot be used for the %s "
						   "syscall: tenant needs it to hand the listener "
						   "to the agent",
						   needed[k]);
	return 0;
}

static int parse_rule(const struct tn_cfg *c, const struct tn_json_value *o, size_t i,
		      struct tn_seccomp_rule *rule)
{
	const struct tn_json_value *args;
	char path[96], p[128];
	int r;

	snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu]", i);
	if (o->type != TN_JSON_OBJECT)
		return tn_cfg_fail(c, o, path, "expected an object, got %s",
				   tn_json_type_name(o->type));
	snprintf(p, sizeof(p), "%s.names", path);
	r = tn_cfg_strings(c, o, "names", p, &rule->names, &rule->n_names);
	if (r < 0)
		return r;
	if (rule->n_names == 0)
		return tn_cfg_fail(c, o, p, "missing or empty (it is required)");
	snprintf(p, sizeof(p), "%s.action", path);
	r = parse_action(c, o, "action", "errnoRet", p, &rule->action);
	if (r < 0)
		return r;
	r = check_notify(c, o, path, rule);
	if (r < 0)
		return r;
	snprintf(p, sizeof(p), "%s.args", path);
	r = tn_cfg_field(c, o, "args", p, TN_JSON_ARRAY, false, &args);
	if (r < 0)
		return r;
	if (!args)
		return 0;
	rule->args = calloc(args->array.n + 1, sizeof(*rule->args));
	if (!rule->args)
		return -ENOMEM;
	for (size_t k = 0; k < args->array.n; k++) {
		snprintf(p, sizeof(p), "%s.args[%zu]", path, k);
		if (args->array.v[k]->type != TN_JSON_OBJECT)
			return tn_cfg_fail(c, args->array.v[k], p, "expected an object");
		r = parse_arg(c, args->array.v[k], p, &rule->args[k]);
		if (r < 0)
			return r;
		rule->n_args++;
	}
	return 0;
}

/* "SCMP_ARCH_X86_64" -> "x86_64", as libseccomp names it. */
static int parse_archs(const struct tn_cfg *c, const struct tn_json_value *o, struct tn_seccomp *s)
{
	int r = tn_cfg_strings(c, o, "architectures", "linux.seccomp.architectures", &s->archs,
			       &s->n_archs);

	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n_archs; i++) {
		char *a = s->archs[i], path[64];

		if (strncmp(a, "SCMP_ARCH_", 10) == 0)
			memmove(a, a + 10, strlen(a + 10) + 1);
		for (char *p = a; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		snprintf(path, sizeof(path), "linux.seccomp.architectures[%zu]", i);
		if (seccomp_arch_resolve_name(a) == 0)
			return tn_cfg_fail(c, tn_json_get(o, "architectures")->array.v[i], path,
					   "unknown architecture");
	}
	return 0;
}

static void strv_freep(char ***v)
{
	tn_strv_free(*v);
}

static int parse_flags(const struct tn_cfg *c, const struct tn_json_value *o, struct tn_seccomp *s)
{
	_cleanup_(strv_freep) char **names = NULL;
	size_t n = 0;
	int r = tn_cfg_strings(c, o, "flags", "linux.seccomp.flags", &names, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bool known = false;
		char path[64];

		for (size_t k = 0; k < ELEMENTSOF(flags); k++)
			if (strcmp(names[i], flags[k].name) == 0)
				s->flags |= flags[k].flag, known = true;
		if (known)
			continue;
		snprintf(path, sizeof(path), "linux.seccomp.flags[%zu]", i);
		return tn_cfg_fail(c, tn_json_get(o, "flags")->array.v[i], path,
				   "\"%s\" is not supported", names[i]);
	}
	return 0;
}

static int parse_rules(const struct tn_cfg *c, const struct tn_json_value *o, struct tn_seccomp *s)
{
	const struct tn_json_value *rules;
	int r = tn_cfg_field(c, o, "syscalls", "linux.seccomp.syscalls", TN_JSON_ARRAY, false,
			     &rules);

	if (r < 0)
		return r;
	if (!rules)
		return 0;
	s->rules = calloc(rules->array.n + 1, sizeof(*s->rules));
	if (!s->rules)
		return -ENOMEM;
	for (size_t i = 0; i < rules->array.n; i++) {
		s->n_rules++;
		r = parse_rule(c, rules->array.v[i], i, &s->rules[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* listenerPath and listenerMetadata: the agent that SCMP_ACT_NOTIFY rules need. */
static int parse_listener(const struct tn_cfg *c, const struct tn_json_value *o,
			  struct tn_seccomp *s)
{
	const struct tn_json_value *path = tn_json_get(o, "listenerPath");
	int r = tn_cfg_string(c, o, "listenerPath", "linux.seccomp.listenerPath", false,
			      &s->listener_path);

	if (r < 0)
		return r;
	r = tn_cfg_string(c, o, "listenerMetadata", "linux.seccomp.listenerMetadata", false,
			  &s->listener_metadata);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n_rules; i++)
		s->notifies |= s->rules[i].action == SCMP_ACT_NOTIFY;
	if (s->listener_path && s->listener_path[0] && s->listener_path[0] != '/')
		return tn_cfg_fail(c, path, "linux.seccomp.listenerPath",
				   "\"%s\" is not an absolute path (the agent's socket)",
				   s->listener_path);
	if (s->notifies && !(s->listener_path && s->listener_path[0]))
		return tn_cfg_fail(c, path ? path : o, "linux.seccomp.listenerPath",
				   "SCMP_ACT_NOTIFY needs the path of the seccomp agent's socket");
	return 0;
}

int tn_seccomp_parse(const struct tn_cfg *c, const struct tn_json_value *lx,
		     struct tn_seccomp **ret)
{
	const struct tn_json_value *o;
	_cleanup_(tn_seccomp_freep) struct tn_seccomp *s = NULL;
	int r = tn_cfg_field(c, lx, "seccomp", "linux.seccomp", TN_JSON_OBJECT, false, &o);

	if (r < 0)
		return r;
	if (!o)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = parse_action(c, o, "defaultAction", "defaultErrnoRet", "linux.seccomp.defaultAction",
			 &s->default_action);
	if (r < 0)
		return r;
	if (s->default_action == SCMP_ACT_NOTIFY)
		return tn_cfg_fail(c, tn_json_get(o, "defaultAction"),
				   "linux.seccomp.defaultAction",
				   "SCMP_ACT_NOTIFY cannot be the default action: the write and "
				   "sendmsg that hand the listener to the agent would wait for it");
	r = parse_archs(c, o, s);
	if (r < 0)
		return r;
	r = parse_flags(c, o, s);
	if (r < 0)
		return r;
	r = parse_rules(c, o, s);
	if (r < 0)
		return r;
	r = parse_listener(c, o, s);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(s);
	return 0;
}

void tn_seccomp_free(struct tn_seccomp *s)
{
	if (!s)
		return;
	tn_strv_free(s->archs);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_rules; i++) {
		tn_strv_free(s->rules[i].names);
		free(s->rules[i].args);
	}
	free(s->rules);
	free(s);
}

/* Whether two of the rule's conditions compare the same argument. */
static bool repeats_an_index(const struct tn_seccomp_rule *rule)
{
	unsigned seen = 0;

	for (size_t k = 0; k < rule->n_args; k++) {
		if (seen & (1u << rule->args[k].index))
			return true;
		seen |= 1u << rule->args[k].index;
	}
	return false;
}

static struct scmp_arg_cmp to_cmp(const struct tn_seccomp_arg *a)
{
	return (struct scmp_arg_cmp){ a->index, (enum scmp_compare)a->op, a->value, a->value_two };
}

/*
 * The rule for one syscall. libseccomp refuses two comparisons of one argument in a rule
 * (EINVAL); runc then adds each condition as a rule of its own (so they match when any does),
 * and so does tenant: profiles written for runc rely on it.
 */
static int add_syscall(scmp_filter_ctx ctx, const struct tn_seccomp_rule *rule, int nr)
{
	struct scmp_arg_cmp cmp[6];

	if (repeats_an_index(rule)) {
		for (size_t k = 0; k < rule->n_args; k++) {
			int r = seccomp_rule_add(ctx, rule->action, nr, 1, to_cmp(&rule->args[k]));

			if (r < 0)
				return r;
		}
		return 0;
	}
	/* Without a repeated index there are at most 6 (one per argument). */
	for (size_t k = 0; k < rule->n_args; k++)
		cmp[k] = to_cmp(&rule->args[k]);
	return seccomp_rule_add_array(ctx, rule->action, nr, (unsigned)rule->n_args, cmp);
}

static int add_rule(scmp_filter_ctx ctx, uint32_t def, const struct tn_seccomp_rule *rule,
		    struct tn_error **err)
{
	if (rule->action == def)
		return 0; /* libseccomp refuses a rule that repeats the default */
	for (size_t i = 0; i < rule->n_names; i++) {
		int nr = seccomp_syscall_resolve_name(rule->names[i]), r;

		if (nr == __NR_SCMP_ERROR)
			continue; /* unknown to this libseccomp: skipped, as runc and crun do */
		r = add_syscall(ctx, rule, nr);
		if (r < 0)
			return tn_error_errno(err, -r, "linux.seccomp: cannot add a rule for %s",
					      rule->names[i]);
	}
	return 0;
}

/* Export the program to a memfd and read it back: libseccomp 2.5 exports only to an fd. */
static int export(scmp_filter_ctx ctx, struct tn_seccomp_bpf *ret)
{
	_cleanup_close_ int fd = memfd_create("tenant-seccomp", MFD_CLOEXEC);
	char *data = NULL;
	size_t len;
	int r;

	if (fd < 0)
		return negative_errno();
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return negative_errno();
	r = tn_read_fd(fd, 16 * 1024 * 1024, &data, &len);
	if (r < 0)
		return r;
	ret->insns = data;
	ret->len = len / sizeof(struct sock_filter);
	return 0;
}

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

int tn_seccomp_compile(const struct tn_seccomp *s, struct tn_seccomp_bpf *ret,
		       struct tn_error **err)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(s->default_action);
	int r;

	*ret = (struct tn_seccomp_bpf){ .flags = s->flags };
	if (s->notifies)
		ret->flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	if (!ctx)
		return tn_error_set(err, EINVAL,
				    "linux.seccomp: libseccomp refused the default action");
	for (size_t i = 0; i < s->n_archs; i++) {
		uint32_t arch = seccomp_arch_resolve_name(s->archs[i]);

		r = seccomp_arch_add(ctx, arch);
		if (r < 0 && r != -EEXIST) /* EEXIST: the native one is there already */
			return tn_error_errno(err, -r, "linux.seccomp: cannot add architecture %s",
					      s->archs[i]);
	}
	/* No new privileges is the container's business (process.noNewPrivileges). */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n_rules; i++) {
		r = add_rule(ctx, s->default_action, &s->rules[i], err);
		if (r < 0)
			return r;
	}
	r = export(ctx, ret);
	if (r < 0)
		return tn_error_errno(err, -r, "linux.seccomp: cannot compile the filter");
	r = tn_seccomp_enosys_stub(s, ret);
	if (r < 0)
		return tn_error_errno(err, -r, "linux.seccomp: cannot add the ENOSYS stub");
	if (ret->len > BPF_MAXINSNS)
		return tn_error_set(err, E2BIG,
				    "linux.seccomp: the filter has %zu instructions, more than the "
				    "kernel's %d",
				    ret->len, BPF_MAXINSNS);
	return 0;
}

void tn_seccomp_bpf_done(struct tn_seccomp_bpf *b)
{
	free(b->insns);
	*b = (struct tn_seccomp_bpf){ 0 };
}

int tn_seccomp_load(const struct tn_seccomp_bpf *b)
{
	struct sock_fprog prog = { .filter = b->insns };
	int r;

	if (!b->insns)
		return 0;
	/* sock_fprog's length is 16 bits: never a truncated filter; the kernel's own limit. */
	if (b->len > BPF_MAXINSNS)
		return -EINVAL;
	prog.len = (unsigned short)b->len;
	r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, b->flags, &prog);
	return r < 0 ? negative_errno() : r;
}
