/** Operational guardrails on workloads: sized containers, health probes, pinned images. */
import { imageReferenceProblem, parseImage, productionRules } from "../../config/validators.js";
import type { KubernetesManifest, PolicyRule } from "../types.js";
import { podRule } from "./pod-security.js";
import { ENVIRONMENT_LABEL, field, stringRecord, type ContainerEntry } from "./workloads.js";

const where = (entry: ContainerEntry) => `${entry.list === "containers" ? "container" : entry.list.replace(/s$/, "")} "${entry.name}"`;

const RESOURCE_FIELDS = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] as const;

export const resourcesRule = podRule(
  "resources-requests-limits",
  "mandatory",
  "Every container and init container sets CPU and memory requests and limits.",
  (pod) =>
    pod.containers
      // Ephemeral (debug) containers cannot declare resources.
      .filter((entry) => entry.list !== "ephemeralContainers")
      .flatMap((entry) => {
        const missing = RESOURCE_FIELDS.filter((path) => {
          const value = field(entry.container, "resources", ...path.split("."));
          return value === undefined || value === null || value === "";
        });
        return missing.length === 0
          ? []
          : [
              {
                object: pod.object,
                message: `${where(entry)} does not set resources.${missing.join(", resources.")}`,
                fix: `set ${missing.map((path) => `resources.${path}`).join(", ")} on ${where(entry)}: requests let the scheduler place the pod, limits keep it from starving its neighbours`,
              },
            ];
      }),
);

export const probesRule = podRule(
  "probes-liveness-readiness",
  "mandatory",
  "Every container of a long-running workload (Deployment, StatefulSet, DaemonSet, restartable Pod) has liveness and readiness probes.",
  (pod) =>
    !pod.longRunning
      ? []
      : pod.containers
          .filter((entry) => entry.list === "containers")
          .flatMap((entry) => {
            const missing = (["livenessProbe", "readinessProbe"] as const).filter((probe) => entry.container[probe] === undefined);
            return missing.length === 0
              ? []
              : [
                  {
                    object: pod.object,
                    message: `${where(entry)} has no ${missing.join(" and no ")}`,
                    fix: `add ${missing.join(" and ")} to ${where(entry)} (GoService: the liveness/readiness props; defaults GET /health and /ready)`,
                  },
                ];
          }),
);

/** The environment of a workload: its label (on the object or its pods), else the run's. */
export function environmentOf(manifest: KubernetesManifest, podLabels: Readonly<Record<string, string>>, fallback: string | undefined): string | undefined {
  return stringRecord(manifest.metadata?.labels)[ENVIRONMENT_LABEL] ?? podLabels[ENVIRONMENT_LABEL] ?? fallback;
}

/** Why `reference` is not pinned in production, or undefined: the rule the schema and GoService apply too. */
function unpinnedReason(reference: string): string | undefined {
  return imageReferenceProblem(reference) ?? productionRules.image("production", reference);
}

export const imagePinnedRule = podRule(
  "image-pinned",
  "mandatory",
  "In production every image names a digest or a release tag (not latest, not untagged).",
  (pod, context) => {
    if (environmentOf(pod.workload, pod.labels, context.environment) !== "production") return [];
    return pod.containers.flatMap((entry) => {
      const reference = typeof entry.container.image === "string" ? entry.container.image : "";
      const reason = unpinnedReason(reference);
      if (reason === undefined) return [];
      return [
        {
          object: pod.object,
          message: `${where(entry)} image "${reference}" ${reason}: in production a restart could run different code`,
          fix: `pin the image of ${where(entry)} by digest (${parseImage(reference)?.repository ?? "registry/repository"}@sha256:…) or by a release tag (:v1.2.3)`,
        },
      ];
    });
  },
);

export const imageDigestRule = podRule(
  "image-digest",
  "advisory",
  "In production images are pinned by digest, not only by tag (a tag can be moved, a digest cannot).",
  (pod, context) => {
    if (environmentOf(pod.workload, pod.labels, context.environment) !== "production") return [];
    return pod.containers.flatMap((entry) => {
      const reference = typeof entry.container.image === "string" ? entry.container.image : "";
      const image = parseImage(reference);
      // Unpinned images are image-pinned's (mandatory) business: one violation per mistake.
      if (image === undefined || unpinnedReason(reference) !== undefined || image.digest !== undefined) return [];
      return [
        {
          object: pod.object,
          message: `${where(entry)} image "${reference}" is pinned by tag only`,
          fix: `append the digest the tag points to: ${reference}@sha256:<digest> (see docker buildx imagetools inspect ${reference})`,
        },
      ];
    });
  },
);

export const WORKLOAD_RULES: readonly PolicyRule<KubernetesManifest>[] = [resourcesRule, probesRule, imagePinnedRule, imageDigestRule];
