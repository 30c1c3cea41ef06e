/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The -ENOSYS stub, as runc prepends it to a seccomp filter: a syscall newer than every syscall
 * the profile names (for the architecture it is made in) fails with ENOSYS rather than the
 * profile's default action. Programs take ENOSYS as "this kernel does not have it" and fall
 * back (glibc's clone3, faccessat2, statx...); an EPERM from a profile that predates the
 * syscall they would take as a real refusal.
 *
 * Only where the default action refuses (not ALLOW, LOG or TRACE), and only for the
 * architectures the profile lists, as runc. The stub:
 *
 *	ld [arch]
 *	jeq ARCH_1, section_1		(one per audit architecture)
 *	...
 *	ja filter
 *   section_k:
 *	ld [nr]
 *	(x86_64: jset 1<<30 picks the x32 or the 64-bit limit)
 *	jgt LAST_k, enosys, filter
 *   enosys:
 *	ret ERRNO(ENOSYS)
 *   filter:
 *	libseccomp's program
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "oci-seccomp.h"
#include "oci-seccomp-enosys.h"
#include "banned.h"

#define X32_BIT	   UINT32_C(0x40000000)
#define MAX_GROUPS 16
#define MAX_STUB   (4 + MAX_GROUPS * 8)
#define TO_ENOSYS  0xff /* jump placeholders, resolved once the layout is known */
#define TO_FILTER  0xfe

/* One audit architecture: its last syscall for the 64-bit and the x32 ABI (x86_64 only). */
struct group {
	uint32_t audit;
	int64_t last, last_x32; /* -1: the profile names none there */
};

struct stub {
	struct sock_filter v[MAX_STUB];
	size_t n;
};

static void emit(struct stub *s, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (s->n < MAX_STUB)
		s->v[s->n++] = (struct sock_filter){ .code = code, .jt = jt, .jf = jf, .k = k };
}

static bool refuses(uint32_t action)
{
	return action != SCMP_ACT_ALLOW && action != SCMP_ACT_LOG &&
	       (action & SECCOMP_RET_ACTION_FULL) != SECCOMP_RET_TRACE;
}

/* The highest syscall number of arch `token` among every name the profile's rules give. */
static int64_t last_syscall(const struct tn_seccomp *s, uint32_t token)
{
	int64_t last = -1;

	for (size_t i = 0; i < s->n_rules; i++)
		for (size_t k = 0; k < s->rules[i].n_names; k++) {
			int nr = seccomp_syscall_resolve_name_arch(token, s->rules[i].names[k]);

			if (nr >= 0 && nr > last) /* negative: unknown, or a pseudo-syscall */
				last = nr;
		}
	return last;
}

static struct group *group_of(struct group *g, size_t *n, uint32_t audit)
{
	for (size_t i = 0; i < *n; i++)
		if (g[i].audit == audit)
			return &g[i];
	if (*n == MAX_GROUPS)
		return NULL;
	g[*n] = (struct group){ .audit = audit, .last = -1, .last_x32 = -1 };
	return &g[(*n)++];
}

static size_t groups(const struct tn_seccomp *s, struct group *g)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_archs; i++) {
		uint32_t token = seccomp_arch_resolve_name(s->archs[i]);
		bool x32 = token == SCMP_ARCH_X32;
		struct group *grp = token ? group_of(g, &n, x32 ? AUDIT_ARCH_X86_64 : token) : NULL;

		if (!grp)
			continue;
		if (x32)
			grp->last_x32 = last_syscall(s, token);
		else
			grp->last = last_syscall(s, token);
	}
	return n;
}

/* A jgt on the syscall number: above `last` is ENOSYS, the rest goes to the filter. */
static void limit(struct stub *s, int64_t last)
{
	if (last < 0) /* nothing named for this ABI: the filter decides */
		emit(s, BPF_JMP | BPF_JA, 0, 0, TO_FILTER);
	else
		emit(s, BPF_JMP | BPF_JGT | BPF_K, TO_ENOSYS, TO_FILTER, (uint32_t)last);
}

static void section(struct stub *s, const struct group *g)
{
	emit(s, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
	if (g->audit != AUDIT_ARCH_X86_64) {
		limit(s, g->last);
		return;
	}
	/* x32 syscalls are x86_64's with bit 30 set (and libseccomp counts them so) */
	emit(s, BPF_JMP | BPF_JSET | BPF_K, 1, 0, X32_BIT);
	limit(s, g->last);
	limit(s, g->last_x32);
}

/* The placeholders of `s` (the whole stub, ENOSYS's ret last) as real offsets. */
static void resolve(struct stub *s)
{
	size_t enosys = s->n - 1, filter = s->n;

	for (size_t i = 0; i < s->n; i++) {
		struct sock_filter *f = &s->v[i];

		if (BPF_CLASS(f->code) != BPF_JMP)
			continue;
		if (BPF_OP(f->code) == BPF_JA) {
			if (f->k == TO_FILTER)
				f->k = (uint32_t)(filter - i - 1);
			continue;
		}
		if (f->jt == TO_ENOSYS)
			f->jt = (uint8_t)(enosys - i - 1);
		if (f->jf == TO_FILTER)
			f->jf = (uint8_t)(filter - i - 1);
	}
}

int tn_seccomp_enosys_stub(const struct tn_seccomp *s, struct tn_seccomp_bpf *b)
{
	struct group g[MAX_GROUPS];
	struct stub head = { 0 }, body = { 0 };
	size_t n = refuses(s->default_action) ? groups(s, g) : 0, at;
	struct sock_filter *all;

	if (n == 0)
		return 0;
	/* ld [arch]; one jeq per group; ja filter; then the sections */
	at = 1 + n + 1;
	emit(&head, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < n; i++) {
		size_t start = at + body.n;

		section(&body, &g[i]);
		emit(&head, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(start - (1 + i) - 1), 0,
		     g[i].audit);
	}
	emit(&head, BPF_JMP | BPF_JA, 0, 0, TO_FILTER);
	for (size_t i = 0; i < body.n; i++)
		emit(&head, body.v[i].code, body.v[i].jt, body.v[i].jf, body.v[i].k);
	emit(&head, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | ENOSYS);
	resolve(&head);
	all = calloc(head.n + b->len, sizeof(*all));
	if (!all)
		return -ENOMEM;
	memcpy(all, head.v, head.n * sizeof(*all));
	memcpy(all + head.n, b->insns, b->len * sizeof(*all));
	free(b->insns);
	b->insns = all;
	b->len += head.n;
	return 0;
}
