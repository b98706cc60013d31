#!/usr/bin/env bash
# Build, locally and without any registry, every image that the real kubeadm
# names in `kubeadm config images list --kubernetes-version VERSION`, with
# exactly those names and tags, plus a small busybox test image.
#
#   scripts/images/build.sh [VERSION]          (default v1.37.2, the pinned release)
#   scripts/images/build.sh --tools VERSION    print the scripts/k8s/build-tools.sh
#                                              arguments VERSION's images need
#
# Needs: $CACHE/k8s/VERSION/bin (scripts/k8s/build.sh), the etcd, etcdctl and
# CoreDNS releases kubeadm's tags name (scripts/k8s/build-tools.sh, see --tools),
# busybox-static, gcc (for pause), python3.
# etcd and CoreDNS are the releases the tags name (etcd:3.6.8-0 -> etcd v3.6.8);
# etcdctl is the newest one scripts/k8s/build-tools.sh knows of the same minor.
# Another release's pause and busybox images, when the pinned release has the
# same references, are hard links to the pinned release's archives.
# Output: $CACHE/images/VERSION/<image>_<tag>.oci.tar (OCI archives) and
#         images.tsv ("name:tag<TAB>archive"), then .complete, written last.
# Warm runs compare a stamp of every input (binaries, scripts) and return.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PINNED="v1.37.2"
TOOLS_ONLY=0
if [[ "${1:-}" == "--tools" ]]; then
  TOOLS_ONLY=1
  shift
fi
VERSION="${1:-$PINNED}"
CACHE="${KUBESTRAP_CACHE:-$HOME/.cache/kubestrap}"
K8SBIN="$CACHE/k8s/$VERSION/bin"
OUT="$CACHE/images/$VERSION"
TOOLS="$CACHE/tools"
TEST_IMAGE="kubestrap.local/testbed/busybox:1.35.0"

log() { printf '[images %s] %s\n' "$VERSION" "$*" >&2; }

[[ -x "$K8SBIN/kubeadm" ]] || { log "no kubeadm in $K8SBIN: run scripts/k8s/build.sh $VERSION"; exit 1; }

mapfile -t REFS < <("$K8SBIN/kubeadm" config images list --kubernetes-version "$VERSION" 2>/dev/null)
((${#REFS[@]} > 0)) || { log "kubeadm listed no images"; exit 1; }

tag_of() { printf '%s' "${1##*:}"; }
ref_for() { # basename -> full ref from kubeadm's list
  local r
  for r in "${REFS[@]}"; do
    local repo="${r%:*}"
    [[ "${repo##*/}" == "$1" ]] && { printf '%s' "$r"; return 0; }
  done
  return 1
}

# The etcd and CoreDNS binaries must be the releases kubeadm's tags name.
ETCD_TAG="$(tag_of "$(ref_for etcd)")"          # e.g. 3.7.0-0
ETCD_VERSION="v${ETCD_TAG%-*}"                  # e.g. v3.7.0
COREDNS_VERSION="$(tag_of "$(ref_for coredns)")" # e.g. v1.14.6
PAUSE_TAG="$(tag_of "$(ref_for pause)")"        # e.g. 3.10.2
# etcdctl: the newest known release of etcd's minor (3.7.0 is not served: 3.7.1), else the newest.
KNOWN_ETCDCTL="$(bash "$HERE/../k8s/build-tools.sh" --list | sed -n 's/^etcdctl@//p' | sort -V)"
ETCD_MINOR="${ETCD_VERSION%.*}"
ETCDCTL_VERSION="$(awk -v p="$ETCD_MINOR." 'index($0, p) == 1' <<<"$KNOWN_ETCDCTL" | tail -n1)"
ETCDCTL_VERSION="${ETCDCTL_VERSION:-$(tail -n1 <<<"$KNOWN_ETCDCTL")}"
NEEDS="etcd@$ETCD_VERSION etcdctl@$ETCDCTL_VERSION coredns@$COREDNS_VERSION"
if ((TOOLS_ONLY)); then
  printf '%s\n' "$NEEDS"
  exit 0
fi
ETCD_BIN="$TOOLS/etcd/$ETCD_VERSION/bin/etcd"
COREDNS_BIN="$TOOLS/coredns/$COREDNS_VERSION/bin/coredns"
ETCDCTL_BIN="$TOOLS/etcdctl/$ETCDCTL_VERSION/bin/etcdctl"
for f in "$ETCD_BIN" "$COREDNS_BIN" "$ETCDCTL_BIN"; do
  [[ -x "$f" ]] || {
    log "missing $f: kubeadm $VERSION wants etcd $ETCD_TAG and coredns $COREDNS_VERSION" \
      "(scripts/k8s/build-tools.sh $NEEDS)"
    exit 1
  }
done
BUSYBOX=/bin/busybox
[[ -x "$BUSYBOX" ]] || { log "no $BUSYBOX (Debian busybox-static)"; exit 1; }

# Stamp of every input: a warm run with the same stamp does nothing.
stamp() {
  {
    printf '%s\n' "${REFS[@]}"
    local f
    for f in "$K8SBIN"/kube-{apiserver,controller-manager,scheduler,proxy} "$ETCD_BIN" \
      "$ETCDCTL_BIN" "$COREDNS_BIN" "$BUSYBOX" /usr/sbin/xtables-nft-multi /usr/sbin/conntrack; do
      stat -L -c '%n %s %Y' "$f"
    done
    printf 'scripts %s\n' "$SCRIPTS"
  } | sha256sum | cut -d' ' -f1
}
SCRIPTS="$(cat "$HERE/build.sh" "$HERE/build_image.py" "$HERE/pause.c" | sha256sum | cut -d' ' -f1)"
STAMP="$(stamp)"
if [[ -f "$OUT/.complete" && "$(head -n1 "$OUT/.complete")" == "$STAMP" ]]; then
  log "cached in $OUT"
  exit 0
fi

mkdir -p "$CACHE/images"
TMP="$(mktemp -d "$CACHE/images/.build-$VERSION.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
WORK="$TMP/.work"
mkdir -p "$WORK"

gcc -static -Os -s -DPAUSE_VERSION="\"$PAUSE_TAG\"" -o "$WORK/pause" "$HERE/pause.c"

PASSWD='root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n'
GROUP='root:x:0:\nnobody:x:65534:\n'
COMMON_TEXT="\"/etc/passwd\": \"$PASSWD\", \"/etc/group\": \"$GROUP\", \"/etc/nsswitch.conf\": \"hosts: files dns\\\\n\""
CA=""
[[ -f /etc/ssl/certs/ca-certificates.crt ]] && CA='"/etc/ssl/certs/ca-certificates.crt",'

# The pinned release's archive of the same reference, when built by these same scripts
# (pause and the busybox test image do not depend on the Kubernetes release).
reusable() { # ref -> archive path
  local dir="$CACHE/images/$PINNED" r a
  [[ "$VERSION" != "$PINNED" && -f "$dir/.complete" ]] || return 1
  [[ "$(sed -n 2p "$dir/.complete")" == "scripts $SCRIPTS" ]] || return 1
  while IFS=$'\t' read -r r a; do
    [[ "$r" == "$1" && -f "$a" ]] && { printf '%s' "$a"; return 0; }
  done <"$dir/images.tsv"
  return 1
}

image() { # ref archive-name spec-json-body
  local ref="$1" file="$2" body="$3"
  local name="${ref%:*}" tag="${ref##*:}" from
  if [[ "${ref##*/}" == pause:* || "$ref" == "$TEST_IMAGE" ]] && from="$(reusable "$ref")"; then
    ln "$from" "$TMP/$file" 2>/dev/null || cp "$from" "$TMP/$file"
    log "$ref: reused $from"
    printf '%s\t%s\n' "$ref" "$OUT/$file" >>"$TMP/images.tsv"
    return 0
  fi
  printf '{"name": "%s", "tag": "%s", %s}\n' "$name" "$tag" "$body" >"$WORK/$file.json"
  python3 "$HERE/build_image.py" "$WORK/$file.json" "$TMP/$file" >&2
  printf '%s\t%s\n' "$ref" "$OUT/$file" >>"$TMP/images.tsv"
}

for ref in "${REFS[@]}"; do
  repo="${ref%:*}"
  base="${repo##*/}"
  tag="${ref##*:}"
  file="${base}_${tag}.oci.tar"
  case "$base" in
    kube-apiserver | kube-controller-manager | kube-scheduler)
      image "$ref" "$file" "\"files\": [{\"src\": \"$K8SBIN/$base\", \"dest\": \"/usr/local/bin/$base\"}],
        \"dirs\": [\"/tmp\", \"/var/run\"], \"host_paths\": [$CA \"/etc/ssl/certs\"],
        \"text_files\": {$COMMON_TEXT},
        \"config\": {\"Entrypoint\": [\"/usr/local/bin/$base\"]}"
      ;;
    kube-proxy)
      # kube-proxy execs iptables(-save/-restore), ip6tables and conntrack:
      # Debian's binaries, their alternatives symlinks, libraries and plugins.
      image "$ref" "$file" "\"files\": [{\"src\": \"$K8SBIN/kube-proxy\", \"dest\": \"/usr/local/bin/kube-proxy\"}],
        \"dirs\": [\"/tmp\", \"/var/run\", \"/run/xtables\"],
        \"host_paths\": [\"/usr/sbin/iptables\", \"/usr/sbin/iptables-save\", \"/usr/sbin/iptables-restore\",
          \"/usr/sbin/ip6tables\", \"/usr/sbin/ip6tables-save\", \"/usr/sbin/ip6tables-restore\",
          \"/usr/sbin/iptables-nft\", \"/usr/sbin/iptables-legacy\", \"/usr/sbin/iptables-legacy-save\",
          \"/usr/sbin/iptables-legacy-restore\", \"/usr/sbin/iptables-nft-save\", \"/usr/sbin/iptables-nft-restore\",
          \"/usr/sbin/ip6tables-nft\", \"/usr/sbin/ip6tables-nft-save\", \"/usr/sbin/ip6tables-nft-restore\",
          \"/usr/sbin/ip6tables-legacy\", \"/usr/sbin/ip6tables-legacy-save\", \"/usr/sbin/ip6tables-legacy-restore\",
          \"/usr/sbin/conntrack\", \"/etc/ethertypes\", \"/etc/protocols\", \"/etc/services\"],
        \"host_dirs\": [\"/usr/lib/x86_64-linux-gnu/xtables\"],
        \"text_files\": {$COMMON_TEXT},
        \"config\": {\"Entrypoint\": [\"/usr/local/bin/kube-proxy\"]}"
      ;;
    etcd)
      image "$ref" "$file" "\"files\": [{\"src\": \"$ETCD_BIN\", \"dest\": \"/usr/local/bin/etcd\"},
          {\"src\": \"$ETCDCTL_BIN\", \"dest\": \"/usr/local/bin/etcdctl\"}],
        \"dirs\": [\"/tmp\", \"/var/lib/etcd\", \"/var/run\"], \"text_files\": {$COMMON_TEXT},
        \"config\": {\"Entrypoint\": [\"/usr/local/bin/etcd\"]}"
      ;;
    coredns)
      image "$ref" "$file" "\"files\": [{\"src\": \"$COREDNS_BIN\", \"dest\": \"/coredns\"}],
        \"dirs\": [\"/tmp\"], \"host_paths\": [$CA \"/etc/ssl/certs\"], \"text_files\": {$COMMON_TEXT},
        \"config\": {\"Entrypoint\": [\"/coredns\"], \"User\": \"65532:65532\"}"
      ;;
    pause)
      image "$ref" "$file" "\"files\": [{\"src\": \"$WORK/pause\", \"dest\": \"/pause\"}],
        \"config\": {\"Entrypoint\": [\"/pause\"], \"User\": \"65535:65535\"}"
      ;;
    *)
      log "kubeadm lists an image this script does not know: $ref"
      exit 1
      ;;
  esac
done

# A general-purpose test image: busybox-static with its applets.
applets="$("$BUSYBOX" --list | grep -v -x busybox | sed 's|.*|"/bin/&": "busybox"|' | paste -sd, -)"
image "$TEST_IMAGE" "testbed-busybox_1.35.0.oci.tar" "\"files\": [{\"src\": \"$BUSYBOX\", \"dest\": \"/bin/busybox\"}],
  \"dirs\": [\"/tmp\", \"/root\", \"/var/run\"], \"symlinks\": {$applets}, \"text_files\": {$COMMON_TEXT},
  \"config\": {\"Cmd\": [\"/bin/sh\"]}"

rm -rf "$WORK"
printf '%s\nscripts %s\n' "$STAMP" "$SCRIPTS" >"$TMP/.complete"
rm -rf "$OUT.old"
[[ -e "$OUT" ]] && mv "$OUT" "$OUT.old"
mv "$TMP" "$OUT"
rm -rf "$OUT.old"
trap - EXIT
log "built $((${#REFS[@]} + 1)) images into $OUT"
