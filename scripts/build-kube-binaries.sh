#!/usr/bin/env bash
# Builds the local Kubernetes control plane (etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kwok) from the Go module proxy and
# caches it outside the work tree, keyed by version. A warm cache makes this a
# no-op. Prints progress because a cold build takes about ten minutes.
set -euo pipefail

KUBE_VERSION=${KUBE_VERSION:-1.36.3}
ETCD_VERSION=${ETCD_VERSION:-3.6.16}
KWOK_VERSION=${KWOK_VERSION:-0.8.0}
ISTIO_API_VERSION=${ISTIO_API_VERSION:-1.31.4}
CACHE_ROOT=${BERTH_CACHE_DIR:-$HOME/.cache/berth}
OUT="$CACHE_ROOT/kube-$KUBE_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-istio-$ISTIO_API_VERSION"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath

if [ -f "$OUT/.complete" ]; then
  echo "$OUT"
  exit 0
fi

step() { printf '[kube-build %s] %s\n' "$(date +%T)" "$*" >&2; }
mkdir -p "$OUT/bin" "$OUT/kwok-stages"
# Two callers (say, two test workers) may start cold at once: the second waits, then finds the cache.
exec 9>"$OUT/.lock"
flock 9
if [ -f "$OUT/.complete" ]; then
  echo "$OUT"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

build_kubernetes() {
  local minor staging gomod
  minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
  staging="0.${KUBE_VERSION#1.}"
  mkdir -p "$work/kube" && cd "$work/kube"
  go mod init local/kubebins >/dev/null 2>&1
  go mod edit -go=1.26.0
  step "resolving k8s.io/kubernetes v$KUBE_VERSION"
  gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')
  # The tagged go.mod points each staging module at ./staging; a dependent
  # module must pin them to their published v0.X.Y instead.
  for module in $(sed -n 's|^[[:space:]]*\(k8s\.io/[^ ]*\) => \./staging/.*|\1|p' "$gomod"); do
    go mod edit -replace="$module=$module@v$staging"
  done
  go mod edit -require="k8s.io/kubernetes@v$KUBE_VERSION"
  go get -tool "k8s.io/kubernetes/cmd/kube-apiserver@v$KUBE_VERSION" \
    "k8s.io/kubernetes/cmd/kube-controller-manager@v$KUBE_VERSION" \
    "k8s.io/kubernetes/cmd/kube-scheduler@v$KUBE_VERSION" >&2
  local version_flags=""
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    version_flags+=" -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  done
  step "building kube-apiserver, kube-controller-manager, kube-scheduler (the long part)"
  go build -p "$(nproc)" -ldflags "-s -w $version_flags" -o "$OUT/bin/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler
}

build_etcd() {
  mkdir -p "$work/etcd" && cd "$work/etcd"
  go mod init local/etcdbin >/dev/null 2>&1
  go mod edit -go=1.26.0
  step "building etcd v$ETCD_VERSION"
  go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go build -ldflags "-s -w" -o "$OUT/bin/etcd" go.etcd.io/etcd/server/v3
}

build_kwok() {
  step "building kwok v$KWOK_VERSION"
  GOBIN="$OUT/bin" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
  local src
  src=$(go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')
  # kwok started with --config plays only the stages in that config.
  cp "$src/kustomize/stage/node/fast/node-initialize.yaml" \
    "$src/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
    "$src/kustomize/stage/pod/fast/pod-ready.yaml" \
    "$src/kustomize/stage/pod/fast/pod-complete.yaml" \
    "$src/kustomize/stage/pod/fast/pod-delete.yaml" "$OUT/kwok-stages/"
}

fetch_istio_crds() {
  step "fetching Istio CRDs from istio.io/api v$ISTIO_API_VERSION"
  local src
  src=$(cd "$work" && go mod download -json "istio.io/api@v$ISTIO_API_VERSION" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')
  cp "$src/kubernetes/customresourcedefinitions.gen.yaml" "$OUT/istio-crds.yaml"
}

started=$(date +%s)
[ -x "$OUT/bin/kube-apiserver" ] && [ -x "$OUT/bin/kube-controller-manager" ] && [ -x "$OUT/bin/kube-scheduler" ] || build_kubernetes
[ -x "$OUT/bin/etcd" ] || build_etcd
[ -x "$OUT/bin/kwok" ] && [ -f "$OUT/kwok-stages/pod-ready.yaml" ] || build_kwok
[ -f "$OUT/istio-crds.yaml" ] || fetch_istio_crds
chmod -R u+w "$OUT"
touch "$OUT/.complete"
step "done in $(( $(date +%s) - started ))s: $OUT"
echo "$OUT"
