# SPDX-License-Identifier: Apache-2.0
# Shared by the runc-parity*.bats files: a bundle both runtimes can reach, each runtime with its
# own state root, and "the same result as runc" as one assertion. Load after helpers.

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
	parity_clean
}

# Every container of both state roots deleted, then the public directory.
parity_clean() {
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

# A busybox in the bundle DIR (its shell and the applets below), and a writable root.
busybox_into() {
	local a
	mkdir -p "$1/rootfs/bin"
	cp "$(command -v busybox)" "$1/rootfs/bin/busybox"
	for a in sh cat grep head yes tty stty sleep echo mv ls wc mkdir stat true; do
		ln -sf busybox "$1/rootfs/bin/$a"
	done
	config "$1" '.root.readonly = false | .process.env = ["PATH=/bin"]'
}

busybox_bundle() {
	busybox_into "$B"
}

# sh -c SCRIPT as the bundle's process.
sh_c() {
	config "$B" --arg s "$1" '.process.args = ["sh", "-c", $s]'
}
