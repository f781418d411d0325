#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy into a version-keyed cache directory, once; later runs
# find the binary and exit. Usage: build-helm.sh [cache-root]   (default: <repo>/.cache/helm)
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.19.0}"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cache="${1:-$repo/.cache/helm}/$HELM_VERSION"
bin="$cache/helm"

if [[ -x "$bin" ]]; then
  exit 0
fi

# Test files may ask for helm concurrently: one builds, the others wait and reuse.
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if [[ -x "$bin" ]]; then
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
  else
    echo "HELM_BUILD_NO_GO: Go toolchain not found; install Go >= 1.24 or put it on PATH" >&2
    exit 2
  fi
fi

export GOFLAGS=-mod=mod
export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
export CGO_ENABLED=0
start=$(date +%s)
# helm's Makefile stamps the version and the Kubernetes version of its client-go (what `helm template` and
# `helm lint` assume for .Capabilities.KubeVersion and a chart's kubeVersion; unstamped it is v1.20).
helm_mod="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
client_go="$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "$helm_mod" | head -1)"
if [[ -z "$client_go" ]]; then
  echo "HELM_BUILD_NO_CLIENT_GO: no k8s.io/client-go requirement in $helm_mod" >&2
  exit 2
fi
ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$client_go"
done
GOBIN="$cache/.gobin" go install -trimpath -ldflags="$ldflags" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
mv "$cache/.gobin/helm" "$bin"
rmdir "$cache/.gobin" 2>/dev/null || true
echo "built helm $HELM_VERSION in $(( $(date +%s) - start ))s into $cache" >&2
