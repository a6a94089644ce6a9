#!/usr/bin/env bash
# Stops the local cluster started by scripts/cluster/up.sh and removes its data (.cluster/).
# Only processes recorded in .cluster/pids whose command line still names the expected binary are
# signalled. KEEP_LOGS=1 keeps .cluster/logs (used by up.sh when start-up fails).
# The real node's leftovers are then removed (pod processes and shims, mounts, the bridge, iptables
# chains, cgroups) and the host's sysctls restored; finally the host is compared with the snapshot
# up.sh took before it changed anything, and every difference is printed (node.sh, host-state.sh).
# Idempotent: running it again, or after a failed start, is safe.
set -euo pipefail

# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"
# shellcheck source=node.sh
. "$CLUSTER_SCRIPT_DIR/node.sh"
# shellcheck source=backing-services.sh
. "$CLUSTER_SCRIPT_DIR/backing-services.sh"

services_stop

if [ ! -d "$STATE" ]; then
  log "not running (no $STATE); nothing to do"
  exit 0
fi

stopped=()
for ((i = ${#ALL_COMPONENTS[@]} - 1; i >= 0; i--)); do
  c="${ALL_COMPONENTS[$i]}"
  if pid_alive "$c"; then
    pid="$(cat "$PIDS/$c.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      pid_alive "$c" || break
      sleep 0.2
    done
    if pid_alive "$c"; then
      log "$c (pid $pid) did not stop after 10s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    stopped+=("$c")
  fi
done

if [ "${#stopped[@]}" -eq 0 ]; then
  log "not running (no live processes in $PIDS); removing leftover state"
else
  log "stopped: ${stopped[*]}"
fi

before=""
if [ -d "$NODE_DIR" ] || [ -d "$HOST_DIR" ]; then
  node_cleanup
  if [ -f "$HOST_DIR/before.txt" ]; then
    before="$(mktemp)"
    cp "$HOST_DIR/before.txt" "$before"
  fi
  log "real node cleaned up (pods, mounts, $BRIDGE, iptables chains, cgroups, sysctls)"
fi

if [ "${KEEP_LOGS:-0}" = "1" ]; then
  find "$STATE" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  log "removed cluster data (logs kept in $LOGS)"
else
  rm -rf "$STATE"
  log "removed $STATE"
fi

if [ -n "$before" ]; then
  if diff="$(bash "$CLUSTER_SCRIPT_DIR/host-state.sh" compare "$before")"; then
    log "host: as it was before cluster:up (sysctls, iptables, nftables, links, routes, mounts, cgroups)"
  else
    echo "cluster: WARNING: the host differs from before cluster:up:" >&2
    printf '%s\n' "$diff" >&2
  fi
  rm -f "$before"
fi
