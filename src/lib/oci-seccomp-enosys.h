/* SPDX-License-Identifier: Apache-2.0 */
/* runc's -ENOSYS stub before a compiled seccomp filter (oci-seccomp-enosys.c). */
#pragma once

#include "oci-seccomp.h"

/* Prepend the stub to b's program when s's default action refuses: 0 or -ENOMEM. */
int tn_seccomp_enosys_stub(const struct tn_seccomp *s, struct tn_seccomp_bpf *b);
