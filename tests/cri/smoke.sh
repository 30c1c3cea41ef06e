#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Smoke test of the CRI harness: pods run through containerd's CRI plugin as the kubelet runs
# them, with runc and with tenant as the runtime handler.
#
#	tests/cri/smoke.sh [VERSION:KIND:HANDLER...]     e.g. 1.7:userns:tenant
#
# By default, on containerd 1.7 (Debian 13's): seed 004's pod (KIND userns: a user namespace of
# the pod's own, mode POD with a 65536-ID range at or above 2^31; a container running as
# 1024:1024 with every capability dropped, no_new_privs and RuntimeDefault seccomp) and a plain
# pod, each with runc, then with tenant; on containerd 1.6 (Debian 12's): the plain pod with
# runc, then with tenant. KIND hostnet (network NODE, sent without a hostname, as the kubelet
# does) is there to be asked for. Each pod: RunPodSandbox, CreateContainer, StartContainer,
# ExecSync id, cat /proc/self/uid_map (and, for userns, CapEff/NoNewPrivs/Seccomp), then
# StopContainer (1 s grace), RemoveContainer, StopPodSandbox, RemovePodSandbox.
# The runc cases must pass (exit 1 otherwise); the tenant cases are reported with the error
# containerd returned, and fail the run only with CRI_SMOKE_STRICT=1.
# $CRI_SMOKE_BASE: where the containerd directories go (a fresh /tmp/tenant-cri.XXXXXX if unset).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
H=$ROOT/tests/cri
TENANT=$ROOT/build/tenant
CRI=(/usr/bin/python3 "$H/cri.py")
PASS=0
FAIL=0
TENANT_PASS=0
TENANT_FAIL=0
SUMMARY=()

say() { echo "cri-smoke: $*" >&2; }

"$H/fetch.sh"
if [ ! -x "$TENANT" ]; then
	say "building tenant"
	make -C "$ROOT" >/dev/null
fi

BASE=$(mktemp -d "${CRI_SMOKE_BASE:-/tmp}/tenant-cri.XXXXXX")
# mktemp's 0700 would keep a pod's user namespace (IDs from 2^31 up) out of its own rootfs.
chmod 711 "$BASE"
DIR=
cleanup() {
	local rc=$?
	[ -z "$DIR" ] || "$H/containerd.sh" stop "$DIR" || rc=1
	rm -rf "$BASE"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The pod's user namespace: host IDs 65536*k, k in [32768, 65534], so at or above 2^31.
K=$((32768 + $(od -An -N2 -tu2 /dev/urandom) % 32767))
HOST_ID=$((65536 * K))

# namespaces KIND: the NamespaceOption of a pod of that kind (userns, plain or hostnet).
namespaces() {
	case $1 in
	userns) echo "\"network\": \"POD\", \"pid\": \"CONTAINER\", \"ipc\": \"POD\", $(userns_options)" ;;
	plain) echo '"network": "POD", "pid": "CONTAINER", "ipc": "POD"' ;;
	hostnet) echo '"network": "NODE", "pid": "CONTAINER", "ipc": "POD"' ;;
	esac
}

# pod_config NAME UID KIND: a PodSandboxConfig as the kubelet sends it (a hostNetwork pod
# without a hostname, as the kubelet sends it).
pod_config() {
	local name=$1 uid=$2 kind=$3 hostname
	hostname="\"hostname\": \"$name\","
	[ "$kind" != hostnet ] || hostname=
	cat <<-EOF
		{
		  "metadata": {"name": "$name", "uid": "$uid", "namespace": "default", "attempt": 0},
		  $hostname
		  "log_directory": "$CRI_LOGS/default_${name}_$uid",
		  "dns_config": {},
		  "labels": {"io.kubernetes.pod.name": "$name", "io.kubernetes.pod.namespace": "default",
		    "io.kubernetes.pod.uid": "$uid"},
		  "annotations": {"kubernetes.io/config.source": "api"},
		  "linux": {
		    "cgroup_parent": "/$CRI_CGROUP_PARENT/pod$uid",
		    "security_context": {
		      "namespace_options": {$(namespaces "$kind")},
		      "seccomp": {"profile_type": "RuntimeDefault"}
		    }
		  }
		}
	EOF
}

# Mode POD is the enum's zero value: the whole message goes, with both mappings.
userns_options() {
	local m="[{\"container_id\": 0, \"host_id\": $HOST_ID, \"length\": 65536}]"
	echo "\"userns_options\": {\"mode\": \"POD\", \"uids\": $m, \"gids\": $m}"
}

# container_config NAME KIND: a ContainerConfig as the kubelet sends it; in the userns pod,
# seed 004's container (1024:1024, no capabilities, no_new_privs, RuntimeDefault seccomp).
container_config() {
	local name=$1 kind=$2 sc=
	if [ "$kind" = userns ]; then
		sc='"run_as_user": {"value": 1024}, "run_as_group": {"value": 1024},
		    "capabilities": {"drop_capabilities": ["ALL"]}, "no_new_privs": true,'
	fi
	cat <<-EOF
		{
		  "metadata": {"name": "$name", "attempt": 0},
		  "image": {"image": "$CRI_BUSYBOX_IMAGE"},
		  "command": ["sleep", "1000"],
		  "log_path": "$name/0.log",
		  "labels": {"io.kubernetes.container.name": "$name"},
		  "linux": {
		    "resources": {"cpu_period": 100000, "cpu_shares": 2, "oom_score_adj": 1000},
		    "security_context": {
		      $sc
		      "namespace_options": {$(namespaces "$kind")},
		      "seccomp": {"profile_type": "RuntimeDefault"},
		      "masked_paths": ["/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys",
		        "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		        "/proc/scsi", "/sys/firmware"],
		      "readonly_paths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
		        "/proc/sysrq-trigger"]
		    }
		  }
		}
	EOF
}

# cri STEP ARGS...: one call, its reply in $OUT; a failure records "STEP: error" in $ERR
# (the first one) or $LATER (those while taking the pod down).
cri() {
	local step=$1
	shift
	if OUT=$("${CRI[@]}" "$@" 2>"$BASE/err"); then
		return 0
	fi
	if [ -z "$ERR" ]; then
		ERR="$step: $(tr '\n' ' ' <"$BASE/err")"
	else
		LATER="${LATER}; $step: $(tr '\n' ' ' <"$BASE/err")"
	fi
	return 1
}

# run_pod VERSION HANDLER KIND(userns|plain|hostnet): the whole life of one pod.
run_pod() {
	local v=$1 handler=$2 kind=$3 uid name pod ctr p='' c='' id_out='' map_out='' st_out='' want_id want_map
	local t0 ms line
	uid=$(printf '%s' "$v-$handler-$kind" | sha256sum | cut -c1-12)
	name=$kind-$handler
	pod=$BASE/$v-$name-pod.json
	ctr=$BASE/$v-$name-ctr.json
	pod_config "$name" "$uid" "$kind" >"$pod"
	container_config "$name" "$kind" >"$ctr"
	if [ "$kind" = userns ]; then
		want_id="uid=1024(user) gid=1024(user)"
		want_map="0 $HOST_ID 65536"
	else
		want_id="uid=0(root) gid=0(root)"
		want_map="0 0 4294967295"
	fi
	t0=$(date +%s%N)
	ERR=
	LATER=
	if cri RunPodSandbox runp --runtime "$handler" "$pod" && p=$(jq -r .podSandboxId <<<"$OUT") &&
		cri CreateContainer create "$p" "$ctr" "$pod" && c=$(jq -r .containerId <<<"$OUT") &&
		cri StartContainer start "$c" &&
		cri "ExecSync id" exec-sync --timeout 10 "$c" id; then
		id_out=$(jq -r '.stdout + .stderr' <<<"$OUT" | tr '\n' ' ' | sed 's/ *$//')
		if [[ $id_out != "$want_id"* ]]; then
			ERR="ExecSync id: printed \"$id_out\", not $want_id"
		elif cri "ExecSync uid_map" exec-sync --timeout 10 "$c" cat /proc/self/uid_map; then
			map_out=$(jq -r .stdout <<<"$OUT" | xargs)
			[ "$map_out" = "$want_map" ] || ERR="uid_map: \"$map_out\", not $want_map"
		fi
		# Seed 004's container: no capabilities, no_new_privs, a seccomp filter.
		if [ -z "$ERR" ] && [ "$kind" = userns ] &&
			cri "ExecSync status" exec-sync --timeout 10 "$c" grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; then
			st_out=$(jq -r .stdout <<<"$OUT" | xargs)
			[ "$st_out" = "CapEff: 0000000000000000 NoNewPrivs: 1 Seccomp: 2" ] ||
				ERR="/proc/self/status: \"$st_out\", not CapEff 0, NoNewPrivs 1, Seccomp 2"
		fi
	fi
	# Taken down whatever happened, as the kubelet would.
	if [ -n "$c" ]; then
		cri StopContainer stop --timeout 1 "$c" || true
		cri RemoveContainer rm "$c" || true
	fi
	if [ -n "$p" ]; then
		cri StopPodSandbox stopp "$p" || true
		cri RemovePodSandbox rmp "$p" || true
	fi
	ms=$((($(date +%s%N) - t0) / 1000000))
	if [ -z "$ERR" ]; then
		line="ok   containerd $v, handler $handler, $kind pod ($ms ms): $id_out; uid_map $map_out${st_out:+; $st_out}"
		if [ "$handler" = tenant ]; then TENANT_PASS=$((TENANT_PASS + 1)); else PASS=$((PASS + 1)); fi
	else
		line="FAIL containerd $v, handler $handler, $kind pod ($ms ms): $ERR$LATER"
		if [ "$handler" = tenant ]; then TENANT_FAIL=$((TENANT_FAIL + 1)); else FAIL=$((FAIL + 1)); fi
	fi
	SUMMARY+=("$line")
	say "$line"
}

# with_containerd VERSION KIND:HANDLER...: one containerd, the pods in turn, then stop.
with_containerd() {
	local v=$1 t0 spec
	shift
	DIR=$BASE/$v
	t0=$(date +%s%N)
	"$H/containerd.sh" start "$v" "$TENANT" "$DIR"
	# shellcheck disable=SC1091
	. "$DIR/env"
	export CRI_SOCK
	for spec in "$@"; do
		run_pod "$v" "${spec#*:}" "${spec%%:*}"
	done
	"$H/containerd.sh" stop "$DIR"
	DIR=
	SUMMARY+=("containerd $v: $# pods in $((($(date +%s%N) - t0) / 1000000)) ms from its start to its shutdown")
	say "${SUMMARY[-1]}"
}

if [ $# = 0 ]; then
	set -- 1.7:userns:runc 1.7:plain:runc 1.7:userns:tenant 1.7:plain:tenant 1.6:plain:runc 1.6:plain:tenant
fi
for v in 1.7 1.6; do
	cases=()
	for c in "$@"; do
		[ "${c%%:*}" != "$v" ] || cases+=("${c#*:}")
	done
	[ ${#cases[@]} = 0 ] || with_containerd "$v" "${cases[@]}"
done

echo
printf '%s\n' "${SUMMARY[@]}"
echo "tenant: $TENANT_PASS passed, $TENANT_FAIL failed (reported; CRI_SMOKE_STRICT=1 counts them)"
if [ "${CRI_SMOKE_STRICT:-0}" = 1 ]; then
	PASS=$((PASS + TENANT_PASS))
	FAIL=$((FAIL + TENANT_FAIL))
fi
echo "cri-smoke: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
