#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Run the libFuzzer targets (tests/fuzz/fuzz-*.c, built in build-fuzz with -Dfuzz=true under ASan
# + UBSan): first every regression input of tests/fuzz/regressions/TARGET once, then TARGET for
# SECONDS from the committed corpus (copied: new inputs stay out of the tree). A crash fails the
# run; its input is kept in build-fuzz/artifacts/TARGET/ to become a regression input.
#
# Usage: tests/fuzz/run.sh SECONDS [TARGET...]   (default: every target)
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:?usage: tests/fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(subid idmap config state)
B=${FUZZ_BUILD:-build-fuzz}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

status=0
for t in "${targets[@]}"; do
	bin=$B/tests/fuzz/fuzz-$t
	[ -x "$bin" ] || { echo "fuzz: $bin is missing (make fuzz builds it)" >&2; exit 1; }
	work=$(mktemp -d)
	mkdir -p "$B/artifacts/$t"
	cp -r "tests/fuzz/corpus/$t/." "$work/"
	mapfile -t regressions < <(find "tests/fuzz/regressions/$t" -type f ! -name .keep)
	if [ ${#regressions[@]} -gt 0 ] &&
		! "$bin" -runs=0 "${regressions[@]}" >"$B/artifacts/$t/regressions.log" 2>&1; then
		echo "fuzz $t: a regression input fails again (see $B/artifacts/$t/regressions.log)"
		status=1
	fi
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$B/artifacts/$t/" -print_final_stats=1 "$work" \
		>"$B/artifacts/$t/fuzz.log" 2>&1; then
		runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$B/artifacts/$t/fuzz.log")
		echo "fuzz $t: ${runs:-?} inputs in ${secs} s, ${#regressions[@]} regression inputs, no crash"
	else
		echo "fuzz $t: CRASH; the input is in $B/artifacts/$t/ (copy it to tests/fuzz/regressions/$t/); log: $B/artifacts/$t/fuzz.log"
		status=1
	fi
	rm -rf "$work"
done
exit $status
