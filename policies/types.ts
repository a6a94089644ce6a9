/**
 * The vocabulary shared by every guardrail: what a rule checks, what it reports, and how bad it is.
 * Rules are pure functions over plain JSON, so the same code runs offline (`npm run policy`, the
 * unit suite) and inside the Pulumi policy pack (`policies/pack`).
 */

/**
 * How a violation is treated: `mandatory` fails the run (exit 1, or a blocked `pulumi up`),
 * `advisory` is printed as a warning.
 */
export type EnforcementLevel = "mandatory" | "advisory";

/** The object a violation is about, named the way `kubectl` or the Pulumi engine shows it. */
export interface ObjectRef {
  /** Kubernetes kind (`Deployment`) or Pulumi type token (`aws:s3/bucket:Bucket`). */
  readonly kind: string;
  /** Kubernetes namespace; absent for cluster-scoped objects and cloud resources. */
  readonly namespace?: string;
  /** Object or resource name. */
  readonly name: string;
}

/** What a rule found, before the runner stamps the rule's id and level on it. */
export interface Finding {
  /** The object to change. */
  readonly object: ObjectRef;
  /** What is wrong, naming the container, field or host concerned. */
  readonly message: string;
  /** What to change so the rule passes. */
  readonly fix: string;
}

/** One broken rule on one object. */
export interface Violation extends Finding {
  /** Id of the rule, as listed in policies/README.md. */
  readonly ruleId: string;
  /** Whether the violation fails the run. */
  readonly level: EnforcementLevel;
}

/**
 * A guardrail. `checkEach` looks at one object alone (the Pulumi pack runs it in `validateResource`);
 * `checkAll` looks at relations between objects (run in `validateStack`). A rule implements one or
 * both; when both, they report disjoint problems, so a single mistake yields a single violation.
 */
export interface PolicyRule<T> {
  /** Stable id, kebab-case; the Pulumi policy name. */
  readonly id: string;
  /** Whether a violation fails the run. */
  readonly level: EnforcementLevel;
  /** One sentence: what the rule requires. */
  readonly description: string;
  /** Checks one object. */
  readonly checkEach?: (object: T, context: PolicyContext) => readonly Finding[];
  /** Checks the whole set, for rules about relations between objects. */
  readonly checkAll?: (objects: readonly T[], context: PolicyContext) => readonly Finding[];
}

/** What the rules know beyond the objects themselves. */
export interface PolicyContext {
  /**
   * Environment of objects that carry no `app.kubernetes.io/environment` label (the stack's).
   * @default - unknown: environment-specific rules only apply to labelled objects
   */
  readonly environment?: string;
}

/** A Kubernetes object as synthesized or as the Pulumi Kubernetes provider receives it: plain JSON. */
export interface KubernetesManifest {
  /** API group and version, e.g. `apps/v1`. */
  readonly apiVersion: string;
  /** Kind, e.g. `Deployment`. */
  readonly kind: string;
  /** Name, namespace and labels; other metadata is kept but not read. */
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
  } & Readonly<Record<string, unknown>>;
  /** `spec` and any other field, read defensively by the rules. */
  readonly [field: string]: unknown;
}

/** A cloud resource as the Pulumi engine sees it: its type token, name and input properties. */
export interface CloudResource {
  /** Pulumi type token, e.g. `aws:s3/bucketVersioning:BucketVersioning`. */
  readonly type: string;
  /** Logical (Pulumi) name. */
  readonly name: string;
  /** Input properties. */
  readonly props: Readonly<Record<string, unknown>>;
  /** URN, when known: links configuration resources to their bucket through `propertyDependencies`. */
  readonly urn?: string;
  /** Provider ID, when known (a bucket's ID is its name). */
  readonly id?: string;
  /** URNs each input property depends on, as the engine reports them. */
  readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
}

/** Formats an object reference as `kind/namespace/name` (`kind/name` without a namespace). */
export function formatObjectRef(ref: ObjectRef): string {
  return ref.namespace === undefined || ref.namespace === "" ? `${ref.kind}/${ref.name}` : `${ref.kind}/${ref.namespace}/${ref.name}`;
}
