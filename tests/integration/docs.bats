#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The manual pages and the bash completion, generated from the command tables.

load helpers
bats_require_minimum_version 1.5.0

@test "help --man writes a page for tenant and every command, and groff reads them cleanly" {
	local dir=$BATS_TEST_TMPDIR/man page
	mkdir -p "$dir"
	run -0 "$TENANT" help --man "$dir" --date 2026-11-23
	for page in tenant tenant-create tenant-run tenant-exec tenant-subid tenant-subid-add \
		tenant-idmap-show tenant-unshare tenant-check tenant-shift tenant-spec; do
		[ -s "$dir/$page.1" ] || { echo "no $page.1"; false; }
	done
	# Every command in the help has its page.
	for cmd in $("$TENANT" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } /^$/ { if (on) exit }'); do
		[ "$cmd" = help ] && continue
		[ -s "$dir/tenant-$cmd.1" ] || { echo "no tenant-$cmd.1"; false; }
	done
	for page in "$dir"/*.1; do
		run -0 groff -man -Tutf8 -ww -z "$page"
		assert_eq "$output" ""
	done
	run -0 sh -c 'groff -man -Tutf8 "$1" | col -b' sh "$dir/tenant-create.1"
	assert_contains "$output" "tenant-create - create a container"
	assert_contains "$output" "--userns MODE"
	assert_contains "$output" "auto:size=image"
	run -0 sh -c 'groff -man -Tutf8 "$1" | col -b' sh "$dir/tenant.1"
	assert_contains "$output" "/etc/tenant/tenant.conf"
}

@test "help --completion completes commands, subcommands and options" {
	local script=$BATS_TEST_TMPDIR/tenant.bash
	"$TENANT" help --completion >"$script"
	complete_words() {
		bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _tenant; echo "${COMPREPLY[*]}"' sh "$script" "$@"
	}
	assert_contains "$(complete_words tenant su)" "subid"
	assert_contains "$(complete_words tenant subid a)" "add"
	assert_eq "$(complete_words tenant create --user)" "--userns"
	assert_contains "$(complete_words tenant shift --t)" "--to"
	# After a positional argument, options of the same command still complete.
	assert_contains "$(complete_words tenant kill myid --a)" "--all"
}

@test "tenant help COMMAND is COMMAND --help" {
	run -0 "$TENANT" help check
	assert_eq "$output" "$("$TENANT" check --help)"
}

@test "the walkthroughs of docs/walkthroughs.md still give their output" {
	require_root
	[ -e /run/tenant ] && touch "$BATS_FILE_TMPDIR/had-run-tenant"
	run -0 env TENANT="$TENANT" "$BATS_TEST_DIRNAME/../../scripts/walkthrough.sh" rootless trouble remap auto
	# Seed 003: the file of UID 1000320999, warned about, then shown right with a sparse map.
	assert_contains "$output" "UID 1000320999 (1 file, e.g. /home/largeuid); inside they show as 65534 (nobody)"
	assert_contains "$output" "1000320999:12 /home/largeuid"
	# Two ranges for alice; remap: one range for both; auto: one each.
	assert_contains "$output" "     65537     165536       6000"
	assert_contains "$output" "created the remap user tenant-remap"
	assert_contains "$output" "fail  subuid      tn-bob has no range in /etc/subuid"
	# What the document shows is what the script prints (modulo the times and paths).
	local doc=$BATS_TEST_DIRNAME/../../docs/walkthroughs.md
	assert_contains "$(cat "$doc")" "1000320999:12 /home/largeuid"
	assert_contains "$(cat "$doc")" "fail  subuid      tn-bob has no range in /etc/subuid"
	# Nothing is left behind.
	run ! getent passwd tn-alice
	run ! getent passwd tn-bob
	[ -e "$BATS_FILE_TMPDIR/had-run-tenant" ] || [ ! -e /run/tenant ]
}

@test "make install puts the binary, a manual page per command and the completion in place" {
	local dest=$BATS_TEST_TMPDIR/dest
	run -0 meson install -C "$TENANT_BUILD" --no-rebuild --destdir "$dest"
	[ -x "$dest/usr/local/bin/tenant" ]
	[ -s "$dest/usr/local/share/man/man1/tenant.1" ]
	[ -s "$dest/usr/local/share/man/man1/tenant-shift.1" ]
	[ -s "$dest/usr/local/share/man/man1/tenant-subid-lint.1" ]
	grep -q "complete -F _tenant tenant" "$dest/usr/local/share/bash-completion/completions/tenant"
	run -0 env MANPATH="$dest/usr/local/share/man" MANWIDTH=80 man -P cat tenant-check
	assert_contains "$output" "check what running containers in user namespaces needs"
	assert_contains "$output" "--user USER"
}
