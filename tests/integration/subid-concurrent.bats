#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# 50 concurrent `tenant subid add` runs for 50 distinct users on the same files: 50 ranges in
# each file, none overlapping, and files that lint clean (no torn writes, no lost updates).

load helpers

N=50

setup_file() {
	# shellcheck disable=SC2046
	ensure_users $(seq -f 'tenant-cc%02g' 1 $N)
}

teardown_file() {
	remove_test_users
}

@test "50 concurrent adds for 50 users: 50 disjoint ranges per file, lint clean" {
	require_root
	subid_files "# shared by $N concurrent writers\n"
	pids=()
	for i in $(seq -w 1 $N); do
		tn subid add "tenant-cc$i" >"$BATS_TEST_TMPDIR/out.$i" 2>&1 &
		pids+=($!)
	done
	rc=0
	for p in "${pids[@]}"; do
		wait "$p" || rc=1
	done
	[ "$rc" -eq 0 ] || { cat "$BATS_TEST_TMPDIR"/out.*; false; }
	for f in subuid subgid; do
		path=$BATS_TEST_TMPDIR/$f
		assert_eq "$(grep -c '^tenant-cc' "$path")" "$N"
		assert_eq "$(grep '^tenant-cc' "$path" | cut -d: -f1 | sort -u | wc -l)" "$N"
		# Disjoint: sorted by start, each range ends before the next begins.
		sort -t: -k2,2n "$path" | awk -F: '/^tenant-cc/ { if (NR > 1 && $2 <= end) { print "overlap: " $0; bad = 1 } end = $2 + $3 - 1 } END { exit bad }'
		assert_eq "$(head -1 "$path")" "# shared by $N concurrent writers"
	done
	run tn subid lint
	[ "$status" -eq 0 ]
	assert_contains "$output" "0 errors, 0 warnings"
	[ ! -e "$BATS_TEST_TMPDIR/subuid.lock" ]
}
