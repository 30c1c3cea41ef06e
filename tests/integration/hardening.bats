#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Hostile input, refused with a clear error and nothing left; and containment: each test tries
# an escape from a container whose root is an unprivileged host ID, and asserts it fails.

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
	STATE=$BATS_TEST_TMPDIR/state
	PUBLIC=$(mktemp -d /tmp/tenant-hard.XXXXXX)
	chmod 755 "$PUBLIC"
	B=$PUBLIC/bundle
	make_bundle "$B"
	# Root inside is host UID 3000000: remapped, as every test here wants.
	config "$B" '.root.readonly = false | .linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}]'
	chown -R 3000000:3000000 "$B/rootfs"
	MOUNTS_BEFORE=$(host_mounts)
}

teardown() {
	[ -n "${STATE:-}" ] || return 0
	for id in $("$TENANT" --root "$STATE" list -q 2>/dev/null); do
		"$TENANT" --root "$STATE" delete --force "$id" >/dev/null 2>&1
	done
	rm -rf "${PUBLIC:?}"
}

tnr() {
	"$TENANT" --root "$STATE" "$@"
}

assert_clean() {
	assert_eq "$(state_root_left "$STATE")" ""
	assert_eq "$(host_mounts)" "$MOUNTS_BEFORE"
}

# ---- hostile input ----

@test "hostile: as non-root, mapping host root or IDs outside the caller's ranges is refused" {
	run -1 as_user tenant-ns "$USERNS_DIR/tenant" unshare --uidmap 0:0:1 true
	assert_contains "$output" "host UID 0 of 0:0:1 is neither yours ($NS_UID) nor one of your subordinate UIDs"
	run -1 as_user tenant-ns "$USERNS_DIR/tenant" unshare --uidmap 0:5000000:10 true
	assert_contains "$output" "neither yours"
	# The same in a rootless config.json.
	local b=$USERNS_DIR/hostile-bundle
	rm -rf "$b"
	make_bundle "$b"
	config "$b" '.linux.namespaces |= (map(select(.type != "user" and .type != "network")) + [{"type": "user"}])
		| .linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 1}] | .linux.gidMappings = .linux.uidMappings
		| del(.linux.resources)'
	chown -R tenant-ns: "$b"
	run -1 as_user tenant-ns "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/st" run --bundle "$b" h1
	assert_contains "$output" "host UID 0"
	assert_eq "$(state_root_left "$USERNS_DIR/work/st")" ""
}

@test "hostile: overlapping extents, 341 extents and ID 4294967295 are refused by name" {
	run -1 "$TENANT" unshare --uidmap 0:100000:10 --uidmap 5:200000:10 true
	assert_contains "$output" "overlap"
	local maps
	maps=$(jq -n '[range(341) | {"containerID": (. * 2), "hostID": (4000000 + . * 2), "size": 1}]')
	config "$B" --argjson m "$maps" '.linux.uidMappings = $m | .linux.gidMappings = $m'
	run -1 tnr run --bundle "$B" h2
	assert_contains "$output" "341"
	assert_contains "$output" "340"
	config "$B" '.linux.uidMappings = [{"containerID": 0, "hostID": 4294967200, "size": 96}] | .linux.gidMappings = .linux.uidMappings'
	run -1 tnr run --bundle "$B" h3
	assert_contains "$output" "4294967295"
	config "$B" '.linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 10}, {"containerID": 5, "hostID": 4000000, "size": 10}] | .linux.gidMappings = .linux.uidMappings'
	run -1 tnr run --bundle "$B" h4
	assert_contains "$output" "overlap"
	assert_clean
}

@test "hostile: container IDs with a slash, dots or control characters are refused" {
	local id
	for id in "a/b" ".." "." "../x" $'a\nb' $'tab\there' $'esc\e[31m' ""; do
		run -1 tnr create --bundle "$B" "$id"
		assert_contains "$output" "invalid container ID"
	done
	[ ! -e "$PUBLIC/x" ] && [ ! -e "$STATE/../x" ]
	assert_clean
}

@test "hostile: a symlink in the rootfs aimed at the host is resolved inside the rootfs" {
	mkdir -p "$PUBLIC/host-dir"
	echo precious >"$PUBLIC/host-dir/file"
	# An absolute symlink to the host directory, and a relative one climbing out.
	ln -s "$PUBLIC/host-dir" "$B/rootfs/abs"
	ln -s ../../../../../../.. "$B/rootfs/up"
	mkdir -p "$PUBLIC/src"
	echo mounted >"$PUBLIC/src/file"
	config "$B" --arg s "$PUBLIC/src" '.mounts += [
		{"destination": "/abs", "type": "bind", "source": $s, "options": ["bind"]},
		{"destination": "/up/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}]'
	args "$B" cat /abs/file
	run tnr run --bundle "$B" h5
	# The host's directory was never mounted over, and nothing landed in the host's /tmp.
	assert_eq "$(cat "$PUBLIC/host-dir/file")" precious
	assert_eq "$(grep -c "$PUBLIC/host-dir" /proc/self/mountinfo)" 0
	assert_clean
}

@test "hostile: a config.json of 100 MB and one nested 10000 deep are refused, nothing created" {
	head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$PUBLIC/big.json"
	run -1 tnr run --bundle "$B" --config "$PUBLIC/big.json" h6
	assert_contains "$output" "big.json"
	assert_contains "$output" "too large"
	rm -f "$PUBLIC/big.json"
	{ printf '{"a":'; for _ in $(seq 10000); do printf '['; done; for _ in $(seq 10000); do printf ']'; done; printf '}'; } >"$PUBLIC/deep.json"
	run -1 tnr run --bundle "$B" --config "$PUBLIC/deep.json" h7
	assert_contains "$output" "deep.json:1:"
	assert_contains "$output" "nested deeper than"
	assert_clean
}

# ---- containment ----

@test "contain: container root cannot write a host file it does not own through a bind mount" {
	mkdir -p "$PUBLIC/vol"
	echo host >"$PUBLIC/vol/owned-by-root"
	chmod 644 "$PUBLIC/vol/owned-by-root"
	config "$B" --arg s "$PUBLIC/vol" '.process.capabilities.bounding += ["CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_CHOWN"]
		| .process.capabilities.effective = .process.capabilities.bounding
		| .process.capabilities.permitted = .process.capabilities.bounding
		| .mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": ["rbind", "rw"]}]'
	args "$B" write /data/owned-by-root pwned
	run tnr run --bundle "$B" c1
	[ "$status" -ne 0 ]
	assert_eq "$(cat "$PUBLIC/vol/owned-by-root")" host
	args "$B" write /data/new x
	run tnr run --bundle "$B" c2
	[ "$status" -ne 0 ]
	[ ! -e "$PUBLIC/vol/new" ]
	assert_clean
}

@test "contain: a setuid binary in the rootfs gains nothing under noNewPrivileges" {
	cp "$B/rootfs/init" "$B/rootfs/suid"
	chown 3000000:3000000 "$B/rootfs/suid"
	chmod 4755 "$B/rootfs/suid"
	config "$B" '.process.user = {"uid": 1000, "gid": 1000} | .process.args = ["/suid", "euid"]'
	# Without noNewPrivileges the bit works (container root is the file's owner)...
	config "$B" '.process.noNewPrivileges = false'
	run -0 tnr run --bundle "$B" c3
	assert_eq "$output" "euid=0 egid=1000"
	# ...with it, the process stays UID 1000.
	config "$B" '.process.noNewPrivileges = true'
	run -0 tnr run --bundle "$B" c4
	assert_eq "$output" "euid=1000 egid=1000"
	assert_clean
}

@test "contain: /proc/sys, /proc/sysrq-trigger and masked paths cannot be written or read" {
	local before
	before=$(cat /proc/sys/kernel/hostname)
	args "$B" write /proc/sys/kernel/hostname pwned
	run -1 tnr run --bundle "$B" c5
	assert_contains "$output" "Read-only file system"
	args "$B" write /proc/sysrq-trigger h
	run -1 tnr run --bundle "$B" c6
	assert_eq "$(cat /proc/sys/kernel/hostname)" "$before"
	# Masked: /proc/timer_list (the host shows it to root) reads as empty (/dev/null over it),
	# /sys/firmware is an empty tmpfs.
	[ -n "$(head -c 10 /proc/timer_list)" ]
	args "$B" cat /proc/timer_list ";" ls /sys/firmware
	run -0 tnr run --bundle "$B" c7
	assert_eq "$output" ""
	# A masked directory is a read-only tmpfs: nothing can be put there.
	args "$B" write /sys/firmware/x y
	run -1 tnr run --bundle "$B" c8
	assert_contains "$output" "Read-only file system"
	assert_clean
}

@test "contain: the container cannot signal a host process" {
	sleep 60 &
	local victim=$!
	# With its own PID namespace the host's PID is not even there...
	args "$B" kill "$victim" 9
	run -1 tnr run --bundle "$B" c9
	assert_contains "$output" "No such process"
	# ...and sharing the host's, root inside is not the victim's owner.
	config "$B" '.linux.namespaces |= map(select(.type != "pid"))'
	run -1 tnr run --bundle "$B" c10
	assert_contains "$output" "Operation not permitted"
	kill -0 "$victim"
	kill "$victim"
	wait "$victim" || true
	assert_clean
}

@test "contain: mounts made inside after pivot_root stay inside" {
	config "$B" '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective = .process.capabilities.bounding
		| .process.capabilities.permitted = .process.capabilities.bounding'
	mkdir -p "$B/rootfs/mnt"
	local host_tmp_before
	# /tmp's own directory, not its listing: other work on the machine may write there.
	host_tmp_before=$(stat -c '%d:%i' /tmp)
	# Mounting works in the container's own mount namespace; the host sees none of it.
	args "$B" mount-tmpfs /mnt ";" write /mnt/x y ";" mount-tmpfs /tmp ";" mount-bind / /mnt ";" ls /mnt
	run -0 tnr run --bundle "$B" c11
	assert_contains "$output" "init"
	assert_eq "$(stat -c '%d:%i' /tmp)" "$host_tmp_before"
	[ ! -e "$B/rootfs/mnt/x" ]
	run ! grep -F " $B/rootfs" /proc/self/mountinfo
	assert_clean
}

@test "contain: dropped capabilities do not come back through exec of a file with capabilities" {
	cp "$B/rootfs/init" "$B/rootfs/capped"
	chown 3000000:3000000 "$B/rootfs/capped"
	# With the effective bit the kernel refuses the exec outright (it cannot grant them all).
	setcap cap_sys_admin,cap_net_admin+ep "$B/rootfs/capped"
	config "$B" '.process.args = ["/capped", "cat", "/proc/self/status"]'
	run -1 tnr run --bundle "$B" c12
	assert_contains "$output" "Operation not permitted"
	# Permitted only: the exec runs, and what the bounding set dropped stays dropped.
	setcap cap_sys_admin,cap_net_admin+p "$B/rootfs/capped"
	run -0 tnr run --bundle "$B" c13
	local prm bnd
	prm=$(awk '/^CapPrm:/ { print $2 }' <<<"$output")
	bnd=$(awk '/^CapBnd:/ { print $2 }' <<<"$output")
	# CAP_SYS_ADMIN is bit 21, CAP_NET_ADMIN bit 12: outside the bounding set, never permitted.
	[ $((0x$bnd & (1 << 21))) -eq 0 ] && [ $((0x$bnd & (1 << 12))) -eq 0 ]
	[ $((0x$prm & (1 << 21))) -eq 0 ] && [ $((0x$prm & (1 << 12))) -eq 0 ]
	# A capability in the bounding set is what the file may give: the test can tell.
	config "$B" '.process.capabilities.bounding += ["CAP_NET_ADMIN"]'
	run -0 tnr run --bundle "$B" c14
	prm=$(awk '/^CapPrm:/ { print $2 }' <<<"$output")
	[ $((0x$prm & (1 << 12))) -ne 0 ] && [ $((0x$prm & (1 << 21))) -eq 0 ]
	assert_clean
}
