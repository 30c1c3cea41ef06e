#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The inside of bench/oci-run.sh, which copies this script into its work directory and runs it
# in its private mount namespace (cgroup2 alone at /sys/fs/cgroup, generated /etc/subuid and
# /etc/subgid, its own /dev/null and /var/lib), as root (rootful) or as the bench user
# (rootless). Not meant to be run by hand.
#
#   oci-ops.sh measure MODE         every op of MODE for each runtime, then hyperfine:
#                                   lines `OP NAME SECONDS|KiB|fail` in out/MODE.res
#   oci-ops.sh prep STATE MODE RT   RT's container in STATE (none, created, stopped); the
#                                   --prepare of hyperfine
#   oci-ops.sh parallel             PARALLEL `tenant create --userns auto` at once, 3 times
#   oci-ops.sh cleanup MODE         delete -f whatever MODE's state roots still hold
set -Eeuo pipefail
W=$(dirname "$(readlink -f "$0")")
cd "$W"
. "$W/bench.env" # N ROUNDS BASE PARALLEL
trap 's=$?; echo "bench: oci-ops.sh ${FUNCNAME[0]:-}: $BASH_COMMAND failed (status $s)" >&2; exit $s' ERR
runtimes=(tenant crun runc)

bin() { case $1 in tenant) echo "$W/tenant" ;; *) command -v "$1" ;; esac; }
rt() { # MODE RT ARGS...: RT with MODE's own state root
	local mode=$1 r=$2
	shift 2
	"$(bin "$r")" --root "$W/out/state-$mode-$r" "$@"
}

# The command of one op, as hyperfine runs it (-N: words, no shell). Bundles: $W/MODE runs
# /bin/true, $W/MODE-sleep `sleep 1000` (the container exec enters), $W/shifted /bin/true on
# the rootfs chowned to the container's range.
cmdline() { # MODE RT OP
	local r
	r="$(bin "$2") --root $W/out/state-$1-$2"
	case $3 in
	run) echo "$r run --bundle $W/$1 bench-$2" ;;
	shifted) echo "$r run --bundle $W/shifted bench-$2" ;;
	create) echo "$r create --bundle $W/$1 bench-$2" ;;
	start) echo "$r start bench-$2" ;;
	delete) echo "$r delete bench-$2" ;;
	exec) echo "$r exec bench-$2-exec /bin/true" ;;
	esac
}
# The floor: util-linux's unshare with the same namespaces and map, /bin/true of the rootfs.
# util-linux 2.38 spells --map-users OUTER,INNER,COUNT and maps through newuidmap, which wants
# root's range in /etc/subuid too (the generated one has it).
unshare_cmd() { # MODE
	local ns="--mount --pid --fork --ipc --uts --net"
	if [ "$1" = rootful ]; then
		echo "unshare --user --map-users=$BASE,0,65536 --map-groups=$BASE,0,65536 $ns --root=$W/rootfs-root /bin/true"
	else
		echo "unshare --user --map-auto --map-root-user $ns --root=$W/rootfs-user /bin/true"
	fi
}
# The state each op's timed command starts from (hyperfine's --prepare); run needs none.
state_for() { case $1 in create) echo none ;; start) echo created ;; delete) echo stopped ;; esac; }

wait_stopped() { # MODE RT ID
	local i s
	for ((i = 0; i < 2000; i++)); do
		s=$(rt "$1" "$2" state "$3" | jq -r .status) || return 1
		[ "$s" = stopped ] && return 0
		sleep 0.005
	done
	echo "bench: $2's container $3 is still $s after 10 s" >&2
	return 1
}

# The runtimes' stdio is a file of the bench's (the log), never a pipe: a created container's
# init holds it until it is started or killed.
prep() ( # STATE MODE RT (a subshell: its exec redirects only itself)
	state=$1 mode=$2 r=$3
	exec >>"$W/out/$mode.log" 2>&1 </dev/null
	rt "$mode" "$r" delete -f "bench-$r" 2>/dev/null || true
	[ "$state" != none ] || exit 0
	rt "$mode" "$r" create --bundle "$W/$mode" "bench-$r" || exit 1
	[ "$state" != created ] || exit 0
	rt "$mode" "$r" start "bench-$r" || exit 1
	wait_stopped "$mode" "$r" "bench-$r"
)

# The running container exec enters, made once before hyperfine and deleted after it.
exec_up() { # MODE RT
	rt "$1" "$2" delete -f "bench-$2-exec" 2>/dev/null || true
	rt "$1" "$2" create --bundle "$W/$1-sleep" "bench-$2-exec" && rt "$1" "$2" start "bench-$2-exec"
} >>"$W/out/$1.log" 2>&1 </dev/null
exec_down() { rt "$1" "$2" delete -f "bench-$2-exec" >>"$W/out/$1.log" 2>&1 </dev/null || true; }

# OP once, from the state hyperfine's --prepare gives it: its timing counts only if this works.
try() { # MODE RT OP
	local state
	state=$(state_for "$3")
	(
		if [ -n "$state" ]; then prep "$state" "$1" "$2" || exit 1; fi
		# shellcheck disable=SC2046 # the command line is words, as hyperfine -N splits it
		exec $(cmdline "$1" "$2" "$3")
	) >>"$W/out/$1.log" 2>&1 </dev/null
}

fail() { # FILE MESSAGE
	echo "bench: $2; it ended with:" >&2
	grep -v '^ *$' "$1" | tail -n 8 | sed 's/^/  /' >&2
	exit 1
}

# --show-output: the runtimes' stdout and stderr go to hyperfine's own output file (never a
# pipe), so a failure says why.
hf() { # OUT ARGS...
	local out=$1
	shift
	hyperfine -N --warmup 3 --runs "$N" --show-output --export-json "$out.json" "$@" >"$out.txt" 2>&1
}

# One op's commands in ROUNDS rounds of N runs each, the runtimes' order turned by one each
# round, so that a machine growing slower or faster in the middle of a measurement (other
# guests on the host) weighs on every runtime alike; each runtime's figure is the median of its
# rounds' means, as issue 19 measures. GROUPS are hyperfine's words for one runtime each,
# joined by a tab: -n NAME COMMAND [--prepare COMMAND].
rounds() { # MODE OP GROUPS...
	local mode=$1 op=$2 k i n r out
	local -a groups args g
	shift 2
	groups=("$@")
	n=${#groups[@]}
	for ((k = 0; k < ROUNDS; k++)); do
		args=()
		for ((i = 0; i < n; i++)); do
			IFS=$'\t' read -r -a g <<<"${groups[(i + k) % n]}"
			args+=("${g[@]}")
		done
		out="$W/out/$mode-$op-$k"
		if ! hf "$out" "${args[@]}"; then # a rare failure of one run: once more
			echo "bench: a $mode $op failed, measuring it again; hyperfine's output ended with:" >&2
			grep -v '^ *$' "$out.txt" | tail -n 4 | sed 's/^/  /' >&2
			for r in "${runtimes[@]}"; do prep none "$mode" "$r"; done
			hf "$out" "${args[@]}" || fail "$out.txt" "hyperfine failed on $mode $op twice"
		fi
	done
	jq -rs --arg op "$op" '[.[].results[]] | group_by(.command)[]
		| (map(.mean) | sort) as $m | "\($op) \(.[0].command) \($m[(($m | length) - 1) / 2 | floor])"' \
		"$W/out/$mode-$op"-[0-9]*.json >>"$W/out/$mode.res"
}

measure() { # MODE
	local mode=$1 op r state g res=$W/out/$1.res ops=(run create start delete exec) rss m i c
	local -a groups
	[ "$mode" = rootful ] && ops=(run shifted create start delete exec)
	: >"$res"
	for op in "${ops[@]}"; do
		groups=()
		state=$(state_for "$op")
		for r in "${runtimes[@]}"; do
			if [ "$op" = exec ] && ! exec_up "$mode" "$r"; then
				echo "$op $r fail" >>"$res"
				echo "bench: $r cannot create and start the $mode sleep container" >&2
			elif ! try "$mode" "$r" "$op"; then
				echo "$op $r fail" >>"$res"
				echo "bench: $r cannot $op the $mode bundle (it is left out of that row)" >&2
			else
				g="-n"$'\t'"$r"$'\t'"$(cmdline "$mode" "$r" "$op")"
				[ -z "$state" ] || g+=$'\t'"--prepare"$'\t'"$W/oci-ops.sh prep $state $mode $r"
				groups+=("$g")
			fi
		done
		if [ "$op" = run ]; then
			# shellcheck disable=SC2046
			if (exec $(unshare_cmd "$mode")) >>"$W/out/$mode.log" 2>&1 </dev/null; then
				groups+=("-n"$'\t'"unshare"$'\t'"$(unshare_cmd "$mode")")
			else
				echo "$op unshare fail" >>"$res"
				echo "bench: unshare cannot run the $mode rootfs's /bin/true" >&2
			fi
		fi
		[ ${#groups[@]} -eq 0 ] || rounds "$mode" "$op" "${groups[@]}"
		for r in "${runtimes[@]}"; do
			if [ "$op" = exec ]; then exec_down "$mode" "$r"; fi
			if [ -n "$state" ]; then prep none "$mode" "$r"; fi
		done
	done
	# Peak RSS of `run`: the runtime, or the largest of what it waited for (GNU time's %M).
	for r in "${runtimes[@]}" unshare; do
		grep -q "^run $r fail" "$res" && continue
		if [ "$r" = unshare ]; then c=$(unshare_cmd "$mode"); else c=$(cmdline "$mode" "$r" run); fi
		rss=0
		for i in 1 2 3 4 5; do
			# shellcheck disable=SC2086 # words, as hyperfine -N
			/usr/bin/time -o "$W/out/$mode.rss" -f %M $c >>"$W/out/$mode.log" 2>&1 </dev/null ||
				fail "$W/out/$mode.log" "$r failed a run of the $mode bundle for its peak RSS"
			m=$(tail -n 1 "$W/out/$mode.rss")
			if [ "$m" -gt "$rss" ]; then rss=$m; fi
		done
		echo "rss $r $rss" >>"$res"
	done
}

# PARALLEL containers created at once with --userns auto (rootful), each getting a block of
# its own from the pool ("tenant" in the generated /etc/subuid); the registry is
# /var/lib/tenant/userns.json, the bench's own directory in this namespace. Prints one line.
parallel() {
	local i t0 t1 failed disjoint=yes pid
	local -a pids times
	mkdir -p "$W/out/auto"
	# One first, alone: it must work before the wall time of many means anything.
	{ rt auto tenant create --userns auto --bundle "$W/auto" auto-0 &&
		rt auto tenant delete auto-0; } >"$W/out/auto/0.log" 2>&1 </dev/null ||
		{ echo "bench: tenant create --userns auto fails:" >&2; cat "$W/out/auto/0.log" >&2; exit 1; }
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		for ((i = 1; i <= PARALLEL; i++)); do
			rt auto tenant create --userns auto --bundle "$W/auto" "auto-$i" \
				>"$W/out/auto/$i.log" 2>&1 </dev/null &
			pids[i]=$!
		done
		failed=0
		for ((i = 1; i <= PARALLEL; i++)); do
			wait "${pids[i]}" || failed=$((failed + 1))
		done
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000)))
		: >"$W/out/auto/uid" && : >"$W/out/auto/gid"
		for ((i = 1; i <= PARALLEL; i++)); do
			pid=$(rt auto tenant state "auto-$i" 2>/dev/null | jq -r .pid) || continue
			awk '{ print $2, $3 }' "/proc/$pid/uid_map" >>"$W/out/auto/uid"
			awk '{ print $2, $3 }' "/proc/$pid/gid_map" >>"$W/out/auto/gid"
		done
		for i in uid gid; do # each map's host extents, sorted: none may start before the last ends
			sort -n "$W/out/auto/$i" | awk -v n="$PARALLEL" '
				$1 < end { bad = 1 } { end = $1 + $2; c++ } END { exit (bad || c < n) }' || disjoint=no
		done
		for ((i = 1; i <= PARALLEL; i++)); do
			rt auto tenant delete -f "auto-$i" >>"$W/out/auto/delete.log" 2>&1 </dev/null &
		done
		wait
		if [ "$failed" -gt 0 ]; then
			echo "bench: $failed of $PARALLEL parallel creates failed; one of them:" >&2
			grep -l . "$W"/out/auto/[1-9]*.log | head -n 1 | xargs cat >&2
			exit 1
		fi
	done
	floors
	if [ "$(jq '.allocations | length' /var/lib/tenant/userns.json)" != 0 ]; then
		echo "bench: the --userns auto registry still holds blocks after delete" >&2
		disjoint=no
	fi
	printf '%s\n' "${times[@]}" | sort -n | awk -v n="$PARALLEL" -v d="$disjoint" '
		{ t[NR] = $1 / 1000 }
		END {
			printf "parallel: %d x tenant create --userns auto, rootful: %.2f ms wall (median of %.2f %.2f %.2f; target < 1000), disjoint: %s\n",
				n, t[2], t[1], t[2], t[3], d
		}'
	cat "$W/out/auto/floors"
	[ "$disjoint" = yes ]
}

# The median wall time (ms) of three rounds of PARALLEL copies of a command at once; `$i` in it
# is the copy's number. After each round: CLEANUP with the same `$i`, all at once.
at_once() { # COMMAND CLEANUP
	local i t0 t1
	local -a times
	for _ in 1 2 3; do
		t0=$(date +%s%N)
		for ((i = 1; i <= PARALLEL; i++)); do
			eval "$1" >>"$W/out/auto/floors.log" 2>&1 </dev/null &
		done
		wait
		t1=$(date +%s%N)
		times+=($(((t1 - t0) / 1000)))
		for ((i = 1; i <= PARALLEL; i++)); do
			eval "$2" >>"$W/out/auto/floors.log" 2>&1 </dev/null &
		done
		wait
	done
	printf '%s\n' "${times[@]}" | sort -n | awk 'NR == 2 { printf "%.2f", $1 / 1000 }'
}

# What PARALLEL creates at once cost this machine without tenant: crun's create of as many
# containers (one map for all: crun keeps no registry), and util-linux unshare making the same
# namespaces and running /bin/true.
floors() {
	local c u
	c=$(at_once 'rt rootful crun create --bundle "$W/rootful" "par-$i"' 'rt rootful crun delete -f "par-$i"')
	u=$(at_once "$(unshare_cmd rootful)" ':')
	printf "parallel: the same at once, for comparison: %d x crun create %s ms, %d x unshare %s ms\n" \
		"$PARALLEL" "$c" "$PARALLEL" "$u" >"$W/out/auto/floors"
}

cleanup() { # MODE: what a failed run left
	local m r id modes=("$1")
	[ "$1" = rootful ] && modes+=(auto)
	for m in "${modes[@]}"; do
		for r in "${runtimes[@]}"; do
			[ -d "$W/out/state-$m-$r" ] || continue
			for id in $(rt "$m" "$r" list -q 2>/dev/null); do
				rt "$m" "$r" delete -f "$id" >/dev/null 2>&1 </dev/null || true
			done
		done
	done
}

case ${1:-} in
measure) measure "$2" ;;
prep) prep "$2" "$3" "$4" ;;
parallel) parallel ;;
cleanup) cleanup "$2" ;;
*) echo "usage: oci-ops.sh measure|prep|parallel|cleanup ... (from bench/oci-run.sh)" >&2 && exit 2 ;;
esac
