#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `tenant subid list` against shadow's `getsubids` (Debian uidmap) on a 1,000,000-line
# /etc/subuid and /etc/subgid, side by side in one run, with hyperfine.
#
# getsubids reads only /etc/subuid (and /etc/subgid with -g), so both run in a private mount
# namespace where the generated files are bind-mounted over /etc/subuid and /etc/subgid; the
# host's files are never touched. `tenant subid list` reads both files, so it is compared with
# `getsubids USER; getsubids -g USER`, which reads the same two.
#
# Usage: bench/subid-list.sh [LINES]   (default 1000000). Exits 1 if tenant is slower.
set -euo pipefail
cd "$(dirname "$0")/.."
LINES=${1:-1000000}
TENANT=${TENANT:-$PWD/build/tenant}
OWNER=daemon # an account every Debian system has (UID 1)
RUNS=${RUNS:-10}

for tool in hyperfine getsubids unshare jq; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps installs it)" >&2; exit 1; }
done
[ -x "$TENANT" ] || { echo "bench: build tenant first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/tenant-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Disjoint ranges for LINES owners, with the measured owner's lines in the middle (by name)
# and at the end (by UID), as a real file would hold them.
awk -v n="$LINES" -v owner="$OWNER" 'BEGIN {
	for (i = 0; i < n; i++) {
		if (i == int(n / 2)) print owner ":" 100000 + n * 1000 ":65536"
		print "user" i ":" 100000 + i * 1000 ":1000"
	}
	print "1:" 200000 + n * 1000 ":6000"
}' >"$work/subuid"
cp "$work/subuid" "$work/subgid"

# Run a command with the generated files in place of /etc/subuid and /etc/subgid.
in_ns() {
	local unshare=(unshare -m --propagation private)
	[ "$(id -u)" -eq 0 ] || unshare=(unshare -rm --propagation private)
	"${unshare[@]}" sh -c 'mount --bind "$0/subuid" /etc/subuid && mount --bind "$0/subgid" /etc/subgid && exec "$@"' "$work" "$@"
}

# Both must see the same ranges before their speed means anything.
t_total=$(in_ns "$TENANT" subid list "$OWNER" --json | jq '.subuid.total')
g_total=$(in_ns getsubids "$OWNER" | awk '{ s += $4 } END { print s }')
if [ "$t_total" != "$g_total" ]; then
	echo "bench: tenant sees $t_total IDs, getsubids $g_total: not comparable" >&2
	exit 1
fi

echo "subid list: $(wc -l <"$work/subuid") lines in each of /etc/subuid and /etc/subgid, '$OWNER' has $t_total IDs"
in_ns hyperfine --warmup 2 --runs "$RUNS" --style basic --export-json "$work/result.json" \
	-n "tenant subid list" "$TENANT subid list $OWNER" \
	-n "getsubids + getsubids -g" "getsubids $OWNER; getsubids -g $OWNER" >"$work/hyperfine.txt"
cat "$work/hyperfine.txt"

jq -r '.results | "\(.[0].mean) \(.[1].mean)"' "$work/result.json" | {
	read -r t g
	ratio=$(awk -v t="$t" -v g="$g" 'BEGIN { printf "%.3f", t / g }')
	awk -v t="$t" -v g="$g" -v r="$ratio" 'BEGIN {
		printf "ratio tenant/getsubids: %s (tenant %.1f ms, getsubids %.1f ms, %.1fx)\n", r, t * 1000, g * 1000, g / t
	}'
	awk -v r="$ratio" 'BEGIN { exit !(r <= 1.0) }' || { echo "bench: tenant is slower than getsubids" >&2; exit 1; }
}
