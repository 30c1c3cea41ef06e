#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# System containers (issue 18): Debian 12's systemd as the container's process, in a user
# namespace of its own, boots to multi-user.target and stops on SIGRTMIN+3. The root filesystem
# is a debootstrapped Debian 12 with systemd and dbus, made once into build/systemd
# (tests/systemd/image.sh). Its cgroup is delegated to the container's root because the config
# mounts the cgroup view read-write; runc 1.1.5 leaves it root's, where systemd fails
# ("Failed to create /init.scope control group: Permission denied").
load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	IMAGE=$("$BATS_TEST_DIRNAME/../systemd/image.sh")
	export IMAGE
}

setup() {
	require_root
	STATE=$BATS_TEST_TMPDIR/state
	CG=/tenant-system-$$
	B=$(mktemp -d /tmp/tenant-system.XXXXXX)
	chmod 755 "$B"
	(cd "$B" && "$TENANT" spec)
	# The capabilities a system container's services expect; a user namespace and a cgroup
	# namespace of its own, /run and /tmp as tmpfs, the cgroup view read-write.
	config "$B" --arg r "$IMAGE" --arg cg "$CG" '.root = {"path": $r, "readonly": false}
		| .process.terminal = false | .process.args = ["/lib/systemd/systemd"]
		| .process.env += ["container=tenant"]
		| .linux.namespaces |= (map(select(.type != "user" and .type != "cgroup")) + [{"type": "user"}, {"type": "cgroup"}])
		| .linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}]
		| .linux.gidMappings = .linux.uidMappings | .linux.cgroupsPath = $cg
		| .mounts |= map(if .destination == "/sys/fs/cgroup" then .options = ["nosuid", "noexec", "nodev", "relatime", "rw"] else . end)
		| .mounts += [{"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=755"]},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]}]
		| .process.capabilities.bounding = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
			"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
			"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE",
			"CAP_SETFCAP", "CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_RESOURCE"]
		| .process.capabilities.effective = .process.capabilities.bounding
		| .process.capabilities.permitted = .process.capabilities.bounding'
}

teardown() {
	[ -n "${STATE:-}" ] || return 0
	"$TENANT" --root "$STATE" delete --force sys >/dev/null 2>&1 || true
	rm -rf "$B"
}

t() { "$TENANT" --root "$STATE" "$@"; }

@test "system container: systemd boots to multi-user.target in its own user namespace and stops on SIGRTMIN+3" {
	local st pid
	t run -d --bundle "$B" sys </dev/null >/dev/null 2>"$B/err" || { cat "$B/err"; false; }
	for _ in $(seq 150); do
		st=$(t exec sys systemctl is-system-running 2>/dev/null </dev/null || true)
		case $st in running | degraded) break ;; esac
		sleep 0.2
	done
	echo "is-system-running: $st"
	t exec sys systemctl --failed --no-pager </dev/null || true
	assert_eq "$st" running
	assert_eq "$(t exec sys systemctl show -p ActiveState --value multi-user.target </dev/null)" active
	# The container's root is nobody on the host: systemd and its services run as the range.
	pid=$(t state sys | jq .pid)
	assert_eq "$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")" 3000000
	assert_contains "$(ps -o user= --ppid "$pid" | sort -u | xargs)" 3000000
	# Its cgroups are its own: delegated, and systemd's init.scope made inside.
	assert_eq "$(stat -c %u /sys/fs/cgroup/systemd$CG)" 3000000
	[ -d "/sys/fs/cgroup/systemd$CG/init.scope" ]
	t kill sys SIGRTMIN+3
	for _ in $(seq 100); do
		[ "$(t state sys | jq -r .status)" = stopped ] && break
		sleep 0.1
	done
	assert_eq "$(t state sys | jq -r .status)" stopped
	t delete sys
	assert_eq "$(ls -d /sys/fs/cgroup/*"$CG" 2>/dev/null || true)" ""
}

@test "system container: a read-only cgroup view (the default spec) keeps the cgroup root's, as runc" {
	config "$B" '.mounts |= map(if .destination == "/sys/fs/cgroup" then .options = ["nosuid", "noexec", "nodev", "relatime", "ro"] else . end)
		| .process.args = ["/bin/sleep", "30"]'
	t run -d --bundle "$B" sys </dev/null >/dev/null
	assert_eq "$(stat -c %u /sys/fs/cgroup/systemd$CG)" 0
	assert_eq "$(stat -c %u /sys/fs/cgroup/unified$CG/cgroup.procs)" 0
	t delete --force sys
}
