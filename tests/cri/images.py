#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the CRI harness's two images as OCI image layout tars (for `ctr images import`).

    tests/cri/images.py PAUSE-BINARY BUSYBOX-BINARY OUTDIR

OUTDIR/pause.tar   localhost/tenant-pause:1    /pause (tests/cri/pause.c, static) alone
OUTDIR/busybox.tar localhost/tenant-busybox:1  busybox with its applets as symlinks, /etc/passwd
                                               and /etc/group with root, nobody and user 1024
Each has one uncompressed layer; tar entries are owned by root with a fixed mtime, so the same
inputs give the same digests.
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

PAUSE_REF = "localhost/tenant-pause:1"
BUSYBOX_REF = "localhost/tenant-busybox:1"
MTIME = 1700000000


class Layer:
    """An in-memory layer tar."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.tar = tarfile.open(fileobj=self.buf, mode="w", format=tarfile.PAX_FORMAT)
        self.dirs = set()

    def _info(self, name, kind, mode):
        ti = tarfile.TarInfo(name)
        ti.type = kind
        ti.mode = mode
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = "root"
        ti.mtime = MTIME
        return ti

    def _parent(self, name):
        parent = os.path.dirname(name)
        if parent and parent not in self.dirs:
            self.dir(parent)

    def dir(self, name, mode=0o755):
        name = name.strip("/")
        self._parent(name)
        if name in self.dirs:
            return
        self.dirs.add(name)
        self.tar.addfile(self._info(name, tarfile.DIRTYPE, mode))

    def file(self, name, data, mode=0o644):
        name = name.strip("/")
        self._parent(name)
        ti = self._info(name, tarfile.REGTYPE, mode)
        ti.size = len(data)
        self.tar.addfile(ti, io.BytesIO(data))

    def symlink(self, name, target):
        name = name.strip("/")
        self._parent(name)
        ti = self._info(name, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self.tar.addfile(ti)

    def close(self):
        self.tar.close()
        return self.buf.getvalue()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write_layout(path, ref, layer, config):
    """An OCI image layout (oci-layout, index.json, blobs/sha256) with one manifest, as a tar."""
    blobs = {}

    def blob(data):
        d = sha(data)
        blobs[d] = data
        return d

    layer_digest = blob(layer)
    config = dict(config)
    config.update({
        "architecture": "amd64",
        "os": "linux",
        "created": "2023-11-14T22:13:20Z",
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
        "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "tests/cri/images.py"}],
    })
    config_data = json.dumps(config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": blob(config_data), "size": len(config_data)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_digest, "size": len(layer)}],
    }
    manifest_data = json.dumps(manifest, sort_keys=True).encode()
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": blob(manifest_data), "size": len(manifest_data),
            "platform": {"architecture": "amd64", "os": "linux"},
            # containerd's importer names the image after io.containerd.image.name.
            "annotations": {"io.containerd.image.name": ref,
                            "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[1]},
        }],
    }
    out = Layer()
    out.file("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
    out.file("index.json", json.dumps(index, sort_keys=True).encode())
    for d, data in sorted(blobs.items()):
        out.file("blobs/sha256/" + d.split(":", 1)[1], data)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(out.close())
    os.replace(tmp, path)


def pause_image(binary, outdir):
    layer = Layer()
    with open(binary, "rb") as f:
        layer.file("pause", f.read(), 0o755)
    for d in ("dev", "proc", "sys", "etc"):
        layer.dir(d)
    write_layout(os.path.join(outdir, "pause.tar"), PAUSE_REF, layer.close(), {
        "config": {"Entrypoint": ["/pause"], "WorkingDir": "/",
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
    })


def busybox_image(binary, outdir):
    layer = Layer()
    for d in ("dev", "proc", "sys", "etc", "bin", "sbin", "usr/bin", "usr/sbin", "var"):
        layer.dir(d)
    layer.dir("root", 0o700)
    layer.dir("tmp", 0o1777)
    layer.dir("home/user")
    with open(binary, "rb") as f:
        layer.file("bin/busybox", f.read(), 0o755)
    applets = subprocess.run([binary, "--list-full"], check=True, capture_output=True,
                             text=True).stdout.split()
    for path in sorted(set(applets)):
        path = path.strip("/")
        if path != "bin/busybox":
            layer.symlink(path, "/bin/busybox")
    layer.file("etc/passwd", (
        "root:x:0:0:root:/root:/bin/sh\n"
        "user:x:1024:1024:user:/home/user:/bin/sh\n"
        "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n").encode())
    layer.file("etc/group", b"root:x:0:\nuser:x:1024:\nnogroup:x:65534:\n")
    write_layout(os.path.join(outdir, "busybox.tar"), BUSYBOX_REF, layer.close(), {
        "config": {"Cmd": ["sh"], "WorkingDir": "/",
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
    })


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    pause, busybox, outdir = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    pause_image(pause, outdir)
    busybox_image(busybox, outdir)


if __name__ == "__main__":
    main()
