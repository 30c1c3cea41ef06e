/* SPDX-License-Identifier: Apache-2.0 */
/* The names config.json uses for rlimits, namespaces and mount propagation (oci-names.c). */
#pragma once

int tn_rlimit_from_name(const char *name); /* RLIMIT_NOFILE -> 7; -EINVAL if unknown */
int tn_ns_from_name(const char *name);	   /* "network" -> TN_NS_NET; -EINVAL if unknown */
int tn_propagation_from_name(const char *name, unsigned long *ret); /* "rslave" -> flags */
/* Every option name tn_oci_mount_options() takes itself (not the filesystem's data), into v
 * (n at most); returns how many there are, for features. */
size_t tn_mount_option_names(const char **v, size_t n);
