#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# cgroups (issue 16): linux.resources, update, the cgroup namespace, cgroupsPath, as runc does them
load helpers
load parity
bats_require_minimum_version 1.5.0

# The rootless cases run as a throwaway user with subordinate ranges (helpers.bash).
setup_file() {
	userns_setup
}

teardown_file() {
	userns_teardown
}

# cgroup_files RUNTIME ID FILE...: run $B detached (sleeping) in a cgroup of its own; print the
# exit status, then each FILE (CONTROLLER/NAME) of that cgroup. The cgroup's name is cut out, so
# that runc's and tenant's print the same.
cgroup_files() {
	local rt=$1 id=$2 root=$STATE st=0 f cg
	shift 2
	[ "$rt" = runc ] && root=$RSTATE
	cg=/tenant-parity-$$-$id
	config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg | .process.args = ["/init", "sleep", "30"]'
	"$rt" --root "$root" run -d --bundle "$B" "$id" >/dev/null 2>&1 3>&- || st=$?
	echo "exit $st"
	for f in "$@"; do
		echo "$f: $(cat "/sys/fs/cgroup/${f%%/*}$cg/${f#*/}" 2>&1 | sed "s|$cg||g")"
	done
	"$rt" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
}

# same_files IDPREFIX FILE...: runc and tenant leave the same exit status and files (tenant's
# in $output).
same_files() {
	local want got
	want=$(cgroup_files runc "$1-r" "${@:2}" | sed "s|$1-r|ID|g")
	got=$(cgroup_files "$TENANT" "$1-t" "${@:2}" | sed "s|$1-t|ID|g")
	echo "runc: $want"
	echo "tenant: $got"
	output=$got
	assert_eq "$got" "$want"
}

require_v1() {
	[ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpu ] || skip "needs cgroup v1 (hybrid)"
}

# A block device's MAJOR:MINOR, for the throttling limits.
block_device() {
	local d
	for d in /sys/block/*; do
		case ${d##*/} in loop* | ram* | zram*) continue ;; esac
		cat "$d/dev"
		return 0
	done
	return 1
}

@test "v1 memory: reservation, swappiness and disableOOMKiller are set, as runc" {
	require_v1
	config "$B" '.linux.resources.memory = {"limit": 104857600, "swap": 209715200,
		"reservation": 52428800, "swappiness": 10, "disableOOMKiller": true}'
	same_files m0 memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes \
		memory/memory.soft_limit_in_bytes memory/memory.swappiness memory/memory.oom_control
	assert_contains "$output" "memory.soft_limit_in_bytes: 52428800"
	assert_contains "$output" "memory.swappiness: 10"
	assert_contains "$output" "oom_kill_disable 1"
}

@test "v1 memory: a limit 0 leaves the file as it is; swappiness over 100 fails, as runc" {
	require_v1
	config "$B" '.linux.resources.memory = {"limit": 0, "reservation": 0}'
	same_files z0 memory/memory.limit_in_bytes memory/memory.soft_limit_in_bytes
	assert_contains "$output" "exit 0"
	config "$B" '.linux.resources.memory = {"swappiness": 200}'
	same_files z1
	assert_contains "$output" "exit 1"
}

@test "v1 cpu: realtimeRuntime and realtimePeriod are set; shares out of range fail, as runc" {
	require_v1
	[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] || skip "no CONFIG_RT_GROUP_SCHED"
	config "$B" '.linux.resources.cpu = {"realtimeRuntime": 1000, "realtimePeriod": 500000,
		"shares": 512, "quota": 20000, "period": 50000}'
	same_files c0 cpu/cpu.rt_runtime_us cpu/cpu.rt_period_us cpu/cpu.shares \
		cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us
	assert_contains "$output" "cpu.rt_runtime_us: 1000"
	config "$B" '.linux.resources.cpu = {"shares": 1}'
	same_files c1
	assert_contains "$output" "exit 1"
}

@test "v1 blkio: the weight (BFQ's file when blkio.weight is absent) and throttling, as runc" {
	require_v1
	[ -d /sys/fs/cgroup/blkio ] || skip "no blkio hierarchy"
	local dev weight=blkio.weight
	dev=$(block_device) || skip "no block device"
	[ -e /sys/fs/cgroup/blkio/blkio.weight ] || weight=blkio.bfq.weight
	config "$B" --arg maj "${dev%:*}" --arg min "${dev#*:}" '
		def d(r): {"major": ($maj|tonumber), "minor": ($min|tonumber), "rate": r};
		.linux.resources.blockIO = {"weight": 500,
		"throttleReadBpsDevice": [d(1048576)], "throttleWriteBpsDevice": [d(2097152)],
		"throttleReadIOPSDevice": [d(100)], "throttleWriteIOPSDevice": [d(200)]}'
	same_files b0 "blkio/$weight" blkio/blkio.throttle.read_bps_device \
		blkio/blkio.throttle.write_bps_device blkio/blkio.throttle.read_iops_device \
		blkio/blkio.throttle.write_iops_device
	assert_contains "$output" "$weight: 500"
	assert_contains "$output" "read_bps_device: $dev 1048576"
}

@test "v1: a limit whose hierarchy is missing, or unified, fails as with runc" {
	require_v1
	config "$B" '.linux.resources.unified = {"memory.max": "100000"}'
	same_files u0
	assert_contains "$output" "exit 1"
	if [ ! -d /sys/fs/cgroup/hugetlb ]; then
		config "$B" 'del(.linux.resources.unified) |
			.linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 2097152}]'
		same_files u1
		assert_contains "$output" "exit 1"
	fi
	if [ ! -d /sys/fs/cgroup/net_cls ]; then
		config "$B" 'del(.linux.resources.unified, .linux.resources.hugepageLimits) |
			.linux.resources.network = {"classID": 5}'
		same_files u2
		assert_contains "$output" "exit 1"
	fi
}

@test "a frozen cgroup at cgroupsPath is refused at once and left as it was, as runc" {
	require_v1
	local cg=/tenant-parity-$$-frozen
	[ -d /sys/fs/cgroup/freezer ] || skip "no freezer hierarchy"
	mkdir "/sys/fs/cgroup/freezer$cg"
	echo FROZEN >"/sys/fs/cgroup/freezer$cg/freezer.state"
	config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg'
	run -1 timeout 10 runc --root "$RSTATE" run --bundle "$B" f-r 3>&-
	run -1 timeout 10 "$TENANT" --root "$STATE" run --bundle "$B" f-t 3>&-
	assert_contains "$output" "frozen"
	# Still there, still frozen; nothing made in the other hierarchies.
	run -0 cat "/sys/fs/cgroup/freezer$cg/freezer.state"
	echo THAWED >"/sys/fs/cgroup/freezer$cg/freezer.state"
	rmdir "/sys/fs/cgroup/freezer$cg"
	assert_eq "$output" FROZEN
	assert_eq "$(ls -d /sys/fs/cgroup/*"$cg" 2>/dev/null)" ""
}

@test "a cgroupsPath with processes in it already is shared, with a warning, as runc 1.1" {
	local cg=/tenant-parity-$$-shared rt root name
	config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg | .process.args = ["/init", "sleep", "60"]'
	for rt in runc "$TENANT"; do
		root=$STATE name=$(basename "$rt")
		[ "$rt" = runc ] && root=$RSTATE
		"$rt" --root "$root" run -d --bundle "$B" "a-$name" >/dev/null 2>&1 3>&- </dev/null
		"$rt" --root "$root" run -d --bundle "$B" "b-$name" >/dev/null 2>"$PUBLIC/err-$name" 3>&- </dev/null
		assert_eq "$(wc -l <"/sys/fs/cgroup/pids$cg/cgroup.procs")" 2
		"$rt" --root "$root" delete --force "b-$name"
		"$rt" --root "$root" delete --force "a-$name"
	done
	# runc 1.1.5 warns in some of its paths only (with --debug); tenant always
	assert_eq "$(cat "$PUBLIC/err-tenant")" "tenant: warning: container's cgroup is not empty: 1 process(es) found"
	assert_eq "$(ls -d /sys/fs/cgroup/*"$cg" 2>/dev/null)" ""
}

@test "a create that fails in a cgroupsPath shared with a running container leaves that one running, as runc" {
	local cg=/tenant-parity-$$-sharedfail rt root name
	for rt in runc "$TENANT"; do
		root=$STATE name=$(basename "$rt")
		[ "$rt" = runc ] && root=$RSTATE
		config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg | .process.args = ["/init", "sleep", "60"]'
		"$rt" --root "$root" run -d --bundle "$B" "a-$name" >/dev/null 2>&1 3>&- </dev/null
		# Fails in init, once the cgroup is shared and the new container's processes are in it.
		config "$B" '.process.args = ["/nonexistent"]'
		run -1 "$rt" --root "$root" create --bundle "$B" "b-$name" 3>&- </dev/null
		assert_eq "$("$rt" --root "$root" state "a-$name" | jq -r .status)" running
		assert_eq "$(wc -l <"/sys/fs/cgroup/pids$cg/cgroup.procs")" 1
		"$rt" --root "$root" delete --force "a-$name"
	done
	assert_eq "$(ls -d /sys/fs/cgroup/*"$cg" 2>/dev/null)" ""
}

@test "a pids limit of 1 holds init alone: the container runs, as runc" {
	# The limit is set once init exists: no process of tenant's is in the cgroup then but init.
	config "$B" '.linux.resources.pids.limit = 1'
	same_files pids1 pids/pids.max pids/pids.current
	assert_contains "$output" "pids/pids.max: 1"
	assert_contains "$output" "pids/pids.current: 1"
	# An exec counts against it too, refused at the limit as runc's (whose init forks there).
	# runc's refusal is a race: its parent moves its init into the cgroup while that one forks,
	# so now and then the fork comes first and the process runs (`/init true`: an unknown
	# command, exit 1). tenant's P1 is in the cgroup before it forks the process: refused
	# every time.
	local cg=/tenant-parity-$$-pidsx rt root name
	config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg | .process.args = ["/init", "sleep", "30"]'
	for rt in runc "$TENANT"; do
		root=$STATE name=$(basename "$rt")
		[ "$rt" = runc ] && root=$RSTATE
		"$rt" --root "$root" run -d --bundle "$B" "x-$name" >/dev/null 2>&1 3>&- </dev/null
		run "$rt" --root "$root" exec "x-$name" /init true 3>&- </dev/null
		if [ "$rt" = runc ]; then
			[ "$status" -eq 255 ] || [ "$status" -eq 1 ]
		else
			assert_eq "$status" 255
		fi
		assert_eq "$(cat "/sys/fs/cgroup/pids$cg/pids.current")" 1
		"$rt" --root "$root" delete --force "x-$name"
	done
}

@test "run: the process starts only once its limits are set, however slow run is, as with runc" {
	busybox_into "$B"
	config "$B" '.linux.resources.pids.limit = 7 | .process.args = ["/bin/sh", "-c",
		"cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max"]'
	same_as_runc lim0
	# strace delays each open of run's own by 20 ms (not its children's): init is ready long
	# before run has set pids.max, and must wait for it. Once, run let it go on at READY
	# whatever run had done, and the process read "max".
	local i out
	for i in 1 2; do
		out=$(no_lsan strace -o /dev/null -e trace=openat -e inject=openat:delay_enter=20000 \
			"$TENANT" --root "$STATE" run --bundle "$B" "lim$i" 2>&1 3>&-)
		assert_eq "$out" "7"
	done
}

@test "two containers in one cgroupsPath: deleting one leaves the other running, as runc" {
	# Each has a PID namespace of its own: killing its init ended it, and what else runs in
	# the shared cgroup is the other's (runc 1.1 warns that it shares, and kills nothing).
	local cg=/tenant-parity-$$-shared rt root out
	config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg | .process.args = ["/init", "sleep", "30"]'
	for rt in runc "$TENANT"; do
		root=$STATE
		[ "$rt" = runc ] && root=$RSTATE
		"$rt" --root "$root" run -d --bundle "$B" s1 >/dev/null 2>&1 3>&- </dev/null
		"$rt" --root "$root" run -d --bundle "$B" s2 >/dev/null 2>&1 3>&- </dev/null
		"$rt" --root "$root" kill s1 KILL
		wait_status stopped s1 "$rt" --root "$root"
		"$rt" --root "$root" delete s1 >/dev/null 2>&1
		out+="$(basename "$rt"): s1 delete $? s2 $("$rt" --root "$root" state s2 | jq -r .status); "
		# And delete --force of a running one, likewise.
		"$rt" --root "$root" run -d --bundle "$B" s3 >/dev/null 2>&1 3>&- </dev/null
		"$rt" --root "$root" delete --force s3 >/dev/null 2>&1
		out+="s3 gone $? s2 $("$rt" --root "$root" state s2 | jq -r .status); "
		"$rt" --root "$root" delete --force s2 >/dev/null 2>&1
	done
	echo "$out"
	assert_eq "$out" "runc: s1 delete 0 s2 running; s3 gone 0 s2 running; tenant: s1 delete 0 s2 running; s3 gone 0 s2 running; "
	# runc removes the cgroup with the last delete; tenant removes only the cgroups a create
	# made (s1's, busy at its delete), so the empty one stays: nothing runs in it.
	local d
	for d in /sys/fs/cgroup/*"$cg" "/sys/fs/cgroup$cg"; do
		[ ! -d "$d" ] || rmdir "$d"
	done
}

@test "--systemd-cgroup is refused where systemd does not run, as runc; a systemd-style cgroupsPath without it is a plain name" {
	require_v1
	[ ! -d /run/systemd/system ] || skip "systemd runs here: runc would use it"
	local cg=tenant-parity-$$.slice:libpod:abc
	config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg | .process.args = ["/init", "cat", "/proc/self/cgroup"]'
	run -1 runc --systemd-cgroup --root "$RSTATE" run --bundle "$B" s-r 3>&-
	run -1 "$TENANT" --systemd-cgroup --root "$STATE" run --bundle "$B" s-t 3>&-
	assert_contains "$output" "systemd"
	assert_eq "$(ls -d /sys/fs/cgroup/*/tenant-parity-$$.slice* 2>/dev/null)" ""
	# Without --systemd-cgroup both take the path as a name (pids: under / for both).
	run -0 runc --root "$RSTATE" run --bundle "$B" s-r 3>&-
	assert_contains "$output" "pids:/$cg"
	run -0 "$TENANT" --root "$STATE" run --bundle "$B" s-t 3>&-
	assert_contains "$output" "pids:/$cg"
}

@test "with a cgroup namespace the container sees / in every hierarchy, and joins the hybrid's cgroup2 one, as runc" {
	require_v1
	local cg=/tenant-parity-$$-ns
	config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg | .linux.namespaces += [{"type": "cgroup"}]'
	args "$B" cat /proc/self/cgroup
	same_as_runc n0
	run -0 "$TENANT" --root "$STATE" run --bundle "$B" n1 3>&-
	assert_eq "$(grep -vc ':/$' <<<"$output")" 0
	# Outside: in $cg in every hierarchy, the unified one included.
	args "$B" sleep 30
	"$TENANT" --root "$STATE" run -d --bundle "$B" n2 >/dev/null 2>&1 3>&-
	local pid
	pid=$("$TENANT" --root "$STATE" state n2 | jq -r .pid)
	run -0 cat /proc/"$pid"/cgroup
	"$TENANT" --root "$STATE" delete --force n2
	assert_eq "$(grep -vc ":$cg\$" <<<"$output")" 0
	[ ! -d /sys/fs/cgroup/unified ] || assert_contains "$output" "0::$cg"
}

# update_files RUNTIME ID "UPDATE ARGS"... -- FILE...: run $B detached in a cgroup of its own
# ($PARENT/ID), run each `update ARGS ID` (stdin: $STDIN), print their exit statuses, then each
# FILE (CONTROLLER/NAME) of the cgroup.
update_files() {
	local rt=$1 id=$2 root=$STATE st cg u
	shift 2
	[ "$rt" = runc ] && root=$RSTATE
	cg=${PARENT:-/tenant-parity-$$}-$id
	config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg | .process.args = ["/init", "sleep", "30"]'
	"$rt" --root "$root" run -d --bundle "$B" "$id" >/dev/null 2>&1 3>&- || echo "run failed"
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		st=0
		# shellcheck disable=SC2086 # the update's arguments, split
		"$rt" --root "$root" update $1 "$id" <<<"${STDIN:-}" >/dev/null 2>&1 || st=$?
		echo "update $1: $st"
		shift
	done
	shift
	for u in "$@"; do
		echo "$u: $(cat "/sys/fs/cgroup/${u%%/*}$cg/${u#*/}" 2>&1 | sed "s|$cg||g")"
	done
	"$rt" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
}

same_update() {
	local want got
	want=$(update_files runc "$1-r" "${@:2}")
	got=$(update_files "$TENANT" "$1-t" "${@:2}")
	echo "runc: $want"
	echo "tenant: $got"
	output=$got
	assert_eq "$got" "$want"
}

UPDATE_FILES=(memory/memory.limit_in_bytes memory/memory.memsw.limit_in_bytes
	memory/memory.soft_limit_in_bytes cpu/cpu.shares cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us
	cpu/cpu.rt_period_us cpu/cpu.rt_runtime_us pids/pids.max cpuset/cpuset.cpus)

@test "update: runc's flags set the same files, sizes with units, -1 unlimited" {
	require_v1
	same_update u0 "--memory 100M --memory-swap 200M --memory-reservation 50m --cpu-share 512 \
--cpu-quota 20000 --cpu-period 50000 --cpu-rt-period 500000 --cpu-rt-runtime 1000 \
--pids-limit 20 --cpuset-cpus 0" "--memory 1.5m" "--memory 300M --memory-swap 400M" \
		"--memory 50M --memory-swap 60M" "--cpu-quota -1" "" -- "${UPDATE_FILES[@]}"
	assert_contains "$output" "memory.limit_in_bytes: 52428800"
	assert_contains "$output" "memory.soft_limit_in_bytes: 52428800"
	assert_contains "$output" "cpu.rt_runtime_us: 1000"
	same_update u1 "--memory 100M" "--memory -1" "--pids-limit -1" -- "${UPDATE_FILES[@]}"
	assert_contains "$output" "memory.memsw.limit_in_bytes: 9223372036854771712"
	assert_contains "$output" "pids.max: max"
}

@test "update: the blkio weight, and kernel memory ignored, as runc" {
	require_v1
	local weight=blkio.weight
	[ -e /sys/fs/cgroup/blkio/blkio.weight ] || weight=blkio.bfq.weight
	same_update w0 "--blkio-weight 300" "--kernel-memory 10M" "--kernel-memory-tcp 1M" \
		-- "blkio/$weight" memory/memory.kmem.limit_in_bytes
	assert_contains "$output" "$weight: 300"
	assert_contains "$output" "kernel-memory 10M: 0"
}

@test "update: bad values and Intel RDT schemas fail with status 1, as runc" {
	require_v1
	same_update e0 "--cpu-share -1" "--cpu-period x" "--memory 5q" "--memory -5" \
		"--memory-reservation .5k" "--memory-swap 1.5.5g" \
		"--l3-cache-schema L3:0=f" "--mem-bw-schema MB:0=50" -- cpu/cpu.shares
	assert_contains "$output" "cpu-share -1: 1"
	assert_contains "$output" "mem-bw-schema MB:0=50: 1"
}

@test "update -r FILE and -r - (stdin) take linux.resources, the flags ignored, as runc" {
	require_v1
	echo '{"memory": {"limit": 104857600, "reservation": 52428800}, "cpu": {"shares": 256,
		"quota": 30000, "period": 60000, "cpus": "0"}, "pids": {"limit": 30}}' >"$PUBLIC/res.json"
	same_update r0 "-r $PUBLIC/res.json --memory 200M" -- "${UPDATE_FILES[@]}"
	assert_contains "$output" "memory.limit_in_bytes: 104857600"
	assert_contains "$output" "cpu.shares: 256"
	STDIN='{"cpu": {"quota": 5000, "period": 10000}, "memory": {"limit": -1}}' \
		same_update r1 "-r -" -- "${UPDATE_FILES[@]}"
	assert_contains "$output" "cpu.cfs_quota_us: 5000"
}

@test "update: a smaller CFS period the parent's quota refuses first is set after the quota, as runc" {
	require_v1
	local parent=/tenant-parity-$$-parent d
	mkdir "/sys/fs/cgroup/cpu$parent"
	echo 100000 >"/sys/fs/cgroup/cpu$parent/cpu.cfs_period_us"
	echo 50000 >"/sys/fs/cgroup/cpu$parent/cpu.cfs_quota_us"
	config "$B" '.linux.resources.cpu = {"quota": 25000, "period": 100000}'
	PARENT=$parent/c same_update q0 "--cpu-period 10000 --cpu-quota 5000" \
		-- cpu/cpu.cfs_quota_us cpu/cpu.cfs_period_us
	for d in /sys/fs/cgroup/*"$parent"; do rmdir "$d"; done
	assert_contains "$output" "cpu.cfs_period_us: 10000"
}

# rootless_run RUNTIME ID: run $RB as the user tenant-ns; "exit N".
rootless_run() {
	local rt=$1 st=0
	[ "$rt" = runc ] || rt=$USERNS_DIR/tenant
	as_user tenant-ns "$rt" --root "$USERNS_DIR/work/state-$2" run --bundle "$RB" "$2" \
		>/dev/null 2>&1 3>&- || st=$?
	echo "exit $st"
}

@test "rootless without a delegated cgroup: runs without limits, fails with limits or a cgroupsPath of its own, as runc" {
	require_v1
	require_userns_user
	RB=$USERNS_DIR/work/cg-bundle
	rm -rf "$RB"
	make_bundle "$RB" --rootless
	config "$RB" --argjson u "$NS_UID" --argjson g "$NS_GID" \
		'.linux.uidMappings[0].hostID = $u | .linux.gidMappings[0].hostID = $g'
	chown -R tenant-ns:tenant-ns "$RB"
	# Device rules and zeros are no limits.
	config "$RB" '.linux.resources = {"devices": [{"allow": false, "access": "rwm"}],
		"memory": {"limit": 0}}'
	assert_eq "$(rootless_run "$TENANT" l0-t)" "$(rootless_run runc l0-r)"
	assert_eq "$(rootless_run "$TENANT" l0-t)" "exit 0"
	config "$RB" '.linux.resources = {"pids": {"limit": 20}}'
	assert_eq "$(rootless_run "$TENANT" l1-t)" "$(rootless_run runc l1-r)"
	assert_eq "$(rootless_run "$TENANT" l1-t)" "exit 1"
	local cg=/tenant-parity-$$-rootless
	config "$RB" --arg cg "$cg" '.linux.resources = {} | .linux.cgroupsPath = $cg'
	assert_eq "$(rootless_run "$TENANT" l2-t)" "$(rootless_run runc l2-r)"
	assert_eq "$(rootless_run "$TENANT" l2-t)" "exit 1"
	assert_eq "$(ls -d /sys/fs/cgroup/*"$cg" 2>/dev/null)" ""
}

# placed RUNTIME ID: run $B detached (sleeping) as ID, with cgroupsPath $CG (ID in it becomes
# the container's; none when empty); print the container's /proc/PID/cgroup,
# then the host's cgroup directories whose path has ID, then those left after delete (runc leaves
# a parent it made; removed here). ID is cut out, so that runc's and tenant's print the same.
placed() {
	local rt=$1 id=$2 root=$STATE pid
	[ "$rt" = runc ] && root=$RSTATE
	config "$B" --arg cg "${CG//ID/$id}" '.process.args = ["/init", "sleep", "30"] |
		if $cg == "" then del(.linux.cgroupsPath) else .linux.cgroupsPath = $cg end'
	"$rt" --root "$root" run -d --bundle "$B" "$id" >/dev/null 2>&1 3>&- || echo "run failed"
	pid=$("$rt" --root "$root" state "$id" | jq -r .pid)
	sed "s|$id|ID|g" /proc/"$pid"/cgroup
	find /sys/fs/cgroup -maxdepth 6 -type d -path "*$id*" | sort | sed "s|$id|ID|g"
	"$rt" --root "$root" delete --force "$id" >/dev/null 2>&1
	echo "left:"
	find /sys/fs/cgroup -maxdepth 6 -type d -path "*$id*" | sort -r | sed "s|$id|ID|g" | tee /dev/stderr |
		while read -r d; do rmdir "${d//ID/$id}"; done
}

same_place() {
	local want got
	want=$(placed runc "$1-r" 2>&1)
	got=$(placed "$TENANT" "$1-t" 2>&1)
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$(sed '/^left:/,$d' <<<"$got")" "$(sed '/^left:/,$d' <<<"$want")"
	# tenant removes every directory it made, runc only the leaf.
	assert_eq "$(sed -n '/^left:/,$p' <<<"$got")" "left:"
	output=$got
}

@test "no cgroupsPath: the container ID below the caller's own cgroup in each hierarchy, as runc" {
	require_v1
	CG="" same_place p0
}

@test "a relative cgroupsPath: below the caller's own cgroup in each hierarchy, as runc" {
	require_v1
	CG="tenant-parity-$$-ID/c" same_place p1
}

@test "an absolute cgroupsPath: below each hierarchy's root, as runc" {
	require_v1
	CG="/tenant-parity-$$-ID/c" same_place p2
}

# elsewhere RUNTIME ID OTHER: create ID (no cgroupsPath) from a shell in the pids cgroup OTHER,
# then from this one (another pids cgroup) exec, pause, resume, delete it; print what each
# shows, with ID cut out.
elsewhere() {
	local rt=$1 id=$2 other=$3 root=$STATE
	[ "$rt" = runc ] && root=$RSTATE
	config "$B" '.process.args = ["/init", "sleep", "30"] | del(.linux.cgroupsPath)'
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" --root "$3" run -d --bundle "$4" "$5"' sh \
		"$other" "$rt" "$root" "$B" "$id" >/dev/null 2>&1 3>&- || echo "run failed"
	"$rt" --root "$root" exec "$id" /init cat /proc/self/cgroup | grep -E ':(pids|memory):'
	"$rt" --root "$root" pause "$id" && "$rt" --root "$root" state "$id" | jq -r .status
	cat "/sys/fs/cgroup/freezer/$id/freezer.state" 2>&1
	"$rt" --root "$root" resume "$id" && "$rt" --root "$root" state "$id" | jq -r .status
	"$rt" --root "$root" delete --force "$id" && echo deleted
	ls "$other"/ | grep -c "$id"
}

@test "no cgroupsPath: the later commands find the cgroup below the creator's cgroup, from another, as runc" {
	require_v1
	local other=/sys/fs/cgroup/pids/tenant-parity-$$-o want got
	mkdir "$other"
	want=$(elsewhere runc e-r "$other" 2>&1 | sed "s|e-r|ID|g")
	got=$(elsewhere "$TENANT" e-t "$other" 2>&1 | sed "s|e-t|ID|g")
	rmdir "$other"
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$got" "$want"
	assert_contains "$got" "pids:/tenant-parity-$$-o/ID"
}

@test "update -r: only runc's subset of linux.resources is applied (memory limit, reservation, swap; cpu; blkio weight; pids), the rest ignored, as runc" {
	require_v1
	STDIN='{"memory": {"limit": 104857600, "swappiness": 7, "disableOOMKiller": true},
		"pids": {"limit": 40}, "devices": [{"allow": false, "access": "rwm"}],
		"blockIO": {"leafWeight": 300}}' \
		same_update u0 "-r -" -- "${UPDATE_FILES[@]}" memory/memory.swappiness \
		memory/memory.oom_control
	assert_contains "$output" "memory.limit_in_bytes: 104857600"
	assert_contains "$output" "pids.max: 40"
	assert_contains "$output" "memory.swappiness: 60"
	# The device rules as create left them (none allows c 4:64).
	config "$B" '.process.args = ["/init", "sleep", "30"] | del(.linux.cgroupsPath)'
	"$TENANT" --root "$STATE" run -d --bundle "$B" u1 >/dev/null 2>&1 3>&-
	local own before
	own=$(awk -F: '$2 ~ /(^|,)devices(,|$)/ { print $3 }' /proc/self/cgroup)
	before=$(cat "/sys/fs/cgroup/devices${own%/}/u1/devices.list")
	"$TENANT" --root "$STATE" update -r - u1 \
		<<<'{"devices": [{"allow": true, "type": "c", "major": 4, "minor": 64, "access": "rwm"}]}'
	assert_eq "$(cat "/sys/fs/cgroup/devices${own%/}/u1/devices.list")" "$before"
	"$TENANT" --root "$STATE" delete --force u1
}

@test "delete removes the cgroups made below the container's own (a system container's init.scope...), as runc" {
	local rt id root cg h left
	args "$B" sleep 30
	for rt in runc "$TENANT"; do
		id=sub-$(basename "$rt")
		root=$STATE
		[ "$rt" = runc ] && root=$RSTATE
		cg=/tenant-parity-$$-$id
		config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg'
		"$rt" --root "$root" run -d --bundle "$B" "$id" </dev/null >/dev/null 2>&1 3>&-
		# What a container's own systemd makes in a delegated cgroup, in each hierarchy.
		for h in /sys/fs/cgroup/*/; do
			[ -d "$h${cg#/}" ] && mkdir -p "$h${cg#/}/init.scope/deeper" "$h${cg#/}/system.slice"
		done
		"$rt" --root "$root" kill "$id" KILL
		for _ in $(seq 50); do [ "$("$rt" --root "$root" state "$id" | jq -r .status)" = stopped ] && break; sleep 0.1; done
		"$rt" --root "$root" delete "$id"
		left=$(ls -d /sys/fs/cgroup/*"$cg" 2>/dev/null || true)
		echo "$rt left: $left"
		assert_eq "$left" ""
	done
}

@test "ps and kill --all reach the processes of the cgroups below the container's own, as runc" {
	require_v1
	local rt id root cg h n
	args "$B" sleep 30
	for rt in runc "$TENANT"; do
		id=ps-$(basename "$rt")
		root=$STATE
		[ "$rt" = runc ] && root=$RSTATE
		cg=/tenant-parity-$$-$id
		config "$B" --arg cg "$cg" '.linux.cgroupsPath = $cg'
		"$rt" --root "$root" run -d --bundle "$B" "$id" </dev/null >/dev/null 2>&1 3>&-
		for h in /sys/fs/cgroup/*/; do
			[ -d "$h${cg#/}" ] && mkdir -p "$h${cg#/}/sub"
		done
		cp "/sys/fs/cgroup/cpuset$cg/cpuset.cpus" "/sys/fs/cgroup/cpuset$cg/sub/cpuset.cpus"
		cp "/sys/fs/cgroup/cpuset$cg/cpuset.mems" "/sys/fs/cgroup/cpuset$cg/sub/cpuset.mems"
		"$rt" --root "$root" exec -d --cgroup sub "$id" /init sleep 31 </dev/null >/dev/null 2>&1 3>&-
		n=$("$rt" --root "$root" ps "$id" | grep -c "sleep 3[01]" || true)
		echo "$rt: $n"
		assert_eq "$n" 2
		"$rt" --root "$root" kill --all "$id" KILL
		for _ in $(seq 50); do [ "$("$rt" --root "$root" state "$id" | jq -r .status)" = stopped ] && break; sleep 0.1; done
		"$rt" --root "$root" delete "$id"
		assert_eq "$(ls -d /sys/fs/cgroup/*"$cg" 2>/dev/null || true)" ""
	done
}
