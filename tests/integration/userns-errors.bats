#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Refusals explained (seed 003's troubleshooting), each triggered for real: sysctls are lowered
# inside a user namespace of the test's own (the host's cannot be written here and are never
# touched), helpers are hidden from PATH or replaced by a non-setuid copy in a private mount
# namespace, and newuidmap is asked for a range that /etc/subuid does not give.

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

@test "no subordinate ranges: says which file and how to add them" {
	run -1 as_user tenant-ns-none sh -c '"$NS_TENANT" unshare true'
	assert_contains "$output" "user 'tenant-ns-none' (uid $(id -u tenant-ns-none)) has no subordinate UIDs in /etc/subuid"
	assert_contains "$output" "hint: as root: tenant subid add tenant-ns-none"
	# --map root needs no ranges.
	run -0 as_user tenant-ns-none sh -c '"$NS_TENANT" unshare --map root true'
}

@test "user.max_user_namespaces = 0: says user namespaces are disabled and how to enable them" {
	run -1 as_user tenant-ns unshare --user --map-root-user sh -c \
		'echo 0 >/proc/sys/user/max_user_namespaces && exec "$NS_TENANT" unshare --map root true'
	assert_contains "$output" "user namespaces are disabled (user.max_user_namespaces = 0)"
	assert_contains "$output" "sysctl -w user.max_user_namespaces="
	assert_contains "$output" "user_namespace.enable=1"
}

@test "the limit is reached: gives the count and the limit" {
	run -1 as_user tenant-ns unshare --user --map-root-user sh -c '
		echo 1 >/proc/sys/user/max_user_namespaces
		unshare --user sleep 30 &
		for i in $(seq 100); do
			[ "$(readlink /proc/$!/ns/user)" != "$(readlink /proc/self/ns/user)" ] && break
			sleep 0.05
		done
		"$NS_TENANT" unshare --map root true
		status=$?
		kill $!
		exit $status'
	assert_contains "$output" "the limit is reached: user.max_user_namespaces is 1 and 1 user namespace exists below this one"
	assert_contains "$output" "hint: stop containers you no longer need, or raise the limit as root: sysctl -w user.max_user_namespaces=2"
}

@test "a caller without a mapping: says its uid_map is empty" {
	run -1 unshare --user "$USERNS_DIR/tenant" unshare --map root true
	assert_contains "$output" "your UID has no mapping in the user namespace tenant runs in (its uid_map is empty)"
}

@test "newuidmap refuses: shows what was asked and what newuidmap said" {
	# tenant reads a range from --subuid that /etc/subuid, which newuidmap reads, does not give.
	printf 'tenant-ns:500000:65536\n' >"$USERNS_DIR/fake-subuid"
	chmod 644 "$USERNS_DIR/fake-subuid"
	run -1 as_user tenant-ns sh -c '"$NS_TENANT" --subuid "$1" unshare true' sh "$USERNS_DIR/fake-subuid"
	assert_contains "$output" "newuidmap refused to write the uid_map (\`newuidmap "
	assert_contains "$output" " 0 $NS_UID 1 1 500000 65536\` exited with 1): newuidmap: uid range [1-65537) -> [500000-565536) not allowed"
	assert_contains "$output" "hint: newuidmap maps only your own UID and the ranges listed for you in /etc/subuid"
}

@test "newuidmap missing: fails with the reason; --fallback single maps only the user and says so" {
	run -1 as_user tenant-ns env PATH=/nonexistent "$USERNS_DIR/tenant" unshare /bin/true
	assert_contains "$output" "newuidmap is not installed (not found on PATH /nonexistent)"
	assert_contains "$output" "hint: as root: apt-get install uidmap"
	run -0 as_user tenant-ns env PATH=/nonexistent "$USERNS_DIR/tenant" unshare --fallback single /bin/cat /proc/self/uid_map
	assert_contains "$output" "warning: newuidmap is not installed (not found on PATH /nonexistent); mapping only your own UID $NS_UID (--fallback single)"
	assert_contains "$output" "$(kmap 0 "$NS_UID" 1)"
}

@test "newuidmap not setuid: fails with the reason and the fix" {
	cp /usr/bin/newuidmap "$USERNS_DIR/newuidmap-plain"
	chmod 755 "$USERNS_DIR/newuidmap-plain"
	run -1 unshare --mount sh -c '
		mount --bind "$1/newuidmap-plain" /usr/bin/newuidmap &&
		cd "$1/work" && HOME=$1/work setpriv --reuid=tenant-ns --regid=tenant-ns --init-groups "$1/tenant" unshare true' sh "$USERNS_DIR"
	assert_contains "$output" "/usr/bin/newuidmap is neither setuid root nor given file capabilities (owner 0, mode 0755)"
	assert_contains "$output" "hint: as root: apt-get install --reinstall uidmap (or chmod u+s /usr/bin/newuidmap)"
}

@test "a map over 340 extents is refused before anything runs" {
	local args=() i
	for i in $(seq 0 340); do args+=(--uidmap "$((2 * i)):$((1000 + 2 * i)):1"); done
	run -1 "$TENANT" unshare "${args[@]}" true
	assert_contains "$output" "the uid_map has 341 extents; the kernel takes at most 340"
	args=("${args[@]:0:680}")
	run -0 "$TENANT" unshare "${args[@]}" sh -c 'wc -l </proc/self/uid_map'
	assert_eq "$output" 340
}
