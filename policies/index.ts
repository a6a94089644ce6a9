/** The guardrails: policies over Kubernetes manifests and cloud resources, run offline or in the Pulumi pack. */
export { CLOUD_RULES, KUBERNETES_RULES, MIGRATION_RULES, RULE_IDS } from "./rules.js";
export { checkCloudResources, checkKubernetesManifests, checkMigrations, formatViolation, mandatoryViolations, runRules } from "./run.js";
export { formatObjectRef } from "./types.js";
export type { CloudResource, EnforcementLevel, Finding, KubernetesManifest, ObjectRef, PolicyContext, PolicyRule, Violation } from "./types.js";
export type { MigrationSource } from "./migrations/expand-only.js";
