#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# runc parity of the container's process, its namespaces and `exec` (issue 16): each test runs the same bundle with runc and tenant.
load helpers
load parity
bats_require_minimum_version 1.5.0

# parity.bash's teardown, after the processes that hold a namespace for a test.
eval "parity_$(declare -f teardown)"
teardown() {
	[ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
	parity_teardown
}

# create with RUNTIME as ID: "exit status" and, on failure, the words engines map to an exit
# code (podman: "permission denied" 126; "no such file or directory", "executable file not
# found in" 127).
create_with() {
	local runtime=$1 id=$2 root=$STATE status=0 out word=
	[ "$runtime" = runc ] && root=$RSTATE
	out=$("$runtime" --root "$root" create --bundle "$B" "$id" 2>&1 </dev/null >/dev/null 3>&-) ||
		status=$?
	case ${out,,} in
	*"permission denied"*) word=126 ;;
	*"executable file not found in"* | *"no such file or directory"*) word=127 ;;
	esac
	printf '%s %s\n' "$status" "$word"
}

same_create_as_runc() {
	local want got
	want=$(create_with runc "$1-r")
	got=$(create_with "$TENANT" "$1-t")
	echo "runc: $want, tenant: $got"
	assert_eq "$got" "$want"
}

# run with tenant and with runc: the same exit status.
same_as_runc_status() {
	local want got
	want=$(run_with runc "$1-r")
	got=$(run_with "$TENANT" "$1-t")
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$(head -1 <<<"$got")" "$(head -1 <<<"$want")"
}

@test "a program the kernel cannot execute (exec format error): run and exec exit 1, as runc's" {
	printf '\177ELF not really' >"$B/rootfs/badexe"
	chmod 755 "$B/rootfs/badexe"
	config "$B" '.process.args = ["/badexe"]'
	same_as_runc_status f0
	assert_contains "$(run_with "$TENANT" f1)" "Exec format error"
	# exec: the process's status too (runc's is 1, not a failure of exec's own, 255).
	args "$B" sleep 30
	local rt root want got
	for rt in runc "$TENANT"; do
		root=$STATE
		[ "$rt" = runc ] && root=$RSTATE
		"$rt" --root "$root" run -d --bundle "$B" f2 >/dev/null 2>&1 3>&- </dev/null
		got="$("$rt" --root "$root" exec f2 /badexe 2>/dev/null 3>&- </dev/null; echo $?)"
		got+=" $("$rt" --root "$root" exec -d f2 /badexe 2>/dev/null 3>&- </dev/null; echo $?)"
		"$rt" --root "$root" delete --force f2
		echo "$rt: $got"
		[ "$rt" = runc ] && want=$got
	done
	assert_eq "$got" "$want"
	assert_eq "$got" "1 0"
}

@test "process.args[0]: a relative path is taken from process.cwd, as runc" {
	install -m 755 "$PROBE" "$B/rootfs/pause"
	mkdir -p "$B/rootfs/bin"
	install -m 755 "$PROBE" "$B/rootfs/bin/probe"
	config "$B" '.process.args = ["./pause", "id"]'
	same_as_runc r0
	config "$B" '.process.args = ["./probe", "id"] | .process.cwd = "/bin"'
	same_as_runc r1
	assert_contains "$(run_with "$TENANT" r2)" "uid=0"
	# A program found in a relative directory of $PATH is refused (runc: Go's exec.ErrDot).
	config "$B" '.process.args = ["probe", "id"] | .process.env = ["PATH=bin"] | .process.cwd = "/"'
	same_create_as_runc r3
	[ "$(create_with "$TENANT" r4)" = "1 " ]
}

@test "process.args[0]: a directory, a missing or a non-executable program fails create, as runc" {
	mkdir -p "$B/rootfs/bin"
	install -m 644 "$PROBE" "$B/rootfs/bin/plain"
	config "$B" '.process.env = ["PATH=/bin:/"]'
	local i=0
	for a in /bin /nope /bin/plain nope plain bin ./nope; do
		config "$B" --arg a "$a" '.process.args = [$a]'
		same_create_as_runc "c$((++i))"
		same_as_runc_status "d$i"
	done
	config "$B" '.process.args = ["/bin"]'
	assert_eq "$(create_with "$TENANT" c-dir)" "1 126"
	config "$B" '.process.args = ["plain"]'
	assert_eq "$(create_with "$TENANT" c-plain)" "1 127"
}

@test "process.args[0]: a program the process's user may not execute, or on a noexec mount, fails create, as runc" {
	mkdir -p "$B/rootfs/bin"
	install -m 700 "$PROBE" "$B/rootfs/bin/own" # root's alone
	install -m 750 "$PROBE" "$B/rootfs/bin/grp" # root's group may: not the user's
	install -m 710 "$PROBE" "$B/rootfs/bin/grp2"
	chgrp 2000 "$B/rootfs/bin/grp2" # the group of additionalGids
	install -m 755 "$PROBE" "$B/rootfs/bin/all"
	local i=0 a
	# (create_with only where create fails: a created init would hold its output open.)
	for a in /bin/own /bin/grp /bin/grp2 /bin/all; do
		config "$B" --arg a "$a" '.process.args = [$a, "id"]
			| .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [2000]}'
		same_as_runc_status "v$((++i))"
	done
	config "$B" '.process.args = ["/bin/own", "id"]'
	same_create_as_runc u-own
	assert_eq "$(create_with "$TENANT" u-own2)" "1 126"
	# root, with CAP_DAC_OVERRIDE, may run it.
	config "$B" '.process.args = ["/bin/own", "id"] | .process.user = {"uid": 0, "gid": 0}'
	same_as_runc_status u-root
	assert_eq "$(run_with "$TENANT" u-root2 | head -1)" 0
	config "$B" '.process.args = ["/bin/all", "id"] | .process.user = {"uid": 1000, "gid": 1000}
		| .mounts += [{"destination": "/bin", "type": "bind", "source": "'"$B/rootfs/bin"'", "options": ["bind", "noexec"]}]'
	same_create_as_runc u-noexec
	assert_eq "$(create_with "$TENANT" u-noexec2)" "1 126"
}

@test "namespaces: without a mount namespace the default bundle fails create, as runc" {
	# runc: "unable to restrict sys entries without a private MNT namespace" (maskedPaths);
	# tenant refuses any container without one (runc would mount on the host's namespace).
	config "$B" '.linux.namespaces |= map(select(.type != "mount"))'
	same_create_as_runc m0
	same_as_runc_status m1
}

@test "hostname: may be set in a UTS namespace joined by path, as runc" {
	unshare --uts sleep 60 3>&- &
	HOLDER=$!
	config "$B" --arg p "/proc/$HOLDER/ns/uts" \
		'.linux.namespaces |= map(if .type == "uts" then .path = $p else . end) | .hostname = "joined"'
	args "$B" cat /proc/sys/kernel/hostname
	same_as_runc u0
	assert_contains "$(run_with "$TENANT" u1)" "joined"
	# Without a UTS namespace: refused by both.
	config "$B" '.linux.namespaces |= map(select(.type != "uts"))'
	same_create_as_runc u2
	# Deliberately not as runc 1.1.5, which ignores "domainname" (setting it would change the
	# host's): refused without a UTS namespace, as the runtime-spec says.
	config "$B" 'del(.hostname) | .domainname = "d"'
	run -1 "$TENANT" --root "$STATE" create --bundle "$B" u3
	assert_contains "$output" 'domainname: setting it needs a "uts" namespace'
}

@test "linux.sysctl: kernel.hostname is refused (it conflicts with hostname), kernel.domainname is not, as runc" {
	config "$B" '.linux.sysctl = {"kernel.hostname": "x"}'
	same_create_as_runc s0
	config "$B" '.hostname = "h"'
	same_create_as_runc s1
	run -1 "$TENANT" --root "$STATE" create --bundle "$B" s2
	assert_contains "$output" "kernel.hostname conflicts with the \"hostname\" field"
	config "$B" '.linux.sysctl = {"kernel.domainname": "example.org"}'
	args "$B" cat /proc/sys/kernel/domainname
	same_as_runc s3
	assert_contains "$(run_with "$TENANT" s4)" "example.org"
}

# Start the bundle detached with runc (as x-r) and tenant (as x-t).
start_both() {
	runc --root "$RSTATE" run -d --bundle "$B" x-r >/dev/null 2>&1 3>&-
	"$TENANT" --root "$STATE" run -d --bundle "$B" x-t >/dev/null 2>&1 3>&-
}

# exec ARGS... in both (the word ID names the container): the same output, and both succeed or both fail.
exec_same() {
	local want got ws=0 gs=0 a r=() t=()
	for a in "$@"; do
		if [ "$a" = ID ]; then r+=(x-r) t+=(x-t); else r+=("$a") t+=("$a"); fi
	done
	want=$(runc --root "$RSTATE" exec "${r[@]}" 2>/dev/null 3>&-) || ws=$?
	got=$("$TENANT" --root "$STATE" exec "${t[@]}" 2>/dev/null 3>&-) || gs=$?
	echo "runc ($ws): $want"
	echo "tenant ($gs): $got"
	assert_eq "$got" "$want"
	assert_eq "$((gs != 0))" "$((ws != 0))"
}

@test "exec -p: a process without user runs as 0:0, as runc" {
	args "$B" sleep 60
	config "$B" '.process.user = {"uid": 1000, "gid": 1000}'
	start_both
	echo '{"args": ["/init", "id"], "cwd": "/"}' >"$PUBLIC/p.json"
	exec_same -p "$PUBLIC/p.json" ID
	assert_contains "$("$TENANT" --root "$STATE" exec -p "$PUBLIC/p.json" x-t 3>&-)" "uid=0 gid=0"
	# a JSON that is not a process object still fails in both
	echo '["id"]' >"$PUBLIC/p.json"
	exec_same -p "$PUBLIC/p.json" ID
}

@test "exec: the process gets the container's oom_score_adj, whatever --process says, as runc" {
	args "$B" sleep 60
	config "$B" '.process.oomScoreAdj = 321'
	start_both
	exec_same ID /init cat /proc/self/oom_score_adj
	assert_eq "$("$TENANT" --root "$STATE" exec x-t /init cat /proc/self/oom_score_adj 3>&-)" "321"
	echo '{"args": ["/init", "cat", "/proc/self/oom_score_adj"], "cwd": "/", "oomScoreAdj": 999}' >"$PUBLIC/p.json"
	exec_same -p "$PUBLIC/p.json" ID
	echo '{"args": ["/init", "cat", "/proc/self/oom_score_adj"], "cwd": "/"}' >"$PUBLIC/p.json"
	exec_same -p "$PUBLIC/p.json" ID
}

@test "exec --additional-gids adds groups after process.user's, as runc" {
	args "$B" sleep 60
	config "$B" '.process.user.additionalGids = [10]'
	start_both
	exec_same -g 5 -g 6 ID /init id
	exec_same --additional-gids 7 -u 1000:1000 ID /init id
	assert_contains "$("$TENANT" --root "$STATE" exec -g 5 x-t /init id)" "groups=5,10"
	run ! runc --root "$RSTATE" exec -g nope x-r /init id
	run ! "$TENANT" --root "$STATE" exec -g nope x-t /init id
	assert_contains "$output" "--additional-gids: 'nope' is not a group ID"
}

@test "exec in a paused container is refused unless --ignore-paused, as runc" {
	args "$B" sleep 60
	start_both
	runc --root "$RSTATE" pause x-r
	"$TENANT" --root "$STATE" pause x-t
	exec_same ID /init id
	run -255 "$TENANT" --root "$STATE" exec x-t /init id
	assert_contains "$output" "cannot exec in a paused container"
	assert_contains "$output" "--ignore-paused"
	runc --root "$RSTATE" resume x-r
	"$TENANT" --root "$STATE" resume x-t
	exec_same --ignore-paused ID /init id
}

@test "exec --apparmor and --process-label where the host has neither: refused, as runc" {
	[ ! -e /sys/kernel/security/apparmor ] || skip "AppArmor is enabled here"
	[ ! -e /sys/fs/selinux/enforce ] || skip "SELinux is enabled here"
	args "$B" sleep 60
	start_both
	exec_same --apparmor unconfined-nope ID /init id
	exec_same --process-label system_u:system_r:container_t:s0 ID /init id
	run ! "$TENANT" --root "$STATE" exec --process-label x x-t /init id
	assert_contains "$output" "SELinux is disabled or not supported"
	# In config.json too: create fails, as runc (tenant used to ignore both).
	config "$B" '.process.apparmorProfile = "nope"'
	same_create_as_runc a0
	config "$B" 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0"'
	same_create_as_runc a1
}

@test "exec --cgroup joins an existing sub-cgroup of the container's, as runc" {
	[ -d /sys/fs/cgroup/cpu ] && [ -d /sys/fs/cgroup/memory ] || skip "needs the v1 cpu and memory hierarchies"
	config "$B" --arg p "/tenant-parity-$$" '.linux.cgroupsPath = $p'
	args "$B" sleep 60
	runc --root "$RSTATE" run -d --bundle "$B" x-r >/dev/null 2>&1 3>&-
	mkdir "/sys/fs/cgroup/cpu/tenant-parity-$$/sub" "/sys/fs/cgroup/memory/tenant-parity-$$/msub"
	want1=$(runc --root "$RSTATE" exec --cgroup sub x-r /init cat /proc/self/cgroup 2>&1) || true
	want2=$(runc --root "$RSTATE" exec --cgroup cpu:sub --cgroup memory:msub x-r /init cat /proc/self/cgroup)
	rmdir "/sys/fs/cgroup/cpu/tenant-parity-$$/sub" "/sys/fs/cgroup/memory/tenant-parity-$$/msub"
	runc --root "$RSTATE" delete -f x-r
	"$TENANT" --root "$STATE" run -d --bundle "$B" x-t >/dev/null 2>&1 3>&-
	mkdir "/sys/fs/cgroup/cpu/tenant-parity-$$/sub" "/sys/fs/cgroup/memory/tenant-parity-$$/msub"
	run ! "$TENANT" --root "$STATE" exec --cgroup sub x-t /init cat /proc/self/cgroup
	assert_contains "$want1" "no such file or directory"
	assert_contains "$output" "no such file or directory" # runc's (Go's) words
	got2=$("$TENANT" --root "$STATE" exec --cgroup cpu:sub --cgroup memory:msub x-t /init cat /proc/self/cgroup)
	rmdir "/sys/fs/cgroup/cpu/tenant-parity-$$/sub" "/sys/fs/cgroup/memory/tenant-parity-$$/msub"
	echo "runc: $want2"
	echo "tenant: $got2"
	assert_eq "$got2" "$want2"
	assert_contains "$got2" ":cpu:/tenant-parity-$$/sub"
	assert_contains "$got2" ":memory:/tenant-parity-$$/msub"
	for bad in cpu:sub:x bogus:sub cpu:/../..; do
		run ! runc --root "$RSTATE" exec --cgroup "$bad" x-t /init id
		run ! "$TENANT" --root "$STATE" exec --cgroup "$bad" x-t /init id
	done
	run ! "$TENANT" --root "$STATE" exec --cgroup sub --cgroup cpu:sub x-t /init id
	assert_contains "$output" "has no CONTROLLER: prefix"
	# A leading slash is still below the container's cgroup, and runc's message names it so.
	"$TENANT" --root "$STATE" delete -f x-t
	runc --root "$RSTATE" run -d --bundle "$B" x-r >/dev/null 2>&1 3>&-
	run ! runc --root "$RSTATE" exec --cgroup cpu:/nosub x-r /init id
	want3=$(grep -o '/sys/fs/cgroup/[^ ]*cgroup.procs' <<<"$output")
	runc --root "$RSTATE" delete -f x-r
	"$TENANT" --root "$STATE" run -d --bundle "$B" x-t >/dev/null 2>&1 3>&-
	run ! "$TENANT" --root "$STATE" exec --cgroup cpu:/nosub x-t /init id
	assert_contains "$output" "$want3"
	assert_contains "$want3" "/tenant-parity-$$/nosub/cgroup.procs"
}

@test "run --keep leaves the container stopped until delete, as runc" {
	args "$B" exit 3
	config "$B" --arg p "/tenant-parity-keep-$$" '.linux.cgroupsPath = $p'
	run -3 runc --root "$RSTATE" run --keep --bundle "$B" k-r 3>&-
	run -3 "$TENANT" --root "$STATE" run --keep --bundle "$B" k-t 3>&-
	want=$(runc --root "$RSTATE" state k-r | jq -c '{status, pid}')
	got=$("$TENANT" --root "$STATE" state k-t | jq -c '{status, pid}')
	assert_eq "$got" "$want"
	assert_eq "$got" '{"status":"stopped","pid":0}'
	run -1 "$TENANT" --root "$STATE" run --keep --bundle "$B" k-t 3>&-
	assert_contains "$output" "already exists"
	run -0 "$TENANT" --root "$STATE" delete k-t
	run -0 runc --root "$RSTATE" delete k-r
	run ! ls -d /sys/fs/cgroup/*/tenant-parity-keep-$$
}

# The shape of a stats event: its paths to scalars, less those that depend on what the
# container happened to read from disk (blkio, memory.cache).
stats_shape() {
	jq -c 'del(.data.blkio, .data.memory.cache) | [paths(scalars) | map(tostring) | join(".")]'
}

@test "events --stats prints the cgroup's statistics as runc's JSON" {
	args "$B" sleep 60
	config "$B" '.linux.resources = {"memory": {"limit": 100003840}, "pids": {"limit": 50}}'
	start_both
	want=$(runc --root "$RSTATE" events --stats x-r)
	got=$("$TENANT" --root "$STATE" events --stats x-t)
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$(stats_shape <<<"$got")" "$(stats_shape <<<"$want")"
	assert_eq "$(jq -c '[.type, .data.memory.usage.limit, .data.pids, .data.cpuset.cpus, .data.hugetlb, .data.intel_rdt, .data.network_interfaces]' <<<"$got")" \
		"$(jq -c '[.type, .data.memory.usage.limit, .data.pids, .data.cpuset.cpus, .data.hugetlb, .data.intel_rdt, .data.network_interfaces]' <<<"$want")"
	assert_eq "$(jq -r .id <<<"$got")" x-t
	assert_eq "$(jq -c .data.pids <<<"$got")" '{"current":1,"limit":50}'
	# Keys in runc's order (Go writes struct fields in order, map keys sorted).
	assert_eq "$(jq -c '.data | keys_unsorted' <<<"$got")" "$(jq -c '.data | keys_unsorted' <<<"$want")"
	assert_eq "$(jq -c '.data.memory.raw | keys_unsorted' <<<"$got")" "$(jq -c '.data.memory.raw | keys' <<<"$got")"
}

@test "events: a stream of stats every --interval; a stopped container is refused, as runc" {
	args "$B" sleep 60
	start_both
	run -124 timeout 3.5 "$TENANT" --root "$STATE" events --interval 1s x-t
	[ "${#lines[@]}" -ge 2 ] && [ "${#lines[@]}" -le 4 ]
	assert_eq "$(jq -r .type <<<"${lines[1]}")" stats
	# The stream ends with the container.
	timeout 10 "$TENANT" --root "$STATE" events x-t >"$BATS_TEST_TMPDIR/events" 3>&- &
	local stream=$!
	sleep 0.3
	runc --root "$RSTATE" kill x-r KILL
	"$TENANT" --root "$STATE" kill x-t KILL
	wait "$stream"
	wait_status stopped x-t "$TENANT" --root "$STATE"
	sleep 0.5
	run -1 runc --root "$RSTATE" events --stats x-r
	run -1 "$TENANT" --root "$STATE" events --stats x-t
	assert_contains "$output" "is not running"
}

@test "linux.timeOffsets are the clocks of the new time namespace (runc 1.1.5 has no time namespace)" {
	[ -e /proc/self/ns/time ] || skip "no time namespaces in this kernel"
	config "$B" '.linux.namespaces += [{"type": "time"}]'
	# runc 1.1.5: "namespace {"time" ""} does not exist"; later runc sets the offsets too.
	run -1 runc --root "$RSTATE" run --bundle "$B" t-r 3>&-
	config "$B" '.linux.timeOffsets = {"boottime": {"secs": 100000, "nanosecs": 0}, "monotonic": {"secs": 1000}}'
	args "$B" cat /proc/uptime
	host=$(cut -d. -f1 /proc/uptime)
	run -0 "$TENANT" --root "$STATE" run --bundle "$B" t-t 3>&-
	up=${output%%.*}
	[ "$up" -ge $((host + 100000)) ] && [ "$up" -le $((host + 100100)) ]
	config "$B" 'del(.linux.namespaces[] | select(.type == "time"))'
	run -1 "$TENANT" --root "$STATE" run --bundle "$B" t-t2 3>&-
	assert_contains "$output" 'linux.timeOffsets: they need a new "time" namespace'
}

@test "events: an OOM kill in the container is an \"oom\" event, as runc" {
	file -L /usr/bin/busybox 2>/dev/null | grep -q 'statically linked' || skip "needs a static /usr/bin/busybox"
	mkdir -p "$B/rootfs/bin"
	cp /usr/bin/busybox "$B/rootfs/bin/busybox"
	args "$B" sleep 60
	config "$B" '.linux.resources = {"memory": {"limit": 16777216}}'
	start_both
	timeout 5 runc --root "$RSTATE" events --interval 10s x-r >"$BATS_TEST_TMPDIR/r" 3>&- &
	local r=$!
	timeout 5 "$TENANT" --root "$STATE" events --interval 10s x-t >"$BATS_TEST_TMPDIR/t" 3>&- &
	local t=$!
	sleep 0.5
	# tail keeps a line that never ends: killed at the limit.
	run -137 runc --root "$RSTATE" exec x-r /bin/busybox tail /dev/zero
	run -137 "$TENANT" --root "$STATE" exec x-t /bin/busybox tail /dev/zero
	wait "$r" "$t" || true
	# One line an OOM kill: the kernel may kill more than once before tail is gone (runc
	# printed two in a slow run), so the lines are compared once each.
	assert_eq "$(sort -u "$BATS_TEST_TMPDIR/t")" '{"type":"oom","id":"x-t"}'
	assert_eq "$(sort -u "$BATS_TEST_TMPDIR/r")" '{"type":"oom","id":"x-r"}'
}

@test "exec: a relative COMMAND is taken from --cwd, a missing one fails, as runc" {
	mkdir -p "$B/rootfs/bin"
	install -m 755 "$PROBE" "$B/rootfs/bin/probe"
	args "$B" sleep 60
	start_both
	exec_same --cwd /bin ID ./probe id
	exec_same ID ./probe id
	exec_same --cwd /bin ID /bin
	exec_same -e PATH=/bin ID probe id
	run ! "$TENANT" --root "$STATE" exec x-t /bin
	assert_contains "$output" "Permission denied"
}

@test "process.user: a UID or GID the user namespace does not map fails create, as runc's" {
	local u
	chown -R 3000000:3000000 "$B/rootfs"
	config "$B" '.linux.namespaces |= (map(select(.type != "user")) + [{"type": "user"}])
		| .linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings'
	for u in '{"uid": 70000, "gid": 0}' '{"uid": 0, "gid": 70000}' '{"uid": 0, "gid": 0, "additionalGids": [70000]}'; do
		config "$B" --argjson u "$u" '.process.user = $u'
		run -1 runc --root "$RSTATE" create --bundle "$B" u-r 3>&-
		run -1 "$TENANT" --root "$STATE" create --bundle "$B" u-t 3>&-
		assert_contains "$output" "70000 is not mapped in the container's user namespace"
		assert_eq "$("$TENANT" --root "$STATE" list -q)" ""
		runc --root "$RSTATE" delete -f u-r 2>/dev/null || true
	done
	config "$B" '.process.user = {"uid": 65535, "gid": 65535, "additionalGids": [1]}'
	same_as_runc u2
}
