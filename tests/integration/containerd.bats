#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# containerd (Debian's) with tenant as the runc of its shim: `ctr run --runc-binary`. A private
# containerd (its own root, state and socket) runs for this suite only; the image is an OCI
# archive (docker-archive) of a busybox root filesystem made with podman's private storage: no
# registry.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	require_root_file || return 0
	export CTRD=$(mktemp -d /tmp/tenant-containerd.XXXXXX)
	local img=$CTRD/image
	mkdir -p "$img/rootfs/bin" "$img/rootfs/etc"
	cp "$(command -v busybox)" "$img/rootfs/bin/busybox"
	for a in sh id cat hostname; do ln -s busybox "$img/rootfs/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$img/rootfs/etc/passwd"
	echo 'root:x:0:' >"$img/rootfs/etc/group"
	# ctr and the shim keep fifos and sockets under /run/containerd: removed after, if new.
	[ -e /run/containerd ] || touch "$CTRD/made-run-containerd"
	tar -C "$img/rootfs" -cf "$img/image.tar" .
	local pm=(podman --root "$CTRD/podman" --runroot "$CTRD/podman-run" --events-backend file)
	"${pm[@]}" import -q "$img/image.tar" localhost/tenant-ctr:latest >/dev/null
	"${pm[@]}" save -q --format docker-archive -o "$img/oci.tar" localhost/tenant-ctr:latest
	"${pm[@]}" system reset -f >/dev/null 2>&1
	cat >"$CTRD/config.toml" <<CONF
version = 2
root = "$CTRD/root"
state = "$CTRD/state"
[grpc]
  address = "$CTRD/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  disable_tcp_service = true
CONF
	containerd --config "$CTRD/config.toml" >"$CTRD/log" 2>&1 3>&- &
	echo $! >"$CTRD/pid"
	for _ in $(seq 100); do [ -S "$CTRD/containerd.sock" ] && break; sleep 0.1; done
	ctr -a "$CTRD/containerd.sock" images import "$img/oci.tar" >/dev/null
}

teardown_file() {
	[ -n "${CTRD:-}" ] || return 0
	kill "$(cat "$CTRD/pid")" 2>/dev/null
	sleep 0.5
	grep " $CTRD/" /proc/self/mountinfo | awk '{ print $5 }' | sort -r | xargs -r umount 2>/dev/null
	[ -e "$CTRD/made-run-containerd" ] && rm -rf /run/containerd
	rm -rf "$CTRD"
}

require_root_file() {
	[ "$(id -u)" -eq 0 ]
}

setup() {
	[ -n "${CTRD:-}" ] || skip "needs root (runs a private containerd)"
}

cr() {
	ctr -a "$CTRD/containerd.sock" "$@"
}

@test "containerd: ctr run --runc-binary tenant, with its exit status" {
	run -0 cr run --rm --runc-binary "$TENANT" --runc-root "$CTRD/runc" localhost/tenant-ctr:latest c1 id
	assert_eq "$output" "uid=0(root) gid=0(root) groups=0(root)"
	run -3 cr run --rm --runc-binary "$TENANT" --runc-root "$CTRD/runc" localhost/tenant-ctr:latest c2 sh -c 'exit 3'
	assert_eq "$(state_root_left "$CTRD/runc/default")" ""
}
