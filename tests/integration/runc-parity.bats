#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# runc's observable behaviour is the contract: each test runs the same bundle with Debian's runc
# and with tenant and expects the same result (issue 16, case by case).

load helpers
load parity
bats_require_minimum_version 1.5.0

@test "HOME: from the process user's entry in the container's /etc/passwd, else /, as runc" {
	printf 'root:x:0:0:root:/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\n' >"$B/rootfs/etc/passwd"
	config "$B" '.process.env = ["PATH=/bin"]'
	args "$B" cat /proc/self/environ
	same_as_runc h0
	assert_contains "$(run_with "$TENANT" h1)" "HOME=/root"
	config "$B" '.process.user = {"uid": 1000, "gid": 1000}'
	same_as_runc h2
	assert_contains "$(run_with "$TENANT" h3)" "HOME=/home/bob"
	# A user without an entry: /.
	config "$B" '.process.user = {"uid": 2000, "gid": 2000}'
	same_as_runc h4
	assert_contains "$(run_with "$TENANT" h5)" "HOME=/"
	# One given in process.env wins.
	config "$B" '.process.env = ["PATH=/bin", "HOME=/data"]'
	same_as_runc h6
}

@test "network: a new network namespace has its loopback interface up, as runc" {
	args "$B" cat /sys/class/net/lo/flags
	same_as_runc n0
	assert_contains "$(run_with "$TENANT" n1)" "0x9"
}

@test "run: a process that ends before run looks at it still gives its output and exit status, as runc's" {
	busybox_into "$B"
	config "$B" '.process.args = ["/bin/sh", "-c", "echo gone; exit 3"]'
	same_as_runc e0
	# run opens exec.fifo as it makes it, so init goes on at READY while run finishes create:
	# with run slowed by strace (its children are not traced), the process has ended by the
	# time run starts it, every time. Once that was "cannot start container: it is stopped".
	local i out status
	for i in 1 2 3; do
		status=0
		out=$("$TENANT" --root "$STATE" run --bundle "$B" "e$i" 2>&1 3>&-) || status=$?
		assert_eq "$status $out" "3 gone"
		status=0
		out=$(no_lsan strace -o /dev/null "$TENANT" --root "$STATE" run --bundle "$B" "s$i" 2>&1 3>&-) ||
			status=$?
		assert_eq "$status $out" "3 gone"
	done
	assert_eq "$(state_root_left "$STATE")" ""
}

@test "run on a state root without a free inode fails before its process runs, as runc's" {
	local out=$PUBLIC/out rt root n status
	mkdir -m 777 "$out"
	config "$B" --arg o "$out" \
		'.mounts += [{"destination": "/mnt", "type": "bind", "source": $o, "options": ["rbind"]}]'
	args "$B" write /mnt/ran yes
	# tenant: the state root, the container's directory, its config copy and exec.fifo take the
	# four; runc needs one fewer before its state.json. strace slows run alone (its opens, by
	# 20 ms): init is ready long before run fails. Once, run had let init go on by then.
	for rt in runc "$TENANT"; do
		root=$PUBLIC/tiny-${rt##*/} n=4
		[ "$rt" = runc ] && n=3
		mkdir "$root"
		mount -t tmpfs -o "nr_inodes=$n,mode=700" tmpfs "$root"
		status=0
		no_lsan strace -o /dev/null -e trace=openat -e inject=openat:delay_enter=20000 \
			"$rt" --root "$root" run --bundle "$B" full >"$PUBLIC/full.out" 2>&1 3>&- || status=$?
		umount "$root"
		echo "$rt: $status $(cat "$PUBLIC/full.out")"
		assert_eq "$status" 1
		[ ! -e "$out/ran" ]
	done
	# runc's message names no cause ("unable to store init state: %!w(<nil>)"); tenant's does.
	assert_contains "$(cat "$PUBLIC/full.out")" "state.json: No space left on device"
}

@test "kill ID 0 checks that the container's process is alive, as runc" {
	args "$B" sleep 30
	runc --root "$RSTATE" run -d --bundle "$B" k-r >/dev/null 2>&1 3>&-
	"$TENANT" --root "$STATE" run -d --bundle "$B" k-t >/dev/null 2>&1 3>&-
	run -0 runc --root "$RSTATE" kill k-r 0
	run -0 "$TENANT" --root "$STATE" kill k-t 0
	assert_eq "$("$TENANT" --root "$STATE" state k-t | jq -r .status)" running
}

@test "mounts: the default spec gives the same mount table as runc, in runc's order" {
	args "$B" cat /proc/self/mountinfo
	# Mount IDs, parent IDs and device numbers change from run to run; the rest must not.
	# (The cgroup mounts' roots name each runtime's cgroup: compared in the cgroup tests.)
	local want got
	want=$(run_with runc m-r | cut -d' ' -f4- | grep -v ' /sys/fs/cgroup')
	got=$(run_with "$TENANT" m-t | cut -d' ' -f4- | grep -v ' /sys/fs/cgroup')
	assert_eq "$got" "$want"
	# Read-only paths come before the masked ones, as runc mounts them.
	assert_contains "$got" "/sys /proc/sys ro"
	[[ $got == *"/proc/sys ro"*"/proc/acpi ro"* ]]
}

@test "process.env: an entry without '=' or with an empty name is refused, as runc refuses it" {
	local bad
	for bad in B =x; do
		config "$B" --arg bad "$bad" '.process.env = ["PATH=/bin", "A=1", $bad]'
		run -1 "$TENANT" --root "$STATE" run --bundle "$B" e-t
		assert_contains "$output" "process.env[2]"
		run -1 runc --root "$RSTATE" run --bundle "$B" e-r
		"$TENANT" --root "$STATE" delete -f e-t 2>/dev/null || true
		runc --root "$RSTATE" delete -f e-r 2>/dev/null || true
	done
	# A name given twice is not an error: the last one wins, as with runc.
	config "$B" '.process.env = ["PATH=/bin", "A=1", "A=2"]'
	args "$B" cat /proc/self/environ
	same_as_runc e2
}

@test "state: the same keys as runc's, rootfs the resolved root.path, owner a name" {
	args "$B" sleep 30
	runc --root "$RSTATE" create --bundle "$B" s-r >/dev/null 2>&1 3>&-
	"$TENANT" --root "$STATE" create --bundle "$B" s-t >/dev/null 2>&1 3>&-
	local want got
	want=$(runc --root "$RSTATE" state s-r)
	got=$("$TENANT" --root "$STATE" state s-t)
	assert_eq "$(jq -c 'keys' <<<"$got")" "$(jq -c 'keys' <<<"$want")"
	assert_eq "$(jq -c '[.status, .bundle, .rootfs]' <<<"$got")" \
		"$(jq -c '[.status, .bundle, .rootfs]' <<<"$want")"
	# runc leaves owner empty in `state` and names the user in `list`: tenant names it in both.
	assert_eq "$(jq -r '.owner | type' <<<"$want")" string
	assert_eq "$(jq -r .owner <<<"$got")" root
}

@test "lifecycle: each verb's exit status in each state is runc's" {
	args "$B" sleep 30
	local rt root out id
	for rt in runc "$TENANT"; do
		root=$STATE id=l-t
		[ "$rt" = runc ] && root=$RSTATE id=l-r
		R() { "$rt" --root "$root" "$@" >/dev/null 2>&1 3>&-; echo -n "$1:$? "; }
		out=$(
			R create --bundle "$B" "$id"; R create --bundle "$B" "$id"; R start "$id"
			R start "$id"; R kill "$id" USR1; R kill "$id" usr1; R kill "$id" 10
			R delete "$id"; R pause "$id"; R pause "$id"; R delete "$id"; R kill "$id" KILL
			wait_status stopped "$id" "$rt" --root "$root"
			R resume "$id"; R kill "$id" KILL; R kill --all "$id" KILL; R delete "$id"
			R delete "$id"; R delete -f "$id"; R kill "$id"; R start "$id"; R state "$id"
		)
		echo "$rt: $out"
		[ "$rt" = runc ] && want=$out || assert_eq "$out" "$want"
	done
}

@test "features: runc's keys, and the libseccomp version as runc gives it" {
	local want got
	want=$(runc features)
	got=$("$TENANT" features)
	# Every section runc fills is there (tenant has more: idmap mounts, rdma, intelRdt).
	for k in ociVersionMin ociVersionMax hooks mountOptions linux.namespaces \
		linux.capabilities linux.cgroup.v1 linux.cgroup.v2 linux.seccomp.enabled \
		linux.seccomp.actions linux.seccomp.operators linux.seccomp.archs linux.apparmor \
		linux.selinux; do
		jq -e --arg k "$k" 'getpath($k | split(".")) != null' <<<"$got" >/dev/null ||
			{ echo "no $k"; false; }
	done
	assert_eq "$(jq -r '.annotations["io.github.seccomp.libseccomp.version"]' <<<"$got")" \
		"$(jq -r '.annotations["io.github.seccomp.libseccomp.version"]' <<<"$want")"
	assert_eq "$(jq -r '.annotations["io.github.tenant.version"]' <<<"$got")" \
		"$("$TENANT" --version | awk 'NR == 1 { print $3 }')"
}

@test "linux.intelRdt: refused where there is no RDT, as runc does; an empty one is accepted" {
	[ -d /sys/fs/resctrl/info ] && skip "this host has Intel RDT mounted"
	args "$B" true
	config "$B" '.linux.intelRdt = {"l3CacheSchema": "L3:0=f"}'
	run -1 runc --root "$RSTATE" run --bundle "$B" i-r 3>&-
	run -1 "$TENANT" --root "$STATE" run --bundle "$B" i-t 3>&-
	assert_contains "$output" "linux.intelRdt.l3CacheSchema"
	config "$B" '.linux.intelRdt = {}'
	same_as_runc i2
}

@test "mount options: every one runc's features lists is taken, and nosymfollow, noacl as runc applies them" {
	local missing
	missing=$(comm -23 <(runc features | jq -r '.mountOptions[]' | sort) \
		<("$TENANT" features | jq -r '.mountOptions[]' | sort))
	assert_eq "$missing" ""
	mkdir -p "$PUBLIC/src"
	config "$B" --arg s "$PUBLIC/src" '.mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["rbind", "nosymfollow", "noacl", "noiversion"]}]'
	args "$B" cat /proc/self/mountinfo
	local want got
	want=$(run_with runc o-r | grep ' /mnt ' | cut -d' ' -f4-)
	got=$(run_with "$TENANT" o-t | grep ' /mnt ' | cut -d' ' -f4-)
	assert_contains "$got" "nosymfollow"
	assert_eq "$got" "$want"
}

@test "linux.uidMappings/gidMappings: a new user namespace that leaves root unmapped is refused, as runc refuses it" {
	local which
	chown -R 3000000:3000000 "$B/rootfs"
	for which in uid gid; do
		config "$B" --arg w "$which" '.linux.namespaces |= (map(select(.type != "user")) + [{"type": "user"}])
			| .linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}]
			| .linux.gidMappings = .linux.uidMappings
			| .linux[$w + "Mappings"] = [{"containerID": 1, "hostID": 3000001, "size": 65535}]'
		run -1 "$TENANT" --root "$STATE" run --bundle "$B" m-t
		assert_contains "$output" "linux.${which}Mappings"
		assert_contains "$output" "container ${which^^} 0 (root)"
		run -1 runc --root "$RSTATE" run --bundle "$B" m-r
		assert_contains "$output" "no $([ "$which" = uid ] && echo user || echo group) mapping found"
		"$TENANT" --root "$STATE" delete -f m-t 2>/dev/null || true
		runc --root "$RSTATE" delete -f m-r 2>/dev/null || true
	done
	# Root mapped, the rest in another extent: runs under both.
	config "$B" '.linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 1}, {"containerID": 1, "hostID": 3000001, "size": 65535}] | .linux.gidMappings = .linux.uidMappings'
	same_as_runc m2
}

@test "mqueue in a user namespace with the host's IPC namespace fails with EPERM named, as runc's" {
	[ ! -e /dev/mqueue ] || skip "the host has /dev/mqueue: tenant binds it instead (crun's fallback)"
	chown -R 3000000:3000000 "$B/rootfs"
	config "$B" --arg p "/proc/$$/ns/ipc" '.linux.namespaces |= (map(select(.type != "ipc" and .type != "user")) + [{"type": "user"}, {"type": "ipc", "path": $p}])
		| .linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings'
	run -1 runc --root "$RSTATE" run --bundle "$B" q-r
	assert_contains "$output" "mqueue"
	assert_contains "$output" "operation not permitted"
	run -1 "$TENANT" --root "$STATE" run --bundle "$B" q-t
	assert_contains "$output" "cannot mount mqueue (type mqueue) on /dev/mqueue: Operation not permitted"
	assert_contains "$output" "IPC for mqueue"
}
