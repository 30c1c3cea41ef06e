/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the readers of tenant's own files: state.json, the --userns auto registry and the
 * shift records. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-state.h"
#include "shift-record.h"
#include "userns-pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_state s;

	if (tn_state_parse((const char *)data, size, &s) == 0)
		tn_state_done(&s);
	struct tn_shift_record rec = { .append_fd = -1 };
	char *text = malloc(size + 1);

	(void)tn_pool_registry_parse((const char *)data, size);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)tn_shift_record_parse(text, &rec);
	(void)tn_shift_record_pending(&rec, 12);
	tn_shift_record_done(&rec);
	free(text);
	return 0;
}
