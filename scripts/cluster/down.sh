#!/usr/bin/env bash
# Stops the local cluster started by scripts/cluster/up.sh and removes its data (.cluster/).
# Only processes recorded in .cluster/pids whose command line still names the expected binary are
# signalled. KEEP_LOGS=1 keeps .cluster/logs (used by up.sh when start-up fails).
set -euo pipefail

# shellcheck source=lib.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib.sh"

if [ ! -d "$STATE" ]; then
  log "not running (no $STATE); nothing to do"
  exit 0
fi

stopped=()
for ((i = ${#COMPONENTS[@]} - 1; i >= 0; i--)); do
  c="${COMPONENTS[$i]}"
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

if [ "${KEEP_LOGS:-0}" = "1" ]; then
  find "$STATE" -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +
  log "removed cluster data (logs kept in $LOGS)"
else
  rm -rf "$STATE"
  log "removed $STATE"
fi
