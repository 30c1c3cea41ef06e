#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# runc's observable behaviour is the contract: each test runs the same bundle with Debian's runc
# and with tenant and expects the same result (issue 16, case by case).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	STATE=$BATS_TEST_TMPDIR/state
	RSTATE=$BATS_TEST_TMPDIR/runc-state
	# As with runc, a remapped root must be able to reach the bundle: not under bats' 0700 tmp.
	PUBLIC=$(mktemp -d /tmp/tenant-parity.XXXXXX)
	chmod 755 "$PUBLIC"
	B=$PUBLIC/bundle
	make_bundle "$B"
}

teardown() {
	[ -n "${STATE:-}" ] || return 0
	for id in $("$TENANT" --root "$STATE" list -q 2>/dev/null); do
		"$TENANT" --root "$STATE" delete --force "$id" >/dev/null 2>&1
	done
	for id in $(runc --root "$RSTATE" list -q 2>/dev/null); do
		runc --root "$RSTATE" delete --force "$id" >/dev/null 2>&1
	done
	rm -rf "${PUBLIC:?}"
}

# run the bundle with RUNTIME (tenant or runc) as ID: "exit status" then its output.
run_with() {
	local runtime=$1 id=$2 root=$STATE status=0 out
	[ "$runtime" = runc ] && root=$RSTATE
	out=$("$runtime" --root "$root" run --bundle "$B" "$id" 2>&1 3>&-) || status=$?
	printf '%s\n%s\n' "$status" "$out"
}

# The same result from runc and from tenant.
same_as_runc() {
	local want got
	want=$(run_with runc "$1-r")
	got=$(run_with "$TENANT" "$1-t")
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$got" "$want"
}

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

@test "kill ID 0 checks that the container's process is alive, as runc" {
	args "$B" sleep 30
	runc --root "$RSTATE" run -d --bundle "$B" k-r >/dev/null 2>&1 3>&-
	"$TENANT" --root "$STATE" run -d --bundle "$B" k-t >/dev/null 2>&1 3>&-
	run -0 runc --root "$RSTATE" kill k-r 0
	run -0 "$TENANT" --root "$STATE" kill k-t 0
	assert_eq "$("$TENANT" --root "$STATE" state k-t | jq -r .status)" running
}
