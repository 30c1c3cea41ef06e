#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# What it costs to make an image usable by a container on a new ID range, for a tree of 100
# files and one of 100,000 (empty files, 1,000 to a directory, owned by root as an extracted
# image is):
#
#   idmapped   `tenant run` of /bin/true with the rootfs idmapped onto the container's range
#              (run.tenant.rootfs-idmap=on; run.tenant.preflight=off, so only the mount is
#              measured): the same at 100 and at 100,000 files
#   shift      `tenant shift --to` the next range, in place
#   chown -R   `chown -R` to the next range, in place (what engines do per range)
#
# Each shift and chown moves the tree to a range it was not on, so every run does the work.
# Usage: bench/shift.sh [RUNS]   (default 5). Exits 1 unless the idmapped run costs the same at
# both sizes (within 25%) and tenant shift costs at most 3 chown -R. It does more than chown -R:
# it keeps setuid bits and capabilities and moves ACLs, and it never trusts the tree, whose owner
# may swap a directory for a symlink while it runs: each inode is reached through directories
# checked against the first pass, then opened and checked itself (an open, an fstat and a close
# per file that chown -R does not make; 1.7 to 2.4 times its time here, November 2026).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
TENANT=${TENANT:-$PWD/build/tenant}

for tool in hyperfine busybox jq; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps installs it)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (idmapped mounts, chown)" >&2; exit 1; }
[ -x "$TENANT" ] || { echo "bench: build tenant first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/tenant-bench-shift.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"

make_tree() { # DIR FILES
	local d=$1 n=$2 i per=1000
	mkdir -p "$d/rootfs/bin" "$d/rootfs/proc" "$d/rootfs/dev" "$d/rootfs/sys" "$d/rootfs/many"
	cp "$(command -v busybox)" "$d/rootfs/bin/busybox"
	ln -s busybox "$d/rootfs/bin/true"
	for ((i = 0; i * per < n; i++)); do
		mkdir "$d/rootfs/many/d$i"
		(cd "$d/rootfs/many/d$i" && seq -f f%g 1 $((n - i * per < per ? n - i * per : per)) | xargs touch)
	done
	(cd "$d" && "$TENANT" spec)
	jq '.process.terminal = false | .process.args = ["/bin/true"] | del(.linux.resources)
		| .linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}]
		| .annotations = {"run.tenant.rootfs-idmap": "on", "run.tenant.preflight": "off"}' \
		"$d/config.json" >"$d/c" && mv "$d/c" "$d/config.json"
}

make_tree "$work/small" 100
make_tree "$work/large" 100000
cp -a "$work/large/rootfs" "$work/chown"
sync

echo "make a tree usable by a container on a new range; $RUNS runs each"
hyperfine -N --warmup 3 --runs $((RUNS * 10)) --style basic --export-json "$work/idmap.json" \
	-n "idmapped, 100 files" "$TENANT --root $work/state run --bundle $work/small s" \
	-n "idmapped, 100000 files" "$TENANT --root $work/state run --bundle $work/large l" >/dev/null

# Shifts and chowns, each to a fresh range: 65536-ID steps from 4000000.
set -o pipefail
time_of() { # COMMAND...: its wall time in microseconds; a failure stops the bench
	local t0 t1
	t0=$(date +%s%N)
	"$@" >/dev/null || { echo "bench: '$*' failed" >&2; exit 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}
shift_us=() chown_us=()
for ((i = 1; i <= RUNS; i++)); do
	r=$((4000000 + i * 65536))
	shift_us+=("$(time_of "$TENANT" shift --to "0:$r:65536" "$work/large/rootfs")")
	chown_us+=("$(time_of chown -R "$r:$r" "$work/chown")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
s=$(median "${shift_us[@]}") c=$(median "${chown_us[@]}")

jq -r '.results[] | "\(.command)\t\(.mean)"' "$work/idmap.json" | awk -F'\t' -v s="$s" -v c="$c" '
	{ t[NR] = $2 * 1000; name[NR] = $1 }
	END {
		printf "%-26s %12s %8s\n", "method", "ms", "ratio"
		printf "%-26s %12.2f %8s\n", name[1], t[1], "1.000"
		printf "%-26s %12.2f %8.3f   (to 100 files)\n", name[2], t[2], t[2] / t[1]
		printf "%-26s %12.2f %8s\n", "chown -R, 100000 files", c / 1000, "1.000"
		printf "%-26s %12.2f %8.3f   (to chown -R)\n", "tenant shift, 100000 files", s / 1000, s / c
		ok = t[2] / t[1] < 1.25 && s / c <= 3.0
		if (!ok) exit 1
	}' || { echo "bench: the idmapped mount is not flat in the tree's size, or tenant shift costs more than 3 chown -R" >&2; exit 1; }
