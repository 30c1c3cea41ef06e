/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device rules: reduced to v1's form (a default and exceptions, as runc's emulator does), then
 * on cgroup v2 a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the container's cgroup, the
 * way runc and crun do it: the exceptions are tested, then the default decides.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>

#include "cgroup.h"
#include "banned.h"

#define MAX_INSNS 4096

#define BPF_LOG_SIZE (64 * 1024)

struct prog {
	struct bpf_insn v[MAX_INSNS];
	size_t n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n < MAX_INSNS)
		p->v[p->n++] = (struct bpf_insn){
			.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
		};
}

/* ctx (r1): struct bpf_cgroup_dev_ctx { access_type; major; minor; }. */
static void prologue(struct prog *p)
{
	emit(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0); /* r2 = access_type */
	emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);	/* r2 = type */
	emit(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 0, 0);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);	/* r3 = access */
	emit(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0); /* r4 = major */
	emit(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0); /* r5 = minor */
}

static int access_bits(const char *access)
{
	int a = 0;

	for (; *access; access++)
		a |= *access == 'm'   ? BPF_DEVCG_ACC_MKNOD
		     : *access == 'r' ? BPF_DEVCG_ACC_READ
				      : BPF_DEVCG_ACC_WRITE;
	return a;
}

/*
 * One rule: each test jumps to the end of the block when it does not match. Returns true when
 * the rule matches everything: nothing after it can run (the verifier refuses dead code).
 */
static bool rule(struct prog *p, const struct tn_device_rule *d)
{
	size_t jumps[4];
	int n_jumps = 0, acc = access_bits(d->access);

	if (d->type != 'a') {
		jumps[n_jumps++] = p->n;
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
		     d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	}
	if (acc != (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)) {
		/* The access asked for must be within the rule's: r1 = r3 & ~acc, zero. */
		emit(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, ~acc);
		jumps[n_jumps++] = p->n;
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, 0, 0);
	}
	if (d->major >= 0) {
		jumps[n_jumps++] = p->n;
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, 0, (int32_t)d->major);
	}
	if (d->minor >= 0) {
		jumps[n_jumps++] = p->n;
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 0, (int32_t)d->minor);
	}
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, d->allow ? 1 : 0);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (int i = 0; i < n_jumps; i++)
		p->v[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
	return n_jumps == 0;
}

/* ---- the v1 form (runc's emulator) ---- */

static bool same_node(const struct tn_device_rule *a, char type, int64_t major, int64_t minor)
{
	return a->type == type && a->major == major && a->minor == minor;
}

static struct tn_device_rule *find(struct tn_device_list *l, char type, int64_t major,
				   int64_t minor)
{
	for (size_t i = 0; i < l->n; i++)
		if (same_node(&l->v[i], type, major, minor))
			return &l->v[i];
	return NULL;
}

static int access_of(const struct tn_device_rule *d)
{
	return d ? access_bits(d->access) : 0;
}

static void set_access(struct tn_device_rule *d, int a)
{
	size_t k = 0;

	if (a & BPF_DEVCG_ACC_READ)
		d->access[k++] = 'r';
	if (a & BPF_DEVCG_ACC_WRITE)
		d->access[k++] = 'w';
	if (a & BPF_DEVCG_ACC_MKNOD)
		d->access[k++] = 'm';
	d->access[k] = '\0';
}

/* An exception gains access (added when new; l->v has room for one per rule). */
static void add(struct tn_device_list *l, const struct tn_device_rule *d)
{
	struct tn_device_rule *e = find(l, d->type, d->major, d->minor);

	if (!e) {
		e = &l->v[l->n++];
		*e = *d;
		e->allow = !l->allow_all;
		e->access[0] = '\0';
	}
	set_access(e, access_of(e) | access_bits(d->access));
}

/* An exception loses access (removed when it has none left). v1 ignores a hole punched in a
 * wildcard exception; runc refuses it, so does this. */
static int take(struct tn_device_list *l, const struct tn_device_rule *d)
{
	const int64_t wild[3][2] = { { -1, d->minor }, { d->major, -1 }, { -1, -1 } };
	int a = access_bits(d->access);
	struct tn_device_rule *e;

	for (size_t i = 0; i < 3; i++)
		if (!same_node(d, d->type, wild[i][0], wild[i][1]) &&
		    (access_of(find(l, d->type, wild[i][0], wild[i][1])) & a))
			return -EINVAL;
	e = find(l, d->type, d->major, d->minor);
	if (!e)
		return 0;
	set_access(e, access_of(e) & ~a);
	if (e->access[0] == '\0')
		*e = l->v[--l->n];
	return 0;
}

static int compare(const void *x, const void *y)
{
	const struct tn_device_rule *a = x, *b = y;

	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	return (a->type > b->type) - (a->type < b->type);
}

int tn_device_list_reduce(const struct tn_device_rule *rules, size_t n, struct tn_device_list *ret,
			  size_t *ret_bad)
{
	_cleanup_(tn_device_list_done) struct tn_device_list l = { 0 };

	l.v = calloc(n + 1, sizeof(*l.v));
	if (!l.v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct tn_device_rule *d = &rules[i];

		if (d->type == 'a') { /* everything: a new default, no exceptions */
			l.allow_all = d->allow;
			l.n = 0;
		} else if (d->allow != l.allow_all) {
			add(&l, d);
		} else if (take(&l, d) < 0) {
			*ret_bad = i;
			return -EINVAL;
		}
	}
	qsort(l.v, l.n, sizeof(*l.v), compare);
	*ret = l;
	l = (struct tn_device_list){ 0 };
	return 0;
}

void tn_device_list_done(struct tn_device_list *l)
{
	free(l->v);
	*l = (struct tn_device_list){ 0 };
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* The program for the list: each exception, then the default. */
static int build(struct prog *p, const struct tn_device_list *l)
{
	const struct tn_device_rule all = {
		.allow = l->allow_all, .type = 'a', .major = -1, .minor = -1, .access = "rwm"
	};

	p->n = 0;
	prologue(p);
	for (size_t i = 0; i < l->n; i++)
		(void)rule(p, &l->v[i]); /* an exception never matches everything */
	rule(p, &all);
	return p->n >= MAX_INSNS ? -E2BIG : 0;
}

/* Load the program; *ret_fd holds it. */
static int load(const struct prog *p, int *ret_fd)
{
	_cleanup_free_ char *log = NULL; /* only with TENANT_BPF_LOG: the verifier's words */
	union bpf_attr attr;
	int fd, r;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)p->v;
	attr.insn_cnt = (uint32_t)p->n;
	attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
	/* The kernel takes a log buffer only with a log level: TENANT_BPF_LOG=1 to debug. */
	if (getenv("TENANT_BPF_LOG")) {
		log = calloc(1, BPF_LOG_SIZE);
		if (!log)
			return -ENOMEM;
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = BPF_LOG_SIZE;
		attr.log_level = 1;
	}
	fd = (int)bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		r = negative_errno();
		if (log)
			dprintf(STDERR_FILENO, "%s\n", log);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

int tn_cgroup_devices_v2(const char *dir, const struct tn_device_list *l)
{
	_cleanup_free_ struct prog *p = calloc(1, sizeof(*p)); /* MAX_INSNS, bounded by emit() */
	_cleanup_close_ int prog = -1, cg = -1;
	union bpf_attr attr;
	int r;

	if (!p)
		return -ENOMEM;
	r = build(p, l);
	if (r < 0)
		return r;
	r = load(p, &prog);
	if (r < 0)
		return r;
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return negative_errno();
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cg;
	attr.attach_bpf_fd = (uint32_t)prog;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (bpf(BPF_PROG_ATTACH, &attr) < 0)
		return negative_errno();
	return 0;
}
