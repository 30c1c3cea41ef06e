/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the readers of tenant's own files: state.json and the --userns auto registry. */
#include <stdint.h>

#include "oci-state.h"
#include "userns-pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_state s;

	if (tn_state_parse((const char *)data, size, &s) == 0)
		tn_state_done(&s);
	(void)tn_pool_registry_parse((const char *)data, size);
	return 0;
}
