#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# tenant check: each check made to pass, and made to fail for real where this machine allows,
# with the JSON report validated.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
}

teardown_file() {
	userns_teardown
}

setup() {
	require_userns_user
}

# The report is well formed: every check has a name, a status, what was found, a fix or null,
# and the counts add up.
valid_report() {
	jq -e '
		(.checks | length) >= 10
		and all(.checks[]; (.name | type) == "string" and (.status | IN("ok", "warn", "fail"))
			and (.found | type) == "string" and (.fix == null or (.fix | type) == "string"))
		and .failed == ([.checks[] | select(.status == "fail")] | length)
		and .warnings == ([.checks[] | select(.status == "warn")] | length)
		and .ok == ([.checks[] | select(.status == "ok")] | length)
		and ([.checks[].name] | contains(["userns", "max-userns", "newuidmap", "newgidmap",
			"subuid", "subgid", "idmap", "cgroups", "systemd", "seccomp", "pidfd", "clone3"]))' <<<"$1"
}

status_of() { # JSON NAME
	jq -r --arg n "$2" '.checks[] | select(.name == $n) | .status' <<<"$1"
}

@test "check as root: everything this machine has passes, text and JSON agree" {
	run -0 "$TENANT" check
	assert_contains "$output" "ok    userns"
	assert_contains "$output" "ok    seccomp"
	assert_contains "${lines[-1]}" "0 failed"
	run -0 "$TENANT" check --json
	valid_report "$output"
	assert_eq "$(jq -r .user <<<"$output")" root
	assert_eq "$(status_of "$output" idmap)" ok
	assert_contains "$(jq -r '.checks[] | select(.name == "idmap") | .found' <<<"$output")" "idmapped mounts work on /"
}

@test "check --user: a user with ranges passes; the caller's own check as that user agrees" {
	run -0 "$TENANT" check --user tenant-ns --json
	valid_report "$output"
	assert_eq "$(status_of "$output" subuid)" ok
	assert_contains "$(jq -r '.checks[] | select(.name == "subuid") | .found' <<<"$output")" "$NS_R1-$((NS_R1 + 65535)) (65536)"
	assert_eq "$(status_of "$output" userns)" ok
	run -0 as_user tenant-ns "$USERNS_DIR/tenant" check --json
	valid_report "$output"
	assert_eq "$(jq -r .uid <<<"$output")" "$NS_UID"
	# A user cannot check another.
	run -1 as_user tenant-ns "$USERNS_DIR/tenant" check --user root
	assert_contains "$output" "checking another user needs root"
}

@test "check fails on a missing subuid line, with the fix" {
	run -1 "$TENANT" check --user tenant-ns-none
	assert_contains "$output" "fail  subuid"
	assert_contains "$output" "tenant-ns-none has no range in /etc/subuid"
	assert_contains "$output" "fix: tenant subid add USER"
	run -1 "$TENANT" check --user tenant-ns-none --json
	valid_report "$output"
	assert_eq "$(status_of "$output" subgid)" fail
}

@test "check fails on newuidmap without its setuid bit, with the fix" {
	local helper
	helper=$(command -v newuidmap)
	cp "$helper" "$USERNS_DIR/newuidmap-plain"
	chmod 755 "$USERNS_DIR/newuidmap-plain"
	run -1 unshare -m sh -c 'mount --bind "$1" "$2" && exec "$3" check --user tenant-ns --json' sh \
		"$USERNS_DIR/newuidmap-plain" "$helper" "$TENANT"
	valid_report "$output"
	assert_eq "$(status_of "$output" newuidmap)" fail
	assert_contains "$(jq -r '.checks[] | select(.name == "newuidmap") | .found' <<<"$output")" "neither setuid root nor given file capabilities"
	assert_contains "$(jq -r '.checks[] | select(.name == "newuidmap") | .fix' <<<"$output")" "chmod u+s"
	assert_eq "$(status_of "$output" newgidmap)" ok
}

@test "check fails when user.max_user_namespaces is lowered to 0, and says how to raise it" {
	run -1 as_user tenant-ns unshare --user --map-root-user sh -c \
		'echo 0 >/proc/sys/user/max_user_namespaces && exec "$NS_TENANT" check --json'
	valid_report "$output"
	assert_eq "$(status_of "$output" userns)" fail
	assert_eq "$(status_of "$output" max-userns)" fail
	assert_contains "$(jq -r '.checks[] | select(.name == "userns") | .found' <<<"$output")" "user.max_user_namespaces = 0"
	assert_contains "$(jq -r '.checks[] | select(.name == "max-userns") | .fix' <<<"$output")" "sysctl -w user.max_user_namespaces="
	# Raised again (in that namespace, as the host's is never touched), it passes.
	run -0 as_user tenant-ns unshare --user --map-root-user sh -c \
		'echo 100 >/proc/sys/user/max_user_namespaces && exec "$NS_TENANT" check --json'
	assert_eq "$(status_of "$output" userns)" ok
}
