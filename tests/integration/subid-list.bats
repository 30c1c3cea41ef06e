#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `tenant subid list`: every range of a user, by name and by UID, in file order, with totals.

load helpers
bats_require_minimum_version 1.5.0

U=tenant-bob

setup_file() {
	ensure_users "$U"
}

teardown_file() {
	remove_test_users
}

setup() {
	require_root
	UID_OF_U=$(id -u "$U")
}

@test "seed 003: bob:10000:65536 and bob:220000:6000 give 71536 IDs" {
	subid_files "$U:10000:65536\n$U:220000:6000\n"
	run --separate-stderr tn subid list "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "subuid ranges of '$U' (uid $UID_OF_U)"
	assert_contains "$output" "220000       6000  225999"
	assert_eq "$(grep -c 'total: 71536 IDs in 2 ranges' <<<"$output")" 2
	run --separate-stderr tn subid list "$U" --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.subuid.total == 71536 and .subgid.total == 71536'
	echo "$output" | jq -e '[.subuid.ranges[] | [.start, .count, .line]] == [[10000,65536,1],[220000,6000,2]]'
	echo "$output" | jq -e ".user == \"$U\" and .uid == $UID_OF_U"
}

@test "a range listed by name and one listed by UID both count, in file order" {
	subid_files "$U:100000:10\nroot:200000:10\n$UID_OF_U:300000:5\n"
	for who in "$U" "$UID_OF_U"; do
		run --separate-stderr tn subid list "$who" --json
		[ "$status" -eq 0 ]
		echo "$output" | jq -e ".subuid.total == 15"
		echo "$output" | jq -e "[.subuid.ranges[].owner] == [\"$U\", \"$UID_OF_U\"]"
		echo "$output" | jq -e '[.subuid.ranges[].line] == [1, 3]'
	done
}

@test "a name made of digits only is a UID, never UID 0 by accident" {
	# util-linux reads a name as UID 0; tenant reads '0' only as UID 0.
	subid_files "$U:100000:10\n0:500000:7\n"
	run --separate-stderr tn subid list root --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.subuid.total == 7 and .subuid.ranges[0].owner == "0"'
}

@test "without USER, the caller's ranges" {
	subid_files "root:100000:65536\n$U:200000:10\n"
	run --separate-stderr tn subid list
	[ "$status" -eq 0 ]
	assert_contains "$output" "subuid ranges of 'root' (uid 0)"
	assert_contains "$output" "total: 65536 IDs in 1 range"
}

@test "blank lines and lines starting with # are skipped, as getsubids skips them" {
	subid_files "# $U:1:2\n\n   \n#$U:5:5\n$U:100000:10\n"
	run --separate-stderr tn subid list "$U" --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.subuid.total == 10 and (.subuid.skipped_lines | length) == 0'
	assert_eq "$(tn subid list "$U" 2>&1 >/dev/null)" ""
}

@test "malformed lines of the user are skipped with a warning naming the line" {
	subid_files "$U:100000:10\n$U:0200000:10\n$U:300000:10\r\n$U:400000:10:x\n$U:500000:0\n"
	run --separate-stderr tn subid list "$U" --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.subuid.total == 10 and .subuid.skipped_lines == [2, 3, 4, 5]'
	output=$stderr
	assert_contains "$output" "subuid:2: line skipped: number has a leading zero"
	assert_contains "$output" "subuid:3: line skipped: line ends with a carriage return"
	assert_contains "$output" "subuid:4: line skipped: expected 3 fields"
	assert_contains "$output" "subuid:5: line skipped: count is 0"
}

@test "a range listed twice counts its IDs once" {
	subid_files "$U:100000:10\n$UID_OF_U:100000:10\n$U:100005:10\n"
	run --separate-stderr tn subid list "$U" --json
	echo "$output" | jq -e '.subuid.total == 15 and (.subuid.ranges | length) == 3'
}

@test "a user without ranges gets 'none' and exit 0" {
	subid_files "root:100000:10\n"
	run --separate-stderr tn subid list "$U"
	[ "$status" -eq 0 ]
	assert_eq "$(grep -c '^  none$' <<<"$output")" 2
}

@test "a name without an account: its lines by name (as getsubids), with a warning" {
	subid_files "tenant-no-such-user:100000:65536\n$U:200000:10\ntenant-no-such-user:300000:5\n"
	run --separate-stderr tn subid list tenant-no-such-user
	[ "$status" -eq 0 ]
	assert_contains "$output" "subuid ranges of 'tenant-no-such-user' (no such account)"
	assert_eq "$(grep -c 'total: 65541 IDs in 2 ranges' <<<"$output")" 2
	assert_contains "$stderr" "warning: no account is named 'tenant-no-such-user'"
	run --separate-stderr tn subid list tenant-no-such-user --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.uid == null and .user == "tenant-no-such-user"'
	echo "$output" | jq -e '[.subuid.ranges[].line] == [1, 3] and .subgid.total == 65541'
	# none listed: an empty list, still with the warning
	subid_files ""
	run --separate-stderr tn subid list tenant-no-such-user
	[ "$status" -eq 0 ]
	assert_eq "$(grep -c '^  none$' <<<"$output")" 2
	assert_contains "$stderr" "no account is named"
	# a name of digits is a UID, and 4294967295 is none
	run --separate-stderr tn subid list 4294967295
	[ "$status" -eq 1 ]
}

@test "a file named with --subuid must exist; a directory is refused" {
	run "$TENANT" --subuid "$BATS_TEST_TMPDIR/nope" --subgid "$BATS_TEST_TMPDIR/nope2" subid list root
	[ "$status" -eq 1 ]
	assert_contains "$output" "cannot read '$BATS_TEST_TMPDIR/nope': No such file or directory"
	run "$TENANT" --subuid "$BATS_TEST_TMPDIR" --subgid "$BATS_TEST_TMPDIR" subid list root
	[ "$status" -eq 1 ]
	assert_contains "$output" "Is a directory"
}

@test "an unreadable file is an error that names it" {
	subid_files "root:100000:10\n"
	chmod 600 "$BATS_TEST_TMPDIR/subuid"
	chmod 755 "$BATS_TEST_TMPDIR"
	run as_user "$U" "$TENANT" --subuid "$BATS_TEST_TMPDIR/subuid" --subgid "$BATS_TEST_TMPDIR/subgid" subid list
	[ "$status" -eq 1 ]
	assert_contains "$output" "cannot read '$BATS_TEST_TMPDIR/subuid': Permission denied"
}

@test "the default files are /etc/subuid and /etc/subgid" {
	run "$TENANT" subid list root
	[ "$status" -eq 0 ]
	assert_contains "$output" "from /etc/subuid"
	assert_contains "$output" "from /etc/subgid"
}
