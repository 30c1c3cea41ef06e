#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A Debian 12 root filesystem that boots systemd (systemd, systemd-sysv, dbus, util-linux,
# procps), made once with debootstrap into build/systemd/debian and kept there: the system
# containers of tests/systemd boot it. Prints the tree's path.
#
#	tests/systemd/image.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$ROOT/build/systemd
T=$W/debian

say() { echo "systemd-image: $*" >&2; }

if [ ! -f "$T/.complete" ]; then
	command -v debootstrap >/dev/null ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null
	rm -rf "$T"
	mkdir -p "$W/tmp"
	say "debootstrap of Debian 12 with systemd and dbus into $T (once)"
	TMPDIR=$W/tmp debootstrap --variant=minbase \
		--include=systemd,systemd-sysv,dbus,procps,util-linux \
		bookworm "$T" http://deb.debian.org/debian >"$W/debootstrap.log" 2>&1 ||
		{ tail -20 "$W/debootstrap.log" >&2; exit 1; }
	# No getty on a console the container does not have; a machine ID per boot.
	: >"$T/etc/machine-id"
	rm -f "$T/etc/systemd/system/getty.target.wants/"* 2>/dev/null || true
	touch "$T/.complete"
fi
echo "$T"
