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
	assert_eq "$(run_with "$TENANT" "$1-t" | head -1)" "$(run_with runc "$1-r" | head -1)"
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
