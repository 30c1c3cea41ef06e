#!/usr/bin/env bats
# SPDX-License-Identifier: Apache-2.0
# The systemd cgroup manager (issue 18; docs/oci.md): --systemd-cgroup and
# --cgroup-manager systemd ask systemd for a transient scope. This host's PID 1 is not systemd,
# so the tests boot one: a Debian 12 system container run by tenant (tests/systemd/boot.sh),
# whose systemd runs in unified mode on the host's cgroup2 hierarchy. tenant, runc 1.1.5,
# podman 4.3 and containerd 1.6 from Debian run inside it, side by side.
#
# That cgroup2 hierarchy has no pids, memory or cpu controller here (the hybrid host binds them
# to v1): runc fails a container with such limits ("openat2 .../pids.max: no such file"),
# tenant keeps them as the unit's properties and warns (the issue asks for it; docs/oci.md).
load helpers
bats_require_minimum_version 1.5.0

SYS_ID=sysd

setup_file() {
	[ "$(id -u)" -eq 0 ] || return 0
	# boot.sh makes the image when this file runs first (its shift is recorded in tenant's
	# store): not kept past this file.
	store_save
	SYS_STATE=$(mktemp -d /tmp/tenant-sysd-state.XXXXXX)
	SYS_BUNDLE=$(mktemp -d /tmp/tenant-sysd.XXXXXX)
	export SYS_STATE SYS_BUNDLE
	"$BATS_TEST_DIRNAME/../systemd/boot.sh" up "$SYS_STATE" "$SYS_ID" "$SYS_BUNDLE" \
		"/tenant-sysd-$$" 3000000 >/dev/null
	# A bundle inside: busybox as the image, in a user namespace of the container's range.
	sys 'mkdir -p /tmp/b/rootfs/bin /tmp/b/rootfs/proc /tmp/b/rootfs/sys /tmp/b/rootfs/dev /tmp/b/rootfs/tmp
		cp /usr/local/bin/busybox /tmp/b/rootfs/bin/
		for c in sh sleep cat ls id; do ln -s busybox /tmp/b/rootfs/bin/$c; done
		cd /tmp/b && tenant spec && jq ".process.terminal = false | .process.args = [\"sleep\", \"1000\"]
			| .linux.namespaces += [{\"type\": \"user\"}]
			| .linux.uidMappings = [{\"containerID\": 0, \"hostID\": 10000, \"size\": 1000}]
			| .linux.gidMappings = .linux.uidMappings" config.json >c && mv c config.json'
}

teardown_file() {
	if [ -n "${SYS_STATE:-}" ]; then
		"$BATS_TEST_DIRNAME/../systemd/boot.sh" down "$SYS_STATE" "$SYS_ID" "$SYS_BUNDLE"
		rm -rf "$SYS_STATE"
	fi
	store_restore
}

setup() {
	require_root
}

# Each test leaves systemd as it found it: no unit of a container, none failed.
teardown() {
	[ -n "${SYS_STATE:-}" ] || return 0
	if [ -n "${HY_BUNDLE:-}" ]; then # the hybrid-mode test's own system container
		"$BATS_TEST_DIRNAME/../systemd/boot.sh" down "$HY_STATE" hy "$HY_BUNDLE" || true
	fi
	sys 'for c in $(tenant list -q); do tenant delete -f $c; done
		for c in $(runc list -q); do runc delete -f $c; done
		cd /tmp/b && cp config.json.orig config.json 2>/dev/null; true' || true
}

# sys SCRIPT: run SCRIPT with sh in the system container, as its root.
sys() {
	"$TENANT" --root "$SYS_STATE" exec "$SYS_ID" sh -c "$1" </dev/null
}

# cfg JQ-FILTER: edit the inner bundle's config.json (the original is kept for teardown).
cfg() {
	sys "cd /tmp/b && { [ -f config.json.orig ] || cp config.json config.json.orig; } &&
		jq '$1' config.json >c && mv c config.json"
}

PROPS=Slice,ControlGroup,Delegate,DefaultDependencies,MemoryAccounting,CPUAccounting,IOAccounting,TasksAccounting,ActiveState

# Nothing of a container is left in systemd: no scope, no failed unit.
assert_systemd_clean() {
	local units failed
	units=$(sys 'systemctl list-units --all --no-legend --plain "*.scope" | grep -v "^init.scope\|^session-" || true')
	failed=$(sys 'systemctl list-units --failed --no-legend --plain')
	assert_eq "$units" ""
	assert_eq "$failed" ""
}

@test "systemd cgroup: the scope is the one runc --systemd-cgroup makes (slice, delegation, accounting, path)" {
	local runc_props tenant_props runc_cg tenant_cg
	cfg '.linux.cgroupsPath = "machine.slice:ctr:one"'
	sys 'cd /tmp/b && runc --systemd-cgroup run -d one >/dev/null 2>&1'
	runc_props=$(sys "systemctl show -p $PROPS ctr-one.scope")
	runc_cg=$(sys 'cat /proc/$(runc state one | jq .pid)/cgroup | grep "^0::"')
	sys 'runc delete -f one'
	assert_systemd_clean
	sys 'cd /tmp/b && tenant --systemd-cgroup run -d one >/dev/null'
	tenant_props=$(sys "systemctl show -p $PROPS ctr-one.scope")
	tenant_cg=$(sys 'cat /proc/$(tenant state one | jq .pid)/cgroup | grep "^0::"')
	echo "runc:   $runc_props $runc_cg"
	echo "tenant: $tenant_props $tenant_cg"
	assert_eq "$tenant_props" "$runc_props"
	assert_eq "$tenant_cg" "$runc_cg"
	assert_eq "$tenant_cg" "0::/machine.slice/ctr-one.scope"
	assert_contains "$tenant_props" "Delegate=yes"
	# systemctl status shows the container's process in the scope.
	assert_contains "$(sys 'systemctl status --no-pager ctr-one.scope')" "sleep 1000"
	sys 'tenant delete -f one'
	assert_systemd_clean
}

@test "systemd cgroup: a Kubernetes path (kubepods-besteffort-pod...slice:cri-containerd:ID) nests its slices as runc's" {
	local runc_cg tenant_cg
	cfg '.linux.cgroupsPath = "kubepods-besteffort-pod0a1b.slice:cri-containerd:abc"'
	sys 'cd /tmp/b && runc --systemd-cgroup run -d abc >/dev/null 2>&1'
	runc_cg=$(sys 'cat /proc/$(runc state abc | jq .pid)/cgroup | grep "^0::"')
	sys 'runc delete -f abc'
	sys 'cd /tmp/b && tenant --cgroup-manager systemd run -d abc >/dev/null'
	tenant_cg=$(sys 'cat /proc/$(tenant state abc | jq .pid)/cgroup | grep "^0::"')
	assert_eq "$tenant_cg" "$runc_cg"
	assert_eq "$tenant_cg" "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b.slice/cri-containerd-abc.scope"
	assert_eq "$(sys 'systemctl show -p ActiveState --value kubepods-besteffort-pod0a1b.slice')" active
	sys 'tenant delete abc' 2>/dev/null || sys 'tenant delete -f abc'
	assert_systemd_clean
}

@test "systemd cgroup: limits are the unit's properties, update changes them, delete stops the scope" {
	local out
	cfg '.linux.cgroupsPath = "machine.slice:tenant:lim"
		| .linux.resources = {"memory": {"limit": 67108864}, "pids": {"limit": 50},
			"cpu": {"shares": 512, "quota": 50000, "period": 100000}}'
	# (stderr to a file: the container would hold a pipe open)
	out=$(sys 'cd /tmp/b && tenant --systemd-cgroup run -d lim >/dev/null 2>/tmp/err; cat /tmp/err')
	# The controllers are v1's on this host: said once, with the reason; the unit has them.
	assert_contains "$out" "lacks the controllers pids, memory, cpu: their limits cannot apply"
	assert_contains "$out" "hint:"
	assert_eq "$(sys 'systemctl show -p MemoryMax,TasksMax,CPUWeight,CPUQuotaPerSecUSec,CPUQuotaPeriodUSec tenant-lim.scope' | xargs)" \
		"CPUWeight=20 CPUQuotaPerSecUSec=500ms CPUQuotaPeriodUSec=100ms MemoryMax=67108864 TasksMax=50"
	out=$(sys 'tenant update --memory 100M --pids-limit 77 --cpu-quota 25000 lim 2>&1')
	assert_contains "$out" "lacks the controllers pids, memory, cpu"
	assert_eq "$(sys 'systemctl show -p MemoryMax,TasksMax,CPUQuotaPerSecUSec tenant-lim.scope' | xargs)" \
		"CPUQuotaPerSecUSec=250ms MemoryMax=104857600 TasksMax=77"
	assert_eq "$(sys 'tenant state lim | jq -r .status')" running
	sys 'tenant kill lim KILL'
	for _ in $(seq 50); do
		[ "$(sys 'tenant state lim | jq -r .status')" = stopped ] && break
		sleep 0.1
	done
	sys 'tenant delete lim'
	assert_systemd_clean
	assert_eq "$(sys 'ls /sys/fs/cgroup/machine.slice | grep -c scope || true')" 0
}

@test "systemd cgroup: a create that fails leaves no unit, as runc" {
	local out
	cfg '.linux.cgroupsPath = "machine.slice:tenant:bad" | .process.args = ["/nonexistent"]'
	run -1 sys 'cd /tmp/b && tenant --systemd-cgroup run bad'
	assert_contains "$output" "/nonexistent"
	assert_systemd_clean
	assert_eq "$(sys 'tenant list -q')" ""
	run -1 sys 'cd /tmp/b && runc --systemd-cgroup run bad'
	assert_systemd_clean
}

@test "systemd cgroup: a cgroupsPath not of the form SLICE:PREFIX:NAME is refused, naming the field" {
	cfg '.linux.cgroupsPath = "/machine.slice/plain"'
	run -1 sys 'cd /tmp/b && tenant --systemd-cgroup run -d p'
	assert_contains "$output" "linux.cgroupsPath: '/machine.slice/plain' is not of the form SLICE:PREFIX:NAME"
	assert_contains "$output" "hint:"
	# runc refuses it too.
	run -1 sys 'cd /tmp/b && runc --systemd-cgroup run -d p'
	assert_contains "$output" "slice:prefix:name"
	cfg '.linux.cgroupsPath = "bad--name.slice:x:p"'
	run -1 sys 'cd /tmp/b && tenant --systemd-cgroup run -d p'
	assert_contains "$output" "names no slice"
	assert_systemd_clean
	assert_eq "$(sys 'tenant list -q')" ""
}

@test "systemd cgroup: a rootless user with lingering gets a scope in its own systemd" {
	local cg
	linger_user
	sys '		rm -rf /home/tu/b && cp -a /tmp/b /home/tu/b && chown -R tu:tu /home/tu/b
		cd /home/tu/b && jq ".linux.cgroupsPath = \"\" | del(.linux.uidMappings, .linux.gidMappings)
			| .linux.namespaces |= map(select(.type != \"user\"))" config.json >c && mv c config.json'
	u() { sys "runuser -u tu -- env XDG_RUNTIME_DIR=/run/user/1000 sh -c 'cd /home/tu/b && $1'"; }
	assert_eq "$(u 'tenant features | jq .linux.cgroup.systemdUser')" true
	u 'tenant --systemd-cgroup run -d u1 >/dev/null 2>&1'
	cg=$(u 'cat /proc/$(tenant state u1 | jq .pid)/cgroup | grep "^0::"')
	assert_eq "$cg" "0::/user.slice/user-1000.slice/user@1000.service/user.slice/tenant-u1.scope"
	assert_eq "$(u 'systemctl --user show -p ActiveState,Delegate tenant-u1.scope' | xargs)" "Delegate=yes ActiveState=active"
	# exec from outside the user's delegated tree (here: root's cgroup) stays where it is,
	# as runc's rootless manager leaves it.
	assert_eq "$(u 'tenant exec u1 sh -c "echo ran"')" ran
	u 'tenant update --pids-limit 33 u1'
	assert_eq "$(u 'systemctl --user show -p TasksMax --value tenant-u1.scope')" 33
	u 'tenant delete -f u1'
	assert_eq "$(u 'systemctl --user list-units --all --no-legend --plain "tenant*"')" ""
	unlinger_user
}

@test "systemd cgroup: where no systemd runs (this host), create fails naming what is missing, as runc; features says so" {
	local b=$BATS_TEST_TMPDIR/b
	make_bundle "$b"
	assert_eq "$("$TENANT" features | jq -c '[.linux.cgroup.systemd, .linux.cgroup.systemdUser]')" "[false,false]"
	run -1 "$TENANT" --root "$BATS_TEST_TMPDIR/s" --systemd-cgroup run --bundle "$b" nosd
	assert_contains "$output" "no systemd system manager answers here"
	assert_contains "$output" "hint:"
	assert_eq "$("$TENANT" --root "$BATS_TEST_TMPDIR/s" list -q)" ""
	run -1 runc --root "$BATS_TEST_TMPDIR/r" --systemd-cgroup run --bundle "$b" nosd
	# tenant check says so, and what engines must use instead.
	assert_eq "$("$TENANT" check --json | jq -r '.checks[] | select(.name == "systemd") | .status')" warn
	assert_contains "$("$TENANT" check 2>&1)" "systemd is not PID 1 here: --systemd-cgroup is not available"
}

@test "systemd cgroup: tenant check says whether the manager answers and what the user's delegates, with the fix" {
	local j
	j=$(sys 'tenant check --json')
	assert_eq "$(jq -r '.checks[] | select(.name == "systemd") | .status' <<<"$j")" ok
	linger_user
	# The user's manager answers; on this hybrid host it can delegate no controller.
	j=$(as_tu 'tenant check --json')
	assert_eq "$(jq -r '.checks[] | select(.name == "systemd") | .status' <<<"$j")" warn
	assert_contains "$(jq -r '.checks[] | select(.name == "systemd") | .found' <<<"$j")" "delegates no cpu, memory, pids controller"
	assert_contains "$(jq -r '.checks[] | select(.name == "systemd") | .fix' <<<"$j")" "Delegate=cpu cpuset io memory pids"
	# Without lingering (no session here) there is no user manager at all.
	unlinger_user
	j=$(as_tu 'tenant check --json')
	assert_contains "$(jq -r '.checks[] | select(.name == "systemd") | .found' <<<"$j")" "has no systemd user manager"
	assert_contains "$(jq -r '.checks[] | select(.name == "systemd") | .fix' <<<"$j")" "loginctl enable-linger"
}

# A rootless user "tu" with lingering, whose ranges lie within the system container's.
linger_user() {
	sys 'id tu >/dev/null 2>&1 || useradd -m -u 1000 tu
		sed -i "/^tu:/d" /etc/subuid /etc/subgid # (useradd gave it 100000-165535: out of range)
		echo tu:20000:30000 >>/etc/subuid; echo tu:20000:30000 >>/etc/subgid
		loginctl enable-linger tu
		for i in $(seq 100); do
			[ "$(systemctl show -p ActiveState --value user@1000.service)" = active ] &&
				[ -S /run/user/1000/bus ] && [ -S /run/user/1000/systemd/private ] && break
			sleep 0.1
		done'
}

# Lingering off, and the user's manager stopped (not left to stop while the next test starts it).
unlinger_user() {
	sys 'loginctl disable-linger tu; systemctl stop user@1000.service; true'
}

# as_tu SCRIPT: SCRIPT as tu, in its home, with its session's environment.
as_tu() {
	sys "runuser -u tu -- env XDG_RUNTIME_DIR=/run/user/1000 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus sh -c 'cd && $1'"
}

# podman_pair SYSTEMCTL RUN: run a container with podman --cgroup-manager systemd under runc and
# under tenant; print, for each, its cgroup v2 path with the ID as ID, and the scope's Delegate.
# (--pids-limit -1: podman's default pids limit would fail runc here, see above.)
podman_pair() {
	local ctl=$1 run=$2
	$run "for rt in runc /usr/local/bin/tenant; do
		id=\$(podman --runtime \$rt --cgroup-manager systemd run -d --network none --pids-limit -1 --ulimit host localhost/bb sleep 100)
		pid=\$(podman inspect -f {{.State.Pid}} \$id)
		echo \$(grep ^0:: /proc/\$pid/cgroup | sed s/\$id/ID/) \$($ctl show -p Delegate,ActiveState,TasksMax libpod-\$id.scope)
		podman rm -f -t0 \$id >/dev/null
	done"
}

@test "systemd cgroup: podman --cgroup-manager systemd runs tenant as runc, rootful" {
	local out
	sys 'tar -C /tmp/b/rootfs -c . | podman import -q - localhost/bb >/dev/null'
	out=$(podman_pair systemctl sys)
	echo "$out"
	assert_eq "$(echo "$out" | sed -n 1p)" "$(echo "$out" | sed -n 2p)"
	assert_contains "$(echo "$out" | sed -n 2p)" "0::/machine.slice/libpod-ID.scope Delegate=yes"
	assert_contains "$(echo "$out" | sed -n 2p)" "ActiveState=active"
	for _ in $(seq 50); do
		[ -z "$(sys 'systemctl list-units --all --no-legend --plain "libpod*"')" ] && break
		sleep 0.1
	done
	assert_systemd_clean
}

@test "systemd cgroup: podman --cgroup-manager systemd runs tenant as runc, rootless (the user's systemd)" {
	local out
	linger_user
	sys 'tar -C /tmp/b/rootfs -c . >/tmp/bb.tar && chmod 644 /tmp/bb.tar'
	as_tu 'podman import -q /tmp/bb.tar localhost/bb >/dev/null'
	out=$(podman_pair "systemctl --user" as_tu)
	echo "$out"
	assert_eq "$(echo "$out" | sed -n 1p)" "$(echo "$out" | sed -n 2p)"
	assert_contains "$(echo "$out" | sed -n 2p)" "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-ID.scope Delegate=yes"
	assert_contains "$(echo "$out" | sed -n 2p)" "ActiveState=active"
	for _ in $(seq 50); do
		[ -z "$(as_tu 'systemctl --user list-units --all --no-legend --plain "libpod*"')" ] && break
		sleep 0.1
	done
	assert_eq "$(as_tu 'systemctl --user list-units --all --no-legend --plain "libpod*"')" ""
	assert_eq "$(as_tu 'systemctl --user list-units --failed --no-legend --plain')" ""
	unlinger_user
}

# containerd 1.6 (Debian's, in the system container) with SystemdCgroup = true for both
# handlers, driven through CRI from here (tests/cri/cri.py) as a kubelet with the systemd driver
# drives it: the pod's cgroup parent is its kubepods slice.
start_containerd() {
	local img f
	"$TENANT_SOURCE_DIR/tests/cri/fetch.sh" >/dev/null 2>&1
	img=$("$TENANT_SOURCE_DIR/tests/cri/containerd.sh" images)
	for f in pause busybox; do
		"$TENANT" --root "$SYS_STATE" exec "$SYS_ID" sh -c "cat >/tmp/$f.tar" <"$img/$f.tar"
	done
	sys 'mkdir -p /etc/containerd && cat >/etc/containerd/sd.toml <<-EOF
		version = 2
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "localhost/tenant-pause:1"
		  restrict_oom_score_adj = true
		  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		    runtime_type = "io.containerd.runc.v2"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		      SystemdCgroup = true
		  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.tenant]
		    runtime_type = "io.containerd.runc.v2"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.tenant.options]
		      BinaryName = "/usr/local/bin/tenant"
		      SystemdCgroup = true
		EOF
		systemd-run -q --unit=tenant-test-containerd containerd --config /etc/containerd/sd.toml
		for i in $(seq 100); do [ -S /run/containerd/containerd.sock ] && break; sleep 0.1; done
		ctr -n k8s.io images import /tmp/pause.tar >/dev/null && ctr -n k8s.io images import /tmp/busybox.tar >/dev/null'
	CRI_SOCK=/proc/$(sys_pid)/root/run/containerd/containerd.sock
	export CRI_SOCK
	cri wait-ready 30 >/dev/null
}

stop_containerd() {
	cri clean >/dev/null 2>&1 || true
	sys 'systemctl stop tenant-test-containerd; systemctl reset-failed tenant-test-containerd 2>/dev/null; true'
}

sys_pid() { "$TENANT" --root "$SYS_STATE" state "$SYS_ID" | jq .pid; }
cri() { /usr/bin/python3 "$TENANT_SOURCE_DIR/tests/cri/cri.py" "$@"; }

# pod_run HANDLER UID: a pod (host network: no CNI in here) with one busybox container limited to
# 64 MiB; prints "POD-ID CONTAINER-ID", or fails with CRI's error.
pod_run() {
	local h=$1 uid=$2 pod ctr pid cid
	pod='{"metadata": {"name": "p-'$h'", "uid": "'$uid'", "namespace": "default"},
		"linux": {"cgroupParent": "kubepods-besteffort-pod'$uid'.slice",
			"securityContext": {"namespaceOptions": {"network": 2}}}}'
	ctr='{"metadata": {"name": "c"}, "image": {"image": "localhost/tenant-busybox:1"},
		"command": ["sleep", "1000"], "linux": {"resources": {"memoryLimitInBytes": 67108864}}}'
	pid=$(cri runp --runtime "$h" "$pod" | jq -r .podSandboxId) || return 1
	cid=$(cri create "$pid" "$ctr" "$pod" | jq -r .containerId) || return 1
	cri start "$cid" >/dev/null || return 1
	echo "$pid $cid"
}

@test "systemd cgroup: containerd with SystemdCgroup = true runs a pod through CRI with tenant, in its kubepods slice" {
	local ids pid cid out
	start_containerd
	ids=$(pod_run tenant 0a1b2c3d)
	read -r pid cid <<<"$ids"
	assert_eq "$(sys "systemctl show -p ControlGroup --value cri-containerd-$cid.scope")" \
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3d.slice/cri-containerd-$cid.scope"
	assert_eq "$(sys "systemctl show -p ControlGroup --value cri-containerd-$pid.scope")" \
		"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3d.slice/cri-containerd-$pid.scope"
	assert_eq "$(sys "systemctl show -p Delegate,MemoryMax cri-containerd-$cid.scope" | xargs)" \
		"Delegate=yes MemoryMax=67108864"
	out=$(cri exec-sync "$cid" cat /proc/self/cgroup | jq -r .stdout)
	assert_contains "$out" "0::/"
	cri update "$cid" '{"memoryLimitInBytes": 134217728}' >/dev/null
	assert_eq "$(sys "systemctl show -p MemoryMax --value cri-containerd-$cid.scope")" 134217728
	cri stop "$cid" >/dev/null
	cri rm "$cid" >/dev/null
	cri stopp "$pid" >/dev/null
	cri rmp "$pid" >/dev/null
	# runc, the same pod: it fails here on the controllers the hybrid host keeps in v1 (the
	# pause container's cpu.weight); where it runs, its scope is where tenant's was.
	if ids=$(pod_run runc 0a1b2c3e 2>"$BATS_TEST_TMPDIR/runc.err"); then
		read -r pid cid <<<"$ids"
		assert_eq "$(sys "systemctl show -p ControlGroup --value cri-containerd-$cid.scope")" \
			"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3e.slice/cri-containerd-$cid.scope"
	else
		assert_contains "$(cat "$BATS_TEST_TMPDIR/runc.err")" "no such file or directory"
	fi
	stop_containerd
	for _ in $(seq 50); do
		[ -z "$(sys 'systemctl list-units --all --no-legend --plain "cri-containerd*"')" ] && break
		sleep 0.1
	done
	assert_systemd_clean
}

@test "systemd cgroup: under a systemd in hybrid mode (the v1 view), the scope is in name=systemd and cgroup2, with v1's property names" {
	local out
	HY_STATE=$BATS_TEST_TMPDIR/hy-state
	HY_BUNDLE=$(mktemp -d /tmp/tenant-sysd-hy.XXXXXX)
	BOOT_VIEW=cgroup "$BATS_TEST_DIRNAME/../systemd/boot.sh" up "$HY_STATE" hy "$HY_BUNDLE" \
		"/tenant-sysd-hy-$$" 3000000 >/dev/null
	hy() { "$TENANT" --root "$HY_STATE" exec hy sh -c "$1" </dev/null; }
	hy 'mkdir -p /tmp/b/rootfs/bin /tmp/b/rootfs/proc /tmp/b/rootfs/sys /tmp/b/rootfs/dev /tmp/b/rootfs/tmp
		cp /usr/local/bin/busybox /tmp/b/rootfs/bin/ && ln -s busybox /tmp/b/rootfs/bin/sleep
		cd /tmp/b && tenant spec && jq ".process.terminal = false | .process.args = [\"sleep\", \"1000\"]
			| .linux.cgroupsPath = \"machine.slice:tenant:h1\"
			| .linux.resources = {\"memory\": {\"limit\": 67108864}, \"cpu\": {\"shares\": 512}}" config.json >c && mv c config.json'
	assert_eq "$(hy 'cat /proc/1/cgroup | grep -c "name=systemd:/init.scope"')" 1
	out=$(hy 'cd /tmp/b && tenant --systemd-cgroup run -d h1 >/dev/null 2>/tmp/err; cat /tmp/err')
	# The v1 hierarchies of a user namespace are not its root's: warned, kept in the unit.
	assert_contains "$out" "lacks the controllers memory, cpu"
	assert_eq "$(hy 'grep -E "^(0|[0-9]+:name=systemd):" /proc/$(tenant state h1 | jq .pid)/cgroup' | xargs)" \
		"9:name=systemd:/machine.slice/tenant-h1.scope 0::/machine.slice/tenant-h1.scope"
	assert_eq "$(hy 'systemctl show -p MemoryLimit,CPUShares,Delegate tenant-h1.scope' | xargs)" \
		"Delegate=yes CPUShares=512 MemoryLimit=67108864"
	hy 'tenant delete -f h1'
	assert_eq "$(hy 'systemctl list-units --all --no-legend --plain "tenant*"; systemctl --failed --no-legend --plain')" ""
	# runc 1.1.5 cannot run there at all (it makes every v1 hierarchy's directory).
	run -1 hy 'cd /tmp/b && runc --systemd-cgroup run -d r1'
	assert_contains "$output" "permission denied"
}

@test "systemd cgroup: with a user and a cgroup namespace and the cgroup view read-write, the scope is the container root's, as runc" {
	local rt out want
	cfg '.linux.cgroupsPath = "machine.slice:ctr:dl"
		| .linux.namespaces += [{"type": "cgroup"}]
		| .mounts |= map(if .destination == "/sys/fs/cgroup" then .options = ["nosuid", "noexec", "nodev", "relatime", "rw"] else . end)'
	for rt in runc tenant; do
		sys "cd /tmp/b && $rt --systemd-cgroup run -d dl >/dev/null 2>&1"
		out=$(sys "$rt exec dl sh -c 'mkdir /sys/fs/cgroup/sub && echo \$\$ >/sys/fs/cgroup/sub/cgroup.procs && cat /proc/self/cgroup'; stat -c %u /sys/fs/cgroup/machine.slice/ctr-dl.scope" 2>&1)
		echo "$rt: $out"
		sys "$rt delete -f dl"
		[ "$rt" = runc ] && want=$out
	done
	assert_eq "$out" "$want"
	assert_contains "$out" "0::/sub"
	assert_eq "$(tail -1 <<<"$out")" 10000
	assert_systemd_clean
}

@test "systemd cgroup: a failed unit of the same name (left by an earlier container) is reset, and the scope made" {
	cfg '.linux.cgroupsPath = "machine.slice:ctr:fu"'
	# A scope whose stop timed out: failed, and loaded.
	sys 'systemd-run -q --scope --unit ctr-fu -p TimeoutStopSec=1 sh -c "trap \"\" TERM; sleep 100" >/dev/null 2>&1 &
		for i in $(seq 50); do systemctl -q is-active ctr-fu.scope && break; sleep 0.1; done
		systemctl stop ctr-fu.scope; true'
	assert_eq "$(sys 'systemctl show -p ActiveState --value ctr-fu.scope')" failed
	sys 'cd /tmp/b && tenant --systemd-cgroup run -d fu >/dev/null 2>/tmp/err || cat /tmp/err'
	assert_eq "$(sys 'systemctl show -p ActiveState,Description ctr-fu.scope' | xargs)" "Description=tenant container fu ActiveState=active"
	sys 'tenant delete -f fu'
	assert_systemd_clean
}

@test "systemd cgroup: delete leaves alone a unit that took the name of a container's scope once it emptied (runc stops it)" {
	cfg '.linux.cgroupsPath = "system.slice::victim" | .process.args = ["sleep", "1"]'
	sys 'cd /tmp/b && tenant --systemd-cgroup run -d a >/dev/null 2>&1
		for i in $(seq 50); do [ "$(tenant state a | jq -r .status)" = stopped ] && break; sleep 0.1; done'
	# Its scope emptied and went; another (a login session, a service) has the name now.
	sys 'for i in $(seq 50); do systemctl -q is-active victim.scope || break; sleep 0.1; done
		systemd-run -q --scope --unit victim --slice user.slice sleep 1000 </dev/null >/dev/null 2>&1 &
		for i in $(seq 50); do systemctl -q is-active victim.scope && break; sleep 0.1; done'
	sys 'tenant delete a'
	assert_eq "$(sys 'systemctl show -p ActiveState --value victim.scope')" active
	assert_eq "$(sys 'tenant list -q')" ""
	sys 'systemctl stop victim.scope'
	assert_systemd_clean
}

@test "systemd cgroup: a linux.resources.unified key without a controller fails create at once, leaving nothing" {
	cfg '.linux.cgroupsPath = "machine.slice:tenant:dot" | .linux.resources.unified = {".x": "1"}'
	run -1 sys 'cd /tmp/b && timeout 20 tenant --systemd-cgroup run -d dot'
	assert_contains "$output" "linux.resources.unified"
	assert_systemd_clean
	assert_eq "$(sys 'tenant list -q')" ""
}
