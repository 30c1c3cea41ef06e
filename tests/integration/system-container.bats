#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# System containers (issue 18): Debian 12's systemd as the container's process, in a user
# namespace of its own, boots to multi-user.target and stops on SIGRTMIN+3, rootful and
# rootless. The root filesystem is a debootstrapped Debian 12 made once into build/systemd
# (tests/systemd/image.sh) and booted on an overlay by tests/systemd/boot.sh, with /run and /tmp
# as tmpfs, container=tenant in the environment and the cgroup view as cgroup2, read-write:
# tenant delegates the container's cgroup to its root (runc 1.1.5 leaves it root's, where
# systemd fails: "Failed to create /init.scope control group: Permission denied").
load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	# The image's shift (made once) is recorded in tenant's store: not kept past this file.
	store_save
	"$BATS_TEST_DIRNAME/../systemd/image.sh" >/dev/null
}

teardown_file() {
	store_restore
}

setup() {
	require_root
	STATE=$(mktemp -d /tmp/tenant-system-state.XXXXXX)
	B=$(mktemp -d /tmp/tenant-system.XXXXXX)
	CG=/tenant-system-$$
	BOOT=$BATS_TEST_DIRNAME/../systemd/boot.sh
}

teardown() {
	[ -n "${STATE:-}" ] || return 0
	if [ -n "${RL_DIR:-}" ]; then
		BOOT_USER=tenant-sysrl TENANT=$RL_DIR/tenant "$BOOT" down "$STATE" sys "$B" "$CG" >/dev/null 2>&1 || true
		"$TENANT" subid remove tenant-sysrl >/dev/null 2>&1 || true
		host_subid_restore "$RL_DIR"
		# Not remove_test_users: it kills every process of UID 3000000, which any
		# system container booted at that range (another suite's) runs as.
		userdel tenant-sysrl 2>/dev/null || true
		groupdel tenant-sysrl 2>/dev/null || true
		rm -rf "$RL_DIR"
	else
		"$BOOT" down "$STATE" sys "$B" "$CG" >/dev/null 2>&1 || true
	fi
	rm -rf "$STATE" "$B"
}

t() { "$TENANT" --root "$STATE" "$@"; }

# v2 DIR: the cgroup2 tree's DIR (a hybrid host's is /sys/fs/cgroup/unified).
v2() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then echo "/sys/fs/cgroup$1"; else echo "/sys/fs/cgroup/unified$1"; fi
}

# Booted: running, multi-user.target active, systemd's own cgroups made in the container's.
assert_booted() {
	local st
	st=$("$@" exec sys systemctl is-system-running </dev/null || true)
	echo "is-system-running: $st"
	"$@" exec sys systemctl --failed --no-pager </dev/null || true
	assert_eq "$st" running
	assert_eq "$("$@" exec sys systemctl show -p ActiveState --value multi-user.target </dev/null)" active
	assert_eq "$("$@" exec sys sh -c 'echo $container' </dev/null)" tenant
	assert_eq "$("$@" exec sys stat -fc %T /sys/fs/cgroup </dev/null)" cgroup2fs
	assert_eq "$("$@" exec sys cat /proc/1/cgroup </dev/null | grep '^0::')" "0::/init.scope"
}

# Stopped on SIGRTMIN+3 (systemd's halt), then deleted with nothing left.
assert_halts() {
	"$@" kill sys SIGRTMIN+3
	for _ in $(seq 100); do
		[ "$("$@" state sys | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	assert_eq "$("$@" state sys | jq -r .status)" stopped
	"$@" delete sys
}

@test "system container: systemd boots to multi-user.target in its own user namespace and stops on SIGRTMIN+3" {
	local pid
	pid=$("$BOOT" up "$STATE" sys "$B" "$CG" 3000000)
	assert_booted t
	# The container's root is nobody on the host: systemd and its services run as the range.
	assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 3000000
	assert_contains "$(ps -o user= --ppid "$pid" | sort -u | xargs)" 3000000
	# Its cgroup is its own: delegated, and systemd's init.scope made inside.
	assert_eq "$(stat -c %u "$(v2 "$CG")")" 3000000
	[ -d "$(v2 "$CG")/init.scope" ]
	assert_halts t
	assert_eq "$(ls -d /sys/fs/cgroup/*"$CG" /sys/fs/cgroup/*/"$CG" 2>/dev/null || true)" ""
}

@test "system container: rootless, with a delegated cgroup, systemd boots and stops as well" {
	local pid
	# The user is UID 3000000 (the image's owner) with 3000001-3065535 as its ranges: the
	# container maps root to the user, as rootless podman does.
	RL_DIR=$(mktemp -d /tmp/tenant-sysrl.XXXXXX)
	host_subid_save "$RL_DIR"
	getent group tenant-sysrl >/dev/null || groupadd --system -g 3000000 tenant-sysrl
	getent passwd tenant-sysrl >/dev/null || useradd --system -u 3000000 -g 3000000 \
		--no-create-home --shell /usr/sbin/nologin tenant-sysrl 2>/dev/null
	"$TENANT" subid add tenant-sysrl --start 3000001 --count 65535 >/dev/null
	install -m 755 "$TENANT" "$RL_DIR/tenant"
	chmod 755 "$RL_DIR"
	chown tenant-sysrl: "$STATE"
	pid=$(BOOT_USER=tenant-sysrl TENANT=$RL_DIR/tenant "$BOOT" up "$STATE" sys "$B" "$CG" 3000000)
	rl() { BOOT_USER=tenant-sysrl TENANT=$RL_DIR/tenant "$BOOT" tenant "$STATE" "$CG" "$@"; }
	assert_booted rl
	assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 3000000
	# The container's cgroup is below the user's delegated one; systemd made its own inside.
	# On a hybrid host below the caller's own cgroup (shell), on cgroup2 alone below its parent
	# (as runc's fs2 driver).
	local at=$CG/shell
	[ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && at=$CG
	assert_eq "$(grep '^0::' "/proc/$pid/cgroup")" "0::$at/sys/init.scope"
	assert_eq "$(stat -c %u "$(v2 "$at")/sys/init.scope")" 3000000
	assert_halts rl
	assert_eq "$(ls "$(v2 "$at")" | grep -c '^sys$' || true)" 0
}

@test "system container: a read-only cgroup view (the default spec) keeps the cgroup root's, as runc" {
	(cd "$B" && "$TENANT" spec)
	mkdir -p "$B/rootfs"
	config "$B" --arg r "$("$BATS_TEST_DIRNAME/../systemd/image.sh")" --arg cg "$CG" '
		.root = {"path": $r, "readonly": true} | .process.terminal = false
		| .process.args = ["/bin/sleep", "30"]
		| .linux.namespaces |= (map(select(.type != "user" and .type != "cgroup")) + [{"type": "user"}, {"type": "cgroup"}])
		| .linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}]
		| .linux.gidMappings = .linux.uidMappings | .linux.cgroupsPath = $cg'
	t run -d --bundle "$B" sys </dev/null >/dev/null
	assert_eq "$(stat -c %u /sys/fs/cgroup/systemd$CG)" 0
	assert_eq "$(stat -c %u "$(v2 "$CG")"/cgroup.procs)" 0
	t delete --force sys
}
