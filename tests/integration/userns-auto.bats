#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# --userns auto: a range of its own per container, from a pool, recorded in a registry.
# /etc/subuid, /etc/subgid (the pool of "tenant" is added there on first use) and the registry
# under /var/lib/tenant are put back as they were.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
	[ -n "${USERNS_DIR:-}" ] || return 0
	store_save
	export REG=/var/lib/tenant/userns.json
}

teardown_file() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	store_restore
	userns_teardown
}

setup() {
	require_userns_user
	STATE=$BATS_TEST_TMPDIR/state
	B=$USERNS_DIR/bundle-$BATS_TEST_NUMBER
	rm -rf "$B"
	make_bundle "$B"
	config "$B" '.root.readonly = false'
	chmod 755 "$B"
}

teardown() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	for id in $(tnr list -q 2>/dev/null); do tnr delete --force "$id" >/dev/null 2>&1; done
}

tnr() {
	"$TENANT" --root "$STATE" "$@"
}

@test "auto: two containers get disjoint ranges, and their files land under different host IDs" {
	local vol=$USERNS_DIR/vol-auto
	mkdir -p -m 777 "$vol"
	config "$B" --arg v "$vol" '.mounts += [{"destination": "/data", "type": "bind", "source": $v, "options": ["rbind", "rw"]}]'
	args "$B" sleep 30
	tnr run -d --userns auto --bundle "$B" a1 >/dev/null 2>&1 3>&-
	tnr run -d --userns auto --bundle "$B" a2 >/dev/null 2>&1 3>&-
	local m1 m2
	m1=$(tnr idmap translate --container a1 0)
	m2=$(tnr idmap translate --container a2 0)
	[ "$m1" != "$m2" ]
	[ $((m1 % 65536)) -eq 0 ] && [ $((m2 % 65536)) -eq 0 ]
	[ $((m1 > m2 ? m1 - m2 : m2 - m1)) -ge 65536 ]
	tnr exec a1 /init write /data/one x
	tnr exec a2 /init write /data/two x
	assert_eq "$(stat -c %u "$vol/one") $(stat -c %u "$vol/two")" "$m1 $m2"
	assert_eq "$(jq '.allocations | length' "$REG")" 2
}

@test "auto: delete gives the range back, and the next container gets it again" {
	args "$B" sleep 30
	tnr run -d --userns auto --bundle "$B" r1 >/dev/null 2>&1 3>&-
	local first
	first=$(tnr idmap translate --container r1 0)
	tnr delete --force r1
	assert_eq "$(jq '.allocations | length' "$REG")" 0
	tnr run -d --userns auto --bundle "$B" r2 >/dev/null 2>&1 3>&-
	assert_eq "$(tnr idmap translate --container r2 0)" "$first"
}

@test "auto: state.json says whether the container holds a range; one written before it said so still gives it back" {
	args "$B" sleep 30
	tnr run -d --userns auto --bundle "$B" s1 >/dev/null 2>&1 3>&-
	tnr run -d --bundle "$B" s2 >/dev/null 2>&1 3>&-
	assert_eq "$(jq -c '[.pooled, .rootfsCopy]' "$STATE/s1/state.json")" '[true,false]'
	assert_eq "$(jq -c '[.pooled, .rootfsCopy]' "$STATE/s2/state.json")" '[false,false]'
	# delete opens the registry only for s1's range: a damaged one, which opening would set
	# aside as userns.json.damaged, stays as it is through s2's delete
	cp -p "$REG" "$BATS_TEST_TMPDIR/registry"
	echo damaged >"$REG"
	tnr delete --force s2
	local set_aside=no after
	[ -e "$REG.damaged" ] && set_aside=yes && rm -f "$REG.damaged"
	after=$(cat "$REG")
	cp -p "$BATS_TEST_TMPDIR/registry" "$REG"
	assert_eq "$set_aside $after" "no damaged"
	assert_eq "$(jq '.allocations | length' "$REG")" 1
	# A state.json of an older tenant, without the two fields: delete looks for both.
	jq 'del(.pooled, .rootfsCopy)' "$STATE/s1/state.json" >"$STATE/s1/state.new"
	mv "$STATE/s1/state.new" "$STATE/s1/state.json"
	chmod 600 "$STATE/s1/state.json"
	tnr delete --force s1
	assert_eq "$(jq '.allocations | length' "$REG")" 0
	assert_eq "$(state_root_left "$STATE")" ""
}

@test "auto: 100 containers created in parallel get 100 disjoint ranges" {
	args "$B" sleep 60
	seq 100 | xargs -P 8 -I{} "$TENANT" --root "$STATE" create --userns auto --bundle "$B" p{} >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- || { sort "$BATS_TEST_TMPDIR/out" | uniq -c | head; false; }
	assert_eq "$(tnr list -q | wc -l)" 100
	assert_eq "$(jq '.allocations | length' "$REG")" 100
	# Sorted by start, every range ends before the next begins.
	jq -e '[.allocations[] | {uid, size}] | sort_by(.uid) | [range(1; length) as $i | .[$i - 1].uid + .[$i - 1].size <= .[$i].uid] | all' "$REG"
}

@test "auto: a tenant killed in the middle leaves a registry the next run accepts" {
	# The hook's argv[0] is this test's own, so that only its orphan is killed below.
	local mark=tenant-test-hook-$$
	config "$B" --arg m "$mark" '.hooks = {"createRuntime": [{"path": "/bin/sleep", "args": [$m, "30"]}]}'
	args "$B" sleep 30
	"$TENANT" --root "$STATE" create --userns auto --bundle "$B" k1 >/dev/null 2>&1 3>&- &
	local pid=$!
	for _ in $(seq 100); do [ -s "$REG" ] && [ "$(jq '.allocations | length' "$REG")" = 1 ] && break; sleep 0.05; done
	assert_eq "$(jq -r '.allocations[0].committed' "$REG")" false
	kill -KILL "$pid"
	wait "$pid" || true
	pkill -KILL -f "^$mark 30$" || true
	tnr delete --force k1
	# What the killed create made goes with it: its directory and its cgroup.
	assert_eq "$(find /sys/fs/cgroup -maxdepth 6 -type d -name k1)" ""
	[ ! -e "$STATE/k1" ]
	config "$B" 'del(.hooks)'
	args "$B" id # not k1's sleep 30: the run would wait it out
	run -0 tnr run --userns auto --bundle "$B" k2
	# The dead allocation was reclaimed: k2 got the same first block, and nothing is left.
	assert_eq "$(jq '.allocations | length' "$REG")" 0
}

@test "auto: an exhausted pool and an unknown mode are refused with a hint, nothing allocated" {
	args "$B" id
	run -1 tnr run --userns auto:size=4000000000 --bundle "$B" e1
	assert_contains "$output" "no free block of 4000000000 IDs is left"
	assert_contains "$output" "hint: delete containers, or give the pool more: tenant subid add tenant --count N"
	run -1 tnr run --userns bogus --bundle "$B" e3
	assert_contains "$output" "userns mode 'bogus' is not one of auto, auto:size=N, auto:size=image, remap, keep-id, host"
	assert_eq "$(tnr list -q)" ""
}

@test "auto: a damaged registry is kept aside and rebuilt from what runs: no range is handed out twice" {
	args "$B" sleep 30
	tnr run -d --userns auto --bundle "$B" d1 >/dev/null 2>&1 3>&-
	local first
	first=$(tnr idmap translate --container d1 0)
	echo '{"allocations": [{"root": 1}]}' >"$REG"
	args "$B" cat /proc/self/uid_map
	run -0 tnr run --userns auto --bundle "$B" d2
	assert_contains "$output" "warning: the registry of --userns auto ranges $REG was damaged: it is kept as $REG.damaged"
	assert_eq "$(cat "$REG.damaged")" '{"allocations": [{"root": 1}]}'
	# d1 still runs on its range: d2 got another one.
	local second
	second=$(awk '$1 == 0 { print $2; exit }' <<<"$output")
	[ "$second" != "$first" ]
	[ $((second > first ? second - first : first - second)) -ge 65536 ]
	# The rebuilt registry holds d1's range until nothing runs in it.
	jq -e --argjson f "$first" '[.allocations[] | select(.uid <= $f and $f < .uid + .size)] | length == 1' "$REG"
	tnr delete --force d1
	rm -f "$REG.damaged"
	args "$B" cat /proc/self/uid_map
	run -0 tnr run --userns auto --bundle "$B" d3
	assert_eq "$(awk '$1 == 0 { print $2; exit }' <<<"$output")" "$first"
	assert_eq "$(jq '.allocations | length' "$REG")" 0
}

@test "auto: a range stays taken while a container that was never deleted still has a process" {
	# No PID namespace: init's background child outlives it.
	config "$B" '.linux.namespaces |= map(select(.type != "pid"))'
	config "$B" '.process.args = ["/init", "spawn", "/init", "sleep", "60"]'
	tnr run -d --userns auto --bundle "$B" l1 >/dev/null 2>&1 3>&-
	wait_status stopped l1 tnr
	local first
	first=$(jq -r '.allocations[0].uid' "$REG")
	# l1 is stopped, not deleted, and its child runs as its root: the next one gets another range.
	running_as "$first" >/dev/null
	args "$B" cat /proc/self/uid_map
	run -0 tnr run --userns auto --bundle "$B" l2
	[ "$(awk '$1 == 0 { print $2; exit }' <<<"$output")" != "$first" ]
	# delete kills what is left of it, and gives the range back.
	run -0 tnr delete l1
	run -1 running_as "$first"
	run -0 tnr run --userns auto --bundle "$B" l3
	assert_eq "$(awk '$1 == 0 { print $2; exit }' <<<"$output")" "$first"
	assert_eq "$(jq '.allocations | length' "$REG")" 0
}

@test "auto, rootless: containers of a user get disjoint blocks of its own ranges" {
	# Not under the user's 0700 home: the container's root is a subordinate ID.
	local b=$USERNS_DIR/rl-bundle
	rm -rf "$b"
	make_bundle "$b"
	config "$b" '.linux.namespaces |= map(select(.type != "user" and .type != "network")) | del(.linux.resources)'
	args "$b" sleep 30
	chown -R tenant-ns: "$b"
	chmod 755 "$b"
	local ut=(as_user tenant-ns env XDG_DATA_HOME="$USERNS_DIR/work/data" "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/st")
	# The user's ranges are 65536 + 6000 IDs: two blocks of 30000.
	"${ut[@]}" run -d --userns auto:size=30000 --bundle "$b" u1 >/dev/null 2>&1 3>&-
	"${ut[@]}" run -d --userns auto:size=30000 --bundle "$b" u2 >/dev/null 2>&1 3>&-
	local h1 h2
	h1=$("${ut[@]}" idmap translate --container u1 0)
	h2=$("${ut[@]}" idmap translate --container u2 0)
	[ "$h1" != "$h2" ]
	# Both within the user's subordinate ranges.
	[ "$h1" -ge "$NS_R1" ] && [ "$h2" -ge "$NS_R1" ]
	"${ut[@]}" delete --force u1
	"${ut[@]}" delete --force u2
}

@test "keep-id, rootless: the caller's files inside are under its own UID" {
	local b=$USERNS_DIR/work/bundle-k
	rm -rf "$b"
	make_bundle "$b"
	config "$b" --argjson u "$NS_UID" --argjson g "$NS_GID" '.root.readonly = false | .linux.namespaces |= map(select(.type != "user" and .type != "network")) | del(.linux.resources) | .process.user = {"uid": $u, "gid": $g}'
	args "$b" id ";" stat /data ";" write /data/mine x
	chown -R tenant-ns: "$b"
	run -0 as_user tenant-ns "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/st" run --userns keep-id --bundle "$b" kk
	assert_eq "${lines[0]}" "uid=$NS_UID gid=$NS_GID groups="
	assert_eq "${lines[1]}" "$NS_UID $NS_GID 755"
	assert_eq "$(stat -c %u "$b/rootfs/data/mine")" "$NS_UID"
}

@test "remap: every container shares the remap user's range (tenant.conf's remap-user)" {
	mkdir -p /etc/tenant
	printf '# the remap user: created on first use, as Docker makes dockremap\nremap-user = tenant-ns-remap\n' >/etc/tenant/tenant.conf
	run ! getent passwd tenant-ns-remap
	echo tenant-ns-remap >>"$BATS_FILE_TMPDIR/created-users"
	args "$B" sleep 30
	tnr run -d --userns remap --bundle "$B" m1 >/dev/null 2>"$BATS_TEST_TMPDIR/m1.err" 3>&-
	assert_contains "$(cat "$BATS_TEST_TMPDIR/m1.err")" "created the remap user tenant-ns-remap of --userns remap (useradd)"
	assert_contains "$(cat "$BATS_TEST_TMPDIR/m1.err")" "gave the remap user tenant-ns-remap of --userns remap its ranges"
	# A system account without a login, like dockremap.
	assert_eq "$(getent passwd tenant-ns-remap | cut -d: -f7)" /usr/sbin/nologin
	tnr run -d --userns remap --bundle "$B" m2 >/dev/null 2>&1 3>&-
	local base
	base=$(awk -F: '$1 == "tenant-ns-remap" { print $2; exit }' /etc/subuid)
	assert_eq "$(tnr idmap translate --container m1 0) $(tnr idmap translate --container m2 0)" "$base $base"
}

@test "auto: a leftover whose main thread has exited (it shows as a zombie) still holds the range, and delete kills it" {
	config "$B" '.linux.namespaces |= map(select(.type != "pid"))'
	config "$B" '.process.args = ["/init", "thread-leftover", "60"]'
	tnr run -d --userns auto --bundle "$B" z1 >/dev/null 2>&1 3>&-
	wait_status stopped z1 tnr
	local first
	first=$(jq -r '.allocations[0].uid' "$REG")
	# ps shows the leader a zombie; its thread runs as the container's root.
	ps -L -o stat= -u "$first" | grep -qv '^Z'
	args "$B" cat /proc/self/uid_map
	run -0 tnr run --userns auto --bundle "$B" z2
	[ "$(awk '$1 == 0 { print $2; exit }' <<<"$output")" != "$first" ]
	run -0 tnr delete z1
	for _ in $(seq 100); do ps -L -o stat= -u "$first" | grep -qv '^Z' || break; sleep 0.02; done
	run -1 sh -c "ps -L -o stat= -u $first | grep -v '^Z'"
	assert_eq "$(jq '.allocations | length' "$REG")" 0
}

@test "auto, rootless: delete kills what a container without a PID namespace or cgroup left, and only then gives the range back" {
	local b=$USERNS_DIR/rl-left st=$USERNS_DIR/work/st-left
	rm -rf "$b"
	make_bundle "$b"
	config "$b" '.linux.namespaces |= map(select(.type != "user" and .type != "network" and .type != "pid")) | del(.linux.resources)'
	config "$b" '.process.args = ["/init", "spawn", "/init", "sleep", "61"]'
	chown -R tenant-ns: "$b"
	as_user tenant-ns "$USERNS_DIR/tenant" --root "$st" run -d --userns auto --bundle "$b" rl1 >/dev/null 2>&1 3>&-
	wait_status stopped rl1 as_user tenant-ns "$USERNS_DIR/tenant" --root "$st"
	running_cmd "sleep 61" >/dev/null
	run -0 as_user tenant-ns "$USERNS_DIR/tenant" --root "$st" delete rl1
	for _ in $(seq 100); do running_cmd "sleep 61" >/dev/null || break; sleep 0.02; done
	run -1 running_cmd "sleep 61"
	assert_eq "$(jq '.allocations | length' "$USERNS_DIR/work/.local/share/tenant/userns.json")" 0
	rm -rf "$b"
}

@test "auto, rootless: delete kills a leftover that made a user namespace of its own too" {
	local b=$USERNS_DIR/rl-nest st=$USERNS_DIR/work/st-nest
	rm -rf "$b"
	make_bundle "$b"
	config "$b" '.linux.namespaces |= map(select(.type != "user" and .type != "network" and .type != "pid")) | del(.linux.resources)'
	config "$b" '.process.args = ["/init", "nest", "62"]'
	chown -R tenant-ns: "$b"
	# run ends by deleting the container: what it left must go with it.
	run -0 as_user tenant-ns "$USERNS_DIR/tenant" --root "$st" run --userns auto --bundle "$b" rn1
	for _ in $(seq 100); do running_cmd "nest 62" >/dev/null || break; sleep 0.02; done
	run -1 running_cmd "nest 62"
	assert_eq "$(jq '.allocations | length' "$USERNS_DIR/work/.local/share/tenant/userns.json")" 0
	rm -rf "$b"
}
