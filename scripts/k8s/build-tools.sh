#!/usr/bin/env bash
# Build the test bed's non-Kubernetes Go tools from their official modules.
# Each one has its own small module (committed go.mod + go.sum) under
# scripts/k8s/tools/<dir>/, because their dependency graphs differ from
# kubernetes' and from each other's: one directory per tool and release.
#
#   scripts/k8s/build-tools.sh                  the tools of the pinned release (v1.37.2)
#   scripts/k8s/build-tools.sh NAME...          the pinned release's NAME (etcd, coredns, ...)
#   scripts/k8s/build-tools.sh NAME@VERSION...  one release of a tool, e.g. etcd@v3.6.8
#   scripts/k8s/build-tools.sh --list           every NAME@VERSION known here, one a line
#
# scripts/images/build.sh --tools <k8s version> names what another Kubernetes
# release's images need (the etcd and CoreDNS releases its kubeadm's tags name).
# Output: $KUBESTRAP_CACHE/tools/<name>/<version>/bin/<binary>; built into a
# temporary directory and renamed into place only when complete.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KUBESTRAP_CACHE:-$HOME/.cache/kubestrap}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export CGO_ENABLED=0

# name | version | dir under tools/ | module | package | ldflags (-X ...) | binary | pinned (1: built by default)
TOOLS=(
  "etcd|v3.7.0|etcd|go.etcd.io/etcd/server/v3|go.etcd.io/etcd/server/v3|-X go.etcd.io/etcd/api/v3/version.GitSHA=go-module-v3.7.0|etcd|1"
  "etcdctl|v3.7.1|etcdctl|go.etcd.io/etcd/etcdctl/v3|go.etcd.io/etcd/etcdctl/v3|-X go.etcd.io/etcd/api/v3/version.GitSHA=go-module-v3.7.1|etcdctl|1"
  "crictl|v1.37.0|crictl|sigs.k8s.io/cri-tools|sigs.k8s.io/cri-tools/cmd/crictl|-X sigs.k8s.io/cri-tools/pkg/version.Version=v1.37.0|crictl|1"
  "coredns|v1.14.6|coredns|github.com/coredns/coredns|github.com/coredns/coredns|-X github.com/coredns/coredns/coremain.GitCommit=go-module-v1.14.6|coredns|1"
  # kubeadm v1.36.3's images: etcd 3.6.8-0, coredns v1.14.2 (upgrade tests)
  "etcd|v3.6.8|etcd-v3.6.8|go.etcd.io/etcd/server/v3|go.etcd.io/etcd/server/v3|-X go.etcd.io/etcd/api/v3/version.GitSHA=go-module-v3.6.8|etcd|0"
  "etcdctl|v3.6.8|etcdctl-v3.6.8|go.etcd.io/etcd/etcdctl/v3|go.etcd.io/etcd/etcdctl/v3|-X go.etcd.io/etcd/api/v3/version.GitSHA=go-module-v3.6.8|etcdctl|0"
  "coredns|v1.14.2|coredns-v1.14.2|github.com/coredns/coredns|github.com/coredns/coredns|-X github.com/coredns/coredns/coremain.GitCommit=go-module-v1.14.2|coredns|0"
)

if [[ "${1:-}" == "--list" ]]; then
  for entry in "${TOOLS[@]}"; do
    IFS='|' read -r name version _ <<<"$entry"
    printf '%s@%s\n' "$name" "$version"
  done
  exit 0
fi

want=("$@")
for w in "${want[@]}"; do
  found=0
  for entry in "${TOOLS[@]}"; do
    IFS='|' read -r name version _ <<<"$entry"
    [[ "$w" == "$name" || "$w" == "$name@$version" ]] && found=1
  done
  ((found)) || {
    echo "[tools] unknown tool '$w'; known: $("${BASH_SOURCE[0]}" --list | paste -sd' ')" >&2
    echo "[tools] (another release needs a module under scripts/k8s/tools/ and a line in TOOLS)" >&2
    exit 2
  }
done
selected() { # name version pinned
  ((${#want[@]} == 0)) && { [[ "$3" == 1 ]]; return; }
  local w
  for w in "${want[@]}"; do
    [[ "$w" == "$1@$2" ]] && return 0
    [[ "$w" == "$1" && "$3" == 1 ]] && return 0
  done
  return 1
}

for entry in "${TOOLS[@]}"; do
  IFS='|' read -r name version dir module pkg xflags binary pinned <<<"$entry"
  selected "$name" "$version" "$pinned" || continue
  out="$CACHE/tools/$name/$version"
  if [[ -f "$out/.complete" && -x "$out/bin/$binary" ]]; then
    echo "[tools] $name $version cached" >&2
    continue
  fi
  moddir="$HERE/tools/$dir"
  grep -q "^require $module $version\$" "$moddir/go.mod" || {
    echo "[tools] $moddir/go.mod does not pin $module $version" >&2
    exit 1
  }
  mkdir -p "$CACHE/tools/$name"
  tmp="$(mktemp -d "$CACHE/tools/$name/.build-$version.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  chmod 755 "$tmp"
  mkdir -p "$tmp/bin"
  echo "[tools] building $name $version ($pkg)" >&2
  start=$SECONDS
  (cd "$moddir" && go build -trimpath -ldflags "-s -w $xflags" -o "$tmp/bin/$binary" "$pkg")
  echo "[tools] $name $version built in $((SECONDS - start))s" >&2
  printf '%s %s\n' "$module" "$version" >"$tmp/.complete"
  rm -rf "$out.old"
  [[ -e "$out" ]] && mv "$out" "$out.old"
  mv "$tmp" "$out"
  rm -rf "$out.old"
  trap - EXIT
done
