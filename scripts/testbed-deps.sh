#!/usr/bin/env bash
# Install the runtime pieces of the kubestrap test bed from Debian.
# Idempotent: when every package is installed it only checks (no apt-get at all).
set -euo pipefail

PKGS=(
  containerd runc containernetworking-plugins
  iproute2 iptables conntrack socat
  etcd-server etcd-client
  docker-registry skopeo umoci
  busybox-static
  openssl gcc libc6-dev python3 curl procps
  bash zsh fish
)

missing=()
for p in "${PKGS[@]}"; do
  st="$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)"
  [[ "$st" == ii* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "[deps] all ${#PKGS[@]} Debian packages present" >&2
  exit 0
fi

if [[ $EUID -ne 0 ]]; then
  echo "[deps] need root to install: ${missing[*]}" >&2
  exit 1
fi

echo "[deps] installing: ${missing[*]}" >&2
# Packages such as etcd-server and docker-registry would start their daemons;
# the test bed starts its own, so forbid service starts during the install.
policy=/usr/sbin/policy-rc.d
own_policy=0
if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  own_policy=1
fi
cleanup() { if ((own_policy)); then rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when they are missing or older than a day.
if [[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mtime -1 -print -quit 2>/dev/null)" ]]; then
  apt-get update -q >&2
fi
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

echo "[deps] done" >&2
