#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# tenant shift: chown shifting in place, its record, resuming after SIGKILL, rootless, and the
# automatic shift of a recorded rootfs at create.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
	# Shift records live in tenant's store, /var/lib/tenant/shift as root: put it back after.
	store_save
}

teardown_file() {
	store_restore
	userns_teardown
}

# The tree's record in tenant's store, as `tenant shift --show` prints it.
record() {
	"$TENANT" shift --show "$1"
}

setup() {
	require_root
	T=$(mktemp -d /tmp/tenant-shift.XXXXXX)
	chmod 755 "$T"
}

teardown() {
	for id in $("$TENANT" --root "$T/state" list -q 2>/dev/null); do
		"$TENANT" --root "$T/state" delete --force "$id" >/dev/null 2>&1
	done
	# The records of this test's trees, where the store was there before.
	grep -ls "^path $T" /var/lib/tenant/shift/* 2>/dev/null | xargs -r rm -f
	rm -rf "$T"
}

# A tree with what a chown disturbs: setuid and setgid bits, a file capability, ACLs, hard
# links, symlinks, a directory of another owner. make_tree DIR [FILES]
make_tree() {
	local d=$1 n=${2:-0} i
	mkdir -p "$d/bin" "$d/home/u" "$d/many"
	cp /bin/true "$d/bin/suid"
	chmod 4755 "$d/bin/suid"
	cp /bin/true "$d/bin/sgid"
	chown 0:50 "$d/bin/sgid"
	chmod 2755 "$d/bin/sgid"
	cp /bin/true "$d/bin/ping"
	setcap cap_net_raw+ep "$d/bin/ping"
	echo hi >"$d/home/u/file"
	chown -R 1000:1000 "$d/home/u"
	setfacl -m u:1001:rwx,g:1002:r "$d/home/u/file"
	setfacl -d -m u:1003:rx "$d/home/u"
	ln "$d/home/u/file" "$d/bin/hardlink"
	ln -s ../home/u/file "$d/bin/symlink"
	for ((i = 0; i < n; i++)); do : >"$d/many/f$i"; done
}

# Everything a shift must get right, one line per file, comparable between two trees.
describe() {
	(cd "$1" && find . -printf '%p %U %G %m %n %y\n' | sort
		getcap -r . 2>/dev/null | sort
		getfacl -R -n -p . 2>/dev/null | grep -v '^#'
		# Hard links: the names that share an inode, by inode.
		find . -type f -links +1 -printf '%i %p\n' | sort | awk '{ a[$1] = a[$1] " " $2 } END { for (i in a) print a[i] }' | sort)
}

@test "shift: owners, setuid/setgid bits, capabilities, ACLs and hard links move to the map" {
	make_tree "$T/t"
	run -0 "$TENANT" shift --to 0:100000:65536 "$T/t"
	assert_eq "$output" "$T/t: shifted"
	assert_eq "$(stat -c '%u:%g %a' "$T/t/bin/suid")" "100000:100000 4755"
	assert_eq "$(stat -c '%u:%g %a' "$T/t/bin/sgid")" "100000:100050 2755"
	assert_eq "$(stat -c '%u:%g' "$T/t/home/u/file")" "101000:101000"
	assert_contains "$(getcap "$T/t/bin/ping")" "cap_net_raw=ep"
	assert_contains "$(getfacl -n "$T/t/home/u/file" 2>/dev/null)" "user:101001:rwx"
	assert_contains "$(getfacl -n "$T/t/home/u/file" 2>/dev/null)" "group:101002:r--"
	assert_contains "$(getfacl -n "$T/t/home/u" 2>/dev/null)" "default:user:101003:r-x"
	assert_eq "$(stat -c %i "$T/t/bin/hardlink")" "$(stat -c %i "$T/t/home/u/file")"
	# The capability moved like an owner: v3, at the container's root, not valid on the host.
	assert_contains "$(getfattr -n security.capability -e hex "$T/t/bin/ping" 2>/dev/null)" "=0x01000003"
	assert_contains "$(getfattr -n security.capability -e hex "$T/t/bin/ping" 2>/dev/null)" "a0860100"
	# The record: done at the map, in tenant's store, nothing in the tree; the same map again
	# is nothing to do.
	assert_contains "$(record "$T/t")" "tenant-shift 2 done"
	assert_contains "$(record "$T/t")" "to uid 0 100000 65536"
	[ -z "$(getfattr -R -d -m '^user\.' "$T/t" 2>/dev/null)" ]
	run -0 "$TENANT" shift --to 0:100000:65536 "$T/t"
	assert_eq "$output" "$T/t: already shifted to this map"
	# On to another range, from the recorded one.
	run -0 "$TENANT" shift --to 0:300000:65536 "$T/t"
	assert_eq "$(stat -c '%u:%g %a' "$T/t/bin/suid")" "300000:300000 4755"
	assert_contains "$(getfacl -n "$T/t/home/u/file" 2>/dev/null)" "user:301001:rwx"
	# Nothing of a record is left in the tree.
	[ -z "$(getfattr -R -d -m '^user\.' "$T/t" 2>/dev/null)" ]
}

@test "shift: killed with SIGKILL half-way, then resumed, gives the tree of an uninterrupted shift" {
	make_tree "$T/a" 40000
	cp -a "$T/a" "$T/b"
	"$TENANT" shift --to 0:200000:65536 "$T/a" >/dev/null
	"$TENANT" shift --to 0:200000:65536 "$T/b" >/dev/null &
	local pid=$! i
	for i in $(seq 400); do
		record "$T/b" 2>/dev/null | grep -q busy && break
		sleep 0.01
	done
	kill -KILL "$pid"
	wait "$pid" || true
	assert_contains "$(record "$T/b")" "busy"
	run -0 "$TENANT" shift --to 0:200000:65536 "$T/b"
	assert_contains "$output" "finished a shift of $T/b that had been interrupted"
	[ "$(describe "$T/a")" = "$(describe "$T/b")" ] || { diff <(describe "$T/a") <(describe "$T/b") | head; false; }
	assert_contains "$(record "$T/b")" "done"
}

@test "shift: owners the map cannot hold, overlapping ranges and a damaged record are refused, nothing changed" {
	make_tree "$T/t"
	mkdir "$T/t/big"
	chown 1000320999:12 "$T/t/big"
	run -1 "$TENANT" shift --to 0:100000:65536 "$T/t"
	assert_contains "$output" "has owners the target map cannot hold: UID 1000320999 (1 file, e.g. /big)"
	assert_contains "$output" "hint:"
	assert_eq "$(stat -c %u "$T/t/bin/suid")" 0
	assert_eq "$(record "$T/t")" "$T/t: no shift record (never shifted by tenant)"
	rm -rf "$T/t/big"
	"$TENANT" shift --to 0:100000:65536 "$T/t" >/dev/null
	run -1 "$TENANT" shift --to 0:100100:65536 "$T/t"
	assert_contains "$output" "overlap"
	assert_eq "$(stat -c %u "$T/t/bin/suid")" 100000
	local file
	file=$(record "$T/t" | sed -n '1s/^# //p')
	echo garbage >"$file"
	run -1 "$TENANT" shift --to 0:300000:65536 "$T/t"
	assert_contains "$output" "the shift record $file is damaged"
	assert_contains "$output" "rm '$file'"
	rm -f "$file"
}

@test "shift, rootless: within the user's own ranges, in a user namespace of them" {
	require_userns_user
	local d=$USERNS_DIR/rl-tree
	rm -rf "$d"
	make_tree "$d"
	rm -f "$d/bin/ping" # a capability needs CAP_SETFCAP over the host to be read back here
	# The tree as the user's default map has it: 0 is the user, 1.. its first range.
	chown -R "$NS_UID:$NS_GID" "$d"
	chown -R "$((NS_R1 + 999)):$((NS_G1 + 999))" "$d/home/u"
	chown "$NS_UID:$((NS_G1 + 49))" "$d/bin/sgid"
	chmod 2755 "$d/bin/sgid"
	chmod 4755 "$d/bin/suid" # chown -R cleared it
	chmod 755 "$d"
	run -0 as_user tenant-ns "$USERNS_DIR/tenant" shift --from "0:$NS_UID:1,1:$NS_R1:65536" --from-gid "0:$NS_GID:1,1:$NS_G1:65536" --to "0:$((NS_R1 + 65536)):6000" "$d"
	assert_eq "$(stat -c '%u %a' "$d/bin/suid")" "$((NS_R1 + 65536)) 4755"
	assert_eq "$(stat -c %u "$d/home/u/file")" "$((NS_R1 + 65536 + 1000))"
	assert_eq "$(stat -c '%g %a' "$d/bin/sgid")" "$((NS_R1 + 65536 + 50)) 2755"
	# Outside the user's ranges: newuidmap refuses, nothing changes.
	run -1 as_user tenant-ns "$USERNS_DIR/tenant" shift --to 0:5000000:65536 "$d"
	assert_eq "$(stat -c %u "$d/bin/suid")" "$((NS_R1 + 65536))"
	rm -rf "$d"
}

# A bundle whose container maps 0:400000:65536, with owners 0 and 1000 in its rootfs (which the
# tests then shift, recorded, to 0:100000:65536).
recorded_bundle() {
	make_bundle "$1"
	config "$1" '.root.readonly = false | .annotations["run.tenant.rootfs-idmap"] = "off" | .linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}]'
	mkdir -p "$1/rootfs/home/u"
	chown 1000:1000 "$1/rootfs/home/u"
}

@test "shift at create: a recorded rootfs follows its container's maps, once per range" {
	recorded_bundle "$T/b"
	"$TENANT" shift --to 0:100000:65536 "$T/b/rootfs" >/dev/null
	args "$T/b" stat /init ";" stat /home/u
	run -0 "$TENANT" --root "$T/state" run --bundle "$T/b" c1
	assert_eq "$output" "0 0 755"$'\n'"1000 1000 755"
	assert_eq "$(stat -c %u "$T/b/rootfs/init")" 400000
	assert_contains "$(record "$T/b/rootfs")" "to uid 0 400000 65536"
}

@test "shift at create: a create that fails after shifting the rootfs puts it back (create is a transaction)" {
	recorded_bundle "$T/b"
	chmod 4755 "$T/b/rootfs/init"
	"$TENANT" shift --to 0:100000:65536 "$T/b/rootfs" >/dev/null
	local before
	before=$(cd "$T/b/rootfs" && find . -printf '%p %U %G %m\n' | sort)
	# The shift to 400000 happens, then create fails at a later step: the tree goes back.
	run -1 env TENANT_FAULT=create:state-dir "$TENANT" --root "$T/state" run --bundle "$T/b" c1
	assert_contains "$output" "failed at step 'state-dir'"
	assert_eq "$(cd "$T/b/rootfs" && find . -printf '%p %U %G %m\n' | sort)" "$before"
	assert_contains "$(record "$T/b/rootfs")" "to uid 0 100000 65536"
	# And without the fault it follows the container.
	run -0 "$TENANT" --root "$T/state" run --bundle "$T/b" c1
	assert_eq "$(stat -c %u "$T/b/rootfs/init")" 400000
}

@test "shift: on a terminal, a long shift shows how far it is on stderr" {
	make_tree "$T/t" 25000
	run -0 script -qec "'$TENANT' shift --to 0:500000:65536 '$T/t'" /dev/null
	assert_contains "$output" "tenant: shifted 20000 files"
	local total
	total=$(find "$T/t" | wc -l)
	assert_contains "$output" "tenant: shifted $total files"
	# Not on a terminal: no progress, only the result.
	run -0 "$TENANT" shift --to 0:600000:65536 "$T/t"
	assert_eq "$output" "$T/t: shifted"
}
