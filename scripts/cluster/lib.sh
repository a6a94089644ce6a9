# shellcheck shell=bash
# Shared settings for scripts/cluster/up.sh and down.sh (sourced).
# Everything binds to 127.0.0.1 on unusual ports. GSS_CLUSTER_PORT_BASE (default 36400) shifts all ports,
# e.g. to run a second clone's cluster side by side.

CLUSTER_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CLUSTER_SCRIPT_DIR/../.." && pwd)"
STATE="$REPO_ROOT/.cluster"
PIDS="$STATE/pids"
LOGS="$STATE/logs"
PKI="$STATE/pki"
KUBECONFIG_OUT="$STATE/kubeconfig"

PORT_BASE="${GSS_CLUSTER_PORT_BASE:-36400}"
ETCD_CLIENT_PORT=$((PORT_BASE + 79))
ETCD_PEER_PORT=$((PORT_BASE + 80))
APISERVER_PORT=$((PORT_BASE + 43))
CONTROLLER_MANAGER_PORT=$((PORT_BASE + 57))
SCHEDULER_PORT=$((PORT_BASE + 59))
KWOK_PORT=$((PORT_BASE + 47))
KUBELET_HEALTHZ_PORT=$((PORT_BASE + 48))
KUBELET_PORT=$((PORT_BASE + 50))
KUBE_PROXY_HEALTHZ_PORT=$((PORT_BASE + 51))
KUBE_PROXY_METRICS_PORT=$((PORT_BASE + 52))

# The real node (containerd + runc + CNI bridge + kubelet + kube-proxy, see node.sh). GSS_CLUSTER_REAL_NODE=0
# starts the control plane and kwok nodes only. GSS_CLUSTER_WORKLOADS says where pods that name no node go:
#   real (default)  the kwok nodes are tainted (gss.local/simulated:NoSchedule); pods run for real unless they
#                   tolerate the taint (scale and scheduling tests)
#   kwok            the real node is tainted (gss.local/real-node:NoSchedule); only pods that tolerate it run
#                   there, every other pod lands on a kwok node
REAL_NODE="${GSS_CLUSTER_REAL_NODE:-1}"
WORKLOADS="${GSS_CLUSTER_WORKLOADS:-real}"
[ "$REAL_NODE" = 1 ] || WORKLOADS=kwok
NODE_NAME=real-node-a
NODE_ZONE=local-a
POD_CIDR=10.88.0.0/16
NODE_IP=10.88.0.1 # the bridge's address: the kubelet and NodePorts listen only there, never on the host's NICs
BRIDGE=gss0
SERVICE_CIDR=10.96.0.0/16 # the API server's --service-cluster-ip-range; routed to the bridge, never off the host
CONTAINERD_SOCK="$STATE/containerd.sock"

# Start order; down.sh stops in reverse.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok ingress-status)
# redis-server: the local stack's cache (backing-services.sh; PostgreSQL is stopped with pg_ctl).
NODE_COMPONENTS=(containerd kubelet kube-proxy redis-server)
if [ "$REAL_NODE" = 1 ]; then COMPONENTS+=("${NODE_COMPONENTS[@]}"); fi
# What down.sh stops, whatever GSS_CLUSTER_REAL_NODE says now.
ALL_COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok ingress-status "${NODE_COMPONENTS[@]}")

die() { echo "cluster: ERROR: $*" >&2; exit 1; }
log() { echo "cluster: $*"; }

# pid_alive NAME -> 0 if .cluster/pids/NAME.pid names a live process running that binary.
pid_alive() {
  local f="$PIDS/$1.pid" pid cmdline
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  # A server that exited while up.sh (its parent) still runs is a zombie until reaped: dead all the same.
  [ "$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$pid/status" 2>/dev/null)" != Z ] || return 1
  # The name check guards against a reused PID. Reading cmdline fails for an instant while setsid and nohup
  # exec into the server (the first probe can land there): a process kill -0 sees is alive then, not gone.
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 0
  [ -z "$cmdline" ] || [[ "$cmdline" == *"$1"* ]]
}
