/** Reading pods out of workload manifests, whatever controller wraps them. */
import type { KubernetesManifest, ObjectRef } from "../types.js";

/** Free-form JSON, read defensively: manifests may come from anywhere. */
export type Json = Readonly<Record<string, unknown>>;

/** The label that GoService sets on every object to say which environment it belongs to. */
export const ENVIRONMENT_LABEL = "app.kubernetes.io/environment";

/** Kinds whose pods the guardrails inspect, and where their pod template sits. */
const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: [],
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

/** Controllers whose pods run until stopped, and so need health probes. */
const LONG_RUNNING_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController"]);

/** One container of a pod, with the list it came from. */
export interface ContainerEntry {
  readonly container: Json;
  readonly name: string;
  readonly list: "containers" | "initContainers" | "ephemeralContainers";
}

/** The pod a workload runs, as the rules need it. */
export interface PodTemplate {
  readonly object: ObjectRef;
  readonly workload: KubernetesManifest;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: Json;
  readonly containers: readonly ContainerEntry[];
  /** True for controllers whose pods serve until stopped (not Jobs, CronJobs, nor run-once Pods). */
  readonly longRunning: boolean;
}

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function asArray(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

export function field(value: unknown, ...path: readonly string[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function stringRecord(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}

/** kind/namespace/name of a manifest. */
export function refOf(manifest: KubernetesManifest): ObjectRef {
  const namespace = manifest.metadata?.namespace;
  return {
    kind: manifest.kind,
    ...(typeof namespace === "string" && namespace !== "" ? { namespace } : {}),
    name: typeof manifest.metadata?.name === "string" ? manifest.metadata.name : "<unnamed>",
  };
}

/** The namespace used to relate objects: objects without one are taken to share the default. */
export function namespaceOf(manifest: KubernetesManifest): string {
  const namespace = manifest.metadata?.namespace;
  return typeof namespace === "string" ? namespace : "";
}

/** The pod template of a workload, or undefined for objects that run no pods. */
export function podTemplateOf(manifest: KubernetesManifest): PodTemplate | undefined {
  const path = POD_TEMPLATE_PATHS[manifest.kind];
  if (path === undefined) return undefined;
  const template = path.length === 0 ? manifest : field(manifest, ...path);
  const spec = field(template, "spec");
  if (!isObject(spec)) return undefined;
  const containers: ContainerEntry[] = [];
  for (const list of ["containers", "initContainers", "ephemeralContainers"] as const) {
    for (const container of asArray(spec[list])) {
      if (isObject(container)) containers.push({ container, list, name: typeof container.name === "string" ? container.name : "<unnamed>" });
    }
  }
  const restartPolicy = spec.restartPolicy;
  return {
    object: refOf(manifest),
    workload: manifest,
    labels: stringRecord(field(template, "metadata", "labels")),
    spec,
    containers,
    longRunning: LONG_RUNNING_KINDS.has(manifest.kind) || (manifest.kind === "Pod" && restartPolicy !== "Never" && restartPolicy !== "OnFailure"),
  };
}

/** Every pod template among `manifests`. */
export function podTemplatesOf(manifests: readonly KubernetesManifest[]): PodTemplate[] {
  return manifests.map(podTemplateOf).filter((template): template is PodTemplate => template !== undefined);
}

/**
 * Whether a Kubernetes label selector (`matchLabels` and `matchExpressions`) selects `labels`.
 * An empty selector selects everything, as in NetworkPolicy and PodDisruptionBudget (policy/v1).
 */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  if (!isObject(selector)) return false;
  for (const [key, value] of Object.entries(stringRecord(selector.matchLabels))) {
    if (labels[key] !== value) return false;
  }
  for (const expression of asArray(selector.matchExpressions)) {
    if (!isObject(expression) || typeof expression.key !== "string") return false;
    const actual = labels[expression.key];
    const values = asArray(expression.values).filter((v): v is string => typeof v === "string");
    switch (expression.operator) {
      case "In":
        if (actual === undefined || !values.includes(actual)) return false;
        break;
      case "NotIn":
        if (actual !== undefined && values.includes(actual)) return false;
        break;
      case "Exists":
        if (actual === undefined) return false;
        break;
      case "DoesNotExist":
        if (actual !== undefined) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}
