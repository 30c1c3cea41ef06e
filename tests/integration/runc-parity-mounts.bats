#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Mounts (issue 16): sources, options, tmpfs modes, destinations and process.cwd, as runc makes them.
load helpers
load parity
bats_require_minimum_version 1.5.0

# Container IDs start with mnt-: a container's cgroup (/tenant/ID) is shared by every state root.

# A test may mount on the host below $PUBLIC (SUBMOUNT): unmounted before parity's teardown.
eval "parity_$(declare -f teardown)"
teardown() {
	if [ -n "${SUBMOUNT:-}" ]; then
		umount "$SUBMOUNT" 2>/dev/null || true
	fi
	if [ -n "${USERNS_DIR:-}" ]; then
		for id in $(as_user tenant-ns "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/state" list -q 2>/dev/null); do
			as_user tenant-ns "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/state" delete --force "$id" >/dev/null 2>&1
		done
		for id in $(as_user tenant-ns runc --root "$USERNS_DIR/work/runc-state" list -q 2>/dev/null); do
			as_user tenant-ns runc --root "$USERNS_DIR/work/runc-state" delete --force "$id" >/dev/null 2>&1
		done
		userns_teardown
	fi
	parity_teardown
}

# The bundle in a user namespace of its own: container 0 is host 100000, an unprivileged ID. The
# rootfs shifted onto it (a tree of host IDs: tenant does not idmap it, runc cannot).
userns_bundle() {
	chown -R 100000:100000 "$B/rootfs"
	config "$B" '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

# The same exit status as runc (the messages differ).
same_status_as_runc() {
	local want got
	want=$(run_with runc "$1-r" | head -1)
	got=$(run_with "$TENANT" "$1-t" | head -1)
	echo "runc: $want, tenant: $got"
	assert_eq "$got" "$want"
}

# What mountinfo says of the mount at DEST (run output on stdin), without the IDs of the mount
# and of its parent, which differ from run to run.
mount_at() {
	awk -v d="$1" '$5 == d { $1 = ""; $2 = ""; print }'
}

# The same mountinfo line for DEST as runc's; stdout: tenant's.
same_mount_as_runc() {
	local id=$1 dest=$2 want got
	want=$(run_with runc "$id-r" | mount_at "$dest")
	got=$(run_with "$TENANT" "$id-t" | mount_at "$dest")
	echo "runc: $want" >&2
	echo "tenant: $got" >&2
	[ -n "$want" ]
	assert_eq "$got" "$want"
	echo "$got"
}

@test "a bind source below a directory only host root may enter (a podman volume), in a user namespace, as runc" {
	userns_bundle
	mkdir -p "$PUBLIC/volumes/v1/_data" "$PUBLIC/locked/deeper"
	chmod 700 "$PUBLIC/volumes"
	echo hello >"$PUBLIC/volumes/v1/_data/f"
	echo deep >"$PUBLIC/locked/deeper/f"
	chmod 000 "$PUBLIC/locked"
	config "$B" --arg v "$PUBLIC/volumes/v1/_data" --arg l "$PUBLIC/locked/deeper/f" \
		'.mounts += [{"destination": "/data", "type": "bind", "source": $v, "options": ["rbind"]},
		{"destination": "/mnt/f", "type": "bind", "source": $l, "options": ["bind", "ro"]}]'
	args "$B" cat /data/f /mnt/f
	same_as_runc mnt-v0
	assert_eq "$(run_with "$TENANT" mnt-v1)" "$(printf '0\nhello\ndeep')"
	args "$B" cat /proc/self/mountinfo
	same_mount_as_runc mnt-v2 /data
	same_mount_as_runc mnt-v3 /mnt/f
	# A source that does not exist fails create, as with runc.
	config "$B" '.mounts[-1].source = "/nonexistent"'
	same_status_as_runc mnt-v4
}

@test "the same volume for a container that joins a UTS namespace by path (two stages: P1 exits early), as runc" {
	userns_bundle
	mkdir -p "$PUBLIC/volumes/v1/_data"
	chmod 700 "$PUBLIC/volumes"
	echo hello >"$PUBLIC/volumes/v1/_data/f"
	unshare -u sleep 120 &
	local holder=$! i
	for i in $(seq 100); do
		[ "$(readlink /proc/$holder/ns/uts)" != "$(readlink /proc/self/ns/uts)" ] && break
		sleep 0.01
	done
	config "$B" --arg v "$PUBLIC/volumes/v1/_data" --arg n "/proc/$holder/ns/uts" \
		'.mounts += [{"destination": "/data", "type": "bind", "source": $v, "options": ["rbind"]}]
		| .linux.namespaces |= map(if .type == "uts" then .path = $n else . end) | del(.hostname)'
	args "$B" cat /data/f
	same_as_runc mnt-w0
	# R opens the sources after GO, when P1 of two stages may be gone: never a miss.
	for i in $(seq 10); do
		assert_eq "$(run_with "$TENANT" "mnt-w$i")" "$(printf '0\nhello')"
	done
	kill "$holder"
}

@test "process.cwd is entered as the container's root first, then as process.user, as runc" {
	userns_bundle
	mkdir -m 700 "$B/rootfs/root"
	args "$B" cwd
	# Owned by the container's root: root may enter it for user 1000.
	chown 100000:100000 "$B/rootfs/root"
	config "$B" '.process.cwd = "/root" | .process.user = {"uid": 1000, "gid": 1000}'
	same_as_runc mnt-c0
	# Owned by host root, which the container does not map: nobody in it may enter.
	chown 0:0 "$B/rootfs/root"
	same_status_as_runc mnt-c1
	assert_contains "$(run_with "$TENANT" mnt-c2)" "cannot enter /root: Permission denied"
	# ... nor create a directory below it: create fails.
	config "$B" '.process.cwd = "/root/work" | .process.user = {"uid": 0, "gid": 0}'
	same_status_as_runc mnt-c3
	# Owned by user 1000 (a volume chowned to it).
	mkdir -m 700 "$B/rootfs/home"
	chown 101000:101000 "$B/rootfs/home"
	config "$B" '.process.cwd = "/home" | .process.user = {"uid": 1000, "gid": 1000}'
	same_as_runc mnt-c4
	# exec --cwd: the same rule.
	chown 100000:100000 "$B/rootfs/root"
	config "$B" '.process.cwd = "/" | .process.user = {"uid": 0, "gid": 0}'
	args "$B" sleep 30
	runc --root "$RSTATE" run -d --bundle "$B" mnt-ce-r >/dev/null 2>&1 3>&-
	"$TENANT" --root "$STATE" run -d --bundle "$B" mnt-ce-t >/dev/null 2>&1 3>&-
	want=$(runc --root "$RSTATE" exec --user 1000:1000 --cwd /root mnt-ce-r /init cwd 2>&1)
	assert_eq "$("$TENANT" --root "$STATE" exec --user 1000:1000 --cwd /root mnt-ce-t /init cwd 2>&1)" "$want"
	assert_eq "$want" /root
}

# A source with a mount below it, on the host: $PUBLIC/src (file f) and $PUBLIC/src/sub (tmpfs).
source_with_submount() {
	mkdir -p "$PUBLIC/src/sub"
	echo top >"$PUBLIC/src/f"
	SUBMOUNT=$PUBLIC/src/sub
	mount -t tmpfs -o size=1m tmpfs "$SUBMOUNT"
	echo below >"$SUBMOUNT/g"
}

# mounts += a bind of $PUBLIC/src on /data with OPTIONS (JSON), then both mountinfo lines as runc's.
bind_options_as_runc() {
	local id=$1 options=$2
	config "$B" --arg s "$PUBLIC/src" --argjson o "$options" \
		'.mounts = [.mounts[] | select(.destination != "/data")]
		| .mounts += [{"destination": "/data", "type": "bind", "source": $s, "options": $o}]'
	same_mount_as_runc "$id-top" /data >/dev/null
	same_mount_as_runc "$id-sub" /data/sub >/dev/null
}

@test "bind options: rro and the other recursive ones, rbind then bind, propagation, flags, as runc" {
	source_with_submount
	args "$B" cat /proc/self/mountinfo
	# Without a user namespace, then with one (where a submount is locked).
	bind_options_as_runc mnt-o0 '["rbind", "rro"]'
	assert_contains "$(run_with "$TENANT" mnt-o1 | mount_at /data/sub)" " ro,"
	userns_bundle
	bind_options_as_runc mnt-o2 '["rbind", "rro"]'
	bind_options_as_runc mnt-o3 '["rbind", "ro", "rnoexec", "rnosuid"]'
	bind_options_as_runc mnt-o4 '["rbind", "rro", "rw"]'
	# A later "bind" keeps the recursion of "rbind" (runc ORs the flags).
	bind_options_as_runc mnt-o5 '["rbind", "bind"]'
	bind_options_as_runc mnt-o6 '["bind", "rbind", "nosuid", "nodev", "noexec"]'
	bind_options_as_runc mnt-o7 '["rbind", "rshared"]'
	bind_options_as_runc mnt-o8 '["rbind", "rprivate"]'
	bind_options_as_runc mnt-o9 '["rbind", "rslave", "ro"]'
	args "$B" cat /data/f /data/sub/g
	same_as_runc mnt-o10
}

@test "a tmpfs on a directory of the image takes its mode unless mode= says otherwise, not its owner, as runc" {
	userns_bundle
	mkdir -p "$B/rootfs/tm" "$B/rootfs/sticky"
	echo inner >"$B/rootfs/tm/file"
	chown 100123:100456 "$B/rootfs/tm"
	chmod 0712 "$B/rootfs/tm"
	chmod 4750 "$B/rootfs/sticky"
	args "$B" stat /tm /new ';' ls /tm
	config "$B" '.mounts += [{"destination": "/tm", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/new", "type": "tmpfs", "source": "tmpfs", "options": ["mode=700"]}]'
	# /new is made by the first run: each runtime's from a bundle without it.
	want=$(run_with runc mnt-t0)
	rmdir "$B/rootfs/new"
	assert_eq "$(run_with "$TENANT" mnt-t1)" "$want"
	assert_eq "$want" "$(printf '0\n0 0 712\n0 0 700')"
	# tmpcopyup: the image's files in it, and still its mode.
	config "$B" '.mounts = [.mounts[] | select(.destination != "/new")]
		| .mounts[-1].options = ["tmpcopyup"]'
	args "$B" stat /tm ';' ls /tm
	same_as_runc mnt-t2
	assert_eq "$(run_with "$TENANT" mnt-t3)" "$(printf '0\n0 0 712\nfile')"
	# mode= wins over the directory's: runc since 1.1.8 (runc#3911); Debian's 1.1.5 still
	# chmods the directory's mode over it.
	config "$B" '.mounts += [{"destination": "/sticky", "type": "tmpfs", "source": "tmpfs",
		"options": ["mode=1777"]}]'
	args "$B" stat /sticky
	assert_eq "$(run_with "$TENANT" mnt-t4)" "$(printf '0\n0 0 1777')"
	config "$B" '.mounts[-1].options = ["size=1m"]'
	assert_eq "$(run_with "$TENANT" mnt-t5)" "$(printf '0\n0 0 4750')"
	same_as_runc mnt-t6
}

@test "a relative destination is relative to /, as runc (runtime-spec 1.1)" {
	echo top >"$PUBLIC/f"
	config "$B" --arg f "$PUBLIC/f" '.mounts += [{"destination": "mnt/f", "type": "bind",
		"source": $f, "options": ["bind"]}]'
	args "$B" cat /mnt/f
	want=$(run_with runc mnt-rel0 | grep -v 'level=warning')
	assert_eq "$(run_with "$TENANT" mnt-rel1)" "$want"
	assert_eq "$want" "$(printf '0\ntop')"
}

@test "a destination that is a dangling symlink of the image: its target made inside the rootfs, never out of it, as runc" {
	userns_bundle
	ln -s /real/dir "$B/rootfs/link"
	ln -s real3/y "$B/rootfs/rel"
	ln -s ../../escaped "$B/rootfs/out"
	ln -s /loop2 "$B/rootfs/loop1"
	ln -s /loop1 "$B/rootfs/loop2"
	echo top >"$PUBLIC/f"
	config "$B" --arg f "$PUBLIC/f" '.mounts += [
		{"destination": "/link/sub", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/rel", "type": "bind", "source": $f, "options": ["bind"]},
		{"destination": "/out", "type": "tmpfs", "source": "tmpfs", "options": ["mode=700"]}]'
	args "$B" cat /rel ';' stat /link/sub /out/.
	# Each runtime from an image without the targets.
	want=$(run_with runc mnt-d0)
	rm -rf "$B/rootfs/real" "$B/rootfs/real3" "$B/rootfs/escaped"
	assert_eq "$(run_with "$TENANT" mnt-d1)" "$want"
	assert_eq "$want" "$(printf '0\ntop\n0 0 1777\n0 0 700')"
	[ -d "$B/rootfs/real/dir/sub" ] && [ -f "$B/rootfs/real3/y" ] && [ -d "$B/rootfs/escaped" ]
	[ ! -e "$PUBLIC/escaped" ] && [ ! -e "$B/escaped" ]
	# A loop of links fails, as runc.
	config "$B" '.mounts += [{"destination": "/loop1", "type": "tmpfs", "source": "tmpfs"}]'
	same_status_as_runc mnt-d2
}

# run_with, with OPTIONS for run: "exit status" then the output.
run_with_options() {
	local runtime=$1 id=$2 root=$STATE status=0 out
	shift 2
	[ "$runtime" = runc ] && root=$RSTATE
	out=$("$runtime" --root "$root" run "$@" --bundle "$B" "$id" 2>&1 3>&-) || status=$?
	printf '%s\n%s\n' "$status" "$out"
}

@test "--no-pivot: the host's procfs and sysfs are hidden before the move, so no fresh procfs escapes the masks, as runc" {
	# A process that makes user, mount and PID namespaces of its own mounts a procfs only where
	# one is fully visible: the host's, below a chroot, would be.
	args "$B" nested-proc /tmp
	want=$(run_with_options runc mnt-n0 --no-pivot)
	assert_eq "$(run_with_options "$TENANT" mnt-n1 --no-pivot)" "$want"
	assert_contains "$want" "nested-proc: /tmp: Operation not permitted"
	userns_bundle
	want=$(run_with_options runc mnt-n2 --no-pivot)
	assert_eq "$(run_with_options "$TENANT" mnt-n3 --no-pivot)" "$want"
	assert_contains "$want" "nested-proc: /tmp: Operation not permitted"
	# The host's stay where they are.
	mountpoint -q /proc
	mountpoint -q /sys
	# With pivot_root, the same.
	same_as_runc mnt-n4
}

@test "masked and read-only paths: the read-only ones first, in mountinfo's order as runc's" {
	args "$B" cat /proc/self/mountinfo
	want=$(run_with runc mnt-m0 | awk '$5 ~ /^\/proc\/|^\/sys\/firmware/ { $1 = ""; $2 = ""; $3 = ""; print }')
	got=$(run_with "$TENANT" mnt-m1 | awk '$5 ~ /^\/proc\/|^\/sys\/firmware/ { $1 = ""; $2 = ""; $3 = ""; print }')
	[ -n "$want" ]
	assert_eq "$got" "$want"
}

# As the throwaway user tenant-ns: RUNTIME (runc or tenant) runs the rootless bundle $RB as ID.
run_rootless() {
	local runtime=$1 id=$2 status=0 out
	if [ "$runtime" = runc ]; then
		out=$(as_user tenant-ns env XDG_RUNTIME_DIR="$USERNS_DIR/work/run" runc \
			--root "$USERNS_DIR/work/runc-state" run --bundle "$RB" "$id" 2>&1 3>&-) || status=$?
	else
		out=$(as_user tenant-ns "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/state" run \
			--bundle "$RB" "$id" 2>&1 3>&-) || status=$?
	fi
	printf '%s\n%s\n' "$status" "$out"
}

@test "rootless: recursive read-only binds, tmpfs modes and dangling destinations, as runc rootless" {
	userns_setup
	require_userns_user
	RB=$USERNS_DIR/work/bundle
	make_bundle "$RB" --rootless
	config "$RB" --argjson u "$NS_UID" --argjson g "$NS_GID" \
		'.linux.uidMappings[0].hostID = $u | .linux.gidMappings[0].hostID = $g'
	mkdir -p "$RB/src/sub" "$RB/rootfs/tm"
	echo top >"$RB/src/f"
	chmod 0712 "$RB/rootfs/tm"
	ln -s /real/dir "$RB/rootfs/link"
	chown -R tenant-ns:tenant-ns "$RB"
	as_user tenant-ns mkdir -p -m 700 "$USERNS_DIR/work/run"
	config "$RB" '.mounts += [
		{"destination": "/data", "type": "bind", "source": "src", "options": ["rbind", "rro"]},
		{"destination": "/tm", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/link", "type": "tmpfs", "source": "tmpfs", "options": ["mode=700"]}]'
	args "$RB" cat /data/f ';' stat /tm /link/. ';' write /data/new x
	want=$(run_rootless runc mnt-rl0)
	rm -rf "$RB/rootfs/real"
	# stdout and stderr relayed apart by runc: in no fixed order, so compared as sorted lines
	assert_eq "$(run_rootless "$TENANT" mnt-rl1 | sort)" "$(sort <<<"$want")"
	assert_contains "$(grep -v '^probe:' <<<"$want")" "$(printf 'top\n0 0 712\n0 0 700')"
	assert_contains "$want" "Read-only file system"
}

@test "propagation: rootfsPropagation rshared and an rshared bind of a shared host mount propagate both ways, as runc (Kubernetes' Bidirectional)" {
	local s=$PUBLIC/shared rt out before
	busybox_bundle
	ln -s busybox "$B/rootfs/bin/mount"
	mkdir -p "$s" "$B/rootfs/vol"
	mount -t tmpfs shared-src "$s"
	SUBMOUNT=$s
	mount --make-shared "$s"
	mkdir "$s/in"
	config "$B" --arg s "$s" '.linux.rootfsPropagation = "rshared"
		| .mounts += [{"destination": "/vol", "type": "bind", "source": $s, "options": ["rbind", "rshared"]}]
		| .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	sh_c 'mount -t tmpfs inner /vol/in && grep -c " /vol " /proc/self/mountinfo'
	before=$(host_mounts | grep -v "^$s/in\$")
	for rt in runc "$TENANT"; do
		out=$(run_with "$rt" "mnt-bd-$(basename "$rt")")
		echo "$rt: $out"
		assert_eq "$out" "0"$'\n'"1"
		# The host sees what the container mounted in the shared volume, and nothing else.
		mountpoint -q "$s/in"
		umount "$s/in"
		assert_eq "$(host_mounts)" "$before"
	done
}
