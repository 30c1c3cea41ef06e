#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `RUNTIME run` of /bin/true in a bundle with a user namespace and a 65536-ID mapping, N times
# in a row, for tenant, crun and runc (Debian's), rootful and rootless; wall time per run
# (hyperfine) and peak RSS of the runtime process (GNU time), as ratios to crun.
#
# Debian's crun 1.8.1 refuses a hybrid cgroup v1 + v2 layout, so all three run in a private
# mount namespace where /sys/fs/cgroup is the cgroup2 hierarchy alone. The rootless runs are
# as a throwaway user (removed afterwards) whose range 100000:65536 is in generated
# /etc/subuid and /etc/subgid bind-mounted in that namespace; the host's files are untouched.
#
# Usage: bench/oci-run.sh [N]   (default 100). Exits 1 unless tenant is faster than crun and
# uses less memory, rootful and rootless.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
TENANT=${TENANT:-$PWD/build/tenant}
USER_NAME=tenant-bench
BASE=3000000

for tool in hyperfine crun runc busybox jq setpriv unshare /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps installs it)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (it creates a throwaway user)" >&2; exit 1; }
[ -x "$TENANT" ] || { echo "bench: build tenant first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/tenant-bench.XXXXXX)
created=
cleanup() {
	if [ -n "$created" ]; then
		userdel "$USER_NAME" 2>/dev/null
		getent group "$USER_NAME" >/dev/null && groupdel "$USER_NAME" 2>/dev/null
	fi
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
if ! getent passwd "$USER_NAME" >/dev/null; then
	useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$USER_NAME"
	created=1
fi
uid=$(id -u "$USER_NAME") gid=$(id -g "$USER_NAME")
install -m 755 "$TENANT" "$work/tenant"
echo "$USER_NAME:100000:65536" >"$work/subuid"
cp "$work/subuid" "$work/subgid"
chmod 644 "$work/subuid" "$work/subgid"
mkdir -m 1777 "$work/out" # sticky, as /tmp: a state root may not sit under a dir anyone can replace it in

# A bundle running /bin/true: busybox, runc's default spec without a terminal.
make_bundle() { # DIR ROOTLESS MAPPINGS-JSON OWNER
	mkdir -p "$1/rootfs/bin"
	cp "$(command -v busybox)" "$1/rootfs/bin/busybox"
	ln -s busybox "$1/rootfs/bin/true"
	(cd "$1" && "$TENANT" spec $2)
	jq --argjson m "$3" '.ociVersion = "1.0.2-dev" | .process.terminal = false | .process.args = ["/bin/true"]
		| .linux.namespaces |= (map(select(.type != "user")) + [{"type": "user"}])
		| .linux.uidMappings = $m | .linux.gidMappings = $m | del(.linux.resources)' \
		"$1/config.json" >"$1/c" && mv "$1/c" "$1/config.json"
	chown -R "$4" "$1"
}
make_bundle "$work/rootful" "" "[{\"containerID\":0,\"hostID\":$BASE,\"size\":65536}]" "$BASE:$BASE"
chown root: "$work/rootful" "$work/rootful/config.json"
make_bundle "$work/rootless" --rootless \
	"[{\"containerID\":0,\"hostID\":$uid,\"size\":1},{\"containerID\":1,\"hostID\":100000,\"size\":65535}]" \
	"$USER_NAME:"
# The rootless bundle's gid_map maps the user's group.
jq --argjson g "$gid" '.linux.gidMappings[0].hostID = $g' "$work/rootless/config.json" >"$work/c"
mv "$work/c" "$work/rootless/config.json"
chown "$USER_NAME:" "$work/rootless/config.json"

# The namespace all runs happen in: cgroup2 alone at /sys/fs/cgroup, generated subuid files,
# and a /dev/null of the bench's own. hyperfine gives the runtimes /dev/null as stdin and
# stdout, and Debian's crun 1.8.1 chowns its stdio to the container's root: the host's
# /dev/null once became 3000000:3000000 that way. stdin is reopened there (an fd inherited
# from outside would still be the host's), and stdout goes to a file of the bench's.
mknod "$work/devnull" c 1 3
chmod 666 "$work/devnull"
in_ns() { # AS-USER COMMAND...
	local as=$1
	shift
	unshare -m --propagation private sh -c '
		w=$1 as=$2 user=$3; shift 3
		mount -t cgroup2 none /sys/fs/cgroup &&
		mount --bind "$w/subuid" /etc/subuid && mount --bind "$w/subgid" /etc/subgid &&
		mount --bind "$w/devnull" /dev/null || exit 1
		cd "$w"
		if [ "$as" = user ]; then
			exec setpriv --reuid="$user" --regid="$user" --init-groups env HOME="$w" XDG_RUNTIME_DIR= "$@" </dev/null
		fi
		exec "$@" </dev/null' sh "$work" "$as" "$USER_NAME" "$@"
}

declare -A cmd
runtimes=(tenant crun runc)
bin() { case $1 in tenant) echo "$work/tenant" ;; *) command -v "$1" ;; esac; }

measure() { # MODE (rootful|rootless)
	local mode=$1 as=root rt b=$work/$1 rss
	[ "$mode" = rootless ] && as=user
	for rt in "${runtimes[@]}"; do
		cmd[$rt]="$(bin "$rt") --root $work/out/state-$mode-$rt run --bundle $b bench-$rt"
		# Each must run the bundle successfully before its speed means anything.
		in_ns "$as" ${cmd[$rt]} || { echo "bench: $rt cannot run the $mode bundle" >&2; exit 1; }
	done
	in_ns "$as" hyperfine -N --warmup 3 --runs "$N" --style basic --export-json "$work/out/$mode.json" \
		-n tenant "${cmd[tenant]}" -n crun "${cmd[crun]}" -n runc "${cmd[runc]}" >"$work/out/$mode.txt"
	for rt in "${runtimes[@]}"; do
		rss=0
		for _ in 1 2 3 4 5; do
			r=$(in_ns "$as" /usr/bin/time -f %M ${cmd[$rt]} 2>&1 >"$work/out/stdout" | tail -1)
			[ "$r" -gt "$rss" ] && rss=$r
		done
		echo "$rt $rss" >>"$work/out/$mode.rss"
	done
}

report() { # MODE
	local mode=$1
	jq -r '.results[] | "\(.command) \(.mean)"' "$work/out/$mode.json" | sort >"$work/out/$mode.time"
	sort "$work/out/$mode.rss" | join "$work/out/$mode.time" - | awk -v mode="$mode" '
		{ t[$1] = $2; m[$1] = $3 }
		END {
			printf "%-9s %-7s %10s %8s %10s %8s\n", mode, "runtime", "ms/run", "ratio", "peak KiB", "ratio"
			split("tenant crun runc", order, " ")
			for (i = 1; i <= 3; i++) {
				r = order[i]
				printf "%-9s %-7s %10.2f %8.3f %10d %8.3f\n", "", r, t[r] * 1000, t[r] / t["crun"], m[r], m[r] / m["crun"]
			}
			if (!(t["tenant"] < t["crun"] && m["tenant"] < m["crun"])) exit 1
		}'
}

echo "run /bin/true, user namespace with 65536 IDs, $N runs each; ratios to crun"
null_before=$(stat -c '%u:%g %a' /dev/null)
status=0
for mode in rootful rootless; do
	measure "$mode"
	report "$mode" || status=1
done
[ $status -eq 0 ] || echo "bench: tenant is not faster and smaller than crun in every mode" >&2
if [ "$(stat -c '%u:%g %a' /dev/null)" != "$null_before" ]; then
	echo "bench: the host's /dev/null changed owner or mode ($null_before before)" >&2
	status=1
fi
exit $status
