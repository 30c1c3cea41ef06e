#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# Idmapped mounts (runtime-spec 1.2): mounts[].uidMappings/gidMappings, the idmap and ridmap
# options, other mount types, and the idmapped rootfs (run.tenant.rootfs-idmap). As root.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	require_root
	STATE=$BATS_TEST_TMPDIR/state
	# Searchable by the containers' unprivileged roots, unlike bats' own 0700 directories.
	T=$(mktemp -d /tmp/tenant-idmap.XXXXXX)
	chmod 755 "$T"
	B=$T/bundle
	make_bundle "$B"
	mkdir -p "$B/rootfs/m" "$B/rootfs/m2" "$B/rootfs/t"
	# Sources with unshifted owners, as root leaves them.
	SRC=$T/src
	mkdir -p "$SRC/sub"
	touch "$SRC/root-file" "$SRC/one-file"
	chown 1:1 "$SRC/one-file"
	chown 100:211 "$SRC/sub"
}

teardown() {
	for id in $(tnr list -q 2>/dev/null); do tnr delete --force "$id" >/dev/null 2>&1; done
	[ -n "${T:-}" ] && mountpoint -q "$T/ram" && umount "$T/ram"
	[ -n "${T:-}" ] && rm -rf "$T"
}

tnr() {
	"$TENANT" --root "$STATE" "$@"
}

userns() {
	config "$B" '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

@test "features says idmapped mounts work, probed" {
	run -0 tnr features
	assert_eq "$(jq -c .linux.mountExtensions.idmap <<<"$output")" '{"enabled":true}'
	jq -e '.mountOptions | index("idmap") and index("ridmap")' <<<"$output"
}

@test "idmap bind mount with mappings: mapped owners inside, owners kept on the host, writes land unshifted" {
	userns
	config "$B" --arg s "$SRC" '.mounts += [{"destination": "/m", "type": "bind", "source": $s, "options": ["bind"],
		"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}]'
	args "$B" stat /m/root-file ";" stat /m/one-file ";" write /m/new x ";" stat /m/new
	run -0 tnr run --bundle "$B" i1
	assert_eq "${lines[0]}" "0 0 644"
	assert_eq "${lines[1]}" "1 1 644"
	assert_eq "${lines[2]}" "0 0 644"
	# The host sees the files as they were, and the new one with the unshifted owner.
	assert_eq "$(stat -c %u:%g "$SRC/root-file") $(stat -c %u:%g "$SRC/one-file")" "0:0 1:1"
	assert_eq "$(stat -c %u:%g "$SRC/new")" "0:0"
	# Without the idmap, the same source shows its owners as unmapped.
	config "$B" 'del(.mounts[-1].uidMappings, .mounts[-1].gidMappings)'
	args "$B" stat /m/root-file
	run -0 tnr run --bundle "$B" i2
	assert_eq "$output" "65534 65534 644"
}

@test "idmap without mappings uses the container's maps; different mappings per mount (runc's cases)" {
	userns
	config "$B" --arg s "$SRC" '.mounts += [
		{"destination": "/m", "type": "bind", "source": $s, "options": ["bind", "idmap"]},
		{"destination": "/m2", "type": "bind", "source": $s, "options": ["bind"],
		 "uidMappings": [{"containerID": 100, "hostID": 101000, "size": 1}, {"containerID": 1, "hostID": 102000, "size": 1}],
		 "gidMappings": [{"containerID": 211, "hostID": 100011, "size": 1}, {"containerID": 1, "hostID": 100022, "size": 1}]}]'
	args "$B" stat /m/one-file ";" stat /m2/sub ";" stat /m2/one-file
	run -0 tnr run --bundle "$B" i3
	assert_eq "${lines[0]}" "1 1 644"
	assert_eq "${lines[1]}" "1000 11 755"
	assert_eq "${lines[2]}" "2000 22 644"
}

@test "idmap without a user namespace: the host view of the mapping (runc's [no userns])" {
	config "$B" --arg s "$SRC" '.mounts += [{"destination": "/m", "type": "bind", "source": $s, "options": ["bind"],
		"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}],
		"gidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}]'
	args "$B" stat /m/one-file
	run -0 tnr run --bundle "$B" i4
	assert_eq "$output" "100001 100001 644"
}

@test "ridmap maps the submounts too, idmap only the top" {
	local sub=$T/inner
	mkdir -p "$sub"
	touch "$sub/f"
	chown 1:1 "$sub/f"
	mount --bind "$sub" "$SRC/sub"
	userns
	config "$B" --arg s "$SRC" '.mounts += [
		{"destination": "/m", "type": "bind", "source": $s, "options": ["rbind", "ridmap"]},
		{"destination": "/m2", "type": "bind", "source": $s, "options": ["rbind", "idmap"]}]'
	args "$B" stat /m/sub/f ";" stat /m2/sub/f
	run tnr run --bundle "$B" i5
	umount "$SRC/sub"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "1 1 644"
	assert_eq "${lines[1]}" "65534 65534 644"
}

@test "idmap of another mount type: a tmpfs whose files the container's root owns" {
	userns
	config "$B" '.mounts += [{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap", "mode=755"]}]'
	args "$B" stat /t ";" write /t/x y ";" stat /t/x
	run -0 tnr run --bundle "$B" i6
	assert_eq "${lines[0]}" "0 0 755"
	assert_eq "${lines[1]}" "0 0 644"
}

@test "rootfs-idmap: one unshifted rootfs serves two containers on different ranges, no chown" {
	mkdir -p "$B/rootfs/data"
	chown 1000:1000 "$B/rootfs/data"
	config "$B" '.root.readonly = false | .linux.namespaces += [{"type": "user"}]'
	args "$B" stat /init ";" stat /data ";" sleep 30
	local u
	for u in 200000 300000; do
		config "$B" --argjson h "$u" '.linux.uidMappings = [{"containerID": 0, "hostID": $h, "size": 65536}]
			| .linux.gidMappings = [{"containerID": 0, "hostID": $h, "size": 65536}]'
		tnr run -d --bundle "$B" r$u >/dev/null 2>&1 3>&-
	done
	run -0 tnr exec r200000 /init stat /init ";" stat /data
	assert_eq "$output" "0 0 755"$'\n'"1000 1000 755"
	run -0 tnr exec r300000 /init stat /init ";" stat /data
	assert_eq "$output" "0 0 755"$'\n'"1000 1000 755"
	# Each writes as its own root; on disk both are 0, the tree stays unshifted.
	tnr exec r200000 /init write /tmp/a x
	tnr exec r300000 /init write /tmp/b x
	assert_eq "$(stat -c %u "$B/rootfs/tmp/a") $(stat -c %u "$B/rootfs/tmp/b") $(stat -c %u "$B/rootfs/init")" "0 0 0"
}

@test "rootfs-idmap auto: a tree another user owns, or others may write, is not idmapped; on still is" {
	# Through the mount the container's root writes as host root: on a tree of uid 1000's, that
	# user's programs would run as the container's root and could leave a setuid-root file.
	config "$B" '.root.readonly = false | .linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	args "$B" stat /
	chown 1000:1000 "$B/rootfs"
	run -0 tnr run --bundle "$B" u1
	assert_eq "$output" "65534 65534 755" # as runc shows it; idmapped it would be 1000 1000
	chown 0:0 "$B/rootfs"
	chmod 777 "$B/rootfs"
	run -0 tnr run --bundle "$B" u2
	assert_eq "$output" "65534 65534 777" # idmapped it would be 0 0
	# Asked for by name, as root: idmapped all the same.
	config "$B" '.annotations["run.tenant.rootfs-idmap"] = "on"'
	run -0 tnr run --bundle "$B" u3
	assert_eq "$output" "0 0 777"
	chmod 755 "$B/rootfs"
}

@test "rootfs-idmap=off keeps the tree as it is; a bad value is refused" {
	config "$B" '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .annotations["run.tenant.rootfs-idmap"] = "off"'
	args "$B" stat /init
	run -0 tnr run --bundle "$B" o1
	assert_eq "$output" "65534 65534 755"
	config "$B" '.annotations["run.tenant.rootfs-idmap"] = "maybe"'
	run -1 tnr run --bundle "$B" o2
	assert_contains "$output" "run.tenant.rootfs-idmap: 'maybe' is not auto, on or off"
}

@test "rootfs-idmap on a filesystem without idmapped mounts (ramfs): auto binds it as it is, on says why not" {
	# The rootfs moves to a ramfs, which takes no idmapped mount; auto needs no probe to see it.
	mkdir "$T/ram"
	mount -t ramfs none "$T/ram"
	cp -a "$B/rootfs/." "$T/ram/"
	config "$B" --arg r "$T/ram" '.root.path = $r | .linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
	args "$B" stat /init
	run -0 tnr run --bundle "$B" a1
	umount "$T/ram" # nothing of the container holds it
	mount -t ramfs none "$T/ram"
	cp -a "$B/rootfs/." "$T/ram/"
	assert_eq "$output" "65534 65534 755"
	config "$B" '.annotations["run.tenant.rootfs-idmap"] = "on"'
	run -1 tnr run --bundle "$B" a2
	assert_contains "$output" "cannot make an idmapped mount of $T/ram"
	assert_contains "$output" "does not take idmapped mounts"
	[ ! -e "$STATE/a2" ]
	umount "$T/ram"
}

@test "bad idmap input: mappings on one side only, idmap without any user namespace" {
	config "$B" --arg s "$SRC" '.mounts += [{"destination": "/m", "type": "bind", "source": $s, "options": ["bind"],
		"uidMappings": [{"containerID": 0, "hostID": 100000, "size": 65536}]}]'
	run -1 tnr run --bundle "$B" b1
	assert_contains "$output" "mounts["
	assert_contains "$output" "uidMappings without gidMappings"
	config "$B" 'del(.mounts[-1].uidMappings) | .mounts[-1].options = ["bind", "idmap"]'
	run -1 tnr run --bundle "$B" b2
	assert_contains "$output" "idmap without uidMappings uses the container's maps, and it has no user namespace"
	assert_contains "$output" "hint:"
	[ -z "$(tnr list -q)" ]
}
