# shellcheck shell=bash
# Source this file (bash): `source scripts/tools/env.sh`. It does not build anything; run `npm run tools`
# first. It returns non-zero (and prints why) if the tools for the current pins/scripts are not built.
#
# Exports:
#   PATH                   += <tools>/bin  (pulumi, pulumi-language-nodejs, kube-*, kubectl, etcd, kwok, kubelet,
#                             kube-proxy, image-builder)
#   GSS_TOOLS_DIR          the tools directory (<root>/current)
#   GSS_K8S_PROVIDER_VERSION  version of the pulumi-resource-kubernetes plugin that was built
#   PULUMI_HOME            <tools>/pulumi-home unless already set (holds the offline plugin cache)
#   PULUMI_SKIP_UPDATE_CHECK=true, PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true,
#   PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=false (the CLI is the pinned one)
#   PULUMI_CONFIG_PASSPHRASE  a fixed local-only passphrase, only if neither it nor
#                             PULUMI_CONFIG_PASSPHRASE_FILE is set (for file:// test stacks only)

__gss_env() {
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  # shellcheck source=lib.sh
  . "$here/lib.sh" || return 1
  local dir
  dir="$(gss_tools_dir)" || return 1
  local missing=() c
  # Each component's stamp must hold the key of this checkout's pins and scripts (components.sh).
  for c in "${GSS_COMPONENTS[@]}"; do
    [ "$(gss_stamp_key "$dir" "$c")" = "$(gss_component_key "$c")" ] || missing+=("$c")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "tools: ERROR: not built for this checkout (missing or out of date: ${missing[*]} in $dir); run: npm run tools" >&2
    return 1
  fi
  export GSS_TOOLS_DIR="$dir"
  export GSS_K8S_PROVIDER_VERSION="$K8S_PROVIDER_VERSION"
  case ":$PATH:" in
    *":$dir/bin:"*) ;;
    *) export PATH="$dir/bin:$PATH" ;;
  esac
  export PULUMI_HOME="${PULUMI_HOME:-$dir/pulumi-home}"
  if [ ! -x "$PULUMI_HOME/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION/pulumi-resource-kubernetes" ]; then
    echo "tools: WARNING: PULUMI_HOME=$PULUMI_HOME has no kubernetes plugin v$K8S_PROVIDER_VERSION; install it with:" >&2
    echo "  pulumi plugin install resource kubernetes $K8S_PROVIDER_VERSION --file $dir/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION/pulumi-resource-kubernetes" >&2
  fi
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=false
  if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    # Only for local file:// stacks used by tests; never use it for a real stack.
    export PULUMI_CONFIG_PASSPHRASE="local-only-not-a-secret"
  fi
}
__gss_env
__gss_env_rc=$?
unset -f __gss_env
if [ "$__gss_env_rc" -ne 0 ]; then unset __gss_env_rc; return 1 2>/dev/null || exit 1; fi
unset __gss_env_rc
