# SPDX-License-Identifier: Apache-2.0
# Shared by the bats suites: the binary under test, fixture files, throwaway accounts.

TENANT=${TENANT:-$BATS_TEST_DIRNAME/../../build/tenant}
TENANT_BUILD=${TENANT_BUILD:-$BATS_TEST_DIRNAME/../../build}

# tenant on this test's own subuid/subgid files.
tn() {
	"$TENANT" --subuid "$BATS_TEST_TMPDIR/subuid" --subgid "$BATS_TEST_TMPDIR/subgid" "$@"
}

# Write both fixture files: subid_files SUBUID_TEXT [SUBGID_TEXT] (printf escapes allowed).
subid_files() {
	printf "$1" >"$BATS_TEST_TMPDIR/subuid"
	printf "${2-$1}" >"$BATS_TEST_TMPDIR/subgid"
}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (creates throwaway accounts)"
}

# Throwaway accounts: system users (so useradd gives them no subordinate ranges), no home.
# Names are recorded so that remove_test_users deletes only what these tests created.
ensure_user() {
	local name=$1
	if getent passwd "$name" >/dev/null; then
		# Left by a suite that was killed before its teardown (the names are the suites'
		# own): its processes (a rootless podman's pause process) go, and so does the user
		# at the end of this suite.
		pkill -KILL -u "$name" 2>/dev/null || true
	else
		useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$name"
	fi
	echo "$name" >>"$BATS_FILE_TMPDIR/created-users"
}

# For setup_file: create the suite's throwaway users (only as root; setup() skips otherwise).
ensure_users() {
	local name
	[ "$(id -u)" -eq 0 ] || return 0
	for name in "$@"; do
		ensure_user "$name"
	done
}

# Stop every process of UID $1, those it starts meanwhile too (rootless podman starts its pause
# process again from a conmon's exit command): kill until none lives (zombies are over).
kill_user_processes() {
	local uid=$1
	for _ in $(seq 100); do
		pkill -KILL -U "$uid" 2>/dev/null || true
		pkill -KILL -u "$uid" 2>/dev/null || true
		running_as "$uid" >/dev/null || return 0
		sleep 0.05
	done
	echo "processes of UID $uid still run: $(running_as "$uid" | tr '\n' ' ')" >&2
	return 1
}

remove_test_users() {
	local name uid
	remove_user_bin
	[ -f "$BATS_FILE_TMPDIR/created-users" ] || return 0
	while read -r name; do
		uid=$(id -u "$name" 2>/dev/null) || continue
		# Whatever still runs as the user (rootless podman's pause process) would keep
		# userdel from deleting it, or outlive it.
		kill_user_processes "$uid" || true
		userdel "$name" 2>/dev/null || true
		getent group "$name" >/dev/null && groupdel "$name" 2>/dev/null
		kill_user_processes "$uid" || true
	done <"$BATS_FILE_TMPDIR/created-users"
	rm -f "$BATS_FILE_TMPDIR/created-users"
}

# ---- programs a throwaway user runs ----
#
# The checkout may be where only root can go (a clone under /root, mode 0700): a throwaway user
# runs copies, in a directory of mode 0755 under /tmp made on first use and removed with the
# suite's users (remove_test_users). Its path is kept in a file, so that tests and teardown_file
# find it whatever subshell made it.

user_bin_dir() {
	local rec=$BATS_FILE_TMPDIR/user-bin-dir dir
	if [ -s "$rec" ] && dir=$(cat "$rec") && [ -d "$dir" ]; then
		echo "$dir"
		return 0
	fi
	dir=$(mktemp -d /tmp/tenant-userbin.XXXXXX) || return 1
	chmod 755 "$dir"
	echo "$dir" >"$rec"
	echo "$dir"
}

# user_copy FILE: the path of a copy of FILE that every user can execute.
user_copy() {
	local dir
	dir=$(user_bin_dir) || return 1
	[ -x "$dir/${1##*/}" ] || install -m 755 "$1" "$dir/${1##*/}"
	echo "$dir/${1##*/}"
}

remove_user_bin() {
	local rec=$BATS_FILE_TMPDIR/user-bin-dir
	[ -s "$rec" ] || return 0
	rm -rf "$(cat "$rec")"
	rm -f "$rec"
}

# The host's mount points, one a line: what a test compares before and after to find a leaked
# mount. Without /mnt/sandboxing: the machine's own tool mount, made and removed meanwhile by
# the environment the tests run in, not by tenant.
host_mounts() {
	awk '$5 !~ "^/mnt/sandboxing(/|$)" { print $5 }' /proc/self/mountinfo
}

# Fail with both sides shown.
# What a state root holds but its spare directory (src/lib/container-dir.c): a container's
# directory, or anything else a command left.
state_root_left() {
	ls -A "$1" 2>/dev/null | grep -vx '[.]~spare' || true
}

assert_eq() {
	if [ "$1" != "$2" ]; then
		echo "expected: $2"
		echo "actual:   $1"
		return 1
	fi
}

assert_contains() {
	if [[ "$1" != *"$2"* ]]; then
		echo "expected to find: $2"
		echo "in: $1"
		return 1
	fi
}

assert_not_contains() {
	if [[ "$1" == *"$2"* ]]; then
		echo "expected not to find: $2"
		echo "in: $1"
		return 1
	fi
}

sha() { sha256sum "$@" | cut -d' ' -f1 | tr '\n' ' '; }

# The PIDs of live (not zombie) processes whose UID is $1; fails when there is none. A zombie is
# over, even when nobody reaps it (the sandbox's init does not).
running_as() {
	ps -o pid=,stat= -u "$1" | awk '$2 !~ /^Z/ { print $1; n++ } END { exit n == 0 }'
}

# The same for processes whose command line contains $1.
running_cmd() {
	ps -eo pid=,stat=,args= | awk -v s="$1" '$2 !~ /^Z/ && index($0, s) && !/awk/ { print $1; n++ } END { exit n == 0 }'
}

# ---- tenant's own store ----
#
# /var/lib/tenant (as root: the --userns auto registry and its lock, shift records, rootfs
# copies) and /etc/tenant (tenant.conf) are the host's: a file of tests that may write there
# saves both whole in setup_file and puts them back exactly in teardown_file, made or not, so
# that nothing one file leaves there (a record, a lock) outlives the suite or steers the next
# file. tests/run.sh checks the same.

STORE_PATHS=(/var/lib/tenant /etc/tenant)

store_save() {
	local d=$BATS_FILE_TMPDIR/store p
	[ ! -e "$d" ] || return 0
	mkdir "$d"
	for p in "${STORE_PATHS[@]}"; do
		if [ -e "$p" ]; then cp -a "$p" "$d/${p//\//_}"; fi
	done
}

store_restore() {
	local d=$BATS_FILE_TMPDIR/store p
	[ -e "$d" ] || return 0
	for p in "${STORE_PATHS[@]}"; do
		rm -rf "$p"
		if [ -e "$d/${p//\//_}" ]; then cp -a "$d/${p//\//_}" "$p"; fi
	done
	rm -rf "$d"
}

# ---- user namespaces as an unprivileged user ----
#
# newuidmap reads the real /etc/subuid and /etc/subgid, so these suites give a throwaway system
# user (tenant-ns) two ranges there with `tenant subid add`, and put both files and their FILE-
# backups back byte for byte (content, mode, times) in userns_teardown. A second user
# (tenant-ns-none) has no ranges. The binary is copied to a directory the users can reach.

# host_subid_save DIR / host_subid_restore DIR (tests/host-subid.sh).
. "$(dirname "${BASH_SOURCE[0]}")/../host-subid.sh"

userns_setup() {
	[ "$(id -u)" -eq 0 ] || return 0
	USERNS_DIR=$(mktemp -d /tmp/tenant-userns.XXXXXX)
	chmod 755 "$USERNS_DIR"
	host_subid_save "$USERNS_DIR"
	ensure_users tenant-ns tenant-ns-none
	install -m 755 "$TENANT" "$USERNS_DIR/tenant"
	mkdir -m 700 "$USERNS_DIR/work"
	chown tenant-ns:tenant-ns "$USERNS_DIR/work"
	"$TENANT" subid add tenant-ns --count 65536 >/dev/null
	NS_R1=$(awk -F: '$1 == "tenant-ns" { print $2; exit }' /etc/subuid)
	"$TENANT" subid add tenant-ns --start $((NS_R1 + 65536)) --count 6000 >/dev/null
	NS_G1=$(awk -F: '$1 == "tenant-ns" { print $2; exit }' /etc/subgid)
	NS_UID=$(id -u tenant-ns)
	NS_GID=$(id -g tenant-ns)
	export USERNS_DIR NS_R1 NS_G1 NS_UID NS_GID
}

userns_teardown() {
	[ -n "${USERNS_DIR:-}" ] || return 0
	"$TENANT" subid remove tenant-ns >/dev/null 2>&1 || true
	host_subid_restore "$USERNS_DIR"
	remove_test_users
	rm -rf "$USERNS_DIR"
}

require_userns_user() {
	[ -n "${USERNS_DIR:-}" ] || skip "needs root (creates a throwaway user with subordinate ranges)"
}

# Run as USER, in its work directory (/ without userns_setup), with a copy of tenant it can
# execute as $NS_TENANT; "$TENANT" as the command runs that copy (the checkout may be out of
# the user's reach).
as_user() {
	local user=$1 tenant home=/
	shift
	if [ -n "${USERNS_DIR:-}" ]; then
		tenant=$USERNS_DIR/tenant
		home=$USERNS_DIR/work
	else
		tenant=$(user_copy "$TENANT") || return 1
	fi
	if [ "${1:-}" = "$TENANT" ]; then
		shift
		set -- "$tenant" "$@"
	fi
	(cd "$home" 2>/dev/null || cd /
	HOME=$home NS_TENANT=$tenant setpriv --reuid="$user" --regid="$user" --init-groups "$@")
}

# The kernel's text of a map, from "CONTAINER HOST SIZE" triples.
kmap() {
	while [ $# -gt 0 ]; do
		printf '%10u %10u %10u\n' "$1" "$2" "$3"
		shift 3
	done
}

# ---- OCI bundles ----
#
# The test image is one static file: tests/probe/probe.c as /init (it answers id, cat, write,
# stat, ls... from inside). config.json comes from `tenant spec` and is edited with jq.

PROBE=${PROBE:-$TENANT_BUILD/tests/probe/probe}

# make_bundle DIR [SPEC OPTIONS]: DIR/rootfs with /init, DIR/config.json running `/init id`.
make_bundle() {
	local dir=$1
	shift
	mkdir -p "$dir/rootfs/tmp" "$dir/rootfs/etc" "$dir/rootfs/mnt" "$dir/rootfs/data" \
		"$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev"
	install -m 755 "$PROBE" "$dir/rootfs/init"
	(cd "$dir" && "$TENANT" spec "$@")
	config "$dir" '.process.terminal = false | .process.args = ["/init", "id"]'
}

# config DIR [JQ OPTIONS...] JQ-FILTER: edit DIR/config.json in place.
config() {
	local dir=$1
	shift
	jq "$@" <"$dir/config.json" >"$dir/config.json.new"
	mv "$dir/config.json.new" "$dir/config.json"
}

# args DIR WORD...: set process.args to /init WORD...
args() {
	local dir=$1
	shift
	config "$dir" --args '.process.args = ["/init"] + $ARGS.positional' "$@"
}

# Wait until `tenant state ID` says STATUS (5 s at most).
wait_status() {
	local want=$1 id=$2 i
	shift 2
	for i in $(seq 100); do
		[ "$("$@" state "$id" 2>/dev/null | jq -r .status)" = "$want" ] && return 0
		sleep 0.05
	done
	echo "container $id never became $want"
	return 1
}

# COMMAND... with LeakSanitizer off (the sanitizer build's tenant): it cannot stop the world of a
# process under ptrace, and strace's tests slow tenant that way on purpose.
no_lsan() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "$@"
}
