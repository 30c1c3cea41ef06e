#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The OCI runtime as an unprivileged user (tenant-ns, with two subordinate ranges in
# /etc/subuid and /etc/subgid; helpers.bash: userns_setup): maps through newuidmap, files
# written inside owned by the mapped IDs on the host, state under the user's own root.

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
	B=$USERNS_DIR/work/bundle
	rm -rf "$B" "$USERNS_DIR/work/state"
	make_bundle "$B" --rootless
	# spec --rootless maps the caller, here root: map the user instead.
	config "$B" --argjson u "$NS_UID" --argjson g "$NS_GID" \
		'.linux.uidMappings[0].hostID = $u | .linux.gidMappings[0].hostID = $g'
	chown -R tenant-ns:tenant-ns "$B"
}

teardown() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	for id in $(ut list -q 2>/dev/null); do ut delete --force "$id" >/dev/null 2>&1; done
}

# tenant as the user, with its state in its work directory.
ut() {
	as_user tenant-ns "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/state" "$@"
}

@test "rootless: spec --rootless maps root to the user and runs" {
	args "$B" id ";" cat /proc/self/uid_map
	run -0 ut run --bundle "$B" r1
	# setgroups is denied with a one-ID gid_map: the user's own group stays, as GID 0.
	assert_eq "${lines[0]}" "uid=0 gid=0 groups=0"
	assert_eq "${lines[1]}" "$(kmap 0 "$NS_UID" 1)"
	assert_eq "$(state_root_left "$USERNS_DIR/work/state")" ""
}

@test "rootless: without a user namespace in config.json one is made: the user is process.user, the ranges fill the rest" {
	config "$B" 'del(.linux.uidMappings, .linux.gidMappings) | .linux.namespaces |= map(select(.type != "user")) | .process.user.uid = 1000 | .process.user.gid = 1000'
	args "$B" id ";" cat /proc/self/uid_map
	run -0 ut run --bundle "$B" r2
	assert_eq "${lines[0]}" "uid=1000 gid=1000 groups="
	assert_eq "$(printf '%s\n' "${lines[@]:1}")" \
		"$(kmap 0 "$NS_R1" 1000 1000 "$NS_UID" 1 1001 $((NS_R1 + 1000)) 64536 65537 $((NS_R1 + 65536)) 6000)"
}

@test "rootless: a file written by container UID 1001 into a bind mount is owned by base + 1001 - 1 (seed 003)" {
	local vol=$USERNS_DIR/work/vol
	rm -rf "$vol"
	as_user tenant-ns mkdir -m 777 "$vol"
	config "$B" --arg v "$vol" --argjson u "$NS_UID" --argjson g "$NS_GID" --argjson r "$NS_R1" --argjson rg "$NS_G1" \
		'.linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}, {"containerID": 1, "hostID": $r, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}, {"containerID": 1, "hostID": $rg, "size": 65536}] | .mounts += [{"destination": "/data", "type": "bind", "source": $v, "options": ["rbind", "rw"]}] | .process.user.uid = 1001 | .process.user.gid = 1001'
	args "$B" write /data/f hello ";" stat /data/f
	run -0 ut run --bundle "$B" r3
	assert_eq "$output" "1001 1001 644"
	assert_eq "$(stat -c '%u %g' "$vol/f")" "$((NS_R1 + 1000)) $((NS_G1 + 1000))"
}

@test "rootless: create, start, state, kill, delete under the user's own state root" {
	args "$B" sleep 30
	ut create --bundle "$B" r4 >/dev/null 2>&1 3>&-
	run -0 ut state r4
	assert_eq "$(jq -r '.status, .owner' <<<"$output")" "$(printf 'created\ntenant-ns')"
	ut start r4
	assert_eq "$(ut state r4 | jq -r .status)" running
	# The init process is the user's, not root's.
	assert_eq "$(stat -c %u "/proc/$(ut state r4 | jq -r .pid)")" "$NS_UID"
	ut kill r4 KILL
	wait_status stopped r4 ut
	ut delete r4
	assert_eq "$(state_root_left "$USERNS_DIR/work/state")" ""
}

@test "rootless: limits without a delegated cgroup are refused, the directory it could not make named" {
	config "$B" '.linux.resources = {"pids": {"limit": 10}}'
	run -1 ut run --bundle "$B" l1 3>&-
	assert_contains "$output" "cannot set pids limit: container could not join or create cgroup"
	# The directory itself, in one of the hierarchies, not the bare ID
	assert_contains "$output" "may not create cgroup /sys/fs/cgroup/"
	assert_contains "$output" "/l1, none is delegated to it"
	assert_contains "$output" "hint: leave the limits out, or delegate a cgroup to the user"
	assert_eq "$(state_root_left "$USERNS_DIR/work/state")" ""
}

@test "rootless: the default state root is \$XDG_RUNTIME_DIR/tenant, else a private one under /tmp" {
	local xdg=$USERNS_DIR/work/xdg
	as_user tenant-ns mkdir -p -m 700 "$xdg"
	args "$B" sleep 30
	as_user tenant-ns env XDG_RUNTIME_DIR="$xdg" "$USERNS_DIR/tenant" create --bundle "$B" r5 >/dev/null 2>&1 3>&-
	[ -f "$xdg/tenant/r5/state.json" ]
	as_user tenant-ns env XDG_RUNTIME_DIR="$xdg" "$USERNS_DIR/tenant" delete --force r5
	run -0 as_user tenant-ns env -u XDG_RUNTIME_DIR "$USERNS_DIR/tenant" list -q
	assert_eq "$(stat -c '%u %a' "/tmp/tenant-$NS_UID" 2>/dev/null || echo "$NS_UID 700")" "$NS_UID 700"
}

@test "rootless: a mapping outside the user's ranges is refused before anything exists" {
	config "$B" '.linux.uidMappings = [{"containerID": 0, "hostID": 12345, "size": 1}]'
	run -1 ut create --bundle "$B" r6
	assert_contains "$output" "host UID 12345 of 0:12345:1 is neither yours ($NS_UID) nor one of your subordinate UIDs"
	assert_eq "$(state_root_left "$USERNS_DIR/work/state")" ""
}

@test "rootless: a read-only root and masked paths work without privileges" {
	args "$B" write /x y
	run -1 ut run --bundle "$B" r7
	assert_contains "$output" "probe: write: /x: Read-only file system"
	args "$B" cat /proc/keys
	run -0 ut run --bundle "$B" r7
	assert_eq "$output" ""
}

@test "rootless: /dev nodes are the host's, bound; sysfs that cannot be mounted anew is bound from the host" {
	# runc's rootful default mounts a new sysfs, which a user namespace without its own network
	# namespace may not: tenant binds the host's instead, read-only as asked.
	config "$B" '.mounts |= map(if .destination == "/sys" then {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]} else . end)'
	args "$B" write /dev/null x ";" stat /dev/null /dev/zero ";" ls /sys/kernel ";" write /sys/kernel/x y
	run -1 ut run --bundle "$B" r8
	assert_eq "${lines[0]}" "65534 65534 666"
	assert_eq "${lines[1]}" "65534 65534 666"
	assert_contains "$output" "mm"
	assert_contains "$output" "probe: write: /sys/kernel/x: Read-only file system"
}

@test "rootless: exec enters the container's user namespace first, with the container's oom_score_adj" {
	args "$B" sleep 30
	config "$B" '.process.oomScoreAdj = 300'
	ut run -d --bundle "$B" r9 >/dev/null 2>&1 3>&-
	run -0 ut exec r9 /init id ";" cat /proc/self/uid_map ";" cat /proc/self/oom_score_adj
	assert_eq "${lines[0]}" "uid=0 gid=0 groups=0"
	assert_eq "${lines[1]}" "$(kmap 0 "$NS_UID" 1)"
	assert_eq "${lines[2]}" 300
	ut delete --force r9
}
