#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Stdio and terminals, sessions, signal dispositions and exit statuses, each compared with runc
# (issue 16).
load helpers
load parity
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
}

teardown_file() {
	userns_teardown
}

# The same ID under both runtimes at once: without a cgroupsPath each would take the ID below
# its caller's cgroup, the same directory (runc's rule, tenant's too), so tenant's goes apart.
# Run as "apart_from_runc ID tenant-command...": the command with the bundle's cgroupsPath
# set to one of ID's own, then the bundle as it was.
apart_from_runc() {
	local id=$1
	shift
	config "$B" --arg p "tenant-apart-$$-$id" '.linux.cgroupsPath = $p'
	"$@"
	config "$B" 'del(.linux.cgroupsPath)'
}

# runc's output with signal 32 taken out of SigIgn: runc (its Go runtime) keeps 32 ignored
# when its caller had it so (a CI runner may), where tenant resets every signal to SIG_DFL.
runc_sig32() {
	local line v d
	while IFS= read -r line; do
		if [[ $line == SigIgn:* ]]; then
			v=${line#SigIgn:$'\t'}
			d=${v:8:1}
			case $d in
			8) d=0 ;; 9) d=1 ;; a) d=2 ;; b) d=3 ;; c) d=4 ;; d) d=5 ;; e) d=6 ;; f) d=7 ;;
			esac
			line="SigIgn:"$'\t'"${v:0:8}$d${v:9}"
		fi
		printf '%s\n' "$line"
	done
}

# RUNTIME ROOT: the root of the given runtime's state.
root_of() {
	if [ "$1" = runc ]; then echo "$RSTATE"; else echo "$STATE"; fi
}

# exec_with RUNTIME EXEC-ARGS...: "exit status" then the output of exec.
exec_with() {
	local runtime=$1 status=0 out
	shift
	out=$("$runtime" --root "$(root_of "$runtime")" exec "$@" 2>&1 3>&- </dev/null) || status=$?
	printf '%s\n%s\n' "$status" "$out"
}

# until_exec RUNTIME ID FILE: wait (5 s at most) until FILE exists in the container.
until_exec() {
	for _ in $(seq 100); do
		"$1" --root "$(root_of "$1")" exec "$2" cat "$3" </dev/null >/dev/null 2>&1 3>&- && return 0
		sleep 0.05
	done
}

# until_file FILE TEXT: wait (5 s at most) until FILE has a line TEXT.
until_file() {
	for _ in $(seq 100); do
		grep -qx "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
}

# Both runtimes run the bundle detached as PREFIX-r and PREFIX-t.
run_both_detached() {
	runc --root "$RSTATE" run -d --bundle "$B" "$1-r" </dev/null >/dev/null 2>&1 3>&-
	"$TENANT" --root "$STATE" run -d --bundle "$B" "$1-t" </dev/null >/dev/null 2>&1 3>&-
}

# The process group and session of the shell, as its own PID, "1", or a number from outside.
SESSION='read -r pid comm state ppid pgrp sid rest </proc/$$/stat
[ "$pgrp" = "$$" ] && pgrp=own; [ "$sid" = "$$" ] && sid=own
echo "pgrp=$pgrp sid=$sid"'

@test "session: the container's process leads a session of its own in run, as runc" {
	busybox_bundle
	sh_c "$SESSION"
	same_as_runc s0
	assert_contains "$(run_with "$TENANT" s1)" "pgrp=own sid=own"
}

@test "session: run -d and create/start give the process a session of its own, as runc" {
	busybox_bundle
	sh_c "$SESSION >/s.new; mv /s.new /session; exec sleep 30"
	run_both_detached d
	runc --root "$RSTATE" create --bundle "$B" c-r </dev/null >/dev/null 2>&1 3>&-
	"$TENANT" --root "$STATE" create --bundle "$B" c-t </dev/null >/dev/null 2>&1 3>&-
	runc --root "$RSTATE" start c-r
	"$TENANT" --root "$STATE" start c-t
	for id in d c; do
		until_exec runc "$id-r" /session
		until_exec "$TENANT" "$id-t" /session
		want=$(exec_with runc "$id-r" cat /session)
		got=$(exec_with "$TENANT" "$id-t" cat /session)
		assert_eq "$got" "$want"
		assert_contains "$got" "pgrp=own sid=own"
	done
	# On the host too: init's PID is its process group and its session.
	pid=$("$TENANT" --root "$STATE" state d-t | jq .pid)
	assert_eq "$(ps -o pgid= -o sid= -p "$pid" | xargs)" "$pid $pid"
}

@test "session: an exec'd process leads a session of its own, as runc" {
	busybox_bundle
	config "$B" '.process.args = ["sleep", "30"]'
	run_both_detached e
	want=$(exec_with runc e-r sh -c "$SESSION")
	got=$(exec_with "$TENANT" e-t sh -c "$SESSION")
	assert_eq "$got" "$want"
	assert_contains "$got" "pgrp=own sid=own"
	# exec -d as well.
	runc --root "$RSTATE" exec -d e-r sh -c "$SESSION >/s.new; mv /s.new /s" </dev/null 3>&-
	"$TENANT" --root "$STATE" exec -d e-t sh -c "$SESSION >/s.new; mv /s.new /s" </dev/null 3>&-
	until_exec runc e-r /s
	until_exec "$TENANT" e-t /s
	assert_eq "$(exec_with "$TENANT" e-t cat /s)" "$(exec_with runc e-r cat /s)"
}

@test "signals: the process gets every signal at its default action, none blocked, as runc" {
	busybox_bundle
	sh_c 'grep -E "^Sig(Ign|Blk)" /proc/self/status; yes | head -1'
	# What tenant's caller ignores (a supervisor's SIGPIPE, nohup's SIGHUP) does not reach it.
	want=$(trap '' PIPE HUP TERM USR2; run_with runc i-r | runc_sig32)
	got=$(trap '' PIPE HUP TERM USR2; run_with "$TENANT" i-t)
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$got" "$want"
	assert_contains "$got" "SigIgn:	0000000000000000"
	assert_not_contains "$got" "Broken pipe"
	# exec'd processes too.
	config "$B" '.process.args = ["sleep", "30"]'
	run_both_detached x
	want=$(trap '' PIPE HUP; exec_with runc x-r sh -c 'grep -E "^Sig(Ign|Blk)" /proc/self/status; yes | head -1' | runc_sig32)
	got=$(trap '' PIPE HUP; exec_with "$TENANT" x-t sh -c 'grep -E "^Sig(Ign|Blk)" /proc/self/status; yes | head -1')
	assert_eq "$got" "$want"
	assert_contains "$got" "SigIgn:	0000000000000000"
}

@test "exec --process FILE reads a pipe as a stream, as runc" {
	busybox_bundle
	config "$B" '.process.args = ["sleep", "30"]'
	run_both_detached p
	for rt in runc "$TENANT"; do
		id=p-r
		[ "$rt" = runc ] || id=p-t
		run -0 "$rt" --root "$(root_of "$rt")" exec -p <(jq '.process | .args = ["echo", "from a pipe"]' "$B/config.json") "$id" </dev/null 3>&-
		assert_eq "$output" "from a pipe"
		run -0 "$rt" --root "$(root_of "$rt")" exec -p /dev/stdin "$id" 3>&- \
			< <(jq '.process | .args = ["echo", "from stdin"]' "$B/config.json")
		assert_eq "$output" "from stdin"
	done
}

# "exit status" of exec with both runtimes, the same.
same_exec_status() {
	local want got
	want=$(exec_with runc "$@" | head -1)
	got=$(exec_with "$TENANT" "$@" | head -1)
	echo "exec $*: runc $want, tenant $got"
	[ "$want" = "$got" ]
}

@test "exec exits 255 for its own failures, the process's status otherwise, as runc" {
	busybox_bundle
	config "$B" '.process.args = ["sleep", "30"]'
	# The same ID on both sides from here: each runtime has its own root.
	runc --root "$RSTATE" run -d --bundle "$B" x </dev/null >/dev/null 2>&1 3>&-
	apart_from_runc x "$TENANT" --root "$STATE" run -d --bundle "$B" x </dev/null >/dev/null 2>&1 3>&-
	same_exec_status nosuch sh -c true
	same_exec_status x /nosuch
	same_exec_status x nosuch
	same_exec_status x /etc
	same_exec_status x
	same_exec_status x -p /nonexistent.json
	same_exec_status x sh -c 'exit 1'
	same_exec_status x sh -c 'exit 126'
	same_exec_status x sh -c 'kill -TERM $$'
	run -255 exec_with_status "$TENANT" x /nosuch
	run -3 exec_with_status "$TENANT" x sh -c 'exit 3'
}

exec_with_status() {
	local runtime=$1
	shift
	"$runtime" --root "$(root_of "$runtime")" exec "$@" </dev/null 3>&-
}

@test "run exits 1 for its own failures, the process's status otherwise, as runc" {
	busybox_bundle
	config "$B" '.mounts += [{"destination": "/x", "type": "none", "source": "/nonexistent", "options": ["bind"]}]'
	same_as_runc_status r0
	config "$B" 'del(.mounts[-1])'
	sh_c 'exit 7'
	same_as_runc_status r1
	sh_c 'kill -TERM $$'
	same_as_runc_status r2
	run -1 "$TENANT" --root "$STATE" run --bundle /nonexistent r3 </dev/null 3>&-
}

# Only the exit status of run, with both runtimes.
same_as_runc_status() {
	local want got
	want=$(run_with runc "$1-r" | head -1)
	got=$(run_with "$TENANT" "$1-t" | head -1)
	echo "run: runc $want, tenant $got"
	[ "$want" = "$got" ]
}

@test "stdio: handed to process.user so it can reopen /dev/stdout; /dev/null left alone, as runc" {
	busybox_bundle
	ln -sf busybox "$B/rootfs/bin/stat"
	config "$B" '.process.user = {"uid": 1000, "gid": 1000}'
	sh_c 'stat -L -c "%u" /proc/self/fd/1; echo reopened >/dev/stdout'
	null_before=$(stat -c %u:%g /dev/null)
	# Pipes, in the foreground.
	same_as_runc f0
	assert_contains "$(run_with "$TENANT" f1)" "1000"$'\n'"reopened"
	# Detached: the caller's own file, chowned (as runc does).
	sh_c 'stat -L -c "%u" /proc/self/fd/1; echo reopened >/dev/stdout; sleep 0.3; echo after >>/proc/self/fd/1'
	for rt in runc "$TENANT"; do
		: >"$PUBLIC/out-$(basename "$rt")"
		if [ "$rt" = runc ]; then
			runc --root "$RSTATE" run -d --bundle "$B" d-x </dev/null >"$PUBLIC/out-runc" 2>&1 3>&-
		else
			apart_from_runc d-x "$rt" --root "$STATE" run -d --bundle "$B" d-x </dev/null \
				>"$PUBLIC/out-tenant" 2>&1 3>&-
		fi
	done
	until_file "$PUBLIC/out-runc" after
	until_file "$PUBLIC/out-tenant" after
	assert_eq "$(cat "$PUBLIC/out-tenant")" "$(cat "$PUBLIC/out-runc")"
	assert_eq "$(stat -c %u "$PUBLIC/out-tenant")" "$(stat -c %u "$PUBLIC/out-runc")"
	assert_eq "$(stat -c %u "$PUBLIC/out-tenant")" 1000
	# exec, in the foreground and detached.
	config "$B" '.process.args = ["sleep", "30"]'
	run_both_detached e
	want=$(exec_with runc e-r sh -c 'stat -L -c "%u" /proc/self/fd/1; echo reopened >/dev/stdout')
	got=$(exec_with "$TENANT" e-t sh -c 'stat -L -c "%u" /proc/self/fd/1; echo reopened >/dev/stdout')
	assert_eq "$got" "$want"
	assert_eq "$(stat -c %u:%g /dev/null)" "$null_before"
}

# ---- process.terminal without --console-socket: the runtime relays the terminal ----

# on_pty RUNTIME [pty-run.py OPTIONS] -- VERB ARGS...: the runtime on a terminal of its own.
on_pty() {
	local runtime=$1
	shift
	command -v python3 >/dev/null || skip "needs python3 (a terminal for the runtime)"
	local opts=()
	while [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	python3 "$BATS_TEST_DIRNAME/pty-run.py" "${opts[@]}" -- \
		"$runtime" --root "$(root_of "$runtime")" "$@" </dev/null 3>&-
}

# same_on_pty [pty-run.py OPTIONS] -- VERB ARGS...: the same with both runtimes; the ID's
# "@" becomes -r and -t. runc may lose what a process wrote right before it ended (it stops
# relaying at once), so the processes compared wait a moment (LINGER) before they exit.
same_on_pty() {
	local args=("$@") want got
	want=$(on_pty runc "${args[@]//@/-r}")
	got=$(on_pty "$TENANT" "${args[@]//@/-t}")
	echo "runc:"
	echo "$want"
	echo "tenant:"
	echo "$got"
	assert_eq "$got" "$want"
}

LINGER='sleep 0.5'

@test "terminal: run relays a terminal of its own, with the caller's size, as runc" {
	busybox_bundle
	config "$B" '.process.terminal = true'
	# runc sizes the terminal only once the process was started, and on a busy machine the
	# process may ask first (0 0, which busybox's stty reports as an error): compared after a
	# moment. tenant sizes it before the start: asked at once, below.
	sh_c 'sleep 0.3; tty; stty size; '"$SESSION"'; read -r a b c d e f tty_nr rest </proc/$$/stat; [ "$tty_nr" != 0 ] && echo controlling; '"$LINGER"'; exit 3'
	same_on_pty --size 33 99 -- run --bundle "$B" t@
	sh_c 'tty; stty size; '"$SESSION"'; read -r a b c d e f tty_nr rest </proc/$$/stat; [ "$tty_nr" != 0 ] && echo controlling; '"$LINGER"'; exit 3'
	got=$(on_pty "$TENANT" --size 33 99 -- run --bundle "$B" t1)
	assert_contains "$got" "/dev/pts/0\r\n33 99\r\npgrp=own sid=own\r\ncontrolling\r\n"
	assert_contains "$got" "status: 3"
	assert_contains "$got" "restored: yes"
}

@test "terminal: the process's terminal is its user's, in devpts's group (gid=5, tty), as runc" {
	busybox_bundle
	config "$B" '.process.terminal = true | .process.user = {"uid": 1000, "gid": 100}'
	sh_c 'stat -c %u:%g:%a $(tty); '"$LINGER"
	same_on_pty -- run --bundle "$B" o@
	assert_contains "$(on_pty "$TENANT" -- run --bundle "$B" o1)" "1000:5:620"
}

@test "terminal: typed input reaches the process; the caller's terminal is raw meanwhile, as runc" {
	busybox_bundle
	config "$B" '.process.terminal = true'
	sh_c 'echo ready; read -r line; echo "got $line"; stty -a | grep -o -- "-*onlcr"; '"$LINGER"
	same_on_pty --when ready --input 'abc\r' -- run --bundle "$B" i@
	got=$(on_pty "$TENANT" --when ready --input 'abc\r' -- run --bundle "$B" i1)
	assert_contains "$got" "got abc"
	assert_contains "$got" "during: raw"
	# From a pipe as well: stdin need not be the terminal.
	sh_c 'read -r line; echo "got $line"; '"$LINGER"
	same_on_pty --stdin-pipe 'piped\n' -- run --bundle "$B" p@
	# ^C is a character for the container's terminal, which signals its foreground process.
	sh_c 'trap "echo INT; '"$LINGER"'; exit 9" INT; echo ready; sleep 5'
	same_on_pty --when ready --input '\x03' -- run --bundle "$B" c@
	assert_contains "$(on_pty "$TENANT" --when ready --input '\x03' -- run --bundle "$B" c1)" "status: 9"
}

@test "terminal: a resized terminal resizes the container's (SIGWINCH), as runc" {
	busybox_bundle
	config "$B" '.process.terminal = true'
	# The first size a moment after the start, when runc has set it too (see above), and the
	# trap only then: runc's own late sizing is a SIGWINCH of its own.
	sh_c 'sleep 0.3; trap "echo WINCH; stty size" WINCH; stty size; echo ready; sleep 1.5; stty size; '"$LINGER"
	same_on_pty --when ready --resize 40 120 -- run --bundle "$B" w@
	assert_contains "$(on_pty "$TENANT" --when ready --resize 40 120 -- run --bundle "$B" w1)" "WINCH\r\n40 120"
}

@test "terminal: exec -t relays a terminal of its own, as runc" {
	busybox_bundle
	config "$B" '.process.args = ["sleep", "30"]'
	run_both_detached x
	# A moment before the size is asked: runc sets it once the process started (see above).
	same_on_pty --size 30 100 -- exec -t x@ sh -c "sleep 0.3; tty; stty size; $SESSION; $LINGER; exit 5"
	# (A linger here too: under ASan an exec'd process that exits at once has lost its output
	# to the relay now and then; to be found, see the closing note of this change.)
	got=$(on_pty "$TENANT" --size 30 100 -- exec -t x-t sh -c "tty; stty size; $LINGER; exit 5")
	assert_contains "$got" "/dev/pts/0\r\n30 100\r\n"
	assert_contains "$got" "status: 5"
	same_on_pty --when ready --input '\x03' -- exec -t x@ sh -c "trap 'echo INT; $LINGER; exit 9' INT; echo ready; sleep 5"
	# Without -t, on the same terminal: the process has none of its own (not a tty).
	same_on_pty -- exec x@ sh -c "tty; $LINGER; exit 2"
}

@test "terminal: exec -t into a remapped container (host root unmapped) gives the user its terminal, as runc" {
	busybox_bundle
	chown -R 3000000:3000000 "$B/rootfs"
	config "$B" '.process.args = ["sleep", "30"] | .linux.namespaces |= (map(select(.type != "user")) + [{"type": "user"}])
		| .linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}] | .linux.gidMappings = .linux.uidMappings'
	run_both_detached u
	same_on_pty -- exec -t u@ sh -c "tty; stat -c %u:%g:%a \$(tty); $LINGER; exit 4"
	same_on_pty -- exec -t --user 1024:1024 u@ sh -c "grep ^Uid: /proc/self/status; stat -c %u:%g:%a \$(tty); $LINGER"
	got=$(on_pty "$TENANT" -- exec -t --user 1024:1024 u-t sh -c "stat -c %u \$(tty); $LINGER")
	assert_contains "$got" "1024"
}

@test "terminal: without a terminal to relay to, or detached, refused as runc refuses it" {
	busybox_bundle
	config "$B" '.process.terminal = true'
	# No terminal anywhere (pipes, no controlling terminal): run exits 1, exec 255.
	same_as_runc_status n0
	run -1 "$TENANT" --root "$STATE" run --bundle "$B" n1 </dev/null 3>&-
	assert_contains "$output" "no terminal to relay it to"
	run -1 "$TENANT" --root "$STATE" run -d --bundle "$B" n2 </dev/null 3>&-
	run -1 runc --root "$RSTATE" run -d --bundle "$B" n2 </dev/null 3>&-
	run -1 "$TENANT" --root "$STATE" create --bundle "$B" n3 </dev/null 3>&-
	run -1 runc --root "$RSTATE" create --bundle "$B" n3 </dev/null 3>&-
	config "$B" '.process.terminal = false | .process.args = ["sleep", "30"]'
	runc --root "$RSTATE" run -d --bundle "$B" x </dev/null >/dev/null 2>&1 3>&-
	apart_from_runc x "$TENANT" --root "$STATE" run -d --bundle "$B" x </dev/null >/dev/null 2>&1 3>&-
	same_exec_status -t x sh -c true
	same_exec_status -t -d x sh -c true
	run -255 exec_with_status "$TENANT" -t -d x sh -c true
	assert_eq "$("$TENANT" --root "$STATE" list -q | sort | xargs)" "x"
}

# ---- rootless: both runtimes as an unprivileged user ----

# $B as a bundle of the user's own (spec --rootless, root mapped to the user).
rootless_bundle() {
	require_userns_user
	B=$USERNS_DIR/work/bundle
	rm -rf "$B" "$USERNS_DIR/work/tstate" "$USERNS_DIR/work/rstate"
	make_bundle "$B" --rootless
	config "$B" --argjson u "$NS_UID" --argjson g "$NS_GID" \
		'.linux.uidMappings[0].hostID = $u | .linux.gidMappings[0].hostID = $g'
	busybox_into "$B"
	chown -R tenant-ns:tenant-ns "$B"
}

# urt RUNTIME ARGS...: the runtime as the user, its state in the user's work directory.
urt() {
	local rt=$1 bin=$USERNS_DIR/tenant root=$USERNS_DIR/work/tstate
	shift
	if [ "$rt" = runc ]; then
		bin=runc
		root=$USERNS_DIR/work/rstate
	fi
	as_user tenant-ns "$bin" --root "$root" "$@"
}

# "exit status" then the output of `run` as the user.
urun_with() {
	local status=0 out
	out=$(urt "$1" run --bundle "$B" "$2" 2>&1 </dev/null 3>&-) || status=$?
	printf '%s\n%s\n' "$status" "$out"
}

@test "rootless: a session of its own, default signals, as runc rootless" {
	rootless_bundle
	sh_c "$SESSION"'; grep -E "^Sig(Ign|Blk)" /proc/self/status; yes | head -1'
	want=$(trap '' PIPE HUP; urun_with runc r1 | runc_sig32)
	got=$(trap '' PIPE HUP; urun_with "$TENANT" r1)
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$got" "$want"
	assert_contains "$got" "pgrp=own sid=own"
	assert_contains "$got" "SigIgn:	0000000000000000"
}

@test "rootless: run and exec -t relay a terminal of their own, as runc rootless" {
	[ -x /usr/bin/python3 ] || skip "needs /usr/bin/python3 (a terminal for the runtime)"
	rootless_bundle
	config "$B" '.process.terminal = true'
	# A moment before the size is asked: runc sets it once the process started (see above).
	sh_c 'sleep 0.3; tty; stty size; echo ready; read -r line; echo "got $line"; '"$LINGER"'; exit 3'
	for rt in runc "$TENANT"; do
		out=$(as_user tenant-ns /usr/bin/python3 "$BATS_TEST_DIRNAME/pty-run.py" --size 31 91 \
			--when ready --input 'typed\r' -- "$(urt_bin "$rt")" --root "$(urt_root "$rt")" \
			run --bundle "$B" t1 </dev/null 3>&-)
		echo "$rt: $out"
		assert_contains "$out" "output: b'/dev/pts/0\r\n31 91\r\nready\r\ntyped\r\ngot typed\r\n'"
		assert_contains "$out" "status: 3"
		assert_contains "$out" "during: raw"
		assert_contains "$out" "restored: yes"
	done
	config "$B" '.process.terminal = false | .process.args = ["sleep", "30"]'
	for rt in runc "$TENANT"; do
		urt "$rt" run -d --bundle "$B" x </dev/null >/dev/null 2>&1 3>&-
		out=$(as_user tenant-ns /usr/bin/python3 "$BATS_TEST_DIRNAME/pty-run.py" --size 32 92 -- \
			"$(urt_bin "$rt")" --root "$(urt_root "$rt")" exec -t x sh -c "sleep 0.3; tty; stty size; $SESSION; $LINGER; exit 4" \
			</dev/null 3>&-)
		urt "$rt" delete --force x
		echo "$rt: $out"
		assert_contains "$out" "output: b'/dev/pts/0\r\n32 92\r\npgrp=own sid=own\r\n'"
		assert_contains "$out" "status: 4"
	done
}

urt_bin() {
	if [ "$1" = runc ]; then echo runc; else echo "$USERNS_DIR/tenant"; fi
}

urt_root() {
	if [ "$1" = runc ]; then echo "$USERNS_DIR/work/rstate"; else echo "$USERNS_DIR/work/tstate"; fi
}
