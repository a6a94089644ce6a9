#!/usr/bin/env bash
# The whole test suite, from a fresh clone on a fresh Debian machine (run as root, or with sudo rights):
#   1. what the tests need: promtool, PostgreSQL, shellcheck, an S3 server and client (apt, PyPI),
#      containerd, runc, CNI plugins, iptables (apt: the cluster's real node), actionlint (Go module proxy, cached)
#   2. the reference Go service's own vet and tests, then the fast suite: lint, type-check, API report,
#      unit tests (incl. promtool rule tests)
#   3. the real tools (Pulumi CLI, Kubernetes provider, control plane), built from Go modules, cached
#   4. a local cluster, the end-to-end suites against it, and the cluster stopped again even on failure
# `npm ci` must have run before (the README's first command does it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "system packages"
bash scripts/ci/install-promtool.sh
bash scripts/e2e/install-backup-deps.sh
bash scripts/cluster/install-node-deps.sh
bash scripts/ci/install-actionlint.sh

rm -f reports/vitest-*.json
step "reference service (examples/go-service: go vet, go test)"
(cd examples/go-service && GOFLAGS=-mod=mod GOTOOLCHAIN=local go vet ./... && GOFLAGS=-mod=mod GOTOOLCHAIN=local go test -count=1 ./...)

step "unit suite (npm test)"
npm test

step "tools (npm run tools)"
npm run tools

step "local cluster (npm run cluster:up)"
cleanup() {
  step "stopping the local cluster"
  npm run --silent cluster:down || true
}
trap cleanup EXIT
npm run cluster:up

step "end-to-end suites (npm run test:e2e)"
npm run test:e2e
trap - EXIT
cleanup

step "totals"
node scripts/test-totals.mjs
