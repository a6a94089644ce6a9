#!/usr/bin/env bash
# Installs what test/e2e/backup (and bench/backup.ts) need; idempotent, safe to run on every CI run.
#   Debian packages: postgresql (server + client tools), shellcheck, openssl (apt-get, only if missing)
#   Python venv .tools/backup-e2e-venv: moto[server] (the S3-compatible server) and awscli (the S3
#   client the backup jobs use), pinned. A venv keeps them away from whatever else is pip-installed
#   on the machine; the tests put its bin/ first on PATH.
# Usage: bash scripts/e2e/install-backup-deps.sh   (as root for apt-get; the venv needs python3 >= 3.9)
set -euo pipefail

readonly MOTO_VERSION=5.2.1
readonly AWSCLI_VERSION=1.45.11
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VENV=${BACKUP_E2E_VENV:-$ROOT/.tools/backup-e2e-venv}

log() { printf '[install-backup-deps] %s\n' "$*"; }

missing=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql postgresql-client)
command -v shellcheck >/dev/null || missing+=(shellcheck)
command -v openssl >/dev/null || missing+=(openssl)
command -v runuser >/dev/null || missing+=(util-linux)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
if ((${#missing[@]} > 0)); then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present (postgresql, shellcheck, openssl)"
fi

want="moto==${MOTO_VERSION} awscli==${AWSCLI_VERSION}"
have=""
if [[ -x $VENV/bin/python ]]; then
  have=$("$VENV/bin/python" -m pip freeze 2>/dev/null | grep -E '^(moto|awscli)==' | sort | tr '\n' ' ' | sed 's/ $//' || true)
fi
if [[ $have == "awscli==${AWSCLI_VERSION} moto==${MOTO_VERSION}" ]] && "$VENV/bin/aws" --version >/dev/null 2>&1; then
  log "venv up to date: $VENV ($want)"
else
  log "creating $VENV with $want"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "moto[server]==${MOTO_VERSION}" "awscli==${AWSCLI_VERSION}"
fi
"$VENV/bin/aws" --version
"$VENV/bin/moto_server" --help >/dev/null
log "ok: $(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1), $(shellcheck --version | sed -n 2p), $(openssl version)"
