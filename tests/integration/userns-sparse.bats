#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# --userns auto:size=image: sparse maps of exactly the IDs a rootfs uses (seed 003: an image
# with UID 1000320999 and a user with a plain bob:100000:65536), the idmapped rootfs as root,
# the shifted copy rootless, and the pre-flight report of owners beyond a container's range.
# /etc/subuid, /etc/subgid, /var/lib/tenant and /var/tmp/tenant-UID are put back as they were.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
	[ -n "${USERNS_DIR:-}" ] || return 0
	store_save
	# Seed 003's bob: one plain range at 100000, and nothing else in the files around it.
	"$TENANT" subid remove tenant-ns >/dev/null
	ensure_users tenant-bob
	"$TENANT" subid add tenant-bob --start 100000 --count 65536 >/dev/null
	BOB_UID=$(id -u tenant-bob)
	mkdir -m 700 "$USERNS_DIR/bob"
	chown tenant-bob: "$USERNS_DIR/bob"
	[ -e "/var/tmp/tenant-$BOB_UID" ] || touch "$USERNS_DIR/made-var-tmp"
	export BOB_UID
}

teardown_file() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	store_restore
	[ -e "$USERNS_DIR/made-var-tmp" ] && rm -rf "/var/tmp/tenant-$BOB_UID"
	"$TENANT" subid remove tenant-bob >/dev/null 2>&1 || true
	userns_teardown
}

setup() {
	require_userns_user
	STATE=$BATS_TEST_TMPDIR/state
	# An image as root extracts it: unshifted owners, UID 1000320999 among them (seed 003).
	B=$USERNS_DIR/bundle-$BATS_TEST_NUMBER
	rm -rf "$B"
	make_bundle "$B"
	mkdir -p "$B/rootfs/home/largeuid"
	chown 1000320999:12 "$B/rootfs/home/largeuid"
	chmod 4755 "$B/rootfs/init"
	config "$B" '.root.readonly = false'
	chmod 755 "$B"
}

teardown() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	for id in $(tnr list -q 2>/dev/null); do tnr delete --force "$id" >/dev/null 2>&1; done
	for id in $(bob list -q 2>/dev/null); do bob delete --force "$id" >/dev/null 2>&1; done
}

tnr() {
	"$TENANT" --root "$STATE" "$@"
}

bob() {
	as_user tenant-bob env HOME="$USERNS_DIR/bob" XDG_DATA_HOME="$USERNS_DIR/bob/data" \
		"$USERNS_DIR/tenant" --root "$USERNS_DIR/bob/state" "$@"
}

# The sum of the counts of a map as /proc/PID/uid_map prints it.
map_total() {
	awk '{ n += $3 } END { print n }'
}

@test "auto:size=image, rootless (seed 003): UID 1000320999 shows inside with a plain bob:100000:65536" {
	config "$B" '.linux.namespaces |= map(select(.type != "user" and .type != "network")) | del(.linux.resources)'
	args "$B" stat /home/largeuid ";" stat /init ";" sleep 30
	bob run -d --userns auto:size=image --bundle "$B" s1 >/dev/null 2>"$BATS_TEST_TMPDIR/err" 3>&- || { cat "$BATS_TEST_TMPDIR/err"; false; }
	local pid uidmap
	pid=$(bob state s1 | jq .pid)
	uidmap=$(cat "/proc/$pid/uid_map")
	echo "$uidmap"
	# Exactly the IDs the image uses: 1000320999 is an extent of its own, within bob's range.
	local host
	host=$(bob idmap translate --container s1 1000320999)
	[ "$host" -ge 100000 ] && [ "$host" -lt 165536 ]
	[ "$(map_total <<<"$uidmap")" -lt 2000 ]
	# The registry holds bob's small block, not a billion IDs.
	[ "$(jq '.allocations[0].size' "$USERNS_DIR/bob/data/tenant/userns.json")" -lt 2000 ]
	# Inside: the owners the image means; the setuid bit survived the shift.
	run -0 bob exec s1 /init stat /home/largeuid ";" stat /init
	assert_eq "${lines[0]}" "1000320999 12 755"
	assert_eq "${lines[1]}" "0 0 4755"
	# The bundle itself is untouched; the shifted copy is bob's, under its mapped IDs.
	assert_eq "$(stat -c '%u:%g' "$B/rootfs/home/largeuid")" "1000320999:12"
	local copy
	copy=$(ls -d "/var/tmp/tenant-$BOB_UID"/rootfs/s1-*)
	assert_eq "$(stat -c %u "$copy/home/largeuid")" "$host"
	bob delete --force s1
	# delete removed the copy and gave the block back.
	run -0 ls -A "/var/tmp/tenant-$BOB_UID/rootfs"
	assert_eq "$output" ""
	assert_eq "$(jq '.allocations | length' "$USERNS_DIR/bob/data/tenant/userns.json")" 0
}

@test "auto:size=image, rootless: an unreadable file is named, with the fix, and nothing is left" {
	config "$B" '.linux.namespaces |= map(select(.type != "user" and .type != "network")) | del(.linux.resources)'
	echo secret >"$B/rootfs/etc/shadow"
	chmod 600 "$B/rootfs/etc/shadow"
	run -1 bob run --userns auto:size=image --bundle "$B" s2
	assert_contains "$output" "/etc/shadow"
	assert_contains "$output" "hint:"
	run -0 ls -A "/var/tmp/tenant-$BOB_UID/rootfs"
	assert_eq "$output" ""
	assert_eq "$(jq '.allocations | length' "$USERNS_DIR/bob/data/tenant/userns.json")" 0
}

@test "auto:size=image as root: one unshifted rootfs, idmapped for two containers on different ranges" {
	args "$B" sleep 30
	tnr run -d --userns auto:size=image --bundle "$B" i1 >/dev/null 2>&1 3>&-
	tnr run -d --userns auto:size=image --bundle "$B" i2 >/dev/null 2>&1 3>&-
	local h1 h2
	h1=$(tnr idmap translate --container i1 1000320999)
	h2=$(tnr idmap translate --container i2 1000320999)
	[ "$h1" != "$h2" ]
	run -0 tnr exec i1 /init stat /home/largeuid
	assert_eq "$output" "1000320999 12 755"
	run -0 tnr exec i2 /init stat /home/largeuid
	assert_eq "$output" "1000320999 12 755"
	# A write through the idmapped mount lands with the unshifted owner: root is 0 on disk.
	tnr exec i2 /init write /tmp/from-i2 x
	assert_eq "$(stat -c '%u:%g' "$B/rootfs/tmp/from-i2")" "0:0"
	assert_eq "$(stat -c '%u:%g' "$B/rootfs/home/largeuid")" "1000320999:12"
	# No copy was made.
	[ ! -e /var/lib/tenant/rootfs ] || [ -z "$(ls -A /var/lib/tenant/rootfs)" ]
}

@test "pre-flight: owners beyond the range are reported with paths and the fix, before the process runs" {
	args "$B" stat /home/largeuid
	run -0 --separate-stderr tnr run --userns auto --bundle "$B" w1
	assert_eq "$output" "65534 12 755" # the rootfs is idmapped (run.tenant.rootfs-idmap=auto)
	assert_contains "$stderr" "warning: the root filesystem uses IDs this container does not map: UID 1000320999 (1 file, e.g. /home/largeuid)"
	assert_contains "$stderr" "hint: map exactly the IDs the image uses"
	assert_contains "$stderr" "auto:size=image"
	# A rootfs whose owners all fit says nothing.
	rm -rf "$B/rootfs/home"
	args "$B" id
	run -0 --separate-stderr tnr run --userns auto --bundle "$B" w2
	assert_eq "$stderr" ""
	# An account of the image that the range cannot map is said too, before any file has it.
	printf 'root:x:0:0::/root:/bin/sh\nlargeuid:x:1000320999:12::/home/largeuid:/bin/sh\n' >"$B/rootfs/etc/passwd"
	run -0 --separate-stderr tnr run --userns auto --bundle "$B" w3
	assert_contains "$stderr" "UID 1000320999 (in /etc/passwd)"
	# A bind-mounted source is checked too, and the hint gives the range that would reach it.
	mkdir -p "$USERNS_DIR/vol-big" "$B/rootfs/vol"
	touch "$USERNS_DIR/vol-big/f"
	chown 1000320999:12 "$USERNS_DIR/vol-big/f"
	config "$B" --arg s "$USERNS_DIR/vol-big" '.mounts += [{"destination": "/vol", "type": "bind", "source": $s, "options": ["rbind"]}]'
	run -0 --separate-stderr tnr run --userns auto --bundle "$B" w5
	assert_contains "$stderr" "(/vol) uses IDs this container does not map: "
	assert_contains "$stderr" "UID 1000320999 (1 file, e.g. /f)"
	assert_contains "$stderr" "a subuid line USER:START:COUNT with COUNT above 1000320999"
	# run.tenant.preflight=off skips the check.
	config "$B" '.annotations["run.tenant.preflight"] = "off"'
	run -0 --separate-stderr tnr run --userns auto --bundle "$B" w4
	assert_eq "$stderr" ""
}
