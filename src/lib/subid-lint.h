/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `tenant subid lint`: every problem of both databases, as findings with a file, a line, a
 * severity, a message and, where one is known, the fix.
 *
 * Errors: malformed lines (tenant and newuidmap skip them, or read them differently), count 0,
 * ranges that reach ID 4294967295, ranges of different owners that overlap, ranges that contain
 * the UID (GID) of an existing account other than the owner (CVE-2024-56433).
 * Warnings: duplicate lines, overlapping ranges of one owner, owners with no account, a missing
 * file, and local files that /etc/nsswitch.conf does not use.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "subid.h"

enum tn_lint_severity {
	TN_LINT_ERROR,
	TN_LINT_WARNING,
};

struct tn_lint_finding {
	const char *path; /* the file (borrowed from the source) */
	uint32_t line;	  /* 0: about the whole file */
	enum tn_lint_severity severity;
	const char *code; /* short stable name: "malformed", "overlap", "account", ... */
	char *message;
	char *hint; /* NULL when there is nothing more to say */
	size_t seq; /* order of discovery, to keep the report's order stable */
};

struct tn_lint_report {
	struct tn_lint_finding *v;
	size_t n;
	size_t cap;
	size_t n_errors;
	size_t n_warnings;
	size_t n_lines[2]; /* lines read per database */
};

/* Check both databases of `src`. Fails only when a file cannot be read at all. */
int tn_subid_lint(const struct tn_subid_source *src, struct tn_lint_report *ret,
		  struct tn_error **err);

/* Check one loaded file; findings are appended to `report`. Exposed for unit tests. */
int tn_subid_lint_file(const struct tn_subid_file *f, enum tn_subid_db db,
		       const struct tn_accounts *users, const struct tn_accounts *groups,
		       struct tn_lint_report *report);

void tn_lint_report_done(struct tn_lint_report *r);

const char *tn_lint_severity_to_string(enum tn_lint_severity s);
