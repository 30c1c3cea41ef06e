#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `tenant unshare true` against util-linux `unshare --user --map-auto --map-root-user true`,
# side by side in one hyperfine run, as an unprivileged user with one subordinate range. Both
# map 0 to the user and 1.. to the range through Debian's newuidmap/newgidmap.
#
# Run as root: it creates a throwaway system user (removed afterwards) and gives it a range in
# generated /etc/subuid and /etc/subgid that are bind-mounted over the real ones in a private
# mount namespace, so the host's files are never touched.
#
# Usage: bench/unshare.sh. Exits 1 if tenant takes more than 1.2x the time of unshare.
set -euo pipefail
cd "$(dirname "$0")/.."
TENANT=${TENANT:-$PWD/build/tenant}
USER_NAME=tenant-bench
RUNS=${RUNS:-200}
LIMIT=1.2

for tool in hyperfine unshare setpriv newuidmap jq; do
	command -v "$tool" >/dev/null || { echo "bench: $tool is missing (make deps installs it)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "bench: run as root (it creates a throwaway user)" >&2; exit 1; }
[ -x "$TENANT" ] || { echo "bench: build tenant first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/tenant-bench.XXXXXX)
created=
cleanup() {
	[ -n "$created" ] && userdel "$USER_NAME" 2>/dev/null
	[ -n "$created" ] && getent group "$USER_NAME" >/dev/null && groupdel "$USER_NAME" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"
mkdir -m 777 "$work/out"
if ! getent passwd "$USER_NAME" >/dev/null; then
	useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$USER_NAME"
	created=1
fi
install -m 755 "$TENANT" "$work/tenant"
echo "$USER_NAME:100000:65536" >"$work/subuid"
echo "$USER_NAME:100000:65536" >"$work/subgid"
chmod 644 "$work/subuid" "$work/subgid"

# In a private mount namespace with the generated files in place, as the user.
as_user() {
	local cmd=("$@")
	unshare -m --propagation private sh -c '
		work=$1 user=$2; shift 2
		mount --bind "$work/subuid" /etc/subuid && mount --bind "$work/subgid" /etc/subgid &&
		cd "$work" && exec setpriv --reuid="$user" --regid="$user" --init-groups env HOME="$work" "$@"' \
		sh "$work" "$USER_NAME" "${cmd[@]}"
}

# Both must build the same namespace before their speed means anything.
t_map=$(as_user "$work/tenant" unshare cat /proc/self/uid_map | awk '{ print $1, $2 }')
u_map=$(as_user unshare --user --map-auto --map-root-user cat /proc/self/uid_map | awk '{ print $1, $2 }')
if [ "$t_map" != "$u_map" ]; then
	printf 'bench: different mappings, not comparable:\ntenant:\n%s\nunshare:\n%s\n' "$t_map" "$u_map" >&2
	exit 1
fi

echo "unshare: as $USER_NAME (uid $(id -u "$USER_NAME")) with $USER_NAME:100000:65536, $RUNS runs each"
as_user hyperfine -N --warmup 20 --runs "$RUNS" --style basic --export-json "$work/out/result.json" \
	-n "tenant unshare true" "$work/tenant unshare true" \
	-n "unshare --user --map-auto --map-root-user true" "unshare --user --map-auto --map-root-user true" \
	>"$work/hyperfine.txt"
cat "$work/hyperfine.txt"

jq -r '.results | "\(.[0].mean) \(.[1].mean)"' "$work/out/result.json" | {
	read -r t u
	ratio=$(awk -v t="$t" -v u="$u" 'BEGIN { printf "%.3f", t / u }')
	awk -v t="$t" -v u="$u" -v r="$ratio" 'BEGIN {
		printf "ratio tenant/unshare: %s (tenant %.2f ms, unshare %.2f ms)\n", r, t * 1000, u * 1000
	}'
	awk -v r="$ratio" -v l="$LIMIT" 'BEGIN { exit !(r <= l) }' ||
		{ echo "bench: tenant takes more than ${LIMIT}x the time of unshare" >&2; exit 1; }
}
