import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ResolvedStack } from "../config/resolve-stack-config.js";
import type { SecretConfigKey } from "../config/schema.js";
import { applyTier, registerObject } from "./kubernetes/object-resources.js";
import { isMigrationJob, isMigrationNetworkPolicy, waitsForMigrations } from "./kubernetes/migration-order.js";
import { type ClusterCapabilities, PATCH_FORCE_ANNOTATION, withAwaitAnnotations } from "./kubernetes/readiness.js";
import type { KubernetesObject } from "../synth/synthesize.js";

/** Args of {@link GoServiceStack}. */
export interface GoServiceStackArgs {
  /** The validated stack config. */
  readonly resolved: ResolvedStack;
  /** The objects the charts synthesized for this stack (see `buildStackObjects`). */
  readonly objects: readonly KubernetesObject[];
  /** Secret values by config key, as Pulumi secrets; keys without a value are left out of the Secret. */
  readonly secrets: Partial<Record<SecretConfigKey, pulumi.Input<string>>>;
  /** The cluster to apply to. */
  readonly provider: k8s.Provider;
}

/**
 * Applies one stack's Kubernetes objects, one typed Pulumi resource per object, in dependency order
 * (Namespace; then ServiceAccounts, ConfigMaps and the Secret; then the schema migration Job, when the
 * stack has one, awaited to success; then the workloads, Deployments after the migrations, and the rest), and
 * creates the service's Secret from Pulumi secret config so its values never pass through YAML.
 *
 * Every object is awaited to its ready state before the update succeeds, within the stack's
 * `kubernetes.rolloutTimeout` (`infra/kubernetes/readiness.ts` says what ready means per kind), and
 * every object takes back, on the next update, the fields someone changed by hand (`pulumi.com/patchForce`).
 */
export class GoServiceStack extends pulumi.ComponentResource {
  /** Every registered Kubernetes resource, by `Kind/name`. */
  readonly resources: Readonly<Record<string, pulumi.CustomResource>>;
  readonly namespace: pulumi.Output<string>;
  readonly secret: k8s.core.v1.Secret;

  constructor(name: string, args: GoServiceStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("seed:stack:GoServiceStack", name, {}, opts);
    const { config } = args.resolved;
    const resources: Record<string, pulumi.CustomResource> = {};
    const base: pulumi.CustomResourceOptions = { parent: this, provider: args.provider };

    const cluster: ClusterCapabilities = { metricsApi: config.kubernetes.metricsApi, prometheusOperatorStatus: config.kubernetes.prometheusOperatorStatus };
    const objects = args.objects.map((object) => withAwaitAnnotations(object, cluster));
    // How long `pulumi up` waits for an object to be ready before it calls the update failed (and a deploy rolls back).
    const rollout = config.kubernetes.rolloutTimeout;
    const timeouts: pulumi.CustomTimeouts = { create: rollout, update: rollout };
    const tiers = [0, 1, 2].map((tier) => objects.filter((o) => applyTier(o) === tier));
    const namespaceObjects = tiers[0] ?? [];
    const namespaces = namespaceObjects.map((object) => registerObject(object, { ...base, customTimeouts: timeouts }));
    namespaceObjects.forEach((object, i) => (resources[`${object.kind}/${object.metadata.name}`] = namespaces[i] as pulumi.CustomResource));

    this.secret = new k8s.core.v1.Secret(
      `${config.namespace}/${config.secrets.name}`,
      {
        metadata: {
          name: config.secrets.name,
          namespace: config.namespace,
          labels: { "app.kubernetes.io/name": config.name, "app.kubernetes.io/managed-by": "go-service-stack" },
          annotations: { [PATCH_FORCE_ANNOTATION]: "true" },
        },
        type: "Opaque",
        stringData: secretData(config.secrets.keys, args.secrets),
      },
      { ...base, dependsOn: namespaces, additionalSecretOutputs: ["data", "stringData"], customTimeouts: timeouts },
    );
    resources[`Secret/${config.secrets.name}`] = this.secret;

    const foundation = (tiers[1] ?? []).map((object) => {
      const resource = registerObject(object, { ...base, dependsOn: namespaces, customTimeouts: timeouts });
      resources[`${object.kind}/${object.metadata.name}`] = resource;
      return resource;
    });
    // The schema migrations run first (their Job awaited to success); the workloads that run the new code wait for them.
    const workloads = tiers[2] ?? [];
    const register = (object: KubernetesObject, dependsOn: pulumi.Resource[]) => {
      const resource = registerObject(object, { ...base, dependsOn, customTimeouts: timeouts });
      resources[`${object.kind}/${object.metadata.name}`] = resource;
      return resource;
    };
    const before = [...namespaces, ...foundation, this.secret];
    const migrationPolicies = workloads.filter(isMigrationNetworkPolicy).map((object) => register(object, before));
    const migrations = workloads.filter(isMigrationJob).map((object) => register(object, [...before, ...migrationPolicies]));
    for (const object of workloads.filter((o) => !isMigrationJob(o) && !isMigrationNetworkPolicy(o))) {
      register(object, [...before, ...(waitsForMigrations(object) ? migrations : [])]);
    }

    this.resources = resources;
    this.namespace = pulumi.output(config.namespace);
    this.registerOutputs({ namespace: this.namespace });
  }
}

/** The Secret's data: each provided secret under the key the chart references. */
export function secretData(
  keys: ResolvedStack["config"]["secrets"]["keys"],
  values: Partial<Record<SecretConfigKey, pulumi.Input<string>>>,
): Record<string, pulumi.Input<string>> {
  const data: Record<string, pulumi.Input<string>> = {};
  for (const [configKey, secretKey] of Object.entries(keys) as [SecretConfigKey, string][]) {
    const value = values[configKey];
    if (value !== undefined) data[secretKey] = pulumi.secret(value);
  }
  return data;
}
