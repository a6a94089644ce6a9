import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { KubernetesObject } from "../../synth/synthesize.js";

/** A constructor of one typed Kubernetes resource, as the @pulumi/kubernetes SDK exports them. */
type ResourceClass = new (name: string, args: never, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/**
 * The typed Pulumi resource for each kind the charts emit. Typed classes (rather than one generic
 * resource) give previews their real type names (kubernetes:apps/v1:Deployment) and the provider's
 * per-kind await logic: an update only succeeds when the Deployment's rollout does.
 */
const RESOURCE_CLASSES: Readonly<Record<string, ResourceClass>> = {
  "v1/Namespace": k8s.core.v1.Namespace,
  "v1/ConfigMap": k8s.core.v1.ConfigMap,
  "v1/Secret": k8s.core.v1.Secret,
  "v1/Service": k8s.core.v1.Service,
  "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
  "apps/v1/Deployment": k8s.apps.v1.Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
  "batch/v1/CronJob": k8s.batch.v1.CronJob,
  "batch/v1/Job": k8s.batch.v1.Job,
  "networking.k8s.io/v1/Ingress": k8s.networking.v1.Ingress,
  "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
  "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
  "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding,
};

/** Kinds created before the workloads that use them. */
const FOUNDATION_KINDS = new Set(["ServiceAccount", "ConfigMap", "Secret"]);

/** Apply order: the Namespace, then what pods mount or run as, then everything else. */
export function applyTier(object: Pick<KubernetesObject, "kind">): 0 | 1 | 2 {
  if (object.kind === "Namespace") return 0;
  return FOUNDATION_KINDS.has(object.kind) ? 1 : 2;
}

/** The Pulumi logical name of an object: unique within the stack for a given type. */
export function logicalName(object: KubernetesObject): string {
  return object.metadata.namespace === undefined ? object.metadata.name : `${object.metadata.namespace}/${object.metadata.name}`;
}

/** Registers one synthesized object as its typed resource (custom resources through CustomResource). */
export function registerObject(object: KubernetesObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const Resource = RESOURCE_CLASSES[`${object.apiVersion}/${object.kind}`];
  if (Resource !== undefined) return new Resource(logicalName(object), object as never, opts);
  if (object.apiVersion.includes(".") && !object.apiVersion.endsWith(".k8s.io/v1")) {
    return new k8s.apiextensions.CustomResource(logicalName(object), object as unknown as k8s.apiextensions.CustomResourceArgs, opts);
  }
  throw new Error(`No Pulumi resource class for ${object.apiVersion} ${object.kind}; add it to RESOURCE_CLASSES`);
}
