#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs a private containerd whose CRI plugin the harness drives as the kubelet would, and takes
# it down again leaving nothing behind.
#
#	tests/cri/containerd.sh start VERSION RUNTIME_BINARY DIR
#	tests/cri/containerd.sh stop  [VERSION RUNTIME_BINARY] DIR
#	tests/cri/containerd.sh images     build the images' tars once; print their directory
#
# VERSION: 1.7 (Debian 13's, unpacked by tests/cri/fetch.sh into build/cri/root-1.7) or 1.6
# (Debian 12's /usr/bin/containerd). RUNTIME_BINARY: what the runtime handler "tenant" runs
# (its options BinaryName and Root, as docs/kubernetes.md configures it); the handler "runc"
# runs /usr/bin/runc. $CRI_DEFAULT_RUNTIME picks the default handler (runc unless set).
# DIR (made by start, removed by stop; its path is kept short, sockets live in it) holds the
# config, root, state, socket, logs, CNI configuration and IPAM state, and the runtimes' roots.
# start writes DIR/env, for tests to source: CRI_SOCK, CRI_CTR, CRI_CGROUP_PARENT (the cgroup
# parent that pods should use: stop removes it), CRI_PAUSE_IMAGE, CRI_BUSYBOX_IMAGE, ...
# It imports the pause and busybox images (build/cri/images) before any pod is run.
#
# stop is safe at any point, also after a failed start: it stops and removes every pod through
# CRI while containerd answers, kills containerd, then what is left of this containerd's shims
# and containers, unmounts everything under DIR, removes the pods' cgroups, the CNI bridge and
# CNI's cache entries, the shim sockets in /run/containerd/s (the 1.6 and 1.7 shims put them
# there whatever containerd's state dir is), and DIR (its containerd.log is copied to
# build/cri/last-containerd.log first).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/tests/cri
W=$ROOT/build/cri
PY=/usr/bin/python3
PAUSE_IMAGE=localhost/tenant-pause:1
BUSYBOX_IMAGE=localhost/tenant-busybox:1

say() { echo "cri-containerd: $*" >&2; }
die() {
	say "$*"
	exit 1
}

# Names derived from DIR, so that stop finds them without DIR/env.
derive() {
	local h
	h=$(printf '%s' "$D" | sha256sum | cut -c1-8)
	SOCK=$D/containerd.sock
	BRIDGE=trc$h
	NET=tenant-cri-$h
	CGROUP_PARENT=${CRI_CGROUP_PARENT:-tenant-cri-test-$h}
}

binaries() {
	case $V in
	1.7)
		BIN=$W/root-1.7/usr/bin
		[ -x "$BIN/containerd" ] || die "no containerd 1.7 in $BIN: run tests/cri/fetch.sh"
		# containerd looks its shim up in PATH: the 1.7 one first, or it runs Debian 12's.
		SHIM_PATH=$BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		;;
	1.6)
		BIN=/usr/bin
		SHIM_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
		;;
	*) die "VERSION is 1.6 or 1.7, not $V" ;;
	esac
	CONTAINERD=$BIN/containerd
	CTR=$BIN/ctr
}

free_port() {
	$PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

images() {
	local img=$W/images
	if [ ! -f "$img/pause.tar" ] || [ ! -f "$img/busybox.tar" ] || [ "$HERE/pause.c" -nt "$img/pause.tar" ] ||
		[ "$HERE/images.py" -nt "$img/pause.tar" ]; then
		mkdir -p "$img"
		gcc -static -O2 -Wall -Wextra -o "$W/pause" "$HERE/pause.c"
		$PY "$HERE/images.py" "$W/pause" /bin/busybox "$img"
	fi
}

write_config() {
	local port=$1 runc
	runc=/usr/bin/runc
	[ -x "$runc" ] || runc=$(command -v runc)
	mkdir -p "$D/cni/net.d" "$D/cni/networks" "$D/root" "$D/state" "$D/tmp" "$D/opt" "$D/logs" \
		"$D/run/runc" "$D/run/tenant-k8s"
	cat >"$D/cni/net.d/10-$NET.conflist" <<-EOF
		{
		  "cniVersion": "1.0.0",
		  "name": "$NET",
		  "plugins": [
		    {
		      "type": "bridge",
		      "bridge": "$BRIDGE",
		      "isGateway": false,
		      "isDefaultGateway": false,
		      "ipMasq": false,
		      "hairpinMode": false,
		      "ipam": {
		        "type": "host-local",
		        "ranges": [[{"subnet": "${CRI_SUBNET:-10.199.0.0/24}"}]],
		        "routes": [],
		        "dataDir": "$D/cni/networks"
		      }
		    }
		  ]
		}
	EOF
	cat >"$D/config.toml" <<-EOF
		version = 2
		root = "$D/root"
		state = "$D/state"
		temp = "$D/tmp"
		oom_score = 0
		disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

		[grpc]
		  address = "$SOCK"
		[ttrpc]
		  address = "$SOCK.ttrpc"
		[debug]
		  address = ""
		  level = "${CRI_LOG_LEVEL:-info}"
		[metrics]
		  address = ""

		[plugins."io.containerd.internal.v1.opt"]
		  path = "$D/opt"

		[plugins."io.containerd.grpc.v1.cri"]
		  disable_tcp_service = true
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "$port"
		  sandbox_image = "$PAUSE_IMAGE"
		  # No CAP_SYS_RESOURCE here: without it the sandbox's start fails ("can't get final
		  # child's PID from pipe: EOF") when runc lowers oom_score_adj.
		  restrict_oom_score_adj = true
		  netns_mounts_under_state_dir = true
		  enable_selinux = false
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "/usr/lib/cni"
		    conf_dir = "$D/cni/net.d"
		    max_conf_num = 1
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    default_runtime_name = "${CRI_DEFAULT_RUNTIME:-runc}"
		    snapshotter = "overlayfs"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		        BinaryName = "$runc"
		        Root = "$D/run/runc"
		        SystemdCgroup = false
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.tenant]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.tenant.options]
		        BinaryName = "$RT"
		        Root = "$D/run/tenant-k8s"
		        SystemdCgroup = false
	EOF
}

start() {
	local port pid t0 p
	t0=$(date +%s%N)
	[ -x "$RT" ] || die "no runtime binary $RT"
	[ ! -e "$D/containerd.pid" ] || die "$D is in use: stop it first"
	[ ${#SOCK} -lt 100 ] || die "$D is too long a path for the sockets in it"
	images
	mkdir -p "$D"
	chmod 711 "$D"
	# The rootfs of a pod with a user namespace is reached by IDs the host knows as others'.
	p=$D
	while [ "$p" != / ]; do
		p=$(dirname "$p")
		[ "$(($(stat -c '0%a' "$p") & 1))" = 1 ] ||
			die "$p is not searchable by others: pods with a user namespace could not reach their rootfs"
	done
	# What existed before, so that stop removes only what this containerd made.
	[ -e /run/containerd ] || touch "$D/made-run-containerd"
	[ -e /var/lib/cni ] || touch "$D/made-var-lib-cni"
	port=$(free_port)
	write_config "$port"
	cat >"$D/env" <<-EOF
		CRI_VERSION=$V
		CRI_DIR=$D
		CRI_SOCK=$SOCK
		CRI_CTR=$CTR
		CRI_CONTAINERD=$CONTAINERD
		CRI_RUNTIME_BINARY=$RT
		CRI_DEFAULT_RUNTIME=${CRI_DEFAULT_RUNTIME:-runc}
		CRI_STREAM_PORT=$port
		CRI_CGROUP_PARENT=$CGROUP_PARENT
		CRI_BRIDGE=$BRIDGE
		CRI_NETWORK=$NET
		CRI_PAUSE_IMAGE=$PAUSE_IMAGE
		CRI_BUSYBOX_IMAGE=$BUSYBOX_IMAGE
		CRI_LOGS=$D/logs
	EOF
	# Its own session, so that a signal to the caller's process group does not reach it
	# before stop has used it; TMPDIR for the files containerd and its shims write per exec.
	setsid env -i PATH="$SHIM_PATH" TMPDIR="$D/tmp" HOME=/root \
		"$CONTAINERD" --config "$D/config.toml" </dev/null >>"$D/containerd.log" 2>&1 &
	pid=$!
	echo "$pid" >"$D/containerd.pid"
	if ! $PY "$HERE/cri.py" -a "$SOCK" wait-ready 30 >/dev/null; then
		tail -n 30 "$D/containerd.log" >&2
		die "containerd $V did not answer on $SOCK"
	fi
	[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$CONTAINERD")" ] ||
		die "pid $pid is not $CONTAINERD"
	"$CTR" -a "$SOCK" -n k8s.io images import "$W/images/pause.tar" >/dev/null
	"$CTR" -a "$SOCK" -n k8s.io images import "$W/images/busybox.tar" >/dev/null
	# The CRI plugin learns of imported images through events: wait until it sees both.
	for _ in $(seq 100); do
		has_image "$PAUSE_IMAGE" && has_image "$BUSYBOX_IMAGE" && break
		sleep 0.1
	done
	has_image "$PAUSE_IMAGE" || die "the CRI plugin does not see $PAUSE_IMAGE"
	has_image "$BUSYBOX_IMAGE" || die "the CRI plugin does not see $BUSYBOX_IMAGE"
	say "containerd $($CONTAINERD --version | awk '{print $3}') on $SOCK (pid $pid, stream port $port)" \
		"ready in $((($(date +%s%N) - t0) / 1000000)) ms"
}

has_image() {
	local out
	out=$($PY "$HERE/cri.py" -a "$SOCK" image-status "$1") && [[ $out == *'"id"'* ]]
}

# A process that is gone or a zombie is not alive.
alive() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# The processes whose command line holds "-address SOCK": this containerd's shims.
shim_pids() {
	local p
	for p in /proc/[0-9]*; do
		{ tr '\0' '\n' <"$p/cmdline"; } 2>/dev/null | grep -qxF -- "$SOCK" || continue
		{ tr '\0' '\n' <"$p/cmdline"; } 2>/dev/null | grep -qx -- '-address' || continue
		echo "${p#/proc/}"
	done
}

# SIGTERM, up to 10 s, then SIGKILL.
kill_wait() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 100); do
		alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		alive "$pid" || return 0
		sleep 0.1
	done
}

# Every cgroup directory of the pod parent, in every hierarchy, deepest first.
cgroup_dirs() {
	local h
	case $CGROUP_PARENT in '' | *..* | /*) return 0 ;; esac
	for h in /sys/fs/cgroup /sys/fs/cgroup/*/; do
		h=${h%/}
		[ -d "$h/$CGROUP_PARENT" ] || continue
		find "$h/$CGROUP_PARENT" -depth -type d 2>/dev/null || true
	done
}

stop() {
	local pid p r m i b ids left=0 sockets=()
	[ -d "$D" ] || return 0
	if [ -f "$D/env" ]; then
		CGROUP_PARENT=$(sed -n 's/^CRI_CGROUP_PARENT=//p' "$D/env")
		[ -n "$RT" ] || RT=$(sed -n 's/^CRI_RUNTIME_BINARY=//p' "$D/env")
	fi
	pid=$(cat "$D/containerd.pid" 2>/dev/null || true)
	# Only if that PID is still this containerd (not a reused one).
	if [ -n "$pid" ] && ! { tr '\0' '\n' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qxF "$D/config.toml"; then
		pid=
	fi
	# The sandboxes' IDs name their entries in CNI's cache.
	ids=$(find "$D/state/io.containerd.grpc.v1.cri/sandboxes" "$D/root/io.containerd.grpc.v1.cri/sandboxes" \
		"$D/state/io.containerd.runtime.v2.task/k8s.io" -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null |
		grep -xE '[0-9a-f]{64}' | sort -u || true)
	# 1. Pods and containers through CRI, as the kubelet would remove them.
	if [ -n "$pid" ] && [ -S "$SOCK" ]; then
		timeout 120 $PY "$HERE/cri.py" -a "$SOCK" --timeout 30 clean --timeout 0 ||
			say "removing the pods through CRI failed; cleaning up behind it"
	fi
	# 2. containerd.
	[ -z "$pid" ] || kill_wait "$pid"
	# 3. What is left of the containers (their processes are in the pods' cgroups or the
	# runtimes' roots) and of the shims; the shim sockets they listed in their address files.
	for r in "$D"/run/runc/*/ "$D"/run/tenant-k8s/*/; do
		[ -d "$r" ] || continue
		case $r in "$D"/run/runc/*) b=/usr/bin/runc ;; *) b=$RT ;; esac
		if [ -z "$b" ] || [ ! -x "$b" ]; then continue; fi
		for i in $("$b" --root "$r" list -q 2>/dev/null || true); do
			timeout 20 "$b" --root "$r" delete --force "$i" >/dev/null 2>&1 || true
		done
	done
	for i in 1 2 3; do
		while read -r m; do
			[ ! -f "$m/freezer.state" ] || echo THAWED >"$m/freezer.state" 2>/dev/null || true
			for p in $(cat "$m/cgroup.procs" 2>/dev/null || true); do
				kill -KILL "$p" 2>/dev/null || true
			done
		done < <(cgroup_dirs)
	done
	while read -r m; do
		m=$(sed 's|^unix://||' "$m" 2>/dev/null || true)
		[ -n "$m" ] && sockets+=("$m")
	done < <(find "$D/state" -name address -path '*io.containerd.runtime.v2.task*' 2>/dev/null || true)
	for pid in $(shim_pids); do
		kill_wait "$pid"
	done
	for m in "${sockets[@]}"; do
		case $m in /run/containerd/s/* | "$D"/*) rm -f "$m" ;; esac
	done
	if [ -e "$D/made-run-containerd" ]; then
		rmdir /run/containerd/s 2>/dev/null || true
		rmdir /run/containerd 2>/dev/null || true
	fi
	# 4. Mounts under DIR (rootfs overlays, /dev/shm of pods, network namespaces), deepest
	# first; a busy one lazily.
	for i in 1 2 3; do
		left=0
		while read -r m; do
			left=1
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done < <(awk -v d="$D" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
			sed 's/\\040/ /g' | sort -r)
		[ $left = 1 ] || break
	done
	# 5. The pods' cgroups (the kubelet removes them; runc and the shim leave the parents).
	for i in $(seq 20); do
		left=0
		while read -r m; do
			rmdir "$m" 2>/dev/null || left=1
		done < <(cgroup_dirs)
		[ $left = 1 ] || break
		sleep 0.2
	done
	[ $left = 0 ] || say "cgroups left: $(cgroup_dirs | tr '\n' ' ')"
	# 6. The bridge and CNI's cache (libcni keeps results in /var/lib/cni whatever the IPAM's
	# dataDir).
	ip link del "$BRIDGE" 2>/dev/null || true
	rm -rf /var/lib/cni/results/"$NET"-* /var/lib/cni/networks/"$NET" 2>/dev/null || true
	for i in $ids; do
		rm -f /var/lib/cni/results/cni-loopback-"$i"-lo
	done
	if [ -e "$D/made-var-lib-cni" ]; then
		rmdir /var/lib/cni/results /var/lib/cni/networks /var/lib/cni 2>/dev/null || true
	fi
	# 7. DIR itself (containerd's log is kept as build/cri/last-containerd.log); a mount that
	# would not go keeps it.
	[ ! -f "$D/containerd.log" ] || cp "$D/containerd.log" "$W/last-containerd.log" 2>/dev/null || true
	if awk -v d="$D" '$5 == d || index($5, d "/") == 1 { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		say "mounts left under $D; not removing it"
		return 1
	fi
	rm -rf "$D"
}

cmd=${1:-}
case $cmd in
start)
	[ $# = 4 ] || die "usage: containerd.sh start VERSION RUNTIME_BINARY DIR"
	V=$2
	RT=$(readlink -f "$3")
	D=$4
	;;
stop)
	case $# in
	2) V='' RT='' D=$2 ;;
	4) V=$2 RT=$(readlink -f "$3" || true) D=$4 ;;
	*) die "usage: containerd.sh stop [VERSION RUNTIME_BINARY] DIR" ;;
	esac
	;;
images)
	images # (for tests that run a containerd of their own: tests/integration/systemd-cgroup.bats)
	echo "$W/images"
	exit 0
	;;
*) die "usage: containerd.sh start|stop VERSION RUNTIME_BINARY DIR" ;;
esac
mkdir -p "$(dirname "$D")"
D=$(cd "$(dirname "$D")" && pwd)/$(basename "$D")
derive
if [ "$cmd" = start ]; then
	binaries
	start
else
	stop
fi
