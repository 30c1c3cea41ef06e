#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# `tenant subid add`: the lowest free range of login.defs' bounds, written atomically under lock.

load helpers
bats_require_minimum_version 1.5.0

U=tenant-add
V=tenant-add2

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
}

@test "a first range goes at SUB_UID_MIN with SUB_UID_COUNT IDs, in both files" {
	subid_files ""
	run tn subid add "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "added 100000:65536 (IDs 100000-165535) for '$U' to $SU:1"
	assert_contains "$output" "to $SG:1"
	assert_eq "$(cat "$SU")" "$U:100000:65536"
	assert_eq "$(cat "$SG")" "$U:100000:65536"
	run tn subid add "$V"
	[ "$status" -eq 0 ]
	assert_eq "$(sed -n 2p "$SU")" "$V:165536:65536"
	run tn subid lint
	[ "$status" -eq 0 ]
}

@test "a user who has a range gets no second one unless --count or --start" {
	subid_files "$U:200000:10\n"
	before=$(sha "$SU" "$SG")
	run tn subid add "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "'$U' already has 200000:10 in $SU; nothing added"
	assert_eq "$(sha "$SU" "$SG")" "$before"
	run tn subid add "$U" --count 1000
	[ "$status" -eq 0 ]
	assert_eq "$(tail -1 "$SU")" "$U:100000:1000"
	run tn subid add "$U" --start 300000
	[ "$status" -eq 0 ]
	assert_eq "$(tail -1 "$SU")" "$U:300000:65536"
}

@test "the lowest free gap is used, and other lines are kept byte for byte" {
	subid_files "# local ranges\n\n$V:100000:65536\n$V:231072:10"
	run tn subid add "$U"
	[ "$status" -eq 0 ]
	printf "# local ranges\n\n$V:100000:65536\n$V:231072:10\n$U:165536:65536\n" >"$BATS_TEST_TMPDIR/expected"
	cmp "$BATS_TEST_TMPDIR/expected" "$SU"
}

@test "a range is never given over an existing account's ID" {
	uid=$(id -u "$V")
	subid_files ""
	run tn subid add "$U" --start "$((uid - 5))" --count 10
	[ "$status" -eq 1 ]
	assert_contains "$output" "contains ID $uid of account '$V'"
	assert_eq "$(cat "$SU")" ""
}

@test "a numeric UID without an account is a valid owner" {
	subid_files ""
	run tn subid add 3999999 --count 5
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$SU")" "3999999:100000:5"
}

@test "bad input: nothing is written" {
	subid_files "$V:100000:65536\n" "$V:100000:65536\n$V:0200000:1\n"
	before=$(sha "$SU" "$SG")
	run tn subid add "$U"
	[ "$status" -eq 1 ]
	assert_contains "$output" "'$SG':2: number has a leading zero; refusing to allocate"
	assert_contains "$output" "hint: fix the line first"
	run tn subid add tenant-no-such-user
	[ "$status" -eq 1 ]
	assert_contains "$output" "unknown user 'tenant-no-such-user'"
	run tn subid add "$U" --start 150000 --count 10
	[ "$status" -eq 1 ]
	run tn subid add "$U" --count 0
	[ "$status" -eq 2 ]
	assert_contains "$output" "--count '0' is not a count"
	run tn subid add "$U" --start 4294967295
	[ "$status" -eq 2 ]
	run tn subid add "$U" --start 4294967290 --count 10
	[ "$status" -eq 1 ]
	assert_contains "$output" "runs past ID 4294967294"
	assert_eq "$(sha "$SU" "$SG")" "$before"
	[ ! -e "$SU-" ] && [ ! -e "$SG-" ]
}

@test "an explicit start that overlaps another owner names that line" {
	subid_files "$V:100000:65536\n"
	run tn subid add "$U" --start 150000 --count 10
	[ "$status" -eq 1 ]
	assert_contains "$output" "range 150000-150009 overlaps range 100000-165535 of '$V' ('$SU':1)"
}

@test "mode and owner are kept, FILE- keeps the previous contents, no lock is left" {
	subid_files "$V:100000:65536\n"
	chmod 640 "$SU"
	chown "$V:$V" "$SU"
	run tn subid add "$U"
	[ "$status" -eq 0 ]
	assert_eq "$(stat -c '%a %U %G' "$SU")" "640 $V $V"
	assert_eq "$(cat "$SU-")" "$V:100000:65536"
	assert_eq "$(stat -c '%a %U' "$SU-")" "640 $V"
	# shadow's per-file locks are gone (the .pwd.lock file stays, as /etc/.pwd.lock does)
	[ ! -e "$SU.lock" ] && [ ! -e "$SG.lock" ]
	run ls -A "$BATS_TEST_TMPDIR"
	assert_not_contains "$output" ".tenant-"
}

@test "a symlinked file is replaced at its target, the link stays" {
	mkdir "$BATS_TEST_TMPDIR/real"
	printf '' >"$BATS_TEST_TMPDIR/real/subuid"
	printf '' >"$SG"
	ln -s real/subuid "$SU"
	run tn subid add "$U"
	[ "$status" -eq 0 ]
	[ -L "$SU" ]
	assert_eq "$(cat "$BATS_TEST_TMPDIR/real/subuid")" "$U:100000:65536"
}

@test "a missing file named on the command line is an error, and nothing is created" {
	run "$TENANT" --subuid "$BATS_TEST_TMPDIR/none" --subgid "$BATS_TEST_TMPDIR/none2" subid add "$U"
	[ "$status" -eq 1 ]
	assert_contains "$output" "cannot read '$BATS_TEST_TMPDIR/none'"
	[ ! -e "$BATS_TEST_TMPDIR/none" ]
}

@test "no free range left: the error says where it looked and what to do" {
	subid_files ""
	run tn subid add "$U" --count 600000002
	[ "$status" -eq 1 ]
	assert_contains "$output" "no free range of 600000002 IDs between 100000 and 600100000"
	assert_contains "$output" "hint: raise SUB_UID_MAX"
}

@test "a stale shadow lock (its process is gone) is taken over" {
	subid_files ""
	sh -c 'exit 0' &
	dead=$!
	wait $dead
	printf '%s\0' "$dead" >"$SU.lock"
	run tn subid add "$U"
	[ "$status" -eq 0 ]
	[ ! -e "$SU.lock" ]
}

@test "a held shadow lock is waited for" {
	subid_files ""
	sleep 2 &
	holder=$!
	printf '%s\0' "$holder" >"$SU.lock"
	(sleep 1; rm -f "$SU.lock") &
	SECONDS=0
	run tn subid add "$U"
	[ "$status" -eq 0 ]
	[ "$SECONDS" -ge 1 ]
	assert_eq "$(cat "$SU")" "$U:100000:65536"
	wait
}

@test "editing /etc files as an ordinary user fails with the reason" {
	subid_files ""
	chmod 755 "$BATS_TEST_TMPDIR"
	run as_user "$U" "$TENANT" --subuid "$SU" --subgid "$SG" subid add "$U"
	[ "$status" -eq 1 ]
	assert_contains "$output" "Permission denied"
	assert_contains "$output" "needs root"
}
