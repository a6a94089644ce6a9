# shellcheck shell=bash
# Shared helpers for scripts/tools/build.sh and scripts/tools/env.sh (sourced, never executed).
#
# The tools live OUTSIDE the repository so that every clone on the machine shares them:
#   ${GO_SERVICE_STACK_TOOLS:-$HOME/.cache/go-service-stack/tools}/current/{bin,plugins,pulumi-home,share,stamps}
# Each component has its own cache key (components.sh: its pins, its source files, the text of its build
# function, the Go version). stamps/<component> holds the key it was built with; build.sh rebuilds a
# component only when its key changed, and env.sh refuses tools whose stamp does not hold the current key.

GSS_TOOLS_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
. "$GSS_TOOLS_SCRIPT_DIR/versions.sh"
# shellcheck source=components.sh
. "$GSS_TOOLS_SCRIPT_DIR/components.sh"

gss_tools_root() {
  printf '%s\n' "${GO_SERVICE_STACK_TOOLS:-${HOME}/.cache/go-service-stack/tools}"
}

gss_tools_dir() {
  printf '%s/current\n' "$(gss_tools_root)"
}

# gss_stamp_key DIR COMPONENT -> the key COMPONENT was built with in DIR (empty if not built).
gss_stamp_key() {
  [ -f "$1/stamps/$2" ] || return 0
  sed -n 's/^key=//p' "$1/stamps/$2" | head -n 1
}
