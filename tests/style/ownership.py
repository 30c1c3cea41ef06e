#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""House style of docs/error-handling.md, checked:
- no success chaining (`if (r == 0) r = ...`, `r == 0 && ...`): under LIMIT sites in src/, each
  with a comment on its line or the line above saying why an early return does not fit;
- a plain close( in src/lib only where no scope can hold the fd, with a comment on its line or
  within the three lines above it."""
import glob, re, sys

LIMIT = 30
CHAIN = re.compile(r"\bif \(r == 0\)|\br == 0 &&|&& r == 0\b|\bif \(r >= 0\)|\br >= 0 &&|\bif \(!r\)")
CLOSE = re.compile(r"(?<![\w.>])close\(")

def commented(lines, i, above):
    for j in range(max(0, i - above), i + 1):
        if "/*" in lines[j] or "*/" in lines[j] or lines[j].lstrip().startswith("*"):
            return True
    return False

bad, chains = [], 0
for path in sorted(glob.glob("src/*/*.c")):
    lines = open(path).read().split("\n")
    for i, line in enumerate(lines):
        if CHAIN.search(line):
            chains += 1
            if not commented(lines, i, 1):
                bad.append(f"{path}:{i + 1}: success chain without a comment saying why: {line.strip()}")
        if path.startswith("src/lib/") and CLOSE.search(line) and not commented(lines, i, 3):
            bad.append(f"{path}:{i + 1}: close() outside a scope without a comment saying why: {line.strip()}")
print("\n".join(bad))
if chains >= LIMIT:
    print(f"{chains} success chains in src/ (at most {LIMIT - 1})")
print(f"{chains} success chains, {len(bad)} findings", file=sys.stderr)
sys.exit(1 if bad or chains >= LIMIT else 0)
