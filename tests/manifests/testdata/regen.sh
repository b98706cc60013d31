#!/usr/bin/env bash
# Regenerates the golden files of each case from the real kubeadm (run as root):
#   tests/manifests/testdata/regen.sh [path/to/kubeadm]
# Each case dir holds config.yaml (PATCHDIR is replaced by the case's patches/ dir); kubeadm runs
# `init phase control-plane all`, `init phase etcd local` and `init phase kubelet-start` in a
# private mount namespace with tmpfs on /etc/kubernetes and /var/lib/kubelet, and the files are
# copied to <case>/golden/ with kubeadm's stdout in <case>/golden/stdout.txt.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KUBEADM="${1:-${KUBESTRAP_CACHE:-$HOME/.cache/kubestrap}/k8s/v1.37.2/bin/kubeadm}"
for dir in "$HERE"/*/; do
  c="$(basename "$dir")"
  [[ -f "$dir/config.yaml" ]] || continue
  out="$dir/golden"
  rm -rf "$out" && mkdir -p "$out"
  cfg="$(mktemp)"
  sed "s|PATCHDIR|$dir/patches|" "$dir/config.yaml" >"$cfg"
  unshare -m sh -c "
    set -e
    mkdir -p /etc/kubernetes /var/lib/kubelet
    mount -t tmpfs tmpfs /etc/kubernetes
    mount -t tmpfs tmpfs /var/lib/kubelet
    PATH=/nonexistent '$KUBEADM' init phase control-plane all --config '$cfg'
    PATH=/nonexistent '$KUBEADM' init phase etcd local --config '$cfg'
    PATH=/nonexistent '$KUBEADM' init phase kubelet-start --config '$cfg'
    cp /etc/kubernetes/manifests/* /var/lib/kubelet/* '$out/'
  " >"$out/stdout.txt" 2>/dev/null
  sed -i "s|$dir/patches|PATCHDIR|g" "$out/stdout.txt"
  rm -f "$cfg"
  echo "$c: $(ls "$out" | tr '\n' ' ')"
done
