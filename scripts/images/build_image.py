#!/usr/bin/env python3
"""Write one minimal OCI image as an OCI archive (tar of an OCI image layout).

    build_image.py SPEC.json OUT.tar

SPEC (JSON):
  name        "registry.k8s.io/kube-apiserver"   repository, without tag
  tag         "v1.37.2"
  files       [{"src": host path, "dest": image path, "mode": 493}]   copied as given
  host_paths  [host path, ...]  copied to the same path in the image, with every
              symlink met on the way (merged /usr, alternatives) and, for ELF
              files, the shared libraries `ldd` names (same treatment)
  host_dirs   [host dir, ...]   every regular file under it, as host_paths
  dirs        [image dir, ...]  empty directories (mode 0755; /tmp gets 1777)
  text_files  {image path: content}
  symlinks    {image path: link target}
  config      {"Entrypoint": [...], "Cmd": [...], "Env": [...], "User": "...",
               "WorkingDir": "..."}   (the OCI image config "config" object)

The layer is deterministic (sorted entries, mtime 0, root owner) so that the
same inputs give the same digests. index.json names the manifest both the OCI
way (org.opencontainers.image.ref.name = tag) and the containerd way
(io.containerd.image.name = name:tag), so `ctr images import` and skopeo's
oci-archive transport both find it.
"""

import gzip
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile

ENV_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Layer:
    def __init__(self):
        self.entries = {}  # image path (no leading /) -> (kind, payload, mode)

    def _parents(self, path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.entries:
                self.entries[d] = ("dir", None, 0o755)

    def add_dir(self, path, mode=0o755):
        path = path.strip("/")
        self._parents(path)
        self.entries[path] = ("dir", None, mode)

    def add_file(self, path, data, mode):
        path = path.strip("/")
        self._parents(path)
        self.entries[path] = ("file", data, mode)

    def add_symlink(self, path, target):
        path = path.strip("/")
        self._parents(path)
        self.entries[path] = ("symlink", target, 0o777)

    def add_host_path(self, host_path, seen=None):
        """Copy host_path into the image at the same path, following symlinks
        component by component and recording each one."""
        seen = seen if seen is not None else set()
        if host_path in seen:
            return
        seen.add(host_path)
        parts = [p for p in host_path.split("/") if p]
        cur = ""
        for i, part in enumerate(parts):
            cur = cur + "/" + part
            st = os.lstat(cur)
            if stat.S_ISLNK(st.st_mode):
                target = os.readlink(cur)
                self.add_symlink(cur, target)
                base = os.path.dirname(cur)
                resolved = os.path.normpath(os.path.join(base, target))
                rest = "/".join(parts[i + 1:])
                self.add_host_path(resolved + ("/" + rest if rest else ""), seen)
                return
        st = os.stat(cur)
        if stat.S_ISDIR(st.st_mode):
            self.add_dir(cur, stat.S_IMODE(st.st_mode))
            return
        with open(cur, "rb") as f:
            data = f.read()
        self.add_file(cur, data, stat.S_IMODE(st.st_mode))
        if data[:4] == b"\x7fELF":
            for lib in ldd(cur):
                self.add_host_path(lib, seen)

    def tar_bytes(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in sorted(self.entries):
                kind, payload, mode = self.entries[path]
                info = tarfile.TarInfo(path)
                info.mtime = 0
                info.uid = info.gid = 0
                info.uname = info.gname = "root"
                info.mode = mode
                if kind == "dir":
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                elif kind == "symlink":
                    info.type = tarfile.SYMTYPE
                    info.linkname = payload
                    tar.addfile(info)
                else:
                    info.size = len(payload)
                    tar.addfile(info, io.BytesIO(payload))
        return buf.getvalue()


def ldd(path):
    """Shared libraries of an ELF file, as absolute paths (empty when static)."""
    res = subprocess.run(["ldd", path], capture_output=True, text=True)
    libs = []
    if res.returncode != 0:
        return libs  # "not a dynamic executable"
    for line in res.stdout.splitlines():
        line = line.strip()
        if "=>" in line:
            target = line.split("=>", 1)[1].strip().split(" (")[0].strip()
            if target.startswith("/"):
                libs.append(target)
        elif line.startswith("/"):
            libs.append(line.split(" (")[0].strip())
    return libs


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def build(spec):
    layer = Layer()
    for d in spec.get("dirs", []):
        layer.add_dir(d, 0o1777 if d.strip("/") == "tmp" else 0o755)
    for f in spec.get("files", []):
        with open(f["src"], "rb") as fh:
            layer.add_file(f["dest"], fh.read(), f.get("mode", 0o755))
    for p in spec.get("host_paths", []):
        layer.add_host_path(p)
    for d in spec.get("host_dirs", []):
        for root, _dirs, names in os.walk(d):
            for n in names:
                layer.add_host_path(os.path.join(root, n))
    for p, content in spec.get("text_files", {}).items():
        layer.add_file(p, content.encode(), 0o644)
    for p, target in spec.get("symlinks", {}).items():
        layer.add_symlink(p, target)

    raw = layer.tar_bytes()
    gz = gzip.compress(raw, compresslevel=6, mtime=0)
    config = {"Env": [ENV_PATH]}
    config.update(spec.get("config", {}))
    image_config = {
        "created": "1970-01-01T00:00:00Z",
        "architecture": "amd64",
        "os": "linux",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": [sha256(raw)]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "kubestrap test bed"}],
    }
    config_bytes = json.dumps(image_config, sort_keys=True, separators=(",", ":")).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": sha256(config_bytes),
            "size": len(config_bytes),
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": sha256(gz),
            "size": len(gz),
        }],
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": sha256(manifest_bytes),
            "size": len(manifest_bytes),
            "platform": {"architecture": "amd64", "os": "linux"},
            "annotations": {
                "io.containerd.image.name": f"{spec['name']}:{spec['tag']}",
                "org.opencontainers.image.ref.name": spec["tag"],
            },
        }],
    }
    blobs = [gz, config_bytes, manifest_bytes]
    return index, blobs, sha256(manifest_bytes)


def write_archive(out, index, blobs):
    tmp = out + ".tmp"
    with tarfile.open(tmp, mode="w", format=tarfile.PAX_FORMAT) as tar:
        def add(name, data, mode=0o644, kind=tarfile.REGTYPE):
            info = tarfile.TarInfo(name)
            info.mtime = 0
            info.mode = mode
            info.type = kind
            if kind == tarfile.REGTYPE:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)

        add("blobs", None, 0o755, tarfile.DIRTYPE)
        add("blobs/sha256", None, 0o755, tarfile.DIRTYPE)
        for b in sorted(blobs, key=sha256):
            add("blobs/sha256/" + hashlib.sha256(b).hexdigest(), b)
        add("oci-layout", json.dumps({"imageLayoutVersion": "1.0.0"}).encode())
        add("index.json", json.dumps(index, sort_keys=True, separators=(",", ":")).encode())
    os.replace(tmp, out)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    index, blobs, digest = build(spec)
    write_archive(sys.argv[2], index, blobs)
    print(f"{spec['name']}:{spec['tag']} {digest} {os.path.getsize(sys.argv[2])} bytes")


if __name__ == "__main__":
    main()
