#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `make demo`: tenant's main job as far as it exists today.
#  1. the caller's subordinate ranges and a lint of /etc/subuid and /etc/subgid (read only);
#  2. seed 003's walkthrough on scratch copies: give the caller two ranges, see 71536 IDs,
#     and let lint explain a broken file. The system's files are never written.
set -uo pipefail
cd "$(dirname "$0")/.."
T=$PWD/build/tenant
bold() { if [ -t 1 ]; then printf '\n\033[1m%s\033[0m\n' "$*"; else printf '\n%s\n' "$*"; fi; }
show() {
	bold "\$ $*"
	"$@"
	local rc=$?
	[ $rc -eq 0 ] || echo "(exit status $rc)"
}

me=$(id -un)
scratch=$(mktemp -d /tmp/tenant-demo.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

show "$T" --version
bold "== 1. The caller ($me) on this machine's /etc/subuid and /etc/subgid"
show "$T" subid list
show "$T" subid lint

bold "== 2. Seed 003 on scratch copies in $scratch"
for f in subuid subgid; do
	if [ -r "/etc/$f" ]; then cp "/etc/$f" "$scratch/$f"; else : >"$scratch/$f"; fi
done
tn() { "$T" --subuid "$scratch/subuid" --subgid "$scratch/subgid" "$@"; }
show tn subid add "$me"
show tn subid add "$me" --count 6000
show tn subid list "$me"
show tn subid lint

bold "== 3. What lint says about a file written by hand"
cat >"$scratch/subuid" <<EOT
$me:10000:65536
$me:0220000:6000
nobody-here:70000:1000
$me:4294967290:10
EOT
printf '%s:300000:65536\r\n' "$me" >>"$scratch/subuid"
cp "$scratch/subuid" "$scratch/subgid"
show cat -A "$scratch/subuid"
show tn subid lint
show tn subid list "$me"
exit 0
