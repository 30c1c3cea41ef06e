#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# runc parity of the container's process, its namespaces and `exec` (issue 16): each test runs the same bundle with runc and tenant.
load helpers
load parity
bats_require_minimum_version 1.5.0

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
		assert_eq "$(run_with "$TENANT" "d$i-t" | head -1)" "$(run_with runc "d$i-r" | head -1)"
	done
	config "$B" '.process.args = ["/bin"]'
	assert_eq "$(create_with "$TENANT" c-dir)" "1 126"
	config "$B" '.process.args = ["plain"]'
	assert_eq "$(create_with "$TENANT" c-plain)" "1 127"
}
