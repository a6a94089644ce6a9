#!/usr/bin/env bash
# Installs what the local cluster's real node needs from Debian (scripts/cluster/node.sh); idempotent,
# only runs apt-get for what is missing. Run as root.
#   containerd (+ ctr), runc, containernetworking-plugins (bridge, host-local, portmap, loopback in
#   /usr/lib/cni), iptables (kubelet, kube-proxy), conntrack (kube-proxy), nftables (nft: cluster:down
#   removes the nf_tables tables iptables-nft created), postgresql and redis-server (the local stack's
#   database and cache, started by up.sh for the pods on the real node: backing-services.sh)
# The Debian packages start no service here (no init system); up.sh starts its own containerd.
set -euo pipefail

log() { printf '[install-node-deps] %s\n' "$*"; }

missing=()
command -v containerd >/dev/null && command -v ctr >/dev/null || missing+=(containerd)
command -v runc >/dev/null || missing+=(runc)
for p in bridge host-local portmap loopback; do
  [ -x "/usr/lib/cni/$p" ] || { missing+=(containernetworking-plugins); break; }
done
command -v iptables >/dev/null && command -v iptables-save >/dev/null || missing+=(iptables)
command -v conntrack >/dev/null || missing+=(conntrack)
command -v nft >/dev/null || missing+=(nftables)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v runuser >/dev/null || missing+=(util-linux)

if ((${#missing[@]} > 0)); then
  [ "$(id -u)" = 0 ] || { log "missing ${missing[*]}; run this script as root"; exit 1; }
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi
log "ok: $(containerd --version | awk '{print $1, $3}'), runc $(runc --version | awk 'NR==1 {print $3}'), CNI plugins in /usr/lib/cni, $(iptables --version)"
