#!/usr/bin/env bash
# What the local cluster's real node may change on this host, as text that can be compared:
#   sysctls (all of them but the counters that move on their own), iptables/ip6tables rules (no
#   counters), the nftables ruleset, network links, addresses, routes and namespaces, mounts,
#   top-level cgroups of every hierarchy, and the system paths a container runtime or kubelet creates.
#
#   host-state.sh snapshot FILE     write the host's state to FILE
#   host-state.sh compare FILE      compare the host with FILE; print the differences; exit 1 if any
#
# up.sh takes a snapshot before it changes anything (.cluster/host/before.txt); down.sh compares
# the host with it once everything is stopped and cleaned up, and prints what differs.
set -uo pipefail

# Values that change by themselves (entropy, counters, timestamps), never compared.
VOLATILE='^(kernel\.random\.|fs\.(dentry-state|file-nr|inode-nr|inode-state|quota\.)|kernel\.ns_last_pid|kernel\.pty\.nr|net\.netfilter\.nf_conntrack_count|kernel\.sched_domain\.|dev\.cdrom\.|kernel\.tainted|vm\.(nr_|stat_)|net\.ipv4\.(route\.gc_|tcp_mem|udp_mem)|net\.ipv6\.route\.gc_|fs\.binfmt_misc\.|kernel\.unknown_nmi|net\.core\.netdev_rss_key|kernel\.hung_task_|fs\.aio-nr|kernel\.apparmor_display|user\.)'
PATHS=(/run/containerd /var/run/netns /var/lib/cni /var/lib/kubelet /var/lib/containerd /var/log/pods
  /var/log/containers /etc/cni /opt/cni /usr/libexec/kubernetes /etc/kubernetes /run/flannel /var/run/calico)

snapshot() {
  echo "## sysctl"
  sysctl -a 2>/dev/null | grep -Ev "$VOLATILE" | grep -Ev '^net\.(ipv4|ipv6)\.(conf|neigh)\.(veth|gss)' | LC_ALL=C sort
  local save
  for save in iptables-save ip6tables-save; do
    echo "## $save"
    if command -v "$save" >/dev/null; then
      "$save" 2>/dev/null | grep -Ev '^#' | sed -E 's/\[[0-9]+:[0-9]+\]$/[-]/'
    else
      echo "(not installed)"
    fi
  done
  echo "## nft"
  if command -v nft >/dev/null; then nft list ruleset 2>/dev/null | grep -Ev '^\s*#'; else echo "(not installed)"; fi
  echo "## links"
  ip -o link show 2>/dev/null | awk '{print $2, $3}' | sed -E 's/@[^:]*:/:/' | LC_ALL=C sort
  echo "## addresses"
  ip -o addr show 2>/dev/null | awk '{print $2, $3, $4}' | LC_ALL=C sort
  echo "## routes"
  ip route show table all 2>/dev/null | grep -v ' table local ' | LC_ALL=C sort
  ip -6 route show table all 2>/dev/null | grep -Ev ' table local |^(multicast|ff00)' | LC_ALL=C sort
  echo "## netns"
  ip netns list 2>/dev/null | LC_ALL=C sort
  echo "## mounts"
  awk '{print $2, $3}' /proc/self/mounts | LC_ALL=C sort
  echo "## cgroups"
  local d
  for d in /sys/fs/cgroup/*/; do
    find "$d" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | LC_ALL=C sort
  done
  echo "## paths"
  for d in "${PATHS[@]}"; do
    if [ -e "$d" ]; then echo "$d exists"; else echo "$d absent"; fi
  done
}

case "${1:-}" in
  snapshot)
    [ -n "${2:-}" ] || { echo "usage: $0 snapshot FILE" >&2; exit 2; }
    snapshot >"$2"
    ;;
  compare)
    [ -f "${2:-}" ] || { echo "usage: $0 compare FILE (an existing snapshot)" >&2; exit 2; }
    now="$(mktemp)"
    snapshot >"$now"
    if diff -u --label "before cluster:up" --label "now" "$2" "$now"; then rc=0; else rc=1; fi
    rm -f "$now"
    exit "$rc"
    ;;
  *)
    echo "usage: $0 snapshot FILE | compare FILE" >&2
    exit 2
    ;;
esac
