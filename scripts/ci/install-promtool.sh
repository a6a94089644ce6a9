#!/usr/bin/env bash
# Installs promtool (Debian package "prometheus") for the rule tests of alerts/ and dashboards/.
# Idempotent: does nothing when promtool is already on PATH. Never starts the Prometheus server.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  echo "promtool already installed: $(promtool --version 2>&1 | head -n 1)"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-promtool: apt-get not found; install promtool (Prometheus >= 2.42) by other means" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
# The package's maintainer scripts would start the server where an init system runs; tell
# invoke-rc.d not to, for the duration of the install only.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
cleanup() {
  if [ "$created_policy" -eq 1 ]; then $SUDO rm -f "$policy"; fi
}
trap cleanup EXIT

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null

echo "promtool installed: $(promtool --version 2>&1 | head -n 1)"
