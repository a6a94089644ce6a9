# shellcheck shell=bash
# The local cluster's real node (sourced by up.sh and down.sh after lib.sh): containerd (Debian's) with
# runc and the CNI bridge plugin, a kubelet and kube-proxy built by scripts/tools/build.sh, and images
# built without a registry (scripts/tools/image-builder) and imported into containerd.
#
# Everything lives under .cluster/: containerd's root, state, socket and config, the CNI config and
# IP allocations, the kubelet's root dir and pod logs, and the host state recorded before start-up
# (.cluster/host/). The only host-wide changes are the ones a node cannot avoid, each recorded at up
# and undone at down:
#   - sysctls: net.ipv4.ip_forward=1 (pods reach Services), the kubelet's vm.overcommit_memory,
#     vm.panic_on_oom, kernel.panic, kernel.panic_on_oops, kernel.keys.root_max{keys,bytes}
#   - the bridge gss0 (10.88.0.1/16, the node's IP) with the pods' veths and network namespaces
#   - iptables/ip6tables chains KUBE-* (kubelet, kube-proxy), CNI-* (portmap), GSS-NODE-ISOLATION (ours:
#     pods talk to each other and to this host, never to another machine)
#   - cgroups /kubepods in every hierarchy, shim sockets in /run/containerd/s, /var/log/containers links

NODE_DIR="$STATE/node"
HOST_DIR="$STATE/host"
CTR=(ctr --address "$CONTAINERD_SOCK" --namespace k8s.io)
PAUSE_IMAGE=localhost/go-service-stack/pause:v1
SERVICE_REPO=registry.example.com/myapp
SERVICE_SRC="$REPO_ROOT/examples/go-service"
# Sysctls the node may change: recorded at up, restored at down.
NODE_SYSCTLS=(net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables
  vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys
  kernel.keys.root_maxbytes net.ipv4.conf.all.route_localnet net.netfilter.nf_conntrack_max
  net.netfilter.nf_conntrack_tcp_timeout_established net.netfilter.nf_conntrack_tcp_timeout_close_wait
  net.netfilter.nf_conntrack_tcp_be_liberal net.ipv4.conf.all.forwarding net.ipv6.conf.all.forwarding)
# System paths something on the node may create; removed at down if they were absent at up.
NODE_PATHS=(/run/containerd /var/run/netns /var/lib/cni /var/log/containers /var/log/pods /var/lib/kubelet
  /usr/libexec/kubernetes /etc/kubernetes)

# node_deps_missing: prints the Debian packages a real node needs that are not installed.
node_deps_missing() {
  local missing=()
  command -v containerd >/dev/null && command -v ctr >/dev/null || missing+=(containerd)
  command -v runc >/dev/null || missing+=(runc)
  [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] && [ -x /usr/lib/cni/portmap ] &&
    [ -x /usr/lib/cni/loopback ] || missing+=(containernetworking-plugins)
  command -v iptables >/dev/null && command -v iptables-save >/dev/null || missing+=(iptables)
  command -v conntrack >/dev/null || missing+=(conntrack)
  command -v nft >/dev/null || missing+=(nftables)
  printf '%s\n' "${missing[@]}"
}

# node_preflight: what the node needs from the host; fails with what to do.
node_preflight() {
  [ "$(id -u)" = 0 ] || die "the real node needs root (containerd, kubelet, bridge, iptables); run as root or set GSS_CLUSTER_REAL_NODE=0"
  local missing
  missing="$(node_deps_missing)"
  if [ -n "$missing" ]; then
    log "installing the real node's packages: $(echo "$missing" | tr '\n' ' ')"
    bash "$CLUSTER_SCRIPT_DIR/install-node-deps.sh" >"$LOGS/install-node-deps.log" 2>&1 ||
      { tail -n 20 "$LOGS/install-node-deps.log" >&2; die "installing the node's packages failed (scripts/cluster/install-node-deps.sh)"; }
  fi
  for b in kubelet kube-proxy image-builder; do
    command -v "$b" >/dev/null || die "$b not found on PATH after sourcing scripts/tools/env.sh (run npm run tools)"
  done
  [ -d /sys/fs/cgroup/memory ] || [ -f /sys/fs/cgroup/cgroup.controllers ] || die "no memory cgroup controller"
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    die "network interface $BRIDGE already exists (a cluster from another clone, or a leftover: run npm run cluster:down there)"
  fi
  if [ -n "$(ip route show "$POD_CIDR" 2>/dev/null)" ] || [ -n "$(ip -o addr show to "$POD_CIDR" 2>/dev/null)" ]; then
    die "the pod network $POD_CIDR is already in use on this host"
  fi
  for p in $KUBELET_PORT $KUBELET_HEALTHZ_PORT $KUBE_PROXY_HEALTHZ_PORT $KUBE_PROXY_METRICS_PORT; do
    if ss -Htln "sport = :$p" | grep -q .; then die "port $p is already in use"; fi
  done
}

# node_record_host: before anything changes, the host's state (for down.sh's check), the sysctls to
# restore and which system paths existed.
node_record_host() {
  mkdir -p "$HOST_DIR"
  bash "$CLUSTER_SCRIPT_DIR/host-state.sh" snapshot "$HOST_DIR/before.txt"
  local k v p
  : >"$HOST_DIR/sysctls"
  for k in "${NODE_SYSCTLS[@]}"; do
    if v="$(sysctl -n "$k" 2>/dev/null)"; then printf '%s=%s\n' "$k" "$v" >>"$HOST_DIR/sysctls"; fi
  done
  : >"$HOST_DIR/absent-paths"
  for p in "${NODE_PATHS[@]}"; do [ -e "$p" ] || echo "$p" >>"$HOST_DIR/absent-paths"; done
  iptables-save 2>/dev/null | sed -n 's/^:\([^ ]*\) .*/\1/p' | sort -u >"$HOST_DIR/iptables-chains"
  ip6tables-save 2>/dev/null | sed -n 's/^:\([^ ]*\) .*/\1/p' | sort -u >"$HOST_DIR/ip6tables-chains"
  nft list tables 2>/dev/null >"$HOST_DIR/nft-tables" || true
}

# node_pki: kubelet (system:node:<name>, serving cert for the node IP), kube-proxy, and the API server's
# client certificate for kubelets (logs, exec, port-forward). EC keys: fast to make.
node_pki() {
  (
    cd "$PKI" || exit 1
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    sign() { # sign NAME SUBJECT EXTFILE
      openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$1.crt" -days 30 -extfile "$3" 2>/dev/null
    }
    sign kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" client.ext
    printf 'subjectAltName=IP:%s,DNS:%s\nextendedKeyUsage=serverAuth\n' "$NODE_IP" "$NODE_NAME" >kubelet-serving.ext
    sign kubelet-serving "/CN=$NODE_NAME" kubelet-serving.ext
    sign kube-proxy "/CN=system:kube-proxy" client.ext
    sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" client.ext
  )
}

# node_kubeconfig USER_CERT_BASENAME -> a kubeconfig on stdout
node_kubeconfig() {
  cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $1
  user:
    client-certificate: $PKI/$1.crt
    client-key: $PKI/$1.key
contexts:
- name: local
  context: {cluster: local, user: $1}
current-context: local
EOF
}

# node_network: forwarding on, the bridge with the node's IP, and the isolation chain.
node_network() {
  sysctl -q -w net.ipv4.ip_forward=1
  if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then
    sysctl -q -w net.bridge.bridge-nf-call-iptables=1 # pod -> Service -> pod on the same bridge
  fi
  ip link add "$BRIDGE" type bridge
  ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
  ip link set "$BRIDGE" up
  # Service IPs without a kube-proxy rule go to the bridge (where nothing answers), not to the default route.
  ip route add "$SERVICE_CIDR" dev "$BRIDGE" src "$NODE_IP"
  # Pods may talk to each other and to this host (INPUT), never to or from another machine (FORWARD).
  iptables -w -N GSS-NODE-ISOLATION
  iptables -w -A GSS-NODE-ISOLATION -i "$BRIDGE" ! -o "$BRIDGE" -m comment --comment "gss: pods never reach another machine" -j DROP
  iptables -w -A GSS-NODE-ISOLATION -o "$BRIDGE" ! -i "$BRIDGE" -m comment --comment "gss: no other machine reaches the pods" -j DROP
  iptables -w -I FORWARD 1 -j GSS-NODE-ISOLATION
}

node_configs() {
  local d="$NODE_DIR"
  mkdir -p "$d/containerd/root" "$d/containerd/state" "$d/cni/net.d" "$d/cni/networks" "$d/kubelet" \
    "$d/kube-proxy" "$d/pod-logs" "$d/kubelet/volume-plugins"
  cat >"$d/containerd/config.toml" <<EOF
# Generated by scripts/cluster/node.sh for the local cluster's real node.
version = 2
root = "$d/containerd/root"
state = "$d/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # root here lacks CAP_SYS_RESOURCE: without this no container can lower its OOM score adjustment
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$d/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$d/containerd/runc"
EOF
  cat >"$d/cni/net.d/10-gss.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "gss",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$d/cni/networks"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  # No DNS server on this cluster: the gateway refuses port 53 at once rather than letting lookups hang.
  printf 'nameserver %s\noptions ndots:1 timeout:1 attempts:1\n' "$NODE_IP" >"$d/kubelet/resolv.conf"
  node_kubeconfig kubelet-client >"$d/kubelet/kubeconfig"
  node_kubeconfig kube-proxy >"$d/kube-proxy/kubeconfig"
  local taint
  if [ "$WORKLOADS" = real ]; then taint=""; else taint="[{key: gss.local/real-node, value: \"true\", effect: NoSchedule}]"; fi
  cat >"$d/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
imageServiceEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
resolvConf: $d/kubelet/resolv.conf
clusterDomain: cluster.local
clusterDNS: []
podLogsDir: $d/pod-logs
volumePluginDir: $d/kubelet/volume-plugins
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: "1%", nodefs.inodesFree: "1%", imagefs.available: "1%"}
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
nodeStatusUpdateFrequency: 5s
syncFrequency: 10s
fileCheckFrequency: 10s
maxPods: 110
registerNode: true
registerWithTaints: ${taint:-[]}
rotateCertificates: false
serverTLSBootstrap: false
EOF
  cat >"$d/kube-proxy/config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $d/kube-proxy/kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT
metricsBindAddress: 127.0.0.1:$KUBE_PROXY_METRICS_PORT
mode: iptables
clusterCIDR: $POD_CIDR
detectLocalMode: ClusterCIDR
nodePortAddresses: ["$NODE_IP/32"]
iptables: {localhostNodePorts: false, masqueradeAll: false, syncPeriod: 30s, minSyncPeriod: 0s}
# leave the host's conntrack settings alone
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
}

node_start_containerd() {
  # Pulls go nowhere: every registry is reached through a proxy that does not exist, so an image that was
  # not imported fails at once (ErrImagePull), without a DNS lookup or a packet leaving this machine.
  setsid nohup env HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY= no_proxy= \
    containerd --config "$NODE_DIR/containerd/config.toml" --log-level warn \
    >"$LOGS/containerd.log" 2>&1 </dev/null &
  echo $! >"$PIDS/containerd.pid"
}

# node_images: the pause image and, when examples/go-service exists, the service image and its fault
# variants, built once per content (cache: <tools>/images) and imported into containerd.
node_images() {
  local cache="$GSS_TOOLS_DIR/images" ib tars=()
  mkdir -p "$cache"
  ib="$(command -v image-builder)"
  local ibsum
  ibsum="$(sha256sum "$ib" | cut -c1-16)"
  # image TAR_BASENAME BINARY_SPEC ARGS... : build the archive unless it is cached.
  image() {
    local base="$1"; shift
    local key
    key="$(printf '%s\n' "$ibsum" "$@" | sha256sum | cut -c1-16)"
    local tar="$cache/$base-$key.tar"
    if [ -f "$tar" ]; then
      touch "$tar"
    else
      image-builder "$@" --out "$tar" >/dev/null || return 1
    fi
    tars+=("$tar")
  }
  local pause="$GSS_TOOLS_DIR/share/pause" pausesum
  pausesum="$(sha256sum "$pause" | cut -d' ' -f1)"
  image pause --binary "$pause:/pause" --entrypoint /pause --user 65535:65535 --tag "$PAUSE_IMAGE" \
    --label "gss.pause.sha256=$pausesum"

  local bin=""
  if [ -f "$SERVICE_SRC/go.mod" ]; then
    local srcsum
    srcsum="$( (cd "$SERVICE_SRC" && find . -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) ! -name '*_test.go' \
      ! -path './testdata/*' -print | LC_ALL=C sort | xargs sha256sum; go env GOVERSION) | sha256sum | cut -c1-16)"
    bin="$cache/go-service-$srcsum/server"
    if [ ! -x "$bin" ]; then
      log "building examples/go-service (./cmd/server, static)"
      mkdir -p "${bin%/*}"
      if (cd "$SERVICE_SRC" && CGO_ENABLED=0 GOTOOLCHAIN=local GOWORK=off go build -trimpath -ldflags "-s -w" -o "$bin.tmp" ./cmd/server) \
        >"$LOGS/go-service-build.log" 2>&1; then
        mv -f "$bin.tmp" "$bin"
      else
        # The cluster still starts (other suites need it); pods of the service image fail with ErrImagePull.
        echo "cluster: WARNING: examples/go-service does not build; its images are not imported:" >&2
        tail -n 10 "$LOGS/go-service-build.log" >&2
        rm -rf "${bin%/*}"
        bin=""
      fi
    fi
  else
    log "no examples/go-service: only the pause image is imported"
  fi
  if [ -n "$bin" ]; then
    touch "${bin%/*}"
    local binsum common
    binsum="$(sha256sum "$bin" | cut -d' ' -f1)"
    common=(--binary "$bin:/server" --entrypoint /server --user 10001:10001 --dir /tmp --expose 8080/tcp
      --expose 9090/tcp --label "gss.server.sha256=$binsum")
    image myapp "${common[@]}" --tag "$SERVICE_REPO:v1.4.2" --tag "$SERVICE_REPO:v1.4.3"
    image myapp-error10 "${common[@]}" --env FAULT_ERROR_RATIO=0.1 --tag "$SERVICE_REPO:v1.4.3-error10"
    image myapp-slow "${common[@]}" --env FAULT_LATENCY=600ms --tag "$SERVICE_REPO:v1.4.3-slow"
    image myapp-never-ready "${common[@]}" --env FAULT_NEVER_READY=true --tag "$SERVICE_REPO:v1.4.3-never-ready"
    image myapp-crash "${common[@]}" --env FAULT_CRASH_ON_START=true --tag "$SERVICE_REPO:v1.4.3-crash"
  fi
  local t
  for t in "${tars[@]}"; do
    "${CTR[@]}" images import "$t" >>"$LOGS/images.log" 2>&1 || { tail -n 5 "$LOGS/images.log" >&2; return 1; }
  done
  # Archives (and service builds) unused for two weeks go (they are rebuilt when needed again).
  find "$cache" -maxdepth 1 -name '*.tar' -mtime +14 -delete 2>/dev/null || true
  find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'go-service-*' -mtime +14 -exec rm -rf {} + 2>/dev/null || true
}

node_start_kubelet() {
  # --containerd: the kubelet's cAdvisor finds the containers (and so exports container_memory_working_set_bytes
  # and the other per-container series on /metrics/cadvisor) through containerd's socket, which it looks for
  # at /run/containerd/containerd.sock unless told; without it, it sees the cgroup roots only.
  setsid nohup "$(command -v kubelet)" \
    --config "$NODE_DIR/kubelet/config.yaml" --containerd "$CONTAINERD_SOCK" \
    --kubeconfig "$NODE_DIR/kubelet/kubeconfig" \
    --root-dir "$NODE_DIR/kubelet" --cert-dir "$NODE_DIR/kubelet/pki" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP" \
    --node-labels "type=real,kubernetes.io/hostname=$NODE_NAME,topology.kubernetes.io/zone=$NODE_ZONE,topology.kubernetes.io/region=local,node.kubernetes.io/instance-type=local" \
    >"$LOGS/kubelet.log" 2>&1 </dev/null &
  echo $! >"$PIDS/kubelet.pid"
}

node_start_kube_proxy() {
  setsid nohup "$(command -v kube-proxy)" --config "$NODE_DIR/kube-proxy/config.yaml" \
    >"$LOGS/kube-proxy.log" 2>&1 </dev/null &
  echo $! >"$PIDS/kube-proxy.pid"
}

# ---------------------------------------------------------------------------------------------------
# Clean-up (down.sh, after the processes are stopped). Each step is idempotent.

# pids_in_cgroups DIR... -> every pid in those cgroup trees
pids_in_cgroups() {
  local d
  for d in "$@"; do
    [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null
  done
}

node_cleanup() {
  local d pid
  # 1. Every process of every pod (they live in the kubepods cgroups), then the shims of our containerd.
  local cg=()
  for d in /sys/fs/cgroup/*/kubepods /sys/fs/cgroup/kubepods.slice /sys/fs/cgroup/kubepods; do [ -d "$d" ] && cg+=("$d"); done
  local shims=()
  for d in /proc/[0-9]*; do
    [ -r "$d/cmdline" ] || continue
    if tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -q -- "containerd-shim.* -address $CONTAINERD_SOCK"; then shims+=("${d#/proc/}"); fi
  done
  for pid in $(pids_in_cgroups "${cg[@]}") "${shims[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    [ -z "$(pids_in_cgroups "${cg[@]}")" ] && break
    sleep 0.1
  done
  # 2. Mounts under .cluster (container rootfs, pod volumes, network namespaces), deepest first.
  local m
  for _ in 1 2 3; do
    m="$(awk -v p="$STATE/" 'index($2, p) == 1 { print $2 }' /proc/self/mounts | sort -r)"
    [ -z "$m" ] && break
    while read -r d; do umount "$d" 2>/dev/null || umount -l "$d" 2>/dev/null || true; done <<<"$m"
  done
  # 3. Network: the bridge (veths go with their namespaces), leftover CNI namespaces in /var/run/netns.
  ip link del "$BRIDGE" 2>/dev/null || true
  if [ -f "$HOST_DIR/before.txt" ]; then
    for d in /var/run/netns/cni-*; do
      [ -e "$d" ] || continue
      grep -qx "${d##*/}" <(sed -n '/^## netns/,/^## /p' "$HOST_DIR/before.txt" | awk '{print $1}') && continue
      ip netns delete "${d##*/}" 2>/dev/null || true
    done
  fi
  # 4. iptables: chains named KUBE-*, CNI-*, GSS-* that did not exist before, and every rule jumping to them.
  node_iptables_cleanup iptables "$HOST_DIR/iptables-chains"
  node_iptables_cleanup ip6tables "$HOST_DIR/ip6tables-chains"
  # nf_tables tables that iptables-nft created for us (and that are empty again).
  if [ -f "$HOST_DIR/nft-tables" ] && command -v nft >/dev/null; then
    nft list tables 2>/dev/null | while read -r _ family table; do
      grep -qx "table $family $table" "$HOST_DIR/nft-tables" && continue
      nft list table "$family" "$table" 2>/dev/null | grep -qE '^\s+(ip|ip6|meta|counter|jump|goto|accept|drop|reject|ct|iifname|oifname|mark|tcp|udp|xt) ' ||
        nft delete table "$family" "$table" 2>/dev/null || true
    done
  fi
  # 5. cgroups the kubelet created (deepest first).
  for d in "${cg[@]}"; do find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true; done
  # 6. sysctls back to their values before start-up.
  if [ -f "$HOST_DIR/sysctls" ]; then
    local kv
    while read -r kv; do
      [ -n "$kv" ] || continue
      if [ "$(sysctl -n "${kv%%=*}" 2>/dev/null)" != "${kv#*=}" ]; then sysctl -q -w "$kv" >/dev/null 2>&1 || true; fi
    done <"$HOST_DIR/sysctls"
  fi
  # 7. System paths that did not exist before (shim sockets, CNI cache, log links).
  if [ -f "$HOST_DIR/absent-paths" ]; then
    while read -r d; do [ -n "$d" ] && [ -e "$d" ] && rm -rf "$d"; done <"$HOST_DIR/absent-paths"
  fi
  # Pod log links the kubelet left in a /var/log/containers that existed before.
  for d in /var/log/containers/*.log; do
    if [ -L "$d" ]; then case "$(readlink "$d")" in "$NODE_DIR"/*) rm -f "$d" ;; esac; fi
  done
  return 0
}

# node_iptables_cleanup iptables|ip6tables CHAINS_BEFORE_FILE
node_iptables_cleanup() {
  local ipt="$1" before="$2" save="$1-save" script table
  command -v "$save" >/dev/null || return 0
  [ -f "$before" ] || before=/dev/null
  script="$(
    "$save" 2>/dev/null | awk -v before="$before" '
      BEGIN { while ((getline c < before) > 0) old[c] = 1 }
      /^\*/ { table = $0; n = 0; delete chains; delete rules; next }
      /^:/ { c = substr($1, 2); if (c ~ /^(KUBE-|CNI-|GSS-)/ && !(c in old)) { chains[c] = 1; order[++n] = c } next }
      /^-A / {
        # a rule in a chain that stays, jumping to one that goes
        if (!($2 in chains)) for (c in chains) if (index($0, "-j " c) || index($0, "-g " c)) { rules[++r] = "-D " substr($0, 4); break }
        next
      }
      /^COMMIT/ {
        if (n > 0 || r > 0) {
          print table
          for (i = 1; i <= r; i++) print rules[i]
          for (i = 1; i <= n; i++) print "-F " order[i]
          for (i = 1; i <= n; i++) print "-X " order[i]
          print "COMMIT"
        }
        n = 0; r = 0
      }'
  )"
  [ -n "$script" ] || return 0
  printf '%s\n' "$script" | "$ipt-restore" -w --noflush 2>/dev/null || {
    # one by one, so that a rule that changed in between does not keep the rest
    table=""
    while read -r line; do
      case "$line" in
        \**) table="${line#\*}" ;;
        COMMIT) ;;
        *) eval "$ipt -w -t $table $line" 2>/dev/null || true ;;
      esac
    done <<<"$script"
  }
}
