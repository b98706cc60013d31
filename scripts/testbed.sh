#!/usr/bin/env bash
# Prepare the kubestrap test bed (`deno task testbed`; .ci/run calls it before the tests).
#
#  1. runtime pieces from Debian                 scripts/testbed-deps.sh
#  2. Kubernetes v1.37.2 from the Go modules     scripts/k8s/build.sh
#     + the extra releases (upgrade tests): KUBESTRAP_EXTRA_VERSIONS, space-separated,
#     default "v1.36.3" (set it empty for none), plus each --extra-version vX.Y.Z
#  3. etcd, etcdctl, crictl, coredns              scripts/k8s/build-tools.sh
#     (+ the etcd, etcdctl and coredns releases each extra release's images need)
#  4. the images kubeadm lists, built locally     scripts/images/build.sh
#     (for v1.37.2 and for each extra release)
#  5. $KUBESTRAP_CACHE/testbed.json: where everything is (read by tests/harness/)
#
# Everything lands in $KUBESTRAP_CACHE (default ~/.cache/kubestrap) and is reused:
# a warm run only checks. Options: --extra-version vX.Y.Z (repeatable).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KUBESTRAP_CACHE="${KUBESTRAP_CACHE:-$HOME/.cache/kubestrap}"
CACHE="$KUBESTRAP_CACHE"
VERSION="v1.37.2"
DEFAULT_EXTRA="v1.36.3"
read -r -a EXTRA <<<"${KUBESTRAP_EXTRA_VERSIONS-$DEFAULT_EXTRA}"
while (($#)); do
  case "$1" in
    --extra-version) EXTRA+=("$2"); shift 2 ;;
    -h | --help) sed -n '2,15p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

T0=$SECONDS
TIMES="$(mktemp)"
trap 'rm -f "$TIMES"' EXIT
CPU=0
child_cpu() { # CPU <- user+sys seconds of every finished child so far (bash's `times`)
  times >"$TIMES"
  CPU="$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] } }
    END { printf "%d", s }' "$TIMES")"
}
step() { # name command...
  local name="$1" s=$SECONDS c
  shift
  child_cpu
  c=$CPU
  echo "== testbed: $name" >&2
  "$@"
  child_cpu
  echo "== testbed: $name done in $((SECONDS - s))s (CPU $((CPU - c))s)" >&2
}

command -v go >/dev/null || { echo "testbed: go is not on PATH" >&2; exit 1; }

step "Debian packages" bash "$ROOT/scripts/testbed-deps.sh"
step "kubernetes $VERSION" bash "$ROOT/scripts/k8s/build.sh" "$VERSION"
for v in "${EXTRA[@]}"; do
  step "kubernetes $v" bash "$ROOT/scripts/k8s/build.sh" "$v"
done
step "go tools" bash "$ROOT/scripts/k8s/build-tools.sh"
for v in "${EXTRA[@]}"; do
  needs_line="$(bash "$ROOT/scripts/images/build.sh" --tools "$v")"
  read -r -a needs <<<"$needs_line"
  step "go tools for $v (${needs[*]})" bash "$ROOT/scripts/k8s/build-tools.sh" "${needs[@]}"
done
step "images" bash "$ROOT/scripts/images/build.sh" "$VERSION"
for v in "${EXTRA[@]}"; do
  step "images $v" bash "$ROOT/scripts/images/build.sh" "$v"
done
# The pinned release's etcd, etcdctl and coredns: the ones in its images.
PINNED_TOOLS="$(bash "$ROOT/scripts/images/build.sh" --tools "$VERSION")"

# Where kubeadm's exact sources are (read-only module cache).
KUBEADM_SRC="$(cd "$ROOT/scripts/k8s" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)/cmd/kubeadm"

python3 - "$CACHE" "$VERSION" "$KUBEADM_SRC" "$PINNED_TOOLS" <<'EOF'
import glob, json, os, sys
cache, version, kubeadm_src, pinned_tools = sys.argv[1:5]
pinned = dict(t.split("@", 1) for t in pinned_tools.split())
def tool(name):
    return f"{cache}/tools/{name}/{pinned[name]}/bin/{name}"
def latest(name, binary):
    found = sorted(glob.glob(f"{cache}/tools/{name}/v*/bin/{binary}"),
                   key=lambda p: [int(x) if x.isdigit() else x
                                  for x in p.split("/")[-3].lstrip("v").replace("-", ".").split(".")])
    return found[-1] if found else None
k8s = {}
for d in sorted(glob.glob(f"{cache}/k8s/v*/.complete")):
    v = d.split("/")[-2]
    k8s[v] = os.path.dirname(d) + "/bin"
bin_dir = k8s[version]
def read_images(v):
    out = []
    with open(f"{cache}/images/{v}/images.tsv") as f:
        for line in f:
            ref, archive = line.rstrip("\n").split("\t")
            out.append({"ref": ref, "archive": archive})
    return out
# Every built release whose images are built too (this run's, and earlier runs' on disk).
images_by_version = {}
for v in k8s:
    if os.path.exists(f"{cache}/images/{v}/.complete"):
        imgs = read_images(v)
        if all(os.path.exists(i["archive"]) for i in imgs):
            images_by_version[v] = imgs
images = images_by_version[version]
def ref(base):
    return next(i["ref"] for i in images if i["ref"].rsplit(":", 1)[0].endswith("/" + base))
manifest = {
    "schema": 1,
    "cache": cache,
    "kubernetesVersion": version,
    "k8sBinDirs": k8s,
    "bin": {
        **{c: f"{bin_dir}/{c}" for c in ["kube-apiserver", "kube-controller-manager", "kube-scheduler",
                                           "kubelet", "kube-proxy", "kubectl", "kubeadm"]},
        "etcd": tool("etcd"),
        "etcdctl": tool("etcdctl"),
        "crictl": latest("crictl", "crictl"),
        "coredns": tool("coredns"),
        "containerd": "/usr/bin/containerd",
        "containerd-shim-runc-v2": "/usr/bin/containerd-shim-runc-v2",
        "ctr": "/usr/bin/ctr",
        "runc": "/usr/sbin/runc",
        "openssl": "/usr/bin/openssl",
        "socat": "/usr/bin/socat",
        "conntrack": "/usr/sbin/conntrack",
        "iptables": "/usr/sbin/iptables",
        "ip": "/usr/sbin/ip" if os.path.exists("/usr/sbin/ip") else "/sbin/ip",
        "busybox": "/bin/busybox",
        "skopeo": "/usr/bin/skopeo",
        "umoci": "/usr/bin/umoci",
        "docker-registry": "/usr/bin/docker-registry",
        "debian-etcd": "/usr/bin/etcd",
    },
    "cniBinDir": "/usr/lib/cni",
    "images": images,
    "imageDir": f"{cache}/images/{version}",
    "imagesByVersion": images_by_version,
    "pauseImage": ref("pause"),
    "testImage": "kubestrap.local/testbed/busybox:1.35.0",
    "kubeadmSource": kubeadm_src,
}
missing = [k for k, p in manifest["bin"].items() if not p or not os.path.exists(p)]
if missing:
    sys.exit(f"testbed: missing binaries: {missing}")
tmp = f"{cache}/testbed.json.tmp"
with open(tmp, "w") as f:
    json.dump(manifest, f, indent=2)
    f.write("\n")
os.replace(tmp, f"{cache}/testbed.json")
EOF

child_cpu
echo "== testbed: ready in $((SECONDS - T0))s (CPU ${CPU}s): $CACHE/testbed.json" >&2
echo "   kubeadm sources: $KUBEADM_SRC" >&2
