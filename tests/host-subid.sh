# SPDX-License-Identifier: Apache-2.0
# Sourced by the suites that edit the host's subordinate ID files (tests/integration/helpers.bash,
# tests/soak.sh, tests/runc-suite/run.sh).
#
# host_subid_save DIR / host_subid_restore DIR: /etc/subuid, /etc/subgid and the FILE- backups
# that `tenant subid add`, like shadow's useradd, userdel and usermod, leaves beside them, copied
# into DIR (a directory of root's) and put back exactly (content, mode, times); one that was
# absent is removed again. Restore after removing the suite's users: userdel edits the files.

HOST_SUBID_FILES=(subuid subgid subuid- subgid-)

host_subid_save() {
	local f
	for f in "${HOST_SUBID_FILES[@]}"; do
		if [ -e "/etc/$f" ]; then cp -p "/etc/$f" "$1/$f.orig"; fi
	done
}

host_subid_restore() {
	local f
	for f in "${HOST_SUBID_FILES[@]}"; do
		if [ -e "$1/$f.orig" ]; then cp -p "$1/$f.orig" "/etc/$f"; else rm -f "/etc/$f"; fi
	done
}
