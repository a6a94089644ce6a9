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

# Start order; down.sh stops in reverse.
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok ingress-status)

die() { echo "cluster: ERROR: $*" >&2; exit 1; }
log() { echo "cluster: $*"; }

# pid_alive NAME -> 0 if .cluster/pids/NAME.pid names a live process running that binary.
pid_alive() {
  local f="$PIDS/$1.pid" pid
  [ -f "$f" ] || return 1
  pid="$(cat "$f")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$1" || return 1
}
