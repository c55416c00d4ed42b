#!/usr/bin/env bash
# Builds the test control plane from Go modules and lays it out the way io.fabric8:kube-api-test
# expects, with the other Kubernetes components the tests run beside it:
#
#   <dir>/k8s/<X.Y.Z>-linux-amd64/{kube-apiserver,etcd,kubectl}        what kube-api-test starts
#   <dir>/k8s/<X.Y.Z>-linux-amd64/{kube-controller-manager,kube-scheduler}
#   <dir>/scheduler-plugins/<vA.B.C>/kube-scheduler                    scheduler-plugins' scheduler
#   <dir>/scheduler-plugins/<vA.B.C>/coscheduling-crd.yaml             the PodGroup CRD its Coscheduling reads
#   <dir>/jobset/<vA.B.C>/jobset-controller                           JobSet's controller manager
#   <dir>/jobset/<vA.B.C>/webhooks.yaml                               its webhook configurations, as its release has them
#   <dir>/training-operator/<vA.B.C>/training-operator                Kubeflow's training operator (v1)
#   <dir>/training-operator/<vA.B.C>/webhooks.yaml                    its webhook configuration, likewise
#
# Usage:
#   export KUBE_API_TEST_DIR=$(tools/control-plane/build.sh | tail -1)          # apiserver + etcd
#   tools/control-plane/build.sh kube-controller-manager kube-scheduler          # what a test needs more
#   tools/control-plane/build.sh all
#
# Components: kube-apiserver, etcd (always), kube-controller-manager, kube-scheduler,
# scheduler-plugins, jobset-controller, training-operator (the two operators at the versions whose CRDs
# tools/workload-crds/fetch.sh installs, each with the dependencies its own go.mod pins). Progress goes to
# stderr; the last line on stdout is the directory to use as KUBE_API_TEST_DIR. Idempotent: a component whose
# binary is installed and reports the pinned version is not built again, so a warm call returns at once.
#
# Environment:
#   PHALANX_CONTROL_PLANE_DIR       output dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/phalanx/kube-api-test)
#   PHALANX_K8S_VERSION             Kubernetes version, X.Y.Z (default below)
#   PHALANX_ETCD_VERSION            etcd server version, X.Y.Z (default below)
#   PHALANX_SCHEDULER_PLUGINS_VERSION  sigs.k8s.io/scheduler-plugins version, vA.B.C (default below)
#   PHALANX_SCHEDULER_PLUGINS_K8S_VERSION  Kubernetes libraries it is built with, X.Y.Z (default below)
#   PHALANX_JOBSET_VERSION          sigs.k8s.io/jobset version, vA.B.C (default below)
#   PHALANX_TRAINING_OPERATOR_VERSION  github.com/kubeflow/training-operator version, vA.B.C (default below)
#   GO                              go binary (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

K8S_VERSION="${PHALANX_K8S_VERSION:-1.37.2}"
ETCD_VERSION="${PHALANX_ETCD_VERSION:-3.7.3}"
SCHEDULER_PLUGINS_VERSION="${PHALANX_SCHEDULER_PLUGINS_VERSION:-v0.34.7}"
# the Kubernetes libraries scheduler-plugins is built with: its own pins (1.34.7) include a module the Go
# module proxy refuses (k8s.io/csi-translation-lib v0.34.7), so the newest 1.34 patch that builds stands in
SCHEDULER_PLUGINS_K8S_VERSION="${PHALANX_SCHEDULER_PLUGINS_K8S_VERSION:-1.34.10}"
# the same versions as the CRDs of tools/workload-crds/fetch.sh: a controller must know the fields its CRD has
JOBSET_VERSION="${PHALANX_JOBSET_VERSION:-v0.10.1}"
TRAINING_OPERATOR_VERSION="${PHALANX_TRAINING_OPERATOR_VERSION:-v1.8.1}"
OUT_DIR="${PHALANX_CONTROL_PLANE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/phalanx/kube-api-test}"

# Staging modules of k8s.io/kubernetes that its go.mod requires at v0.0.0, so each must be replaced with
# the matching v0.X.Y tag (1.37; 1.34 had neither cri-streaming nor streaming).
STAGING_MODULES=(
  api apiextensions-apiserver apimachinery apiserver cli-runtime client-go
  cloud-provider cluster-bootstrap code-generator component-base
  component-helpers controller-manager cri-api cri-client cri-streaming csi-translation-lib
  dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
  kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics
  mount-utils pod-security-admission sample-apiserver streaming
)

log() { printf '[control-plane] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) GOOS_ARCH="linux-amd64" ;;
  Linux/aarch64 | Linux/arm64) GOOS_ARCH="linux-arm64" ;;
  *) die "unsupported platform $(uname -s)/$(uname -m)" ;;
esac

BIN_DIR="${OUT_DIR}/k8s/${K8S_VERSION}-${GOOS_ARCH}"
PLUGINS_DIR="${OUT_DIR}/scheduler-plugins/${SCHEDULER_PLUGINS_VERSION}"
JOBSET_DIR="${OUT_DIR}/jobset/${JOBSET_VERSION}"
TRAINING_OPERATOR_DIR="${OUT_DIR}/training-operator/${TRAINING_OPERATOR_VERSION}"

if [[ -z "${GO:-}" ]]; then
  GO="$(command -v go || true)"
  [[ -n "${GO}" ]] || GO=/usr/local/go/bin/go
fi

# A version check reads a binary's whole output before it compares: piping it into a grep that quits at its
# first match fails under pipefail whenever the binary is still writing (it dies of SIGPIPE).
has_version() { # binary, line it must print
  local out
  [[ -x "$1" ]] || return 1
  out="$("$1" --version 2>/dev/null)" || return 1
  [[ $'\n'"${out}"$'\n' == *$'\n'"$2"$'\n'* ]]
}

# The operators print no version without a cluster to talk to, so their build information says which module
# version their main package came from (`go version -m`: a line "<tab>mod<tab>MODULE<tab>VERSION<tab>SUM").
has_module() { # binary, module, version
  local out
  [[ -x "$1" && -x "${GO}" ]] || return 1
  out="$("${GO}" version -m "$1" 2>/dev/null)" || return 1
  [[ "${out}" == *$'\n\t'mod$'\t'"$2"$'\t'"$3"$'\t'* ]]
}

installed() { # component
  case "$1" in
    kube-apiserver | kube-controller-manager | kube-scheduler) has_version "${BIN_DIR}/$1" "Kubernetes v${K8S_VERSION}" ;;
    etcd) has_version "${BIN_DIR}/etcd" "etcd Version: ${ETCD_VERSION}" ;;
    scheduler-plugins) [[ -x "${PLUGINS_DIR}/kube-scheduler" && -f "${PLUGINS_DIR}/version" && -f "${PLUGINS_DIR}/coscheduling-crd.yaml" \
        && "$(cat "${PLUGINS_DIR}/version")" == "${SCHEDULER_PLUGINS_VERSION} k8s ${SCHEDULER_PLUGINS_K8S_VERSION}" ]] ;;
    jobset-controller) [[ -f "${JOBSET_DIR}/webhooks.yaml" ]] \
        && has_module "${JOBSET_DIR}/jobset-controller" sigs.k8s.io/jobset "${JOBSET_VERSION}" ;;
    training-operator) [[ -f "${TRAINING_OPERATOR_DIR}/webhooks.yaml" ]] \
        && has_module "${TRAINING_OPERATOR_DIR}/training-operator" github.com/kubeflow/training-operator "${TRAINING_OPERATOR_VERSION}" ;;
  esac
}

link_kubectl() {
  local kubectl_path
  kubectl_path="$(command -v kubectl || true)"
  [[ -n "${kubectl_path}" ]] || die "kubectl not found on PATH (kube-api-test needs it in ${BIN_DIR})"
  # kube-api-test only runs `kubectl config ...` (local kubeconfig edits), so client/server skew does not matter
  if [[ "$(readlink "${BIN_DIR}/kubectl" 2>/dev/null || true)" != "${kubectl_path}" ]]; then
    mkdir -p "${BIN_DIR}"
    ln -sfn "${kubectl_path}" "${BIN_DIR}/kubectl.tmp.$$"
    mv -Tf "${BIN_DIR}/kubectl.tmp.$$" "${BIN_DIR}/kubectl"
  fi
}

wanted=(kube-apiserver etcd)
for arg in "$@"; do
  case "${arg}" in
    all) wanted+=(kube-controller-manager kube-scheduler scheduler-plugins jobset-controller training-operator) ;;
    kube-apiserver | etcd | kube-controller-manager | kube-scheduler | scheduler-plugins | jobset-controller | training-operator)
      wanted+=("${arg}") ;;
    *) die "unknown component ${arg} (known: kube-apiserver etcd kube-controller-manager kube-scheduler scheduler-plugins jobset-controller training-operator all)" ;;
  esac
done
missing=()
for c in "${wanted[@]}"; do
  installed "${c}" || { [[ " ${missing[*]-} " == *" ${c} "* ]] || missing+=("${c}"); }
done
link_kubectl
if [[ ${#missing[@]} -eq 0 ]]; then
  log "${wanted[*]} (Kubernetes v${K8S_VERSION}) already in ${OUT_DIR}"
  echo "${OUT_DIR}"
  exit 0
fi

# --- build -----------------------------------------------------------------
[[ -x "${GO}" ]] || die "go not found (set GO=/path/to/go)"

K8S_MINOR="${K8S_VERSION#*.}"; K8S_MINOR="${K8S_MINOR%%.*}"
K8S_MAJOR="${K8S_VERSION%%.*}"

mkdir -p "${BIN_DIR}"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/phalanx-control-plane.XXXXXX")"
STAGE_DIR="$(mktemp -d "${OUT_DIR}/.staging.XXXXXX")" # same filesystem as BIN_DIR => atomic mv
cleanup() { rm -rf "${WORK_DIR}" "${STAGE_DIR}"; }
trap cleanup EXIT

# Module cache / build cache stay at their defaults (GOMODCACHE, GOCACHE), so repeated builds reuse them.
# -mod=mod lets `go build` fill in go.sum (checked against the checksum database) without pulling the
# test-only deps that `go mod tidy` would.
export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod -buildvcs=false"
NICE=(nice -n 10)
log "using $("${GO}" version); building ${missing[*]} into ${OUT_DIR}"

# A wrapper module requiring k8s.io/kubernetes at $1 with every staging module replaced by its v0.Y.Z tag.
kubernetes_module() { # dir, module name, kubernetes version X.Y.Z
  local dir="$1" name="$2" version="$3" m
  mkdir -p "${dir}"
  {
    echo "module ${name}"
    echo
    echo "go 1.26.0"
    echo
    echo "replace ("
    for m in "${STAGING_MODULES[@]}"; do
      echo "	k8s.io/${m} => k8s.io/${m} v0.${version#*.}"
    done
    echo ")"
  } >"${dir}/go.mod"
}

K8S_LDFLAGS="-s -w -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} -X k8s.io/component-base/version.gitMajor=${K8S_MAJOR} -X k8s.io/component-base/version.gitMinor=${K8S_MINOR} -X k8s.io/component-base/version.gitTreeState=clean"

kube_components=()
for c in "${missing[@]}"; do
  case "${c}" in kube-apiserver | kube-controller-manager | kube-scheduler) kube_components+=("${c}") ;; esac
done
if [[ ${#kube_components[@]} -gt 0 ]]; then
  kubernetes_module "${WORK_DIR}/kubernetes" phalanx.local/control-plane/kubernetes "${K8S_VERSION}"
  start=${SECONDS}
  (
    cd "${WORK_DIR}/kubernetes"
    "${GO}" get "k8s.io/kubernetes@v${K8S_VERSION}"
    for c in "${kube_components[@]}"; do
      log "building ${c} v${K8S_VERSION} (cold cache: kube-apiserver ~6 min on 2 cores, the others a few more)"
      "${NICE[@]}" "${GO}" build -trimpath -ldflags "${K8S_LDFLAGS}" -o "${STAGE_DIR}/${c}" "k8s.io/kubernetes/cmd/${c}"
    done
  )
  for c in "${kube_components[@]}"; do
    has_version "${STAGE_DIR}/${c}" "Kubernetes v${K8S_VERSION}" \
      || die "unexpected ${c} version: $("${STAGE_DIR}/${c}" --version 2>&1)"
    mv -f "${STAGE_DIR}/${c}" "${BIN_DIR}/${c}"
  done
  log "${kube_components[*]} built in $((SECONDS - start))s"
fi

if [[ " ${missing[*]} " == *" etcd "* ]]; then
  # etcd in a module of its own: its dependency set differs from Kubernetes'
  mkdir -p "${WORK_DIR}/etcd"
  printf 'module phalanx.local/control-plane/etcd\n\ngo 1.26.0\n' >"${WORK_DIR}/etcd/go.mod"
  log "building etcd v${ETCD_VERSION}"
  start=${SECONDS}
  (
    cd "${WORK_DIR}/etcd"
    "${GO}" get "go.etcd.io/etcd/server/v3@v${ETCD_VERSION}"
    "${NICE[@]}" "${GO}" build -trimpath -ldflags "-s -w" -o "${STAGE_DIR}/etcd" go.etcd.io/etcd/server/v3
  )
  has_version "${STAGE_DIR}/etcd" "etcd Version: ${ETCD_VERSION}" \
    || die "unexpected etcd version: $("${STAGE_DIR}/etcd" --version 2>&1)"
  mv -f "${STAGE_DIR}/etcd" "${BIN_DIR}/etcd"
  log "etcd built in $((SECONDS - start))s"
fi

if [[ " ${missing[*]} " == *" scheduler-plugins "* ]]; then
  # scheduler-plugins pins its own Kubernetes libraries: its go.mod replaces the staging modules itself
  mkdir -p "${WORK_DIR}/scheduler-plugins" "${PLUGINS_DIR}"
  printf 'module phalanx.local/control-plane/scheduler-plugins\n\ngo 1.26.0\n' >"${WORK_DIR}/scheduler-plugins/go.mod"
  log "building scheduler-plugins ${SCHEDULER_PLUGINS_VERSION}"
  start=${SECONDS}
  (
    cd "${WORK_DIR}/scheduler-plugins"
    gomod="$("${GO}" mod download -json "sigs.k8s.io/scheduler-plugins@${SCHEDULER_PLUGINS_VERSION}" \
      | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
    [[ -f "${gomod}" ]] || die "cannot download the go.mod of sigs.k8s.io/scheduler-plugins@${SCHEDULER_PLUGINS_VERSION}"
    # a wrapper gets no replace directives from a dependency: copy scheduler-plugins' own, moved to the
    # Kubernetes libraries chosen above
    own="$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "${gomod}")" # v1.Y.Z
    awk '/^replace \(/{p=1} p{print; if (/^\)/) p=0; next} /^replace /{print}' "${gomod}" \
      | sed -e "s/ v0\.${own#v1.}\$/ v0.${SCHEDULER_PLUGINS_K8S_VERSION#1.}/" -e "s/ ${own}\$/ v${SCHEDULER_PLUGINS_K8S_VERSION}/" >>go.mod
    k8s="v${SCHEDULER_PLUGINS_K8S_VERSION}"
    "${GO}" get "sigs.k8s.io/scheduler-plugins@${SCHEDULER_PLUGINS_VERSION}"
    "${NICE[@]}" "${GO}" build -trimpath \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=${k8s:-v0.0.0} -X k8s.io/component-base/version.gitTreeState=clean" \
      -o "${STAGE_DIR}/kube-scheduler-plugins" sigs.k8s.io/scheduler-plugins/cmd/scheduler
  )
  mv -f "${STAGE_DIR}/kube-scheduler-plugins" "${PLUGINS_DIR}/kube-scheduler"
  # the PodGroup CRD (scheduling.x-k8s.io) its Coscheduling plugin reads, from the same module
  cp -f "$("${GO}" env GOMODCACHE)/sigs.k8s.io/scheduler-plugins@${SCHEDULER_PLUGINS_VERSION}/manifests/coscheduling/crd.yaml" \
    "${PLUGINS_DIR}/coscheduling-crd.yaml"
  printf '%s\n' "${SCHEDULER_PLUGINS_VERSION} k8s ${SCHEDULER_PLUGINS_K8S_VERSION}" >"${PLUGINS_DIR}/version"
  log "scheduler-plugins built in $((SECONDS - start))s"
fi

# An operator in a wrapper module that requires it and nothing else, so every dependency is at the version the
# operator's own go.mod pins (neither has replace directives). Its webhook configurations are rendered from the
# same module with kustomize (kubectl's), as its release renders them.
build_operator() { # component, module, version, package, output dir, webhook kustomization in the module, -ldflags
  local component="$1" module="$2" version="$3" package="$4" dir="$5" webhooks="$6" ldflags="$7" src
  mkdir -p "${WORK_DIR}/${component}" "${dir}"
  printf 'module phalanx.local/control-plane/%s\n\ngo 1.26.0\n' "${component}" >"${WORK_DIR}/${component}/go.mod"
  log "building ${component} ${version} (${module})"
  start=${SECONDS}
  (
    cd "${WORK_DIR}/${component}"
    "${GO}" get "${module}@${version}"
    "${NICE[@]}" "${GO}" build -trimpath -ldflags "-s -w ${ldflags}" -o "${STAGE_DIR}/${component}" "${package}"
  )
  has_module "${STAGE_DIR}/${component}" "${module}" "${version}" \
    || die "${component} was not built from ${module} ${version}: $("${GO}" version -m "${STAGE_DIR}/${component}" 2>&1 | head -3)"
  src="$(cd "${WORK_DIR}/${component}" && "${GO}" list -m -f '{{.Dir}}' "${module}")"
  kubectl kustomize "${src}/${webhooks}" >"${STAGE_DIR}/${component}-webhooks.yaml" \
    || die "kubectl kustomize ${module}/${webhooks} failed"
  mv -f "${STAGE_DIR}/${component}-webhooks.yaml" "${dir}/webhooks.yaml"
  mv -f "${STAGE_DIR}/${component}" "${dir}/${component}"
  log "${component} ${version} built in $((SECONDS - start))s"
}

if [[ " ${missing[*]} " == *" jobset-controller "* ]]; then
  build_operator jobset-controller sigs.k8s.io/jobset "${JOBSET_VERSION}" sigs.k8s.io/jobset "${JOBSET_DIR}" \
    config/components/webhook "-X sigs.k8s.io/jobset/pkg/version.GitVersion=${JOBSET_VERSION}"
fi

if [[ " ${missing[*]} " == *" training-operator "* ]]; then
  build_operator training-operator github.com/kubeflow/training-operator "${TRAINING_OPERATOR_VERSION}" \
    github.com/kubeflow/training-operator/cmd/training-operator.v1 "${TRAINING_OPERATOR_DIR}" manifests/base/webhook ""
fi

log "installed: $(ls "${BIN_DIR}" | tr '\n' ' ')"
log "export KUBE_API_TEST_DIR=${OUT_DIR}"
echo "${OUT_DIR}"
