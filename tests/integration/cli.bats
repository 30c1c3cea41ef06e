#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The command line itself: version, help on every command, usage errors, exit statuses.

load helpers

@test "--version names tenant, its commit and the runtime-spec version" {
	run "$TENANT" --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" =~ ^tenant\ version\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	[[ "${lines[1]}" =~ ^commit:\ .+ ]]
	assert_eq "${lines[2]}" "spec: 1.2.0"
	run "$TENANT" -v
	[ "$status" -eq 0 ]
}

@test "every command and group has --help, exiting 0 with its usage" {
	for cmd in "" "subid" "subid list" "subid lint" "subid add" "subid remove" "help"; do
		# shellcheck disable=SC2086
		run "$TENANT" $cmd --help
		[ "$status" -eq 0 ] || { echo "'$cmd --help' exited $status"; return 1; }
		assert_contains "${lines[0]}" "Usage: tenant${cmd:+ $cmd}"
		assert_contains "$output" "-h, --help"
	done
}

@test "top-level help lists the commands and global options" {
	run "$TENANT" --help
	assert_contains "$output" "subid"
	assert_contains "$output" "--subuid FILE"
	assert_contains "$output" "--version"
}

@test "'tenant help subid add' is 'tenant subid add --help'" {
	run "$TENANT" help subid add
	[ "$status" -eq 0 ]
	help_output=$output
	run "$TENANT" subid add --help
	assert_eq "$help_output" "$output"
}

@test "a mistyped command gets 'did you mean' and exit status 2" {
	run "$TENANT" sbuid
	[ "$status" -eq 2 ]
	assert_contains "$output" "'sbuid' is not a tenant command"
	assert_contains "$output" "did you mean 'subid'?"
	run "$TENANT" subid lsit
	[ "$status" -eq 2 ]
	assert_contains "$output" "did you mean 'list'?"
	run "$TENANT" help subid lnit
	[ "$status" -eq 2 ]
	assert_contains "$output" "did you mean 'lint'?"
}

@test "an unrelated word gets no suggestion" {
	run "$TENANT" frobnicate
	[ "$status" -eq 2 ]
	assert_not_contains "$output" "did you mean"
	assert_contains "$output" "see 'tenant --help'"
}

@test "usage errors exit 2 and point to --help" {
	run "$TENANT"
	[ "$status" -eq 2 ]
	assert_contains "$output" "missing command"
	run "$TENANT" subid
	[ "$status" -eq 2 ]
	assert_contains "$output" "see 'tenant subid --help'"
	run "$TENANT" subid list --jsno
	[ "$status" -eq 2 ]
	assert_contains "$output" "unknown option '--jsno'"
	run "$TENANT" subid list a b
	[ "$status" -eq 2 ]
	assert_contains "$output" "at most 1 argument"
	run "$TENANT" subid add
	[ "$status" -eq 2 ]
	assert_contains "$output" "needs"
	run "$TENANT" subid list --subuid
	[ "$status" -eq 2 ]
	run "$TENANT" --subuid
	[ "$status" -eq 2 ]
	assert_contains "$output" "needs a value"
	run "$TENANT" --subuid= subid list
	[ "$status" -eq 2 ]
}

@test "options may follow arguments of a command" {
	printf 'root:100000:10\n' >"$BATS_TEST_TMPDIR/subuid"
	printf 'root:100000:10\n' >"$BATS_TEST_TMPDIR/subgid"
	run tn subid list root --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.subuid.total == 10'
}

@test "a write error on stdout is a failure, not silence" {
	[ -w /dev/full ] || skip "no /dev/full"
	run bash -c "'$TENANT' --help >/dev/full"
	[ "$status" -eq 1 ]
	assert_contains "$output" "cannot write output"
}
