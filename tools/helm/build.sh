#!/usr/bin/env bash
# Builds Helm from its Go module (the Go module proxy is all it needs) and caches it:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/phalanx/helm/<version>/helm
#
# Usage:
#   HELM=$(tools/helm/build.sh | tail -1)
#
# Progress goes to stderr; the last line on stdout is the path of the helm binary. Idempotent: if
# the pinned version is already built, it exits at once. A helm on the PATH is not used, so every
# machine renders the chart with the same Helm.
#
# Environment:
#   PHALANX_HELM_VERSION  Helm 3 version, vX.Y.Z (default below)
#   PHALANX_HELM_DIR      cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/phalanx/helm)
#   GO                    go binary (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

HELM_VERSION="${PHALANX_HELM_VERSION:-v3.22.0}"
OUT_DIR="${PHALANX_HELM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/phalanx/helm}/${HELM_VERSION}"
HELM="${OUT_DIR}/helm"

log() { printf '[helm] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# build.env records how the binary was stamped; a binary without it is rebuilt.
if [[ -x "${HELM}" && -f "${OUT_DIR}/build.env" ]] \
    && [[ "$("${HELM}" version --template '{{.Version}}' 2>/dev/null)" == "${HELM_VERSION}" ]]; then
  log "helm ${HELM_VERSION} already in ${OUT_DIR}"
  echo "${HELM}"
  exit 0
fi

if [[ -z "${GO:-}" ]]; then
  GO="$(command -v go || true)"
  [[ -n "${GO}" ]] || GO=/usr/local/go/bin/go
fi
[[ -x "${GO}" ]] || die "go not found (set GO=/path/to/go)"

mkdir -p "${OUT_DIR}"
STAGE_DIR="$(mktemp -d "${OUT_DIR}/.staging.XXXXXX")" # same filesystem as OUT_DIR => atomic mv
trap 'rm -rf "${STAGE_DIR}"' EXIT

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-buildvcs=false"

# Stamp the version, and the Kubernetes version `helm template` assumes, as Helm's Makefile does (major
# and minor from the client-go it is built with); unstamped, Helm assumes Kubernetes 1.20.
gomod="$("${GO}" mod download -json "helm.sh/helm/v3@${HELM_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
[[ -f "${gomod}" ]] || die "cannot download the go.mod of helm.sh/helm/v3@${HELM_VERSION}"
client_go="$(awk '$1 == "k8s.io/client-go" {print $2; exit}' "${gomod}")"
[[ "${client_go}" =~ ^v0\.([0-9]+)\. ]] || die "unexpected k8s.io/client-go version in ${gomod}: ${client_go}"
K8S_MAJOR=1
K8S_MINOR="${BASH_REMATCH[1]}"
LDFLAGS="-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}"
for pkg in helm.sh/helm/v3/pkg/lint/rules helm.sh/helm/v3/pkg/chartutil; do
  LDFLAGS+=" -X ${pkg}.k8sVersionMajor=${K8S_MAJOR} -X ${pkg}.k8sVersionMinor=${K8S_MINOR}"
done

log "building helm ${HELM_VERSION} (Kubernetes ${K8S_MAJOR}.${K8S_MINOR}) with $("${GO}" version) (cold cache: a few minutes on 2 cores)"
start=${SECONDS}
GOBIN="${STAGE_DIR}" nice -n 10 "${GO}" install -trimpath -ldflags "${LDFLAGS}" "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}"
log "helm built in $((SECONDS - start))s"

got="$("${STAGE_DIR}/helm" version --template '{{.Version}}')"
[[ "${got}" == "${HELM_VERSION}" ]] || die "unexpected helm version: ${got}"
mv -f "${STAGE_DIR}/helm" "${HELM}"
printf 'HELM_VERSION=%s\nKUBE_VERSION=%s.%s\n' "${HELM_VERSION}" "${K8S_MAJOR}" "${K8S_MINOR}" >"${OUT_DIR}/build.env"
echo "${HELM}"
