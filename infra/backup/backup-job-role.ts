import * as pulumi from "@pulumi/pulumi";
import * as iam from "@pulumi/aws/iam/index.js";
import { backupJobPolicyDocument, backupPrefixProblem, DEFAULT_BACKUP_PREFIX, irsaTrustPolicy } from "./policy-documents.js";

/** Props of {@link BackupJobRole}. */
export interface BackupJobRoleArgs {
  /** ARN of the backup bucket. */
  readonly bucketArn: pulumi.Input<string>;

  /**
   * ARN of the KMS key that encrypts the bucket.
   * @default - no KMS permission (SSE-S3 bucket)
   */
  readonly kmsKeyArn?: pulumi.Input<string>;

  /**
   * Key prefix the job may read and write; must match the CronJob's `BACKUP_PREFIX`.
   * @default "backups"
   */
  readonly prefix?: string;

  /** ARN of the EKS cluster's IAM OIDC identity provider (the cluster's `oidcProviderArn`). */
  readonly oidcProviderArn: pulumi.Input<string>;

  /** Namespace of the backup CronJob's ServiceAccount. */
  readonly namespace: string;

  /** Name of the backup CronJob's ServiceAccount (`BackupCronJob`'s `serviceAccountName`). */
  readonly serviceAccountName: string;

  /**
   * Longest session, in seconds, the job's credentials last before the SDK refreshes them.
   * @default 3600
   */
  readonly maxSessionDurationSeconds?: number;

  /**
   * Tags of the role.
   * @default - none besides the provider's default tags
   */
  readonly tags?: Readonly<Record<string, string>>;
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const K8S_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Problems with {@link BackupJobRoleArgs}; each names the prop and says what to change. */
export function backupJobRoleArgsProblems(args: BackupJobRoleArgs): string[] {
  const problems: string[] = [];
  if (!K8S_NAME.test(args.namespace)) {
    problems.push(`namespace "${args.namespace}" must be a DNS-1123 label (lower-case letters, digits, '-', at most 63 characters)`);
  }
  if (!K8S_SUBDOMAIN.test(args.serviceAccountName)) {
    problems.push(
      `serviceAccountName "${args.serviceAccountName}" must be a DNS-1123 subdomain (lower-case letters, digits, '-', '.')`,
    );
  }
  const prefixProblem = backupPrefixProblem(args.prefix ?? DEFAULT_BACKUP_PREFIX);
  if (prefixProblem !== undefined) problems.push(`prefix ${prefixProblem}`);
  const session = args.maxSessionDurationSeconds;
  if (session !== undefined && (!Number.isInteger(session) || session < 3600 || session > 43200)) {
    problems.push(`maxSessionDurationSeconds must be a whole number from 3600 to 43200, not ${session}`);
  }
  return problems;
}

/**
 * The IAM role the backup and restore-check jobs assume through IRSA (IAM Roles for Service
 * Accounts): trusted only by one Kubernetes ServiceAccount of one cluster, allowed only to
 * write and read objects under the backup prefix and to use the bucket's key.
 */
export class BackupJobRole extends pulumi.ComponentResource {
  /** ARN of the role, for the ServiceAccount's `eks.amazonaws.com/role-arn` annotation. */
  readonly roleArn: pulumi.Output<string>;
  /** Name of the role. */
  readonly roleName: pulumi.Output<string>;

  constructor(name: string, args: BackupJobRoleArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before super(): a refused component registers nothing.
    const problems = backupJobRoleArgsProblems(args);
    if (problems.length > 0) throw new Error(`BackupJobRole "${name}": ${problems.join("; ")}`);
    super("seed:backup:BackupJobRole", name, {}, opts);

    const trustPolicy = pulumi.output(args.oidcProviderArn).apply((oidcProviderArn) =>
      JSON.stringify(
        irsaTrustPolicy({ oidcProviderArn, namespace: args.namespace, serviceAccountName: args.serviceAccountName }),
      ),
    );
    const role = new iam.Role(
      `${name}-role`,
      {
        description: `Backup job of system:serviceaccount:${args.namespace}:${args.serviceAccountName} (IRSA)`,
        assumeRolePolicy: trustPolicy,
        maxSessionDuration: args.maxSessionDurationSeconds ?? 3600,
        ...(args.tags === undefined ? {} : { tags: { ...args.tags } }),
      },
      { parent: this },
    );

    const policy = pulumi
      .all([args.bucketArn, args.kmsKeyArn])
      .apply(([bucketArn, kmsKeyArn]) =>
        JSON.stringify(
          backupJobPolicyDocument({
            bucketArn,
            prefix: args.prefix ?? DEFAULT_BACKUP_PREFIX,
            ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
          }),
        ),
      );
    // An inline policy, not a managed one: it lives and dies with the role and cannot be attached elsewhere.
    new iam.RolePolicy(`${name}-policy`, { role: role.name, policy }, { parent: this });

    this.roleArn = role.arn;
    this.roleName = role.name;
    this.registerOutputs({ roleArn: this.roleArn, roleName: this.roleName });
  }
}
