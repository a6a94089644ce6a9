import { resolve as resolvePath } from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { StackConfigError } from "../config/config-error.js";
import { resolveEngineConfig, secretOutput } from "./engine-config.js";
import type { ResolvedStack } from "../config/resolve-stack-config.js";
import { SECRET_CONFIG_KEYS, type SecretConfigKey } from "../config/schema.js";
import { createAwsProvider } from "./aws-provider.js";
import { BackupBucket } from "./backup/backup-bucket.js";
import { BucketEncryption } from "./backup/bucket-encryption.js";
import { GoServiceStack } from "./go-service-stack.js";
import { resolveDeferredValues } from "./kubernetes/resolve-deferred-values.js";
import { BACKUP_CRON_JOB_NAME } from "../charts/service-stack-chart.js";
import { buildStackChart, type KubernetesObject } from "../synth/synthesize.js";

/** The stack outputs: what a reviewer or the next pipeline step needs, and no secret. */
export interface StackOutputs {
  readonly namespace: pulumi.Output<string>;
  readonly serviceUrl: pulumi.Output<string>;
  readonly image: pulumi.Output<string>;
  readonly backupBucketName: pulumi.Output<string | null>;
  readonly backupBucketArn: pulumi.Output<string | null>;
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
  const chart = buildStackChart(resolved);
  const backupBucket = createBackupBucket(resolved);
  const objects = resolveDeferredValues(chart.toJson() as KubernetesObject[], {
    ...(backupBucket === undefined
      ? {}
      : {
          "backupBucket.bucketName": backupBucket.bucketName,
          "backupBucket.kmsKeyArn": backupBucket.kmsKeyArn as pulumi.Output<string>,
          "backupBucket.roleArn": backupBucket.roleArn as pulumi.Output<string>,
        }),
  });

  const provider = new k8s.Provider("kubernetes", {
    ...(config.kubernetes.context === undefined ? {} : { context: config.kubernetes.context }),
    // The provider plugin does not run in the project directory: a relative path must be made absolute here.
    ...(config.kubernetes.kubeconfig === undefined ? {} : { kubeconfig: resolvePath(config.kubernetes.kubeconfig) }),
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
    backupBucketName: backupBucket?.bucketName ?? pulumi.output((config.backup.enabled ? config.backup.bucketName : undefined) ?? null),
    // null, not undefined: an undefined output is dropped with a warning in every preview.
    backupBucketArn: backupBucket?.bucketArn ?? pulumi.output<string | null>(null),
    dashboardUid: pulumi.output(chart.dashboard.dashboardUid),
  };
}

/**
 * The S3 bucket, KMS key and IRSA role of the backups, when this stack owns them
 * (`backup.createBucket`). Stacks that write to an existing bucket create no AWS resource at all,
 * so they need no AWS provider plugin or credentials.
 */
function createBackupBucket(resolved: ResolvedStack): BackupBucket | undefined {
  const { config, stack } = resolved;
  const { backup } = config;
  if (!backup.enabled || !backup.createBucket) return undefined;
  const aws = createAwsProvider("aws", {
    region: backup.region ?? "",
    defaultTags: { application: config.name, environment: config.environment, stack },
  });
  return new BackupBucket(
    `${config.name}-backups`,
    {
      environment: config.environment,
      ...(backup.bucketName === undefined ? {} : { bucketName: backup.bucketName }),
      encryption: backup.encryption === "kms" ? BucketEncryption.kms() : BucketEncryption.s3Managed(),
      retentionDays: backup.retentionDays,
      frequentRetentionDays: backup.frequentRetentionDays,
      walArchive: backup.method === "wal",
      noncurrentVersionExpirationDays: backup.noncurrentVersionExpirationDays,
      ...(backup.infrequentAccessAfterDays === undefined ? {} : { infrequentAccessAfterDays: backup.infrequentAccessAfterDays }),
      jobAccess: { oidcProviderArn: backup.oidcProviderArn ?? "", namespace: config.namespace, serviceAccountName: BACKUP_CRON_JOB_NAME },
    },
    { providers: { aws } },
  );
}
