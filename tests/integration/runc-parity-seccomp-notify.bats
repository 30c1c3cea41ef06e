#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# runc parity of seccomp's SCMP_ACT_NOTIFY (runtime-spec config-linux.md#seccomp): the listener
# and the container process state go to the agent at listenerPath; the agent answers the
# container's syscalls (issue 16). The agent is tests/probe/seccomp-agent.c: mkdir(P) makes
# P-bar, the chmod family fails with ENOMEDIUM, the rest continues.

load helpers
load parity
bats_require_minimum_version 1.5.0

AGENT=$TENANT_BUILD/tests/probe/seccomp-agent

start_agent() {
	rm -f "$PUBLIC/agent.sock"
	"$AGENT" "$PUBLIC/agent.sock" "$PUBLIC/agent.log" bar 3>&- &
	AGENT_PID=$!
	for _ in $(seq 100); do
		[ -S "$PUBLIC/agent.sock" ] && return 0
		sleep 0.05
	done
	return 1
}

stop_agent() {
	[ -n "${AGENT_PID:-}" ] || return 0
	kill -9 "$AGENT_PID" 2>/dev/null || true
	wait "$AGENT_PID" 2>/dev/null || true
	AGENT_PID=
}

teardown() {
	stop_agent
	[ -n "${STATE:-}" ] || return 0
	parity_clean
}

# notify NNP SYSCALL...: SCMP_ACT_NOTIFY for the syscalls, to the agent, metadata "bar".
notify() {
	local nnp=$1
	shift
	config "$B" --argjson nnp "$nnp" --arg sock "$PUBLIC/agent.sock" '
		.process.noNewPrivileges = $nnp
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $sock,
			listenerMetadata: "bar",
			architectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_X86_64"],
			syscalls: [{names: $ARGS.positional, action: "SCMP_ACT_NOTIFY"}]}' --args "$@"
}

# Both runtimes run the bundle: the same result ($want, $got).
compare_runs() {
	want=$(run_with runc "c$BATS_TEST_NUMBER-r")
	got=$(run_with "$TENANT" "c$BATS_TEST_NUMBER-t")
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$got" "$want"
}

@test "seccomp notify: the agent answers mkdir, with and without noNewPrivileges, as runc" {
	start_agent
	# in /dev/shm: the root is read-only, for the agent too
	args "$B" mkdir /dev/shm/foo ";" stat /dev/shm/foo-bar
	for nnp in false true; do
		notify "$nnp" mkdir
		compare_runs
		assert_eq "$(head -1 <<<"$got")" 0
	done
}

@test "seccomp notify: an error the agent returns reaches the process, as runc" {
	start_agent
	args "$B" write /dev/shm/f x ";" chmod /dev/shm/f 777
	notify false chmod fchmod fchmodat
	compare_runs
	assert_contains "$got" 'chmod: /dev/shm/f: No medium found'
}

@test "seccomp notify: every syscall the setup makes may be notified, as runc" {
	start_agent
	args "$B" id
	for nnp in false true; do
		notify "$nnp" execve openat open read close
		compare_runs
		assert_contains "$got" "uid=0"
	done
}

@test "seccomp notify: the agent gets runc's container process state and one fd" {
	start_agent
	args "$B" id
	notify false mkdir
	config "$B" '.annotations = {"org.example": "x"}'
	run_with runc s-r >/dev/null
	run_with "$TENANT" s-t >/dev/null
	assert_eq "$(wc -l <"$PUBLIC/agent.log")" 2
	# the same shape but for the IDs, the PIDs and the versions; pid is the process's
	shape() {
		sed -n "$1p" "$PUBLIC/agent.log" | jq -cS '.ociVersion = "V" | .state.ociVersion = "V"
			| .pid |= type | .state.pid |= type | .state.id |= sub("-.*"; "")'
	}
	echo "runc: $(shape 1)"
	echo "tenant: $(shape 2)"
	assert_eq "$(shape 2)" "$(shape 1)"
	assert_eq "$(sed -n 2p "$PUBLIC/agent.log" | jq -c '[.fds, .metadata, .state.bundle]')" \
		"[[\"seccompFd\"],\"bar\",\"$B\"]"
	assert_eq "$(sed -n 2p "$PUBLIC/agent.log" | jq '.pid == .state.pid')" true
}

@test "seccomp notify: exec'd processes are notified too, as runc" {
	start_agent
	args "$B" sleep 30
	notify false mkdir
	runc --root "$RSTATE" run -d --bundle "$B" e-r 3>&- </dev/null >/dev/null
	"$TENANT" --root "$STATE" run -d --bundle "$B" e-t 3>&- </dev/null >/dev/null
	want=$(runc --root "$RSTATE" exec e-r /init mkdir /dev/shm/x ";" stat /dev/shm/x-bar 2>&1; echo "$?")
	got=$("$TENANT" --root "$STATE" exec e-t /init mkdir /dev/shm/x ";" stat /dev/shm/x-bar 2>&1; echo "$?")
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$got" "$want"
	assert_eq "$(tail -1 <<<"$got")" 0
	# one state per container and per exec
	assert_eq "$(wc -l <"$PUBLIC/agent.log")" 4
}

@test "seccomp notify: with the agent gone, notified syscalls fail with ENOSYS, as runc" {
	args "$B" sleep 2 ";" mkdir /dev/shm/k
	notify false mkdir
	for rt in runc "$TENANT"; do
		start_agent
		(sleep 1 && kill -9 "$AGENT_PID") 3>&- &
		out=$(run_with "$rt" "k-$(basename "$rt")")
		wait
		echo "$rt: $out"
		assert_eq "$(head -1 <<<"$out")" 1
		assert_contains "$out" "mkdir: /dev/shm/k: Function not implemented"
		AGENT_PID=
	done
}

@test "seccomp notify: no agent, a relative or empty listenerPath, write notified: refused, as runc" {
	args "$B" id
	notify false mkdir
	# no agent listening: both fail, and tenant leaves nothing behind
	run_with runc n-r | head -1 | grep -qv '^0$'
	got=$(run_with "$TENANT" n-t)
	assert_eq "$(head -1 <<<"$got")" 1
	assert_contains "$got" "failed to connect with seccomp agent at $PUBLIC/agent.sock"
	assert_eq "$("$TENANT" --root "$STATE" list -q)" ""
	start_agent
	for path in "" "@abstract" "agent.sock"; do
		config "$B" --arg p "$path" '.linux.seccomp.listenerPath = $p'
		run_with runc "p-r" | head -1 | grep -qv '^0$'
		out=$(run_with "$TENANT" "p-t")
		assert_eq "$(head -1 <<<"$out")" 1
		assert_contains "$out" "linux.seccomp.listenerPath"
	done
	notify false write
	run_with runc w-r | head -1 | grep -qv '^0$'
	out=$(run_with "$TENANT" w-t)
	assert_contains "$out" "SCMP_ACT_NOTIFY cannot be used for the write syscall"
	assert_eq "$(wc -l <"$PUBLIC/agent.log" 2>/dev/null || echo 0)" 0
}

@test "seccomp notify: a listenerPath without SCMP_ACT_NOTIFY rules is not used, as runc" {
	start_agent
	args "$B" id
	config "$B" --arg sock "$PUBLIC/agent.sock" '.linux.seccomp = {defaultAction:
		"SCMP_ACT_ALLOW", listenerPath: $sock, listenerMetadata: "bar"}'
	compare_runs
	assert_eq "$(head -1 <<<"$got")" 0
	[ ! -e "$PUBLIC/agent.log" ]
}
