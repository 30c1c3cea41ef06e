#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A Debian 12 root filesystem that boots systemd, made once with debootstrap into
# build/systemd/debian and kept there (remade when the package list below changes), its owners
# shifted to the range 3000000-3065535 (the system containers' root is 3000000): the system
# containers of tests/systemd boot it. Besides systemd and dbus it has what runs tenant inside
# (its libraries: libseccomp2, libsubid4; uidmap and the user bus for a rootless user), and the
# engines that drive it with the systemd cgroup driver: podman, containerd, runc and the CNI
# plugins. Prints the tree's path.
#
#	tests/systemd/image.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$ROOT/build/systemd
T=$W/debian

say() { echo "systemd-image: $*" >&2; }

PACKAGES=shifted:systemd,systemd-sysv,dbus,dbus-user-session,procps,util-linux,libseccomp2,libsubid4,uidmap,jq,iproute2,podman,containerd,runc,containernetworking-plugins

if [ "$(cat "$T/.complete" 2>/dev/null)" != "$PACKAGES" ]; then
	command -v debootstrap >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
	rm -rf "$T"
	mkdir -p "$W/tmp"
	say "debootstrap of Debian 12 with systemd and dbus into $T (once)"
	TMPDIR=$W/tmp debootstrap --variant=minbase \
		--include="${PACKAGES#shifted:}" \
		bookworm "$T" http://deb.debian.org/debian >"$W/debootstrap.log" 2>&1 ||
		{ tail -20 "$W/debootstrap.log" >&2; exit 1; }
	# No getty on a console the container does not have; a machine ID per boot.
	: >"$T/etc/machine-id"
	rm -f "$T/etc/systemd/system/getty.target.wants/"* 2>/dev/null || true
	# Owned by the system containers' range (0 -> 3000000, 65536 IDs), with tenant's own
	# shift, so that it can be an overlay's lower layer (overlayfs takes no idmapped mount).
	"${TENANT:-$ROOT/build/tenant}" shift --to 0:3000000:65536 "$T" >&2
	echo "$PACKAGES" >"$T/.complete"
fi
# Nothing starts at boot that the tests do not start themselves (engines, timers): removed
# each time, so that an image made before this list changed is mended too.
rm -f "$T"/etc/systemd/system/*.wants/podman* "$T"/etc/systemd/system/*.wants/containerd.service \
	"$T"/etc/systemd/system/timers.target.wants/* "$T"/etc/systemd/system/*.wants/e2scrub*
echo "$T"
