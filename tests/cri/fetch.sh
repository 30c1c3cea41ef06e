#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Fetches and prepares what the CRI harness (tests/cri) needs, once; everything is cached
# under build/cri and the machine's own apt sources are left alone:
#  - Debian 13's containerd 1.7 and the CRI API source (golang-github-kubernetes-cri-api-dev),
#    downloaded through a private apt configuration and unpacked with dpkg-deb -x into
#    build/cri/root-1.7 (Debian 13's containernetworking-plugins is the same 1.1.1 as Debian
#    12's, so the machine's /usr/lib/cni serves both containerd versions);
#  - Debian 12's python3-grpc-tools and python3-grpcio (ordinary apt-get install) and the CRI v1
#    api.proto compiled with them into build/cri/py (api_pb2.py, api_pb2_grpc.py);
#  - Debian 12's jq, gcc and libc6-dev, busybox-static and iproute2 where missing (the images
#    are built by tests/cri/containerd.sh start, from tests/cri/pause.c and images.py).
#
#	tests/cri/fetch.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$ROOT/build/cri
R17=$W/root-1.7
PY=$W/py
SUITE=trixie

say() { echo "cri-fetch: $*" >&2; }

APT=(-o "Dir::Etc::SourceList=$W/apt/sources.list" -o "Dir::Etc::SourceParts=$W/apt/none"
	-o "Dir::State::Lists=$W/apt/lists" -o "Dir::Cache=$W/apt/cache"
	-o "Dir::State::status=$W/apt/status" -o "APT::Architecture=amd64" -o "APT::Sandbox::User=root")

private_apt() {
	mkdir -p "$W/apt/none" "$W/apt/lists/partial" "$W/apt/cache/archives/partial" "$W/tmp" "$W/debs"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $SUITE main" \
		>"$W/apt/sources.list"
	# An empty dpkg status: the download does not depend on what this machine has installed.
	: >"$W/apt/status"
	if ! ls "$W"/apt/lists/*_Packages* >/dev/null 2>&1; then
		say "apt-get update of the private $SUITE list"
		TMPDIR=$W/tmp apt-get "${APT[@]}" update >"$W/apt/update.log" 2>&1 ||
			{ cat "$W/apt/update.log" >&2; return 1; }
	fi
}

# apt-get download of one package from the private list into build/cri/debs (once).
download() {
	local pkg=$1
	ls "$W/debs/${pkg}_"*.deb >/dev/null 2>&1 && return 0
	say "downloading $SUITE's $pkg"
	(cd "$W/debs" && TMPDIR=$W/tmp apt-get "${APT[@]}" download "$pkg" >/dev/null)
}

unpack_17() {
	local pkg
	[ -x "$R17/usr/bin/containerd" ] && [ -f "$R17/.unpacked" ] && return 0
	private_apt
	for pkg in containerd golang-github-kubernetes-cri-api-dev; do
		download "$pkg"
	done
	rm -rf "$R17" && mkdir -p "$R17"
	for pkg in containerd golang-github-kubernetes-cri-api-dev; do
		dpkg-deb -x "$(find "$W/debs" -name "${pkg}_*.deb" | head -n1)" "$R17"
	done
	touch "$R17/.unpacked"
}

python_tools() {
	/usr/bin/python3 -c 'import grpc, grpc_tools.protoc, google.protobuf' 2>/dev/null && return 0
	say "installing Debian 12's python3-grpc-tools and python3-grpcio"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-grpc-tools python3-grpcio \
		python3-protobuf >/dev/null
}

# Other tools the harness uses: jq (bats tests and scripts), gcc with a static libc (the pause
# image), busybox-static (the test image), iproute2 (removing the bridge).
other_tools() {
	local need=()
	command -v jq >/dev/null || need+=(jq)
	command -v gcc >/dev/null || need+=(gcc)
	[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
	[ -x /bin/busybox ] || need+=(busybox-static)
	command -v ip >/dev/null || need+=(iproute2)
	[ ${#need[@]} = 0 ] && return 0
	say "installing ${need[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
}

compile_proto() {
	local src=$R17/usr/share/gocode/src/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto
	[ -f "$PY/api_pb2.py" ] && [ -f "$PY/api_pb2_grpc.py" ] && [ "$PY/api_pb2.py" -nt "$src" ] && return 0
	[ -f "$src" ] || src=$(find "$R17" -path '*/cri-api/pkg/apis/runtime/v1/api.proto' | head -n1)
	[ -f "$src" ] || { say "api.proto not found in the cri-api package"; return 1; }
	rm -rf "$PY" && mkdir -p "$PY/proto"
	# gogo's extensions are Go code generation hints: drop their import and the file-wide
	# options; field-level [(gogoproto.x) = y] annotations do not occur in v1's api.proto.
	sed -e '/^import "github.com\/gogo\/protobuf\/gogoproto\/gogo.proto";/d' \
		-e '/^option[[:space:]]*(gogoproto\.[a-z_]*)[[:space:]]*=[^;]*;/d' "$src" >"$PY/proto/api.proto"
	if grep -n 'gogoproto' "$PY/proto/api.proto" >&2; then
		say "gogoproto references left in api.proto"
		return 1
	fi
	(cd "$PY/proto" && /usr/bin/python3 -m grpc_tools.protoc -I. --python_out="$PY" \
		--grpc_python_out="$PY" api.proto)
	/usr/bin/python3 -c "import sys; sys.path.insert(0, '$PY'); import api_pb2, api_pb2_grpc" ||
		{ say "the generated modules do not import"; rm -f "$PY/api_pb2.py"; return 1; }
}

mkdir -p "$W"
unpack_17
python_tools
other_tools
compile_proto
v=$("$R17/usr/bin/containerd" --version)
case $v in
*" 1.7."*) say "ready: $v" ;;
*)
	say "$SUITE's containerd is not 1.7: $v"
	exit 1
	;;
esac
