/**
 * The guardrails as Pulumi policies: each rule of `policies/rules.ts` becomes one policy of the same
 * name and enforcement level. Per-object checks run in `validateResource`; checks about relations
 * (a PodDisruptionBudget for a Deployment, a NetworkPolicy for every workload, a versioning resource
 * for every bucket) run in `validateStack`, which sees every resource of the stack at once.
 *
 * Kept apart from index.ts because `new PolicyPack(…)` starts the analyzer's gRPC server: tests
 * import this module and call the validators directly.
 */
import type {
  Policies,
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  StackValidation,
  StackValidationArgs,
} from "@pulumi/policy";
import { CLOUD_RULES, KUBERNETES_RULES } from "../rules.js";
import { formatObjectRef, type CloudResource, type Finding, type KubernetesManifest, type PolicyRule } from "../types.js";

/** The resource shape both validations receive. */
type ResourceLike = Pick<PolicyResource, "type" | "props" | "urn" | "name"> & { readonly propertyDependencies?: Readonly<Record<string, readonly { urn: string }[]>> };

const KUBERNETES_TYPE = /^kubernetes:([^:/]+)\/([^:/]+):([A-Za-z0-9]+)$/;

/**
 * The manifest a `kubernetes:*` resource stands for, or undefined for other types (and for the
 * provider's own `kubernetes:yaml/…` and `kubernetes:helm.sh/…` components, whose children are
 * checked one by one). `apiVersion` and `kind` come from the inputs, else from the type token.
 */
export function manifestOf(resource: ResourceLike): KubernetesManifest | undefined {
  const match = KUBERNETES_TYPE.exec(resource.type);
  if (match === null) return undefined;
  const [, group, version, kind] = match;
  if (group === "yaml" || group === "helm.sh" || kind === undefined || kind.endsWith("Patch") || kind.endsWith("List")) return undefined;
  const props = resource.props as Record<string, unknown>;
  return {
    ...props,
    apiVersion: typeof props.apiVersion === "string" ? props.apiVersion : group === "core" ? `${version}` : `${group}/${version}`,
    kind: typeof props.kind === "string" ? props.kind : kind,
  };
}

/** The cloud resource an `aws:s3/*` resource stands for, or undefined for other types. */
export function cloudResourceOf(resource: ResourceLike): CloudResource | undefined {
  if (!resource.type.startsWith("aws:s3/")) return undefined;
  const dependencies = Object.fromEntries(
    Object.entries(resource.propertyDependencies ?? {}).map(([property, resources]) => [property, resources.map((r) => r.urn)]),
  );
  const id = (resource.props as Record<string, unknown>).bucket;
  return {
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props: resource.props as Record<string, unknown>,
    propertyDependencies: dependencies,
    ...(typeof id === "string" && id !== "" ? { id } : {}),
  };
}

/** The violation text the engine shows: what, on which object, and the fix. */
export function violationMessage(finding: Finding): string {
  return `${formatObjectRef(finding.object)}: ${finding.message}. Fix: ${finding.fix}`;
}

const keyOf = (object: { kind: string; namespace?: string | undefined; name: string }) => formatObjectRef(object);

function policyFor<T>(rule: PolicyRule<T>, convert: (resource: ResourceLike) => T | undefined, refOf: (object: T) => string): Policies[number] {
  const validateResource: ResourceValidation = (args: ResourceValidationArgs, report: ReportViolation) => {
    const object = convert(args);
    if (object === undefined) return;
    for (const finding of rule.checkEach?.(object, {}) ?? []) report(violationMessage(finding));
  };
  const validateStack: StackValidation = (args: StackValidationArgs, report: ReportViolation) => {
    const urns = new Map<string, string>();
    const objects: T[] = [];
    for (const resource of args.resources) {
      const object = convert(resource);
      if (object === undefined) continue;
      objects.push(object);
      urns.set(refOf(object), resource.urn);
    }
    for (const finding of rule.checkAll?.(objects, {}) ?? []) report(violationMessage(finding), urns.get(keyOf(finding.object)));
  };
  return {
    name: rule.id,
    description: rule.description,
    enforcementLevel: rule.level,
    ...(rule.checkEach === undefined ? {} : { validateResource }),
    ...(rule.checkAll === undefined ? {} : { validateStack }),
  } as Policies[number];
}

const manifestKey = (manifest: KubernetesManifest) =>
  keyOf({
    kind: manifest.kind,
    namespace: typeof manifest.metadata?.namespace === "string" ? manifest.metadata.namespace : undefined,
    name: typeof manifest.metadata?.name === "string" ? manifest.metadata.name : "<unnamed>",
  });

/** Every guardrail as a Pulumi policy, named by rule id. */
export function guardrailPolicies(): Policies {
  return [
    ...KUBERNETES_RULES.map((rule) => policyFor(rule, manifestOf, manifestKey)),
    ...CLOUD_RULES.map((rule) => policyFor(rule, cloudResourceOf, (resource) => keyOf({ kind: resource.type, name: resource.name }))),
  ];
}
