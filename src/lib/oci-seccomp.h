/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.seccomp: parsed with the rest of config.json, compiled with libseccomp into a BPF
 * program by the runtime before anything is created (so a bad profile is refused early), and
 * loaded by the container's init just before exec.
 *
 * Syscall names that this libseccomp does not know are skipped, as runc and crun do (profiles
 * list syscalls of newer kernels). SCMP_ACT_NOTIFY rules get a listener, which the container's
 * process hands to the agent at listenerPath (container-seccomp.h).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "json-parse.h"

struct tn_cfg;

struct tn_seccomp_arg {
	unsigned index;
	uint64_t value, value_two;
	int op; /* enum scmp_compare */
};

struct tn_seccomp_rule {
	char **names;
	size_t n_names;
	uint32_t action; /* SCMP_ACT_*, errno included */
	struct tn_seccomp_arg *args;
	size_t n_args;
};

struct tn_seccomp {
	uint32_t default_action;
	char **archs; /* libseccomp names: "x86_64", "x86", ... */
	size_t n_archs;
	unsigned flags; /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	struct tn_seccomp_rule *rules;
	size_t n_rules;
	char *listener_path;	 /* listenerPath: the agent's socket, or NULL */
	char *listener_metadata; /* listenerMetadata, or NULL */
	bool notifies;		 /* a rule is SCMP_ACT_NOTIFY (then listener_path is set) */
};

/* The compiled filter, ready for seccomp(SECCOMP_SET_MODE_FILTER, flags, ...). */
struct tn_seccomp_bpf {
	void *insns; /* struct sock_filter[] */
	size_t len;  /* number of instructions */
	unsigned flags;
};

/* linux.seccomp of `lx` into *ret (NULL when absent). */
int tn_seccomp_parse(const struct tn_cfg *c, const struct tn_json_value *lx,
		     struct tn_seccomp **ret);
void tn_seccomp_free(struct tn_seccomp *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tn_seccomp *, tn_seccomp_free)

int tn_seccomp_compile(const struct tn_seccomp *s, struct tn_seccomp_bpf *ret,
		       struct tn_error **err);
void tn_seccomp_bpf_done(struct tn_seccomp_bpf *b);

/* In the container, right before exec: 0, or the listener's fd (O_CLOEXEC) when the filter has
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, or -errno. */
int tn_seccomp_load(const struct tn_seccomp_bpf *b);

/* For `features`: the names this build accepts. */
extern const char *const tn_seccomp_action_names[];
extern const char *const tn_seccomp_op_names[];
extern const char *const tn_seccomp_flag_names[];
