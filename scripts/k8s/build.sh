#!/usr/bin/env bash
# Build the Kubernetes binaries of one release from the official Go modules.
#
#   scripts/k8s/build.sh [VERSION]        (default: v1.37.2, the pinned release)
#
# Output: $KUBESTRAP_CACHE/k8s/<VERSION>/bin/{kube-apiserver,kube-controller-manager,
#         kube-scheduler,kubelet,kube-proxy,kubectl,kubeadm}
# The pinned release is built from scripts/k8s/go.mod (committed, with go.sum).
# Any other release gets a module generated from the same template under
# $KUBESTRAP_CACHE/k8s/src/<VERSION>/ (for upgrade tests).
# The binaries are built into a temporary directory and renamed into place only
# when every one of them built, so a half build never looks complete.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PINNED="v1.37.2"
VERSION="${1:-$PINNED}"
CACHE="${KUBESTRAP_CACHE:-$HOME/.cache/kubestrap}"
OUT="$CACHE/k8s/$VERSION"
CMDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl kubeadm)

log() { printf '[k8s %s] %s\n' "$VERSION" "$*" >&2; }

complete() {
  [[ -f "$OUT/.complete" ]] || return 1
  local c
  for c in "${CMDS[@]}"; do [[ -x "$OUT/bin/$c" ]] || return 1; done
}

if complete; then
  log "cached in $OUT/bin"
  exit 0
fi

if ! [[ "$VERSION" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]]; then
  echo "bad version '$VERSION' (want v1.MINOR.PATCH)" >&2
  exit 2
fi
MINOR="${BASH_REMATCH[1]}"
STAGING="v0.${MINOR}.${BASH_REMATCH[2]}"

export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export CGO_ENABLED=0

if [[ "$VERSION" == "$PINNED" ]]; then
  MODDIR="$HERE"
else
  # Generate a module for another release: same tools.go, the kubernetes
  # module at VERSION and every staging module it replaces at its release.
  MODDIR="$CACHE/k8s/src/$VERSION"
  if [[ ! -f "$MODDIR/go.sum" ]]; then
    log "generating module in $MODDIR"
    rm -rf "$MODDIR" && mkdir -p "$MODDIR"
    cp "$HERE/tools.go" "$MODDIR/"
    upstream="$(go mod download -json "k8s.io/kubernetes@$VERSION" | sed -n 's/^\t"GoMod": "\(.*\)",$/\1/p')"
    goline="$(grep -m1 '^go ' "$upstream")"
    {
      printf 'module kubestrap.local/testbed/k8s\n\n%s\n\nrequire k8s.io/kubernetes %s\n\nreplace (\n' \
        "$goline" "$VERSION"
      grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$upstream" | awk '{print $1}' |
        grep -v -E 'sample-(cli-plugin|controller)$' |
        while read -r m; do printf '\t%s => %s %s\n' "$m" "$m" "$STAGING"; done
      printf ')\n'
    } >"$MODDIR/go.mod"
    (cd "$MODDIR" && go mod tidy)
  fi
fi

# Stamp the version like hack/lib/version.sh does, so that
# `kubeadm version -o short` prints exactly $VERSION.
INFO="$(go mod download -json "k8s.io/kubernetes@$VERSION" | sed -n 's/^\t"Info": "\(.*\)",$/\1/p')"
BUILD_DATE="$(sed -n 's/.*"Time": *"\([^"]*\)".*/\1/p' "$INFO")"
BUILD_DATE="${BUILD_DATE:-1970-01-01T00:00:00Z}"
LDFLAGS="-s -w"
for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
  LDFLAGS+=" -X $pkg.gitVersion=$VERSION"
  LDFLAGS+=" -X $pkg.gitMajor=1"
  LDFLAGS+=" -X $pkg.gitMinor=$MINOR"
  LDFLAGS+=" -X $pkg.gitCommit=go-module-k8s.io/kubernetes@$VERSION"
  LDFLAGS+=" -X $pkg.gitTreeState=clean"
  LDFLAGS+=" -X $pkg.buildDate=$BUILD_DATE"
done

mkdir -p "$CACHE/k8s"
TMP="$(mktemp -d "$CACHE/k8s/.build-$VERSION.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
mkdir -p "$TMP/bin"

PKGS=()
for c in "${CMDS[@]}"; do PKGS+=("k8s.io/kubernetes/cmd/$c"); done

log "building ${CMDS[*]} (one go build; cold builds take a while)"
start=$SECONDS
(cd "$MODDIR" && go build -trimpath -ldflags "$LDFLAGS" -o "$TMP/bin/" "${PKGS[@]}")
log "built in $((SECONDS - start))s"

for c in "${CMDS[@]}"; do [[ -x "$TMP/bin/$c" ]] || { log "missing $c"; exit 1; }; done
got="$("$TMP/bin/kubeadm" version -o short)"
if [[ "$got" != "$VERSION" ]]; then
  log "kubeadm version -o short printed '$got', want '$VERSION'"
  exit 1
fi
printf '%s\nbuilt %s\n' "$VERSION" "$(date -u +%FT%TZ)" >"$TMP/.complete"

rm -rf "$OUT.old"
[[ -e "$OUT" ]] && mv "$OUT" "$OUT.old"
mv "$TMP" "$OUT"
rm -rf "$OUT.old"
trap - EXIT
log "installed into $OUT/bin"
