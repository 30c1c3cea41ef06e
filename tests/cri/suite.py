#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The CRI suite: pods driven through containerd's CRI plugin as the kubelet drives them, each
scenario run with runc as the runtime handler and then with tenant, in the same test, and the
two compared. TAP on standard output (tests/run.sh counts it; `make check-cri` runs it alone).

    tests/cri/suite.py [PATTERN]       only the scenarios whose name holds PATTERN

A private containerd 1.7 (Debian 13's) runs the scenarios, then Debian 12's containerd 1.6 the
plain pod (tests/cri/containerd.sh; tests/cri/fetch.sh first fetches what is missing). A test
passes when runc and tenant both give what the scenario expects and the same observations;
where runc itself fails (a hostNetwork pod with a user namespace), tenant must fail as clearly
or work. After every scenario neither runtime's root may list a container; after each
containerd, nothing of it may be left on the host (processes, mounts, cgroups, sockets).
"""
import json
import os
import re
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
cri = None  # tests/cri/cri.py, imported once fetch.sh has generated its CRI modules


def prepare():
    """fetch.sh (containerd 1.7, the CRI API compiled into build/cri/py), then the client."""
    global cri
    subprocess.run([os.path.join(HERE, "fetch.sh")], check=True, stdout=sys.stderr)
    import cri as client
    cri = client

TENANT = os.environ.get("TENANT") or os.path.join(ROOT, "build", "tenant")
HANDLERS = ("runc", "tenant")
RANGE = 65536


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)


def sh(*argv, ok=True):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if ok and p.returncode != 0:
        raise Fail("%s: exit %d: %s" % (" ".join(argv), p.returncode, p.stdout.strip()))
    return p.stdout


def wait_for(fn, seconds=10.0, what="a condition"):
    end = time.monotonic() + seconds
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise Fail("timed out waiting for " + what)
        time.sleep(0.1)


class Containerd:
    """A private containerd (containerd.sh start), its CRI client and its env file."""

    def __init__(self, version, base):
        self.version = version
        self.dir = os.path.join(base, "c" + version.replace(".", ""))
        sh(os.path.join(HERE, "containerd.sh"), "start", version, TENANT, self.dir)
        with open(os.path.join(self.dir, "env")) as f:
            self.env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        self.c = cri.Client(self.env["CRI_SOCK"], timeout=60)
        self.roots = {"runc": os.path.join(self.dir, "run", "runc", "k8s.io"),
                      "tenant": os.path.join(self.dir, "run", "tenant-k8s", "k8s.io")}
        self.serial = 0

    def stop(self):
        self.c.close()
        sh(os.path.join(HERE, "containerd.sh"), "stop", self.dir)

    def ctr(self, *args):
        return sh(self.env["CRI_CTR"], "-a", self.env["CRI_SOCK"], "-n", "k8s.io", *args)

    def residue(self):
        """What containerd still holds of the suite once every pod is gone: tasks, containers,
        and snapshots other than the images' committed layers."""
        left = ["task " + line for line in self.ctr("tasks", "ls", "-q").split()]
        left += ["container " + line for line in self.ctr("containers", "ls", "-q").split()]
        for line in self.ctr("snapshots", "ls").splitlines()[1:]:
            f = line.split()
            if f and f[-1] != "Committed":
                left.append("snapshot %s (%s)" % (f[0], f[-1]))
        return left

    def runtime_list(self, handler):
        binary = "/usr/bin/runc" if handler == "runc" else TENANT
        root = self.roots[handler]
        if not os.path.isdir(root):
            return []
        out = sh(binary, "--root", root, "list", "--format", "json")
        return json.loads(out or "null") or []


# A user namespace range per pod: host IDs 65536*k at or above 2^31, as the kubelet allocates.
_next_k = [32768 + (os.getpid() * 7) % 30000]


def new_range():
    _next_k[0] += 1
    return RANGE * _next_k[0]


class Pod:
    """One pod of a scenario: its sandbox config, as the kubelet makes it, and containers."""

    def __init__(self, cd, handler, name, userns=None, network="POD", **extra):
        cd.serial += 1
        self.cd, self.c, self.handler = cd, cd.c, handler
        self.uid = "%s-%s-%d" % (name, handler, cd.serial)
        self.name = name
        self.host_id = userns
        ns = {"network": network, "pid": "CONTAINER", "ipc": "POD"}
        if userns is not None:
            m = [{"container_id": 0, "host_id": userns, "length": RANGE}]
            ns["userns_options"] = {"mode": "POD", "uids": m, "gids": m}
        self.ns = ns
        self.log_dir = os.path.join(cd.env["CRI_LOGS"], "default_%s_%s" % (name, self.uid))
        self.cgroup_parent = "/%s/pod%s" % (cd.env["CRI_CGROUP_PARENT"], self.uid)
        self.config = {
            "metadata": {"name": name, "uid": self.uid, "namespace": "default", "attempt": 0},
            "log_directory": self.log_dir,
            "dns_config": {},
            "labels": {"io.kubernetes.pod.name": name, "io.kubernetes.pod.uid": self.uid},
            "linux": {"cgroup_parent": self.cgroup_parent,
                      "security_context": {"namespace_options": ns,
                                           "seccomp": {"profile_type": "RuntimeDefault"}}},
        }
        if network != "NODE":  # the kubelet sends a hostNetwork pod without a hostname
            self.config["hostname"] = name
        self.config.update(extra)
        self.id = None
        self.containers = []

    def run(self):
        self.id = self.c.run_pod_sandbox(self.config, self.handler).pod_sandbox_id
        return self

    def container(self, name, command, args=(), security=None, start=True, **extra):
        sc = {"namespace_options": self.ns, "seccomp": {"profile_type": "RuntimeDefault"},
              "masked_paths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
              "readonly_paths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                 "/proc/sysrq-trigger"]}
        sc.update(security or {})
        config = {"metadata": {"name": name, "attempt": 0},
                  "image": {"image": self.cd.env["CRI_BUSYBOX_IMAGE"]},
                  "command": list(command), "args": list(args), "log_path": name + "/0.log",
                  "labels": {"io.kubernetes.container.name": name},
                  "linux": {"resources": {"cpu_period": 100000, "cpu_shares": 2},
                            "security_context": sc}}
        config.update(extra)
        cid = self.c.create_container(self.id, config, self.config).container_id
        self.containers.append(cid)
        if start:
            self.c.start_container(cid)
        return cid

    def log_path(self, name):
        return os.path.join(self.log_dir, name, "0.log")

    def down(self):
        """As the kubelet takes a pod down; errors collected, every step tried."""
        errors = []
        for cid in self.containers:
            for call in (lambda: self.c.stop_container(cid, 0),
                         lambda: self.c.remove_container(cid)):
                try:
                    call()
                except cri.CRIError as e:
                    errors.append(str(e))
        if self.id:
            for call in (lambda: self.c.stop_pod_sandbox(self.id),
                         lambda: self.c.remove_pod_sandbox(self.id)):
                try:
                    call()
                except cri.CRIError as e:
                    errors.append(str(e))
        return errors


def out(c, cid, *cmd, timeout=10):
    """ExecSync: stdout, stderr and exit code."""
    r = c.exec_sync(cid, list(cmd), timeout)
    return r.stdout.decode(), r.stderr.decode(), r.exit_code


def stdout_of(c, cid, *cmd):
    o, e, code = out(c, cid, *cmd)
    check(code == 0, "%s exited %d: %s%s" % (" ".join(cmd), code, o, e))
    return o


def status_pid(c, cid):
    info = c.container_status(cid, verbose=True).info
    return json.loads(info["info"])["pid"]


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return line.split()[1:]
    return None


def cgroup_file(cd, pod, cid, controller, name):
    path = "/sys/fs/cgroup/%s%s/%s/%s" % (controller, pod.cgroup_parent, cid, name)
    with open(path) as f:
        return f.read().strip()


# ---- scenarios: each fn(cd, handler, pods) returns the observations compared across handlers.

SCENARIOS = []


def scenario(name, versions=("1.7",), compare=True):
    def add(fn):
        SCENARIOS.append((name, fn, versions, compare))
        return fn
    return add


SEED004 = {"run_as_user": {"value": 1024}, "run_as_group": {"value": 1024},
           "run_as_username": "", "capabilities": {"drop_capabilities": ["ALL"]},
           "no_new_privs": True}


@scenario("seed 004's pod: hostUsers false, 1024:1024, no capabilities, RuntimeDefault seccomp")
def seed004(cd, handler, pods):
    host = new_range()
    pod = Pod(cd, handler, "seed004", userns=host)
    pods.append(pod)
    pod.run()
    cid = pod.container("userns-container", ["sleep", "1000"], security=SEED004)
    ident = stdout_of(cd.c, cid, "id").strip()
    check(ident.startswith("uid=1024(user) gid=1024(user)"), "id printed %r" % ident)
    umap = stdout_of(cd.c, cid, "cat", "/proc/self/uid_map").split()
    check(umap == ["0", str(host), str(RANGE)], "uid_map %s, not 0 %d %d" % (umap, host, RANGE))
    st = stdout_of(cd.c, cid, "grep", "-E", "^(CapEff|NoNewPrivs|Seccomp):", "/proc/self/status")
    check(st.split() == ["CapEff:", "0000000000000000", "NoNewPrivs:", "1", "Seccomp:", "2"],
          "status: %r" % st)
    # On the node: the sleep runs as host UID range + 1024, in a user namespace of its own
    # (the pod's: the pause process's), which lsns lists with that range's IDs.
    pid = status_pid(cd.c, cid)
    uids = proc_status(pid, "Uid")
    check(uids == [str(host + 1024)] * 4, "host UIDs of the sleep: %s" % uids)
    ns = os.readlink("/proc/%d/ns/user" % pid)
    check(ns != os.readlink("/proc/self/ns/user"), "the sleep is in the host's user namespace")
    inode = int(re.search(r"\[(\d+)\]", ns).group(1))
    lsns = json.loads(sh("lsns", "-J", "-t", "user", "-o", "NS,NPROCS,PID,UID,COMMAND"))
    row = [r for r in lsns["namespaces"] if int(r["ns"]) == inode]
    check(row, "lsns -t user does not list %s" % ns)
    # lsns names a namespace by its lowest PID: the pause process, the pod's root (host ID
    # range + 0); util-linux 2.38 prints IDs from 2^31 up as negative numbers.
    check(int(row[0]["uid"]) % (1 << 32) == host,
          "lsns: the namespace's process runs as %s" % row[0]["uid"])
    # kubectl exec -it: a terminal on the pod's devpts, given to the container's user.
    url = cd.c.exec(cid, ["sh", "-c", "tty; stat -c %u $(tty)"], tty=True, stdin=True).url
    code, tty_out, _ = cri.stream_run(url, b"\n")
    tty_out = tty_out.decode().replace("\r", "").split()
    check(code == 0 and tty_out == ["/dev/pts/0", "1024"], "exec -it: %d %s" % (code, tty_out))
    obs = {"id": ident, "uid_map": "0 RANGE 65536", "status": st.split(), "exec -it": tty_out,
           "lsns nprocs": row[0]["nprocs"], "pod shares": None}
    sandbox_pid = json.loads(cd.c.pod_sandbox_status(pod.id, verbose=True).info["info"])["pid"]
    obs["pod shares"] = os.readlink("/proc/%d/ns/user" % sandbox_pid) == ns
    if handler == "tenant":
        # tenant list in the handler's root: the same namespace and range.
        rows = {r["id"]: r for r in cd.runtime_list("tenant")}
        check(cid in rows, "tenant list does not show %s: %s" % (cid, list(rows)))
        r = rows[cid]
        check(r.get("userns") == inode, "tenant list: userns %s, not %d" % (r.get("userns"), inode))
        want = "%d-%d" % (host, host + RANGE - 1)
        check(r.get("hostUids") == want, "tenant list: hostUids %s, not %s" % (r.get("hostUids"), want))
    return obs


@scenario("two hostUsers false pods at once on disjoint ranges, one hostPath volume")
def two_pods(cd, handler, pods):
    shared = os.path.join(cd.dir, "shared-" + handler)
    os.mkdir(shared)
    os.chmod(shared, 0o1777)
    vol = {"container_path": "/shared", "host_path": shared}
    ranges, cids = [], []
    for name in ("alpha", "beta"):
        host = new_range()
        pod = Pod(cd, handler, name, userns=host)
        pods.append(pod)
        pod.run()
        cids.append(pod.container(name, ["sleep", "1000"], security=SEED004, mounts=[vol]))
        ranges.append(host)
    for name, cid in zip(("alpha", "beta"), cids):
        stdout_of(cd.c, cid, "sh", "-c",
                  "umask 077; echo secret-%s > /shared/%s; echo open > /shared/%s.pub; "
                  "chmod 644 /shared/%s.pub" % (name, name, name, name))
    obs = {}
    for name, host in zip(("alpha", "beta"), ranges):
        for f in (name, name + ".pub"):
            st = os.stat(os.path.join(shared, f))
            check((st.st_uid, st.st_gid) == (host + 1024, host + 1024),
                  "%s is owned by %d:%d on the host, not %d" % (f, st.st_uid, st.st_gid, host + 1024))
            obs[f] = "RANGE+1024 %o" % (st.st_mode & 0o777)
    # Each sees the other's file as nobody's, can read the 0644 one, not the 0600 one.
    for cid, other in ((cids[0], "beta"), (cids[1], "alpha")):
        o, e, code = out(cd.c, cid, "cat", "/shared/" + other)
        check(code != 0 and "Permission denied" in e, "read the other pod's 0600 file: %r" % (o + e))
        check(stdout_of(cd.c, cid, "cat", "/shared/%s.pub" % other) == "open\n", "0644 file")
        ls = stdout_of(cd.c, cid, "stat", "-c", "%u:%g", "/shared/" + other).strip()
        obs["%s seen from the other pod" % other] = ls
        check(ls == "65534:65534", "the other pod's file shows as %s" % ls)
    return obs


@scenario("a plain pod: env, args, working dir, read-only rootfs, an emptyDir, status, stats, lists",
          versions=("1.7", "1.6"))
def plain(cd, handler, pods):
    pod = Pod(cd, handler, "plain")
    pods.append(pod)
    pod.run()
    empty = os.path.join(cd.dir, "empty-%s-%d" % (handler, cd.serial))
    os.mkdir(empty)
    os.chmod(empty, 0o777)
    cid = pod.container("main", ["sh", "-c"],
                        ['echo "$GREETING from $(pwd) as $0 $1"; exec sleep 1000', "arg0", "arg1"],
                        envs=[{"key": "GREETING", "value": "hello world"}], working_dir="/tmp",
                        mounts=[{"container_path": "/data", "host_path": empty}],
                        security={"readonly_rootfs": True})
    wait_for(lambda: os.path.exists(pod.log_path("main")) and
             "hello" in open(pod.log_path("main")).read(), what="the container's log")
    log = open(pod.log_path("main")).read().split("\n")[0]
    # CRI's log format: TIME STREAM TAG MESSAGE.
    check(log.split(" ", 3)[1:] == ["stdout", "F", "hello world from /tmp as arg0 arg1"],
          "log line %r" % log)
    o, e, code = out(cd.c, cid, "touch", "/rootfs-file")
    check(code != 0 and "Read-only file system" in e, "read-only rootfs: %r" % (o + e))
    stdout_of(cd.c, cid, "sh", "-c", "echo data > /data/file")
    check(open(os.path.join(empty, "file")).read() == "data\n", "the emptyDir's file")
    env = stdout_of(cd.c, cid, "sh", "-c", 'echo "$GREETING"; pwd').split("\n")
    st = cd.c.container_status(cid).status
    check(cri.pb.ContainerState.Name(st.state) == "CONTAINER_RUNNING", "state %s" % st.state)
    check(st.image.image and st.started_at > 0 and st.log_path == pod.log_path("main"),
          "status: %s" % st)
    stats = cd.c.container_stats(cid).stats
    check(stats.cpu.usage_core_nano_seconds.value > 0, "no CPU figure: %s" % stats.cpu)
    check(stats.memory.working_set_bytes.value > 0, "no memory figure: %s" % stats.memory)
    lists = consistent(cd, pod, {cid: "CONTAINER_RUNNING"})
    return {"log": log.split(" ", 1)[1], "env and cwd": env, "state": "CONTAINER_RUNNING",
            "mounts": sorted(m.container_path for m in st.mounts), "lists": lists}


def consistent(cd, pod, want):
    """ListContainers and ListPodSandbox agree with ContainerStatus and PodSandboxStatus."""
    got = {c.id: cri.pb.ContainerState.Name(c.state)
           for c in cd.c.list_containers({"pod_sandbox_id": pod.id}).containers}
    check(got == want, "ListContainers: %s, not %s" % (got, want))
    for cid, state in want.items():
        st = cri.pb.ContainerState.Name(cd.c.container_status(cid).status.state)
        check(st == state, "ContainerStatus of %s: %s, ListContainers %s" % (cid[:12], st, state))
    sandboxes = {p.id: cri.pb.PodSandboxState.Name(p.state)
                 for p in cd.c.list_pod_sandbox().items}
    check(sandboxes.get(pod.id) == "SANDBOX_READY", "ListPodSandbox: %s" % sandboxes)
    return sorted(want.values())


@scenario("UpdateContainerResources: memory and CPU limits land in the container's cgroup")
def update(cd, handler, pods):
    pod = Pod(cd, handler, "update")
    pods.append(pod)
    pod.run()
    cid = pod.container("main", ["sleep", "1000"],
                        linux={"resources": {"cpu_period": 100000, "cpu_quota": 20000,
                                             "memory_limit_in_bytes": 64 << 20, "cpu_shares": 256},
                               "security_context": {"namespace_options": pod.ns}})
    before = (cgroup_file(cd, pod, cid, "memory", "memory.limit_in_bytes"),
              cgroup_file(cd, pod, cid, "cpu", "cpu.cfs_quota_us"))
    check(before == (str(64 << 20), "20000"), "limits at create: %s" % (before,))
    obs = {}
    for mem, quota in ((128 << 20, 50000), (32 << 20, 10000)):
        cd.c.update_container_resources(cid, {"cpu_period": 100000, "cpu_quota": quota,
                                              "cpu_shares": 512, "memory_limit_in_bytes": mem})
        got = (cgroup_file(cd, pod, cid, "memory", "memory.limit_in_bytes"),
               cgroup_file(cd, pod, cid, "cpu", "cpu.cfs_quota_us"),
               cgroup_file(cd, pod, cid, "cpu", "cpu.shares"))
        check(got == (str(mem), str(quota), "512"), "after the update to %d, %d: %s" % (mem, quota, got))
        obs[str(mem)] = got
    # Still running, and its own view of its limit agrees.
    obs["inside"] = stdout_of(cd.c, cid, "cat", "/sys/fs/cgroup/memory/memory.limit_in_bytes").strip()
    check(obs["inside"] == str(32 << 20), "memory.limit_in_bytes inside: %s" % obs["inside"])
    return obs


@scenario("ExecSync with a timeout, Exec and Attach through the streaming server")
def execs(cd, handler, pods):
    pod = Pod(cd, handler, "exec")
    pods.append(pod)
    pod.run()
    cid = pod.container("main", ["sleep", "1000"],
                        linux={"resources": {"oom_score_adj": 999},
                               "security_context": {"namespace_options": pod.ns}})
    obs = {"exec-sync": out(cd.c, cid, "sh", "-c", "echo out; echo err >&2; exit 3")}
    # Every exec'd process gets the container's oom_score_adj (runc's rule): the OOM killer
    # then takes an exec'd process before the container's own.
    obs["oom_score_adj"] = stdout_of(cd.c, cid, "cat", "/proc/self/oom_score_adj").strip()
    check(obs["oom_score_adj"] == "999", "an exec's oom_score_adj: %s" % obs["oom_score_adj"])
    check(obs["exec-sync"] == ("out\n", "err\n", 3), "ExecSync: %s" % (obs["exec-sync"],))
    t0 = time.monotonic()
    try:
        r = cd.c.exec_sync(cid, ["sleep", "30"], 1)
        obs["timeout"] = "returned %d" % r.exit_code
    except cri.CRIError as e:
        obs["timeout"] = re.sub(r"\d+(\.\d+)?m?s", "T", e.details)
    took = time.monotonic() - t0
    check(took < 10 and "timeout" in obs["timeout"], "ExecSync timeout 1: %s after %.1f s"
          % (obs["timeout"], took))
    left = stdout_of(cd.c, cid, "ps", "-o", "args")
    check("sleep 30" not in left, "the timed-out exec still runs: %s" % left)
    url = cd.c.exec(cid, ["sh", "-c", "echo streamed; echo oops >&2; exit 7"]).url
    obs["exec"] = cri.stream_run(url)
    check(obs["exec"] == (7, b"streamed\n", b"oops\n"), "Exec: %s" % (obs["exec"],))
    url = cd.c.exec(cid, ["sh", "-c", "read l; echo got $l"], stdin=True).url
    obs["exec stdin"] = cri.stream_run(url, b"line\n")
    check(obs["exec stdin"][:2] == (0, b"got line\n"), "Exec stdin: %s" % (obs["exec stdin"],))
    # Attach to a container that reads one line from its stdin and answers.
    cid2 = pod.container("attached", ["sh", "-c", "read l; echo answer $l; sleep 1000"],
                         stdin=True, stdin_once=False)
    url = cd.c.attach(cid2, stdin=True).url
    s = cri.Stream(url)
    try:
        s.send(0, b"ping\n")
        got = b""
        for ch, data in s.messages():
            if ch == 1:
                got += data
            if b"\n" in got:
                break
    finally:
        s.close()
    obs["attach"] = got
    check(got == b"answer ping\n", "Attach: %r" % got)
    return obs


@scenario("ReopenContainerLog, StopContainer with a grace period (SIGTERM, then SIGKILL), removal")
def lifecycle(cd, handler, pods):
    pod = Pod(cd, handler, "life")
    pods.append(pod)
    pod.run()
    talker = pod.container("talker", ["sh", "-c"],
                           ['trap "echo got TERM; exit 3" TERM; i=0; '
                            'while :; do echo line $i; i=$((i+1)); sleep 0.2; done'])
    deaf = pod.container("deaf", ["sleep", "1000"])
    log = pod.log_path("talker")
    wait_for(lambda: os.path.exists(log) and "line 1" in open(log).read(), what="the log")
    os.rename(log, log + ".1")
    cd.c.reopen_container_log(talker)
    wait_for(lambda: os.path.exists(log) and "line" in open(log).read(), what="a reopened log")
    obs = {"lists": consistent(cd, pod, {talker: "CONTAINER_RUNNING", deaf: "CONTAINER_RUNNING"})}
    t0 = time.monotonic()
    cd.c.stop_container(talker, 10)
    took = time.monotonic() - t0
    st = cd.c.container_status(talker).status
    obs["talker"] = (cri.pb.ContainerState.Name(st.state), st.exit_code, st.reason)
    check(took < 5 and st.exit_code == 3, "SIGTERM handled: exit %d after %.1f s" % (st.exit_code, took))
    check("got TERM" in open(log).read(), "the trap's output is not in the log")
    t0 = time.monotonic()
    cd.c.stop_container(deaf, 2)
    took = time.monotonic() - t0
    st = cd.c.container_status(deaf).status
    obs["deaf"] = (cri.pb.ContainerState.Name(st.state), st.exit_code, st.reason)
    check(2 <= took < 8 and st.exit_code == 137, "SIGKILL after the grace period: exit %d after %.1f s"
          % (st.exit_code, took))
    obs["lists after stop"] = consistent(cd, pod, {talker: "CONTAINER_EXITED", deaf: "CONTAINER_EXITED"})
    for cid in (talker, deaf):
        cd.c.remove_container(cid)
        pod.containers.remove(cid)
    check(not [r for r in cd.runtime_list(handler) if r["id"] in (talker, deaf)],
          "the runtime still lists a removed container")
    obs["lists after removal"] = consistent(cd, pod, {})
    cd.c.stop_pod_sandbox(pod.id)
    sandboxes = {p.id: cri.pb.PodSandboxState.Name(p.state) for p in cd.c.list_pod_sandbox().items}
    check(sandboxes.get(pod.id) == "SANDBOX_NOTREADY", "after StopPodSandbox: %s" % sandboxes)
    cd.c.remove_pod_sandbox(pod.id)
    check(pod.id not in [p.id for p in cd.c.list_pod_sandbox().items], "the removed pod is listed")
    pod.id = None
    return obs


@scenario("mount propagation: Bidirectional and HostToContainer volumes of a privileged pod")
def propagation(cd, handler, pods):
    shared = os.path.join(cd.dir, "prop-" + handler)
    os.mkdir(shared)
    sh("mount", "-t", "tmpfs", "cri-prop", shared)
    try:
        sh("mount", "--make-shared", shared)
        for d in ("both", "down"):
            os.mkdir(os.path.join(shared, d))
        pod = Pod(cd, handler, "prop")
        pod.config["linux"]["security_context"]["privileged"] = True
        pods.append(pod)
        pod.run()
        cid = pod.container("main", ["sleep", "1000"], security={"privileged": True}, mounts=[
            {"container_path": "/both", "host_path": shared, "propagation": "PROPAGATION_BIDIRECTIONAL"},
            {"container_path": "/down", "host_path": shared,
             "propagation": "PROPAGATION_HOST_TO_CONTAINER"}])
        stdout_of(cd.c, cid, "mount", "-t", "tmpfs", "inner", "/both/both")
        up = subprocess.run(["mountpoint", "-q", os.path.join(shared, "both")]).returncode == 0
        sh("mount", "-t", "tmpfs", "outer", os.path.join(shared, "down"))
        seen = stdout_of(cd.c, cid, "grep", "-c", " /down/down ", "/proc/self/mountinfo").strip()
        check(up, "a mount in the Bidirectional volume did not reach the host")
        check(seen == "1", "a host mount did not reach the HostToContainer volume")
        return {"container to host": up, "host to container": seen}
    finally:
        for d in ("both", "down", ""):
            subprocess.run(["umount", "-l", os.path.join(shared, d)], stderr=subprocess.DEVNULL)


def error_of(fn):
    try:
        fn()
    except cri.CRIError as e:
        return "%s: %s" % (e.method, e.details)
    return None


@scenario("failures reach the CRI client with their cause, as runc's do", compare=False)
def failures(cd, handler, pods):
    obs = {}
    pod = Pod(cd, handler, "fail")
    pods.append(pod)
    pod.run()
    e = error_of(lambda: pod.container("noexec", ["/nonexistent"]))
    check(e and e.startswith("StartContainer") and "/nonexistent" in e and
          re.search("no such file or directory", e, re.I), "a missing executable: %s" % e)
    obs["missing executable"] = e
    for name, profile, words in (
            ("action", {"defaultAction": "SCMP_ACT_ALLOW",
                        "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_BOGUS"}]},
             ("SCMP_ACT_BOGUS",)),
            ("argument", {"defaultAction": "SCMP_ACT_ALLOW",
                          "syscalls": [{"names": ["getcwd"], "action": "SCMP_ACT_ERRNO",
                                        "args": [{"index": 9, "value": 1, "op": "SCMP_CMP_EQ"}]}]},
             ("9",))):
        path = os.path.join(cd.dir, "seccomp-%s.json" % name)
        with open(path, "w") as f:
            json.dump(profile, f)
        sc = {"seccomp": {"profile_type": "Localhost", "localhost_ref": path}}
        e = error_of(lambda: pod.container("seccomp-" + name, ["sleep", "1"], security=sc))
        check(e and e.startswith("StartContainer") and all(w in e for w in words),
              "a bad seccomp profile (%s): %s" % (name, e))
        obs["seccomp " + name] = e
    # A user the pod's user namespace does not map: StartContainer fails, naming it.
    upod = Pod(cd, handler, "fail-user", userns=new_range())
    pods.append(upod)
    upod.run()
    e = error_of(lambda: upod.container("unmapped", ["sleep", "1"],
                                        security={"run_as_user": {"value": 70000}}))
    check(e and e.startswith("StartContainer") and "unmapped user" in e,
          "a user outside the pod's range: %s" % e)
    obs["unmapped user"] = e
    # A mapping that leaves the container's root unmapped, one that runs past the last ID.
    for name, m in (("root unmapped", {"container_id": 1, "host_id": new_range(), "length": RANGE}),
                    ("past the last ID", {"container_id": 0, "host_id": 4294967295 - 100,
                                          "length": RANGE})):
        bad = Pod(cd, handler, "badmap")
        pods.append(bad)
        bad.ns["userns_options"] = {"mode": "POD", "uids": [m], "gids": [m]}
        e = error_of(bad.run)
        obs["mapping " + name] = e
        check(e and e.startswith("RunPodSandbox"), "mapping %s: %s" % (name, e))
        if handler == "tenant":
            check("uidMappings" in e and ("UID 0" in e or "4294967295" in e),
                  "mapping %s: %s" % (name, e))
    return obs


@scenario("a hostNetwork pod, and one with a user namespace too (containerd 1.7 sends it)",
          compare=False)
def hostnet(cd, handler, pods):
    pod = Pod(cd, handler, "hostnet", network="NODE")
    pods.append(pod)
    pod.run()
    cid = pod.container("main", ["sleep", "1000"])
    links = stdout_of(cd.c, cid, "cat", "/proc/net/dev")
    check(links == open("/proc/net/dev").read().replace(links, links) and
          os.readlink("/proc/%d/ns/net" % status_pid(cd.c, cid)) == os.readlink("/proc/self/ns/net"),
          "the hostNetwork container is not in the node's network namespace")
    obs = {"hostNetwork": "node's network namespace"}
    # With a user namespace: runc 1.1.5 cannot mount sysfs for it (the node's network
    # namespace is not the pod's user namespace's); tenant must fail as clearly or work.
    upod = Pod(cd, handler, "hostnet-userns", userns=new_range(), network="NODE")
    pods.append(upod)
    e = error_of(upod.run)
    if e is None:
        e = error_of(lambda: upod.container("main", ["sleep", "1000"], security=SEED004))
    if e is None:
        cid = upod.containers[-1]
        pid = status_pid(cd.c, cid)
        check(os.readlink("/proc/%d/ns/net" % pid) == os.readlink("/proc/self/ns/net"),
              "not in the node's network namespace")
        check(proc_status(pid, "Uid")[0] == str(upod.host_id + 1024), "not in the pod's range")
        obs["with userns"] = "runs"
    else:
        check(re.search(r"sysfs|namespace", e), "hostNetwork with a user namespace: %s" % e)
        obs["with userns"] = e
    return obs


# ---- the runner

def leftovers(cd):
    """What the runtimes still hold after a scenario: their containers."""
    left = []
    for h in HANDLERS:
        for r in cd.runtime_list(h):
            left.append("%s still lists %s (%s)" % (h, r["id"][:12], r["status"]))
    return left


def run_scenario(cd, fn, handler):
    pods = []
    try:
        return fn(cd, handler, pods), None
    except (Fail, cri.CRIError) as e:
        return None, str(e)
    except Exception:  # a bug of the suite: shown whole
        return None, traceback.format_exc()
    finally:
        for p in pods:
            p.down()


def host_traces(dirs, cgroup_parent):
    """Processes, mounts and cgroups that name one of the containerd directories; the pods'
    cgroup parent in any hierarchy."""
    found = []
    for h in ["/sys/fs/cgroup"] + ["/sys/fs/cgroup/" + d for d in os.listdir("/sys/fs/cgroup")]:
        if cgroup_parent and os.path.isdir(os.path.join(h, cgroup_parent)):
            found.append("cgroup " + os.path.join(h, cgroup_parent))
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = open("/proc/%s/cmdline" % pid, "rb").read().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if any(d in cmd for d in dirs):
            found.append("process %s: %s" % (pid, cmd[:120]))
    for line in open("/proc/self/mountinfo"):
        if any(d in line for d in dirs):
            found.append("mount " + line.split()[4])
    for d in dirs:
        if os.path.exists(d):
            found.append("directory " + d)
    return found


def demo():
    """make demo-kubernetes: seed 004's pod with tenant as the handler, shown as the seed shows
    it: from the pod (id, uid_map) and from the node (lsns, ps, tenant list)."""
    prepare()
    base = os.path.join(ROOT, "build", "cri", "run")
    os.makedirs(base, exist_ok=True)
    os.chmod(base, 0o711)
    cd = Containerd("1.7", base)
    pod = None
    try:
        host = new_range()
        print("RunPodSandbox: handler tenant, userns_options mode POD, uids and gids 0:%d:%d"
              % (host, RANGE))
        pod = Pod(cd, "tenant", "userns-pod", userns=host).run()
        print("CreateContainer, StartContainer: runAsUser 1024, runAsGroup 1024, capabilities "
              "drop ALL, no_new_privs, seccomp RuntimeDefault: sleep 1000")
        cid = pod.container("userns-container", ["sleep", "1000"], security=SEED004)
        for cmd in (["id"], ["cat", "/proc/self/uid_map"], ["ps", "-o", "pid,user,args"]):
            print("\n$ crictl exec %s %s" % (cid[:12], " ".join(cmd)))
            o, e, _ = out(cd.c, cid, *cmd)
            print((o + e).rstrip())
        pid = status_pid(cd.c, cid)
        print("\n# on the node: lsns -t user -p %d" % pid)
        print(sh("lsns", "-t", "user", "-p", str(pid)).rstrip())
        print("# the sleep's host UID (/proc/%d/status): %s" % (pid, proc_status(pid, "Uid")[0]))
        print("\n# on the node: tenant --root %s list -f wide" % cd.roots["tenant"])
        print(sh(TENANT, "--root", cd.roots["tenant"], "list", "-f", "wide").rstrip())
    finally:
        if pod:
            pod.down()
        cd.stop()


def main():
    if sys.argv[1:] == ["--demo"]:
        return demo()
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    chosen = [s for s in SCENARIOS if pattern in s[0]]
    versions = [v for v in ("1.7", "1.6") if any(v in s[2] for s in chosen)]
    tests = [(v, s) for v in versions for s in chosen if v in s[2]]
    print("1..%d" % (len(tests) + len(versions)), flush=True)
    prepare()
    base = os.path.join(ROOT, "build", "cri", "run")
    os.makedirs(base, exist_ok=True)
    os.chmod(base, 0o711)
    n = 0
    for v in versions:
        cd = None
        dirs = []
        residue = []
        try:
            cd = Containerd(v, base)
            dirs = [cd.dir]
            for version, (name, fn, _, compare) in tests:
                if version != v:
                    continue
                n += 1
                res = {h: run_scenario(cd, fn, h) for h in HANDLERS}
                problems = ["%s: %s" % (h, res[h][1]) for h in HANDLERS if res[h][1]]
                problems += leftovers(cd)
                if compare and not problems and res["runc"][0] != res["tenant"][0]:
                    problems.append("runc and tenant differ:\n  runc:   %s\n  tenant: %s"
                                    % (res["runc"][0], res["tenant"][0]))
                print("%s %d containerd %s: %s" % ("not ok" if problems else "ok", n, v, name))
                for p in problems:
                    print("\n".join("# " + line for line in p.split("\n")))
                if not problems:
                    print("# tenant: %s" % json.dumps(res["tenant"][0], default=str)[:600])
                sys.stdout.flush()
            residue = ["containerd holds " + what for what in cd.residue()]
        except Exception as e:
            print("# containerd %s: %s" % (v, e))
        finally:
            if cd:
                cd.stop()
            elif os.path.isdir(os.path.join(base, "c" + v.replace(".", ""))):
                sh(os.path.join(HERE, "containerd.sh"), "stop",
                   os.path.join(base, "c" + v.replace(".", "")), ok=False)
        n += 1
        traces = residue + host_traces(dirs or [os.path.join(base, "c" + v.replace(".", ""))],
                                       cd.env["CRI_CGROUP_PARENT"] if cd else None)
        print("%s %d containerd %s: nothing left behind (tasks, snapshots, processes, mounts, "
              "cgroups, state)"
              % ("not ok" if traces or not cd else "ok", n, v))
        for t in traces:
            print("# " + t)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
