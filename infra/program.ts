import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackConfigError } from "./config/config-error.js";
import { resolveEngineConfig, secretOutput } from "./config/engine-config.js";
import type { ResolvedStack } from "./config/resolve-stack-config.js";
import { SECRET_CONFIG_KEYS, type SecretConfigKey } from "./config/schema.js";
import { GoServiceStack } from "./go-service-stack.js";
import { buildStackObjects } from "./synthesize.js";

/** The stack outputs: what a reviewer or the next pipeline step needs, and no secret. */
export interface StackOutputs {
  readonly namespace: pulumi.Output<string>;
  readonly serviceUrl: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  readonly backupBucketName: pulumi.Output<string | undefined>;
  readonly backupBucketArn: pulumi.Output<string | undefined>;
  readonly dashboardUid: pulumi.Output<string | undefined>;
}

/** The service's public URL (first ingress host), or its in-cluster address when it has no ingress. */
export function serviceUrl(resolved: ResolvedStack): string {
  const { config } = resolved;
  const host = config.ingress.enabled ? config.ingress.hosts[0] : undefined;
  return host !== undefined ? `https://${host}` : `http://${config.name}.${config.namespace}.svc.cluster.local`;
}

/**
 * The whole program: validate, then register. Validation runs first and throws before any resource,
 * provider included, is registered, so an invalid config changes nothing.
 */
export function runProgram(): StackOutputs & { readonly stack: GoServiceStack } {
  let resolved: ResolvedStack;
  try {
    resolved = resolveEngineConfig();
  } catch (error) {
    // RunError: a clean message, not a stack trace and a dump of the program's source.
    if (error instanceof StackConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
  const { config } = resolved;
  const objects = buildStackObjects(resolved);

  const provider = new k8s.Provider("kubernetes", {
    ...(config.kubernetes.context === undefined ? {} : { context: config.kubernetes.context }),
    ...(config.kubernetes.kubeconfig === undefined ? {} : { kubeconfig: config.kubernetes.kubeconfig }),
    // Fail rather than silently apply to whatever namespace the kubeconfig context defaults to.
    namespace: config.namespace,
  });

  const secrets: Partial<Record<SecretConfigKey, pulumi.Output<string>>> = {};
  for (const key of SECRET_CONFIG_KEYS) {
    const value = secretOutput(resolved.project, key);
    if (value !== undefined) secrets[key] = value;
  }

  const stack = new GoServiceStack(config.name, { resolved, objects, secrets, provider });

  return {
    stack,
    namespace: stack.namespace,
    serviceUrl: pulumi.output(serviceUrl(resolved)),
    image: pulumi.output(config.image),
    backupBucketName: pulumi.output(config.backup.enabled ? config.backup.bucketName : undefined),
    backupBucketArn: pulumi.output<string | undefined>(undefined),
    dashboardUid: pulumi.output<string | undefined>(undefined),
  };
}
