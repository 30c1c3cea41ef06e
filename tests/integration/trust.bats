#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Trust boundaries: nothing that a less privileged party wrote (a tree's owner, a container, another
# local user) may steer what tenant does. Each test plays the attacker for real, as a throwaway
# user, and shows that the attack fails with a clear error and changes nothing.
#
# Users: tenant-ns (with subordinate ranges: the victim of the state-root attacks, the owner of the
# trees root shifts) and tenant-ns-none (the other local user, the attacker of the state roots).

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
	[ -n "${USERNS_DIR:-}" ] || return 0
	store_save
	VICTIM_ROOT=/tmp/tenant-$NS_UID
	VICTIM_VARTMP=/var/tmp/tenant-$NS_UID
	export VICTIM_ROOT VICTIM_VARTMP
	[ ! -e "$VICTIM_ROOT" ] || skip "$VICTIM_ROOT exists already"
}

teardown_file() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	rm -rf "$VICTIM_ROOT" "$VICTIM_VARTMP"
	store_restore
	userns_teardown
}

setup() {
	require_userns_user
	T=$(mktemp -d /tmp/tenant-trust.XXXXXX)
	chmod 755 "$T"
	STATE=$T/state
	MOUNTS_BEFORE=$(host_mounts)
}

teardown() {
	[ -n "${T:-}" ] || return 0
	pkill -KILL -u tenant-ns-none 2>/dev/null || true
	pkill -KILL -u tenant-ns -x linkrace 2>/dev/null || true
	for id in $("$TENANT" --root "$STATE" list -q 2>/dev/null); do
		"$TENANT" --root "$STATE" delete --force "$id" >/dev/null 2>&1
	done
	# The records of this test's trees, where the store was there before.
	grep -ls "^path $T" /var/lib/tenant/shift/* 2>/dev/null | xargs -r rm -f
	[ -z "${LOOP_MNT:-}" ] || umount "$LOOP_MNT"
	rm -rf "$T" "$VICTIM_ROOT" "$VICTIM_VARTMP"
}

tnr() {
	"$TENANT" --root "$STATE" "$@"
}

# The victim, without XDG_RUNTIME_DIR (su, cron, ssh without a session): its state root is
# /tmp/tenant-UID.
victim() {
	as_user tenant-ns env -u XDG_RUNTIME_DIR -u XDG_DATA_HOME "$USERNS_DIR/tenant" "$@"
}

attacker() {
	as_user tenant-ns-none "$@"
}

# Every setuid/setgid file and every file capability of a tree, by path (owners left out).
privileges() {
	(cd "$1" && find . -perm /6000 -printf '%p %m\n' | sort
		getcap -r . 2>/dev/null | sed 's/ *\[rootid=[0-9]*\]//' | sort)
}

# ---- state roots ----

# The attacker's plant: a container whose state names a PID to signal and whose config has a
# poststop hook that would run as the victim.
plant_container() {
	local dir=$1
	attacker mkdir -p "$dir/c1"
	attacker sh -c "printf '%s' '{\"id\":\"c1\",\"pid\":$2,\"pidStartTime\":$(awk '{ print $22 }' "/proc/$2/stat"),\"bundle\":\"/\",\"created\":\"2026-01-01T00:00:00Z\",\"owner\":$NS_UID,\"cgroupPath\":\"\"}' >'$dir/c1/state.json'"
	attacker sh -c "printf '%s' '{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"/\"},\"process\":{\"args\":[\"true\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}},\"hooks\":{\"poststop\":[{\"path\":\"/usr/bin/touch\",\"args\":[\"touch\",\"$T/pwned\"]}]}}' >'$dir/c1/config.json'"
}

@test "trust: a state root another user made first is refused by every verb, nothing is run or signalled" {
	attacker sleep 300 &
	local bait=$!
	sleep 0.2
	local pid
	pid=$(pgrep -u tenant-ns-none -x sleep | head -1)
	attacker mkdir -m 755 "$VICTIM_ROOT"
	plant_container "$VICTIM_ROOT" "$pid"
	local verb
	for verb in "list" "state c1" "start c1" "kill c1 KILL" "delete c1" "delete --force c1" \
		"exec c1 true" "ps c1" "pause c1" "resume c1" "update --pids-limit 10 c1"; do
		# shellcheck disable=SC2086
		run victim $verb
		[ "$status" -ne 0 ] || { echo "'$verb' succeeded: $output"; false; }
		assert_contains "$output" "refusing the state directory $VICTIM_ROOT: it belongs to uid $(id -u tenant-ns-none) (tenant-ns-none), not to you (uid $NS_UID)"
		assert_contains "$output" "hint: "
	done
	# The planted process still runs, the hook never ran.
	kill -0 "$pid"
	[ ! -e "$T/pwned" ]
	# create refuses it too, and adds nothing to it.
	local b=$USERNS_DIR/state-bundle
	rm -rf "$b"
	make_bundle "$b"
	chown -R tenant-ns: "$b"
	run victim create --bundle "$b" c2
	assert_contains "$output" "refusing the state directory $VICTIM_ROOT"
	[ ! -e "$VICTIM_ROOT/c2" ]
	kill "$bait" 2>/dev/null || true
	rm -rf "$b"
}

@test "trust: a state root that is a symlink, or writable by others, is refused" {
	install -d -o tenant-ns-none -m 755 "$T/att"
	attacker mkdir -m 755 "$T/att/elsewhere"
	plant_container "$T/att/elsewhere" 1
	attacker ln -s "$T/att/elsewhere" "$VICTIM_ROOT"
	local verb
	for verb in "list" "state c1" "delete --force c1" "kill c1 KILL"; do
		# shellcheck disable=SC2086
		run -1 victim $verb
		assert_contains "$output" "refusing the state directory $VICTIM_ROOT: it is a symbolic link"
	done
	[ ! -e "$T/pwned" ]
	rm -f "$VICTIM_ROOT"
	# The victim's own root, made group- and world-writable: refused until it is fixed.
	as_user tenant-ns mkdir -m 700 "$VICTIM_ROOT"
	run -0 victim list
	chmod 777 "$VICTIM_ROOT"
	run -1 victim list
	assert_contains "$output" "it is writable by others (mode 0777)"
	assert_contains "$output" "chmod go-w"
	chmod 700 "$VICTIM_ROOT"
	run -0 victim list
	# A container directory inside a good root that is a symlink: refused by name.
	attacker mkdir -m 755 "$T/att/c3"
	as_user tenant-ns ln -s "$T/att/c3" "$VICTIM_ROOT/c3"
	run -1 victim delete --force c3
	assert_contains "$output" "refusing the container directory $VICTIM_ROOT/c3: it is a symbolic link"
	[ -d "$T/att/c3" ]
}

@test "trust: a directory of rootfs copies another user made first under /var/tmp is refused" {
	attacker mkdir -m 755 "$VICTIM_VARTMP"
	local b=$USERNS_DIR/copy-bundle
	rm -rf "$b"
	make_bundle "$b"
	config "$b" '.linux.namespaces |= map(select(.type != "user" and .type != "network")) | del(.linux.resources)'
	chown -R tenant-ns: "$b"
	run -1 as_user tenant-ns "$USERNS_DIR/tenant" --root "$USERNS_DIR/work/st" run --userns auto:size=image --bundle "$b" v1
	assert_contains "$output" "refusing the directory of rootfs copies $VICTIM_VARTMP: it belongs to uid $(id -u tenant-ns-none) (tenant-ns-none)"
	assert_eq "$(ls -A "$VICTIM_VARTMP")" ""
	assert_eq "$(state_root_left "$USERNS_DIR/work/st")" ""
	rm -rf "$b"
}

@test "trust: tenant.conf and /etc/subuid that root does not own, or others may write, are refused" {
	[ ! -e /etc/tenant ] || skip "/etc/tenant exists on this machine"
	mkdir -p /etc/tenant
	printf 'remap-user = tenant-ns-none\n' >/etc/tenant/tenant.conf
	chown tenant-ns-none /etc/tenant/tenant.conf
	local b=$T/remap-bundle
	make_bundle "$b"
	run -1 tnr run --userns remap --bundle "$b" r1
	assert_contains "$output" "refusing /etc/tenant/tenant.conf: it belongs to uid $(id -u tenant-ns-none) (tenant-ns-none), not to you or root"
	chown root /etc/tenant/tenant.conf
	chmod 666 /etc/tenant/tenant.conf
	run -1 tnr run --userns remap --bundle "$b" r1
	assert_contains "$output" "refusing /etc/tenant/tenant.conf: it is writable by group or others (mode 0666)"
	rm -rf /etc/tenant
	# /etc/subuid says whose IDs the pool and the remap user are: the same rule.
	local mode
	mode=$(stat -c %a /etc/subuid)
	chmod 666 /etc/subuid
	run -1 tnr run --userns auto --bundle "$b" r2
	chmod "$mode" /etc/subuid
	assert_contains "$output" "refusing /etc/subuid: it is writable by group or others (mode 0666)"
	assert_eq "$(tnr list -q)" ""
}

# ---- the process's user ----

@test "trust: uid or gid 4294967295 is refused where it is read, in create and in exec" {
	local b=$T/b
	make_bundle "$b"
	config "$b" '.process.user.uid = 4294967295'
	run -1 tnr run --bundle "$b" u1
	assert_contains "$output" "process.user.uid: 4294967295 is not a user or group ID"
	config "$b" '.process.user.uid = 0 | .process.user.gid = 4294967295'
	run -1 tnr run --bundle "$b" u1
	assert_contains "$output" "process.user.gid: 4294967295 is not a user or group ID"
	config "$b" '.process.user.gid = 0 | .process.user.additionalGids = [4294967295]'
	run -1 tnr run --bundle "$b" u1
	assert_contains "$output" "process.user.additionalGids[0]: 4294967295"
	# exec, with --process and with --user, into a container without a user namespace.
	config "$b" '.process.user.additionalGids = [] | .process.args = ["/init", "sleep", "30"]'
	tnr run -d --bundle "$b" u2 >/dev/null 2>&1 3>&-
	jq '.process | .args = ["/init", "id"] | .user.uid = 4294967295' "$b/config.json" >"$T/process.json"
	run -255 tnr exec --process "$T/process.json" u2
	assert_contains "$output" "process.user.uid: 4294967295 is not a user or group ID"
	run -255 tnr exec --user 4294967295 u2 /init id
	assert_contains "$output" "4294967295 is not a user or group ID"
	run -255 tnr exec --user 0:4294967295 u2 /init id
	assert_contains "$output" "4294967295 is not a user or group ID"
	run -0 tnr exec --user 1000:1000 u2 /init id
	assert_eq "$output" "uid=1000 gid=1000 groups="
	tnr delete --force u2
	assert_eq "$(state_root_left "$STATE")" ""
}

# ---- tenant shift ----

# A tree as its owner (tenant-ns) has it: its files, a setuid file of its own, a file capability
# root gave an image file, plain files. make_owned_tree DIR
make_owned_tree() {
	local d=$1
	mkdir -p "$d/bin" "$d/etc"
	cp /bin/true "$d/bin/suid"
	cp /bin/true "$d/bin/ping"
	cp /bin/true "$d/bin/plain"
	cp /bin/true "$d/bin/other"
	echo x >"$d/etc/file"
	chown -R tenant-ns:tenant-ns "$d"
	chmod 4755 "$d/bin/suid"
	setcap cap_net_raw+ep "$d/bin/ping"
}

# What the old record format said, planted by the tree's owner as itself: a shift from its own
# IDs to host root (busy, or done), and keep markers that would make files setuid root or give
# them capabilities.
plant_records() {
	local d=$1 state=$2
	as_user tenant-ns setfattr -n user.tenant.idmap -v "$(printf 'tenant-shift 1 %s\nfrom uid 0 %s 1\nfrom gid 0 %s 1\nto uid 0 0 1\nto gid 0 0 1\n' "$state" "$NS_UID" "$NS_GID")" "$d"
	as_user tenant-ns setfattr -n user.tenant.keep -v "$(printf '3565\n')" "$d/bin/plain"
	# 0555, then a v2 cap_net_raw=ep
	as_user tenant-ns setfattr -n user.tenant.keep -v 0sMzY1CgAAAAIAIAAAAAAAAAAAAAAAAAA= "$d/bin/other"
	run as_user tenant-ns setfattr -n trusted.tenant.idmap -v x "$d"
	[ "$status" -ne 0 ] # not the owner's to write
}

@test "trust: shift records and keep markers planted in a tree steer nothing (busy and done, failing and succeeding shifts)" {
	local state
	for state in busy done; do
		local d=$T/tree-$state ref=$T/ref-$state before
		make_owned_tree "$d"
		cp -a "$d" "$ref"
		before=$(privileges "$d")
		plant_records "$d" "$state"
		# A shift that fails (an owner the map cannot hold), then one that succeeds, as root.
		chown 1000320999 "$d/etc/file"
		run -1 "$TENANT" shift --from "0:$NS_UID:1" --from-gid "0:$NS_GID:1" --to 0:100000:65536 "$d"
		assert_contains "$output" "UID 1000320999"
		assert_eq "$(privileges "$d")" "$before"
		chown tenant-ns "$d/etc/file"
		run -0 "$TENANT" shift --from "0:$NS_UID:1" --from-gid "0:$NS_GID:1" --to 0:100000:65536 "$d"
		assert_eq "$output" "$d: shifted"
		run -0 "$TENANT" shift --from "0:$NS_UID:1" --from-gid "0:$NS_GID:1" --to 0:100000:65536 "$ref"
		# Exactly the privileges of before, moved with the owners, as the same tree shifted
		# without the plants; nothing owned by host root.
		assert_eq "$(privileges "$d")" "$before"
		assert_eq "$(privileges "$d")" "$(privileges "$ref")"
		assert_eq "$(find "$d" -uid 0 -o -gid 0 | wc -l)" 0
		assert_eq "$(stat -c '%u %a' "$d/bin/plain" "$d/bin/other")" "100000 755"$'\n'"100000 755"
		[ -z "$(getcap "$d/bin/other")" ]
	done
}

@test "trust: records a container plants in its own rootfs steer nothing when create shifts it again" {
	local b=$T/cb
	make_bundle "$b"
	config "$b" '.root.readonly = false | .annotations["run.tenant.rootfs-idmap"] = "off" | .linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}]'
	cp /bin/true "$b/rootfs/plain"
	"$TENANT" shift --to 0:100000:65536 "$b/rootfs" >/dev/null
	local before
	before=$(privileges "$b/rootfs")
	# Root of the container (host 400000 once create shifted it) plants what the old format read.
	args "$b" setxattr / user.tenant.idmap "$(printf 'tenant-shift 1 busy\nfrom uid 0 400000 65536\nfrom gid 0 400000 65536\nto uid 0 0 65536\nto gid 0 0 65536\n')" ";" \
		setxattr /plain user.tenant.keep "$(printf '3565\n')"
	run -0 tnr run --bundle "$b" c1
	assert_eq "$(stat -c %u "$b/rootfs/plain")" 400000
	# The next container, on another range: the tree follows it from tenant's record.
	config "$b" '.linux.uidMappings[0].hostID = 500000 | .linux.gidMappings[0].hostID = 500000'
	args "$b" id
	run -0 tnr run --bundle "$b" c2
	assert_eq "$output" "uid=0 gid=0 groups="
	assert_eq "$(stat -c '%u %a' "$b/rootfs/plain")" "500000 755"
	assert_eq "$(privileges "$b/rootfs")" "$before"
	assert_eq "$(find "$b/rootfs" -uid 0 -o -gid 0 | wc -l)" 0
	assert_eq "$(tnr list -q)" ""
}

@test "trust: a directory swapped for a symlink during pass 2 of a 200,000-file tree: the shift stops, the decoy is untouched" {
	local d=$T/swap-tree decoy=$T/decoy i
	mkdir -p "$decoy"
	# The decoy: a root file outside the tree, 0640, and a root program, behind a root directory.
	echo secret >"$decoy/secret"
	chmod 640 "$decoy/secret"
	cp /bin/true "$decoy/tool"
	for i in $(seq 50); do
		mkdir -p "$d/x$i/sub"
		(cd "$d/x$i" && seq 4000 | xargs touch)
		echo x >"$d/x$i/sub/secret"
		cp /bin/true "$d/x$i/sub/tool"
	done
	# The tree is its owner's (an image tenant-ns unpacked as itself); root shifts it.
	chown -R tenant-ns:tenant-ns "$d"
	chmod 4755 "$d"/x*/sub/tool
	chmod 755 "$d"
	local decoy_before
	decoy_before=$(stat -c '%u %g %a' "$decoy/secret" "$decoy/tool")
	# The owner watches for pass 2 (the top changes owner first), then swaps every x*/sub it
	# still owns for a symlink to the decoy.
	as_user tenant-ns sh -c '
		d=$1 me=$2 decoy=$3 n=0
		while [ "$(stat -c %u "$d")" = "$me" ]; do :; done
		for i in $(seq 50); do
			mv "$d/x$i/sub" "$d/x$i/old" 2>/dev/null && ln -s "$decoy" "$d/x$i/sub" && n=$((n + 1))
		done
		echo "$n" >"$4"
	' sh "$d" "$NS_UID" "$decoy" "$USERNS_DIR/work/swapped" &
	local watcher=$!
	run "$TENANT" shift --from "0:$NS_UID:1" --from-gid "0:$NS_GID:1" --to 0:3000000:65536 "$d"
	wait "$watcher" || true
	# The attack was real: directories were swapped while the shift ran.
	[ "$(cat "$USERNS_DIR/work/swapped")" -gt 0 ]
	[ "$status" -eq 1 ]
	assert_contains "$output" "changed while it was shifted"
	assert_contains "$(record "$d")" "busy"
	assert_eq "$(stat -c '%u %g %a' "$decoy/secret" "$decoy/tool")" "$decoy_before"
	assert_eq "$(find "$decoy" ! -uid 0 | wc -l)" 0
}

record() {
	"$TENANT" shift --show "$1"
}

# ---- a killed create ----

@test "trust: a rootless create --userns auto:size=image killed while it copies leaves nothing delete -f cannot remove" {
	local b=$USERNS_DIR/kill-bundle st=$USERNS_DIR/work/st
	rm -rf "$b"
	make_bundle "$b"
	config "$b" '.linux.namespaces |= map(select(.type != "user" and .type != "network")) | del(.linux.resources)'
	mkdir -p "$b/rootfs/many"
	(cd "$b/rootfs/many" && seq 30000 | xargs touch)
	chown -R tenant-ns: "$b"
	as_user tenant-ns env -u XDG_RUNTIME_DIR "$USERNS_DIR/tenant" --root "$st" create --userns auto:size=image --bundle "$b" k1 >/dev/null 2>&1 3>&- &
	local pid=$! copy=""
	for _ in $(seq 400); do
		copy=$(ls -d "$VICTIM_VARTMP"/rootfs/k1-* 2>/dev/null | head -1)
		[ -n "$copy" ] && [ -d "$copy/many" ] && break
		sleep 0.01
	done
	[ -n "$copy" ]
	# SIGKILL tenant itself (the oldest process of that command line; its copying child is
	# younger, and dies with it).
	local tenant
	tenant=$(pgrep -o -u tenant-ns -f "create --userns auto:size=image --bundle $b k1")
	kill -KILL "$tenant"
	wait "$pid" || true
	for _ in $(seq 100); do pgrep -u tenant-ns -f "create --userns auto:size=image" >/dev/null || break; sleep 0.02; done
	run -1 pgrep -u tenant-ns -f "create --userns auto:size=image"
	# What is left: the state directory, a partial copy of sub-IDs' files, maybe a registry entry.
	run -0 victim --root "$st" delete --force k1
	[ ! -e "$copy" ]
	[ ! -e "$st/k1" ]
	assert_eq "$(jq '.allocations | length' "$USERNS_DIR/work/.local/share/tenant/userns.json")" 0
	run -1 running_as "$NS_R1"
	rm -rf "$b"
}

# ---- what a stopped container leaves ----

@test "trust: delete of a stopped container kills what it left in its cgroup, as runc does" {
	local b=$T/lb rt n=100 secs
	make_bundle "$b"
	# No PID namespace: init's background child outlives it.
	config "$b" '.linux.namespaces |= map(select(.type != "pid"))'
	for rt in runc "$TENANT"; do
		n=$((n + 1))
		secs=$((3000 + n))
		config "$b" --arg s "$secs" '.process.args = ["/init", "spawn", "/init", "sleep", $s]'
		"$rt" --root "$T/rt-$n" run -d --bundle "$b" l$n >/dev/null 2>&1 3>&- </dev/zero
		wait_status stopped l$n "$rt" --root "$T/rt-$n"
		running_cmd "sleep $secs" >/dev/null
		run -0 "$rt" --root "$T/rt-$n" delete l$n
		for _ in $(seq 100); do running_cmd "sleep $secs" >/dev/null || break; sleep 0.02; done
		run -1 running_cmd "sleep $secs"
		assert_eq "$(state_root_left "$T/rt-$n")" ""
	done
}

# ---- found by a red team, kept as tests ----

@test "trust: a symlink another user owns on the path of --root is refused, nothing goes through it" {
	install -d -o tenant-ns-none -m 755 "$T/att"
	attacker mkdir -m 755 "$T/att/evil"
	mkdir -m 755 "$T/good"
	local link=/tmp/tenant-trust-link.$$
	attacker ln -s "$T/good" "$link"
	local b=$T/lb
	make_bundle "$b"
	run -1 "$TENANT" --root "$link/state" create --bundle "$b" s1
	assert_contains "$output" "refusing the state directory $link/state: the symbolic link 'tenant-trust-link.$$' on its path belongs to uid $(id -u tenant-ns-none) (tenant-ns-none)"
	run -1 "$TENANT" --root "$link/state" list
	assert_contains "$output" "the symbolic link"
	[ ! -e "$T/good/state" ] && [ ! -e "$T/att/evil/state" ]
	rm -f "$link"
	# root's own symlink is fine (as /var/run -> /run).
	ln -s "$T/good" "$link"
	run -0 "$TENANT" --root "$link/state" list
	rm -f "$link"
}

@test "trust: a hard link counted twice by racing pass 1 of a shift cannot take the shift outside the tree" {
	local d=$T/hl-tree victim=$T/victim i raced=0 place
	# The victim: root's file outside the tree that anyone may read and write, so that
	# protected_hardlinks lets the tree's owner link it.
	echo victim >"$victim"
	chmod 666 "$victim"
	for place in 1 2; do
		rm -rf "$d"
		mkdir -p "$d/d1" "$d/d2"
		for i in $(seq 20); do mkdir "$d/pad$i" && (cd "$d/pad$i" && seq 500 | xargs touch); done
		chown -R tenant-ns:tenant-ns "$d"
		as_user tenant-ns ln "$victim" "$d/d$place/A"
		as_user tenant-ns "$(user_copy "$TENANT_BUILD/tests/probe/linkrace")" "$d/d1" "$d/d2" A >"$USERNS_DIR/work/raced" 3>&- &
		local racer=$!
		sleep 0.2
		# The tree as unshifted: its owner's files are container ID NS_UID; host root's
		# victim would be container root, host 3000000.
		run -1 "$TENANT" shift --to 0:3000000:65536 "$d"
		assert_contains "$output" "hard link"
		# The racer runs under as_user's subshell: stop the probe itself, by name and user.
		pkill -u tenant-ns -x linkrace 2>/dev/null || true
		kill "$racer" 2>/dev/null || true
		wait "$racer" || true
		grep -q raced "$USERNS_DIR/work/raced" && raced=$((raced + 1))
		assert_eq "$(stat -c '%u %g %a' "$victim")" "0 0 666"
	done
	# The race was won at least once: pass 1 saw the name twice, pass 2 refused.
	[ "$raced" -ge 1 ]
}

@test "trust: a new tree made at the inode of a shifted one does not inherit its record, whatever generation its owner sets" {
	local d=$T/parent/tree gen ino i
	# A journalled ext4 of its own: one without a journal (this machine's /) gives a freed inode
	# back only minutes later (ext4's recently_deleted), so the owner could not get it again.
	truncate -s 32M "$T/ext4.img"
	mkfs.ext4 -q -F "$T/ext4.img"
	mkdir -p "$T/parent"
	mount -o loop "$T/ext4.img" "$T/parent"
	LOOP_MNT=$T/parent
	mkdir -p "$d/bin"
	cp /bin/true "$d/bin/x"
	chown -R tenant-ns:tenant-ns "$T/parent"
	run -0 "$TENANT" shift --from "0:$NS_UID:1" --from-gid "0:$NS_GID:1" --to 0:3000000:65536 "$d"
	gen=$(lsattr -vd "$d" | awk '{ print $1 }')
	ino=$(stat -c %i "$d")
	rm -rf "$d"
	# The tree's owner makes a directory at the same inode, with the same generation.
	for i in $(seq 200); do
		as_user tenant-ns mkdir "$d"
		[ "$(stat -c %i "$d")" = "$ino" ] && break
		as_user tenant-ns mv "$d" "$T/parent/other$i"
	done
	assert_eq "$(stat -c %i "$d")" "$ino" # a journalled ext4 gives it back at once
	as_user tenant-ns chattr -v "$gen" "$d" 2>/dev/null || true
	assert_eq "$(record "$d")" "$d: no shift record (never shifted by tenant)"
	run -0 "$TENANT" shift --from "0:$NS_UID:1" --from-gid "0:$NS_GID:1" --to 0:3000000:65536 "$d"
	assert_eq "$output" "$d: shifted"
	assert_eq "$(stat -c %u "$d")" 3000000
}

@test "trust: tenant in a user namespace of its own (unshare -r) refuses another user's symlink on its path too" {
	install -d -o tenant-ns-none -m 755 "$T/att"
	install -d -o tenant-ns -m 700 "$USERNS_DIR/work/good"
	local link=$T/att/link
	attacker ln -s "$USERNS_DIR/work/good" "$link"
	run -1 as_user tenant-ns unshare -U -r "$USERNS_DIR/tenant" --root "$link/state" list
	assert_contains "$output" "the symbolic link 'link' on its path belongs to"
	[ ! -e "$USERNS_DIR/work/good/state" ]
	# Its default root is the host UID's, not /tmp/tenant-0 for every user's `unshare -r`.
	run -0 as_user tenant-ns env -u XDG_RUNTIME_DIR unshare -U -r "$USERNS_DIR/tenant" state nosuch 2>&1 || true
	assert_contains "$output" "(in /tmp/tenant-$NS_UID)"
}

@test "trust: a created rootless container without a PID namespace can be killed and deleted" {
	local b=$USERNS_DIR/created-bundle st=$USERNS_DIR/work/st-created
	rm -rf "$b"
	make_bundle "$b"
	config "$b" '.linux.namespaces |= map(select(.type != "user" and .type != "network" and .type != "pid")) | del(.linux.resources)'
	args "$b" sleep 30
	chown -R tenant-ns: "$b"
	as_user tenant-ns "$USERNS_DIR/tenant" --root "$st" create --bundle "$b" cr1 >/dev/null 2>&1 3>&-
	as_user tenant-ns "$USERNS_DIR/tenant" --root "$st" create --bundle "$b" cr2 >/dev/null 2>&1 3>&-
	run -0 as_user tenant-ns "$USERNS_DIR/tenant" --root "$st" kill --all cr1 KILL
	wait_status stopped cr1 as_user tenant-ns "$USERNS_DIR/tenant" --root "$st"
	run -0 as_user tenant-ns "$USERNS_DIR/tenant" --root "$st" delete cr1
	run -0 as_user tenant-ns "$USERNS_DIR/tenant" --root "$st" delete --force cr2
	assert_eq "$(state_root_left "$st")" ""
	rm -rf "$b"
}
