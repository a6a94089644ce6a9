# shellcheck shell=bash
# The components scripts/tools/build.sh builds, and what each one's cache key covers (sourced by lib.sh;
# defines functions only). Build functions run inside build.sh, which sets WORK, DEST, BIN, LDFLAGS_BASE
# and the Go environment (gss_go_env) and defines die/log.
#
#   component      outputs                                                  inputs of its key
#   pulumi         bin/pulumi, bin/pulumi-language-nodejs                   PULUMI_VERSION, language-nodejs/
#   k8s-provider   plugins/resource-kubernetes-v<v>/…, pulumi-home plugin   K8S_PROVIDER_*, k8s-provider/
#   control-plane  bin/kube-apiserver, kube-controller-manager,             KUBERNETES_VERSION, ETCD_VERSION, etcd/
#                  kube-scheduler, kubectl, etcd
#   kwok           bin/kwok                                                 KWOK_VERSION
#   node           bin/kubelet, bin/kube-proxy                              KUBERNETES_VERSION
#   images         bin/image-builder, share/pause                           GO_CONTAINERREGISTRY_VERSION, image-builder/, pause/
#   prometheus     bin/prometheus (Kubernetes SD only; promtool stays Debian's) PROMETHEUS_MODULE_VERSION
#
# Every key also covers the Go version, the text of the component's build function and of the helpers it
# calls (declare -f), and the shared Go settings (gss_go_env). So a pin bump, a source edit or a recipe
# change rebuilds exactly the components it concerns: adding a component, or editing another one, never
# rebuilds the control plane.

GSS_COMPONENTS=(pulumi k8s-provider control-plane kwok node images prometheus)

# gss_component_spec NAME: sets SPEC_VARS (pins), SPEC_FILES (paths under scripts/tools), SPEC_FUNCS.
gss_component_spec() {
  SPEC_VARS=() SPEC_FILES=() SPEC_FUNCS=()
  case "$1" in
    pulumi) SPEC_VARS=(PULUMI_VERSION) SPEC_FILES=(language-nodejs) SPEC_FUNCS=(build_pulumi gomod_file nonlocal_replaces) ;;
    k8s-provider)
      SPEC_VARS=(K8S_PROVIDER_MODULE_VERSION K8S_PROVIDER_SDK_VERSION K8S_PROVIDER_VERSION)
      SPEC_FILES=(k8s-provider) SPEC_FUNCS=(build_k8s_provider install_k8s_plugin gomod_file gomod_dir nonlocal_replaces) ;;
    control-plane)
      SPEC_VARS=(KUBERNETES_VERSION ETCD_VERSION) SPEC_FILES=(etcd)
      SPEC_FUNCS=(build_control_plane k8s_wrapper_module k8s_version_ldflags gomod_file) ;;
    kwok) SPEC_VARS=(KWOK_VERSION) SPEC_FUNCS=(build_kwok) ;;
    node) SPEC_VARS=(KUBERNETES_VERSION) SPEC_FUNCS=(build_node k8s_wrapper_module k8s_version_ldflags gomod_file) ;;
    images) SPEC_VARS=(GO_CONTAINERREGISTRY_VERSION) SPEC_FILES=(image-builder pause) SPEC_FUNCS=(build_images) ;;
    prometheus) SPEC_VARS=(PROMETHEUS_MODULE_VERSION) SPEC_FUNCS=(build_prometheus) ;;
    *) return 1 ;;
  esac
}

# gss_component_outputs NAME DEST: the files that must exist (and be executable) for NAME to be built.
gss_component_outputs() {
  local b="$2/bin"
  case "$1" in
    pulumi) echo "$b/pulumi" "$b/pulumi-language-nodejs" ;;
    k8s-provider) echo "$2/plugins/resource-kubernetes-v$K8S_PROVIDER_VERSION/pulumi-resource-kubernetes" ;;
    control-plane) echo "$b/kube-apiserver" "$b/kube-controller-manager" "$b/kube-scheduler" "$b/kubectl" "$b/etcd" ;;
    kwok) echo "$b/kwok" ;;
    node) echo "$b/kubelet" "$b/kube-proxy" ;;
    images) echo "$b/image-builder" "$2/share/pause" ;;
    prometheus) echo "$b/prometheus" ;;
  esac
}

# gss_component_key NAME: 16 hex characters over everything that decides NAME's outputs.
gss_component_key() {
  gss_component_spec "$1" || return 1
  [ -n "${GSS_GOVERSION:-}" ] || GSS_GOVERSION="$(go env GOVERSION 2>/dev/null || echo nogo)"
  local v
  {
    echo "component=$1"
    echo "go=$GSS_GOVERSION"
    for v in "${SPEC_VARS[@]}"; do echo "$v=${!v}"; done
    if [ "${#SPEC_FILES[@]}" -gt 0 ]; then
      (cd "$GSS_TOOLS_SCRIPT_DIR" && find "${SPEC_FILES[@]}" -type f ! -name '*.md' -print | LC_ALL=C sort | while read -r f; do
        printf '%s %s\n' "$f" "$(sha256sum <"$f" | cut -d' ' -f1)"
      done)
    fi
    declare -f gss_go_env quiet "${SPEC_FUNCS[@]}"
  } | sha256sum | cut -c1-16
}

# --- shared helpers ---------------------------------------------------------------------------------
# The Go settings of every build (part of every key).
gss_go_env() {
  export GOFLAGS="-mod=mod -buildvcs=false"
  export GOTOOLCHAIN=local
  export GOWORK=off
  LDFLAGS_BASE="-s -w"
}

# quiet LOG CMD... : run CMD with output in LOG; show the tail of LOG if it fails.
quiet() {
  local logf="$1"; shift
  if ! "$@" >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    return 1
  fi
}

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

# k8s_wrapper_module DIR NAME: the go.mod shared by the control plane and the node. k8s.io/kubernetes
# replaces each staging module with ./staging/src/k8s.io/X, which is not in its module zip; every staging
# module is published as k8s.io/X v0.<minor>.<patch>, so the wrapper replaces each with that version.
k8s_wrapper_module() {
  local d="$1" gomod minor
  gomod="$(gomod_file "k8s.io/kubernetes@v$KUBERNETES_VERSION")"
  minor="${KUBERNETES_VERSION#1.}"
  {
    echo "module localbuild/$2"
    echo
    echo "go 1.24"
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 v0.'"$minor"'#p' "$gomod"
    echo ")"
  } >"$d/go.mod"
  grep -q "k8s.io/api => k8s.io/api v0.$minor" "$d/go.mod" || die "could not derive staging replaces from $gomod"
}

# k8s_version_ldflags: -X flags so that every Kubernetes binary reports v$KUBERNETES_VERSION.
k8s_version_ldflags() {
  local minor="${KUBERNETES_VERSION#1.}" kver
  minor="${minor%%.*}"
  kver="-X k8s.io/component-base/version.gitVersion=v$KUBERNETES_VERSION"
  kver+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor"
  kver+=" -X k8s.io/component-base/version.gitTreeState=clean"
  kver+=" -X k8s.io/client-go/pkg/version.gitVersion=v$KUBERNETES_VERSION"
  kver+=" -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  printf '%s\n' "$kver"
}

# --- build functions ------------------------------------------------------------------------------
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
  cp "$GSS_TOOLS_SCRIPT_DIR"/language-nodejs/*.go "$d/cmd/pulumi-language-nodejs/"
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
  cp "$GSS_TOOLS_SCRIPT_DIR/k8s-provider/main.go" "$d/main.go"
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
  # Not `pulumi plugin ls | grep -q`: grep's early exit can kill pulumi with SIGPIPE, and pipefail fails.
  local plugins
  plugins="$(PULUMI_HOME="$DEST/pulumi-home" "$BIN/pulumi" plugin ls 2>/dev/null)" || true
  grep -q "kubernetes.*$K8S_PROVIDER_VERSION" <<<"$plugins" \
    || die "kubernetes plugin $K8S_PROVIDER_VERSION not visible in $DEST/pulumi-home"
}

build_control_plane() {
  local d="$WORK/control-plane" k="k8s.io/kubernetes/cmd"
  mkdir -p "$d/cmd/etcd" "$d/out"
  k8s_wrapper_module "$d" control-plane
  cp "$GSS_TOOLS_SCRIPT_DIR/etcd/main.go" "$d/cmd/etcd/main.go"
  (cd "$d" && quiet "$d/go-get.log" go get "$k/kube-apiserver@v$KUBERNETES_VERSION" "$k/kube-controller-manager@v$KUBERNETES_VERSION" \
      "$k/kube-scheduler@v$KUBERNETES_VERSION" "$k/kubectl@v$KUBERNETES_VERSION" \
      "go.etcd.io/etcd/server/v3@v$ETCD_VERSION") || die "resolving k8s.io/kubernetes@v$KUBERNETES_VERSION failed"
  grep -q "go.etcd.io/etcd/server/v3 v$ETCD_VERSION" "$d/go.mod" || die "MVS did not select etcd server v$ETCD_VERSION"
  (cd "$d" && go build -trimpath -ldflags "$LDFLAGS_BASE $(k8s_version_ldflags)" -o "$d/out/" \
      "$k/kube-apiserver" "$k/kube-controller-manager" "$k/kube-scheduler" "$k/kubectl" ./cmd/etcd) \
    || die "building the control plane failed"
  "$d/out/kube-apiserver" --version | grep -q "v$KUBERNETES_VERSION" || die "kube-apiserver does not report v$KUBERNETES_VERSION"
  mv -f "$d/out/"* "$BIN/"
}

build_kwok() {
  local d="$WORK/kwok"
  mkdir -p "$d/out"
  (cd "$d" && GOBIN="$d/out" go install -trimpath -ldflags "$LDFLAGS_BASE" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION") \
    || die "building kwok v$KWOK_VERSION failed"
  "$d/out/kwok" --version 2>&1 | grep -q "$KWOK_VERSION" || die "kwok does not report $KWOK_VERSION"
  mv -f "$d/out/kwok" "$BIN/"
}

# kubelet and kube-proxy: the control plane's module recipe, so both share its module graph and most of
# its compiled packages in the Go build cache.
build_node() {
  local d="$WORK/node" k="k8s.io/kubernetes/cmd"
  mkdir -p "$d/out"
  k8s_wrapper_module "$d" node
  (cd "$d" && quiet "$d/go-get.log" go get "$k/kubelet@v$KUBERNETES_VERSION" "$k/kube-proxy@v$KUBERNETES_VERSION") \
    || die "resolving kubelet and kube-proxy v$KUBERNETES_VERSION failed"
  (cd "$d" && go build -trimpath -ldflags "$LDFLAGS_BASE $(k8s_version_ldflags)" -o "$d/out/" "$k/kubelet" "$k/kube-proxy") \
    || die "building kubelet and kube-proxy failed"
  "$d/out/kubelet" --version | grep -q "v$KUBERNETES_VERSION" || die "kubelet does not report v$KUBERNETES_VERSION"
  "$d/out/kube-proxy" --version | grep -q "v$KUBERNETES_VERSION" || die "kube-proxy does not report v$KUBERNETES_VERSION"
  mv -f "$d/out/kubelet" "$d/out/kube-proxy" "$BIN/"
}

# image-builder (images from static binaries, no registry) and the pod sandbox's pause binary, both static.
# Prometheus with only the Kubernetes service discovery compiled in (its own build tags), so the local
# cluster's Prometheus discovers the pods the way the stack's ServiceMonitor says, at a fraction of the
# build time of every SD plugin (~5 min instead of ~15 on 2 cores).
build_prometheus() {
  local d="$WORK/prometheus"
  mkdir -p "$d/out"
  local version="${PROMETHEUS_MODULE_VERSION#v0.}" # v0.316.0 -> 3.16.0
  version="$((${version%%.*} / 100)).$((${version%%.*} % 100)).${version#*.}"
  version="${version%.*}.${version##*.}"
  (cd "$d" && GOBIN="$d/out" go install -trimpath -tags "remove_all_sd enable_kubernetes_sd" \
      -ldflags "$LDFLAGS_BASE -X github.com/prometheus/common/version.Version=$version" \
      "github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_MODULE_VERSION") \
    || die "building prometheus $PROMETHEUS_MODULE_VERSION failed"
  "$d/out/prometheus" --version 2>&1 | grep -q "version $version " || die "the built prometheus does not report $version"
  mv -f "$d/out/prometheus" "$BIN/"
}

build_images() {
  local d="$WORK/images"
  mkdir -p "$d/out" "$DEST/share"
  cp -r "$GSS_TOOLS_SCRIPT_DIR/image-builder" "$GSS_TOOLS_SCRIPT_DIR/pause" "$d/"
  grep -q "github.com/google/go-containerregistry $GO_CONTAINERREGISTRY_VERSION\$" "$d/image-builder/go.mod" \
    || die "scripts/tools/image-builder/go.mod does not require go-containerregistry $GO_CONTAINERREGISTRY_VERSION (versions.sh)"
  (cd "$d/image-builder" && CGO_ENABLED=0 go build -trimpath -ldflags "$LDFLAGS_BASE" -o "$d/out/image-builder" .) \
    || die "building image-builder failed"
  (cd "$d/pause" && CGO_ENABLED=0 go build -trimpath -ldflags "$LDFLAGS_BASE" -o "$d/out/pause" .) \
    || die "building pause failed"
  "$d/out/image-builder" --help 2>&1 | grep -q -- "--tag" || die "image-builder does not run"
  mv -f "$d/out/image-builder" "$BIN/"
  mv -f "$d/out/pause" "$DEST/share/pause"
}
