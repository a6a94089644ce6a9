/** Guardrails about how objects relate: budgets for replicated workloads, network policies, TLS. */
import type { Finding, KubernetesManifest, PolicyRule } from "../types.js";
import { asArray, field, isObject, namespaceOf, podTemplatesOf, refOf, selectorMatches } from "./workloads.js";

/** Workloads that can run more than one pod at a time and are disrupted by node drains. */
const REPLICATED_KINDS = new Set(["Deployment", "StatefulSet", "ReplicaSet"]);

function maxReplicas(workload: KubernetesManifest, manifests: readonly KubernetesManifest[]): { count: number; source: string } {
  const replicas = field(workload, "spec", "replicas");
  let best = { count: typeof replicas === "number" ? replicas : 1, source: `spec.replicas ${typeof replicas === "number" ? replicas : "unset (1)"}` };
  for (const hpa of manifests) {
    if (hpa.kind !== "HorizontalPodAutoscaler" || namespaceOf(hpa) !== namespaceOf(workload)) continue;
    const target = field(hpa, "spec", "scaleTargetRef");
    if (field(target, "kind") !== workload.kind || field(target, "name") !== workload.metadata?.name) continue;
    const max = field(hpa, "spec", "maxReplicas");
    if (typeof max === "number" && max > best.count) best = { count: max, source: `HorizontalPodAutoscaler ${hpa.metadata?.name ?? "?"} maxReplicas ${max}` };
  }
  return best;
}

export const disruptionBudgetRule: PolicyRule<KubernetesManifest> = {
  id: "pdb-required",
  level: "mandatory",
  description: "A workload that can run more than one pod (replicas > 1, or an HPA with maxReplicas > 1) is selected by a PodDisruptionBudget.",
  checkAll: (manifests) => {
    const budgets = manifests.filter((m) => m.kind === "PodDisruptionBudget");
    return podTemplatesOf(manifests)
      .filter((pod) => REPLICATED_KINDS.has(pod.workload.kind))
      .flatMap((pod): Finding[] => {
        const replicas = maxReplicas(pod.workload, manifests);
        if (replicas.count <= 1) return [];
        const covered = budgets.some((pdb) => namespaceOf(pdb) === namespaceOf(pod.workload) && selectorMatches(field(pdb, "spec", "selector"), pod.labels));
        return covered
          ? []
          : [
              {
                object: pod.object,
                message: `up to ${replicas.count} pods run (${replicas.source}) but no PodDisruptionBudget selects them: a node drain may evict them all at once`,
                fix: `add a PodDisruptionBudget in namespace "${namespaceOf(pod.workload)}" with maxUnavailable: 1 and selector.matchLabels ${JSON.stringify(pod.labels)} (GoService creates one when replicas.maxPods > 1)`,
              },
            ];
      });
  },
};

export const networkPolicyRule: PolicyRule<KubernetesManifest> = {
  id: "network-policy-coverage",
  level: "mandatory",
  description: "The pods of every workload (Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod) are selected by a NetworkPolicy in their namespace.",
  checkAll: (manifests) => {
    const policies = manifests.filter((m) => m.kind === "NetworkPolicy");
    return podTemplatesOf(manifests)
      // A Job or Pod owned by a controller is covered through its controller's template.
      .filter((pod) => !asArray(pod.workload.metadata?.ownerReferences).some((owner) => field(owner, "controller") === true))
      .flatMap((pod): Finding[] => {
        const covered = policies.some((policy) => namespaceOf(policy) === namespaceOf(pod.workload) && selectorMatches(field(policy, "spec", "podSelector"), pod.labels));
        return covered
          ? []
          : [
              {
                object: pod.object,
                message: `no NetworkPolicy in namespace "${namespaceOf(pod.workload)}" selects the pods labelled ${JSON.stringify(pod.labels)}: they accept traffic from anywhere and may call anything`,
                fix: `add a NetworkPolicy whose podSelector matches these labels, allowing only the flows the pods need (GoService: leave networkPolicy on; CronJobs: a policy allowing DNS and the job's egress)`,
              },
            ];
      });
  },
};

function hostCovered(host: string, tlsHosts: readonly string[]): boolean {
  return tlsHosts.some((tls) => tls === host || (tls.startsWith("*.") && host.endsWith(tls.slice(1)) && !host.slice(0, -tls.length + 1).includes(".")));
}

export const ingressTlsRule: PolicyRule<KubernetesManifest> = {
  id: "ingress-tls",
  level: "mandatory",
  description: "Every host an Ingress serves is listed under spec.tls with a certificate Secret.",
  checkEach: (manifest) => {
    if (manifest.kind !== "Ingress") return [];
    const object = refOf(manifest);
    const tls = asArray(field(manifest, "spec", "tls")).filter(isObject);
    const tlsHosts = tls.filter((entry) => typeof entry.secretName === "string" && entry.secretName !== "").flatMap((entry) => asArray(entry.hosts).filter((h): h is string => typeof h === "string"));
    const findings: Finding[] = [];
    for (const rule of asArray(field(manifest, "spec", "rules"))) {
      const host = field(rule, "host");
      if (typeof host !== "string" || host === "") {
        findings.push({
          object,
          message: "a rule has no host, so it answers plain HTTP for any name and no certificate can cover it",
          fix: "give every rule a host and list it under spec.tls",
        });
      } else if (!hostCovered(host, tlsHosts)) {
        findings.push({
          object,
          message: `host "${host}" is served without TLS: it is not listed under spec.tls with a secretName`,
          fix: `add "${host}" to spec.tls[].hosts with a secretName (cert-manager issues it; GoService's ingress prop does this)`,
        });
      }
    }
    if (findings.length === 0 && asArray(field(manifest, "spec", "rules")).length === 0 && field(manifest, "spec", "defaultBackend") !== undefined) {
      findings.push({ object, message: "the Ingress only has a default backend, served without a TLS host", fix: "replace spec.defaultBackend by rules with hosts listed under spec.tls" });
    }
    return findings;
  },
};

export const RELATION_RULES: readonly PolicyRule<KubernetesManifest>[] = [disruptionBudgetRule, networkPolicyRule, ingressTlsRule];
