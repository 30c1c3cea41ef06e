/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
 * container's cgroup, the way runc and crun do it. The rules keep v1's meaning: everything is
 * denied, then each rule in order allows or denies, the last match deciding; so the program
 * tests the rules from the last to the first and returns the first verdict that matches.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
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
	size_t start = p->n, jumps[4];
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
	(void)start;
	return n_jumps == 0;
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* The program for the rules, the last one first: the last match decides. The defaults come
 * after the config's. */
static int build(struct prog *p, const struct tn_device_rule *rules, size_t n,
		 const struct tn_device_rule *defaults, size_t n_defaults)
{
	bool done = false;

	p->n = 0;
	prologue(p);
	for (size_t i = n_defaults; i-- > 0 && !done;)
		done = rule(p, &defaults[i]);
	for (size_t i = n; i-- > 0 && !done;)
		done = rule(p, &rules[i]);
	if (!done) {
		emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0); /* no match: denied */
		emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	}
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

int tn_cgroup_devices_v2(const char *dir, const struct tn_device_rule *rules, size_t n,
			 const struct tn_device_rule *defaults, size_t n_defaults)
{
	_cleanup_free_ struct prog *p = calloc(1, sizeof(*p)); /* MAX_INSNS, bounded by emit() */
	_cleanup_close_ int prog = -1, cg = -1;
	union bpf_attr attr;
	int r;

	if (!p)
		return -ENOMEM;
	r = build(p, rules, n, defaults, n_defaults);
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
