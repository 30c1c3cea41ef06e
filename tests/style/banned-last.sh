#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# banned.h turns atoi/strtol/sprintf/strcpy... into compile errors, but only for code after it:
# every .c of src/ must include it, as its last #include.
set -euo pipefail
cd "$(dirname "$0")/../.."
bad=0
for f in $(git ls-files 'src/*.c' 2>/dev/null || find src -name '*.c'); do
	last=$(grep -E '^#include' "$f" | tail -1)
	if [ "$last" != '#include "banned.h"' ]; then
		echo "$f: last include is '$last', not banned.h"
		bad=1
	fi
done
exit $bad
