#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run by the build (meson.build): the manual pages and the bash completion of TENANT, from its
# command tables, into DIR (DIR/*.1, DIR/tenant.bash); STAMP marks them done.
# Usage: gen-docs.sh TENANT DIR STAMP
set -eu
tenant=$1 dir=$2 stamp=$3
rm -rf "$dir"
mkdir -p "$dir"
"$tenant" help --man "$dir" --date "$(date -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}" +%Y-%m-%d)"
"$tenant" help --completion >"$dir/tenant.bash"
touch "$stamp"
