/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: /etc/subuid text, read and linted as tenant reads and lints it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accounts.h"
#include "subid-lint.h"
#include "subid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_accounts none = { 0 };
	struct tn_lint_report rep = { 0 };
	struct tn_subid_file f;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (tn_subid_file_from_text("/etc/subuid", text, size, &f) == 0) { /* takes text */
		(void)tn_subid_lint_file(&f, TN_SUBUID, &none, &none, &rep);
		tn_lint_report_done(&rep);
		tn_subid_file_done(&f);
	} else {
		free(text);
	}
	return 0;
}
