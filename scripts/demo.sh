#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `make demo`: tenant's main job as far as it exists today.
#  1. the caller's subordinate ranges and a lint of /etc/subuid and /etc/subgid (read only);
#  2. seed 003's walkthrough on scratch copies: give the caller two ranges, see 71536 IDs,
#     and let lint explain a broken file. The system's files are never written.
#  4. a rootless user namespace: as a throwaway user (removed afterwards) whose ranges are in
#     generated files bind-mounted over /etc/subuid and /etc/subgid in a private mount
#     namespace, `tenant unshare` maps root inside to the user and 1.. to its ranges.
#  5. containers from a tiny busybox root filesystem: rootful, with root inside an
#     unprivileged host ID; then rootless as that user, writing files whose owners on the host
#     are the user and its subordinate IDs.
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

bold "== 4. A user namespace whose root is nobody on the host"
if [ "$(id -u)" -ne 0 ]; then
	show "$T" idmap show
	show "$T" unshare cat /proc/self/uid_map
	exit 0
fi
demo_user=tenant-demo
created=
if ! getent passwd "$demo_user" >/dev/null; then
	useradd --system --no-create-home --shell /bin/sh --user-group "$demo_user" && created=1
	echo "(created the unprivileged user $demo_user for this demo; it is removed at the end)"
fi
trap '[ -n "$created" ] && { userdel "$demo_user"; getent group "$demo_user" >/dev/null && groupdel "$demo_user"; }; rm -rf "$scratch"' EXIT
chmod 755 "$scratch"
install -m 755 "$T" "$scratch/tenant"
printf '%s:100000:65536\n%s:220000:6000\n' "$demo_user" "$demo_user" >"$scratch/subuid"
cp "$scratch/subuid" "$scratch/subgid"
chmod 644 "$scratch/subuid" "$scratch/subgid"
echo "($demo_user gets its own subordinate ranges in $scratch/subuid and subgid, which stand in"
echo " for /etc/subuid and /etc/subgid in a private mount namespace: the host's are not touched)"
mkdir -m 755 "$scratch/home" && chown "$demo_user:" "$scratch/home"
show cat "$scratch/subuid"
# As the demo user, with the scratch files in place of /etc/subuid and /etc/subgid.
as_demo() {
	bold "$demo_user\$ $*"
	unshare -m --propagation private sh -c '
		d=$1 u=$2; shift 2
		mount --bind "$d/subuid" /etc/subuid && mount --bind "$d/subgid" /etc/subgid &&
		cd "$d/home" && exec setpriv --reuid="$u" --regid="$u" --init-groups env HOME="$d/home" PATH="$d:$PATH" sh -c "$*"' \
		sh "$scratch" "$demo_user" "$@"
}
as_demo tenant idmap show
as_demo tenant unshare cat /proc/self/uid_map
as_demo "tenant unshare sh -c 'id; touch file; chown 1001:1001 file'; ls -ln file"
as_demo tenant unshare --map keep-id id
as_demo tenant unshare --uidmap 0:12345:1 true

bold "== 5. Containers (OCI bundles) from a tiny busybox root filesystem"
bundle=$scratch/rootful
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/data" "$bundle/vol"
cp "$(command -v busybox)" "$bundle/rootfs/bin/busybox"
for applet in sh id cat ls echo touch chown stat; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
(cd "$bundle" && "$T" spec)
# Root inside is host UID 3000000 (a range no account uses here); the image and the volume
# belong to it, as a remapping engine (Docker's --userns-remap) prepares them.
jq '.process.terminal = false
  | .process.args = ["sh", "-c", "id; cat /proc/self/uid_map; touch /data/by-root /data/by-1001; chown 1001:1001 /data/by-1001"]
  | .process.capabilities |= map_values(. + ["CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE"])
  | .linux.namespaces += [{"type": "user"}]
  | .linux.uidMappings = [{"containerID": 0, "hostID": 3000000, "size": 65536}]
  | .linux.gidMappings = .linux.uidMappings
  | .mounts += [{"destination": "/data", "type": "bind", "source": "vol", "options": ["rbind", "rw"]}]' \
	"$bundle/config.json" >"$bundle/c" && mv "$bundle/c" "$bundle/config.json"
chown -R 3000000:3000000 "$bundle/rootfs" "$bundle/vol"
chmod 755 "$bundle"
show "$T" --root "$scratch/state" run --bundle "$bundle" demo-rootful
show ls -ln "$bundle/vol"

bold "== 5b. The same image rootless, as $demo_user"
rl=$scratch/home/bundle
mkdir -p "$rl/vol"
cp -a "$bundle/rootfs" "$rl/rootfs"
jq '.process.args = ["sh", "-c", "id; cat /proc/self/uid_map; touch /data/by-root; touch /data/by-1001; chown 1001:1001 /data/by-1001"]
  | .linux.namespaces |= map(select(.type != "user" and .type != "network"))
  | del(.linux.uidMappings, .linux.gidMappings, .linux.resources)' \
	"$bundle/config.json" >"$rl/config.json"
chown -R "$demo_user:" "$rl"
echo "(no user namespace in config.json: tenant makes one, root inside = $demo_user, 1.. = its ranges)"
as_demo tenant --root "$scratch/home/state" run --bundle "$rl" demo-rootless
show ls -ln "$rl/vol"

bold "== 6. Seed 003: an image with a file of UID 1000320999, rootless with 65536 + 6000 IDs"
big=$scratch/big
mkdir -p "$big/rootfs/home/largeuid"
cp -a "$bundle/rootfs/." "$big/rootfs/"
chown -R 0:0 "$big/rootfs"
chown 1000320999:12 "$big/rootfs/home/largeuid"
jq '.process.args = ["stat", "-c", "%u:%g %n", "/home/largeuid"]
  | .linux.namespaces |= map(select(.type != "user" and .type != "network"))
  | del(.linux.uidMappings, .linux.gidMappings, .linux.resources) | .mounts |= map(select(.destination != "/data"))' \
	"$bundle/config.json" >"$big/config.json"
chmod -R a+rX "$big"
echo "(a range cannot reach 1000320999: tenant says so before the container runs, with the fix)"
as_demo tenant --root "$scratch/home/state" run --userns auto --bundle "$big" big
echo "(auto:size=image maps exactly the IDs the image uses: a handful of host IDs, not a billion)"
as_demo tenant --root "$scratch/home/state" run --userns auto:size=image --bundle "$big" big
rm -rf "/var/tmp/tenant-$(id -u "$demo_user")"

bold "== 7. Is this machine ready for $demo_user? (tenant check)"
as_demo tenant check
exit 0
