# shellcheck shell=bash
# Shared helpers for scripts/tools/build.sh and scripts/tools/env.sh (sourced, never executed).
#
# The tools live OUTSIDE the repository so that every clone on the machine shares them:
#   ${GO_SERVICE_STACK_TOOLS:-$HOME/.cache/go-service-stack/tools}/<key>/bin
# <key> is a hash of the pinned versions, the content of every file under scripts/tools/ and the Go
# toolchain version, so editing a build script or bumping a pin builds a fresh directory.

GSS_TOOLS_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
. "$GSS_TOOLS_SCRIPT_DIR/versions.sh"

gss_tools_root() {
  printf '%s\n' "${GO_SERVICE_STACK_TOOLS:-${HOME}/.cache/go-service-stack/tools}"
}

# gss_tools_key prints the cache key (16 hex chars).
gss_tools_key() {
  local gover
  gover="$(go env GOVERSION 2>/dev/null || echo nogo)"
  {
    echo "go=$gover"
    # Every file that influences the build, in a stable order, with its path.
    (cd "$GSS_TOOLS_SCRIPT_DIR" && find . -type f ! -name '*.md' -print | LC_ALL=C sort | while read -r f; do
      printf '%s ' "$f"
      sha256sum "$f" | cut -d' ' -f1
    done)
  } | sha256sum | cut -c1-16
}

gss_tools_dir() {
  printf '%s/%s\n' "$(gss_tools_root)" "$(gss_tools_key)"
}
