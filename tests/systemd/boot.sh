#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A system container booting Debian 12's systemd (tests/systemd/image.sh), run by tenant, for
# the tests that need a real systemd as PID 1: the host's init is not systemd.
#
#	tests/systemd/boot.sh up STATE ID BUNDLE CGROUP HOSTID   boot it, wait for it; print the PID
#	tests/systemd/boot.sh down STATE ID BUNDLE [CGROUP]      stop it (SIGRTMIN+3), delete it
#	tests/systemd/boot.sh tenant STATE CGROUP ARGS...        tenant --root STATE ARGS..., as up runs it
#
# BOOT_VIEW=cgroup gives the container the v1 view of a hybrid host instead (a tmpfs with the
# v1 hierarchies): systemd runs in hybrid mode there.
#
# With BOOT_USER=NAME (up and down alike) the container is rootless: NAME runs tenant (STATE must
# be NAME's), its UID must be HOSTID (the image's owner) and its subordinate ranges must hold
# HOSTID+1 to HOSTID+65535; the container maps 0 to NAME itself and 1-65535 to those, as rootless
# podman maps. As systemd's Delegate=yes would, a cgroup CGROUP in the cgroup2 tree is made
# NAME's, and tenant runs from its leaf "shell": the container's cgroup is made below it.
#
# The image is the overlay's lower layer: a boot changes nothing in it; the engines' stores and
# /home are tmpfs (overlayfs is no backing filesystem for their overlay snapshots). The container has its
# own user namespace (0 -> HOSTID, 65536 IDs) and cgroup namespace, /run
# and /tmp as tmpfs, and its cgroup view as cgroup2 alone, read-write (delegated): systemd runs
# in unified mode there, as on a cgroup v2 host. No paths are masked (as LXC and nspawn), so
# that runtimes inside can mount proc and sysfs anew. tenant itself ($TENANT), a static busybox and
# tenant's probe are bound read-only at /usr/local/bin, so tests can run tenant inside it.
set -euo pipefail

TENANT=${TENANT:?}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROBE=${PROBE:-${TENANT_BUILD:-$ROOT/build}/tests/probe/probe}

# The cgroup2 tree: /sys/fs/cgroup, or a hybrid host's /sys/fs/cgroup/unified.
v2_root() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then echo /sys/fs/cgroup; else echo /sys/fs/cgroup/unified; fi
}

t() {
	if [ -z "${BOOT_USER:-}" ]; then
		"$TENANT" --root "$STATE" "$@"
		return
	fi
	# shellcheck disable=SC2016 # $$ and $0 are the inner shell's
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$(v2_root)$CGROUP/shell" \
		setpriv --reuid="$BOOT_USER" --regid="$BOOT_USER" --init-groups \
		env -u XDG_RUNTIME_DIR HOME=/ "$TENANT" --root "$STATE" "$@"
}

# A cgroup the user may manage, as systemd delegates user@.service's.
delegate() {
	local d
	d=$(v2_root)$CGROUP
	mkdir -p "$d/shell"
	chown "$BOOT_USER:" "$d" "$d/shell" "$d"/cgroup.procs "$d"/cgroup.subtree_control \
		"$d"/cgroup.threads "$d"/shell/cgroup.procs "$d"/shell/cgroup.threads \
		"$d"/shell/cgroup.subtree_control
}

up() {
	local image st pid
	image=$("$ROOT/tests/systemd/image.sh")
	[ "$HOSTID" = 3000000 ] || { echo "boot.sh: the image is shifted to 3000000" >&2; exit 2; }
	mkdir -p "$BUNDLE/upper" "$BUNDLE/work" "$BUNDLE/rootfs"
	chmod 755 "$BUNDLE" "$BUNDLE/upper"
	chown "$HOSTID:$HOSTID" "$BUNDLE/upper"
	# The image stays as made: what the container writes goes to an overlay's upper layer.
	mount -t overlay overlay -o "lowerdir=$image,upperdir=$BUNDLE/upper,workdir=$BUNDLE/work" \
		"$BUNDLE/rootfs"
	(cd "$BUNDLE" && "$TENANT" spec)
	local maps cg=$CGROUP
	maps='[{"containerID": 0, "hostID": '$HOSTID', "size": 65536}]'
	if [ -n "${BOOT_USER:-}" ]; then
		[ "$(id -u "$BOOT_USER")" = "$HOSTID" ] || { echo "boot.sh: $BOOT_USER is not UID $HOSTID" >&2; exit 2; }
		maps='[{"containerID": 0, "hostID": '$HOSTID', "size": 1}, {"containerID": 1, "hostID": '$((HOSTID + 1))', "size": 65535}]'
		cg="" # below the user's own cgroup: shell
		delegate
	fi
	jq --arg r "$BUNDLE/rootfs" --argjson maps "$maps" --arg cg "$cg" --arg tenant "$TENANT" \
		--arg view "${BOOT_VIEW:-cgroup2}" \
		--arg busybox "$(command -v busybox)" --arg probe "$PROBE" '
		.root = {"path": $r, "readonly": false}
		| .process.terminal = false | .process.args = ["/lib/systemd/systemd"] | .process.noNewPrivileges = false
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .process.env += ["container=tenant"]
		| .linux.namespaces |= (map(select(.type != "user" and .type != "cgroup")) + [{"type": "user"}, {"type": "cgroup"}])
		| .linux.uidMappings = $maps
		| .linux.gidMappings = .linux.uidMappings | .linux.cgroupsPath = $cg
		| .mounts |= map(select(.destination != "/sys/fs/cgroup"))
		| .mounts += [{"destination": "/sys/fs/cgroup", "type": $view, "source": $view, "options": ["nosuid", "noexec", "nodev", "relatime", "rw"]},
			{"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=755"]},
			{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
			{"destination": "/home", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=755"]},
			{"destination": "/var/lib/containers", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=700"]},
			{"destination": "/var/lib/containerd", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=700"]},
			{"destination": "/usr/local/bin/tenant", "type": "bind", "source": $tenant, "options": ["bind", "ro"]},
			{"destination": "/usr/local/bin/busybox", "type": "bind", "source": $busybox, "options": ["bind", "ro"]},
			{"destination": "/usr/local/bin/probe", "type": "bind", "source": $probe, "options": ["bind", "ro"]}]
		| .process.capabilities.bounding = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
			"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
			"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE",
			"CAP_SETFCAP", "CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_RESOURCE"]
		| .process.capabilities.effective = .process.capabilities.bounding
		| .process.capabilities.permitted = .process.capabilities.bounding' \
		<"$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
	t run -d --bundle "$BUNDLE" "$ID" </dev/null >/dev/null 2>"$BUNDLE/err" || { cat "$BUNDLE/err" >&2; exit 1; }
	for _ in $(seq 200); do
		st=$(t exec "$ID" systemctl is-system-running 2>/dev/null </dev/null || true)
		case $st in running | degraded) break ;; esac
		sleep 0.1
	done
	case $st in running | degraded) ;; *)
		echo "boot.sh: systemd in $ID is '$st'" >&2
		t exec "$ID" systemctl --failed --no-pager </dev/null >&2 || true
		exit 1 ;;
	esac
	pid=$(t state "$ID" | jq .pid)
	echo "$pid"
}

down() {
	t kill "$ID" SIGRTMIN+3 2>/dev/null || true
	for _ in $(seq 100); do
		[ "$(t state "$ID" 2>/dev/null | jq -r .status)" = running ] || break
		sleep 0.1
	done
	t delete --force "$ID" 2>/dev/null || true
	! mountpoint -q "$BUNDLE/rootfs" || umount "$BUNDLE/rootfs"
	if [ -n "${BOOT_USER:-}" ] && [ -d "$(v2_root)$CGROUP" ]; then
		rmdir "$(v2_root)$CGROUP/shell" "$(v2_root)$CGROUP" 2>/dev/null || true
	fi
	rm -rf "$BUNDLE"
}

case ${1:-} in
up) STATE=$2 ID=$3 BUNDLE=$4 CGROUP=$5 HOSTID=$6 up ;;
down) STATE=$2 ID=$3 BUNDLE=$4 CGROUP=${5:-} down ;;
tenant)
	STATE=$2 CGROUP=$3
	shift 3
	t "$@"
	;;
*) sed -n '2,20p' "$0" >&2; exit 2 ;;
esac
