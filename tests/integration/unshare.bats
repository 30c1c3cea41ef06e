#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# tenant unshare as an unprivileged user with two subordinate ranges (helpers.bash: userns_setup).

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
}

teardown_file() {
	userns_teardown
}

setup() {
	require_userns_user
}

@test "unshare: auto maps 0 to the user and 1.. to both ranges in file order (seed 003)" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare cat /proc/self/uid_map'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(kmap 0 "$NS_UID" 1 1 "$NS_R1" 65536 65537 $((NS_R1 + 65536)) 6000)"
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare cat /proc/self/gid_map'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(kmap 0 "$NS_GID" 1 1 "$NS_G1" 65536 65537 $((NS_G1 + 65536)) 6000)"
}

@test "unshare: inside, the user is root with setgroups allowed" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare sh -c "id -u; id -g; cat /proc/self/setgroups"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '0\n0\nallow')"
}

@test "unshare: --map root maps only the user, written directly with setgroups denied" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare --map root sh -c "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(kmap 0 "$NS_UID" 1 0 "$NS_GID" 1; echo deny)"
}

@test "unshare: --map keep-id keeps the user's IDs and fills the ranges around them" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare --map keep-id sh -c "id -u; id -g; cat /proc/self/uid_map"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(echo "$NS_UID"; echo "$NS_GID"
		kmap 0 "$NS_R1" "$NS_UID" "$NS_UID" "$NS_UID" 1 \
			$((NS_UID + 1)) $((NS_R1 + NS_UID)) $((65536 - NS_UID)) \
			65537 $((NS_R1 + 65536)) 6000)"
}

@test "unshare: explicit --uidmap spanning both ranges is split so newuidmap accepts it" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare --uidmap "0:$(id -u):1" --uidmap "1:$1:70000" --gidmap "0:$(id -g):1" cat /proc/self/uid_map /proc/self/gid_map' sh "$NS_R1"
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(kmap 0 "$NS_UID" 1 1 "$NS_R1" 65536 65537 $((NS_R1 + 65536)) 4464 0 "$NS_GID" 1)"
}

@test "unshare: --uidmap alone describes the gid_map too, with the user's own GID" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare --uidmap "0:$(id -u):1" cat /proc/self/gid_map'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(kmap 0 "$NS_GID" 1)"
}

@test "unshare: a file chowned to 1001 inside is owned by range start + 1000 on the host" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare sh -c "touch owned && chown 1001:1001 owned && stat -c %u:%g owned"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "1001:1001"
	assert_eq "$(stat -c %u:%g "$USERNS_DIR/work/owned")" "$((NS_R1 + 1000)):$((NS_G1 + 1000))"
	# And root inside is the user outside.
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare touch mine'
	assert_eq "$(stat -c %u:%g "$USERNS_DIR/work/mine")" "$NS_UID:$NS_GID"
	rm -f "$USERNS_DIR/work/owned" "$USERNS_DIR/work/mine"
}

@test "unshare: the exit status is the command's" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare sh -c "exit 42"'
	[ "$status" -eq 42 ]
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare true'
	[ "$status" -eq 0 ]
}

@test "unshare: a command killed by a signal ends tenant with the same signal" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare sh -c "kill -KILL \$\$"; echo "status=$?"'
	assert_contains "$output" "status=137"
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare sh -c "kill -TERM \$\$"; echo "status=$?"'
	assert_contains "$output" "status=143"
}

@test "unshare: a signal sent to tenant is forwarded to the command" {
	local w=$USERNS_DIR/work pid
	rm -f "$w/ready" "$w/out"
	cd "$w"
	HOME=$w setpriv --reuid=tenant-ns --regid=tenant-ns --init-groups "$USERNS_DIR/tenant" unshare \
		sh -c 'trap "echo got-TERM; exit 3" TERM; echo $$ >ready.tmp; mv ready.tmp ready; while :; do sleep 0.05; done' \
		>"$w/out" 2>&1 3>&- &
	pid=$!
	for _ in $(seq 100); do [ -s "$w/ready" ] && break; sleep 0.05; done
	[ -s "$w/ready" ]
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 3 ]
	assert_eq "$(cat "$w/out")" "got-TERM"
}

@test "unshare: a command stopped and continued by someone else does not leave tenant stopped" {
	local w=$BATS_TEST_TMPDIR pid child state=
	rm -f "$w/out" "$w/child"
	"$TENANT" unshare --map root sh -c 'echo $$ >'"$w/child"'; kill -STOP $$; echo resumed' >"$w/out" 2>&1 3>&- &
	pid=$!
	for _ in $(seq 100); do
		child=$(cat "$w/child" 2>/dev/null || true)
		[ -z "$child" ] || state=$(awk '{ print $3 }' "/proc/$child/stat" 2>/dev/null || true)
		[ "$state" = T ] && break
		sleep 0.05
	done
	assert_eq "$state" T
	# A SIGSTOP is not job control: tenant keeps running and waiting.
	assert_eq "$(awk '{ print $3 }' "/proc/$pid/stat")" S
	kill -CONT "$child"
	wait "$pid"
	assert_eq "$(cat "$w/out")" "resumed"
}

@test "unshare: stdin and stdout pass through, and a terminal stays a terminal" {
	run as_user tenant-ns sh -c 'echo through-stdin | "$NS_TENANT" unshare cat'
	assert_eq "$output" "through-stdin"
	run script -qec "setpriv --reuid=tenant-ns --regid=tenant-ns --init-groups $USERNS_DIR/tenant unshare sh -c 'test -t 0 && test -t 1 && echo on-a-tty'" /dev/null
	[ "$status" -eq 0 ]
	assert_contains "$output" "on-a-tty"
}

@test "unshare: the default command is the user's shell" {
	run as_user tenant-ns sh -c 'echo "id -u" | SHELL=/bin/sh "$NS_TENANT" unshare'
	[ "$status" -eq 0 ]
	assert_eq "$output" "0"
}

@test "unshare: a missing command exits 127, one that cannot run 126" {
	run -127 as_user tenant-ns sh -c '"$NS_TENANT" unshare no-such-command-here'
	assert_contains "$output" "cannot run 'no-such-command-here': No such file or directory"
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare /etc/passwd'
	[ "$status" -eq 126 ]
}

@test "unshare: mounts made inside do not appear outside" {
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare sh -c "mount -t tmpfs none \"\$HOME\" && touch \"\$HOME/inside\" && ls \"\$HOME\""'
	[ "$status" -eq 0 ]
	assert_eq "$output" "inside"
	[ ! -e "$USERNS_DIR/work/inside" ]
}

@test "idmap show: prints exactly what unshare's command reads from /proc" {
	run as_user tenant-ns sh -c '"$NS_TENANT" idmap show'
	[ "$status" -eq 0 ]
	assert_contains "$output" "written by newuidmap"
	shown=$(printf '%s\n' "$output" | grep -v '^#')
	run as_user tenant-ns sh -c '"$NS_TENANT" unshare cat /proc/self/uid_map /proc/self/gid_map'
	assert_eq "$shown" "$output"
	# Root sees the same plan for the user.
	run "$TENANT" idmap show --user tenant-ns
	assert_eq "$(printf '%s\n' "$output" | grep -v '^#')" "$shown"
}

@test "idmap show --json: extents, writer and the text written" {
	run as_user tenant-ns sh -c '"$NS_TENANT" idmap show --map keep-id --json'
	[ "$status" -eq 0 ]
	assert_eq "$(jq -r '.uid_map.writer, .uid_map.mode, .uid_map.extents[1].host, .gid_map.source' <<<"$output")" \
		"$(printf 'newuidmap\nkeep-id\n%s\n/etc/subgid' "$NS_UID")"
	assert_eq "$(jq -r '.uid_map.text' <<<"$output" | head -1)" "0 $NS_R1 $NS_UID"
}

@test "idmap show: a plan that would be refused says why" {
	run as_user tenant-ns sh -c '"$NS_TENANT" idmap show --uidmap 0:12345678:1'
	[ "$status" -eq 1 ]
	assert_contains "$output" "host UID 12345678 of 0:12345678:1 is neither yours ($NS_UID) nor one of your subordinate UIDs"
	assert_contains "$output" "hint: 'tenant subid list tenant-ns'"
	run as_user tenant-ns sh -c '"$NS_TENANT" idmap show --uidmap 0:4294967294:2'
	[ "$status" -eq 2 ]
	assert_contains "$output" "reaches ID 4294967295"
	run as_user tenant-ns sh -c '"$NS_TENANT" idmap show --map auto --uidmap 0:1:1'
	[ "$status" -eq 2 ]
	run as_user tenant-ns sh -c '"$NS_TENANT" idmap show --map everything'
	[ "$status" -eq 2 ]
	assert_contains "$output" "'everything' is not auto, root or keep-id"
}

@test "idmap show: a range listed under the name and under the UID is mapped once" {
	printf 'tenant-ns:%s:65536\n%s:%s:65536\n' "$NS_R1" "$NS_UID" "$NS_R1" >"$USERNS_DIR/dup"
	chmod 644 "$USERNS_DIR/dup"
	run -0 as_user tenant-ns sh -c '"$NS_TENANT" --subuid "$1" --subgid "$1" idmap show' sh "$USERNS_DIR/dup"
	assert_eq "$(grep -v '^#' <<<"$output" | head -2)" "$(kmap 0 "$NS_UID" 1 1 "$NS_R1" 65536)"
	assert_eq "$(grep -vc '^#' <<<"$output")" 4
}

@test "idmap show: a user whose only line is malformed is told to lint, not to add" {
	printf 'tenant-ns:4294967000:1000\n' >"$USERNS_DIR/bad"
	chmod 644 "$USERNS_DIR/bad"
	run -1 as_user tenant-ns sh -c '"$NS_TENANT" --subuid "$1" --subgid "$1" idmap show' sh "$USERNS_DIR/bad"
	assert_contains "$output" "has no usable subordinate UIDs in $USERNS_DIR/bad: 1 line of the user is malformed"
	assert_contains "$output" "hint: 'tenant subid lint' says what is wrong with it"
}

@test "idmap show --fallback single keeps the user's ID where the explicit map put it" {
	run -0 as_user tenant-ns env PATH=/nonexistent "$USERNS_DIR/tenant" idmap show --fallback single \
		--uidmap "1000:$NS_UID:1" --uidmap "0:$NS_R1:1000" --gidmap "0:$NS_GID:1" --gidmap "1:$NS_G1:10"
	assert_eq "$(grep "^ " <<<"$output" | head -1)" "$(kmap 1000 "$NS_UID" 1)"
	assert_contains "$output" "warning: newuidmap is not installed"
}
