/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: config.json, parsed and checked as create reads it; and as exec --process FILE. */
#include <stdint.h>

#include "oci-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_oci_config cfg, proc = { 0 };
	struct tn_error *err = NULL;

	if (tn_oci_config_parse("config.json", (const char *)data, size, &cfg, &err) == 0)
		tn_oci_config_done(&cfg);
	tn_error_free(err);
	err = NULL;
	/* Half read or whole, what the process holds is freed by the caller. */
	tn_oci_process_parse("process.json", (const char *)data, size, &proc, &err);
	tn_oci_process_done(&proc.process);
	tn_error_free(err);
	return 0;
}
