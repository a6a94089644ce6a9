#!/usr/bin/env bash
# Installs actionlint (the GitHub Actions workflow linter) from the Go module proxy, pinned, cached:
#   ${GO_SERVICE_STACK_TOOLS:-$HOME/.cache/go-service-stack/tools}/actionlint-<version>/actionlint
# Prints the binary's path on stdout (progress goes to stderr). Idempotent: a cached binary is reused.
# Needs Go (>= 1.23) and access to the Go module proxy only. Shellcheck integration is off unless
# shellcheck is on PATH, which actionlint detects by itself.
set -euo pipefail

ACTIONLINT_VERSION=v1.7.12
ROOT="${GO_SERVICE_STACK_TOOLS:-$HOME/.cache/go-service-stack/tools}"
DEST="$ROOT/actionlint-$ACTIONLINT_VERSION"
BIN="$DEST/actionlint"

if [ -x "$BIN" ] && "$BIN" -version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "install-actionlint: go is not on PATH (Go >= 1.23 is required)" >&2; exit 1; }

mkdir -p "$DEST"
echo "install-actionlint: building github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
GOBIN="$DEST" GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0 GOWORK=off \
  go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
"$BIN" -version >&2
echo "$BIN"
