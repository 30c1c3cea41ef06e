/* SPDX-License-Identifier: Apache-2.0 */
/* The field tables oci-config-linux.c gives oci-config.c (oci-fields.h). */
#pragma once

#include "oci-fields.h"

/* The "linux" object, into struct tn_oci_config. */
extern const struct tn_field tn_oci_linux_fields[];
/* linux.resources (and update --resources FILE), into struct tn_resources. */
extern const struct tn_field tn_resources_fields[];
