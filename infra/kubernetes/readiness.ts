/**
 * What "ready" means for each kind the stack applies, and the annotations that make the Kubernetes
 * provider (4.25.0) await it before an update succeeds. No Pulumi import: the release layer reads the
 * same descriptions to name what a failed or slow object was waiting for.
 *
 * The provider has its own await logic for Deployments (rollout complete), Services (ready endpoints),
 * Ingresses (an address), Jobs, Secrets and ServiceAccounts; a `pulumi.com/waitFor` annotation on those
 * would replace it, so they get none. For every other kind the provider waits for nothing unless told:
 * `pulumi.com/waitFor` (a `jsonpath=` or `condition=` expression, or a JSON array of them, all of which
 * must hold; provider `pkg/metadata/overrides.go` `ReadyCondition`) says what to wait for. Every object
 * also carries `pulumi.com/patchForce: "true"`, so that an update takes back fields someone changed by
 * hand (a drift repair) instead of failing on a server-side apply conflict.
 */

/** The provider's annotations. */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";
export const PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce";

/** What the cluster offers, which decides how far some kinds can be awaited (`go-service:kubernetes`). */
export interface ClusterCapabilities {
  /**
   * The cluster serves the resource metrics API (`metrics.k8s.io`, metrics-server): the HPA is awaited
   * until it reads its metrics (condition ScalingActive), not only its target's scale.
   */
  readonly metricsApi: boolean;
  /**
   * The Prometheus Operator writes the status of configuration resources (its
   * `StatusForConfigurationResources` feature gate): ServiceMonitor and PrometheusRule are awaited until
   * a Prometheus accepted them, not only until they are stored.
   */
  readonly prometheusOperatorStatus: boolean;
}

/** How an object of one kind is awaited. */
export interface Readiness {
  /** `pulumi.com/waitFor` expressions; undefined when the provider's own await for the kind applies. */
  readonly waitFor?: readonly string[];
  /** What the update waits for, in words ("rollout complete: ..."). */
  readonly description: string;
}

/** The provider's own await, by `apiVersion/kind`, in words. */
const PROVIDER_AWAITS: Readonly<Record<string, string>> = {
  "apps/v1/Deployment": "its rollout to complete: every replica updated, ready and available",
  "v1/Service": "ready endpoints (a ready pod behind each of its ports)",
  "networking.k8s.io/v1/Ingress": "an address in its status (its ingress controller admitted it)",
  "batch/v1/Job": "the Job to succeed",
  "v1/Secret": "it to be stored",
  "v1/ServiceAccount": "it to be stored",
};

/** Kinds with no status at all: stored by the API server is ready. */
const STATELESS_KINDS = new Set(["v1/ConfigMap", "networking.k8s.io/v1/NetworkPolicy", "rbac.authorization.k8s.io/v1/Role", "rbac.authorization.k8s.io/v1/RoleBinding"]);

const OPERATOR_ACCEPTED = 'jsonpath={.status.bindings[*].conditions[?(@.type=="Accepted")].status}=True';

interface ObjectLike {
  readonly apiVersion: string;
  readonly kind: string;
  readonly spec?: unknown;
}

/** How an object is awaited on this cluster. */
export function readinessOf(object: ObjectLike, cluster: ClusterCapabilities): Readiness {
  const id = `${object.apiVersion}/${object.kind}`;
  const provider = PROVIDER_AWAITS[id];
  if (provider !== undefined) return { description: provider };
  if (STATELESS_KINDS.has(id)) return { description: "it to be stored (the kind has no status)" };
  switch (id) {
    case "v1/Namespace":
      return { waitFor: ["jsonpath={.status.phase}=Active"], description: "phase Active" };
    case "autoscaling/v2/HorizontalPodAutoscaler":
      return cluster.metricsApi
        ? { waitFor: ["condition=AbleToScale", "condition=ScalingActive"], description: "conditions AbleToScale (the autoscaler reads its target's scale) and ScalingActive (it reads its metrics)" }
        : { waitFor: ["condition=AbleToScale"], description: "condition AbleToScale (the autoscaler reads its target's scale; no metrics API to wait for)" };
    case "policy/v1/PodDisruptionBudget":
      return { waitFor: ["jsonpath={.status.observedGeneration}"], description: "the disruption controller to observe it (status.observedGeneration current)" };
    case "batch/v1/CronJob": {
      const schedule = (object.spec as { schedule?: unknown } | undefined)?.schedule;
      return typeof schedule === "string" && !schedule.includes("=")
        ? { waitFor: [`jsonpath={.spec.schedule}=${schedule}`], description: `the API server to accept it with its schedule "${schedule}"` }
        : { waitFor: ["jsonpath={.spec.schedule}"], description: "the API server to accept it with a schedule" };
    }
    case "monitoring.coreos.com/v1/ServiceMonitor":
    case "monitoring.coreos.com/v1/PrometheusRule":
      return cluster.prometheusOperatorStatus
        ? { waitFor: [OPERATOR_ACCEPTED], description: "a Prometheus to accept it (status.bindings[*] condition Accepted=True, written by the Prometheus Operator)" }
        : {
            waitFor: [object.kind === "ServiceMonitor" ? "jsonpath={.spec.endpoints}" : "jsonpath={.spec.groups}"],
            description: `it to be stored with its ${object.kind === "ServiceMonitor" ? "endpoints" : "rule groups"} (the operator's status is not awaited: kubernetes.prometheusOperatorStatus is off)`,
          };
    default:
      return { description: "it to be stored (no readiness is known for this kind)" };
  }
}

/** `waitFor` as the annotation holds it: one expression as it is, several as a JSON array. */
export function waitForAnnotation(waitFor: readonly string[]): string {
  return waitFor.length === 1 ? (waitFor[0] as string) : JSON.stringify(waitFor);
}

/**
 * The object with the provider's await annotations added: `pulumi.com/patchForce` on every object and
 * `pulumi.com/waitFor` where the kind needs one (an annotation already there is kept: the object knows
 * better). A copy; the object is not changed.
 */
export function withAwaitAnnotations<T extends ObjectLike & { readonly metadata: object }>(
  object: T,
  cluster: ClusterCapabilities,
): T & { readonly metadata: T["metadata"] & { readonly annotations: Readonly<Record<string, unknown>> } } {
  const { waitFor } = readinessOf(object, cluster);
  const annotations: Record<string, unknown> = {
    [PATCH_FORCE_ANNOTATION]: "true",
    ...(waitFor === undefined ? {} : { [WAIT_FOR_ANNOTATION]: waitForAnnotation(waitFor) }),
    ...((object.metadata as { annotations?: Record<string, unknown> }).annotations ?? {}),
  };
  return { ...object, metadata: { ...object.metadata, annotations } };
}

/**
 * What an applied object waited for, from the Pulumi type token (`kubernetes:apps/v1:Deployment`) and
 * the annotations it was applied with: its `pulumi.com/waitFor` when it has one, else the provider's
 * await for the kind.
 */
export function describeWait(type: string, annotations: Readonly<Record<string, unknown>> | undefined): string {
  const waitFor = annotations?.[WAIT_FOR_ANNOTATION];
  if (typeof waitFor === "string" && waitFor !== "") {
    let expressions: string[];
    try {
      const parsed = JSON.parse(waitFor) as unknown;
      expressions = Array.isArray(parsed) ? parsed.map(String) : [waitFor];
    } catch {
      expressions = [waitFor];
    }
    return expressions.map(expressionInWords).join(" and ");
  }
  const id = apiKindOf(type);
  return PROVIDER_AWAITS[id] ?? (STATELESS_KINDS.has(id) ? "it to be stored (the kind has no status)" : "it to be stored");
}

/** `condition=ScalingActive` → `condition ScalingActive=True`; `jsonpath={.status.phase}=Active` → `status.phase = Active`. */
function expressionInWords(expression: string): string {
  if (expression.startsWith("condition=")) {
    const [type, status = "True"] = expression.slice("condition=".length).split("=");
    return `condition ${type ?? ""}=${status}`;
  }
  if (expression.startsWith("jsonpath=")) {
    // `==` inside a filter is part of the path; a lone `=` separates the value (as the provider parses it).
    const body = expression.slice("jsonpath=".length);
    const split = /(?<!=)=(?!=)/.exec(body);
    const path = split === null ? body : body.slice(0, split.index);
    const value = split === null ? undefined : body.slice(split.index + 1);
    const field = path.replace(/^\{\s*\.?/, "").replace(/\s*\}$/, "");
    return value === undefined ? `${field} to be set` : `${field} = ${value}`;
  }
  return expression;
}

/** `apps/v1/Deployment` from `kubernetes:apps/v1:Deployment`, `v1/Service` from `kubernetes:core/v1:Service`. */
export function apiKindOf(type: string): string {
  const [, version = "", kind = ""] = type.split(":");
  return `${version.replace(/^core\//, "")}/${kind}`;
}
