/** Runs the guardrails over a set of objects and formats what they find. */
import { CLOUD_RULES, KUBERNETES_RULES, MIGRATION_RULES } from "./rules.js";
import type { MigrationSource } from "./migrations/expand-only.js";
import { formatObjectRef, type CloudResource, type KubernetesManifest, type PolicyContext, type PolicyRule, type Violation } from "./types.js";

/** Runs `rules` (both halves) over `objects`; violations sorted by object, then rule. */
export function runRules<T>(rules: readonly PolicyRule<T>[], objects: readonly T[], context: PolicyContext = {}): Violation[] {
  const violations: Violation[] = [];
  for (const rule of rules) {
    const findings = [...objects.flatMap((object) => rule.checkEach?.(object, context) ?? []), ...(rule.checkAll?.(objects, context) ?? [])];
    for (const finding of findings) violations.push({ ...finding, ruleId: rule.id, level: rule.level });
  }
  return violations.sort(
    (a, b) =>
      formatObjectRef(a.object).localeCompare(formatObjectRef(b.object)) ||
      a.ruleId.localeCompare(b.ruleId) ||
      a.message.localeCompare(b.message),
  );
}

/** Every Kubernetes guardrail over a set of manifests (one stack or one namespace: relations are checked within the set). */
export function checkKubernetesManifests(manifests: readonly KubernetesManifest[], context: PolicyContext = {}): Violation[] {
  return runRules(KUBERNETES_RULES, manifests, context);
}

/** Every cloud guardrail over a set of Pulumi resources. */
export function checkCloudResources(resources: readonly CloudResource[]): Violation[] {
  return runRules(CLOUD_RULES, resources);
}

/** The migration guardrails over a release's migrations and code (and the previous release's, when known). */
export function checkMigrations(sources: readonly MigrationSource[]): Violation[] {
  return runRules(MIGRATION_RULES, sources);
}

/** Violations that fail the run. */
export function mandatoryViolations(violations: readonly Violation[]): Violation[] {
  return violations.filter((violation) => violation.level === "mandatory");
}

/** One violation on two lines: what and where, then the fix. */
export function formatViolation(violation: Violation): string {
  return `${violation.level === "mandatory" ? "ERROR" : "WARN "} [${violation.ruleId}] ${formatObjectRef(violation.object)}: ${violation.message}\n      fix: ${violation.fix}`;
}
