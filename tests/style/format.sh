#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every C file is formatted as .clang-format says (`make format` fixes it).
set -euo pipefail
cd "$(dirname "$0")/../.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src tests -name '*.[ch]')
clang-format --dry-run --Werror $files
