#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A small CRI v1 client (library and command line) that calls a container runtime's CRI
socket the way the kubelet does. Run it with /usr/bin/python3 (Debian's grpc modules); the
generated modules come from build/cri/py (tests/cri/fetch.sh makes them).

    cri.py [-a SOCKET] [--timeout SECONDS] COMMAND ARGS...

SOCKET defaults to $CRI_SOCK. JSON arguments are a file name, "-" for standard input, or the
JSON text itself; they are parsed with json_format.ParseDict into the message the kubelet sends
(a PodSandboxConfig, a ContainerConfig, ...), so both camelCase and snake_case field names do.
Replies are printed as JSON (json_format.MessageToJson, camelCase), for jq. A gRPC error prints
"cri.py: METHOD: CODE: details" on standard error and exits 1.

  version                                Version
  status [--verbose]                     Status (runtime and network conditions)
  runp [--runtime HANDLER] POD           RunPodSandbox; prints {"podSandboxId": ...}
  inspectp [--verbose] POD-ID            PodSandboxStatus
  stopp POD-ID                           StopPodSandbox
  rmp POD-ID                             RemovePodSandbox
  pods [FILTER]                          ListPodSandbox (FILTER: a PodSandboxFilter)
  create POD-ID CONTAINER POD            CreateContainer (POD: the sandbox's config again,
                                         as the kubelet sends it); prints {"containerId": ...}
  start ID                               StartContainer
  inspect [--verbose] ID                 ContainerStatus
  stats ID                               ContainerStats
  ps [FILTER]                            ListContainers (FILTER: a ContainerFilter)
  update ID RESOURCES                    UpdateContainerResources (a LinuxContainerResources)
  exec-sync [--timeout N] [--raw] ID CMD...
                                         ExecSync; prints stdout, stderr (as text) and
                                         exitCode; --raw writes the command's stdout and
                                         stderr as they are and exits with its exit code
  exec [--tty] [--stdin] [--run] ID CMD...
                                         Exec; prints the streaming URL, or with --run connects
                                         to it (WebSocket, v4.channel.k8s.io), relays the
                                         output and exits with the command's exit code;
                                         --stdin sends all of standard input first (the v4
                                         protocol cannot close it: the command sees no EOF);
                                         seen here: --tty without --stdin loses the output
                                         after its first read (containerd 1.7 and runc)
  attach [--tty] [--stdin] [--run] ID    Attach, likewise
  reopen-log ID                          ReopenContainerLog
  stop [--timeout N] ID                  StopContainer (N seconds before SIGKILL; default 0)
  rm ID                                  RemoveContainer
  images [FILTER]                        ListImages
  image-status [--verbose] REF           ImageStatus
  call SERVICE METHOD REQUEST            any other call: SERVICE is runtime or image
  wait-ready [SECONDS]                   retries Version until it answers (default 30 s)
  clean [--timeout N]                    stops and removes every container and pod
"""
import base64
import json
import os
import socket
import struct
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("CRI_PY", os.path.join(HERE, "..", "..", "build", "cri", "py")))

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402

import api_pb2 as pb  # noqa: E402
import api_pb2_grpc as pb_grpc  # noqa: E402


class CRIError(Exception):
    """A gRPC call that failed: method, status code name and details."""

    def __init__(self, method, code, details):
        super().__init__("%s: %s: %s" % (method, code, details))
        self.method, self.code, self.details = method, code, details


def message(cls, value):
    """A protobuf message of class cls from a dict (or a message already)."""
    if isinstance(value, cls):
        return value
    return json_format.ParseDict(value or {}, cls())


def to_dict(msg):
    return json_format.MessageToDict(msg, including_default_value_fields=True)


def to_json(msg):
    return json_format.MessageToJson(msg, indent=2, including_default_value_fields=True)


class Client:
    """The kubelet's CRI calls, each with a deadline (seconds)."""

    def __init__(self, address=None, timeout=120.0):
        address = address or os.environ.get("CRI_SOCK")
        if not address:
            raise ValueError("no CRI socket: pass one or set CRI_SOCK")
        if "://" not in address:
            address = "unix://" + os.path.abspath(address)
        self.address = address
        self.timeout = timeout
        self.channel = grpc.insecure_channel(address, options=[
            ("grpc.max_receive_message_length", 16 << 20),
            ("grpc.max_send_message_length", 16 << 20),
        ])
        self.runtime = pb_grpc.RuntimeServiceStub(self.channel)
        self.image = pb_grpc.ImageServiceStub(self.channel)

    def close(self):
        self.channel.close()

    def _call(self, stub, method, request, timeout=None):
        try:
            return getattr(stub, method)(request, timeout=timeout or self.timeout)
        except grpc.RpcError as e:
            raise CRIError(method, e.code().name, e.details()) from None

    def rt(self, method, request, timeout=None):
        return self._call(self.runtime, method, request, timeout)

    def im(self, method, request, timeout=None):
        return self._call(self.image, method, request, timeout)

    # Runtime service.
    def version(self):
        return self.rt("Version", pb.VersionRequest(version="v1"))

    def status(self, verbose=False):
        return self.rt("Status", pb.StatusRequest(verbose=verbose))

    def run_pod_sandbox(self, config, runtime_handler=""):
        return self.rt("RunPodSandbox", pb.RunPodSandboxRequest(
            config=message(pb.PodSandboxConfig, config), runtime_handler=runtime_handler))

    def pod_sandbox_status(self, pod_id, verbose=False):
        return self.rt("PodSandboxStatus", pb.PodSandboxStatusRequest(
            pod_sandbox_id=pod_id, verbose=verbose))

    def stop_pod_sandbox(self, pod_id):
        return self.rt("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=pod_id))

    def remove_pod_sandbox(self, pod_id):
        return self.rt("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=pod_id))

    def list_pod_sandbox(self, filter=None):
        req = pb.ListPodSandboxRequest()
        if filter:
            req.filter.CopyFrom(message(pb.PodSandboxFilter, filter))
        return self.rt("ListPodSandbox", req)

    def create_container(self, pod_id, config, sandbox_config):
        return self.rt("CreateContainer", pb.CreateContainerRequest(
            pod_sandbox_id=pod_id, config=message(pb.ContainerConfig, config),
            sandbox_config=message(pb.PodSandboxConfig, sandbox_config)))

    def start_container(self, cid):
        return self.rt("StartContainer", pb.StartContainerRequest(container_id=cid))

    def container_status(self, cid, verbose=False):
        return self.rt("ContainerStatus", pb.ContainerStatusRequest(
            container_id=cid, verbose=verbose))

    def container_stats(self, cid):
        return self.rt("ContainerStats", pb.ContainerStatsRequest(container_id=cid))

    def list_containers(self, filter=None):
        req = pb.ListContainersRequest()
        if filter:
            req.filter.CopyFrom(message(pb.ContainerFilter, filter))
        return self.rt("ListContainers", req)

    def update_container_resources(self, cid, linux):
        return self.rt("UpdateContainerResources", pb.UpdateContainerResourcesRequest(
            container_id=cid, linux=message(pb.LinuxContainerResources, linux)))

    def exec_sync(self, cid, cmd, timeout=0):
        # The kubelet's deadline is the command's timeout plus some slack.
        deadline = (timeout + 30) if timeout else None
        return self.rt("ExecSync", pb.ExecSyncRequest(container_id=cid, cmd=cmd, timeout=timeout),
                       deadline)

    def exec(self, cid, cmd, tty=False, stdin=False, stdout=True, stderr=True):
        return self.rt("Exec", pb.ExecRequest(container_id=cid, cmd=cmd, tty=tty, stdin=stdin,
                                              stdout=stdout, stderr=stderr and not tty))

    def attach(self, cid, tty=False, stdin=False, stdout=True, stderr=True):
        return self.rt("Attach", pb.AttachRequest(container_id=cid, tty=tty, stdin=stdin,
                                                  stdout=stdout, stderr=stderr and not tty))

    def reopen_container_log(self, cid):
        return self.rt("ReopenContainerLog", pb.ReopenContainerLogRequest(container_id=cid))

    def stop_container(self, cid, timeout=0):
        # As the kubelet: the call's deadline is the grace period plus some slack.
        return self.rt("StopContainer", pb.StopContainerRequest(container_id=cid, timeout=timeout),
                       self.timeout + timeout)

    def remove_container(self, cid):
        return self.rt("RemoveContainer", pb.RemoveContainerRequest(container_id=cid))

    # Image service.
    def list_images(self, filter=None):
        req = pb.ListImagesRequest()
        if filter:
            req.filter.CopyFrom(message(pb.ImageFilter, filter))
        return self.im("ListImages", req)

    def image_status(self, ref, verbose=False):
        return self.im("ImageStatus", pb.ImageStatusRequest(image=pb.ImageSpec(image=ref),
                                                            verbose=verbose))

    # Helpers.
    def wait_ready(self, seconds=30.0):
        end = time.monotonic() + seconds
        while True:
            try:
                return self.rt("Version", pb.VersionRequest(version="v1"), 2)
            except CRIError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)

    def clean(self, timeout=0):
        """Stops and removes every container, then every pod; returns the errors met."""
        errors = []
        for c in self.list_containers().containers:
            for call in (lambda: self.stop_container(c.id, timeout),
                         lambda: self.remove_container(c.id)):
                try:
                    call()
                except CRIError as e:
                    errors.append(str(e))
        for p in self.list_pod_sandbox().items:
            for call in (lambda: self.stop_pod_sandbox(p.id),
                         lambda: self.remove_pod_sandbox(p.id)):
                try:
                    call()
                except CRIError as e:
                    errors.append(str(e))
        return errors


# A minimal client for the CRI streaming server's exec and attach URLs: WebSocket (RFC 6455)
# with the v4.channel.k8s.io subprotocol, where every binary message starts with its channel
# (0 stdin, 1 stdout, 2 stderr, 3 error: a JSON status at the end, 4 resize).
class Stream:
    PROTOCOL = "v4.channel.k8s.io"

    def __init__(self, url, timeout=60.0):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http":
            raise ValueError("unsupported streaming URL: " + url)
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + ("?" + u.query if u.query else "")
        req = ("GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Protocol: %s\r\nOrigin: http://%s\r\n\r\n"
               % (path, u.netloc, key, self.PROTOCOL, u.netloc))
        self.sock.sendall(req.encode())
        self.buf = b""
        head = self._read_until(b"\r\n\r\n").decode("latin-1")
        status = head.split("\r\n", 1)[0]
        if " 101 " not in status + " ":
            raise ConnectionError("streaming server answered: " + status)

    def _read_until(self, sep):
        while sep not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("connection closed during the handshake")
            self.buf += data
        head, self.buf = self.buf.split(sep, 1)
        return head

    def _read(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send_frame(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, channel, data):
        self._send_frame(0x2, bytes([channel]) + data)

    def messages(self):
        """Yields (channel, data) until the server closes."""
        frag = b""
        while True:
            try:
                b0, b1 = self._read(2)
            except EOFError:
                return
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x8:  # close
                try:
                    self._send_frame(0x8, payload[:2])
                except OSError:
                    pass
                return
            if opcode == 0x9:  # ping
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            frag += payload
            if not b0 & 0x80:
                continue
            data, frag = frag, b""
            if data:
                yield data[0], data[1:]

    def close(self):
        self.sock.close()


def stream_run(url, stdin_data=None, out=None, err=None):
    """Runs an exec or attach URL to its end; returns (exit code, stdout, stderr), with the
    output also written to the files out and err when they are given."""
    s = Stream(url)
    stdout, stderr, status = b"", b"", b""
    try:
        if stdin_data:
            s.send(0, stdin_data)
        for ch, data in s.messages():
            if ch == 1:
                stdout += data
                if out:
                    out.write(data)
                    out.flush()
            elif ch == 2:
                stderr += data
                if err:
                    err.write(data)
                    err.flush()
            elif ch == 3:
                status += data
    finally:
        s.close()
    code = 0
    if status:
        st = json.loads(status)
        if st.get("status") != "Success":
            code = 1
            for cause in (st.get("details") or {}).get("causes") or []:
                if cause.get("reason") == "ExitCode":
                    code = int(cause.get("message", 1))
            if code == 1 and err and st.get("message"):
                err.write(("cri.py: %s\n" % st["message"]).encode())
    return code, stdout, stderr


# The command line.
def load_json(arg):
    if arg == "-":
        return json.load(sys.stdin)
    if arg.lstrip().startswith(("{", "[")):
        return json.loads(arg)
    with open(arg) as f:
        return json.load(f)


def take_opts(args, flags, valued):
    """Leading options of a subcommand: flags (no value) and valued ones."""
    opts = {}
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--":
            break
        if a in flags:
            opts[a] = True
        elif a in valued and args:
            opts[a] = args.pop(0)
        else:
            raise SystemExit("cri.py: unknown option " + a)
    return opts


def need(args, n, usage):
    if len(args) < n:
        raise SystemExit("usage: cri.py " + usage)


def exec_sync_dict(resp):
    return {"stdout": resp.stdout.decode("utf-8", "replace"),
            "stderr": resp.stderr.decode("utf-8", "replace"), "exitCode": resp.exit_code}


def run(argv):
    args = list(argv)
    address = None
    timeout = 120.0
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a in ("-a", "--address") and args:
            address = args.pop(0)
        elif a == "--timeout" and args:
            timeout = float(args.pop(0))
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            raise SystemExit("cri.py: unknown option " + a)
    if not args:
        raise SystemExit(__doc__)
    cmd = args.pop(0)
    c = Client(address, timeout)
    show = lambda m: print(to_json(m))  # noqa: E731
    if cmd == "version":
        show(c.version())
    elif cmd == "status":
        o = take_opts(args, {"--verbose"}, set())
        show(c.status("--verbose" in o))
    elif cmd == "runp":
        o = take_opts(args, set(), {"--runtime"})
        need(args, 1, "runp [--runtime HANDLER] POD")
        show(c.run_pod_sandbox(load_json(args[0]), o.get("--runtime", "")))
    elif cmd == "inspectp":
        o = take_opts(args, {"--verbose"}, set())
        need(args, 1, "inspectp [--verbose] POD-ID")
        show(c.pod_sandbox_status(args[0], "--verbose" in o))
    elif cmd == "stopp":
        need(args, 1, "stopp POD-ID")
        show(c.stop_pod_sandbox(args[0]))
    elif cmd == "rmp":
        need(args, 1, "rmp POD-ID")
        show(c.remove_pod_sandbox(args[0]))
    elif cmd == "pods":
        show(c.list_pod_sandbox(load_json(args[0]) if args else None))
    elif cmd == "create":
        need(args, 3, "create POD-ID CONTAINER POD")
        show(c.create_container(args[0], load_json(args[1]), load_json(args[2])))
    elif cmd == "start":
        need(args, 1, "start ID")
        show(c.start_container(args[0]))
    elif cmd == "inspect":
        o = take_opts(args, {"--verbose"}, set())
        need(args, 1, "inspect [--verbose] ID")
        show(c.container_status(args[0], "--verbose" in o))
    elif cmd == "stats":
        need(args, 1, "stats ID")
        show(c.container_stats(args[0]))
    elif cmd == "ps":
        show(c.list_containers(load_json(args[0]) if args else None))
    elif cmd == "update":
        need(args, 2, "update ID RESOURCES")
        show(c.update_container_resources(args[0], load_json(args[1])))
    elif cmd == "exec-sync":
        o = take_opts(args, {"--raw"}, {"--timeout"})
        need(args, 2, "exec-sync [--timeout N] [--raw] ID CMD...")
        resp = c.exec_sync(args[0], args[1:], int(o.get("--timeout", 0)))
        if "--raw" in o:
            sys.stdout.buffer.write(resp.stdout)
            sys.stdout.flush()
            sys.stderr.buffer.write(resp.stderr)
            return resp.exit_code
        print(json.dumps(exec_sync_dict(resp), indent=2))
    elif cmd in ("exec", "attach"):
        o = take_opts(args, {"--tty", "--stdin", "--run"}, set())
        need(args, 2 if cmd == "exec" else 1, cmd + " [--tty] [--stdin] [--run] ID CMD...")
        tty, stdin = "--tty" in o, "--stdin" in o
        if cmd == "exec":
            resp = c.exec(args[0], args[1:], tty=tty, stdin=stdin)
        else:
            resp = c.attach(args[0], tty=tty, stdin=stdin)
        if "--run" not in o:
            show(resp)
            return 0
        data = sys.stdin.buffer.read() if stdin else None
        code, _, _ = stream_run(resp.url, data, sys.stdout.buffer, sys.stderr.buffer)
        return code
    elif cmd == "reopen-log":
        need(args, 1, "reopen-log ID")
        show(c.reopen_container_log(args[0]))
    elif cmd == "stop":
        o = take_opts(args, set(), {"--timeout"})
        need(args, 1, "stop [--timeout N] ID")
        show(c.stop_container(args[0], int(o.get("--timeout", 0))))
    elif cmd == "rm":
        need(args, 1, "rm ID")
        show(c.remove_container(args[0]))
    elif cmd == "images":
        show(c.list_images(load_json(args[0]) if args else None))
    elif cmd == "image-status":
        o = take_opts(args, {"--verbose"}, set())
        need(args, 1, "image-status [--verbose] REF")
        show(c.image_status(args[0], "--verbose" in o))
    elif cmd == "call":
        need(args, 3, "call runtime|image METHOD REQUEST")
        service, method = args[0], args[1]
        stub = {"runtime": c.runtime, "image": c.image}.get(service)
        if stub is None:
            raise SystemExit("cri.py: SERVICE is runtime or image")
        req_cls = getattr(pb, method + "Request", None)
        if req_cls is None:
            raise SystemExit("cri.py: no message %sRequest" % method)
        show(c._call(stub, method, message(req_cls, load_json(args[2]))))
    elif cmd == "wait-ready":
        show(c.wait_ready(float(args[0]) if args else 30.0))
    elif cmd == "clean":
        o = take_opts(args, set(), {"--timeout"})
        errors = c.clean(int(o.get("--timeout", 0)))
        for e in errors:
            print("cri.py: " + e, file=sys.stderr)
        return 1 if errors else 0
    else:
        raise SystemExit("cri.py: unknown command %s (cri.py --help)" % cmd)
    return 0


def main():
    try:
        sys.exit(run(sys.argv[1:]))
    except CRIError as e:
        print("cri.py: %s: %s: %s" % (e.method, e.code, e.details), file=sys.stderr)
        sys.exit(1)
    except (json.JSONDecodeError, json_format.ParseError, OSError, ValueError,
            ConnectionError) as e:
        print("cri.py: %s" % e, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
