/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: --uidmap C:H:S[,...] texts planned as a map, and /proc/PID/uid_map texts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tn_idmap_extent ext[400];
	struct tn_idmap m;
	size_t n = 0;
	char *text = malloc(size + 1), *save = NULL;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (tn_idmap_parse_text(text, TN_IDMAP_UID, &m) == 0)
		tn_idmap_done(&m);
	for (char *tok = strtok_r(text, ",\n", &save); tok && n < 400;
	     tok = strtok_r(NULL, ",\n", &save)) {
		struct tn_error *err = NULL;

		if (tn_idmap_extent_parse(tok, &ext[n], &err) == 0)
			n++;
		tn_error_free(err);
	}
	if (n) {
		struct tn_idmap_request req = { .kind = TN_IDMAP_UID,
						.mode = TN_IDMAP_EXPLICIT,
						.id = 1000,
						.privileged = (data[0] & 1) != 0,
						.explicit_v = ext,
						.n_explicit = n };
		struct tn_error *err = NULL;
		uint32_t out;

		if (tn_idmap_plan(&req, &m, &err) == 0) {
			(void)tn_idmap_translate(&m, ext[0].inside, true, &out);
			tn_idmap_done(&m);
		}
		tn_error_free(err);
	}
	free(text);
	return 0;
}
