#!/usr/bin/env bash
# Makes sure promtool and prometheus (the tools the dashboard tests check PromQL with) are installed.
#
# Usage:
#   PROMTOOL=$(tools/promtool/install.sh | tail -1)
#
# Progress goes to stderr; the last line on stdout is the path of promtool (prometheus is beside it).
# Idempotent: when both are on the PATH it exits at once. Otherwise it installs Debian's prometheus
# package, which needs root and apt-get; without them it says what to install and fails.
set -euo pipefail

log() { printf '[promtool] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if command -v promtool >/dev/null && command -v prometheus >/dev/null; then
  log "$(promtool --version 2>&1)"
  command -v promtool
  exit 0
fi

how="install Debian's or Ubuntu's 'prometheus' package (apt-get install prometheus), or put promtool and prometheus (from a Prometheus 2.x release) on the PATH"
command -v apt-get >/dev/null || die "promtool is missing and there is no apt-get here: ${how}"
[[ "$(id -u)" == 0 ]] || die "promtool is missing and installing it needs root: ${how}"

log "installing the prometheus package (promtool and prometheus)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 || die "apt-get update failed: ${how}"
apt-get install -y -qq --no-install-recommends prometheus >&2 || die "apt-get install prometheus failed: ${how}"
command -v promtool >/dev/null && command -v prometheus >/dev/null || die "the prometheus package did not provide promtool and prometheus"
log "$(promtool --version 2>&1)"
command -v promtool
