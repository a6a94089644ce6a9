/** The guardrails: policies over Kubernetes manifests and cloud resources, run offline or in the Pulumi pack. */
export { CLOUD_RULES, KUBERNETES_RULES } from "./rules.js";
export { checkCloudResources, checkKubernetesManifests, formatViolation, mandatoryViolations, runRules } from "./run.js";
export { formatObjectRef } from "./types.js";
export type { CloudResource, EnforcementLevel, Finding, KubernetesManifest, ObjectRef, PolicyContext, PolicyRule, Violation } from "./types.js";
