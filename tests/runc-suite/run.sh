#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# runc's own integration suite (tests/integration/*.bats of Debian's runc 1.1.5 source package)
# run against a runtime: tenant, or runc for the baseline. An independent measure of runc
# parity, apart from tenant's own tests; not part of `make check` (it takes about 6 minutes as
# root and 5 rootless per runtime, and fetches and builds what it needs once).
#
#	tests/runc-suite/run.sh [--rootless] RUNTIME [BATS-FILE...]
#
# Everything lives under build/runc-suite: runc's source (apt-get source through a private
# apt configuration with a deb-src line; the machine's own sources are not touched), its test
# helpers recvtty, seccompagent and sd-helper built with Debian's Go and Go libraries, the two
# images the suite wants (a busybox tree from busybox-static, a Debian tree from debootstrap)
# in place of the ones its get-images.sh downloads. Results: build/runc-suite/out/*.tap.
# Rootless runs as a throwaway user "rootless" with ranges in /etc/subuid and /etc/subgid,
# as runc's tests/rootless.sh does with its "idmap" feature; the files are put back after.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$ROOT/build/runc-suite
SRC=$W/runc
ROOTLESS=0
[ "${1:-}" = --rootless ] && ROOTLESS=1 && shift
RT=$(readlink -f "${1:?usage: run.sh [--rootless] RUNTIME [BATS-FILE...]}")
shift

say() { echo "runc-suite: $*" >&2; }

fetch_source() {
	[ -d "$SRC/tests/integration" ] && return 0
	local apt=(-o "Dir::Etc::SourceList=$W/apt/sources.list" -o "Dir::Etc::SourceParts=$W/apt/none"
		-o "Dir::State::Lists=$W/apt/lists" -o "Dir::Cache=$W/apt/cache")
	mkdir -p "$W/apt/none" "$W/apt/lists/partial" "$W/apt/cache/archives/partial" "$W/tmp"
	echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
		>"$W/apt/sources.list"
	say "fetching Debian's runc source package"
	TMPDIR=$W/tmp apt-get "${apt[@]}" update >/dev/null
	(cd "$W" && TMPDIR=$W/tmp apt-get "${apt[@]}" source --download-only runc=1.1.5+ds1-1+deb12u1 >/dev/null)
	mkdir -p "$SRC"
	tar -xJf "$W"/runc_1.1.5+ds1.orig.tar.xz -C "$SRC" --strip-components=1
}

build_helpers() {
	local d
	[ -x "$SRC/contrib/cmd/seccompagent/seccompagent" ] && return 0
	say "installing Debian's Go and the Go libraries runc's test helpers use"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q golang-go golang-github-containerd-console-dev \
		golang-github-urfave-cli-dev golang-github-seccomp-libseccomp-golang-dev \
		golang-github-opencontainers-runc-dev golang-github-opencontainers-specs-dev \
		golang-github-sirupsen-logrus-dev golang-golang-x-sys-dev \
		golang-github-cyphar-filepath-securejoin-dev jq gawk debootstrap busybox-static >/dev/null
	for d in recvtty seccompagent sd-helper; do
		(cd "$SRC/contrib/cmd/$d" && GOPATH=/usr/share/gocode GO111MODULE=off GOCACHE=$W/gocache \
			GOTMPDIR=$W/tmp go build -tags seccomp -o "$d" .)
	done
}

# The docker-library busybox image's layout (applets as hard links, its passwd and group).
busybox_image() {
	local t=$W/images/busybox a
	[ -f "$W/images/busybox.tar.xz" ] && return 0
	rm -rf "$t" && mkdir -p "$t"/{bin,etc,root,tmp,home,var/spool/mail,var/www,usr/sbin,usr/bin,dev,proc,sys}
	cp /bin/busybox "$t/bin/busybox"
	for a in $("$t/bin/busybox" --list); do
		[ "$a" = busybox ] || ln "$t/bin/busybox" "$t/bin/$a" 2>/dev/null || true
	done
	printf '%s\n' root:x:0:0:root:/root:/bin/sh daemon:x:1:1:daemon:/usr/sbin:/bin/false \
		bin:x:2:2:bin:/bin:/bin/false sys:x:3:3:sys:/dev:/bin/false sync:x:4:100:sync:/bin:/bin/sync \
		mail:x:8:8:mail:/var/spool/mail:/bin/false www-data:x:33:33:www-data:/var/www:/bin/false \
		operator:x:37:37:Operator:/var:/bin/false nobody:x:65534:65534:nobody:/home:/bin/false \
		>"$t/etc/passwd"
	printf '%s\n' root:x:0: daemon:x:1: bin:x:2: sys:x:3: adm:x:4: tty:x:5: disk:x:6: lp:x:7: \
		mail:x:8: kmem:x:9: wheel:x:10:root cdrom:x:11: dialout:x:18: floppy:x:19: video:x:28: \
		audio:x:29: tape:x:32: www-data:x:33: operator:x:37: utmp:x:43: plugdev:x:46: staff:x:50: \
		lock:x:54: netdev:x:82: users:x:100: nogroup:x:65534: >"$t/etc/group"
	chmod 1777 "$t/tmp"
	chmod 700 "$t/root"
	tar -C "$t" -cJf "$W/images/busybox.tar.xz" .
}

debian_image() {
	[ -f "$W/images/debian.tar.xz" ] && return 0
	say "debootstrap of a minimal Debian 12 (hooks.bats's image)"
	rm -rf "$W/images/debian"
	TMPDIR=$W/tmp debootstrap --variant=minbase bookworm "$W/images/debian" http://deb.debian.org/debian >"$W/debootstrap.log"
	rm -rf "$W/images/debian/var/cache/apt/archives/"*.deb "$W/images/debian/var/lib/apt/lists/"*
	tar --exclude='./dev/*' -C "$W/images/debian" -cJf "$W/images/debian.tar.xz" .
}

# get-images.sh downloads; here it names the images made above.
point_images() {
	printf '#!/bin/bash\necho BUSYBOX_IMAGE=%s\necho DEBIAN_IMAGE=%s\n' \
		"$W/images/busybox.tar.xz" "$W/images/debian.tar.xz" >"$SRC/tests/integration/get-images.sh"
}

# /etc/subuid, /etc/subgid and their FILE- backups (useradd and userdel of a user that is not a
# system user edit both) as they were, once the user is gone (tests/host-subid.sh).
. "$ROOT/tests/host-subid.sh"
save_subids() {
	rm -rf "$W/subids.orig"
	mkdir -m 700 "$W/subids.orig"
	host_subid_save "$W/subids.orig"
}

restore_subids() {
	[ -d "$W/subids.orig" ] || return 0
	pkill -u rootless 2>/dev/null || true
	userdel -r rootless 2>/dev/null || true
	host_subid_restore "$W/subids.orig"
	rm -rf "$W/subids.orig" "${AUX_DIR:-/nonexistent}"
}

mkdir -p "$W/images" "$W/out" "$W/tmp"
fetch_source
build_helpers
busybox_image
debian_image
point_images

name=$(basename "$RT")
[ $ROOTLESS = 0 ] || name=$name-rootless
out=$W/out/$name.tap
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(*.bats)
export TMPDIR=$W/tmp
chmod 1777 "$W/tmp" "$W/out"
chmod 755 "$W" "$ROOT/build"
# A terminal for the suite, as a developer's shell has (foreground `run` with terminal: true
# relays it), and a stdin that never ends.
rm -f "$W/stdin"
mkfifo -m 666 "$W/stdin"
exec 3<>"$W/stdin"
cd "$SRC/tests/integration"
if [ $ROOTLESS = 0 ]; then
	RUNC=$RT timeout 3000 script -qec "bats -t ${files[*]} >$out 2>&1" /dev/null <&3 || true
else
	save_subids
	trap restore_subids EXIT
	id rootless >/dev/null 2>&1 || useradd -m -s /bin/bash rootless
	sed -i '/^rootless:/d' /etc/subuid /etc/subgid # useradd's own ranges: the suite's below
	echo rootless:100000:65536 >>/etc/subuid
	echo rootless:200000:65536 >>/etc/subgid
	AUX_DIR=$(mktemp -d "$W/tmp/aux.XXXXXX")
	chown $((100000 - 1000 + 1024)) "$AUX_DIR"
	chmod 755 "$AUX_DIR"
	runuser -u rootless -- env PATH="$PATH" HOME=/home/rootless TMPDIR="$TMPDIR" RUNC="$RT" \
		ROOTLESS_FEATURES=idmap ROOTLESS_UIDMAP_START=100000 ROOTLESS_UIDMAP_LENGTH=65536 \
		ROOTLESS_GIDMAP_START=200000 ROOTLESS_GIDMAP_LENGTH=65536 AUX_UID=1024 AUX_DIR="$AUX_DIR" \
		timeout 3000 script -qec "bats -t ${files[*]} >$out 2>&1" /dev/null <&3 || true
fi
exec 3>&-
# The suite's cgroups.bats leaves its parent cgroup behind (thawed here first, then removed).
for d in $(find /sys/fs/cgroup -depth -type d -path '*/runc-cgroups-integration-test*' 2>/dev/null); do
	[ ! -f "$d/freezer.state" ] || echo THAWED >"$d/freezer.state" 2>/dev/null || true
	rmdir "$d" 2>/dev/null || true
done
pass=$(grep -c '^ok' "$out" || true)
skip=$(grep -c '^ok .* # skip' "$out" || true)
fail=$(grep -c '^not ok' "$out" || true)
echo "$name: $((pass - skip)) passed, $fail failed, $skip skipped ($out)"
grep '^not ok' "$out" || true
