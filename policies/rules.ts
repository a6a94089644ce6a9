/** Every guardrail, in the order reports list them. */
import { S3_BUCKET_RULES } from "./aws/s3-bucket-rules.js";
import { MIGRATION_RULES as MIGRATIONS, type MigrationSource } from "./migrations/expand-only.js";
import { POD_SECURITY_RULES } from "./kubernetes/pod-security.js";
import { RELATION_RULES } from "./kubernetes/relation-rules.js";
import { WORKLOAD_RULES } from "./kubernetes/workload-rules.js";
import type { CloudResource, KubernetesManifest, PolicyRule } from "./types.js";

/** The rules over Kubernetes manifests. */
export const KUBERNETES_RULES: readonly PolicyRule<KubernetesManifest>[] = [...POD_SECURITY_RULES, ...WORKLOAD_RULES, ...RELATION_RULES];

/** The rules over cloud (Pulumi) resources. */
export const CLOUD_RULES: readonly PolicyRule<CloudResource>[] = [...S3_BUCKET_RULES];

/** The rules over a release's schema migrations and the service's code (policies/README.md, "Migrations"). */
export const MIGRATION_RULES: readonly PolicyRule<MigrationSource>[] = MIGRATIONS;

/** The id of every guardrail, of every kind: the ones the checklist and the documentation may name. */
export const RULE_IDS: readonly string[] = [...KUBERNETES_RULES, ...CLOUD_RULES, ...MIGRATION_RULES].map((rule) => rule.id);
