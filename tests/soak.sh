#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `make soak`: the ASan + UBSan tenant through 1,000 sequential `run` of a container with a range
# of its own (--userns auto) and 50 containers at once (created in parallel, killed and deleted
# in parallel), then proof from /proc that nothing is left: no mount, no process, no open fd
# into tenant's directories, no state directory, no registry entry, no cgroup, no sanitizer
# report. As root. Usage: tests/soak.sh [SEQUENTIAL] [CONCURRENT]   (default 1000 50)
set -uo pipefail
cd "$(dirname "$0")/.."
SEQ=${1:-1000}
PAR=${2:-50}
TENANT=${TENANT:-$PWD/build-asan/tenant}
PROBE=${PROBE:-$PWD/build/tests/probe/probe}
[ "$(id -u)" -eq 0 ] || { echo "soak: run as root" >&2; exit 1; }
[ -x "$TENANT" ] && [ -x "$PROBE" ] || { echo "soak: build first (make soak does)" >&2; exit 1; }

work=$(mktemp -d /tmp/tenant-soak.XXXXXX)
chmod 755 "$work"
san=$work/sanitizer
mkdir -m 1777 "$san"
export ASAN_OPTIONS="log_path=$san/report:detect_leaks=1"
export UBSAN_OPTIONS="log_path=$san/report:halt_on_error=1:print_stacktrace=1"
state=$work/state
made_var_lib=
[ -e /var/lib/tenant ] || made_var_lib=1
# /etc/subuid, /etc/subgid and their FILE- backups (--userns auto's pool writes both).
. tests/host-subid.sh
host_subid_save "$work"
cleanup() {
	for id in $("$TENANT" --root "$state" list -q 2>/dev/null); do
		"$TENANT" --root "$state" delete --force "$id" >/dev/null 2>&1
	done
	[ -n "$made_var_lib" ] && rm -rf /var/lib/tenant
	host_subid_restore "$work"
	rm -rf "$work"
}
trap cleanup EXIT

b=$work/bundle
mkdir -p "$b/rootfs/proc" "$b/rootfs/dev" "$b/rootfs/sys" "$b/rootfs/tmp"
install -m 755 "$PROBE" "$b/rootfs/init"
(cd "$b" && "$TENANT" spec >/dev/null 2>&1)
jq '.process.terminal = false | .process.args = ["/init", "id"] | del(.linux.resources)' \
	"$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"

mounts_before=$(wc -l </proc/self/mountinfo)
passed=0 failed=0
result() { # NAME STATUS [DETAIL]
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok   $1"
	else
		failed=$((failed + 1))
		echo "FAIL $1${3:+: $3}"
	fi
}

t0=$(date +%s)
bad=0
for ((i = 1; i <= SEQ; i++)); do
	out=$("$TENANT" --root "$state" run --userns auto --bundle "$b" "s$i" 2>&1)
	[[ $out == *"uid=0 gid=0 groups=" ]] || { bad=$((bad + 1)); [ $bad -le 3 ] && echo "  run s$i: $out"; }
done
result "$SEQ sequential runs with a range of their own ($(($(date +%s) - t0)) s)" $((bad > 0)) "$bad failed"

jq '.process.args = ["/init", "sleep", "600"]' "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
t0=$(date +%s)
seq "$PAR" | xargs -P 10 -I{} "$TENANT" --root "$state" run -d --userns auto --bundle "$b" "p{}" \
	>"$work/par.log" 2>&1 3>&-
running=$("$TENANT" --root "$state" list -q | wc -l)
ranges=$(jq '[.allocations[] | .uid] | unique | length' /var/lib/tenant/userns.json)
result "$PAR containers at once, $ranges distinct ranges" \
	$((running != PAR || ranges != PAR)) "$running running; $(head -3 "$work/par.log")"
"$TENANT" --root "$state" list -q | xargs -P 10 -I{} "$TENANT" --root "$state" delete --force {} \
	>>"$work/par.log" 2>&1
result "$PAR deleted in parallel ($(($(date +%s) - t0)) s)" "$("$TENANT" --root "$state" list -q | wc -l)"

# What must be gone, seen from /proc.
sleep 0.5
result "no mount left" $(($(wc -l </proc/self/mountinfo) != mounts_before)) \
	"$(($(wc -l </proc/self/mountinfo) - mounts_before)) more"
procs=$(pgrep -f "$b/rootfs/init|/init (id|sleep)" | wc -l)
result "no process left" $((procs > 0)) "$procs"
fds=$(find /proc/[0-9]*/fd -lname "$work/*" 2>/dev/null | wc -l)
result "no fd open into tenant's directories" $((fds > 0)) "$fds"
result "no state directory left" "$(ls -A "$state" 2>/dev/null | wc -l)"
result "no registry entry left" "$(jq '.allocations | length' /var/lib/tenant/userns.json)"
cg=$(find /sys/fs/cgroup -maxdepth 6 -type d -regex '.*/[sp][0-9]+' 2>/dev/null | wc -l)
result "no cgroup left" $((cg > 0)) "$cg"
reports=$(ls "$san" | wc -l)
result "no sanitizer report" $((reports > 0)) "$(head -20 "$san"/* 2>/dev/null)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
