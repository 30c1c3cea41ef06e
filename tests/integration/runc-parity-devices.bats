#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# runc parity, devices: the nodes of /dev and linux.devices, the device cgroup's rules, /dev read-only.
load helpers
load parity
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
}

teardown_file() {
	userns_teardown
}

# The v1 devices controller, as on this project's hybrid machines.
require_v1_devices() {
	[ -e /sys/fs/cgroup/devices/devices.list ] || skip "needs the cgroup v1 devices controller"
}

USERNS='.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings'

@test "devices: the default /dev (nodes, links, owners, modes) is runc's" {
	args "$B" lsdev /dev
	same_as_runc d0
	assert_contains "$(run_with "$TENANT" d1)" "null c 666 0 0 1:3"
}

@test "devices: linux.devices are made as nodes with their type, fileMode, uid and gid, as runc" {
	config "$B" '.linux.devices = [
		{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 384},
		{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229},
		{"path": "/dev/sub/dir/myfull", "type": "c", "major": 1, "minor": 7, "fileMode": 416, "uid": 1000, "gid": 1001},
		{"path": "/dev/fifo1", "type": "p"},
		{"path": "/dev/myloop", "type": "b", "major": 7, "minor": 200, "fileMode": 432},
		{"path": "/dev/tty9", "type": "u", "major": 4, "minor": 9}]'
	args "$B" lsdev /dev ";" lsdev /dev/sub/dir
	same_as_runc l0
	assert_contains "$(run_with "$TENANT" l1)" "kmsg c 600 0 0 1:11"
	assert_contains "$(run_with "$TENANT" l2)" "myfull c 640 1000 1001 1:7"
	# A device, not a file: /dev/full's write fails with ENOSPC.
	config "$B" '.linux.devices[2].fileMode = 438'
	args "$B" write /dev/sub/dir/myfull x
	same_as_runc l3
	assert_contains "$(run_with "$TENANT" l4)" "No space left on device"
}

@test "devices: in a user namespace the host's nodes are bound; /dev/mqueue's owner is runc's" {
	config "$B" "$USERNS"' | .linux.devices = [
		{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 384},
		{"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200}]'
	args "$B" lsdev /dev/net ";" lsdev /dev
	local want got
	want=$(run_with runc u0-r)
	got=$(run_with "$TENANT" u0-t)
	assert_eq "$got" "$want"
	# The IPC namespace is made by UID 0 of the user namespace, still GID 0 of the host.
	assert_contains "$got" "mqueue d 1777 0 65534"
	# The host's node, with the host's mode (not fileMode), its owner unmapped.
	assert_contains "$got" "kmsg c $(stat -c %a /dev/kmsg) 65534 65534 1:11"
	# A node the host does not have cannot be bound: both fail.
	config "$B" '.linux.devices += [{"path": "/dev/no-such-node", "type": "c", "major": 1, "minor": 7}]'
	args "$B" id
	assert_eq "$(run_with runc u1-r | head -1)" 1
	assert_eq "$(run_with "$TENANT" u1-t | head -1)" 1
}

@test "devices: a default node given in linux.devices is the config's, and loses its default rule, as runc" {
	require_v1_devices
	config "$B" '.linux.devices = [{"path": "/dev/full", "type": "c", "major": 1, "minor": 7, "fileMode": 384, "uid": 5}]'
	args "$B" lsdev /dev ";" cat /sys/fs/cgroup/devices/devices.list
	same_as_runc o0
	assert_not_contains "$(run_with "$TENANT" o1)" "c 1:7 rwm"
}

@test "devices: /dev is set up without a /dev mount too (in the image's /dev), as runc" {
	config "$B" '.mounts |= map(select(.destination | startswith("/dev") | not))'
	args "$B" lsdev /dev
	local want got
	want=$(run_with runc n0-r)
	rm -rf "$B/rootfs/dev" && mkdir "$B/rootfs/dev"
	got=$(run_with "$TENANT" n0-t)
	assert_eq "$got" "$want"
	assert_contains "$got" "zero c 666 0 0 1:5"
	# A bind mount on /dev: nothing is made there.
	mkdir "$PUBLIC/dev"
	config "$B" --arg d "$PUBLIC/dev" '.mounts += [{"destination": "/dev", "type": "bind", "source": $d, "options": ["rbind"]}]'
	# Both then fail for want of /dev/null (runc for the process's stdio, tenant to mask paths).
	assert_eq "$(run_with runc n1-r | head -1)" 1
	assert_eq "$(run_with "$TENANT" n1-t | head -1)" 1
	assert_eq "$(ls -A "$PUBLIC/dev")" ""
}

@test "device cgroup: devices.list is runc's (deny all, the defaults, sorted) without any rule" {
	require_v1_devices
	config "$B" 'del(.linux.resources)'
	args "$B" cat /sys/fs/cgroup/devices/devices.list
	same_as_runc c0
	assert_contains "$(run_with "$TENANT" c1)" "c 136:* rwm"
}

@test "device cgroup: rules merged and ordered as runc writes them" {
	require_v1_devices
	config "$B" '.linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "r"},
		{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"},
		{"allow": true, "type": "b", "major": 7, "access": "rw"},
		{"allow": true, "type": "c", "major": 4, "minor": 9, "access": "rwm"},
		{"allow": false, "type": "c", "major": 4, "minor": 9, "access": "m"}]'
	args "$B" cat /sys/fs/cgroup/devices/devices.list
	same_as_runc r0
	assert_contains "$(run_with "$TENANT" r1)" "c 1:11 rw"
	# Deliberately not as runc: a rule without "access" (OPTIONAL in the runtime-spec) means
	# rwm, where runc refuses it ("device access at 4 field cannot be empty").
	config "$B" 'del(.linux.resources.devices[4].access)'
	assert_eq "$(run_with runc r4-r | head -1)" 1
	run_with "$TENANT" r5 >"$PUBLIC/r5"
	assert_eq "$(head -1 "$PUBLIC/r5")" 0
	assert_contains "$(cat "$PUBLIC/r5")" "c 4:9 rw"
	# Allow everything, then deny: a deny list.
	config "$B" '.linux.resources.devices = [{"allow": true, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 7, "access": "w"}]'
	same_as_runc r2
	# A hole in a wildcard rule: refused by both.
	config "$B" '.linux.resources.devices = [{"allow": false, "access": "rwm"},
		{"allow": true, "type": "c", "major": 1, "access": "rwm"},
		{"allow": false, "type": "c", "major": 1, "minor": 9, "access": "w"}]'
	assert_eq "$(run_with runc r3-r | head -1)" 1
	assert_eq "$(run_with "$TENANT" r3-t | head -1)" 1
}

@test "device cgroup: a node the rules deny cannot be opened (EPERM); allowed, it can" {
	require_v1_devices
	# 240: a major for local use, without a driver here (opening it has no effect).
	config "$B" '.linux.devices = [{"path": "/dev/mydev", "type": "c", "major": 240, "minor": 7}]'
	args "$B" cat /dev/mydev
	same_as_runc p0
	assert_contains "$(run_with "$TENANT" p1)" "Operation not permitted"
	# Allowed, the open reaches the driver: no such loop device.
	config "$B" '.linux.resources.devices += [{"allow": true, "type": "c", "major": 240, "minor": 7, "access": "r"}]'
	same_as_runc p2
	assert_contains "$(run_with "$TENANT" p3)" "No such device or address"
}

# mountinfo without what differs from run to run: mount IDs and device numbers, the cgroups.
mounts_of() {
	sed -E 's/^[0-9]+ [0-9]+ [0-9]+:[0-9]+ //' | grep -v cgroup
}

@test "read-only /dev: filled first, then made read-only; the mounts in runc's order" {
	config "$B" '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
	args "$B" lsdev /dev ";" cat /proc/self/mountinfo
	local want got
	want=$(run_with runc ro0-r | mounts_of)
	got=$(run_with "$TENANT" ro0-t | mounts_of)
	assert_eq "$got" "$want"
	assert_contains "$got" "/ /dev ro,nosuid - tmpfs tmpfs rw"
	assert_contains "$got" "null c 666 0 0 1:3"
	args "$B" write /dev/x y
	same_as_runc ro1
	assert_contains "$(run_with "$TENANT" ro2)" "Read-only file system"
	# In a user namespace too (made read-only by a bind remount that keeps the locked flags).
	# Apart: runc relays stdout and stderr through pipes of its own, in no fixed order.
	config "$B" "$USERNS"
	args "$B" lsdev /dev
	same_as_runc ro3
	args "$B" write /dev/x y
	same_as_runc ro4
}

@test "read-only tmpfs: what is mounted in it is made before it turns read-only, as runc" {
	config "$B" '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "mode=755"]},
		{"destination": "/data/sub", "type": "tmpfs", "source": "tmpfs", "options": ["ro", "nosuid"]}]'
	# Apart: runc relays stdout and stderr through pipes of its own, in no fixed order.
	args "$B" lsdev /data
	same_as_runc rt0
	assert_contains "$(run_with "$TENANT" rt1)" "sub d 1777 0 0"
	args "$B" write /data/x y
	same_as_runc rt2
}

# Run the bundle at $1 as tenant-ns with RUNTIME (runc or tenant): "exit status" then output.
rootless_run() {
	local bundle=$1 runtime=$2 id=$3 status=0 out
	[ "$runtime" = tenant ] && runtime=$USERNS_DIR/tenant
	out=$(as_user tenant-ns "$runtime" --root "$USERNS_DIR/work/state-${id}" run --bundle "$bundle" "$id" 2>&1 3>&-) || status=$?
	printf '%s\n%s\n' "$status" "$out"
}

@test "rootless: /dev and linux.devices are the host's nodes, bound, as runc rootless" {
	require_userns_user
	local R=$PUBLIC/rootless want got
	make_bundle "$R" --rootless
	config "$R" --argjson u "$NS_UID" --argjson g "$NS_GID" \
		'.linux.uidMappings[0].hostID = $u | .linux.gidMappings[0].hostID = $g |
		 .linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 384},
			{"path": "/dev/net/tun", "type": "c", "major": 10, "minor": 200}]'
	args "$R" lsdev /dev ";" lsdev /dev/net
	chown -R tenant-ns:tenant-ns "$R"
	want=$(rootless_run "$R" runc rl0)
	got=$(rootless_run "$R" tenant rl1)
	assert_eq "$got" "$want"
	assert_contains "$got" "kmsg c $(stat -c %a /dev/kmsg) 65534 65534 1:11"
	assert_contains "$got" "null c 666 65534 65534 1:3"
}

# Rootful podman with private storage (under USERNS_DIR) and RUNTIME as its OCI runtime.
pm_with() {
	local runtime=$1
	shift
	podman --root "$USERNS_DIR/podman/storage" --runroot "$USERNS_DIR/podman/run" \
		--runtime "$runtime" --cgroup-manager cgroupfs --events-backend file "$@"
}

@test "podman --device: the same nodes and device rules with tenant as with runc" {
	require_userns_user
	command -v podman >/dev/null || skip "needs podman"
	local img=$USERNS_DIR/image made_run=0 made_parent=0 a
	[ -e /run/tenant ] || made_run=1
	ls -d /sys/fs/cgroup/*/libpod_parent >/dev/null 2>&1 || made_parent=1
	mkdir -p "$img/rootfs/bin"
	cp "$(command -v busybox)" "$img/rootfs/bin/busybox"
	for a in sh cat stat; do ln -s busybox "$img/rootfs/bin/$a"; done
	tar -C "$img/rootfs" -cf "$img/image.tar" .
	pm_with runc import -q "$img/image.tar" localhost/tenant-dev:latest >/dev/null
	local cmd='stat -c "%n %F %a %u %g %t:%T" /dev/fuse /dev/mytun /dev/null; cat /sys/fs/cgroup/devices/devices.list'
	local opts=(--rm --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096
		--device /dev/fuse --device /dev/net/tun:/dev/mytun:r localhost/tenant-dev sh -c "$cmd")
	local want got
	want=$(pm_with runc run "${opts[@]}" 2>&1)
	got=$(pm_with "$TENANT" run "${opts[@]}" 2>&1)
	pm_with runc system reset -f >/dev/null 2>&1
	# The state root this test made: with the spare directory tenant keeps in it (docs/oci.md).
	if [ "$made_run" = 1 ]; then rm -rf /run/tenant; fi
	[ "$made_parent" = 1 ] &&
		for d in $(find /sys/fs/cgroup -maxdepth 2 -type d -name libpod_parent); do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$got" "$want"
	assert_contains "$got" "/dev/mytun character special file"
	assert_contains "$got" "c 10:200 r"
}

# run_with in a mount namespace where /sys/fs/cgroup is the cgroup2 hierarchy alone, as on v2
# hosts: the device rules are a BPF program.
run_v2() {
	local runtime=$1 id=$2 root=$STATE status=0 out
	[ "$runtime" = runc ] && root=$RSTATE
	out=$(unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh \
		"$runtime" --root "$root" run --bundle "$B" "$id" 2>&1 3>&-) || status=$?
	printf '%s\n%s\n' "$status" "$out"
}

@test "device cgroup v2 (BPF): a node the rules deny cannot be opened; allowed, it can, as runc" {
	config "$B" '.linux.devices = [{"path": "/dev/mydev", "type": "c", "major": 240, "minor": 7}]'
	args "$B" cat /dev/mydev ";" cat /dev/null
	assert_eq "$(run_v2 "$TENANT" b0-t)" "$(run_v2 runc b0-r)"
	assert_contains "$(run_v2 "$TENANT" b1-t)" "Operation not permitted"
	config "$B" '.linux.resources.devices += [{"allow": true, "type": "c", "major": 240, "access": "r"}]'
	assert_eq "$(run_v2 "$TENANT" b2-t)" "$(run_v2 runc b2-r)"
	assert_contains "$(run_v2 "$TENANT" b3-t)" "No such device or address"
	# Everything allowed but the node's reading: a deny list.
	config "$B" '.linux.resources.devices = [{"allow": true, "access": "rwm"}, {"allow": false, "type": "c", "major": 240, "minor": 7, "access": "r"}]'
	assert_eq "$(run_v2 "$TENANT" b4-t)" "$(run_v2 runc b4-r)"
	assert_contains "$(run_v2 "$TENANT" b5-t)" "Operation not permitted"
}
