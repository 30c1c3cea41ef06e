#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# tenant, crun and runc (Debian's) side by side, rootful and rootless, in a bundle with a user
# namespace and a 65536-ID mapping: `run` of /bin/true; `create`, `start` and `delete` of it,
# each timed alone (hyperfine's --prepare puts the container in the state each starts from);
# `exec` of /bin/true in a running container; util-linux `unshare` with the same namespaces
# as the floor of `run`. Wall time per op: ROUNDS rounds (7) of N runs of each runtime in turn
# (hyperfine), the median of the rounds' means, as issue 19 measures; and the peak RSS of
# `run` (GNU time, the largest of 5); as ratios to crun. Then, tenant alone: PARALLEL containers
# created at once with `--userns auto`, whether their ranges are disjoint, and the wall time.
#
# The rootful rootfs is root's, as root extracts an image: tenant idmaps it onto the range
# (run.tenant.rootfs-idmap is auto), crun and runc see its files unmapped. "run (shifted
# rootfs)" runs a copy chowned to the range instead.
#
# Debian's crun 1.8.1 refuses a hybrid cgroup v1 + v2 layout, so all of it happens in a private
# mount namespace where /sys/fs/cgroup is the cgroup2 hierarchy alone. The rootless runs are
# as a throwaway user (removed afterwards) whose range 100000:65536 is in generated
# /etc/subuid and /etc/subgid of that namespace, with root's range for unshare and the
# "tenant" pool of --userns auto; /var/lib/tenant (the auto registry) is the bench's own there
# too. The host's files are untouched. bench/oci-ops.sh is the part run inside.
#
# Usage: [ROUNDS=R] bench/oci-run.sh [N]   (N runs a round, default 50; ROUNDS=3 with N=10
# is a quick run). Exits 1 unless tenant's `run` (both rootful rows) is faster than crun's and
# uses less memory, rootful and rootless; also when tenant cannot do an op, or the parallel
# creates fail or overlap. Ops where tenant takes 0.6x crun's time or more are listed, without
# failing.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
ROUNDS=${ROUNDS:-7}
TENANT=${TENANT:-$PWD/build/tenant}
USER_NAME=tenant-bench
BASE=3000000
POOL=16777216 # 1024 blocks of 65536, away from BASE and 100000
PARALLEL=100

for tool in hyperfine crun runc busybox jq setpriv unshare newuidmap /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps installs it)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (it creates a throwaway user)" >&2; exit 1; }
[ -x "$TENANT" ] || { echo "bench: build tenant first (make)" >&2; exit 1; }
[[ $N =~ ^[1-9][0-9]*$ ]] || { echo "bench: N must be a positive number" >&2; exit 1; }
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "bench: ROUNDS must be a positive number" >&2; exit 1; }

work=$(mktemp -d /tmp/tenant-bench.XXXXXX)
created=
cleanup() {
	# What a failed run left: containers (rootless ones are the user's to delete).
	if [ -x "$work/oci-ops.sh" ] && [ -e "$work/bench.env" ]; then
		in_ns root "$work/oci-ops.sh" cleanup rootful || true
		getent passwd "$USER_NAME" >/dev/null && { in_ns user "$work/oci-ops.sh" cleanup rootless || true; }
	fi
	if [ -n "$created" ]; then
		userdel "$USER_NAME" 2>/dev/null
		getent group "$USER_NAME" >/dev/null && groupdel "$USER_NAME" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP # the EXIT trap runs then too
chmod 755 "$work"
if ! getent passwd "$USER_NAME" >/dev/null; then
	useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$USER_NAME"
	created=1
fi
uid=$(id -u "$USER_NAME") gid=$(id -g "$USER_NAME")
install -m 755 "$TENANT" "$work/tenant"
install -m 755 bench/oci-ops.sh "$work/oci-ops.sh"
printf 'N=%s\nROUNDS=%s\nBASE=%s\nPARALLEL=%s\n' "$N" "$ROUNDS" "$BASE" "$PARALLEL" >"$work/bench.env"
chmod 644 "$work/bench.env"
printf '%s:100000:65536\nroot:%s:65536\ntenant:%s:67108864\n' "$USER_NAME" "$BASE" "$POOL" >"$work/subuid"
cp "$work/subuid" "$work/subgid"
chmod 644 "$work/subuid" "$work/subgid"
mkdir -m 755 "$work/varlib" && mkdir -m 700 "$work/varlib/tenant"
mkdir -m 1777 "$work/out" # sticky, as /tmp: a state root may not sit under a dir anyone can replace it in

# Rootfs trees of busybox with /bin/true and /bin/sleep, and the mount points runc's default
# spec needs (a container root that does not own the tree cannot make them).
make_rootfs() { # DIR OWNER
	mkdir -p "$1/bin" "$1/proc" "$1/dev" "$1/sys"
	cp "$(command -v busybox)" "$1/bin/busybox"
	ln -s busybox "$1/bin/true"
	ln -s busybox "$1/bin/sleep"
	chown -R "$2" "$1"
}
make_rootfs "$work/rootfs-root" 0:0
make_rootfs "$work/rootfs-shifted" "$BASE:$BASE"
make_rootfs "$work/rootfs-user" "$USER_NAME:"

# A bundle: runc's default spec without a terminal, a user namespace, the rootfs by its path.
make_bundle() { # DIR ROOTLESS MAPPINGS-JSON(or null) ROOTFS ARGS-JSON
	mkdir -p "$1"
	(cd "$1" && "$TENANT" spec $2)
	jq --argjson m "$3" --arg root "$4" --argjson args "$5" '.ociVersion = "1.0.2-dev"
		| .process.terminal = false | .process.args = $args | .root.path = $root
		| .linux.namespaces |= (map(select(.type != "user")) + [{"type": "user"}])
		| .linux.uidMappings = $m | .linux.gidMappings = $m | del(.linux.resources)
		| if $m == null then del(.linux.uidMappings, .linux.gidMappings) else . end' \
		"$1/config.json" >"$1/c" && mv "$1/c" "$1/config.json"
}
map="[{\"containerID\":0,\"hostID\":$BASE,\"size\":65536}]"
make_bundle "$work/rootful" "" "$map" "$work/rootfs-root" '["/bin/true"]'
make_bundle "$work/rootful-sleep" "" "$map" "$work/rootfs-root" '["/bin/sleep","1000"]'
make_bundle "$work/shifted" "" "$map" "$work/rootfs-shifted" '["/bin/true"]'
make_bundle "$work/auto" "" null "$work/rootfs-root" '["/bin/true"]'
# The rootless maps: 0 is the user (and the user's group), 1.. the range.
map="[{\"containerID\":0,\"hostID\":$uid,\"size\":1},{\"containerID\":1,\"hostID\":100000,\"size\":65535}]"
make_bundle "$work/rootless" --rootless "$map" "$work/rootfs-user" '["/bin/true"]'
make_bundle "$work/rootless-sleep" --rootless "$map" "$work/rootfs-user" '["/bin/sleep","1000"]'
for b in rootless rootless-sleep; do
	jq --argjson g "$gid" '.linux.gidMappings[0].hostID = $g' "$work/$b/config.json" >"$work/c"
	mv "$work/c" "$work/$b/config.json"
	chown -R "$USER_NAME:" "$work/$b"
done

# The namespace all runs happen in: cgroup2 alone at /sys/fs/cgroup; /etc as an overlay whose
# upper layer holds the generated subuid and subgid; the bench's /var/lib (nothing here reads
# /var/lib but tenant, /var/lib/tenant); and a /dev/null of the bench's own. Not bind mounts on
# /etc/subuid or /var/lib/tenant: a rename or rmdir over a mount point on the host (useradd,
# tenant subid add, a test) detaches it in every other namespace. Debian's crun 1.8.1 chowns
# its stdio to the container's root: the host's /dev/null once became 3000000:3000000 that
# way. stdin is reopened there (an fd inherited from outside would still be the host's), and
# oci-ops.sh sends the runtimes' stdout and stderr to files of the bench's.
mknod "$work/devnull" c 1 3
chmod 666 "$work/devnull"
in_ns() { # AS-USER(root|user) COMMAND...
	local as=$1
	shift
	unshare -m --propagation private sh -c '
		w=$1 as=$2 user=$3; shift 3
		e=$(mktemp -d "$w/etc.XXXXXX") && mkdir -m 755 "$e/up" "$e/work" &&
		cp -p "$w/subuid" "$w/subgid" "$e/up/" &&
		mount -t cgroup2 none /sys/fs/cgroup &&
		mount -t overlay -o "lowerdir=/etc,upperdir=$e/up,workdir=$e/work" none /etc &&
		mount --bind "$w/varlib" /var/lib && mount --bind "$w/devnull" /dev/null || exit 1
		cd "$w"
		if [ "$as" = user ]; then
			exec setpriv --reuid="$user" --regid="$user" --init-groups env HOME="$w" XDG_RUNTIME_DIR= "$@" </dev/null
		fi
		exec "$@" </dev/null' sh "$work" "$as" "$USER_NAME" "$@"
}

# One table per mode from out/MODE.res (`OP NAME SECONDS|KiB|fail`); exits 1 unless tenant's
# run rows and peak RSS are below crun's.
report() { # MODE
	awk -v mode="$1" '
		{ v[$1, $2] = $3; seen[$1] = 1 }
		function ok(op, r) { return (op, r) in v && v[op, r] != "fail" }
		function cell(op, r) {
			if (!((op, r) in v)) return "-"
			if (!ok(op, r)) return "fail"
			return op == "rss" ? sprintf("%d", v[op, r]) : sprintf("%.2f", v[op, r] * 1000)
		}
		function ratio(op, r) { return ok(op, r) && ok(op, "crun") ? sprintf("%.3f", v[op, r] / v[op, "crun"]) : "-" }
		END {
			n = split("run shifted create start delete exec rss", ops, " ")
			label["shifted"] = "run (shifted rootfs)"; label["rss"] = "peak KiB (run)"
			printf "%-9s %-20s %9s %9s %9s %9s %12s %10s %13s\n", mode, "op", "tenant", "crun", "runc",
				"unshare", "tenant/crun", "runc/crun", "unshare/crun"
			for (i = 1; i <= n; i++) {
				op = ops[i]
				if (!(op in seen)) continue
				printf "%-9s %-20s %9s %9s %9s %9s %12s %10s %13s\n", "", op in label ? label[op] : op,
					cell(op, "tenant"), cell(op, "crun"), cell(op, "runc"), cell(op, "unshare"),
					ratio(op, "tenant"), ratio(op, "runc"), ratio(op, "unshare")
				if (op == "run" || op == "shifted" || op == "rss")
					if (!(ok(op, "tenant") && ok(op, "crun") && v[op, "tenant"] + 0 < v[op, "crun"] + 0)) bad = 1
				if (op in seen && !ok(op, "tenant")) bad = 1
				if (op != "rss" && ratio(op, "tenant") != "-" && ratio(op, "tenant") + 0 >= 0.6)
					miss = miss sprintf("%s%s %s", miss == "" ? "" : ", ", op in label ? label[op] : op, ratio(op, "tenant"))
			}
			printf "%-9s %s %s\n", "", "tenant/crun at 0.6 or more (target missed):", miss == "" ? "none" : miss
			exit bad
		}' "$work/out/$1.res"
}

echo "tenant vs $(crun --version | sed -n 1p) vs $(runc --version | sed -n 1p): user namespace with 65536 IDs," \
	"$ROUNDS rounds of $N runs each, runtimes in turn; ms per op (the median of the rounds' means), ratios to crun"
null_before=$(stat -c '%u:%g %a' /dev/null)
status=0
for mode in rootful rootless; do
	as=root
	[ "$mode" = rootless ] && as=user
	if ! in_ns "$as" "$work/oci-ops.sh" measure "$mode"; then
		echo "bench: the $mode measurement failed" >&2
		status=1
		continue
	fi
	report "$mode" || status=1
done
in_ns root "$work/oci-ops.sh" parallel || status=1
[ $status -eq 0 ] || echo "bench: tenant fails an op, or its run is not faster and smaller than crun's in every mode" >&2
if [ "$(stat -c '%u:%g %a' /dev/null)" != "$null_before" ]; then
	echo "bench: the host's /dev/null changed owner or mode ($null_before before)" >&2
	status=1
fi
exit $status
