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
	getent passwd "$name" >/dev/null && return 0
	useradd --system --no-create-home --shell /usr/sbin/nologin --user-group "$name"
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

remove_test_users() {
	local name
	[ -f "$BATS_FILE_TMPDIR/created-users" ] || return 0
	while read -r name; do
		userdel "$name" 2>/dev/null || true
		getent group "$name" >/dev/null && groupdel "$name" 2>/dev/null
	done <"$BATS_FILE_TMPDIR/created-users"
	rm -f "$BATS_FILE_TMPDIR/created-users"
}

# Fail with both sides shown.
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
