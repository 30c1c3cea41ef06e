#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# `make check`: build tenant twice (plain, and with ASan + UBSan), run every TAP producer
# (C unit tests under both builds, the bats integration suites against both binaries, the
# style checks), and end with one line: "N passed, N failed, N skipped".
#
# Sanitizer reports go to files (log_path), so a report fails its suite even when the test
# that triggered it expected a non-zero exit status.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
LOGS=$ROOT/$BUILD/test-logs

passed=0 failed=0 skipped=0
failures=()

note() { printf '%s\n' "$*"; }

# Count one TAP stream (file $2) as suite $1; the command's status is $3, its wall time in
# seconds $4 (none for a check).
tally() {
	local suite=$1 log=$2 status=$3 secs=${4:-} plan=0 seen=0 p=0 f=0 s=0 line
	while IFS= read -r line; do
		case $line in
		1..*) plan=${line#1..} ;;
		"not ok "*)
			seen=$((seen + 1)); f=$((f + 1))
			failures+=("$suite: ${line#not ok }") ;;
		"ok "*)
			seen=$((seen + 1))
			if [[ $line =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
				s=$((s + 1))
			else
				p=$((p + 1))
			fi ;;
		esac
	done <"$log"
	if [ "$seen" -ne "${plan:-0}" ] || { [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		f=$((f + 1))
		failures+=("$suite: ran $seen of $plan tests, exit status $status (see $log)")
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	note "$(printf '%-34s %4d passed %3d failed %3d skipped%s' "$suite" "$p" "$f" "$s" \
		"${secs:+ in ${secs} s}")"
	if [ "$f" -gt 0 ]; then
		# Show the failing tests with their diagnostics.
		awk '/^not ok /{p=1} /^ok /{p=0} p' "$log" | head -60 | sed 's/^/    /'
	fi
}

# Run a TAP-producing command as one suite.
suite() {
	local name=$1 log t0=$SECONDS
	shift
	log=$LOGS/$(echo "$name" | tr ' /' '__').tap
	"$@" >"$log" 2>&1
	tally "$name" "$log" $? $((SECONDS - t0))
}

# A check that is one test: "ok" when the command succeeds, its output otherwise.
check() {
	local name=$1 log out status
	shift
	log=$LOGS/check-$(echo "$name" | tr ' /' '__').tap
	out=$("$@" 2>&1)
	status=$?
	{
		echo "1..1"
		if [ $status -eq 0 ]; then echo "ok 1 $name"; else
			echo "not ok 1 $name"
			printf '%s\n' "$out" | head -40 | sed 's/^/# /'
		fi
	} >"$log"
	tally "check: $name" "$log" 0
}

build_tree() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		env $CC_FOR "$(command -v meson)" setup "$@" "$dir" >"$LOGS/setup-$(basename "$dir").log" 2>&1 || return 1
	fi
	ninja -C "$dir" >"$LOGS/build-$(basename "$dir").log" 2>&1
}

sanitizer_reports() {
	local dir=$1 any=0 f
	for f in "$dir"/report.*; do
		[ -e "$f" ] || continue
		any=1
		echo "== $f"
		head -30 "$f"
	done
	return $any
}

# The host's device nodes as the suites found them: a runtime (tenant, or runc and crun run
# beside it) that hands its stdio to the container's user must never chown the host's own.
dev_nodes() {
	stat -c '%n %u:%g %a' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty
}
DEV_BEFORE=$(dev_nodes)
dev_nodes_unchanged() {
	local now
	now=$(dev_nodes)
	[ "$now" = "$DEV_BEFORE" ] && grep -qx '/dev/null 0:0 666' <<<"$now" && return 0
	printf 'before:\n%s\nafter:\n%s\n' "$DEV_BEFORE" "$now"
	return 1
}

# tenant's store as root and the host files the suites edit, as the suites found them: each
# file of tests puts back what it changed there (store_save, userns_teardown), so that nothing
# one run leaves (a shift record, a registry, a range) steers the next or stays on the host.
host_files() {
	local p
	for p in /var/lib/tenant /etc/tenant /etc/subuid /etc/subgid /etc/subuid- /etc/subgid-; do
		if [ -e "$p" ]; then
			find "$p" -printf '%p %y %m %u:%g\n' -type f -exec md5sum {} +
		else
			echo "$p absent"
		fi
	done | sort
}
HOST_BEFORE=$(host_files)
host_files_unchanged() {
	local now
	now=$(host_files)
	[ "$now" = "$HOST_BEFORE" ] && return 0
	diff <(echo "$HOST_BEFORE") <(echo "$now")
	return 1
}

mkdir -p "$LOGS"
rm -rf "$LOGS"/*
# The sanitizer tree is built with clang: its UBSan honours log_path (GCC 12's does not), and a
# second compiler's warnings come for free.
for spec in "$BUILD::" "$ASAN_BUILD:CC=clang:-Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug" \
	"$FUZZ_BUILD:CC=clang:-Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug"; do
	dir=${spec%%:*}
	rest=${spec#*:}
	CC_FOR=${rest%%:*}
	# shellcheck disable=SC2086
	if ! build_tree "$dir" ${rest#*:}; then
		note "build of $dir failed:"
		tail -n 30 "$LOGS"/*-"$(basename "$dir")".log
		echo "0 passed, 1 failed"
		exit 1
	fi
done

export TENANT_SOURCE_DIR=$ROOT
for t in "$BUILD"/tests/unit/test-*; do
	[ -x "$t" ] && [ -f "$t" ] && suite "unit $(basename "$t")" "$t"
done

# Under /tmp and world-writable: the user namespace suites run tenant as an unprivileged user,
# whose sanitizer reports must land here too. Kept in the logs when the run ends.
SAN_DIR=$(mktemp -d /tmp/tenant-sanitizer.XXXXXX)
chmod 1777 "$SAN_DIR"
trap 'mkdir -p "$LOGS/sanitizer"; cp "$SAN_DIR"/* "$LOGS/sanitizer/" 2>/dev/null; rm -rf "$SAN_DIR"' EXIT
export ASAN_OPTIONS="log_path=$SAN_DIR/report:detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="log_path=$SAN_DIR/report:halt_on_error=1:print_stacktrace=1"
for t in "$ASAN_BUILD"/tests/unit/test-*; do
	[ -x "$t" ] && [ -f "$t" ] && suite "asan unit $(basename "$t")" "$t"
done
check "no sanitizer report from unit tests" sanitizer_reports "$SAN_DIR"
unset ASAN_OPTIONS UBSAN_OPTIONS

# libFuzzer, each target FUZZ_SECONDS from the committed corpus after its regression inputs, on
# the second core while the integration suites below mostly wait on processes. Its scratch
# directories stay out of /tmp, which a hardening test compares before and after.
FUZZ_OUT=$LOGS/fuzz
mkdir -p "$FUZZ_OUT" "$ROOT/$FUZZ_BUILD/tmp"
(
	for t in subid idmap config state; do
		TMPDIR="$ROOT/$FUZZ_BUILD/tmp" FUZZ_BUILD="$FUZZ_BUILD" \
			tests/fuzz/run.sh "$FUZZ_SECONDS" "$t" >"$FUZZ_OUT/$t.out" 2>&1
		echo $? >"$FUZZ_OUT/$t.status"
	done
) &
FUZZ_PID=$!
fuzz_result() {
	cat "$FUZZ_OUT/$1.out"
	return "$(cat "$FUZZ_OUT/$1.status" 2>/dev/null || echo 1)"
}

export TENANT_BUILD=$ROOT/$BUILD
suite "integration" env TENANT="$ROOT/$BUILD/tenant" bats --tap --timing tests/integration

# containerd's CRI plugin driven as the kubelet drives it, runc and tenant as its handlers
# (tests/cri; fetches Debian 13's containerd 1.7 once into build/cri): about a minute.
suite "cri" env TENANT="$ROOT/$BUILD/tenant" tests/cri/suite.py

rm -f "$SAN_DIR"/report.*
# The sanitizer build is several times slower: its exec race makes 200 execs, not 1,000.
suite "asan integration" env TENANT="$ROOT/$ASAN_BUILD/tenant" TENANT_RACE_EXECS=200 \
	ASAN_OPTIONS="log_path=$SAN_DIR/report:detect_leaks=1" \
	UBSAN_OPTIONS="log_path=$SAN_DIR/report:halt_on_error=1:print_stacktrace=1" \
	bats --tap --timing tests/integration
check "no sanitizer report from integration tests" sanitizer_reports "$SAN_DIR"

wait "$FUZZ_PID"
for t in subid idmap config state; do
	check "fuzz $t for ${FUZZ_SECONDS} s under ASan + UBSan" fuzz_result "$t"
done

check "the host's /dev/null, /dev/zero... kept their owner and mode" dev_nodes_unchanged
check "/var/lib/tenant, /etc/tenant, /etc/subuid and /etc/subgid as the suites found them" \
	host_files_unchanged
check "clang-format" tests/style/format.sh
check "banned.h is the last include of every .c" tests/style/banned-last.sh
check "source files under 1000 lines" tests/style/file-length.sh
check "no call cycle between modules, no call up a layer" python3 tests/style/call-cycles.py "$BUILD"
check "no success chains or unexplained close() (docs/error-handling.md)" python3 tests/style/ownership.py
check "docs/oci.md's table of runc's verbs and flags matches both binaries" \
	python3 tests/style/runc-flags.py "$BUILD/tenant"

if [ ${#failures[@]} -gt 0 ]; then
	note ""
	note "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
