#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `tenant subid lint`: every problem as FILE:LINE: severity: message, exit 1 on errors.

load helpers
bats_require_minimum_version 1.5.0

U=tenant-lint
V=tenant-lint2

setup_file() {
	ensure_users "$U" "$V"
}

teardown_file() {
	remove_test_users
}

setup() {
	require_root
}

@test "clean files: no findings, exit 0" {
	subid_files "# managed by hand\n$U:100000:65536\n$V:165536:65536\n"
	run tn subid lint
	[ "$status" -eq 0 ]
	assert_eq "$output" "0 errors, 0 warnings in $BATS_TEST_TMPDIR/subuid (3 lines) and $BATS_TEST_TMPDIR/subgid (3 lines)"
}

@test "malformed lines: each reported with file, line and reason" {
	subid_files "$U:100000\n:1:2\n$U:1x:5\n$U:-5:5\n$U:5:5:5\n$U: 7:3\n$U:0x10:5\n$U:010000:5\n$U:99999999999:1\n"
	run tn subid lint
	[ "$status" -eq 1 ]
	f=$BATS_TEST_TMPDIR/subuid
	assert_contains "$output" "$f:1: error: expected 3 fields 'owner:start:count', found 2"
	assert_contains "$output" "$f:2: error: owner is empty"
	assert_contains "$output" "$f:3: error: start '1x': number is followed by other characters"
	assert_contains "$output" "$f:4: error: start '-5': number is negative"
	assert_contains "$output" "$f:5: error: expected 3 fields 'owner:start:count', found 4"
	assert_contains "$output" "$f:6: error: start ' 7': number contains a blank"
	assert_contains "$output" "$f:7: error: start '0x10' is hexadecimal: newuidmap reads it as hexadecimal 16"
	assert_contains "$output" "$f:8: error: start '010000' has a leading zero: newuidmap reads it as octal 4096, other tools as decimal"
	assert_contains "$output" "$f:9: error: start '99999999999': number is larger than 4294967295"
	assert_contains "$output" "18 errors, 0 warnings"
}

@test "count 0, CRLF and the last valid ID" {
	subid_files "$U:100000:0\n$U:200000:10\r\n$V:4294967290:6\n"
	run tn subid lint
	[ "$status" -eq 1 ]
	f=$BATS_TEST_TMPDIR/subgid
	assert_contains "$output" "$f:1: error: count is 0: the line grants no IDs"
	assert_contains "$output" "$f:2: error: line ends with a carriage return (DOS line ending): newuidmap ignores it"
	assert_contains "$output" "$f:3: error: range 4294967290-4294967295 reaches ID 4294967295"
	assert_contains "$output" "hint: lower the count to 5"
	subid_files "$V:4294967290:5\n$U:4294967295:1\n"
	run tn subid lint
	[ "$status" -eq 1 ]
	assert_not_contains "$output" "$f:1:"
	assert_contains "$output" "$f:2: error: start 4294967295 is not a valid ID"
}

@test "ranges of different owners that overlap are errors; one owner's are warnings" {
	subid_files "$U:100000:65536\n$V:150000:100\n$U:160000:10\n$U:100000:65536\n"
	run tn subid lint
	[ "$status" -eq 1 ]
	f=$BATS_TEST_TMPDIR/subuid
	assert_contains "$output" "$f:2: error: range 150000-150099 of '$V' overlaps range 100000-165535 of '$U' (line 1)"
	assert_contains "$output" "$f:3: warning: range 160000-160009 of '$U' overlaps its range 100000-165535 (line 1)"
	assert_contains "$output" "$f:4: warning: range 100000-165535 of '$U' repeats line 1"
	assert_contains "$output" "2 errors, 4 warnings"
}

@test "a range containing an existing account's UID or GID is an error" {
	uid=$(id -u "$V")
	gid=$(getent group "$V" | cut -d: -f3)
	subid_files "$U:$((uid - 1)):3\n" "$U:$((gid - 1)):3\n"
	run tn subid lint
	[ "$status" -eq 1 ]
	assert_contains "$output" "subuid:1: error: range $((uid - 1))-$((uid + 1)) of '$U' contains UID $uid of user '$V'"
	assert_contains "$output" "subgid:1: error: range $((gid - 1))-$((gid + 1)) of '$U' contains GID $gid of group '$V'"
	assert_contains "$output" "CVE-2024-56433"
	subid_files "root:0:1\n"
	run tn subid lint
	[ "$status" -eq 0 ] # the owner's own ID is not a collision
}

@test "owners without an account and a missing default file are warnings only" {
	subid_files "tenant-gone:300000:10\ntenant-gone:400000:10\n"
	run tn subid lint
	[ "$status" -eq 0 ]
	assert_contains "$output" "subuid:1: warning: owner 'tenant-gone' has no account (it owns more lines below)"
	assert_contains "$output" "0 errors, 2 warnings"
}

@test "a file that group or others can write is an error" {
	subid_files "$U:100000:10\n"
	chmod 666 "$BATS_TEST_TMPDIR/subuid"
	run tn subid lint
	[ "$status" -eq 1 ]
	assert_contains "$output" "subuid: error: the file is writable by everyone"
}

@test "--json: valid JSON with the same findings and counts" {
	subid_files "$U:100000:0\n$V:100000:10\n$U:100005:10\n"
	run --separate-stderr tn subid lint --json
	[ "$status" -eq 1 ]
	echo "$output" | jq -e '.errors == 4 and .warnings == 0'
	echo "$output" | jq -e '[.findings[] | select(.file | endswith("/subuid")) | [.line, .severity, .code]] == [[1,"error","count-zero"],[3,"error","overlap"]]'
	echo "$output" | jq -e '.files[0].database == "subuid" and .files[0].lines == 3'
	echo "$output" | jq -e '.findings[0].hint | type == "string"'
}

@test "a missing file named on the command line is an error" {
	run "$TENANT" --subuid "$BATS_TEST_TMPDIR/none" --subgid "$BATS_TEST_TMPDIR/none2" subid lint
	[ "$status" -eq 1 ]
	assert_contains "$output" "cannot read '$BATS_TEST_TMPDIR/none'"
}
