#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Debian's podman with tenant as its OCI runtime (`podman --runtime build/tenant`), rootful and
# rootless (the throwaway user of userns_setup). The image is imported from a tarball of a
# busybox root filesystem: no registry. Podman's storage is private to this suite, and this
# sandbox needs explicit --ulimit values (no CAP_SYS_RESOURCE).

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
	[ -n "${USERNS_DIR:-}" ] || return 0
	# Rootful podman runs tenant with its default state root: removed after, if new.
	[ -e /run/tenant ] || touch "$USERNS_DIR/made-run-tenant"
	# Rootful podman's cgroupfs parent: removed after, if new.
	ls -d /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/libpod_parent >/dev/null 2>&1 ||
		touch "$USERNS_DIR/made-libpod-parent"
	local img=$USERNS_DIR/image
	mkdir -p "$img/rootfs/bin" "$img/rootfs/etc" "$img/rootfs/tmp" "$img/rootfs/vol"
	cp "$(command -v busybox)" "$img/rootfs/bin/busybox"
	for a in sh id cat ls touch chown stat sleep tty mkdir echo; do ln -s busybox "$img/rootfs/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$img/rootfs/etc/passwd"
	echo 'root:x:0:' >"$img/rootfs/etc/group"
	tar -C "$img/rootfs" -cf "$img/image.tar" .
	chmod -R a+rX "$img"
	# --userns=auto takes its IDs from the "containers" lines (put back by userns_teardown).
	echo "containers:2000000:1000000" >>/etc/subuid
	echo "containers:2000000:1000000" >>/etc/subgid
	export PODMAN_ROOT=$USERNS_DIR/podman
	mkdir -p "$PODMAN_ROOT"
	pm import -q "$img/image.tar" localhost/tenant-test:latest >/dev/null
	as_user tenant-ns sh -c 'mkdir -p -m 700 "$HOME/run"'
	pmu import -q "$img/image.tar" localhost/tenant-test:latest >/dev/null
}

teardown_file() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	pm rm -a -f >/dev/null 2>&1
	pmu rm -a -f >/dev/null 2>&1
	pm system reset -f >/dev/null 2>&1
	# The state root this file made, with the spare directory tenant keeps in it (docs/oci.md).
	if [ -e "$USERNS_DIR/made-run-tenant" ]; then rm -rf /run/tenant; fi
	[ -e "$USERNS_DIR/made-libpod-parent" ] &&
		for d in $(find /sys/fs/cgroup -maxdepth 2 -type d -name libpod_parent); do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
	userns_teardown
}

setup() {
	require_userns_user
}

OPTS=(--network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)

# Rootful podman with private storage and tenant as its runtime.
pm() {
	podman --root "$PODMAN_ROOT/storage" --runroot "$PODMAN_ROOT/run" --runtime "$TENANT" \
		--cgroup-manager cgroupfs --events-backend file "$@"
}

# Rootless podman as tenant-ns, its storage under its work directory.
pmu() {
	as_user tenant-ns env XDG_RUNTIME_DIR="$USERNS_DIR/work/run" \
		podman --runtime "$USERNS_DIR/tenant" --cgroup-manager cgroupfs --events-backend file "$@"
}

@test "podman: run --rm, rootful" {
	run -0 pm run --rm "${OPTS[@]}" localhost/tenant-test id
	assert_eq "$output" "uid=0(root) gid=0(root)"
}

@test "podman: run -d, exec, stop, rm" {
	local c
	c=$(pm run -d "${OPTS[@]}" localhost/tenant-test sleep 100)
	run -0 pm exec "$c" sh -c 'echo from-exec; cat /proc/1/stat'
	assert_eq "${lines[0]}" "from-exec"
	assert_contains "${lines[1]}" "1 (sleep)"
	run -0 pm stop -t 1 "$c"
	run -0 pm rm "$c"
	assert_eq "$(pm ps -aq)" ""
}

@test "podman: run -t gives the container a terminal" {
	run script -qec "podman --root $PODMAN_ROOT/storage --runroot $PODMAN_ROOT/run --runtime $TENANT --cgroup-manager cgroupfs --events-backend file run --rm -t ${OPTS[*]} localhost/tenant-test tty" /dev/null
	assert_contains "$output" "/dev/pts/0"
}

@test "podman: --uidmap 0:100000:65536; a file written into a volume belongs to the mapped IDs" {
	local vol=$USERNS_DIR/vol-rootful
	mkdir -p "$vol"
	chmod 777 "$vol"
	run -0 pm run --rm "${OPTS[@]}" --uidmap 0:100000:65536 -v "$vol:/vol" localhost/tenant-test \
		sh -c 'cat /proc/self/uid_map; touch /vol/by-root /vol/by-1001; chown 1001:1001 /vol/by-1001'
	assert_eq "$(tr -s ' ' <<<"$output")" " 0 100000 65536"
	assert_eq "$(stat -c '%u:%g' "$vol/by-root") $(stat -c '%u:%g' "$vol/by-1001")" "100000:100000 101001:101001"
}

@test "podman: --userns=auto gives the container its own range" {
	run -0 pm run --rm "${OPTS[@]}" --userns=auto localhost/tenant-test cat /proc/self/uid_map
	local host
	host=$(awk '{ print $2 }' <<<"$output" | head -1)
	[ "$host" -ge 2000000 ] && [ "$host" -lt 3000000 ]
}

@test "podman: --read-only, with /tmp writable" {
	run -1 pm run --rm "${OPTS[@]}" --read-only localhost/tenant-test touch /nope
	assert_contains "$output" "Read-only file system"
	run -0 pm run --rm "${OPTS[@]}" --read-only localhost/tenant-test touch /tmp/yes
}

@test "podman rootless: run --rm maps root to the user and 1.. to its ranges" {
	run -0 pmu run --rm "${OPTS[@]}" localhost/tenant-test cat /proc/self/uid_map
	assert_eq "$output" "$(kmap 0 "$NS_UID" 1 1 "$NS_R1" 65536 65537 $((NS_R1 + 65536)) 6000)"
}

@test "podman rootless: --userns=keep-id keeps the user's ID" {
	run -0 pmu run --rm "${OPTS[@]}" --userns=keep-id localhost/tenant-test id -u
	assert_eq "$output" "$NS_UID"
}

@test "podman rootless: a file written by container UID 1001 into a volume is owned by base + 1001 - 1" {
	local vol=$USERNS_DIR/work/vol
	as_user tenant-ns mkdir -p "$vol"
	run -0 pmu run --rm "${OPTS[@]}" -v "$vol:/vol" localhost/tenant-test \
		sh -c 'touch /vol/by-root /vol/by-1001; chown 1001:1001 /vol/by-1001'
	assert_eq "$(stat -c '%u' "$vol/by-root") $(stat -c '%u' "$vol/by-1001")" "$NS_UID $((NS_R1 + 1000))"
}

@test "podman rootless: run -d, exec, stop, rm" {
	local c
	c=$(pmu run -d "${OPTS[@]}" localhost/tenant-test sleep 100)
	run -0 pmu exec "$c" id -u
	assert_eq "$output" 0
	run -0 pmu stop -t 1 "$c"
	run -0 pmu rm "$c"
}

@test "podman: --pids-limit holds (cgroup pids controller, v1 on this hybrid layout)" {
	run pm run --rm "${OPTS[@]}" --pids-limit 5 localhost/tenant-test sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 3 & done; wait'
	assert_contains "$output" "can't fork"
}

@test "podman: a named volume (below podman's 0700 volumes directory) with --userns=auto and --uidmap, as with runc" {
	run -0 pm volume create tenant-vol
	for rt in runc "$TENANT"; do
		run -0 pm --runtime "$rt" run --rm "${OPTS[@]}" --userns=auto -v tenant-vol:/data \
			localhost/tenant-test sh -c 'echo hi >/data/f; cat /data/f'
		assert_eq "$output" "hi"
		run -0 pm --runtime "$rt" run --rm "${OPTS[@]}" --uidmap 0:100000:65536 \
			-v tenant-vol:/data -w /data localhost/tenant-test sh -c 'pwd; ls'
		assert_eq "$output" "$(printf '/data\nf')"
	done
	run -0 pm volume rm tenant-vol
}
