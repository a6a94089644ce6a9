#!/usr/bin/env bash
# A stand-in for an ingress controller on the local cluster, as kwok stands in for kubelets: every
# second, each Ingress without a load-balancer address gets 127.0.0.1 in its status. Without it the
# Kubernetes provider waits (10 minutes) for an address no controller will ever publish.
# Started and stopped by up.sh / down.sh; args: the kubeconfig.
set -uo pipefail
kubeconfig="$1"
while true; do
  kubectl --kubeconfig "$kubeconfig" get ingress --all-namespaces \
    -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.status.loadBalancer.ingress[0].ip}{"\n"}{end}' 2>/dev/null |
    while read -r namespace name ip; do
      if [ -z "$name" ] || [ -n "${ip:-}" ]; then continue; fi
      kubectl --kubeconfig "$kubeconfig" -n "$namespace" patch ingress "$name" --subresource=status --type=merge \
        -p '{"status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.1"}]}}}' >/dev/null 2>&1 || true
    done
  sleep 1
done
