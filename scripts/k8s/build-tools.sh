#!/usr/bin/env bash
# Build the test bed's non-Kubernetes Go tools from their official modules.
# Each one has its own small module under scripts/k8s/tools/<name>/ (committed
# go.mod + go.sum), because their dependency graphs differ from kubernetes'.
#
#   scripts/k8s/build-tools.sh [NAME...]     (default: all of them)
#
# Output: $KUBESTRAP_CACHE/tools/<name>/<version>/bin/<binary>; built into a
# temporary directory and renamed into place only when complete.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KUBESTRAP_CACHE:-$HOME/.cache/kubestrap}"
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export CGO_ENABLED=0

# name | module | version | package | ldflags (-X ...) | binary
TOOLS=(
  "etcd|go.etcd.io/etcd/server/v3|v3.7.0|go.etcd.io/etcd/server/v3|-X go.etcd.io/etcd/api/v3/version.GitSHA=go-module-v3.7.0|etcd"
  "etcdctl|go.etcd.io/etcd/etcdctl/v3|v3.7.1|go.etcd.io/etcd/etcdctl/v3|-X go.etcd.io/etcd/api/v3/version.GitSHA=go-module-v3.7.1|etcdctl"
  "crictl|sigs.k8s.io/cri-tools|v1.37.0|sigs.k8s.io/cri-tools/cmd/crictl|-X sigs.k8s.io/cri-tools/pkg/version.Version=v1.37.0|crictl"
  "coredns|github.com/coredns/coredns|v1.14.6|github.com/coredns/coredns|-X github.com/coredns/coredns/coremain.GitCommit=go-module-v1.14.6|coredns"
)

want=("$@")
selected() {
  ((${#want[@]} == 0)) && return 0
  local w
  for w in "${want[@]}"; do [[ "$w" == "$1" ]] && return 0; done
  return 1
}

for entry in "${TOOLS[@]}"; do
  IFS='|' read -r name module version pkg xflags binary <<<"$entry"
  selected "$name" || continue
  out="$CACHE/tools/$name/$version"
  if [[ -f "$out/.complete" && -x "$out/bin/$binary" ]]; then
    echo "[tools] $name $version cached" >&2
    continue
  fi
  moddir="$HERE/tools/$name"
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
  echo "[tools] $name built in $((SECONDS - start))s" >&2
  printf '%s %s\n' "$module" "$version" >"$tmp/.complete"
  rm -rf "$out.old"
  [[ -e "$out" ]] && mv "$out" "$out.old"
  mv "$tmp" "$out"
  rm -rf "$out.old"
  trap - EXIT
done
