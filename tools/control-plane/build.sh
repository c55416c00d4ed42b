#!/usr/bin/env bash
# Builds a Kubernetes test control plane (kube-apiserver + etcd) from Go
# modules and lays it out the way io.fabric8:kube-api-test expects:
#
#   <dir>/k8s/<X.Y.Z>-linux-amd64/{kube-apiserver,etcd,kubectl}
#
# Usage:
#   export KUBE_API_TEST_DIR=$(tools/control-plane/build.sh | tail -1)
#
# Progress goes to stderr; the last line on stdout is the directory to use as
# KUBE_API_TEST_DIR. Idempotent: if the binaries for the pinned version are
# already installed, it exits immediately.
#
# Environment:
#   PHALANX_CONTROL_PLANE_DIR  output dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/phalanx/kube-api-test)
#   PHALANX_K8S_VERSION        kube-apiserver version, X.Y.Z (default below)
#   PHALANX_ETCD_VERSION       etcd server version, X.Y.Z (default below)
#   GO                         go binary (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

K8S_VERSION="${PHALANX_K8S_VERSION:-1.34.10}"
ETCD_VERSION="${PHALANX_ETCD_VERSION:-3.6.16}"
OUT_DIR="${PHALANX_CONTROL_PLANE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/phalanx/kube-api-test}"

# Staging modules of k8s.io/kubernetes (all required at v0.0.0 by its go.mod,
# so each must be replaced with the matching v0.X.Y tag).
STAGING_MODULES=(
  api apiextensions-apiserver apimachinery apiserver cli-runtime client-go
  cloud-provider cluster-bootstrap code-generator component-base
  component-helpers controller-manager cri-api cri-client csi-translation-lib
  dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
  kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
  mount-utils pod-security-admission sample-apiserver sample-cli-plugin
  sample-controller
)

log() { printf '[control-plane] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) GOOS_ARCH="linux-amd64" ;;
  Linux/aarch64 | Linux/arm64) GOOS_ARCH="linux-arm64" ;;
  *) die "unsupported platform $(uname -s)/$(uname -m)" ;;
esac

BIN_DIR="${OUT_DIR}/k8s/${K8S_VERSION}-${GOOS_ARCH}"

# --- fast path -------------------------------------------------------------
# A version check reads a binary's whole output before it compares: `cmd | grep -q` under pipefail fails
# whenever grep exits at its match while cmd still writes (cmd dies of SIGPIPE).
has_version() { # binary, line it must print
  local out
  out="$("$1" --version 2>/dev/null)" || return 1
  [[ $'\n'"${out}"$'\n' == *$'\n'"$2"$'\n'* ]]
}

is_installed() {
  [[ -x "${BIN_DIR}/kube-apiserver" && -x "${BIN_DIR}/etcd" && -x "${BIN_DIR}/kubectl" ]] || return 1
  has_version "${BIN_DIR}/kube-apiserver" "Kubernetes v${K8S_VERSION}" || return 1
  has_version "${BIN_DIR}/etcd" "etcd Version: ${ETCD_VERSION}" || return 1
}

link_kubectl() {
  local kubectl_path
  kubectl_path="$(command -v kubectl || true)"
  [[ -n "${kubectl_path}" ]] || die "kubectl not found on PATH (kube-api-test needs it in ${BIN_DIR})"
  # kube-api-test only runs `kubectl config ...` (local kubeconfig edits), so
  # client/server version skew does not matter.
  if [[ "$(readlink "${BIN_DIR}/kubectl" 2>/dev/null || true)" != "${kubectl_path}" ]]; then
    ln -sfn "${kubectl_path}" "${BIN_DIR}/kubectl.tmp.$$"
    mv -Tf "${BIN_DIR}/kubectl.tmp.$$" "${BIN_DIR}/kubectl"
  fi
}

if is_installed; then
  log "kube-apiserver v${K8S_VERSION} + etcd v${ETCD_VERSION} already in ${BIN_DIR}"
  echo "${OUT_DIR}"
  exit 0
fi

# --- build -----------------------------------------------------------------
if [[ -z "${GO:-}" ]]; then
  GO="$(command -v go || true)"
  [[ -n "${GO}" ]] || GO=/usr/local/go/bin/go
fi
[[ -x "${GO}" ]] || die "go not found (set GO=/path/to/go)"

K8S_MINOR="${K8S_VERSION#*.}"; K8S_MINOR="${K8S_MINOR%%.*}"
K8S_MAJOR="${K8S_VERSION%%.*}"
STAGING_VERSION="v0.${K8S_VERSION#*.}"

mkdir -p "${BIN_DIR}"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/phalanx-control-plane.XXXXXX")"
STAGE_DIR="$(mktemp -d "${OUT_DIR}/.staging.XXXXXX")" # same filesystem as BIN_DIR => atomic mv
cleanup() { rm -rf "${WORK_DIR}" "${STAGE_DIR}"; }
trap cleanup EXIT

# Module cache / build cache stay at their defaults (GOMODCACHE, GOCACHE), so
# repeated builds reuse them. -mod=mod lets `go build` fill in go.sum (checked
# against the checksum database) without pulling the test-only deps that
# `go mod tidy` would.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false"
NICE=(nice -n 10)

log "using $("${GO}" version)"
log "building into ${BIN_DIR} (work dir ${WORK_DIR})"

# kube-apiserver ------------------------------------------------------------
mkdir -p "${WORK_DIR}/kube-apiserver"
{
  echo "module phalanx.local/control-plane/kube-apiserver"
  echo
  echo "go 1.24.0"
  echo
  echo "// same GODEBUG defaults as upstream k8s.io/kubernetes 1.34"
  echo "godebug default=go1.24"
  echo
  echo "replace ("
  for m in "${STAGING_MODULES[@]}"; do
    echo "	k8s.io/${m} => k8s.io/${m} ${STAGING_VERSION}"
  done
  echo ")"
} >"${WORK_DIR}/kube-apiserver/go.mod"

log "building kube-apiserver v${K8S_VERSION} (cold cache: ~6 min on 2 cores)"
start=${SECONDS}
(
  cd "${WORK_DIR}/kube-apiserver"
  # go get bumps the go line if a dependency needs a newer one.
  "${GO}" get "k8s.io/kubernetes@v${K8S_VERSION}"
  "${NICE[@]}" "${GO}" build -trimpath \
    -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=${K8S_MAJOR} -X k8s.io/component-base/version.gitMinor=${K8S_MINOR} -X k8s.io/component-base/version.gitTreeState=clean" \
    -o "${STAGE_DIR}/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
)
log "kube-apiserver built in $((SECONDS - start))s"

# etcd (own module: its dependency set differs from kubernetes') ------------
mkdir -p "${WORK_DIR}/etcd"
printf 'module phalanx.local/control-plane/etcd\n\ngo 1.24.0\n' >"${WORK_DIR}/etcd/go.mod"

log "building etcd v${ETCD_VERSION}"
start=${SECONDS}
(
  cd "${WORK_DIR}/etcd"
  "${GO}" get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
  "${NICE[@]}" "${GO}" build -trimpath -ldflags "-s -w" \
    -o "${STAGE_DIR}/etcd" go.etcd.io/etcd/server/v3
)
log "etcd built in $((SECONDS - start))s"

# verify, then install atomically ------------------------------------------
got="$("${STAGE_DIR}/kube-apiserver" --version)"
[[ "${got}" == "Kubernetes v${K8S_VERSION}" ]] || die "unexpected kube-apiserver version: ${got}"
has_version "${STAGE_DIR}/etcd" "etcd Version: ${ETCD_VERSION}" \
  || die "unexpected etcd version: $("${STAGE_DIR}/etcd" --version 2>&1)"

mv -f "${STAGE_DIR}/etcd" "${BIN_DIR}/etcd"
mv -f "${STAGE_DIR}/kube-apiserver" "${BIN_DIR}/kube-apiserver"
link_kubectl

log "installed: $(ls "${BIN_DIR}" | tr '\n' ' ')"
log "export KUBE_API_TEST_DIR=${OUT_DIR}"
echo "${OUT_DIR}"
