#!/usr/bin/env bash
# Regenerates the golden files of each case from the real kubeadm (run as root):
#   tests/manifests/testdata/regen.sh [path/to/kubeadm]
# Each case dir holds config.yaml (PATCHDIR is replaced by the case's patches/ dir); kubeadm runs
# `init phase control-plane all`, `init phase etcd local` and `init phase kubelet-start` in a
# private mount namespace with tmpfs on /etc/kubernetes and /var/lib/kubelet (PATH emptied so no
# init system is found). The files land in <case>/golden/<file>.golden (an extension deno fmt
# leaves alone) and kubeadm's stdout in <case>/golden/stdout.golden.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KUBEADM="${1:-${KUBESTRAP_CACHE:-$HOME/.cache/kubestrap}/k8s/v1.37.2/bin/kubeadm}"
for dir in "$HERE"/*/; do
  dir="${dir%/}"
  c="$(basename "$dir")"
  [[ -f "$dir/config.yaml" ]] || continue
  out="$dir/golden"
  rm -rf "$out" && mkdir -p "$out"
  cfg="$(mktemp)"
  sed "s|PATCHDIR|$dir/patches|" "$dir/config.yaml" >"$cfg"
  # shellcheck disable=SC2016
  unshare -m sh -c '
    set -e
    mkdir -p /etc/kubernetes /var/lib/kubelet
    mount -t tmpfs tmpfs /etc/kubernetes
    mount -t tmpfs tmpfs /var/lib/kubelet
    PATH=/nonexistent "$1" init phase control-plane all --config "$2"
    PATH=/nonexistent "$1" init phase etcd local --config "$2"
    PATH=/nonexistent "$1" init phase kubelet-start --config "$2"
    for f in /etc/kubernetes/manifests/* /var/lib/kubelet/*; do
      cp "$f" "$3/$(basename "$f").golden"
    done
  ' sh "$KUBEADM" "$cfg" "$out" >"$out/stdout.golden" 2>/dev/null
  sed -i "s|$dir/patches|PATCHDIR|g" "$out/stdout.golden"
  rm -f "$cfg"
  echo "$c: $(ls "$out" | tr '\n' ' ')"
done
