/* SPDX-License-Identifier: Apache-2.0 */
/* The names config.json uses for rlimits, namespaces and mount propagation (oci-names.c). */
#pragma once

int tn_rlimit_from_name(const char *name); /* RLIMIT_NOFILE -> 7; -EINVAL if unknown */
int tn_ns_from_name(const char *name);	   /* "network" -> TN_NS_NET; -EINVAL if unknown */
int tn_propagation_from_name(const char *name, unsigned long *ret); /* "rslave" -> flags */
