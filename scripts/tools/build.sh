#!/usr/bin/env bash
# Builds (or reuses) the offline toolchain for local/e2e testing, entirely from Go modules:
#   pulumi, pulumi-language-nodejs      (component: pulumi)
#   pulumi-resource-kubernetes          (component: k8s-provider; installed as a Pulumi plugin, not on PATH)
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd   (component: control-plane)
#   kwok                                (component: kwok)
#
# Usage: bash scripts/tools/build.sh [component...]      (default: all components)
# Output goes to ${GO_SERVICE_STACK_TOOLS:-$HOME/.cache/go-service-stack/tools}/<key>/ (see lib.sh).
# A component that is already built for this key is reused. Any failure exits non-zero.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"

die() { echo "tools: ERROR: $*" >&2; exit 1; }
log() { echo "tools: $*"; }

command -v go >/dev/null || die "go is not on PATH (Go >= 1.26 is required)"
command -v flock >/dev/null || die "flock (util-linux) is required"

ALL_COMPONENTS=(pulumi k8s-provider control-plane kwok)
if [ "$#" -gt 0 ]; then COMPONENTS=("$@"); else COMPONENTS=("${ALL_COMPONENTS[@]}"); fi
for c in "${COMPONENTS[@]}"; do
  case " ${ALL_COMPONENTS[*]} " in *" $c "*) ;; *) die "unknown component '$c' (known: ${ALL_COMPONENTS[*]})";; esac
done

ROOT="$(gss_tools_root)"
KEY="$(gss_tools_key)"
DEST="$ROOT/$KEY"
BIN="$DEST/bin"
mkdir -p "$BIN" "$DEST/stamps" "$DEST/plugins" "$DEST/share"

# Serialise concurrent builds (several clones on one machine) of the same key.
exec 9>"$DEST/.lock"
if ! flock -n 9; then
  log "another build of $DEST is running; waiting for it..."
  flock 9
fi

export GOFLAGS="-mod=mod -buildvcs=false"
export GOTOOLCHAIN=local
export GOWORK=off
LDFLAGS_BASE="-s -w"

WORK="$(mktemp -d "$DEST/.work.XXXXXX")"
# quiet LOG CMD... : run CMD with output in LOG; show the tail of LOG if it fails.
quiet() {
  local logf="$1"; shift
  if ! "$@" >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    return 1
  fi
}
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

gomod_file() { # gomod_file MODULE@VERSION -> path of its go.mod in the module cache
  local out
  out="$(go mod download -json "$1")" || die "go mod download $1 failed"
  printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p'
}
gomod_dir() {
  local out
  out="$(go mod download -json "$1")" || die "go mod download $1 failed"
  printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'
}

# Copy the replace directives of a go.mod that point at other modules (drop local ../ paths).
nonlocal_replaces() {
  awk '
    /^replace[[:space:]]*\($/ { inblock = 1; next }
    inblock && /^\)/ { inblock = 0; next }
    inblock { line = $0 } 
    !inblock && /^replace[[:space:]]/ { line = $0; sub(/^replace[[:space:]]+/, "", line) }
    line != "" {
      split(line, parts, "=>"); target = parts[2]; gsub(/^[[:space:]]+/, "", target)
      if (target !~ /^\.\.?\//) print "replace " line
      line = ""
    }' "$1"
}

# ---------------------------------------------------------------------------------------------------
build_pulumi() {
  local d="$WORK/pulumi" gomod
  mkdir -p "$d/cmd/pulumi-language-nodejs"
  gomod="$(gomod_file "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION")"
  {
    echo "module localbuild/pulumi"
    echo
    echo "go 1.25"
    echo
    nonlocal_replaces "$gomod"
  } >"$d/go.mod"
  cp "$SCRIPT_DIR"/language-nodejs/*.go "$d/cmd/pulumi-language-nodejs/"
  (cd "$d" && quiet "$d/go-get.log" go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION" \
      "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION") || die "resolving pulumi $PULUMI_VERSION failed"
  grep -q "github.com/pulumi/pulumi/sdk/v3 v$PULUMI_VERSION" "$d/go.mod" \
    || die "MVS did not select sdk/v3 v$PULUMI_VERSION (see $d/go.mod)"
  mkdir -p "$d/out"
  (cd "$d" && go build -trimpath \
      -ldflags "$LDFLAGS_BASE -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      -o "$d/out/" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./cmd/pulumi-language-nodejs) \
    || die "building pulumi failed"
  "$d/out/pulumi" version | grep -qx "v$PULUMI_VERSION" || die "built pulumi does not report v$PULUMI_VERSION"
  mv -f "$d/out/pulumi" "$d/out/pulumi-language-nodejs" "$BIN/"
}

build_k8s_provider() {
  local d="$WORK/k8s-provider" mod="github.com/pulumi/pulumi-kubernetes/provider/v4" src
  mkdir -p "$d"
  src="$(gomod_dir "$mod@$K8S_PROVIDER_MODULE_VERSION")"
  [ -f "$src/cmd/pulumi-resource-kubernetes/schema.json" ] || die "schema.json missing from $mod@$K8S_PROVIDER_MODULE_VERSION"
  cp "$src/cmd/pulumi-resource-kubernetes/schema.json" "$src/cmd/pulumi-resource-kubernetes/terraform-mapping.json" "$d/"
  chmod u+w "$d"/*.json
  cp "$SCRIPT_DIR/k8s-provider/main.go" "$d/main.go"
  {
    echo "module localbuild/pulumi-resource-kubernetes"
    echo
    echo "go 1.24"
    echo
    nonlocal_replaces "$(gomod_file "$mod@$K8S_PROVIDER_MODULE_VERSION")"
  } >"$d/go.mod"
  # The provider replaces sdk/v4 with its sibling directory (not in the module zip); use the published
  # sdk/v4 tag of the same release instead.
  (cd "$d" && quiet "$d/go-get.log" go get "$mod@$K8S_PROVIDER_MODULE_VERSION" \
      "github.com/pulumi/pulumi-kubernetes/sdk/v4@$K8S_PROVIDER_SDK_VERSION" && quiet "$d/tidy.log" go mod tidy) \
    || die "resolving $mod@$K8S_PROVIDER_MODULE_VERSION failed"
  mkdir -p "$d/out"
  (cd "$d" && go build -trimpath \
      -ldflags "$LDFLAGS_BASE -X $mod/pkg/version.Version=$K8S_PROVIDER_VERSION" \
      -o "$d/out/pulumi-resource-kubernetes" .) || die "building pulumi-resource-kubernetes failed"
  local pdir="$DEST/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION"
  rm -rf "$pdir"
  mkdir -p "$pdir"
  mv -f "$d/out/pulumi-resource-kubernetes" "$pdir/"
}

# Install the provider into the Pulumi plugin cache (PULUMI_HOME) kept next to the tools, so the engine
# finds exactly this version offline. Needs the pulumi component.
install_k8s_plugin() {
  local bin="$DEST/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION/pulumi-resource-kubernetes"
  [ -x "$bin" ] || return 0
  [ -x "$BIN/pulumi" ] || return 0
  PULUMI_HOME="$DEST/pulumi-home" PULUMI_SKIP_UPDATE_CHECK=true \
    "$BIN/pulumi" plugin install resource kubernetes "$K8S_PROVIDER_VERSION" --file "$bin" --non-interactive \
    >/dev/null || die "pulumi plugin install resource kubernetes $K8S_PROVIDER_VERSION --file $bin failed"
  PULUMI_HOME="$DEST/pulumi-home" "$BIN/pulumi" plugin ls 2>/dev/null | grep -q "kubernetes.*$K8S_PROVIDER_VERSION" \
    || die "kubernetes plugin $K8S_PROVIDER_VERSION not visible in $DEST/pulumi-home"
}

build_control_plane() {
  local d="$WORK/control-plane" gomod minor
  mkdir -p "$d/cmd/etcd"
  gomod="$(gomod_file "k8s.io/kubernetes@v$KUBERNETES_VERSION")"
  minor="${KUBERNETES_VERSION#1.}"
  {
    echo "module localbuild/control-plane"
    echo
    echo "go 1.24"
    echo
    echo "replace ("
    # k8s.io/kubernetes replaces each staging module with ./staging/src/k8s.io/X, which is not in its
    # module zip; every staging module is published as k8s.io/X v0.<minor>.<patch>.
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 v0.'"$minor"'#p' "$gomod"
    echo ")"
  } >"$d/go.mod"
  grep -q "k8s.io/api => k8s.io/api v0.$minor" "$d/go.mod" || die "could not derive staging replaces from $gomod"
  cp "$SCRIPT_DIR/etcd/main.go" "$d/cmd/etcd/main.go"
  local k="k8s.io/kubernetes/cmd"
  (cd "$d" && quiet "$d/go-get.log" go get "$k/kube-apiserver@v$KUBERNETES_VERSION" "$k/kube-controller-manager@v$KUBERNETES_VERSION" \
      "$k/kube-scheduler@v$KUBERNETES_VERSION" "$k/kubectl@v$KUBERNETES_VERSION" \
      "go.etcd.io/etcd/server/v3@v$ETCD_VERSION") || die "resolving k8s.io/kubernetes@v$KUBERNETES_VERSION failed"
  grep -q "go.etcd.io/etcd/server/v3 v$ETCD_VERSION" "$d/go.mod" || die "MVS did not select etcd server v$ETCD_VERSION"
  local kver="-X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION"
  kver+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
  kver+=" -X k8s.io/component-base/version.gitTreeState=clean"
  kver+=" -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION"
  kver+=" -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=${minor%%.*}"
  mkdir -p "$d/out"
  (cd "$d" && go build -trimpath -ldflags "$LDFLAGS_BASE $kver" -o "$d/out/" \
      "$k/kube-apiserver" "$k/kube-controller-manager" "$k/kube-scheduler" "$k/kubectl" ./cmd/etcd) \
    || die "building the control plane failed"
  "$d/out/kube-apiserver" --version | grep -q "v$KUBERNETES_VERSION" || die "kube-apiserver does not report v$KUBERNETES_VERSION"
  mv -f "$d/out/"* "$BIN/"
}

build_kwok() {
  local d="$WORK/kwok" src
  mkdir -p "$d/out"
  (cd "$d" && GOBIN="$d/out" go install -trimpath -ldflags "$LDFLAGS_BASE" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION") \
    || die "building kwok v$KWOK_VERSION failed"
  "$d/out/kwok" --version 2>&1 | grep -q "$KWOK_VERSION" || die "kwok does not report $KWOK_VERSION"
  mv -f "$d/out/kwok" "$BIN/"
}

# ---------------------------------------------------------------------------------------------------
log "cache: $DEST"
SUMMARY=()
for c in "${COMPONENTS[@]}"; do
  stamp="$DEST/stamps/$c"
  case "$c" in
    pulumi) outputs=("$BIN/pulumi" "$BIN/pulumi-language-nodejs") ;;
    k8s-provider) outputs=("$DEST/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION/pulumi-resource-kubernetes") ;;
    control-plane) outputs=("$BIN/kube-apiserver" "$BIN/kube-controller-manager" "$BIN/kube-scheduler" "$BIN/kubectl" "$BIN/etcd") ;;
    kwok) outputs=("$BIN/kwok") ;;
  esac
  for o in "${outputs[@]}"; do
    if [ -f "$stamp" ] && [ ! -x "$o" ]; then
      log "$c: $o is missing; rebuilding"
      rm -f "$stamp"
    fi
  done
  if [ -f "$stamp" ]; then
    SUMMARY+=("$c: reused (built $(cat "$stamp"))")
    continue
  fi
  log "building $c ..."
  start=$(date +%s)
  case "$c" in
    pulumi) build_pulumi ;;
    k8s-provider) build_k8s_provider ;;
    control-plane) build_control_plane ;;
    kwok) build_kwok ;;
  esac
  secs=$(( $(date +%s) - start ))
  printf '%s\t%s\t%ss\n' "$(date -u +%FT%TZ)" "$c" "$secs" >>"$DEST/build-times.tsv"
  echo "$(date -u +%FT%TZ) in ${secs}s" >"$stamp"
  SUMMARY+=("$c: built in ${secs}s")
done
install_k8s_plugin

{
  echo "key=$KEY"
  echo "go=$(go env GOVERSION)"
  echo "pulumi=$PULUMI_VERSION"
  echo "pulumi-language-nodejs=$PULUMI_VERSION (offline host from scripts/tools/language-nodejs)"
  echo "pulumi-resource-kubernetes=$K8S_PROVIDER_VERSION ($K8S_PROVIDER_MODULE_VERSION)"
  echo "kubernetes=$KUBERNETES_VERSION"
  echo "etcd=$ETCD_VERSION"
  echo "kwok=$KWOK_VERSION"
} >"$DEST/manifest.txt"

for line in "${SUMMARY[@]}"; do log "$line"; done
log "bin: $BIN"
log "pulumi home (plugin cache): $DEST/pulumi-home"
log "use: source scripts/tools/env.sh"
