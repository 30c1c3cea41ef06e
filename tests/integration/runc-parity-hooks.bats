#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# runc parity of hooks (when they run, where, with what environment, what a failure does),
# seccomp profiles, --log/--log-format, list and ps (issue 16).

load helpers
load parity
bats_require_minimum_version 1.5.0

# A hook both runtimes run: hook LOG NAME [EXIT [SLEEP]] notes NAME, its directory and its
# environment (but for what the shell that started the runtime sets) in LOG, writes on stdout
# and stderr, and exits EXIT (after SLEEP seconds).
write_hook() {
	cat >"$PUBLIC/hook" <<'SH'
#!/bin/sh
log=$1 name=$2
cat >"$log.$name.state"
{
	echo "$name cwd=$(pwd -P)"
	env | grep -v -e '^_=' -e '^SHLVL=' -e '^OLDPWD=' | sort | sed "s/^/$name env /"
} >>"$log"
echo "out-of-$name"
echo "err-of-$name" >&2
[ -n "${4:-}" ] && exec sleep "$4"
exit "${3:-0}"
SH
	chmod 755 "$PUBLIC/hook"
}

# add_hook KIND NAME [EXIT [SLEEP [TIMEOUT]]]: one more hook of KIND.
add_hook() {
	local h
	h=$(jq -nc --arg p "$PUBLIC/hook" --arg log "$PUBLIC/log" --arg n "$2" --arg c "${3:-0}" \
		--arg s "${4:-}" --argjson t "${5:-0}" \
		'{path: $p, args: (["hook", $log, $n, $c] + (if $s == "" then [] else [$s] end))}
		 + (if $t > 0 then {timeout: $t} else {} end)')
	config "$B" --arg k "$1" --argjson h "$h" '.hooks[$k] += [$h]'
}

# The hooks' log of the last run, as LOG-RUNTIME.
keep_log() {
	touch "$PUBLIC/log"
	mv "$PUBLIC/log" "$PUBLIC/log-$1"
}

# create_with RUNTIME ID: "exit status", create's stdout, whether `state` finds the container.
create_with() {
	local runtime=$1 id=$2 root=$STATE status=0 out
	[ "$runtime" = runc ] && root=$RSTATE
	out=$("$runtime" --root "$root" create --bundle "$B" "$id" 2>"$PUBLIC/err-$id" 3>&- </dev/null) ||
		status=$?
	printf 'create: %s\nstdout: %s\n' "$status" "$out"
	"$runtime" --root "$root" state "$id" >/dev/null 2>&1 && echo "state: found" || echo "state: gone"
}

@test "hooks: every kind runs, in order, and its output is not the container's, as runc" {
	write_hook
	for k in prestart createRuntime createContainer poststart poststop; do
		add_hook "$k" "$k"
	done
	same_as_runc o
	# runc ran them all (the log is shared: runc's run came first)
	assert_eq "$(grep -c cwd= "$PUBLIC/log")" 10
	assert_eq "$(grep cwd= "$PUBLIC/log" | cut -d' ' -f1 | tr '\n' ' ')" \
		"prestart createRuntime createContainer poststart poststop prestart createRuntime createContainer poststart poststop "
}

@test "hooks: the state on stdin has runc's fields, as runc" {
	write_hook
	for k in prestart createRuntime createContainer poststart poststop; do
		add_hook "$k" "$k"
	done
	config "$B" '.annotations = {"org.example": "x"}'
	for rt in runc "$TENANT"; do
		run_with "$rt" "s-$(basename "$rt")" >/dev/null
		for k in prestart createRuntime createContainer poststart poststop; do
			# the PID is each one's own; poststart: "created" in runc 1.1.5, which runs it at
			# create, "running" in tenant (after start, runtime-spec)
			jq -c '.pid |= (if . then "PID" else . end) | .id |= sub("-.*"; "") | .ociVersion = "V"
				| if .status == "running" then .status = "created" else . end' \
				"$PUBLIC/log.$k.state" >"$PUBLIC/state-$k-$(basename "$rt")"
		done
	done
	for k in prestart createRuntime createContainer poststart poststop; do
		echo "$k"
		diff -u "$PUBLIC/state-$k-runc" "$PUBLIC/state-$k-tenant"
	done
	assert_eq "$(jq -c 'keys_unsorted' "$PUBLIC/state-prestart-tenant")" '["ociVersion","id","status","pid","bundle","annotations"]'
	# in the container's hooks, init's PID is its own in its PID namespace, as runc's
	assert_eq "$(jq .pid "$PUBLIC/log.createContainer.state")" 1
}

@test "hooks: without env, the runtime's environment (createContainer: the process's); run in the bundle (createContainer: its rootfs), as runc" {
	write_hook
	add_hook prestart p
	add_hook createRuntime cr
	add_hook createContainer cc
	add_hook poststart ps
	config "$B" --arg h "$PUBLIC/hook" --arg log "$PUBLIC/log" \
		'.hooks.prestart += [{path: $h, args: ["hook", $log, "empty"], env: ["A=1"]}]'
	export PARITY_MARK=from-the-caller
	run_with runc e-r >/dev/null
	keep_log runc
	run_with "$TENANT" e-t >/dev/null
	keep_log tenant
	diff -u "$PUBLIC/log-runc" "$PUBLIC/log-tenant"
	assert_contains "$(cat "$PUBLIC/log-tenant")" "p env PARITY_MARK=from-the-caller"
	assert_contains "$(cat "$PUBLIC/log-tenant")" "p cwd=$B"$'\n'
	assert_contains "$(cat "$PUBLIC/log-tenant")" "cc cwd=$B/rootfs"
	assert_not_contains "$(cat "$PUBLIC/log-tenant")" "cc env PARITY_MARK"
	assert_eq "$(grep -c '^empty env' "$PUBLIC/log-tenant")" 2 # A=1 and the shell's PWD
}

@test "hooks: a failing prestart, createRuntime or createContainer hook fails create and removes the container, as runc" {
	write_hook
	for k in prestart createRuntime createContainer; do
		config "$B" 'del(.hooks)'
		add_hook "$k" "$k-1" 3
		add_hook "$k" "$k-2"
		want=$(create_with runc "f$k-r")
		got=$(create_with "$TENANT" "f$k-t")
		echo "runc: $want"
		echo "tenant: $got"
		assert_eq "$got" "$want"
		assert_eq "$got" "create: 1"$'\n'"stdout: "$'\n'"state: gone"
		# the failing hook's own output is in the error, of both
		assert_contains "$(cat "$PUBLIC/err-f$k-r")" "err-of-$k-1"
		assert_contains "$(cat "$PUBLIC/err-f$k-t")" "err-of-$k-1"
		assert_contains "$(cat "$PUBLIC/err-f$k-t")" "status 3"
		# the hooks after it did not run
		assert_not_contains "$(grep cwd= "$PUBLIC/log")" "$k-2 cwd"
	done
}

@test "hooks: a failing startContainer hook: start succeeds, the process never runs, run exits 1, as runc" {
	# the hook runs inside the container: /init exit 3
	config "$B" '.hooks.startContainer = [{"path": "/init", "args": ["init", "exit", "3"]}]'
	args "$B" write /tmp/ran yes
	config "$B" '.root.readonly = false'
	want=$(run_with runc sc-r | head -1)
	got=$(run_with "$TENANT" sc-t | head -1)
	assert_eq "$got" "$want"
	assert_eq "$got" 1
	for rt in runc "$TENANT"; do
		root=$STATE
		[ "$rt" = runc ] && root=$RSTATE
		"$rt" --root "$root" create --bundle "$B" s2 >/dev/null 2>&1 3>&- </dev/null
		run -0 "$rt" --root "$root" start s2
		wait_status stopped s2 "$rt" --root "$root"
		run -0 "$rt" --root "$root" delete s2
	done
	[ ! -e "$B/rootfs/tmp/ran" ]
}

@test "hooks: a hook past its timeout is killed and create fails, as runc" {
	write_hook
	# A sleep of its own: an earlier test's container may still be on its way out.
	add_hook prestart slow 0 9141 1
	want=$(create_with runc t-r)
	SECONDS=0
	got=$(create_with "$TENANT" t-t)
	[ "$SECONDS" -lt 10 ]
	echo "runc: $want"
	echo "tenant: $got"
	assert_eq "$got" "$want"
	assert_eq "$got" "create: 1"$'\n'"stdout: "$'\n'"state: gone"
	assert_contains "$(cat "$PUBLIC/err-t-t")" "timed out after 1 s"
	! running_cmd "sleep 9141"
}

@test "hooks: a failing poststop hook is a warning, delete succeeds; the later hooks still run (runtime-spec; runc stops at the first)" {
	write_hook
	add_hook poststop s1 3
	add_hook poststop s2
	args "$B" sleep 30
	for rt in runc "$TENANT"; do
		root=$STATE
		[ "$rt" = runc ] && root=$RSTATE
		"$rt" --root "$root" create --bundle "$B" d >/dev/null 2>&1 3>&- </dev/null
		"$rt" --root "$root" kill d KILL
		wait_status stopped d "$rt" --root "$root"
		run -0 "$rt" --root "$root" delete d
		assert_contains "$output" "err-of-s1"
		run ! "$rt" --root "$root" state d
		keep_log "$(basename "$rt")"
	done
	# runc 1.1.5 stops at the first failing poststop hook; runtime-spec (config.md#poststop):
	# "the runtime MUST log a warning, but the remaining hooks and lifecycle continue"
	assert_not_contains "$(cat "$PUBLIC/log-runc")" "s2 cwd"
	assert_contains "$(cat "$PUBLIC/log-tenant")" "s2 cwd"
	assert_contains "$(cat "$PUBLIC/log-tenant")" "s1 cwd"
}

@test "hooks: a failing poststart hook is a warning at start, the container runs (runtime-spec; runc 1.1.5 runs them at create and fails it)" {
	write_hook
	add_hook poststart a1 3
	add_hook poststart a2
	args "$B" sleep 30
	"$TENANT" --root "$STATE" create --bundle "$B" a >/dev/null 2>&1 3>&- </dev/null
	assert_eq "$(cat "$PUBLIC/log" 2>/dev/null)" ""
	run -0 "$TENANT" --root "$STATE" start a
	assert_contains "$output" "warning: error running hooks.poststart[0]"
	assert_contains "$output" 'stderr: "err-of-a1"'
	assert_contains "$(cat "$PUBLIC/log")" "a2 cwd=$B"
	assert_eq "$("$TENANT" --root "$STATE" state a | jq -r .status)" running
	# runc: `runc create` runs them, and a failure fails it (opencontainers/runc#4347 era)
	run -1 runc --root "$RSTATE" create --bundle "$B" a 3>&- </dev/null
	assert_contains "$output" "err-of-a1"
	run ! runc --root "$RSTATE" state a
}

# ---- seccomp ----

# podman's default profile (/usr/share/containers/seccomp.json) as podman hands it to the
# runtime on x86_64: the native architecture and its sub-architectures, the rules whose
# arches and caps conditions the container's bounding set meets (minKernel is met here).
podman_profile() {
	jq --argjson caps "$(jq -c .process.capabilities.bounding "$B/config.json")" '
		def has($l): . as $x | ($l | index($x)) != null;
		{defaultAction, defaultErrnoRet,
		 architectures: ([.archMap[] | select(.architecture == "SCMP_ARCH_X86_64")
				  | [.architecture] + .subArchitectures] | add),
		 syscalls: [.syscalls[]
			| select((.includes.arches // []) as $a | $a == [] or ("amd64" | has($a)))
			| select((.excludes.arches // []) as $x | "amd64" | has($x) | not)
			| select((.includes.caps // []) | all(has($caps)))
			| select((.excludes.caps // []) | any(has($caps)) | not)
			| {names, action} + (if .errnoRet then {errnoRet} else {} end)
			  + (if .args then {args} else {} end)]}' /usr/share/containers/seccomp.json
}

@test "seccomp: two conditions on one argument become a rule each (either matches), as runc" {
	# SIGWINCH (28) and signal 0 are refused, SIGURG (23) is not: both ignored by /init
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"],
		"action": "SCMP_ACT_ERRNO", "errnoRet": 1, "args": [
		{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 28, "op": "SCMP_CMP_EQ"}]}]}'
	for sig in 0 28 23; do
		args "$B" kill 1 "$sig"
		same_as_runc "k$sig"
		if [ "$sig" = 23 ]; then
			assert_eq "$(run_with "$TENANT" "k${sig}b")" 0
		else
			assert_contains "$(run_with "$TENANT" "k${sig}b")" "Operation not permitted"
		fi
	done
}

@test "seccomp: podman's default profile loads and refuses what it refuses, as runc" {
	[ -r /usr/share/containers/seccomp.json ] || skip "no /usr/share/containers/seccomp.json"
	config "$B" --argjson s "$(podman_profile)" '.linux.seccomp = $s'
	args "$B" id
	same_as_runc p0
	args "$B" mount-tmpfs /mnt # allowed by the profile, not by the capabilities
	same_as_runc p1
	# without mkdir in it, mkdir gets the default action: ENOSYS, podman's defaultErrnoRet
	config "$B" '.linux.seccomp.syscalls[].names -= ["mkdir", "mkdirat"]'
	args "$B" mkdir /tmp/d
	same_as_runc p2
	assert_contains "$(run_with "$TENANT" p3)" "Function not implemented"
	config "$B" '.linux.seccomp.defaultErrnoRet = 13'
	same_as_runc p4
	assert_contains "$(run_with "$TENANT" p5)" "Permission denied"
}

@test "seccomp: a syscall newer than every one the profile names fails with ENOSYS, not the default action, as runc" {
	[ -r /usr/share/containers/seccomp.json ] || skip "no /usr/share/containers/seccomp.json"
	# podman's profile with EPERM as its default: runc's stub (and tenant's) still says ENOSYS
	# for a syscall beyond the profile's last (1000), which libseccomp alone would refuse
	config "$B" --argjson s "$(podman_profile)" '.linux.seccomp = $s
		| .linux.seccomp.defaultErrnoRet = 1 | .process.noNewPrivileges = true'
	args "$B" syscall 1000
	same_as_runc n0
	assert_eq "$(run_with "$TENANT" n1)" "0
ENOSYS"
	# a default that allows: no stub (ENOSYS is the kernel's own answer)
	config "$B" '.linux.seccomp.defaultAction = "SCMP_ACT_ALLOW" | .linux.seccomp.syscalls = []'
	same_as_runc n2
	# the profile's own refusals keep their errno: an ERRNO rule for a named syscall
	config "$B" --argjson s "$(podman_profile)" '.linux.seccomp = $s
		| .linux.seccomp.defaultErrnoRet = 1
		| .linux.seccomp.syscalls |= map(.names -= ["getppid"] | select(.names | length > 0))
		| .linux.seccomp.syscalls += [{"names": ["getppid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]'
	args "$B" syscall 110
	same_as_runc n3
	assert_eq "$(run_with "$TENANT" n4)" "0
EPERM"
}

@test "seccomp: SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL, SCMP_ACT_LOG, SCMP_ACT_TRACE and flags, as runc" {
	args "$B" mkdir /tmp/d
	for action in SCMP_ACT_KILL_PROCESS SCMP_ACT_KILL SCMP_ACT_KILL_THREAD SCMP_ACT_LOG SCMP_ACT_TRACE SCMP_ACT_TRAP; do
		config "$B" --arg a "$action" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls": [{"names": ["mkdir", "mkdirat"], "action": $a}]}'
		same_as_runc "a-$action"
	done
}

@test "seccomp: flags are applied (runtime-spec; runc 1.1.5 refuses every flag, runc 1.2 takes them)" {
	args "$B" mkdir /tmp/d
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
	for flag in SECCOMP_FILTER_FLAG_LOG SECCOMP_FILTER_FLAG_SPEC_ALLOW SECCOMP_FILTER_FLAG_TSYNC; do
		config "$B" --arg f "$flag" '.linux.seccomp.flags = [$f]'
		assert_contains "$(run_with runc "f-r")" "seccomp flags are not yet supported by runc"
		assert_contains "$(run_with "$TENANT" "f-$flag")" "mkdir: /tmp/d: Permission denied"
	done
}

@test "seccomp: unknown syscall names are skipped; an unknown architecture, action or operator fails create, as runc" {
	args "$B" mkdir /tmp/d
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["no_such_syscall", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	same_as_runc u0
	for edit in '.linux.seccomp.architectures = ["SCMP_ARCH_NOPE"]' \
		'.linux.seccomp.syscalls[0].action = "SCMP_ACT_NOPE"' \
		'.linux.seccomp.syscalls[0].args = [{"index": 0, "value": 1, "op": "SCMP_CMP_NOPE"}]'; do
		config "$B" '.linux.seccomp.architectures = [] | .linux.seccomp.syscalls[0].args = []'
		config "$B" "$edit"
		assert_eq "$(run_with runc u1-r | head -1)" 1
		assert_eq "$(run_with "$TENANT" u1-t | head -1)" 1
	done
}

@test "hooks: startContainer runs right before the process, under its seccomp filter and with its fds only, as runc" {
	busybox_bundle
	# Only stdio and ls's own directory are open in the hook; mkdir is killed by the filter.
	config "$B" '.process.args = ["true"] | .hooks.startContainer = [{"path": "/bin/sh",
		"args": ["sh", "-c", "[ $(ls /proc/self/fd | wc -l) -eq 4 ]"]}]'
	same_as_runc f0
	assert_eq "$(run_with "$TENANT" f1)" "0"
	config "$B" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names":
		["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]} | .hooks.startContainer = [{"path":
		"/bin/sh", "args": ["sh", "-c", "mkdir /tmp/d"]}]'
	run -1 runc --root "$RSTATE" run --bundle "$B" s-r 3>&- </dev/null
	assert_contains "$output" "error running hook"
	run -1 "$TENANT" --root "$STATE" run --bundle "$B" s-t 3>&- </dev/null
	assert_contains "$output" "error running hooks.startContainer[0] (/bin/sh): killed by signal 31 (bad system call)"
	[ ! -e "$B/rootfs/tmp/d" ]
}

# ---- --log, --log-format, --debug ----

# log_shape FILE: each line's level and its keys (json), or whether it has logrus's text shape.
log_shape() {
	local fmt=$1 file=$2
	if [ "$fmt" = json ]; then
		jq -c '[.level, (keys - ["file", "func", "pid", "status"]),
			(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$"))]' "$file"
	else
		sed -E 's/^time="[0-9T:.Z+-]+" level=([a-z]+) msg=".*"$/text \1/' "$file"
	fi
}

@test "--log FILE --log-format json|text: a failing create writes one error line, in runc's shape" {
	config "$B" '.root.path = "no-such-rootfs"'
	for fmt in json text; do
		for rt in runc "$TENANT"; do
			root=$STATE
			[ "$rt" = runc ] && root=$RSTATE
			run -1 "$rt" --root "$root" --log "$PUBLIC/log-$fmt-$(basename "$rt")" --log-format "$fmt" \
				create --bundle "$B" l 3>&- </dev/null
			assert_contains "$output" "no-such-rootfs" # on stderr too
		done
		want=$(log_shape "$fmt" "$PUBLIC/log-$fmt-runc")
		got=$(log_shape "$fmt" "$PUBLIC/log-$fmt-tenant")
		echo "runc: $want"
		echo "tenant: $got"
		assert_eq "$got" "$want"
		assert_contains "$(cat "$PUBLIC/log-$fmt-tenant")" "no-such-rootfs"
	done
	assert_eq "$(log_shape json "$PUBLIC/log-json-tenant")" '["error",["level","msg","time"],true]'
	assert_eq "$(log_shape text "$PUBLIC/log-text-tenant")" 'text error'
}

@test "--log FILE: created by a command that succeeds, and left empty without --debug, as runc" {
	runc --root "$RSTATE" --log "$PUBLIC/log-runc" list >/dev/null
	"$TENANT" --root "$STATE" --log "$PUBLIC/log-tenant" list >/dev/null
	[ -f "$PUBLIC/log-runc" ] && [ ! -s "$PUBLIC/log-runc" ]
	[ -f "$PUBLIC/log-tenant" ] && [ ! -s "$PUBLIC/log-tenant" ]
	# a file that cannot be opened is an error, as runc's
	run ! runc --root "$RSTATE" --log "$PUBLIC/no/such/dir/log" list
	run ! "$TENANT" --root "$STATE" --log "$PUBLIC/no/such/dir/log" list
	assert_contains "$output" "--log"
}

@test "--debug: debug lines in the log, in runc's shape; without --log, on stderr" {
	for rt in runc "$TENANT"; do
		root=$STATE
		[ "$rt" = runc ] && root=$RSTATE
		"$rt" --root "$root" --debug --log "$PUBLIC/log-$(basename "$rt")" --log-format json \
			run --bundle "$B" d >/dev/null 2>&1 3>&- </dev/null
		log_shape json "$PUBLIC/log-$(basename "$rt")" | sort -u >"$PUBLIC/shape-$(basename "$rt")"
	done
	diff -u "$PUBLIC/shape-runc" "$PUBLIC/shape-tenant"
	assert_eq "$(cat "$PUBLIC/shape-tenant")" '["debug",["level","msg","time"],true]'
	run -0 --separate-stderr "$TENANT" --root "$STATE" --debug list
	assert_contains "$stderr" "level=debug"
	run -0 --separate-stderr "$TENANT" --root "$STATE" list
	assert_eq "$stderr" ""
}

@test "--log FILE: a failing poststop hook's message is in the log (runc: an error, tenant: a warning)" {
	write_hook
	add_hook poststop s1 3
	for rt in runc "$TENANT"; do
		root=$STATE
		[ "$rt" = runc ] && root=$RSTATE
		rm -f "$PUBLIC/log-w"
		"$rt" --root "$root" create --bundle "$B" w2 >/dev/null 2>&1 3>&- </dev/null
		"$rt" --root "$root" start w2
		wait_status stopped w2 "$rt" --root "$root"
		run -0 "$rt" --root "$root" --log "$PUBLIC/log-w" --log-format json delete w2
		assert_contains "$(cat "$PUBLIC/log-w")" "err-of-s1"
	done
	assert_eq "$(jq -r .level "$PUBLIC/log-w")" warning
}

# ---- list and ps ----

# The same container (sleep 30), created by runc as ID-r and by tenant as ID-t; START to start.
two_containers() {
	args "$B" sleep 30
	runc --root "$RSTATE" create --bundle "$B" "$1-r" >/dev/null 2>&1 3>&- </dev/null
	"$TENANT" --root "$STATE" create --bundle "$B" "$1-t" >/dev/null 2>&1 3>&- </dev/null
	if [ "${2:-}" = start ]; then
		runc --root "$RSTATE" start "$1-r"
		"$TENANT" --root "$STATE" start "$1-t"
	fi
}

# Output of `RUNTIME --root ROOT ARGS...` with the runtime's own values made alike: the
# container IDs' -r/-t suffix, and PIDs and creation times replaced by their kind.
normalized() {
	local rt=$1 root=$STATE
	shift
	[ "$rt" = runc ] && root=$RSTATE
	"$rt" --root "$root" "$@" 2>&1 | sed -E -e 's/-[rt]([" ]|$)/-X\1/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z/TIME/g' -e 's/"pid":[1-9][0-9]*/"pid":1/g' \
		-e 's/^(\S+\s+)[0-9]+(\s+)/\1N\2/' -e 's/"ociVersion":"[^"]*"/"ociVersion":"V"/'
}

@test "list: runc's columns and widths, -q, and --format json with runc's keys, as runc" {
	for rt in runc "$TENANT"; do
		assert_eq "$(normalized "$rt" list --format json)" null
		assert_eq "$(normalized "$rt" list -q)" ""
	done
	two_containers l start
	# (columns squeezed: the widths follow the creation times, whose trailing zeros Go drops)
	for args in "list" "list -q" "list -q --format json" "list --format table"; do
		want=$(normalized runc $args | tr -s ' ')
		got=$(normalized "$TENANT" $args | tr -s ' ')
		echo "runc: $want"
		echo "tenant: $got"
		assert_eq "$got" "$want"
	done
	# json: runc's keys and values (tenant adds hostUids, hostGids, userns)
	want=$(normalized runc list --format json | jq -c '.[0]')
	got=$(normalized "$TENANT" list --format json | jq -c --argjson w "$want" '.[0] | with_entries(select(.key as $k | $w | has($k)))')
	assert_eq "$got" "$want"
	assert_eq "$(normalized "$TENANT" list --format json | jq -r '.[0] | .owner, .rootfs')" "root"$'\n'"$B/rootfs"
	# runc's tabwriter: each column as wide as its widest cell plus 3, at least 12
	created=$("$TENANT" --root "$STATE" state l-t | jq -r .created)
	pid=$("$TENANT" --root "$STATE" state l-t | jq -r .pid)
	assert_eq "$("$TENANT" --root "$STATE" list)" "$(printf '%-12s%-12s%-12s%-*s%-*s%s\n' \
		ID PID STATUS $((${#B} + 3)) BUNDLE $((${#created} + 3)) CREATED OWNER \
		l-t "$pid" running $((${#B} + 3)) "$B" $((${#created} + 3)) "$created" root)"
	"$TENANT" --root "$STATE" kill l-t KILL
	runc --root "$RSTATE" kill l-r KILL
	wait_status stopped l-t "$TENANT" --root "$STATE"
	wait_status stopped l-r runc --root "$RSTATE"
	assert_eq "$(normalized "$TENANT" list | tr -s ' ')" "$(normalized runc list | tr -s ' ')"
	# an unknown format: exit status 1
	run -1 runc --root "$RSTATE" list --format yaml
	run -1 "$TENANT" --root "$STATE" list --format yaml
	run -1 runc --root "$RSTATE" ps --format yaml l-r
	run -1 "$TENANT" --root "$STATE" ps --format yaml l-t
}

@test "ps: ps -ef filtered to the container, ps ARGS, --format json, as runc" {
	two_containers p start
	# the header and the container's one process (its command line is the same)
	assert_eq "$(normalized "$TENANT" ps p-t | awk '{ print $2, $NF }')" \
		"$(normalized runc ps p-r | awk '{ print $2, $NF }')"
	assert_eq "$("$TENANT" --root "$STATE" ps p-t | sed -n 2p | awk '{ print $2 }')" \
		"$("$TENANT" --root "$STATE" state p-t | jq .pid)"
	want=$(normalized runc ps p-r -o pid,comm | sed -E 's/[0-9]+/N/')
	assert_eq "$(normalized "$TENANT" ps p-t -o pid,comm | sed -E 's/[0-9]+/N/')" "$want"
	assert_eq "$(normalized "$TENANT" ps p-t -- -o pid,comm | sed -E 's/[0-9]+/N/')" "$want"
	assert_eq "$(normalized "$TENANT" ps --format json p-t | jq length)" 1
	assert_eq "$("$TENANT" --root "$STATE" ps --format json p-t | jq '.[0]')" \
		"$("$TENANT" --root "$STATE" state p-t | jq .pid)"
	# ps output without a PID column fails, for both
	run ! runc --root "$RSTATE" ps p-r -o comm
	run ! "$TENANT" --root "$STATE" ps p-t -o comm
	# a stopped container has no processes: json null, as runc
	"$TENANT" --root "$STATE" kill p-t KILL
	runc --root "$RSTATE" kill p-r KILL
	wait_status stopped p-t "$TENANT" --root "$STATE"
	wait_status stopped p-r runc --root "$RSTATE"
	assert_eq "$(normalized "$TENANT" ps --format json p-t)" "$(normalized runc ps --format json p-r)"
}
