#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The OCI runtime as root: every verb, the namespaces, a read-only root, masked paths,
# capabilities, mounts, and that nothing is left behind. The image is tests/probe (/init).

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	STATE=$BATS_TEST_TMPDIR/state
	# As with runc, a remapped root must be able to reach the bundle: not under bats' 0700 tmp.
	PUBLIC=$(mktemp -d /tmp/tenant-oci.XXXXXX)
	chmod 755 "$PUBLIC"
	B=$PUBLIC/bundle
	make_bundle "$B"
	MOUNTS_BEFORE=$(host_mounts)
}

teardown() {
	[ -n "${STATE:-}" ] || return 0
	rm -rf "${PUBLIC:?}"
	# Whatever a test left running is an error of that test, but must not outlive it.
	for id in $("$TENANT" --root "$STATE" list -q 2>/dev/null); do
		"$TENANT" --root "$STATE" delete --force "$id" >/dev/null 2>&1
	done
}

tnr() {
	"$TENANT" --root "$STATE" "$@"
}

# Nothing of a container may remain: no state entry, no mount.
assert_clean() {
	assert_eq "$(state_root_left "$STATE")" ""
	assert_eq "$(host_mounts)" "$MOUNTS_BEFORE"
}

@test "spec: writes runc's default config.json and never overwrites one" {
	local d=$BATS_TEST_TMPDIR/spec
	mkdir "$d"
	run -0 "$TENANT" spec --bundle "$d"
	assert_eq "$(jq -r '.root.path, .process.args[0], (.linux.namespaces | map(.type) | join(",")), (.linux.maskedPaths | length)' "$d/config.json")" \
		"$(printf 'rootfs\nsh\npid,network,ipc,uts,mount\n10')"
	run -1 "$TENANT" spec --bundle "$d"
	assert_contains "$output" "cannot create $d/config.json: File exists"
	rm "$d/config.json"
	run -0 "$TENANT" spec --rootless --bundle "$d"
	assert_eq "$(jq -c '[.linux.uidMappings, (.linux.namespaces | map(.type)), .mounts[5].source]' "$d/config.json")" \
		'[[{"containerID":0,"hostID":0,"size":1}],["pid","ipc","uts","mount","user"],"/sys"]'
}

@test "the state root keeps one emptied directory as its spare, hidden, never an ID, taken only as new" {
	run -0 tnr run --bundle "$B" c1
	# Not a container: list and state pass it by; no command takes its name as an ID.
	assert_eq "$(ls -A "$STATE")" ".~spare"
	assert_eq "$(stat -c '%a %U' "$STATE/.~spare")" "700 root"
	assert_eq "$(tnr list -q)" ""
	# An ID may begin with a dot, as runc's: listed, where the spare is not.
	tnr create --bundle "$B" .c0 >/dev/null 2>&1 3>&- </dev/null
	assert_eq "$(tnr list -q)" ".c0"
	tnr delete --force .c0
	run -1 tnr state ".~spare"
	assert_contains "$output" "container ID"
	run -1 tnr delete --force ".~spare"
	[ -d "$STATE/.~spare" ]
	# The next create takes it (the same inode), and the next delete gives it back.
	local ino
	ino=$(stat -c %i "$STATE/.~spare")
	args "$B" sleep 9150
	tnr create --bundle "$B" c2 >/dev/null 2>&1 3>&- </dev/null
	assert_eq "$(stat -c %i "$STATE/c2")" "$ino"
	[ ! -e "$STATE/.~spare" ]
	# An ID that is taken fails as before, whether or not a spare waits.
	args "$B" exit 0
	run -0 tnr run --bundle "$B" c3
	[ -d "$STATE/.~spare" ]
	run -1 tnr create --bundle "$B" c2
	assert_contains "$output" "container 'c2' already exists"
	[ -d "$STATE/.~spare" ]
	tnr delete --force c2
	# A spare that is not as a delete leaves one (something in it, another mode) is never
	# handed to a container as it is: a new, empty directory of mode 0700 instead.
	rm -rf "$STATE/.~spare"
	mkdir -m 700 "$STATE/.~spare"
	touch "$STATE/.~spare/planted"
	tnr create --bundle "$B" c4 >/dev/null 2>&1 3>&- </dev/null
	assert_eq "$(ls -A "$STATE/c4" | sort | tr '\n' ' ')" "config.json exec.fifo state.json "
	tnr delete --force c4
	rm -rf "$STATE/.~spare"
	mkdir -m 755 "$STATE/.~spare"
	tnr create --bundle "$B" c5 >/dev/null 2>&1 3>&- </dev/null
	assert_eq "$(stat -c %a "$STATE/c5")" "700"
	tnr delete --force c5
	# A state.json of another ID (a directory a delete gave to the spare while a command held
	# it open, then taken by another create) is never read as this ID's.
	tnr create --bundle "$B" c8 >/dev/null 2>&1 3>&- </dev/null
	cp -a "$STATE/c8" "$STATE/c9"
	run -1 tnr state c9
	assert_contains "$output" "container 'c9' does not exist"
	run -1 tnr kill c9 KILL
	assert_eq "$(tnr state c8 | jq -r .status)" "created"
	run -0 tnr delete --force c9
	tnr delete --force c8
	assert_clean
}

@test "run: the process's output and exit status are tenant's; nothing is left" {
	run -0 tnr run --bundle "$B" c1
	assert_eq "$output" "uid=0 gid=0 groups="
	args "$B" exit 7
	run -7 tnr run --bundle "$B" c1
	assert_clean
}

@test "run: stdin reaches the process, also when mount targets are made in the rootfs" {
	# The rootfs has no /dev/pts, /dev/shm, /dev/mqueue: init makes them. That once closed fd 0.
	args "$B" cat /proc/self/fd/0
	run -0 tnr run --bundle "$B" c0 <<<"from stdin"
	assert_eq "$output" "from stdin"
	assert_clean
}

@test "create, state, start, kill, delete: the lifecycle" {
	args "$B" sleep 30
	tnr create --bundle "$B" --pid-file "$BATS_TEST_TMPDIR/pid" c2 >"$BATS_TEST_TMPDIR/c2.out" 2>&1 3>&-
	run -0 tnr state c2
	assert_eq "$(jq -r '.ociVersion, .id, .status, .bundle, .rootfs, .owner' <<<"$output")" \
		"$(printf '1.2.0\nc2\ncreated\n%s\n%s\nroot' "$B" "$(realpath "$B/rootfs")")"
	pid=$(jq -r .pid <<<"$output")
	assert_eq "$(cat "$BATS_TEST_TMPDIR/pid")" "$pid"
	[ -d "/proc/$pid" ]
	jq -e '.created | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")' <<<"$output"
	run -0 tnr start c2
	assert_eq "$(tnr state c2 | jq -r .status)" running
	run -1 tnr start c2
	assert_contains "$output" "cannot start container 'c2': it is running"
	run -1 tnr delete c2
	assert_contains "$output" "it is running"
	run -0 tnr kill c2 KILL
	wait_status stopped c2 tnr
	assert_eq "$(tnr state c2 | jq -r .pid)" 0
	run -0 tnr delete c2
	run -1 tnr state c2
	assert_contains "$output" "container 'c2' does not exist"
	assert_clean
}

@test "kill: names and numbers reach the process; --all; delete --force" {
	args "$B" trap TERM
	tnr run -d --bundle "$B" c3 >"$BATS_TEST_TMPDIR/out" 2>&1 3>&-
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/out" && break; sleep 0.05; done
	run -0 tnr kill c3 SIGTERM
	wait_status stopped c3 tnr
	assert_eq "$(cat "$BATS_TEST_TMPDIR/out")" "$(printf 'ready\ngot TERM')"
	run -0 tnr delete c3
	args "$B" sleep 30
	tnr run -d --bundle "$B" c4 >/dev/null 2>&1 3>&-
	run -1 tnr kill c4 NOSUCHSIG
	run -0 tnr kill --all c4 9
	wait_status stopped c4 tnr
	tnr delete c4
	tnr run -d --bundle "$B" c5 >/dev/null 2>&1 3>&-
	run -0 tnr delete --force c5
	assert_clean
}

@test "list: table, json and quiet" {
	args "$B" sleep 30
	tnr create --bundle "$B" l1 >/dev/null 2>&1 3>&-
	tnr run -d --bundle "$B" l2 >/dev/null 2>&1 3>&-
	run -0 tnr list -q
	assert_eq "$output" "$(printf 'l1\nl2')"
	run -0 tnr list --format json
	assert_eq "$(jq -r 'map(.id + "=" + .status) | join(" ")' <<<"$output")" "l1=created l2=running"
	run -0 tnr list
	assert_contains "$output" "ID"
	assert_contains "$output" "l2"
	tnr delete --force l1
	tnr delete --force l2
	assert_clean
}

@test "namespaces: uts, ipc, network, pid, mount, cgroup are new; hostname is set" {
	config "$B" '.hostname = "box" | .domainname = "example" | .linux.namespaces += [{"type": "cgroup"}]'
	args "$B" hostname ";" readlink /proc/self/ns/uts ";" readlink /proc/self/ns/ipc ";" \
		readlink /proc/self/ns/net ";" readlink /proc/self/ns/mnt ";" readlink /proc/self/ns/cgroup ";" \
		cat /proc/self/stat
	run -0 tnr run --bundle "$B" n1
	lines_=("${lines[@]}")
	assert_eq "${lines_[0]}" "box example"
	local i=1
	for ns in uts ipc net mnt cgroup; do
		[ "${lines_[$i]}" != "$(readlink /proc/self/ns/$ns)" ] || { echo "$ns is the host's"; return 1; }
		i=$((i + 1))
	done
	assert_eq "$(cut -d' ' -f1 <<<"${lines_[6]}")" 1
}

@test "namespaces: one given by path is joined" {
	unshare --net sleep 30 3>&- &
	local holder=$!
	for _ in $(seq 100); do [ "$(readlink /proc/$holder/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.05; done
	config "$B" --arg p "/proc/$holder/ns/net" '.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	args "$B" readlink /proc/self/ns/net
	run -0 tnr run --bundle "$B" j1
	kill "$holder"
	assert_eq "$output" "$(readlink /proc/$holder/ns/net 2>/dev/null || echo gone)" || assert_contains "$output" "net:["
}

@test "user namespace: root inside is an unprivileged host ID; a read-only root works with it" {
	chown -R 200000:200000 "$B/rootfs" # as a remapping engine prepares the image
	config "$B" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings'
	args "$B" id ";" cat /proc/self/uid_map ";" write /x nope
	run -1 tnr run --bundle "$B" u1
	assert_eq "${lines[0]}" "uid=0 gid=0 groups="
	assert_eq "$(tr -s ' ' <<<"${lines[1]}")" " 0 200000 65536"
	assert_contains "$output" "probe: write: /x: Read-only file system"
}

@test "mounts: a bind mount's files written inside belong to the mapped host IDs" {
	local host=$PUBLIC/vol
	mkdir -m 777 "$host"
	chown -R 300000:300000 "$B/rootfs"
	config "$B" --arg h "$host" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 300000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings | .mounts += [{"destination": "/data", "type": "bind", "source": $h, "options": ["rbind", "rw"]}] | .process.user.uid = 1001 | .process.user.gid = 1001'
	args "$B" write /data/f hello ";" stat /data/f
	run -0 tnr run --bundle "$B" m1
	assert_eq "$output" "1001 1001 644"
	assert_eq "$(stat -c '%u %g' "$host/f")" "301001 301001"
	assert_clean
}

@test "mounts: tmpfs with options, read-only bind, and a relative source" {
	mkdir "$B/relsrc"
	echo content >"$B/relsrc/file"
	config "$B" '.mounts += [{"destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m", "mode=700"]}, {"destination": "/data", "type": "bind", "source": "relsrc", "options": ["bind", "ro"]}]'
	args "$B" stat /mnt ";" cat /data/file ";" write /data/new x
	run -1 tnr run --bundle "$B" m2
	assert_eq "${lines[0]}" "0 0 700"
	assert_eq "${lines[1]}" "content"
	assert_contains "$output" "Read-only file system"
}

@test "masked and read-only paths" {
	# Of runc's masked paths, these exist on every kernel tenant runs on.
	args "$B" cat /proc/keys /proc/timer_list ";" ls /sys/firmware ";" stat /proc/keys ";" \
		write /proc/sys/kernel/hostname x
	run -1 tnr run --bundle "$B" p1
	assert_eq "${lines[0]}" "0 0 666"
	assert_contains "$output" "probe: write: /proc/sys/kernel/hostname: Read-only file system"
	[ -n "$(head -c 100 /proc/timer_list)" ] # not empty outside
}

@test "process: capabilities, rlimits, env, cwd, user, groups, umask, no_new_privs" {
	config "$B" '.process.env = ["A=1", "PATH=/"] | .process.cwd = "/work/dir" | .process.user = {"uid": 1000, "gid": 1000, "additionalGids": [5, 6], "umask": 18}'
	args "$B" id ";" env ";" cwd ";" umask ";" cat /proc/self/status /proc/self/limits
	run -0 tnr run --bundle "$B" p2
	assert_eq "${lines[0]}" "uid=1000 gid=1000 groups=5,6"
	# HOME comes last, as runc adds it: uid 1000 has no /etc/passwd entry here, so /.
	assert_eq "${lines[1]} ${lines[2]} ${lines[3]}" "A=1 PATH=/ HOME=/"
	assert_eq "${lines[4]}" "/work/dir"
	assert_eq "${lines[5]}" "0022"
	# Not root: what exec leaves is the ambient set, and the spec's ambient capabilities are
	# not inheritable (runc's default): none, within the bounding set.
	assert_contains "$output" "CapEff:	0000000000000000"
	assert_contains "$output" "CapBnd:	0000000020000420"
	assert_contains "$output" "NoNewPrivs:	1"
	assert_contains "$(grep 'Max open files' <<<"$output")" "1024                 1024"
}

@test "process: root gets exactly the capabilities of the spec" {
	config "$B" '.process.capabilities.effective += ["CAP_CHOWN"] | .process.capabilities.permitted += ["CAP_CHOWN"] | .process.capabilities.bounding += ["CAP_CHOWN"]'
	args "$B" cat /proc/self/status
	run -0 tnr run --bundle "$B" p3
	assert_contains "$output" "CapEff:	0000000020000421"
	assert_contains "$output" "CapPrm:	0000000020000421"
	assert_contains "$output" "CapBnd:	0000000020000421"
	config "$B" '.process.capabilities.bounding += ["CAP_NOT_A_THING"]'
	run -1 tnr run --bundle "$B" p3
	assert_contains "$output" 'process.capabilities.bounding[4]: unknown capability "CAP_NOT_A_THING"'
}

@test "process: a missing or non-executable program fails create, and nothing is left" {
	args "$B" sleep 1
	config "$B" '.process.args = ["/nope"]'
	run -1 tnr create --bundle "$B" e1
	assert_contains "$output" "process.args[0]: exec '/nope': No such file or directory"
	config "$B" '.process.args = ["nope"] | .process.env = ["PATH=/bin:/"]'
	run -1 tnr create --bundle "$B" e1
	assert_contains "$output" "process.args[0]: exec 'nope': executable file not found in \$PATH (/bin:/) of the container"
	assert_clean
}

@test "bad config: invalid JSON gives file, line and column" {
	printf '{\n  "ociVersion": "1.2.0",\n  "root": {"path": "rootfs",}\n}\n' >"$B/config.json"
	run -1 tnr create --bundle "$B" b1
	assert_contains "$output" "$B/config.json:3:29: invalid JSON: a member name in double quotes expected"
	assert_clean
}

@test "bad config: unknown or duplicate namespace, bad mapping, wrong type, missing rootfs" {
	cp "$B/config.json" "$B/good.json"
	config "$B" '.linux.namespaces += [{"type": "bogus"}]'
	run -1 tnr create --bundle "$B" b2
	assert_contains "$output" 'linux.namespaces[5].type: unknown namespace type "bogus"'
	cp "$B/good.json" "$B/config.json"
	config "$B" '.linux.namespaces += [{"type": "pid"}]'
	run -1 tnr create --bundle "$B" b2
	assert_contains "$output" 'linux.namespaces[5].type: namespace "pid" is listed twice'
	cp "$B/good.json" "$B/config.json"
	config "$B" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 0}] | .linux.gidMappings = .linux.uidMappings'
	run -1 tnr create --bundle "$B" b2
	assert_contains "$output" "linux.uidMappings[0]: size is 0"
	cp "$B/good.json" "$B/config.json"
	config "$B" '.process.user.uid = "root"'
	run -1 tnr create --bundle "$B" b2
	assert_contains "$output" 'process.user.uid: expected an integer from 0 to 4294967294, got a string ("root")'
	cp "$B/good.json" "$B/config.json"
	config "$B" '.root.path = "nothere"'
	run -1 tnr create --bundle "$B" b2
	assert_contains "$output" "root.path: cannot use root filesystem $B/nothere: No such file or directory"
	assert_clean
}

@test "IDs: invalid ones are refused, a used one too" {
	run -1 tnr create --bundle "$B" "bad/id"
	assert_contains "$output" "invalid container ID 'bad/id'"
	args "$B" sleep 30
	tnr create --bundle "$B" dup >/dev/null 2>&1 3>&-
	run -1 tnr create --bundle "$B" dup
	assert_contains "$output" "container 'dup' already exists"
	tnr delete dup
	assert_clean
}

@test "--no-pivot, --preserve-fds and --config" {
	cp "$B/config.json" "$B/other.json"
	config "$B" '.process.args = ["/init", "exit", "9"]'
	args "$B" cat /proc/self/fd/3
	echo "from fd 3" >"$BATS_TEST_TMPDIR/three"
	run -0 tnr run --bundle "$B" --no-pivot --preserve-fds 1 f1 3<"$BATS_TEST_TMPDIR/three"
	assert_eq "$output" "from fd 3"
	run -0 tnr run --bundle "$B" --config "$B/other.json" f2
	assert_eq "$output" "uid=0 gid=0 groups="
	assert_clean
}

@test "sysctl is applied in the container's namespaces" {
	config "$B" '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456"}'
	args "$B" cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax
	run -0 tnr run --bundle "$B" s1
	assert_eq "$output" "$(printf '1\n123456')"
}

@test "terminal: the master goes to --console-socket, the process gets the slave as stdio" {
	local sock=$BATS_TEST_TMPDIR/console.sock out=$BATS_TEST_TMPDIR/tty.out
	config "$B" '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
	args "$B" readlink /proc/self/fd/0 ";" readlink /proc/self/fd/1 ";" cat /proc/self/stat
	"$TENANT_BUILD/tests/probe/recvtty" "$sock" >"$out" 3>&- &
	local recv=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	tnr create --bundle "$B" --console-socket "$sock" t1 >/dev/null 2>&1 3>&-
	tnr start t1
	wait "$recv"
	wait_status stopped t1 tnr
	tnr delete t1
	assert_eq "$(sed -n 1p "$out" | tr -d '\r')" /dev/pts/0
	assert_eq "$(sed -n 2p "$out" | tr -d '\r')" /dev/pts/0
	# The terminal is the controlling one: field 7 of stat (tty_nr) is not 0.
	[ "$(sed -n 3p "$out" | awk '{ print $7 }')" != 0 ]
	run -1 tnr create --bundle "$B" t2
	assert_contains "$output" "process.terminal is true, but there is no --console-socket"
	assert_clean
}

@test "--log: errors are written there, as text or JSON" {
	run -1 "$TENANT" --root "$STATE" --log "$BATS_TEST_TMPDIR/log.json" --log-format json state nothere
	assert_eq "$(jq -r '.level + ": " + .msg' "$BATS_TEST_TMPDIR/log.json")" \
		"error: container 'nothere' does not exist (in $STATE)"
	run -1 "$TENANT" --root "$STATE" --log "$BATS_TEST_TMPDIR/log.txt" state nothere
	assert_contains "$(cat "$BATS_TEST_TMPDIR/log.txt")" "level=error msg=\"container 'nothere' does not exist"
}

@test "run: the process's stdin is tenant's, as runc's (making mount targets never closes it)" {
	# /dev is a tmpfs: /dev/pts, /dev/shm, /dev/mqueue and the cgroup hierarchies are made.
	args "$B" cat /proc/self/fd/0
	run -0 tnr run --bundle "$B" in1 <<<"from stdin"
	assert_eq "$output" "from stdin"
	# And with stdin closed, what init opens first is not closed under it.
	args "$B" id
	run -0 tnr run --bundle "$B" in2 <&-
	assert_eq "$output" "uid=0 gid=0 groups="
	assert_clean
}

@test "run: a process killed by a signal is exit status 128 + the signal, as runc" {
	args "$B" trap TERM
	# Not through tnr: $! must be tenant itself, not a subshell running a function.
	"$TENANT" --root "$STATE" run --bundle "$B" k1 >"$BATS_TEST_TMPDIR/k1.out" 2>&1 3>&- &
	local pid=$!
	for _ in $(seq 100); do grep -q ready "$BATS_TEST_TMPDIR/k1.out" 2>/dev/null && break; sleep 0.05; done
	# A signal sent to tenant reaches the container's process.
	kill -TERM "$pid"
	local status=0
	wait "$pid" || status=$?
	assert_eq "$status" 3
	assert_eq "$(cat "$BATS_TEST_TMPDIR/k1.out")" "$(printf 'ready\ngot TERM')"
	args "$B" sleep 30
	"$TENANT" --root "$STATE" run --bundle "$B" k2 3>&- &
	pid=$!
	wait_status running k2 tnr
	tnr kill k2 KILL
	status=0
	wait "$pid" || status=$?
	assert_eq "$status" 137
	assert_clean
}

@test "rootfsPropagation: rshared keeps a shared bind mount shared; the default makes it a slave" {
	local host=$PUBLIC/shared
	mkdir -p "$host"
	mount --bind "$host" "$host"
	mount --make-shared "$host"
	config "$B" --arg h "$host" '.mounts += [{"destination": "/mnt", "type": "bind", "source": $h, "options": ["rbind"]}] | .linux.rootfsPropagation = "rshared"'
	args "$B" cat /proc/self/mountinfo
	run -0 tnr run --bundle "$B" rp1
	assert_contains "$(grep ' /mnt ' <<<"$output")" "shared:"
	config "$B" 'del(.linux.rootfsPropagation)'
	run -0 tnr run --bundle "$B" rp2
	assert_contains "$(grep ' /mnt ' <<<"$output")" "master:"
	assert_not_contains "$(grep ' /mnt ' <<<"$output")" "shared:"
	umount "$host"
	assert_clean
}

@test "exec: joins every namespace of the container, with its exit status; flags change the process" {
	config "$B" '.hostname = "box"'
	args "$B" sleep 30
	tnr run -d --bundle "$B" x1 >/dev/null 2>&1 3>&-
	local init
	init=$(tnr state x1 | jq -r .pid)
	run -0 tnr exec x1 /init hostname ";" readlink /proc/self/ns/mnt ";" readlink /proc/self/ns/pid ";" readlink /proc/self/ns/net ";" cat /proc/1/stat
	assert_eq "${lines[0]}" "box (none)"
	assert_eq "${lines[1]}" "$(readlink "/proc/$init/ns/mnt")"
	assert_eq "${lines[2]}" "$(readlink "/proc/$init/ns/pid")"
	assert_eq "${lines[3]}" "$(readlink "/proc/$init/ns/net")"
	assert_contains "${lines[4]}" "1 (init)"
	run -4 tnr exec x1 /init exit 4
	run -0 tnr exec --user 1000:1001 --env EXTRA=1 --cwd /tmp x1 /init id ";" cwd ";" env
	assert_eq "${lines[0]}" "uid=1000 gid=1001 groups="
	assert_eq "${lines[1]}" "/tmp"
	assert_contains "$output" "EXTRA=1"
	assert_contains "$output" "PATH=/usr/local/sbin"
	run -255 tnr exec x1 /nothing-here
	assert_contains "$output" "exec '/nothing-here': No such file or directory"
	printf '{"cwd": "/", "args": ["/init", "id"], "user": {"uid": 7, "gid": 8}}' >"$PUBLIC/proc.json"
	run -0 tnr exec --process "$PUBLIC/proc.json" x1
	assert_eq "$output" "uid=7 gid=8 groups="
	# Not under `run`: the detached process keeps its stdout, and `run` would wait for it.
	tnr exec -d --pid-file "$PUBLIC/exec.pid" x1 /init sleep 30 >/dev/null 2>&1 3>&-
	[ -d "/proc/$(cat "$PUBLIC/exec.pid")" ]
	assert_eq "$(readlink "/proc/$(cat "$PUBLIC/exec.pid")/ns/pid")" "$(readlink "/proc/$init/ns/pid")"
	tnr kill x1 KILL
	wait_status stopped x1 tnr
	run -255 tnr exec x1 /init id
	assert_contains "$output" "cannot exec in container 'x1': it is stopped"
	tnr delete x1
	assert_clean
}

@test "features: truthful JSON: this kernel's capabilities, seccomp, hooks, cgroups v1 and v2" {
	run -0 "$TENANT" features
	assert_eq "$(jq -r '.ociVersionMax, (.linux.namespaces | index("user") != null), .linux.seccomp.enabled, (.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null), .linux.cgroup.v2, (.hooks | length)' <<<"$output")" \
		"$(printf '1.2.0\ntrue\ntrue\ntrue\ntrue\n6')"
	assert_eq "$(jq '.linux.capabilities | length' <<<"$output")" "$(($(cat /proc/sys/kernel/cap_last_cap) + 1))"
	jq -e '.mountOptions | index("rbind") != null and index("nosuid") != null' <<<"$output"
}

@test "seccomp: errno rules with and without argument conditions; unknown syscalls skipped; exec is filtered too" {
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"], "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [{"index": 1, "value": 448, "op": "SCMP_CMP_EQ"}]},
		{"names": ["rmdir", "no_such_syscall_at_all"], "action": "SCMP_ACT_ERRNO"}]} | .root.readonly = false'
	args "$B" cat /proc/self/status ";" mkdir /tmp/ok ";" mkdir /tmp/no 700
	run -1 tnr run --bundle "$B" sc1
	assert_contains "$output" "Seccomp:	2"
	assert_contains "$output" "probe: mkdir: /tmp/no: Permission denied"
	assert_not_contains "$output" "/tmp/ok"
	args "$B" sleep 30
	tnr run -d --bundle "$B" sc2 >/dev/null 2>&1 3>&-
	run -1 tnr exec sc2 /init mkdir /tmp/x 700
	assert_contains "$output" "probe: mkdir: /tmp/x: Permission denied"
	tnr delete --force sc2
	assert_clean
}

@test "seccomp: what is not supported is refused by name, before anything exists" {
	cp "$B/config.json" "$B/good.json"
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/run/x.sock"}'
	run -1 tnr create --bundle "$B" sc3
	assert_contains "$output" "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action"
	cp "$B/good.json" "$B/config.json"
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	run -1 tnr create --bundle "$B" sc3
	assert_contains "$output" "linux.seccomp.listenerPath: SCMP_ACT_NOTIFY needs the path of the seccomp agent's socket"
	cp "$B/good.json" "$B/config.json"
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/x.sock", "syscalls": [{"names": ["sendmsg"], "action": "SCMP_ACT_NOTIFY"}]}'
	run -1 tnr create --bundle "$B" sc3
	assert_contains "$output" "linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for the sendmsg syscall"
	cp "$B/good.json" "$B/config.json"
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]}'
	run -1 tnr create --bundle "$B" sc3
	assert_contains "$output" "linux.seccomp.architectures[0]: unknown architecture"
	cp "$B/good.json" "$B/config.json"
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_BOGUS"}]}'
	run -1 tnr create --bundle "$B" sc3
	assert_contains "$output" 'linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_BOGUS"'
	assert_clean
}

@test "hooks: each kind runs at its step with the state on stdin; startContainer inside the container" {
	local log=$PUBLIC/hooks
	mkdir -p "$log"
	cat >"$PUBLIC/hook" <<'HOOK'
#!/bin/sh
cat >"$1/$2.json"
echo "$2" >>"$1/order"
HOOK
	chmod 755 "$PUBLIC/hook"
	config "$B" --arg h "$PUBLIC/hook" --arg l "$log" '.root.readonly = false | .hooks = {
		"prestart": [{"path": $h, "args": ["hook", $l, "prestart"]}],
		"createRuntime": [{"path": $h, "args": ["hook", $l, "createRuntime"]}],
		"createContainer": [{"path": $h, "args": ["hook", $l, "createContainer"]}],
		"startContainer": [{"path": "/init", "args": ["/init", "write", "/tmp/started", "yes"]}],
		"poststart": [{"path": $h, "args": ["hook", $l, "poststart"]}],
		"poststop": [{"path": $h, "args": ["hook", $l, "poststop"], "env": ["X=1"], "timeout": 5}]}'
	args "$B" cat /tmp/started
	run -0 tnr run --bundle "$B" h1
	assert_eq "$output" "yes"
	assert_eq "$(cat "$log/order")" "$(printf 'prestart\ncreateRuntime\ncreateContainer\npoststart\npoststop')"
	assert_eq "$(jq -r '.id + " " + .status' "$log/createRuntime.json")" "h1 creating"
	assert_eq "$(jq -r '.status' "$log/poststart.json")" "running"
	assert_eq "$(jq -r '.status' "$log/poststop.json")" "stopped"
	[ "$(jq -r .pid "$log/prestart.json")" -gt 1 ]
	assert_clean
}

@test "hooks: a failing or slow createRuntime hook fails create; a failing poststart is a warning" {
	cp "$B/config.json" "$B/good.json"
	config "$B" '.hooks = {"createRuntime": [{"path": "/bin/false"}]}'
	run -1 tnr create --bundle "$B" h2
	assert_contains "$output" "error running hooks.createRuntime[0] (/bin/false): exited with status 1"
	assert_clean
	cp "$B/good.json" "$B/config.json"
	config "$B" '.hooks = {"createRuntime": [{"path": "/bin/sleep", "args": ["sleep", "10"], "timeout": 1}]}'
	run -1 tnr create --bundle "$B" h2
	assert_contains "$output" "hooks.createRuntime[0] (/bin/sleep) timed out after 1 s"
	assert_clean
	cp "$B/good.json" "$B/config.json"
	config "$B" '.hooks = {"poststart": [{"path": "/bin/false"}]}'
	run -0 tnr run --bundle "$B" h3
	assert_contains "$output" "warning: error running hooks.poststart[0] (/bin/false): exited with status 1"
	assert_contains "$output" "uid=0 gid=0"
	assert_clean
}

@test "sysctl: only those of the container's own namespaces; the host's are refused" {
	config "$B" '.linux.sysctl = {"vm.swappiness": "10"}'
	run -1 tnr create --bundle "$B" sy1
	assert_contains "$output" "linux.sysctl: vm.swappiness is not namespaced: setting it would change the host"
	config "$B" '.linux.sysctl = {"net.ipv4.tcp_fin_timeout": "30"} | .linux.namespaces |= map(select(.type != "network"))'
	run -1 tnr create --bundle "$B" sy1
	assert_contains "$output" 'linux.sysctl: net.ipv4.tcp_fin_timeout needs a "network" namespace'
	assert_clean
}

@test "safety: a dangling symlink in the image is never followed out of the root" {
	mkdir -p "$PUBLIC/outside"
	ln -s "$PUBLIC/outside/created" "$B/rootfs/evil"
	echo x >"$PUBLIC/file"
	config "$B" --arg f "$PUBLIC/file" '.mounts += [{"destination": "/evil", "type": "bind", "source": $f, "options": ["bind"]}]'
	run tnr run --bundle "$B" sf1
	[ ! -e "$PUBLIC/outside/created" ]
	assert_clean
}

@test "safety: the cgroup hierarchies under a read-only cgroup mount are read-only" {
	config "$B" '.root.readonly = false'
	# On this hybrid layout each hierarchy is the container's own cgroup, bound read-only
	# (cgroup-view.bats compares the whole view with runc's).
	args "$B" write /sys/fs/cgroup/pids/pids.max 1
	run -1 tnr run --bundle "$B" sf2
	assert_contains "$output" "probe: write: /sys/fs/cgroup/pids/pids.max: Read-only file system"
	assert_clean
}

@test "a root-created user namespace without mappings is refused, as runc refuses it" {
	config "$B" '.linux.namespaces += [{"type": "user"}]'
	run -1 tnr create --bundle "$B" um1
	assert_contains "$output" "linux.uidMappings: a new user namespace needs mappings"
	assert_clean
}

@test "tmpcopyup: a tmpfs over a directory of the image starts with its files (podman --read-only)" {
	mkdir -p "$B/rootfs/etc/sub"
	echo seeded >"$B/rootfs/etc/sub/file"
	chmod 640 "$B/rootfs/etc/sub/file"
	ln -s sub/file "$B/rootfs/etc/link"
	config "$B" '.mounts += [{"destination": "/etc", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"]}]'
	args "$B" cat /etc/link ";" stat /etc/sub/file ";" write /etc/new x ";" cat /etc/new
	run -0 tnr run --bundle "$B" tc1
	assert_eq "$output" "$(printf 'seeded\n0 0 640\nx')"
	[ ! -e "$B/rootfs/etc/new" ]
	assert_clean
}

@test "cgroups: pids.limit holds inside a user namespace; ps, pause, resume, update" {
	chown -R 400000:400000 "$B/rootfs"
	config "$B" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings | .linux.resources = {"pids": {"limit": 6}}'
	args "$B" forks 20
	run -0 tnr run --bundle "$B" cg1
	assert_eq "$output" "forked 5"
	args "$B" sleep 30
	tnr run -d --bundle "$B" cg2 >/dev/null 2>&1 3>&-
	run -0 tnr ps --format json cg2
	assert_eq "$(jq length <<<"$output")" 1
	assert_eq "$(jq '.[0]' <<<"$output")" "$(tnr state cg2 | jq .pid)"
	tnr pause cg2
	assert_eq "$(tnr state cg2 | jq -r .status)" paused
	run -1 tnr pause cg2
	tnr resume cg2
	assert_eq "$(tnr state cg2 | jq -r .status)" running
	tnr update --pids-limit 3 cg2
	run -0 tnr exec cg2 /init forks 10
	assert_eq "$output" "forked 1"
	echo '{"pids": {"limit": 10}}' | tnr update -r - cg2
	run -0 tnr exec cg2 /init forks 5
	assert_eq "$output" "forked 5"
	tnr delete --force cg2
	assert_clean
}

@test "cgroups: an exec'd process finds its pids limit whole from its first fork, even on one CPU" {
	# tenant's intermediate process joins the cgroup before it forks the process: the process
	# may go on only once that one is reaped, or its first forks meet a full pids.max (runc
	# moves the process alone). Pinned to one CPU the race shows about one exec in three. A
	# time namespace keeps exec in two stages on a cgroup2-only host too (one stage there has
	# no intermediate process).
	chown -R 400000:400000 "$B/rootfs"
	config "$B" '.linux.namespaces += [{"type": "user"}, {"type": "time"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 400000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings | .linux.resources = {"pids": {"limit": 3}}'
	args "$B" sleep 30
	tnr run -d --bundle "$B" cg3 >/dev/null 2>&1 3>&-
	local i
	for i in $(seq 15); do
		run -0 taskset -c 0 "$TENANT" --root "$STATE" exec cg3 /init forks 10
		assert_eq "$output" "forked 1"
	done
	tnr delete --force cg3
	assert_clean
}

@test "delete ends a container whose init's main thread ended while another thread runs on" {
	# The leader shows as a zombie, so the container reads stopped, but its other thread keeps
	# the process, and the PID namespace, alive: delete kills it (the cgroup would not go).
	args "$B" thread-exit 30
	tnr run -d --bundle "$B" te1 >/dev/null 2>&1 3>&-
	local pid i
	pid=$(jq .pid "$STATE/te1/state.json") # `state` shows a stopped one's as 0, as runc
	for i in $(seq 100); do
		grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
		sleep 0.02
	done
	grep -hs '^State:' /proc/"$pid"/task/*/status | grep -qv Z # a thread runs on
	assert_eq "$(tnr state te1 | jq -r .status)" stopped
	tnr delete te1
	for i in $(seq 100); do
		grep -hs '^State:' /proc/"$pid"/task/*/status | grep -qv Z || break
		sleep 0.05
	done
	assert_eq "$(grep -hs '^State:' /proc/"$pid"/task/*/status | grep -v Z)" ""
	assert_clean
}

@test "rlimits: RLIMIT_NPROC holds for root in a user namespace (seed 002)" {
	chown -R 410000:410000 "$B/rootfs"
	config "$B" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 410000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings | .process.rlimits += [{"type": "RLIMIT_NPROC", "soft": 4, "hard": 4}]'
	args "$B" forks 20
	run -0 tnr run --bundle "$B" np1
	# Host UID 410000 runs init and its children: 4 processes in all.
	assert_eq "$output" "forked 3"
	assert_clean
}

@test "cgroups: the device rules (runc's default denies all, then allows the usual nodes)" {
	[ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] # the hybrid layout of our machines: v1 devices
	args "$B" sleep 30
	tnr run -d --bundle "$B" dv1 >/dev/null 2>&1 3>&-
	local list own
	# No cgroupsPath: the ID below the caller's own devices cgroup, as runc.
	own=$(awk -F: '$2 ~ /(^|,)devices(,|$)/ { print $3 }' /proc/self/cgroup)
	list=$(cat "/sys/fs/cgroup/devices${own%/}/dv1/devices.list")
	assert_contains "$list" "c 1:3 rwm"
	assert_contains "$list" "c 136:* rwm"
	assert_not_contains "$list" "a *:* rwm"
	run -0 tnr exec dv1 /init write /dev/null x ";" cat /dev/null
	assert_eq "$output" ""
	tnr delete --force dv1
	assert_clean
}

@test "cgroups v2: on a unified hierarchy the container's cgroup is where runc puts it; pause and resume use cgroup.freeze" {
	# A mount namespace where /sys/fs/cgroup is the cgroup2 hierarchy alone, as on v2 hosts,
	# and the caller in a cgroup of its own, as a login shell in its session's scope. No
	# cgroupsPath, the relative ID: below the parent of the caller's cgroup, as runc's fs2
	# driver puts it (the caller's own has processes, so a child of it gets no controllers).
	args "$B" sleep 30
	run -0 unshare -m --propagation private sh -c '
		mount -t cgroup2 none /sys/fs/cgroup || exit 1
		T="$1"; S="$2"; B="$3"; C=/sys/fs/cgroup/tenant-v2c-$$
		trap "\"$T\" --root \"$S\" delete -f v2c 2>/dev/null; echo \$\$ >/sys/fs/cgroup/cgroup.procs; rmdir \"$C/caller\" \"$C\" 2>/dev/null; rm -rf \"$S/runc\"" EXIT
		mkdir -p "$C/caller" && echo $$ >"$C/caller/cgroup.procs" || exit 9
		runc --root "$S/runc" run -d --bundle "$B" v2r >/dev/null 2>&1 </dev/null || exit 10
		want=$(grep "^0::" "/proc/$(runc --root "$S/runc" state v2r | jq .pid)/cgroup")
		runc --root "$S/runc" delete -f v2r
		[ "$want" = "0::/${C#/sys/fs/cgroup/}/v2r" ] || exit 11
		D=$C/v2c
		"$T" --root "$S" run -d --bundle "$B" v2c >/dev/null 2>&1 3>&- || exit 2
		pid=$("$T" --root "$S" state v2c | jq .pid)
		[ "$(grep "^0::" "/proc/$pid/cgroup")" = "${want%/v2r}/v2c" ] || exit 12
		grep -qx "$pid" "$D/cgroup.procs" || exit 3
		"$T" --root "$S" pause v2c && [ "$(cat "$D/cgroup.freeze")" = 1 ] || exit 4
		[ "$("$T" --root "$S" state v2c | jq -r .status)" = paused ] || exit 5
		"$T" --root "$S" resume v2c && [ "$(cat "$D/cgroup.freeze")" = 0 ] || exit 6
		"$T" --root "$S" delete --force v2c || exit 7
		[ ! -d "$D" ] || exit 8
		echo ok' sh "$TENANT" "$STATE" "$B"
	assert_eq "$output" ok
	assert_clean
}

@test "cgroups: a device outside the rules cannot be opened, v1 and v2 (eBPF)" {
	config "$B" '.root.readonly = false | .process.capabilities |= map_values(. + ["CAP_MKNOD"])'
	args "$B" mknod /tmp/kmsg 1 11 ";" cat /tmp/kmsg
	run -1 tnr run --bundle "$B" dn1
	assert_contains "$output" "probe: cat: /tmp/kmsg: Operation not permitted"
	args "$B" mknod /tmp/kmsg2 1 11 ";" cat /tmp/kmsg2
	run -1 unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh \
		"$TENANT" --root "$STATE" run --bundle "$B" dn2
	assert_contains "$output" "probe: cat: /tmp/kmsg2: Operation not permitted"
	args "$B" write /dev/null x ";" cat /dev/null
	run -0 unshare -m --propagation private sh -c 'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh \
		"$TENANT" --root "$STATE" run --bundle "$B" dn3
	assert_clean
}

@test "idmap show ID and idmap translate: a running container's maps, one ID either way (seed 004)" {
	chown -R 500000:500000 "$B/rootfs"
	config "$B" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 500000, "size": 65536}] | .linux.gidMappings = [{"containerID": 0, "hostID": 600000, "size": 65536}]'
	args "$B" sleep 30
	tnr run -d --bundle "$B" tr1 >/dev/null 2>&1 3>&-
	run -0 tnr idmap show tr1
	assert_eq "$(grep -v '^#' <<<"$output")" "$(kmap 0 500000 65536 0 600000 65536)"
	run -0 tnr idmap show --json tr1
	assert_eq "$(jq -c '.gid_map' <<<"$output")" '[{"container":0,"host":600000,"size":65536}]'
	run -0 tnr idmap translate --container tr1 1001
	assert_eq "$output" 501001
	run -0 tnr idmap translate --container tr1 --gid 1001
	assert_eq "$output" 601001
	run -0 tnr idmap translate --container tr1 --to container 501001
	assert_eq "$output" 1001
	run -1 tnr idmap translate --container tr1 70000
	assert_contains "$output" "UID 70000 is not mapped in container tr1"
	tnr delete --force tr1
	assert_clean
}

@test "list --format wide|json shows each container's host UID and GID ranges" {
	chown -R 700000:700000 "$B/rootfs"
	config "$B" '.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 700000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings'
	args "$B" sleep 30
	tnr run -d --bundle "$B" ls1 >/dev/null 2>&1 3>&-
	run -0 tnr list --format json
	assert_eq "$(jq -r '.[0].hostUids + " " + .[0].hostGids' <<<"$output")" "700000-765535 700000-765535"
	run -0 tnr list --format wide
	assert_contains "$output" "700000-765535"
	# Like lsns -t user on the node (seed 004): the namespace's inode, its PID, its status.
	local pid ino
	pid=$(tnr state ls1 | jq .pid)
	ino=$(stat -L -c %i "/proc/$pid/ns/user")
	run -0 tnr list --format json
	assert_eq "$(jq -r '.[0].userns' <<<"$output")" "$ino"
	run -0 tnr list --format wide # runc's columns, then USERNS UIDS GIDS
	assert_contains "${lines[0]}" "USERNS"
	assert_eq "$(awk 'NR == 2 { print $1, $2, $3, $7, $8 }' <<<"$output")" "ls1 $pid running $ino 700000-765535"
	assert_contains "$(lsns -t user -n -o NS,PID)" "$ino"
	# ps lists the container's processes by host PID.
	run -0 tnr ps ls1
	assert_contains "$output" "$pid"
	tnr delete --force ls1
	assert_clean
}
