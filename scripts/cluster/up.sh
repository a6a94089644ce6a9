#!/usr/bin/env bash
# Starts a local Kubernetes control plane on 127.0.0.1 with simulated (kwok) nodes:
#   etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok
# plus two Ready kwok nodes in different zones and one real node (containerd, runc, CNI bridge, kubelet,
# kube-proxy: see node.sh; GSS_CLUSTER_REAL_NODE=0 leaves it out). Processes run detached (setsid/nohup)
# with pid files in .cluster/pids; logs in .cluster/logs; data in .cluster/. Kubeconfig: .cluster/kubeconfig
# (context "local"). Stop with scripts/cluster/down.sh. Tools come from scripts/tools/build.sh (npm run tools).
set -Eeuo pipefail # -E: the ERR trap (clean-up after a failed start) also fires inside functions

# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
# shellcheck source=node.sh
. "$CLUSTER_SCRIPT_DIR/node.sh"
# shellcheck source=backing-services.sh
. "$CLUSTER_SCRIPT_DIR/backing-services.sh"

START=$(date +%s%N)

# Tools on PATH (fails loudly if `npm run tools` has not been run for the current scripts/pins).
# shellcheck source=../tools/env.sh
. "$REPO_ROOT/scripts/tools/env.sh" || die "tools are not built: run 'npm run tools' first"
for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl; do
  command -v "$b" >/dev/null || die "$b not found on PATH after sourcing scripts/tools/env.sh"
done
command -v openssl >/dev/null || die "openssl is required to create the cluster certificates"
case "$WORKLOADS" in kwok | real) ;; *) die "GSS_CLUSTER_WORKLOADS must be kwok or real (not '$WORKLOADS')" ;; esac

# --- already running? ------------------------------------------------------------------------------
running=()
for c in "${COMPONENTS[@]}"; do
  if pid_alive "$c"; then running+=("$c"); fi
done
if [ "${#running[@]}" -eq "${#COMPONENTS[@]}" ]; then
  log "already running (${running[*]}); kubeconfig: $KUBECONFIG_OUT"
  log "stop it with: npm run cluster:down"
  exit 0
fi
if [ "${#running[@]}" -gt 0 ]; then
  die "partially running (${running[*]} alive). Run 'npm run cluster:down' first, then start again."
fi
if [ -d "$STATE" ]; then
  log "removing stale state from a previous run in $STATE"
  KEEP_LOGS=0 bash "$CLUSTER_SCRIPT_DIR/down.sh" >/dev/null 2>&1 || true
  rm -rf "$STATE"
fi

for p in $ETCD_CLIENT_PORT $ETCD_PEER_PORT $APISERVER_PORT $CONTROLLER_MANAGER_PORT $SCHEDULER_PORT $KWOK_PORT \
  $KUBELET_PORT $KUBELET_HEALTHZ_PORT $KUBE_PROXY_HEALTHZ_PORT $KUBE_PROXY_METRICS_PORT; do
  if ss -Htln "sport = :$p" | grep -q .; then
    die "port 127.0.0.1:$p is already in use (another cluster? set GSS_CLUSTER_PORT_BASE to shift all ports)"
  fi
done

mkdir -p "$PIDS" "$LOGS" "$PKI" "$STATE/etcd"
chmod 700 "$STATE"
if [ "$REAL_NODE" = 1 ]; then
  node_preflight
  node_record_host # before anything on the host changes (down.sh restores and compares)
fi

# If anything below fails, stop what was started so no half cluster is left behind.
on_error() {
  local rc=$?
  echo "cluster: ERROR: start-up failed (exit $rc); last log lines:" >&2
  for c in "${COMPONENTS[@]}"; do
    [ -f "$LOGS/$c.log" ] && { echo "----- $c -----" >&2; tail -n 15 "$LOGS/$c.log" >&2; }
  done
  echo "cluster: logs kept in $LOGS; cleaning up processes" >&2
  KEEP_LOGS=1 bash "$CLUSTER_SCRIPT_DIR/down.sh" >&2 || true
  exit "$rc"
}
trap on_error ERR

# --- PKI -------------------------------------------------------------------------------------------
log "generating certificates"
(
  cd "$PKI"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj "/CN=local-cluster-ca" 2>/dev/null
  cat >apiserver.ext <<EOF
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
EOF
  openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
  openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 30 \
    -extfile apiserver.ext 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >client.ext
  openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=local-admin" 2>/dev/null
  openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 30 \
    -extfile client.ext 2>/dev/null
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
)
NODE_APISERVER_FLAGS=()
if [ "$REAL_NODE" = 1 ]; then
  node_pki
  NODE_APISERVER_FLAGS=(--kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt"
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" --kubelet-preferred-address-types InternalIP)
fi

b64() { base64 -w0 <"$1"; }
cat >"$KUBECONFIG_OUT" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(b64 "$PKI/ca.crt")
users:
- name: local-admin
  user:
    client-certificate-data: $(b64 "$PKI/admin.crt")
    client-key-data: $(b64 "$PKI/admin.key")
contexts:
- name: local
  context:
    cluster: local
    user: local-admin
current-context: local
EOF
chmod 600 "$KUBECONFIG_OUT"
KC=(--kubeconfig "$KUBECONFIG_OUT")

# start NAME ARGS... : run detached in its own session, record the pid.
start() {
  local name="$1"; shift
  local bin
  bin="$(command -v "$name")"
  setsid nohup "$bin" "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

# wait_for DESCRIPTION TIMEOUT_S NAME CMD... : poll until CMD succeeds; fail if NAME's process died.
wait_for() {
  local what="$1" timeout="$2" name="$3"; shift 3
  local deadline=$(( $(date +%s) + timeout ))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$name" || { echo "cluster: ERROR: $name exited while waiting for $what" >&2; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster: ERROR: timed out after ${timeout}s waiting for $what" >&2; return 1; }
    sleep 0.5
  done
}

# --- etcd ------------------------------------------------------------------------------------------
log "starting etcd on 127.0.0.1:$ETCD_CLIENT_PORT"
start etcd --name local --data-dir "$STATE/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
  --unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
wait_for "etcd health" 30 etcd curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health"

# --- kube-apiserver --------------------------------------------------------------------------------
log "starting kube-apiserver on https://127.0.0.1:$APISERVER_PORT"
start kube-apiserver \
  --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$APISERVER_PORT" \
  --cert-dir "$PKI" --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" \
  --requestheader-client-ca-file "$PKI/ca.crt" --requestheader-allowed-names front-proxy-client \
  --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
  --requestheader-extra-headers-prefix X-Remote-Extra- \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range "$SERVICE_CIDR" \
  --authorization-mode Node,RBAC \
  --endpoint-reconciler-type none \
  --allow-privileged=true \
  --enable-priority-and-fairness=false \
  --profiling=false "${NODE_APISERVER_FLAGS[@]}"

# The real node's network and containerd start while the API server comes up; images are imported then.
if [ "$REAL_NODE" = 1 ]; then
  log "starting containerd (socket $CONTAINERD_SOCK) and the bridge $BRIDGE ($NODE_IP)"
  node_configs
  node_network
  node_start_containerd
  wait_for "containerd" 30 containerd "${CTR[@]}" version
  node_images
fi
wait_for "kube-apiserver /readyz" 90 kube-apiserver kubectl "${KC[@]}" get --raw /readyz
if [ "$REAL_NODE" = 1 ]; then
  # The kubelet registers its node while the controllers, the scheduler and kwok start.
  log "starting the kubelet ($NODE_NAME, zone $NODE_ZONE) and kube-proxy"
  node_start_kubelet
  node_start_kube_proxy
fi

# --- controller-manager, scheduler ------------------------------------------------------------------
log "starting kube-controller-manager and kube-scheduler"
start kube-controller-manager \
  --kubeconfig "$KUBECONFIG_OUT" \
  --authentication-kubeconfig "$KUBECONFIG_OUT" --authorization-kubeconfig "$KUBECONFIG_OUT" \
  --bind-address 127.0.0.1 --secure-port "$CONTROLLER_MANAGER_PORT" \
  --leader-elect=false \
  --service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
  --use-service-account-credentials=false \
  --profiling=false
start kube-scheduler \
  --kubeconfig "$KUBECONFIG_OUT" \
  --authentication-kubeconfig "$KUBECONFIG_OUT" --authorization-kubeconfig "$KUBECONFIG_OUT" \
  --bind-address 127.0.0.1 --secure-port "$SCHEDULER_PORT" \
  --leader-elect=false --profiling=false

# --- kwok + nodes -----------------------------------------------------------------------------------
log "starting kwok"
start kwok \
  --kubeconfig "$KUBECONFIG_OUT" \
  --config "$CLUSTER_SCRIPT_DIR/kwok.yaml" \
  --manage-all-nodes=false --manage-nodes-with-label-selector type=kwok \
  --node-lease-duration-seconds 40 --cidr 10.244.0.1/16 --node-ip 127.0.0.1 \
  --server-address "127.0.0.1:$KWOK_PORT"

kwok_taints=""
if [ "$WORKLOADS" = real ]; then
  kwok_taints=$'spec:\n  taints:\n  - {key: gss.local/simulated, value: "true", effect: NoSchedule}'
fi
nodes_yaml() {
  local zone
  for zone in a b; do
    cat <<EOF
---
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$zone
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: kwok-node-$zone
    node.kubernetes.io/instance-type: kwok.large
    topology.kubernetes.io/region: local
    topology.kubernetes.io/zone: local-$zone
$kwok_taints
status:
  allocatable: {cpu: "32", memory: 128Gi, ephemeral-storage: 200Gi, pods: "110"}
  capacity: {cpu: "32", memory: 128Gi, ephemeral-storage: 200Gi, pods: "110"}
EOF
  done
}
wait_for "node API" 30 kube-apiserver kubectl "${KC[@]}" get nodes
nodes_yaml | kubectl "${KC[@]}" apply -f - >/dev/null

log "waiting for nodes, scheduler, controllers and the default ServiceAccount"
wait_for "nodes Ready" 60 kwok kubectl "${KC[@]}" wait --for=condition=Ready node/kwok-node-a node/kwok-node-b --timeout=2s
if [ "$REAL_NODE" = 1 ]; then
  wait_for "node $NODE_NAME registered" 60 kubelet kubectl "${KC[@]}" get node "$NODE_NAME"
  wait_for "node $NODE_NAME Ready" 60 kubelet kubectl "${KC[@]}" wait --for=condition=Ready "node/$NODE_NAME" --timeout=2s
  wait_for "kube-proxy healthz" 30 kube-proxy curl -fsS "http://127.0.0.1:$KUBE_PROXY_HEALTHZ_PORT/healthz"
  log "starting the local stack's PostgreSQL ($NODE_IP:$PG_PORT) and Redis ($NODE_IP:$REDIS_PORT)"
  services_start
  wait_for "Redis" 30 redis-server bash -c "exec 3<>/dev/tcp/$NODE_IP/$REDIS_PORT"
fi
wait_for "default ServiceAccount" 60 kube-controller-manager kubectl "${KC[@]}" -n default get serviceaccount default
wait_for "kube-scheduler healthz" 60 kube-scheduler curl -fsSk "https://127.0.0.1:$SCHEDULER_PORT/healthz"
wait_for "kube-controller-manager healthz" 60 kube-controller-manager curl -fsSk "https://127.0.0.1:$CONTROLLER_MANAGER_PORT/healthz"
# Stand-in ingress controller: publishes an address in every Ingress's status (see the script).
setsid nohup bash "$CLUSTER_SCRIPT_DIR/ingress-status.sh" "$KUBECONFIG_OUT" >"$LOGS/ingress-status.log" 2>&1 </dev/null &
echo $! >"$PIDS/ingress-status.pid"
kubectl "${KC[@]}" apply --server-side --force-conflicts -f "$CLUSTER_SCRIPT_DIR/crds/monitoring.coreos.com.yaml" >/dev/null
wait_for "monitoring CRDs" 60 kube-apiserver kubectl "${KC[@]}" wait --for=condition=Established --timeout=2s \
  crd/servicemonitors.monitoring.coreos.com crd/prometheusrules.monitoring.coreos.com
for c in "${COMPONENTS[@]}"; do pid_alive "$c" || die "$c is not running (see $LOGS/$c.log)"; done
trap - ERR

ELAPSED_MS=$(( ($(date +%s%N) - START) / 1000000 ))
printf '%s\n' "$ELAPSED_MS" >"$STATE/startup-ms"
log "ready in $((ELAPSED_MS / 1000)).$(printf '%03d' $((ELAPSED_MS % 1000)))s: $(kubectl "${KC[@]}" version -o json 2>/dev/null | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -1) with nodes:"
kubectl "${KC[@]}" get nodes -L topology.kubernetes.io/zone,type
if [ "$REAL_NODE" = 1 ]; then
  if [ "$WORKLOADS" = real ]; then
    log "pods run on $NODE_NAME (kwok nodes tainted gss.local/simulated=true:NoSchedule)"
  else
    log "pods go to the kwok nodes; $NODE_NAME takes pods that tolerate gss.local/real-node=true:NoSchedule"
  fi
fi
log "kubeconfig: $KUBECONFIG_OUT (context: local)"
log "stop with: npm run cluster:down"
