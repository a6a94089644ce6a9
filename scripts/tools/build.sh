#!/usr/bin/env bash
# Builds (or reuses) the offline toolchain for local/e2e testing, entirely from Go modules:
#   pulumi, pulumi-language-nodejs      (component: pulumi)
#   pulumi-resource-kubernetes          (component: k8s-provider; installed as a Pulumi plugin, not on PATH)
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd   (component: control-plane)
#   kwok                                (component: kwok)
#   kubelet, kube-proxy                 (component: node; the local cluster's real node)
#   image-builder, pause                (component: images; container images without a registry)
#
# Usage: bash scripts/tools/build.sh [component...]      (default: all components)
# Output goes to ${GO_SERVICE_STACK_TOOLS:-$HOME/.cache/go-service-stack/tools}/current/ (see lib.sh).
# A component is rebuilt only when its own key changed (components.sh); otherwise it is reused.
# Any failure exits non-zero.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"

die() { echo "tools: ERROR: $*" >&2; exit 1; }
log() { echo "tools: $*"; }

command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is required)"
command -v flock >/dev/null || die "flock (util-linux) is required"

if [ "$#" -gt 0 ]; then COMPONENTS=("$@"); else COMPONENTS=("${GSS_COMPONENTS[@]}"); fi
for c in "${COMPONENTS[@]}"; do
  case " ${GSS_COMPONENTS[*]} " in *" $c "*) ;; *) die "unknown component '$c' (known: ${GSS_COMPONENTS[*]})";; esac
done

DEST="$(gss_tools_dir)"
BIN="$DEST/bin"
mkdir -p "$BIN" "$DEST/stamps" "$DEST/plugins" "$DEST/share"

# Serialise concurrent builds (several clones on one machine).
exec 9>"$DEST/.lock"
if ! flock -n 9; then
  log "another build of $DEST is running; waiting for it..."
  flock 9
fi

gss_go_env
WORK="$(mktemp -d "$DEST/.work.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# ---------------------------------------------------------------------------------------------------
log "cache: $DEST"
SUMMARY=()
for c in "${COMPONENTS[@]}"; do
  stamp="$DEST/stamps/$c"
  key="$(gss_component_key "$c")"
  old="$(gss_stamp_key "$DEST" "$c")"
  if [ "$old" = "$key" ]; then
    for o in $(gss_component_outputs "$c" "$DEST"); do
      if [ ! -x "$o" ]; then
        log "$c: $o is missing; rebuilding"
        old=""
      fi
    done
  fi
  if [ "$old" = "$key" ]; then
    SUMMARY+=("$c: reused (key $key, $(sed -n 's/^built=//p' "$stamp"))")
    continue
  fi
  log "building $c (key $key${old:+, was $old}) ..."
  rm -f "$stamp"
  start=$(date +%s)
  "build_${c//-/_}"
  # A build that produced less than its outputs is a failed build, never a stamp.
  for o in $(gss_component_outputs "$c" "$DEST"); do
    [ -x "$o" ] || die "$c: building finished without $o"
  done
  secs=$(( $(date +%s) - start ))
  printf '%s\t%s\t%ss\t%s\n' "$(date -u +%FT%TZ)" "$c" "$secs" "$key" >>"$DEST/build-times.tsv"
  printf 'key=%s\nbuilt=%s in %ss\n' "$key" "$(date -u +%FT%TZ)" "$secs" >"$stamp"
  SUMMARY+=("$c: built in ${secs}s (key $key)")
done
install_k8s_plugin

{
  echo "go=$(go env GOVERSION)"
  for c in "${GSS_COMPONENTS[@]}"; do echo "key.$c=$(gss_stamp_key "$DEST" "$c")"; done
  echo "pulumi=$PULUMI_VERSION"
  echo "pulumi-language-nodejs=$PULUMI_VERSION (offline host from scripts/tools/language-nodejs)"
  echo "pulumi-resource-kubernetes=$K8S_PROVIDER_VERSION ($K8S_PROVIDER_MODULE_VERSION)"
  echo "kubernetes=$KUBERNETES_VERSION (control plane, kubelet, kube-proxy)"
  echo "etcd=$ETCD_VERSION"
  echo "kwok=$KWOK_VERSION"
  echo "go-containerregistry=$GO_CONTAINERREGISTRY_VERSION (image-builder)"
} >"$DEST/manifest.txt"

for line in "${SUMMARY[@]}"; do log "$line"; done
log "bin: $BIN"
log "pulumi home (plugin cache): $DEST/pulumi-home"
log "use: source scripts/tools/env.sh"
