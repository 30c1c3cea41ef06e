#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `tenant subid remove USER [START:COUNT]`

load helpers

U=tenant-rm
V=tenant-rm2

setup_file() {
	ensure_users "$U" "$V"
}

teardown_file() {
	remove_test_users
}

setup() {
	require_root
	SU=$BATS_TEST_TMPDIR/subuid
	SG=$BATS_TEST_TMPDIR/subgid
	UID_OF_U=$(id -u "$U")
}

@test "all of a user's ranges go, by name and by UID; other lines stay byte for byte" {
	subid_files "# keep\r\n$U:100000:10\n$V:200000:10\n\n$UID_OF_U:300000:5\n"
	run tn subid remove "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "removed 100000:10 of '$U' from $SU"
	assert_contains "$output" "removed 300000:5 of '$U' from $SG"
	printf "# keep\r\n$V:200000:10\n\n" >"$BATS_TEST_TMPDIR/expected"
	cmp "$BATS_TEST_TMPDIR/expected" "$SU"
	cmp "$BATS_TEST_TMPDIR/expected" "$SG"
	assert_eq "$(head -2 "$SU-" | tail -1)" "$U:100000:10"
}

@test "START:COUNT removes only that range" {
	subid_files "$U:100000:10\n$U:300000:5\n" "$U:300000:5\n"
	run tn subid remove "$U" 100000:10
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$SU")" "$U:300000:5"
	assert_eq "$(cat "$SG")" "$U:300000:5"
}

@test "malformed lines of the user go too, and are counted" {
	subid_files "$U:0100000:10\n$U:5:5:5\n$V:1:1\n"
	run tn subid remove "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "removed 2 malformed lines of '$U' from $SU"
	assert_eq "$(cat "$SU")" "$V:1:1"
}

@test "lines of a deleted account are removed by its name" {
	subid_files "tenant-gone:100000:10\n$V:1:1\n"
	run tn subid remove tenant-gone
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$SU")" "$V:1:1"
}

@test "nothing to remove is an error, and nothing is written" {
	subid_files "$V:100000:10\n"
	before=$(sha "$SU" "$SG")
	run tn subid remove "$U"
	[ "$status" -eq 1 ]
	assert_contains "$output" "'$U' has no ranges in '$SU' or '$SG'"
	assert_contains "$output" "hint: 'tenant subid list $U' shows its ranges"
	run tn subid remove "$V" 100000:11
	[ "$status" -eq 1 ]
	assert_contains "$output" "has no range 100000:11"
	assert_eq "$(sha "$SU" "$SG")" "$before"
	[ ! -e "$SU-" ]
}

@test "a malformed START:COUNT is a usage error" {
	subid_files "$V:100000:10\n"
	for bad in 100000 100000: :10 1e5:10 100000:0 4294967295:1 -1:5; do
		run tn subid remove "$V" -- "$bad"
		[ "$status" -eq 2 ] || { echo "'$bad' gave $status"; false; }
		assert_contains "$output" "is not a range START:COUNT"
	done
}

@test "an argument that looks like an option is reported as one" {
	subid_files "$V:100000:10\n"
	run tn subid remove "$V" -1:5
	[ "$status" -eq 2 ]
	assert_contains "$output" "unknown option '-1'"
}
