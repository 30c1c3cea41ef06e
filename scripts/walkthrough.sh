#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The walkthroughs of docs/walkthroughs.md, run for real: each step printed as "$ command" (or
# "alice$ command") with its output, so the document's output can be regenerated and checked.
# As root, on a machine set up by `make deps`; throwaway users (tn-alice, tn-bob) and their
# ranges, /etc/tenant, /var/lib/tenant and containers made here are removed afterwards, and
# /etc/subuid and /etc/subgid are put back byte for byte.
#
# Usage: scripts/walkthrough.sh [SECTION...]   (rootless trouble remap auto engines; default all)
set -euo pipefail
cd "$(dirname "$0")/.."
TENANT=${TENANT:-$PWD/build/tenant}
[ "$(id -u)" -eq 0 ] || { echo "walkthrough: run as root (it makes throwaway users)" >&2; exit 1; }

work=$(mktemp -d /tmp/tenant-walk.XXXXXX)
chmod 755 "$work"
install -m 755 "$TENANT" "$work/tenant"
for f in subuid subgid; do cp -p /etc/$f "$work/$f.orig" 2>/dev/null || : >"$work/$f.orig"; done
made_users=() made_dirs=()
[ -e /etc/tenant ] || made_dirs+=(/etc/tenant)
[ -e /var/lib/tenant ] || made_dirs+=(/var/lib/tenant)
[ -e /run/tenant ] || made_dirs+=(/run/tenant) # root's state root, for the containers here
cleanup() {
	set +e
	for id in $("$TENANT" list -q 2>/dev/null); do "$TENANT" delete --force "$id" >/dev/null 2>&1; done
	for u in "${made_users[@]}"; do
		pkill -KILL -u "$u" 2>/dev/null
		sleep 0.2
		rm -rf "/var/tmp/tenant-$(id -u "$u" 2>/dev/null)" "/tmp/tenant-$(id -u "$u" 2>/dev/null)"
		userdel -r "$u" 2>/dev/null
	done
	getent passwd tenant-remap >/dev/null && [ ! -e "$work/had-remap" ] && userdel tenant-remap
	for f in subuid subgid; do cp -p "$work/$f.orig" /etc/$f; done
	rm -f /etc/subuid- /etc/subgid-
	for d in "${made_dirs[@]}"; do rm -rf "$d"; done
	rm -rf "$work"
}
trap cleanup EXIT
getent passwd tenant-remap >/dev/null && touch "$work/had-remap"

# Show a command and run it; `as USER` runs it as an ordinary user in its home.
show() {
	printf '$ %s\n' "$*"
	"$@" 2>&1 || true
	echo
}
as() {
	local user=$1
	shift
	printf '%s$ %s\n' "${user#tn-}" "$*"
	(cd "/home/$user" && setpriv --reuid="$user" --regid="$user" --init-groups \
		env HOME="/home/$user" PATH="$work:/usr/bin:/bin" XDG_RUNTIME_DIR= bash -c "$*" 2>&1) || true
	echo
}
user() {
	getent passwd "$1" >/dev/null && return 0
	useradd --create-home --shell /bin/bash "$1"
	# useradd gives new users ranges of its own (SUB_UID_COUNT): the walkthroughs start clean.
	"$TENANT" subid remove "$1" >/dev/null 2>&1 || true
	made_users+=("$1")
}
bundle() { # DIR ARGS...: a busybox rootfs running ARGS
	local d=$1
	shift
	mkdir -p "$d/rootfs/bin" "$d/rootfs/proc" "$d/rootfs/dev" "$d/rootfs/sys" "$d/rootfs/tmp" \
		"$d/rootfs/etc" "$d/rootfs/data"
	cp "$(command -v busybox)" "$d/rootfs/bin/busybox"
	for a in sh id ls cat stat touch sleep echo; do ln -sf busybox "$d/rootfs/bin/$a"; done
	(cd "$d" && "$TENANT" spec)
	jq --argjson a "$(printf '%s\n' "$@" | jq -R . | jq -s .)" '.process.terminal = false
		| .process.args = $a | .root.readonly = false | del(.linux.resources)' \
		<"$d/config.json" >"$d/c" && mv "$d/c" "$d/config.json"
}

rootless() {
	echo "### Rootless, one range then two (seeds 000, 001, 003)"
	user tn-alice
	show "$TENANT" subid add tn-alice --count 65536
	as tn-alice tenant subid list
	as tn-alice tenant idmap show
	as tn-alice tenant unshare cat /proc/self/uid_map
	as tn-alice 'tenant unshare sh -c "touch f0 && chown 1000:1000 f0 && touch f1" && ls -ln f0 f1'
	show "$TENANT" subid add tn-alice --count 6000
	as tn-alice tenant idmap show
	# A rootless bundle: no user namespace in config.json, tenant makes one (as crun does).
	bundle "$work/rl" sh -c 'id; cat /proc/self/uid_map; touch /data/made-inside'
	jq '.linux.namespaces |= map(select(.type != "user" and .type != "network"))' \
		"$work/rl/config.json" >"$work/c" && mv "$work/c" "$work/rl/config.json"
	chown -R tn-alice: "$work/rl"
	as tn-alice tenant run --bundle "$work/rl" c1
	as tn-alice ls -ln "$work/rl/rootfs/data"
}

remap() {
	echo "### Docker's --userns-remap: one range for every container (seed 002)"
	mkdir -p /etc/tenant
	printf 'remap-user = tenant-remap\n' >/etc/tenant/tenant.conf
	show cat /etc/tenant/tenant.conf
	bundle "$work/r" sh -c 'touch /data/from-$(cut -c1-8 /proc/sys/kernel/random/uuid); sleep 30'
	jq --arg d "$work/vol" '.mounts += [{"destination": "/data", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]' \
		"$work/r/config.json" >"$work/c" && mv "$work/c" "$work/r/config.json"
	mkdir -m 777 "$work/vol"
	show "$TENANT" run -d --userns remap --bundle "$work/r" web
	show "$TENANT" run -d --userns remap --bundle "$work/r" db
	sleep 0.5
	show getent passwd tenant-remap
	show grep tenant-remap /etc/subuid
	show "$TENANT" exec web cat /proc/self/uid_map
	show "$TENANT" exec db cat /proc/self/uid_map
	show "$TENANT" list --format wide
	show ls -ln "$work/vol"
	"$TENANT" delete --force web >/dev/null
	"$TENANT" delete --force db >/dev/null
}

auto() {
	echo "### A range per container (seeds 000, 001; Kubernetes hostUsers: false)"
	bundle "$work/a" sh -c 'touch /data/from-$(cut -c1-8 /proc/sys/kernel/random/uuid); sleep 30'
	jq --arg d "$work/vola" '.mounts += [{"destination": "/data", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]' \
		"$work/a/config.json" >"$work/c" && mv "$work/c" "$work/a/config.json"
	mkdir -m 777 "$work/vola"
	show "$TENANT" run -d --userns auto --bundle "$work/a" a
	show "$TENANT" run -d --userns auto --bundle "$work/a" b
	sleep 0.5
	show "$TENANT" list --format wide
	show "$TENANT" idmap translate --container a 0
	show "$TENANT" idmap translate --container b 0
	show ls -ln "$work/vola"
	show jq . /var/lib/tenant/userns.json
	show "$TENANT" delete --force a
	show jq '.allocations | length' /var/lib/tenant/userns.json
	"$TENANT" delete --force b >/dev/null
}

trouble() {
	echo "### Troubleshooting (seed 003)"
	user tn-bob
	show "$TENANT" check --user tn-bob
	show "$TENANT" subid add tn-bob --count 65536
	show "$TENANT" check --user tn-bob
	mkdir -p "$work/img/rootfs/home/largeuid"
	bundle "$work/img" stat -c '%u:%g %n' /home/largeuid
	chown 1000320999:12 "$work/img/rootfs/home/largeuid"
	jq '.linux.namespaces |= map(select(.type != "user" and .type != "network"))' "$work/img/config.json" >"$work/c"
	mv "$work/c" "$work/img/config.json"
	chmod -R o+rX "$work/img"
	as tn-bob tenant run --userns auto --bundle "$work/img" big
	as tn-bob tenant run --userns auto:size=image --bundle "$work/img" big
}

engines() {
	echo "### podman with tenant as its runtime"
	local img=$work/image st=$work/podman
	mkdir -p "$img/rootfs/bin" "$img/rootfs/etc" "$img/rootfs/tmp"
	cp "$(command -v busybox)" "$img/rootfs/bin/busybox"
	for a in sh id cat ls touch; do ln -s busybox "$img/rootfs/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$img/rootfs/etc/passwd"
	echo 'root:x:0:' >"$img/rootfs/etc/group"
	tar -C "$img/rootfs" -cf "$img/image.tar" .
	pm() {
		podman --root "$st/storage" --runroot "$st/run" --cgroup-manager cgroupfs \
			--events-backend file "$@"
	}
	pm import -q "$img/image.tar" localhost/demo:latest >/dev/null
	# Shown with tenant's installed path; run with the one under test, on private storage.
	echo '$ podman --runtime /usr/local/bin/tenant run --rm --uidmap 0:200000:65536 --gidmap 0:200000:65536 localhost/demo sh -c "id; cat /proc/self/uid_map"'
	pm --runtime "$TENANT" run --rm --network none --ulimit nofile=1024:1024 \
		--ulimit nproc=4096:4096 --uidmap 0:200000:65536 --gidmap 0:200000:65536 \
		localhost/demo sh -c "id; cat /proc/self/uid_map" 2>&1
	echo
	pm system reset -f >/dev/null 2>&1 || true
}

sections=("$@")
[ ${#sections[@]} -gt 0 ] || sections=(rootless trouble remap auto engines)
for s in "${sections[@]}"; do
	"$s"
done
