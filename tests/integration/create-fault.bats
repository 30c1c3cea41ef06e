#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# create is a transaction (src/basic/txn.h): a fault injected at each of its steps in turn
# (TENANT_FAULT=create:STEP, the steps listed by a clean run with TENANT_FAULT_LOG) must leave
# nothing behind: no state directory, no process, no cgroup, no range in the registry, no
# rootfs copy, no pid file, no mount. Rootful with a range of the pool, hooks and an idmapped
# rootfs; rootless with a shifted copy. /etc/subuid, /etc/subgid, /var/lib/tenant and
# /var/tmp/tenant-UID are put back as they were.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
	[ -n "${USERNS_DIR:-}" ] || return 0
	store_save
	[ -e "/var/tmp/tenant-$NS_UID" ] || touch "$USERNS_DIR/made-var-tmp"
	mkdir -m 700 "$USERNS_DIR/ns"
	chown tenant-ns: "$USERNS_DIR/ns"
}

teardown_file() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	store_restore
	[ -e "$USERNS_DIR/made-var-tmp" ] && rm -rf "/var/tmp/tenant-$NS_UID"
	userns_teardown
}

setup() {
	require_userns_user
	STATE=$BATS_TEST_TMPDIR/state
	B=$USERNS_DIR/bundle-$BATS_TEST_NUMBER
	rm -rf "$B"
	make_bundle "$B"
	# Owners the rootfs's range must hold: auto:size=image reads them.
	mkdir -p "$B/rootfs/home/u"
	chown 1000:1000 "$B/rootfs/home/u"
	config "$B" '.root.readonly = false'
	chmod 755 "$B"
	MOUNTS_BEFORE=$(host_mounts)
}

teardown() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	for id in $(tnr list -q 2>/dev/null); do tnr delete --force "$id" >/dev/null 2>&1; done
	for id in $(ns list -q 2>/dev/null); do ns delete --force "$id" >/dev/null 2>&1; done
}

tnr() {
	"$TENANT" --root "$STATE" "$@"
}

# tenant as tenant-ns; NS_ENV (VAR=VALUE words) goes into its environment.
ns() {
	# shellcheck disable=SC2086 # NS_ENV is words
	as_user tenant-ns env HOME="$USERNS_DIR/ns" XDG_DATA_HOME="$USERNS_DIR/ns/data" ${NS_ENV:-} \
		"$USERNS_DIR/tenant" --root "$USERNS_DIR/ns/state" "$@"
}

# The steps a clean create goes through, once each, in order.
steps_of() {
	awk -F: '!seen[$2]++ { print $2 }' "$1"
}

# Nothing of container ID may exist: processes running MARK, cgroups, mounts, a pid file.
assert_nothing_of() {
	local id=$1 mark=$2
	run pgrep -f "init sleep $mark"
	assert_eq "$output" ""
	assert_eq "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$id" 2>/dev/null)" ""
	assert_eq "$(host_mounts)" "$MOUNTS_BEFORE"
	[ ! -e "$BATS_TEST_TMPDIR/pid" ]
}

@test "rootful create with a range of the pool, hooks and an idmapped rootfs: a fault at any step leaves nothing" {
	args "$B" sleep 9137
	config "$B" '.hooks = {"prestart": [{"path": "/bin/true"}], "createRuntime": [{"path": "/bin/true"}]}'
	local log=$BATS_TEST_TMPDIR/steps
	TENANT_FAULT_LOG=$log tnr create --userns auto:size=image --pid-file "$BATS_TEST_TMPDIR/pid" \
		--bundle "$B" f0 >/dev/null 2>&1 3>&-
	tnr delete --force f0
	rm -f "$BATS_TEST_TMPDIR/pid"
	# Every step this create has: the range, the maps, the cgroup, init, the hooks, the commit.
	local steps
	steps=$(steps_of "$log" | tr '\n' ' ')
	echo "steps: $steps"
	for want in plan state-dir config idmapped-mounts console fork maps cgroup init hooks state pid-file commit; do
		assert_contains " $steps" " $want "
	done
	local step
	for step in $steps; do
		echo "step $step"
		run -1 env TENANT_FAULT="create:$step" "$TENANT" --root "$STATE" create \
			--userns auto:size=image --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$B" f1 3>&-
		assert_contains "$output" "failed at step '$step'"
		assert_eq "$(state_root_left "$STATE")" ""
		assert_eq "$(jq '[.allocations[] | select(.id == "f1")] | length' /var/lib/tenant/userns.json)" 0
		assert_nothing_of f1 9137
	done
	# And without a fault, the same create works.
	tnr create --userns auto:size=image --bundle "$B" f1 >/dev/null 2>&1 3>&-
	assert_eq "$(tnr state f1 | jq -r .status)" created
	tnr delete --force f1
}

@test "rootless create with a shifted copy of the rootfs: a fault at any step leaves nothing" {
	config "$B" '.linux.namespaces |= map(select(.type != "user" and .type != "network")) | del(.linux.resources)'
	args "$B" sleep 9138
	local log=$USERNS_DIR/ns/steps copies=/var/tmp/tenant-$NS_UID/rootfs
	NS_ENV="TENANT_FAULT_LOG=$log" ns create --userns auto:size=image --bundle "$B" r0 \
		>/dev/null 2>&1 3>&-
	# state.json says so, and delete removes what it says
	assert_eq "$(jq -c '[.pooled, .rootfsCopy]' "$USERNS_DIR/ns/state/r0/state.json")" '[true,true]'
	[ -n "$(ls -A "$copies")" ]
	ns delete --force r0
	assert_eq "$(ls -A "$copies" 2>/dev/null)" ""
	local steps
	steps=$(steps_of "$log" | tr '\n' ' ')
	echo "steps: $steps"
	for want in plan state-dir rootfs fork maps init state commit; do
		assert_contains " $steps" " $want "
	done
	local step
	for step in $steps; do
		echo "step $step"
		NS_ENV="TENANT_FAULT=create:$step" run -1 ns create --userns auto:size=image \
			--bundle "$B" r1 3>&-
		assert_contains "$output" "failed at step '$step'"
		assert_eq "$(state_root_left "$USERNS_DIR/ns/state")" ""
		assert_eq "$(ls -A "$copies" 2>/dev/null)" ""
		assert_eq "$(jq '.allocations | length' "$USERNS_DIR/ns/data/tenant/userns.json")" 0
		assert_nothing_of r1 9138
	done
}

@test "a create killed by a fault after init exists kills init before its range goes back" {
	# The pool-commit fault of issue 15: the range was freed while init ran on.
	args "$B" sleep 9139
	run -1 env TENANT_FAULT=create:commit "$TENANT" --root "$STATE" create --userns auto \
		--bundle "$B" k1 3>&-
	assert_contains "$output" "failed at step 'commit'"
	assert_nothing_of k1 9139
	assert_eq "$(jq '[.allocations[] | select(.id == "k1")] | length' /var/lib/tenant/userns.json)" 0
	# The next container may take the same range: nothing of k1 runs on it.
	tnr run -d --userns auto --bundle "$B" k2 >/dev/null 2>&1 3>&-
	local pid
	pid=$(tnr state k2 | jq .pid)
	# Zombies aside: an earlier test's killed init waits for this sandbox's PID 1 to reap it,
	# which it does lazily (seconds); a zombie runs nothing.
	run pgrep -r D,R,S,T -u "$(tnr idmap translate --container k2 0)"
	assert_eq "$output" "$pid"
}

@test "a create killed while it writes config.json or state.json: delete --force frees the ID" {
	local n
	for n in 1 2; do # the config copy's rename, then state.json's
		# R alone is traced (no -f): init, once it exists, waits on as a killed create leaves it.
		strace -qq -o /dev/null -e trace=rename -e inject=rename:signal=SIGKILL:when=$n \
			"$TENANT" --root "$STATE" create --bundle "$B" w$n >/dev/null 2>&1 3>&- </dev/null || true
		assert_contains "$(ls -A "$STATE/w$n")" ".tenant-" # the temporary file it left
		tnr delete --force "w$n"
		[ ! -e "$STATE/w$n" ]
		tnr create --bundle "$B" "w$n" >/dev/null 2>&1 3>&- </dev/null # the ID is free again
		tnr delete --force "w$n"
	done
}

# create under RUNTIME (tenant or runc) with a slow prestart hook, sent SIGNAL during the hook;
# prints create's exit status and the container's status after.
signalled_create() {
	local runtime=$1 sig=$2 id=$3 root=$BATS_TEST_TMPDIR/$1-state
	# perl: a background job of a script ignores SIGINT; the runtime must see the default.
	perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV' "$runtime" --root "$root" create --bundle "$B" "$id" \
		>/dev/null 2>&1 3>&- &
	local pid=$! status=0
	sleep 1
	kill -s "$sig" "$pid"
	wait "$pid" || status=$?
	echo "$status $("$runtime" --root "$root" state "$id" 2>/dev/null | jq -r .status)"
	"$runtime" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
}

@test "a SIGTERM or ^C during create is held until create is done, then dropped, as runc" {
	args "$B" sleep 9140
	config "$B" '.hooks = {"prestart": [{"path": "/bin/sleep", "args": ["sleep", "2"]}]}'
	local sig
	for sig in TERM INT HUP; do
		assert_eq "$(signalled_create "$TENANT" "$sig" s1)" "$(signalled_create runc "$sig" s1)"
		assert_eq "$(signalled_create "$TENANT" "$sig" s1)" "0 created"
	done
	assert_nothing_of s1 9140
	# The container's process gets the default mask, not the one create held.
	args "$B" cat /proc/self/status
	run -0 "$TENANT" --root "$STATE" run --bundle "$B" s2
	assert_contains "$output" "SigBlk:	0000000000000000"
}

@test "TENANT_FAULT_LOG cannot make a root tenant write through a symlink or stall on a fifo" {
	local pub=$USERNS_DIR/ns/pub victim=$BATS_TEST_TMPDIR/victim
	mkdir -p "$pub"
	chown tenant-ns: "$pub"
	echo secret >"$victim"
	chmod 600 "$victim"
	# A directory of the path is the other user's symlink to a directory of root's.
	as_user tenant-ns ln -s "$BATS_TEST_TMPDIR" "$pub/dir"
	TENANT_FAULT_LOG=$pub/dir/victim tnr run --bundle "$B" l1 >/dev/null 2>&1 3>&-
	assert_eq "$(cat "$victim")" secret
	# A fifo there would block the open (and pause tenant at the step of the other's choosing).
	as_user tenant-ns mkfifo "$pub/fifo"
	run -0 timeout -s KILL 20 env TENANT_FAULT_LOG="$pub/fifo" "$TENANT" --root "$STATE" run --bundle "$B" l2 3>&-
	# A file of the other user's is not written either; a file of root's or its own is.
	as_user tenant-ns touch "$pub/theirs"
	TENANT_FAULT_LOG=$pub/theirs tnr run --bundle "$B" l3 >/dev/null 2>&1 3>&-
	assert_eq "$(cat "$pub/theirs")" ""
	TENANT_FAULT_LOG=$BATS_TEST_TMPDIR/mine tnr run --bundle "$B" l4 >/dev/null 2>&1 3>&-
	assert_contains "$(cat "$BATS_TEST_TMPDIR/mine")" "create:commit"
}
