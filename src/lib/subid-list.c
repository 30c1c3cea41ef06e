/* SPDX-License-Identifier: Apache-2.0 */
/* A user's ranges of one database, as listed (subid-list.h). */
#include <stdlib.h>

#include "subid-list.h"
#include "banned.h"

const char *tn_subid_db_name(enum tn_subid_db db)
{
	return db == TN_SUBUID ? "subuid" : "subgid";
}

void tn_subid_list_done(struct tn_subid_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].owner);
	free(l->v);
	free(l->skipped);
	free(l->source);
	free(l->note);
	*l = (struct tn_subid_list){ 0 };
}
