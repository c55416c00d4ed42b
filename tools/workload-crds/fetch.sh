#!/usr/bin/env bash
# Fetches the CustomResourceDefinitions of the workload operators Phalanx forms gangs for, as each project
# defines them, from their Go modules (the Go module proxy is all it needs), into a cache:
#
#   ${XDG_CACHE_HOME:-$HOME/.cache}/phalanx/workload-crds/<file>.yaml
#
# Usage:
#   DIR=$(tools/workload-crds/fetch.sh | tail -1)
#
# The tests install these CRDs on the test API server, so that JobSets, PyTorchJobs and the like can be created
# there. Progress goes to stderr; the last line on stdout is the directory. Idempotent: files already fetched
# are kept.
#
# Environment:
#   PHALANX_WORKLOAD_CRDS_DIR  output dir
#   GO                         go binary (default: go on PATH, else /usr/local/go/bin/go)
set -euo pipefail

OUT_DIR="${PHALANX_WORKLOAD_CRDS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/phalanx/workload-crds}"

# module@version  path in the module  file name here
SOURCES=(
  "sigs.k8s.io/jobset@v0.10.1 config/components/crd/bases/jobset.x-k8s.io_jobsets.yaml jobsets.yaml"
  "github.com/kubeflow/training-operator@v1.8.1 manifests/base/crds/kubeflow.org_pytorchjobs.yaml pytorchjobs.yaml"
  "github.com/kubeflow/training-operator@v1.8.1 manifests/base/crds/kubeflow.org_xgboostjobs.yaml xgboostjobs.yaml"
  "github.com/kubeflow/mpi-operator@v0.6.0 deploy/v2beta1/mpi-operator.yaml mpijobs.yaml"
  "github.com/kubeflow/trainer/v2@v2.0.0 manifests/base/crds/trainer.kubeflow.org_trainjobs.yaml trainjobs.yaml"
  "github.com/ray-project/kuberay/ray-operator@v1.5.0 config/crd/bases/ray.io_rayclusters.yaml rayclusters.yaml"
  "github.com/ray-project/kuberay/ray-operator@v1.5.0 config/crd/bases/ray.io_rayjobs.yaml rayjobs.yaml"
  "sigs.k8s.io/lws@v0.7.0 config/crd/bases/leaderworkerset.x-k8s.io_leaderworkersets.yaml leaderworkersets.yaml"
)

log() { printf '[workload-crds] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ -z "${GO:-}" ]]; then
  GO="$(command -v go || true)"
  [[ -n "${GO}" ]] || GO=/usr/local/go/bin/go
fi

mkdir -p "${OUT_DIR}"
for s in "${SOURCES[@]}"; do
  read -r module path file <<<"${s}"
  [[ -f "${OUT_DIR}/${file}" ]] && continue
  [[ -x "${GO}" ]] || die "go not found (set GO=/path/to/go)"
  log "fetching ${file} from ${module}"
  dir="$(GOFLAGS=-mod=mod "${GO}" mod download -json "${module}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')"
  [[ -f "${dir}/${path}" ]] || die "${module} has no ${path}"
  cp "${dir}/${path}" "${OUT_DIR}/${file}.tmp.$$"
  mv -f "${OUT_DIR}/${file}.tmp.$$" "${OUT_DIR}/${file}"
done
echo "${OUT_DIR}"
