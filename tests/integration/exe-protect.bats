#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# tenant's binary cannot be overwritten from inside a container (CVE-2019-5736; SECURITY.md):
# create, run and exec run from a sealed memfd copy of it, and every stage that enters a
# container is non-dumpable until it execs the container's process. The attacks are real: the
# probe's `hunt` (tests/probe/hunt.c) opens /proc/PID/exe for writing, directly and through
# O_PATH + /proc/self/fd/N, also after the process has gone, and writes whatever opens. Its
# target is a COPY of the binary in a temporary directory, whose sha256 must not change; every
# attack is also aimed at a plain copy of an executable (/ctl, the control), which it does
# overwrite, to show that the attack works.

load helpers
bats_require_minimum_version 1.5.0

setup_file() {
	userns_setup
}

teardown_file() {
	userns_teardown
}

setup() {
	require_root
	PUBLIC=$(mktemp -d /tmp/tenant-exe.XXXXXX)
	chmod 755 "$PUBLIC"
	STATE=$PUBLIC/state
	BIN=$PUBLIC/bin/tenant
	install -D -m 755 "$TENANT" "$BIN"
	SUM=$(sha "$BIN")
	B=$PUBLIC/bundle
	make_bundle "$B"
	attack_bundle "$B"
	PIDS=()
	MOUNTS_BEFORE=$(host_mounts)
}

teardown() {
	[ -n "${PUBLIC:-}" ] || return 0
	for id in $(tb list -q 2>/dev/null); do
		tb delete --force "$id" >/dev/null 2>&1
	done
	if [ -n "${USTATE:-}" ]; then
		for id in $(ub list -q 2>/dev/null); do
			ub delete --force "$id" >/dev/null 2>&1
		done
	fi
	[ -z "${HOLDER:-}" ] || kill "$HOLDER" 2>/dev/null || true
	if getent group tenant-exe-grp >/dev/null; then
		gpasswd -d tenant-ns tenant-exe-grp >/dev/null 2>&1
		groupdel tenant-exe-grp
	fi
	rm -rf "${PUBLIC:?}" "${UWORK:-/nonexistent}"
}

# The copy of tenant, as root; ub: the user's own copy, as the user (the rootless test).
tb() {
	"$BIN" --root "$STATE" "$@"
}

ub() {
	as_user tenant-ns "$UBIN" --root "$USTATE" "$@"
}

# What the attacks need in a bundle: a writable root; the control /ctl, a plain copy of the
# probe; the libraries tenant links, so that `#!/proc/self/exe` runs tenant inside as it would
# in a distribution image; and /evil: `#!/proc/self/exe update` makes tenant read its stdin
# (`update -r -`), so that tenant runs as a process of the container for as long as the test
# keeps that stdin open.
attack_bundle() {
	local dir=$1 lib
	cp "$dir/rootfs/init" "$dir/rootfs/ctl"
	for lib in $(ldd "$BIN" | grep -o '/[^ ]*'); do
		install -D -m 755 "$lib" "$dir/rootfs$lib"
	done
	printf '#!/proc/self/exe update\n' >"$dir/rootfs/evil"
	chmod 755 "$dir/rootfs/evil"
	config "$dir" '.root.readonly = false'
}

# A fifo for /evil's stdin, held open for writing by a process of the test's (HOLDER).
hold_stdin() {
	FIFO=$PUBLIC/stdin
	mkfifo -m 666 "$FIFO"
	sleep 600 >"$FIFO" &
	HOLDER=$!
}

# count NAME REPORT: a count of the hunter's report line.
count() {
	grep -oE "(^| )$1=[0-9]+" <<<"$2" | tail -1 | cut -d= -f2
}

# wait_for FILE TEXT: until FILE has a line with TEXT (20 s at most).
wait_for() {
	for _ in $(seq 400); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "never seen in $1: $2"
	cat "$1"
	return 1
}

wait_gone() {
	for _ in $(seq 200); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	echo "process $1 is still there"
	return 1
}

# The verdict on a hunter's report: nothing of tenant's was opened for writing or written, the
# binary is unchanged, and the control was overwritten (the attack works).
assert_protected() {
	local report=$1
	echo "report: $report"
	assert_eq "$(count open_w_host "$report")" 0
	assert_eq "$(count open_w_copy "$report")" 0
	assert_eq "$(count written "$report")" 0
	assert_eq "$(count stage_open "$report")" 0
	[ "$(count written_control "$report")" -ge 1 ]
	assert_eq "$(head -c 9 "$2")" "#!/bin/sh"
	assert_eq "$(sha "$BIN")" "$SUM"
}

# Nothing is left: no state entry, no mount, no process of the test's (tenant or the containers').
assert_clean() {
	local p
	assert_eq "$(state_root_left "$STATE")" ""
	[ -z "${USTATE:-}" ] || assert_eq "$(state_root_left "$USTATE")" ""
	assert_eq "$(host_mounts)" "$MOUNTS_BEFORE"
	assert_eq "$(pgrep -f "$PUBLIC|${UWORK:-/nonexistent}" || true)" ""
	for p in "${PIDS[@]}"; do
		wait_gone "$p"
	done
}

@test "create, run and exec run from a sealed copy; argv, environment and fds are as given" {
	local out=$PUBLIC/r
	printf 'one\n' >"$PUBLIC/f3"
	printf 'two\n' >"$PUBLIC/f4"
	# prestart runs as a child of tenant: what tenant runs from, seen from the host.
	cat >"$PUBLIC/hook" <<-EOF
		#!/bin/sh
		readlink /proc/\$PPID/exe >$out.exe
		cat /proc/\$PPID/comm >$out.comm
		tr '\0' '\n' </proc/\$PPID/cmdline >$out.cmdline
		tr '\0' '\n' </proc/\$PPID/environ | grep -e '^EXE_TEST=' -e '^LISTEN_FDS=' >$out.env
		readlink /proc/\$PPID/fd/3 /proc/\$PPID/fd/4 >$out.fds
	EOF
	chmod 755 "$PUBLIC/hook"
	config "$B" --arg h "$PUBLIC/hook" '.hooks.prestart = [{"path": $h}]'
	args "$B" cat /proc/self/fd/3 /proc/self/fd/4
	run -0 env EXE_TEST=marker LISTEN_FDS=2 "$BIN" --root "$STATE" run --preserve-fds 2 \
		--bundle "$B" c1 3<"$PUBLIC/f3" 4<"$PUBLIC/f4"
	assert_eq "$output" "$(printf 'one\ntwo')"
	assert_eq "$(cat "$out.exe")" "/memfd:tenant (deleted)"
	assert_eq "$(cat "$out.comm")" "tenant"
	assert_eq "$(cat "$out.cmdline")" \
		"$(printf '%s\n' "$BIN" --root "$STATE" run --preserve-fds 2 --bundle "$B" c1)"
	assert_eq "$(cat "$out.env")" "$(printf 'EXE_TEST=marker\nLISTEN_FDS=2')"
	assert_eq "$(cat "$out.fds")" "$(printf '%s\n' "$PUBLIC/f3" "$PUBLIC/f4")"

	# exec: the same, seen while it waits for its process.
	config "$B" 'del(.hooks)'
	args "$B" sleep 30
	tb run -d --bundle "$B" c2 </dev/null
	PIDS+=("$(tb state c2 | jq .pid)")
	"$BIN" --root "$STATE" exec --preserve-fds 1 c2 /init cat /proc/self/fd/3 ";" sleep 2 \
		3<"$PUBLIC/f3" >"$out.exec" &
	local r=$!
	wait_for "$out.exec" one
	assert_eq "$(readlink /proc/$r/exe)" "/memfd:tenant (deleted)"
	assert_eq "$(tr '\0' ' ' </proc/$r/cmdline)" \
		"$BIN --root $STATE exec --preserve-fds 1 c2 /init cat /proc/self/fd/3 ; sleep 2 "
	wait $r
	run -0 tb delete --force c2
	assert_eq "$(sha "$BIN")" "$SUM"
	assert_clean
}

# The execve calls of tenant's own process (without -f: not of its children) for a command.
execs() {
	strace -qq -e trace=execve,execveat -o "$PUBLIC/trace" "$@" >/dev/null 2>&1 || true
	grep -c -e 'execve(' -e 'execveat(' "$PUBLIC/trace"
}

@test "create, run and exec execute the binary again only for a container that could write it" {
	command -v strace >/dev/null || skip "strace is not installed"
	args "$B" exit 0
	# LeakSanitizer cannot run under ptrace: no leak check for the traced runs of the ASan build.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	# No user namespace: container root is host root, who may write the binary.
	assert_eq "$(execs "$BIN" --root "$STATE" run --bundle "$B" c3)" 2
	grep -q 'execveat(.*AT_EMPTY_PATH' "$PUBLIC/trace"
	# A user namespace that does not map the binary's owner (root) or group: every container
	# credential is "other" to a 0755 file, so no copy is made.
	config "$B" '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	chmod -R a+rX "$B"
	assert_eq "$(execs "$BIN" --root "$STATE" run --bundle "$B" c4)" 1
	# ... but a binary writable by others, or one the container's maps own, is copied.
	chmod o+w "$BIN"
	assert_eq "$(execs "$BIN" --root "$STATE" run --bundle "$B" c5)" 2
	chmod o-w "$BIN"
	chown 100500 "$BIN"
	assert_eq "$(execs "$BIN" --root "$STATE" run --bundle "$B" c6)" 2
	chown 0 "$BIN"
	chmod 755 "$BIN"
	# exec decides from the running container's maps the same way.
	args "$B" sleep 30
	tb run -d --bundle "$B" c7 </dev/null
	assert_eq "$(execs "$BIN" --root "$STATE" exec c7 /init id)" 1
	chmod o+w "$BIN"
	assert_eq "$(execs "$BIN" --root "$STATE" exec c7 /init id)" 2
	chmod o-w "$BIN"
	tb delete --force c7
	for verb in list "state c3" spec "features"; do
		(cd "$PUBLIC" && rm -f config.json && assert_eq "$verb: $(execs "$BIN" --root "$STATE" $verb)" "$verb: 1")
	done
	assert_eq "$(sha "$BIN")" "$SUM"
	assert_clean
}

@test "#!/proc/self/exe as the container's process, rootful, no user namespace: no write reaches the binary, alive or gone" {
	# No PID namespace, so the attacker outlives the process as in CVE-2019-5736.
	config "$B" '.process.args = ["/evil", "-r", "-"] | .linux.namespaces |= map(select(.type != "pid"))'
	hold_stdin
	local round report extra
	for round in plain escalated; do
		rm -f "$B/rootfs/tmp/stop"
		cp "$B/rootfs/init" "$B/rootfs/ctl"
		extra=
		if [ $round = escalated ]; then
			# An owner's chmod, and the capabilities of Docker's default set that ignore modes.
			config "$B" '.process.capabilities |= map_values(. + ["CAP_DAC_OVERRIDE", "CAP_FOWNER"])'
			extra=chmod
		fi
		tb run -d --bundle "$B" s1 <"$FIFO" >/dev/null
		local init
		init=$(tb state s1 | jq .pid)
		PIDS+=("$init")
		for _ in $(seq 100); do
			[[ "$(tr '\0' ' ' </proc/$init/cmdline)" == "/proc/self/exe update /evil -r -"* ]] && break
			sleep 0.05
		done
		# tenant runs as the container's process: from its sealed copy.
		assert_eq "$(readlink /proc/$init/exe)" "/memfd:tenant (deleted)"
		tb exec -d --pid-file "$PUBLIC/ctl.pid" s1 /ctl sleep 1
		local ctl
		ctl=$(cat "$PUBLIC/ctl.pid")
		tb exec -d s1 /init hunt pid="$init" pid="$ctl" control=/ctl stop=/tmp/stop ms=60000 \
			$extra >"$PUBLIC/hunt.out" 2>&1
		wait_for "$PUBLIC/hunt.out" ready
		sleep 0.3
		kill -KILL "$init"
		wait_gone "$init"
		wait_gone "$ctl"
		touch "$B/rootfs/tmp/stop"
		wait_for "$PUBLIC/hunt.out" attempts=
		report=$(tail -1 "$PUBLIC/hunt.out")
		echo "$round: $report"
		# Both were reached (an O_PATH descriptor each), neither reopened for writing but the
		# control; escalated, the copy's mode may give way, never its seals.
		assert_eq "$(count kept "$report")" 2
		assert_eq "$(count open_w_host "$report")" 0
		assert_eq "$(count written "$report")" 0
		[ "$(count written_control "$report")" -ge 1 ]
		assert_eq "$(head -c 9 "$B/rootfs/ctl")" "#!/bin/sh"
		if [ $round = plain ]; then
			assert_eq "$(count open_w_copy "$report")" 0
			assert_eq "$(count reopen_w "$report")" 1
		fi
		echo "# $round: write opens of the sealed copy $(count open_w_copy "$report"), of the binary 0, bytes written 0" >&3
		assert_eq "$(sha "$BIN")" "$SUM"
		run -0 tb delete --force s1
	done
	kill "$HOLDER"
	HOLDER=
	assert_clean
}

@test "created: init waiting for start is out of reach, rootful with and without a user namespace" {
	local mode report
	for mode in host userns; do
		[ $mode = userns ] && config "$B" '.linux.namespaces += [{"type": "user"}]
			| .linux.uidMappings = [{"containerID": 0, "hostID": 2000000, "size": 65536}]
			| .linux.gidMappings = .linux.uidMappings'
		args "$B" exit 0
		tb create --bundle "$B" w1 </dev/null >/dev/null 2>&1 3>&-
		PIDS+=("$(tb state w1 | jq .pid)")
		run -0 tb exec w1 /init hunt pid=1 deep once
		echo "$mode: $output"
		assert_contains "$output" "deep: fd=EACCES cwd=EACCES root=EACCES mem=EACCES environ=EACCES"
		report=${lines[-1]}
		assert_eq "$(count stage_attempts "$report")" 1
		assert_eq "$(count stage_open "$report")" 0
		assert_eq "$(count kept "$report")" 0
		run -0 tb start w1
		wait_status stopped w1 tb
		run -0 tb delete w1
	done
	assert_eq "$(sha "$BIN")" "$SUM"
	assert_clean
}

@test "exec: its stages in the container are out of reach while they run there" {
	local mnt caught="" hp np report
	args "$B" sleep 60
	tb run -d --bundle "$B" x1 </dev/null
	PIDS+=("$(tb state x1 | jq .pid)")
	mnt=$(readlink "/proc/${PIDS[0]}/ns/mnt")
	# Stop a stage of `exec` (SIGSTOP, from the host) while it is in the container.
	for _ in $(seq 50); do
		"$PROBE" catch "$mnt" tenant 1500 >"$PUBLIC/caught" &
		local c=$!
		sleep 0.05
		tb exec x1 /init exit 0 &
		local e=$!
		if wait $c; then
			read -r hp np <"$PUBLIC/caught"
			caught=1
			assert_eq "$(readlink /proc/$hp/exe)" "/memfd:tenant (deleted)"
			run -0 tb exec x1 /init hunt pid="$np" deep once
			echo "$output"
			kill -CONT "$hp"
			wait $e
			break
		fi
		wait $e
	done
	[ -n "$caught" ]
	assert_contains "$output" "deep: fd=EACCES cwd=EACCES root=EACCES mem=EACCES environ=EACCES"
	report=${lines[-1]}
	assert_eq "$(count stage_attempts "$report")" 1
	assert_eq "$(count stage_open "$report")" 0
	run -0 tb delete --force x1
	assert_eq "$(sha "$BIN")" "$SUM"
	assert_clean
}

# race DIR EXEC-COMMAND...: with the container `c` running the hunter as its process (its output
# in $PUBLIC/hunt.out), the control and /evil as exec'd processes (their PID files in DIR), then
# 2 x EXECS/2 execs in parallel (1,000; the sanitizer run of make check, whose tenant is several
# times slower, makes TENANT_RACE_EXECS of them).
EXECS=${TENANT_RACE_EXECS:-1000}

race() {
	local dir=$1 k loops=()
	shift
	"$@" exec -d --pid-file "$dir/ctl.pid" c /ctl sleep 1
	"$@" exec -d --pid-file "$dir/evil.pid" c /evil -r - <"$FIFO"
	for k in 1 2; do
		for _ in $(seq $((EXECS / 2))); do
			"$@" exec c /init exit 0 >/dev/null 2>&1 || echo failed
		done >"$PUBLIC/fails.$k" &
		loops+=($!)
	done
	wait "${loops[@]}"
	PIDS+=("$(cat "$dir/ctl.pid")" "$(cat "$dir/evil.pid")")
	kill -KILL "$(cat "$dir/evil.pid")"
	wait_gone "$(cat "$dir/evil.pid")"
	wait_gone "$(cat "$dir/ctl.pid")"
	touch "$B/rootfs/tmp/stop"
	wait_for "$PUBLIC/hunt.out" attempts=
	assert_eq "$(cat "$PUBLIC/fails.1" "$PUBLIC/fails.2")" ""
}

@test "race: 1,000 execs against a process of the container that scans /proc for them, rootful" {
	local report
	args "$B" hunt stop=/tmp/stop ms=600000 nap=200 control=/ctl
	hold_stdin
	tb run -d --bundle "$B" c </dev/null >"$PUBLIC/hunt.out" 2>&1
	PIDS+=("$(tb state c | jq .pid)")
	wait_for "$PUBLIC/hunt.out" ready
	race "$PUBLIC" tb
	report=$(tail -1 "$PUBLIC/hunt.out")
	echo "# rootful: $(count stage_pids "$report") of $EXECS exec stages attacked, $(count stage_attempts "$report") attempts on them, none opened" >&3
	[ "$(count stage_pids "$report")" -ge $((EXECS / 10)) ]
	assert_protected "$report" "$B/rootfs/ctl"
	wait_status stopped c tb
	run -0 tb delete c
	kill "$HOLDER"
	HOLDER=
	assert_clean
}

@test "race, rootless: the same as tenant-ns, whose own copy of the binary it is" {
	require_userns_user
	local report
	UWORK=$USERNS_DIR/work/exe
	USTATE=$UWORK/state
	UBIN=$UWORK/tenant
	install -d -o tenant-ns -g tenant-ns -m 700 "$UWORK"
	install -o tenant-ns -g tenant-ns -m 755 "$TENANT" "$UBIN"
	SUM=$(sha "$UBIN")
	BIN=$UBIN
	B=$UWORK/bundle
	make_bundle "$B" --rootless
	config "$B" --argjson u "$NS_UID" --argjson g "$NS_GID" \
		'.linux.uidMappings[0].hostID = $u | .linux.gidMappings[0].hostID = $g'
	attack_bundle "$B"
	chown -R tenant-ns:tenant-ns "$B"
	args "$B" hunt stop=/tmp/stop ms=600000 nap=200 control=/ctl
	hold_stdin

	# Before start, init cannot be entered by the user (it is not dumpable): said, with the fix.
	ub create --bundle "$B" c </dev/null >"$PUBLIC/hunt.out" 2>&1
	PIDS+=("$(ub state c | jq .pid)")
	run -255 ub exec c /init id
	assert_contains "$output" "cannot exec in container 'c' before it is started"
	assert_contains "$output" "hint: start it first"
	ub start c
	wait_for "$PUBLIC/hunt.out" ready
	race "$UWORK" ub
	report=$(tail -1 "$PUBLIC/hunt.out")
	echo "# rootless: $(count stage_pids "$report") of $EXECS exec stages attacked, $(count stage_attempts "$report") attempts on them, none opened" >&3
	[ "$(count stage_pids "$report")" -ge $((EXECS / 10)) ]
	assert_protected "$report" "$B/rootfs/ctl"
	wait_status stopped c ub
	run -0 ub delete c
	kill "$HOLDER"
	HOLDER=
	assert_clean
}

@test "a binary the rootless user may write through a group of its own is copied, though the container maps only the user" {
	command -v strace >/dev/null || skip "strace is not installed"
	# LeakSanitizer cannot run under ptrace: no leak check for the traced runs of the ASan build.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	groupadd --system tenant-exe-grp
	usermod -a -G tenant-exe-grp tenant-ns
	UWORK=$(mktemp -d /tmp/tenant-exe-grp.XXXXXX)
	chmod 755 "$UWORK"
	install -m 775 -o root -g tenant-exe-grp "$TENANT" "$UWORK/tenant"
	local b=$UWORK/b
	make_bundle "$b"
	config "$b" '.linux.namespaces |= map(select(.type != "user" and .type != "network")) | del(.linux.resources)'
	args "$b" exit 0
	chown -R tenant-ns: "$b"
	# setgroups is denied in a user namespace of the user's own ID alone: the container's
	# processes keep tenant-exe-grp, which may write the binary.
	config "$b" --argjson u "$NS_UID" --argjson g "$NS_GID" '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": $u, "size": 1}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": $g, "size": 1}]'
	local trace=$USERNS_DIR/work/trace st=$USERNS_DIR/work/st-grp
	run -0 as_user tenant-ns strace -qq -e trace=execve,execveat -o "$trace" "$UWORK/tenant" --root "$st" run --bundle "$b" g1
	assert_eq "$(grep -c -e 'execve(' -e 'execveat(' "$trace")" 2
	# Without the write bit for the group, no copy.
	chmod 755 "$UWORK/tenant"
	run -0 as_user tenant-ns strace -qq -e trace=execve,execveat -o "$trace" "$UWORK/tenant" --root "$st" run --bundle "$b" g2
	assert_eq "$(grep -c -e 'execve(' -e 'execveat(' "$trace")" 1
	gpasswd -d tenant-ns tenant-exe-grp >/dev/null
	groupdel tenant-exe-grp
}
