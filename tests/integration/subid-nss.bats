#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Ranges from a `subid:` source other than files, read through shadow's libsubid.
#
# Each command runs in a private mount namespace where a copy of /etc/nsswitch.conf with a
# `subid:` line is bind-mounted over the real one; the host's file is never changed. The
# module is tests/fixtures/libsubid_tenanttest.c, found by libsubid through LD_LIBRARY_PATH.

load helpers
bats_require_minimum_version 1.5.0

U=tenant-nss
E=tenant-nss-error

setup_file() {
	ensure_users "$U" "$E"
}

teardown_file() {
	remove_test_users
}

setup() {
	require_root
	[ -f "$TENANT_BUILD/tests/fixtures/libsubid_tenanttest.so" ] || skip "test module not built"
	export LD_LIBRARY_PATH=$TENANT_BUILD/tests/fixtures
	export TENANT_TEST_SUBID="$U:500000:65536,$U:700000:100,other:1:5"
}

# with_subid SOURCE CMD...: run CMD with /etc/nsswitch.conf saying "subid: SOURCE".
with_subid() {
	local source=$1
	shift
	{ grep -v '^subid:' /etc/nsswitch.conf; echo "subid: $source"; } >"$BATS_TEST_TMPDIR/nsswitch.conf"
	unshare -m --propagation private sh -c \
		'mount --bind "$0" /etc/nsswitch.conf && exec "$@"' "$BATS_TEST_TMPDIR/nsswitch.conf" "$@"
}

@test "ranges come from the module named by nsswitch.conf" {
	run --separate-stderr with_subid tenanttest "$TENANT" subid list "$U" --json
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.subuid.source == "nss:tenanttest" and .subgid.source == "nss:tenanttest"'
	echo "$output" | jq -e '[.subuid.ranges[] | [.start, .count, .line]] == [[500000,65536,null],[700000,100,null]]'
	echo "$output" | jq -e '.subuid.total == 65636'
	assert_eq "$stderr" ""
}

@test "tenant and shadow's getsubids agree on the module's ranges" {
	command -v getsubids >/dev/null || skip "getsubids (uidmap) is not installed"
	run with_subid tenanttest getsubids "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "0: $U 500000 65536"
	assert_contains "$output" "1: $U 700000 100"
}

@test "the real files are not consulted when a module serves the ranges" {
	run with_subid tenanttest "$TENANT" subid list "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "from nss:tenanttest"
	assert_not_contains "$output" "/etc/subuid"
}

@test "a failing module is an error with the module's name" {
	run with_subid tenanttest "$TENANT" subid list "$E"
	[ "$status" -eq 1 ]
	assert_contains "$output" "libsubid ('tenanttest' module) cannot list the subuid ranges of '$E'"
	assert_contains "$output" "hint:"
}

@test "a module that cannot be loaded means the files, as for newuidmap, with a warning" {
	run with_subid tenant-no-such-module "$TENANT" subid list "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "warning: /etc/nsswitch.conf names subid source 'tenant-no-such-module'"
	assert_contains "$output" "using the files, as newuidmap does"
	assert_contains "$output" "from /etc/subuid"
}

@test "--subuid/--subgid read the named files, whatever nsswitch.conf says" {
	subid_files "$U:100000:7\n"
	run with_subid tenanttest "$TENANT" --subuid "$BATS_TEST_TMPDIR/subuid" --subgid "$BATS_TEST_TMPDIR/subgid" subid list "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "total: 7 IDs in 1 range"
}

@test "lint says the files are unused; add and remove refuse to edit them" {
	run with_subid tenanttest "$TENANT" subid lint
	assert_contains "$output" "/etc/subuid: warning: /etc/nsswitch.conf reads subordinate IDs from 'tenanttest': newuidmap does not use this file"
	run with_subid tenanttest "$TENANT" subid add "$U"
	[ "$status" -eq 1 ]
	assert_contains "$output" "subordinate IDs are managed by 'tenanttest'"
	run with_subid tenanttest "$TENANT" subid remove "$U"
	[ "$status" -eq 1 ]
	assert_contains "$output" "managed by 'tenanttest'"
}

@test "'subid: files' is the files" {
	run with_subid files "$TENANT" subid list "$U"
	[ "$status" -eq 0 ]
	assert_contains "$output" "from /etc/subuid"
}
