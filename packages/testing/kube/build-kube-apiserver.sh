#!/usr/bin/env bash
# Builds kube-apiserver and a matching etcd from the Go module proxy into a
# version-keyed cache directory, once; later runs find the binaries and exit.
# Usage: build-kube-apiserver.sh [cache-root]   (default: <repo>/.cache/kube)
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.34.4}"
# k8s.io/kubernetes v1.34.x already depends on etcd server v3.6.4, so building
# etcd from the same module graph costs little and matches what the apiserver
# expects (hack/lib/etcd.sh asks for 3.6).
ETCD_VERSION="${ETCD_VERSION:-v3.6.4}"
STAGING_VERSION="v0.${KUBE_VERSION#v1.}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cache="${1:-$repo/.cache/kube}/$KUBE_VERSION"
bin_apiserver="$cache/kube-apiserver"
bin_etcd="$cache/etcd"

if [[ -x "$bin_apiserver" && -x "$bin_etcd" ]]; then
  exit 0
fi

# Test files may ask for the binaries concurrently: one builds, the others wait and reuse.
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [[ -x "$bin_apiserver" && -x "$bin_etcd" ]]; then
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    echo "KUBE_BUILD_NO_GO: Go toolchain not found; install Go >= 1.24 or put it on PATH" >&2
    exit 2
  fi
fi

src="$cache/src"
mkdir -p "$src/cmd/etcd"
cd "$src"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"

cat > go.mod <<GOMOD
module stunner.local/kubebuild

go 1.24.0
GOMOD

cat > cmd/etcd/main.go <<'GOMAIN'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GOMAIN

cat > tools.go <<'GOTOOLS'
//go:build tools

package kubebuild

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GOTOOLS

go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" >/dev/null
upstream_mod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"

# k8s.io/kubernetes points its staging modules at ./staging/src/...; a module
# that depends on it must pin each one to the published v0.x.y instead.
replaces=()
while read -r mod; do
  replaces+=("-replace=$mod=$mod@$STAGING_VERSION")
done < <(sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$upstream_mod")
go mod edit "${replaces[@]}"

go get "k8s.io/kubernetes@$KUBE_VERSION" "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
go mod tidy

start=$(date +%s)
go build -trimpath -ldflags="-s -w" -o "$bin_etcd.tmp" ./cmd/etcd
# Stamp the version `kube-apiserver --version` and /version report (hack/lib/version.sh sets the same).
version_pkg=k8s.io/component-base/version
go build -trimpath \
  -ldflags="-s -w -X $version_pkg.gitVersion=$KUBE_VERSION -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2) -X $version_pkg.gitTreeState=clean" \
  -o "$bin_apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
mv "$bin_etcd.tmp" "$bin_etcd"
mv "$bin_apiserver.tmp" "$bin_apiserver"
echo "built kube-apiserver $KUBE_VERSION and etcd $ETCD_VERSION in $(( $(date +%s) - start ))s into $cache" >&2
