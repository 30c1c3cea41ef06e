#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install what building and testing tenant needs, from Debian's packages, when it is missing.
# Idempotent and quiet: a machine that has everything sees one line.
set -euo pipefail

packages=(
	meson ninja-build gcc pkg-config   # build
	clang libclang-rt-14-dev           # the ASan + UBSan build of make check
	libsubid-dev libsubid4             # shadow's libsubid (subid: sources other than files)
	libseccomp-dev                     # linux.seccomp
	libsystemd-dev                     # the systemd cgroup manager (sd-bus, dlopened)
	uidmap                             # newuidmap/newgidmap, getsubids (bench, later issues)
	bats jq clang-format               # tests: integration, JSON checks, format check
	hyperfine                          # bench/: timing side by side
	passwd                             # useradd/userdel for throwaway test users
	libc6-dev                          # static libc: tests/probe is the test image's /init
	busybox-static                     # make demo's tiny root filesystem
	runc crun time                     # bench/: the runtimes tenant is compared with, peak RSS
	podman containerd                  # end-to-end: engines with tenant as their runtime
	python3-grpc-tools python3-grpcio  # tests/cri: the CRI client (containerd 1.7: fetch.sh)
	python3-protobuf iproute2 containernetworking-plugins
	debootstrap                        # tests/systemd: the system container's Debian 12 tree
	bsdutils util-linux                # script (terminal tests), unshare, setpriv
	acl attr libcap2-bin               # tests of tenant shift: ACLs, xattrs, file capabilities
	groff-base man-db bsdextrautils    # tests of the generated manual pages (groff, man, col)
	strace                             # tests: a create killed at a chosen syscall; exec traces
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; install them as root: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/tenant-deps.log 2>&1; then
	# A fresh machine may have no package lists yet.
	apt-get update -qq >>/tmp/tenant-deps.log 2>&1
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >>/tmp/tenant-deps.log 2>&1 ||
		{ echo "deps: apt-get failed; see /tmp/tenant-deps.log" >&2; tail -5 /tmp/tenant-deps.log >&2; exit 1; }
fi
echo "deps: done"
