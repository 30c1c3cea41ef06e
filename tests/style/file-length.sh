#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# One module per concern: no source file grows past 1000 lines.
set -euo pipefail
cd "$(dirname "$0")/../.."
bad=0
for f in $(git ls-files '*.c' '*.h' '*.sh' '*.bats' 2>/dev/null); do
	n=$(wc -l <"$f")
	if [ "$n" -gt 1000 ]; then
		echo "$f: $n lines"
		bad=1
	fi
done
exit $bad
