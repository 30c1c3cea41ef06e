#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# What a container sees of cgroups, compared with Debian's runc on the same bundle: the
# cgroups it is in (/proc/self/cgroup), the mounts at /sys/fs/cgroup (root, flags, type),
# what is listed there and its limits. Rootful with and without a cgroup namespace, with a
# user namespace, rootless, a combined hierarchy and a cgroup2-only host; a sibling's cgroup
# stays invisible; exec joins every hierarchy; nothing is left in any hierarchy.

load helpers
load parity # its parity_clean; this file's setup and teardown are its own
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
}

teardown_file() {
	userns_teardown
}

setup() {
	require_root
	command -v runc >/dev/null || skip "needs runc, the reference"
	STATE=$BATS_TEST_TMPDIR/state
	RSTATE=$BATS_TEST_TMPDIR/runc
	# As with runc, a remapped root must be able to reach the bundle: not under bats' 0700 tmp.
	PUBLIC=$(mktemp -d /tmp/tenant-cgv.XXXXXX)
	chmod 755 "$PUBLIC"
	B=$PUBLIC/bundle
	make_bundle "$B"
	observe "$B" cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes
	# Names of this run alone: what other suites leave in the hierarchies is never ours.
	N=cgv$$
	MOUNTS_BEFORE=$(host_mounts)
	PARENTS_BEFORE=$(ls -d /sys/fs/cgroup/*/tenant 2>/dev/null || true)
}

teardown() {
	[ -n "${PUBLIC:-}" ] || return 0
	parity_clean
}

tnr() {
	"$TENANT" --root "$STATE" "$@"
}

rc() {
	runc --root "$RSTATE" "$@"
}

# observe DIR [CMD...]: the container prints its cgroups, its mounts, /sys/fs/cgroup, then CMD.
observe() {
	local dir=$1
	shift
	args "$dir" cat /proc/self/cgroup ";" cat /proc/self/mountinfo ";" ls /sys/fs/cgroup \
		${1:+";"} "$@"
}

# What a user sees, from the output on stdin: /proc/self/cgroup and the rest as they are,
# the mounts at /sys/fs/cgroup and under it as "root mountpoint options type super-options".
# The container's cgroup path (both runtimes: ID below their own cgroup in each hierarchy)
# becomes <CG>: view ID.
view() {
	awk '/^[0-9]+ [0-9]+ [0-9]+:[0-9]+ / {
		if ($5 !~ /^\/sys\/fs\/cgroup(\/|$)/)
			next
		for (i = 7; $i != "-"; i++)
			;
		print $4, $5, $6, $(i + 1), $(i + 3)
		next
	}
	{ print }' | sed -E "s#[^ :]*/$1( |\$)#<CG>\\1#g"
}

# same_as_runc NAME [RUNNER...]: run the bundle with runc (NAME-r) and tenant (NAME-t), through
# RUNNER when given; both must exit alike and show the same view. Sets VIEW (tenant's). Stdout
# and stderr apart: runc copies each through a pipe of its own, so their order is not kept.
same_as_runc() {
	local name=$1 want want_status want_stderr
	shift
	run --separate-stderr "$@" runc --root "$RSTATE" run --bundle "$B" "$name-r"
	want_status=$status
	want_stderr=$stderr
	want=$(view "$name-r" <<<"$output")
	run --separate-stderr "$@" "$TENANT" --root "$STATE" run --bundle "$B" "$name-t"
	VIEW=$(view "$name-t" <<<"$output")
	assert_eq "$VIEW" "$want"
	assert_eq "$stderr" "$want_stderr"
	assert_eq "$status" "$want_status"
}

# No state, no mount, no cgroup directory of this test's containers in any hierarchy, and no
# /tenant parent that was not there before.
assert_clean() {
	assert_eq "$(state_root_left "$STATE")" ""
	assert_eq "$(ls -A "$RSTATE" 2>/dev/null)" ""
	assert_eq "$(host_mounts)" "$MOUNTS_BEFORE"
	assert_eq "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$N*" 2>/dev/null)" ""
	assert_eq "$(ls -d /sys/fs/cgroup/*/tenant 2>/dev/null || true)" "$PARENTS_BEFORE"
}

@test "rootful, default config: each v1 hierarchy shows the container's own cgroup, read-only, and its limits, as runc" {
	config "$B" '.linux.resources = {"pids": {"limit": 42}, "memory": {"limit": 104857600}}'
	same_as_runc "$N"
	# Every hierarchy joined, name=systemd and the hybrid's cgroup2 too; none shown at its root.
	assert_contains "$VIEW" "9:name=systemd:<CG>"
	assert_contains "$VIEW" "0::<CG>"
	assert_contains "$VIEW" "/ /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime tmpfs rw,mode=755"
	assert_contains "$VIEW" "<CG> /sys/fs/cgroup/pids ro,nosuid,nodev,noexec,relatime cgroup rw,pids"
	assert_contains "$VIEW" "<CG> /sys/fs/cgroup/systemd ro,nosuid,nodev,noexec,relatime cgroup rw,name=systemd"
	assert_not_contains "$VIEW" "/sys/fs/cgroup/unified"
	assert_eq "$(grep -c ' cgroup rw,' <<<"$VIEW")" "$(grep -c ' - cgroup ' /proc/self/mountinfo)"
	assert_eq "$(grep ' cgroup rw,' <<<"$VIEW" | grep -vc '^<CG> ')" 0
	assert_eq "$(tail -2 <<<"$VIEW")" "$(printf '42\n104857600')"
	assert_clean
}

@test "rootful with a cgroup namespace: / everywhere, a fresh mount of each hierarchy, as runc" {
	config "$B" '.linux.namespaces += [{"type": "cgroup"}] | .linux.resources = {"pids": {"limit": 42}, "memory": {"limit": 104857600}}'
	same_as_runc "$N"
	assert_eq "$(head -10 <<<"$VIEW" | cut -d: -f3 | sort -u)" "/"
	assert_contains "$VIEW" "/ /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime cgroup rw,memory"
	assert_eq "$(tail -2 <<<"$VIEW")" "$(printf '42\n104857600')"
	assert_clean
}

@test "rootful with a user namespace, with and without a cgroup namespace, as runc" {
	chown -R 100000:100000 "$B/rootfs"
	config "$B" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings | .linux.resources = {"pids": {"limit": 42}}'
	same_as_runc "$N"
	assert_contains "$VIEW" "<CG> /sys/fs/cgroup/cpu ro,nosuid,nodev,noexec,relatime cgroup rw,cpu"
	assert_contains "$VIEW" "tmpfs rw,mode=755,uid=100000,gid=100000"
	assert_eq "$(tail -2 <<<"$VIEW" | head -1)" 42
	config "$B" '.linux.namespaces += [{"type": "cgroup"}]'
	same_as_runc "${N}b"
	assert_contains "$VIEW" "/ /sys/fs/cgroup/cpu ro,nosuid,nodev,noexec,relatime cgroup rw,cpu"
	assert_eq "$(tail -2 <<<"$VIEW" | head -1)" 42
	assert_clean
}

@test "rootless: no cgroup of its own on v1, so the cgroups the process is in, with and without a cgroup namespace, as runc rootless" {
	require_userns_user
	local rb=$USERNS_DIR/work/cgv-bundle
	rm -rf "$rb" "$USERNS_DIR/work/cgv-state" "$USERNS_DIR/work/cgv-runc"
	make_bundle "$rb" --rootless
	config "$rb" --argjson u "$NS_UID" --argjson g "$NS_GID" \
		'.linux.uidMappings[0].hostID = $u | .linux.gidMappings[0].hostID = $g'
	observe "$rb" cat /sys/fs/cgroup/pids/pids.max
	chown -R tenant-ns:tenant-ns "$rb"
	local own want want_stderr
	own=$(cat /proc/self/cgroup)
	run -1 --separate-stderr as_user tenant-ns runc --root "$USERNS_DIR/work/cgv-runc" run --bundle "$rb" "$N-r"
	want=$output
	want_stderr=$stderr
	run -1 --separate-stderr as_user tenant-ns "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/cgv-state" run --bundle "$rb" "$N-t"
	assert_eq "$(view "$N-none" <<<"$output")" "$(view "$N-none" <<<"$want")"
	assert_eq "$stderr" "$want_stderr"
	# The caller's own cgroups, as the host names them: the pids one is the root here, which
	# has no pids.max.
	assert_eq "$(head -n "$(wc -l <<<"$own")" <<<"$output")" "$own"
	assert_eq "$stderr" "probe: cat: /sys/fs/cgroup/pids/pids.max: No such file or directory"
	# With a cgroup namespace (its root: the caller's cgroups), fresh mounts, as runc's.
	config "$rb" '.linux.namespaces += [{"type": "cgroup"}]'
	run -1 --separate-stderr as_user tenant-ns runc --root "$USERNS_DIR/work/cgv-runc" run --bundle "$rb" "$N-r2"
	want=$output
	want_stderr=$stderr
	run -1 --separate-stderr as_user tenant-ns "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/cgv-state" run --bundle "$rb" "$N-t2"
	assert_eq "$(view "$N-none" <<<"$output")" "$(view "$N-none" <<<"$want")"
	assert_eq "$stderr" "$want_stderr"
	assert_contains "$output" "4:memory:/"
	assert_eq "$(state_root_left "$USERNS_DIR/work/cgv-state")" ""
	assert_eq "$(ls -A "$USERNS_DIR/work/cgv-runc")" ""
	assert_clean
}

@test "a combined hierarchy (cpu,cpuacct) is reached by each controller's name, as runc" {
	# A private mount namespace where the cpu hierarchy is mounted as cpu,cpuacct (as on hosts
	# that combine them) and the hybrid's cgroup2 is gone.
	cat >"$PUBLIC/combined.sh" <<'EOF'
set -e
T=$(mktemp -d /tmp/tenant-cgv-comb.XXXXXX)
mount --rbind /sys/fs/cgroup "$T"
umount -R /sys/fs/cgroup
mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup
for d in $(ls "$T"); do
	[ "$d" != unified ] || continue
	n=$d
	[ "$d" != cpu ] || n=cpu,cpuacct
	mkdir "/sys/fs/cgroup/$n"
	mount --bind "$T/$d" "/sys/fs/cgroup/$n"
done
umount -R "$T"
rmdir "$T"
exec "$@"
EOF
	observe "$B" readlink /sys/fs/cgroup/cpu ";" cat /sys/fs/cgroup/cpu/cpu.shares
	config "$B" '.linux.resources = {"cpu": {"shares": 512}}'
	same_as_runc "$N" unshare -m --propagation private sh "$PUBLIC/combined.sh"
	assert_contains "$VIEW" "<CG> /sys/fs/cgroup/cpu,cpuacct ro,nosuid,nodev,noexec,relatime cgroup rw,cpu"
	assert_eq "$(tail -2 <<<"$VIEW")" "$(printf 'cpu,cpuacct\n512')"
	assert_clean
}

@test "cgroup2 only: with a cgroup namespace as runc; without one the container's own cgroup, where runc shows the whole hierarchy" {
	local in_v2=(unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh)
	observe "$B"
	config "$B" '.linux.namespaces += [{"type": "cgroup"}]'
	same_as_runc "$N" "${in_v2[@]}"
	local ns_view=$VIEW runc_view
	assert_contains "$VIEW" "/ /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime cgroup2 rw"
	assert_contains "$VIEW" "cgroup.events" # a cgroup of its own, not the root
	# Without a cgroup namespace: the same cgroups, the same flags; but the mount's root is
	# the container's cgroup, where runc mounts the whole hierarchy (docs/oci.md).
	config "$B" '.linux.namespaces |= map(select(.type != "cgroup"))'
	run -0 "${in_v2[@]}" runc --root "$RSTATE" run --bundle "$B" "$N-r2"
	runc_view=$(view "$N-r2" <<<"$output")
	run -0 "${in_v2[@]}" "$TENANT" --root "$STATE" run --bundle "$B" "$N-t2"
	VIEW=$(view "$N-t2" <<<"$output")
	assert_eq "$(grep -E '^[0-9]+:' <<<"$VIEW")" "$(grep -E '^[0-9]+:' <<<"$runc_view")"
	assert_contains "$VIEW" "0::<CG>"
	assert_eq "$(grep ' /sys/fs/cgroup' <<<"$runc_view")" "/ /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime cgroup2 rw"
	assert_eq "$(grep ' /sys/fs/cgroup' <<<"$VIEW")" "<CG> /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime cgroup2 rw"
	assert_contains "$runc_view" "$N-r2"
	# What is listed is the container's own cgroup, as with a cgroup namespace.
	assert_eq "$(grep -vE '^[0-9]+:| /sys/fs/cgroup' <<<"$VIEW")" "$(grep -vE '^[0-9]+:| /sys/fs/cgroup' <<<"$ns_view")"
	assert_clean
}

@test "cgroup2 only, /sys/fs/cgroup a bind of a sub-cgroup (a container without a cgroup namespace): the container runs below it, as runc" {
	# The caller in that sub-cgroup, which is all /sys/fs/cgroup shows; mountinfo has both the
	# whole hierarchy and the bind over it at /sys/fs/cgroup, and only the bind is seen.
	local in_sub=(unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup &&
		mkdir -p "/sys/fs/cgroup/$0" && echo $$ >"/sys/fs/cgroup/$0/cgroup.procs" &&
		mount --bind "/sys/fs/cgroup/$0" /sys/fs/cgroup && exec "$@"' "$N-sub")
	observe "$B"
	config "$B" '.linux.namespaces += [{"type": "cgroup"}]'
	same_as_runc "$N" "${in_sub[@]}"
	assert_contains "$VIEW" "0::/"
	# Without a cgroup namespace: the same cgroup as runc's, and its mount works.
	config "$B" '.linux.namespaces |= map(select(.type != "cgroup"))'
	run -0 "${in_sub[@]}" runc --root "$RSTATE" run --bundle "$B" "$N-r2"
	local runc_view
	runc_view=$(view "$N-r2" <<<"$output")
	run -0 "${in_sub[@]}" "$TENANT" --root "$STATE" run --bundle "$B" "$N-t2"
	VIEW=$(view "$N-t2" <<<"$output")
	assert_eq "$(grep -E '^0::' <<<"$VIEW")" "$(grep -E '^0::' <<<"$runc_view")"
	assert_contains "$output" "0::/$N-sub/$N-t2"
	assert_contains "$VIEW" " /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime cgroup2 rw"
	rmdir "/sys/fs/cgroup/unified/$N-sub"
	assert_clean
}

@test "a container sees nothing of a sibling's cgroup, with or without a cgroup namespace" {
	args "$B" sleep 30
	tnr run -d --bundle "$B" "$N-a" >/dev/null 2>&1 3>&-
	config "$B" '.linux.namespaces += [{"type": "cgroup"}]'
	tnr run -d --bundle "$B" "$N-b" >/dev/null 2>&1 3>&-
	# The host sees both, side by side.
	local own
	own=$(awk -F: '$2 ~ /(^|,)pids(,|$)/ { print $3 }' /proc/self/cgroup)
	[ -d "/sys/fs/cgroup/pids${own%/}/$N-a" ] && [ -d "/sys/fs/cgroup/pids${own%/}/$N-b" ]
	# Inside, every hierarchy is the container's own cgroup and nothing above it.
	run -0 tnr exec "$N-a" /init find /sys/fs/cgroup
	assert_not_contains "$output" "$N-b"
	assert_contains "$output" "/sys/fs/cgroup/pids/cgroup.procs"
	assert_contains "$output" "/sys/fs/cgroup/systemd/cgroup.procs"
	run -0 tnr exec "$N-b" /init find /sys/fs/cgroup
	assert_not_contains "$output" "$N-a"
	assert_contains "$output" "/sys/fs/cgroup/memory/memory.limit_in_bytes"
	tnr delete --force "$N-a"
	tnr delete --force "$N-b"
	assert_clean
}

@test "exec joins the container's cgroup in every hierarchy: /proc/self/cgroup reads as init's, as runc exec" {
	local ns
	args "$B" sleep 30
	for ns in none cgroup; do
		[ "$ns" = none ] || config "$B" '.linux.namespaces += [{"type": "cgroup"}]'
		rc run -d --bundle "$B" "$N-r$ns" >"$PUBLIC/runc.out" 2>&1 3>&-
		tnr run -d --bundle "$B" "$N-t$ns" >/dev/null 2>&1 3>&-
		run -0 rc exec "$N-r$ns" /init cat /proc/self/cgroup /proc/1/cgroup
		local want
		want=$(view "$N-r$ns" <<<"$output")
		run -0 tnr exec "$N-t$ns" /init cat /proc/self/cgroup /proc/1/cgroup
		assert_eq "$(view "$N-t$ns" <<<"$output")" "$want"
		local n
		n=$(wc -l </proc/self/cgroup)
		assert_eq "${#lines[@]}" $((2 * n))
		assert_eq "$(head -n "$n" <<<"$output")" "$(tail -n "$n" <<<"$output")"
		rc delete --force "$N-r$ns"
		tnr delete --force "$N-t$ns"
	done
	assert_clean
}

@test "cleanup: delete and a failed create remove what create made, and never a cgroup tenant did not make" {
	# A cgroup given by linux.cgroupsPath that exists already in one hierarchy is used, not removed.
	mkdir "/sys/fs/cgroup/pids/$N-pre"
	config "$B" --arg p "/$N-pre" '.linux.cgroupsPath = $p'
	args "$B" cat /proc/self/cgroup
	run -0 tnr run --bundle "$B" "$N-1"
	assert_contains "$output" "pids:/$N-pre"
	assert_contains "$output" "name=systemd:/$N-pre"
	[ -d "/sys/fs/cgroup/pids/$N-pre" ]
	assert_eq "$(find /sys/fs/cgroup -maxdepth 2 -name "$N-pre")" "/sys/fs/cgroup/pids/$N-pre"
	rmdir "/sys/fs/cgroup/pids/$N-pre"
	# A create failing in init (after the cgroup was entered) or in the limits leaves nothing.
	# (Output to a file: a create that wrongly succeeded would keep a pipe open.)
	config "$B" 'del(.linux.cgroupsPath) | .process.args = ["/no/such/program"]'
	if tnr create --bundle "$B" "$N-2" >"$PUBLIC/out" 2>&1 3>&-; then
		echo "create of $N-2 succeeded"
		return 1
	fi
	assert_contains "$(cat "$PUBLIC/out")" "/no/such/program"
	config "$B" '.linux.resources = {"cpu": {"cpus": "4095"}}'
	args "$B" id
	if tnr create --bundle "$B" "$N-3" >"$PUBLIC/out" 2>&1 3>&-; then
		echo "create of $N-3 succeeded"
		return 1
	fi
	assert_contains "$(cat "$PUBLIC/out")" "cpuset.cpus"
	assert_clean
}
