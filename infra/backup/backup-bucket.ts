import * as pulumi from "@pulumi/pulumi";
import * as kms from "@pulumi/aws/kms/index.js";
import * as s3 from "@pulumi/aws/s3/index.js";
import { backupLifecycleProblems, backupLifecycleRules } from "./backup-lifecycle.js";
import { BackupJobRole, backupJobRoleArgsProblems } from "./backup-job-role.js";
import { BucketEncryption } from "./bucket-encryption.js";
import { backupBucketPolicyDocument, backupPrefixProblem, DEFAULT_BACKUP_PREFIX } from "./policy-documents.js";
import { COMMON_DEFAULTS } from "../../config/environment-defaults.js";
import { bucketNameProblem } from "../../config/validators.js";

export { bucketNameProblem };

/** The environments the stack knows; only `production` changes the component's behaviour. */
export const BACKUP_ENVIRONMENTS = ["development", "staging", "production"] as const;
/** One of {@link BACKUP_ENVIRONMENTS}: the stack's environment, which decides protection and retention on delete. */
export type BackupEnvironment = (typeof BACKUP_ENVIRONMENTS)[number];

/** Where the backup job runs, for its IRSA role (see {@link BackupJobRole}). */
export interface BackupJobAccess {
  /** ARN of the EKS cluster's IAM OIDC identity provider. */
  readonly oidcProviderArn: pulumi.Input<string>;
  /** Namespace of the backup CronJob. */
  readonly namespace: string;
  /** Name of the backup CronJob's ServiceAccount. */
  readonly serviceAccountName: string;
}

/** Props of {@link BackupBucket}. */
export interface BackupBucketArgs {
  /** Environment of the stack: in `production` the bucket and its key are protected and retained. */
  readonly environment: BackupEnvironment;

  /**
   * Physical bucket name, globally unique. Changing it replaces the bucket (and loses the backups in it).
   * @default - the component name plus `-bucket` and a random suffix (Pulumi auto-naming)
   */
  readonly bucketName?: string;

  /**
   * Server-side encryption.
   * @default BucketEncryption.kms() - SSE-KMS with a new key, rotated every year
   */
  readonly encryption?: BucketEncryption;

  /**
   * Key prefix of the backups, without slashes; the retention rule and the job's permissions
   * are scoped to it. Must match the CronJob's `BACKUP_PREFIX`.
   * @default "backups"
   */
  readonly prefix?: string;

  /**
   * Days one backup a day (`<prefix>/daily/`) is kept after its upload (the seed's `RetentionDays`).
   * @default 30
   */
  readonly retentionDays?: number;

  /**
   * Days every backup (`<prefix>/frequent/`, one per scheduled run) is kept after its upload: the short
   * window in which every recovery point is available. At most `retentionDays`.
   * @default 2
   */
  readonly frequentRetentionDays?: number;

  /**
   * Whether the database server archives WAL into this bucket under `<prefix>/wal/` (`backup.method: wal`,
   * docs/disaster-recovery.md); adds a rule that expires the archive a day after `retentionDays`.
   * @default false
   */
  readonly walArchive?: boolean;

  /**
   * Days after upload at which a backup moves to STANDARD_IA (cheaper storage, paid retrieval).
   * S3 refuses a STANDARD_IA transition before day 30 and the move must happen before the
   * expiry, so it needs `retentionDays` above 30; with the seed's 30-day retention there is
   * nothing to transition. STANDARD_IA also bills at least 30 days per object, so it pays off
   * when `retentionDays - infrequentAccessAfterDays` is 30 or more. (To store backups
   * in STANDARD_IA from day one, the upload itself can ask for the storage class, as the
   * seed does.)
   * @default - no transition
   */
  readonly infrequentAccessAfterDays?: number;

  /**
   * Days an expired or overwritten backup version is kept before S3 deletes it for good: the
   * window to recover from an accidental or malicious deletion. A backup is therefore stored
   * for at most `retentionDays + noncurrentVersionExpirationDays` days.
   * @default 7
   */
  readonly noncurrentVersionExpirationDays?: number;

  /**
   * Days after which S3 aborts an unfinished multipart upload (a dump killed mid-upload) and
   * stops billing its parts.
   * @default 1
   */
  readonly abortIncompleteMultipartUploadDays?: number;

  /**
   * Protect the bucket, its configuration and its key from `pulumi destroy` and from replacement.
   * @default - true in production, false elsewhere
   */
  readonly protect?: boolean;

  /**
   * Leave the bucket, its configuration and its key in AWS when they leave the program.
   * @default - true in production, false elsewhere
   */
  readonly retainOnDelete?: boolean;

  /**
   * Let `pulumi destroy` delete a bucket that still holds backups. Refused in production.
   * @default false
   */
  readonly forceDestroy?: boolean;

  /**
   * Create the IRSA role of the backup and restore-check jobs.
   * @default - no role; grant access separately
   */
  readonly jobAccess?: BackupJobAccess;

  /**
   * Tags of every resource, added to `environment` and `component: backup`.
   * @default - only those two
   */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The defaults of {@link BackupBucketArgs}, in one place. */
export const BACKUP_BUCKET_DEFAULTS = {
  prefix: DEFAULT_BACKUP_PREFIX,
  retentionDays: COMMON_DEFAULTS.backup.retentionDays,
  frequentRetentionDays: COMMON_DEFAULTS.backup.frequentRetentionDays,
  noncurrentVersionExpirationDays: COMMON_DEFAULTS.backup.noncurrentVersionExpirationDays,
  frequentNoncurrentVersionExpirationDays: COMMON_DEFAULTS.backup.frequentNoncurrentVersionExpirationDays,
  abortIncompleteMultipartUploadDays: COMMON_DEFAULTS.backup.abortIncompleteMultipartUploadDays,
  forceDestroy: false,
} as const;

/** Pulumi auto-naming appends '-' and 7 random characters. */
const AUTONAME_SUFFIX_LENGTH = 8;

/** Problems with {@link BackupBucketArgs} for a component named `name`; each names the prop and what to change. */
export function backupBucketArgsProblems(name: string, args: BackupBucketArgs): string[] {
  const problems: string[] = [];
  if (!(BACKUP_ENVIRONMENTS as readonly string[]).includes(args.environment)) {
    problems.push(`environment "${args.environment}" must be one of ${BACKUP_ENVIRONMENTS.join(", ")}`);
  }
  if (args.bucketName !== undefined) {
    const problem = bucketNameProblem(args.bucketName);
    if (problem !== undefined) problems.push(`bucketName "${args.bucketName}" ${problem}`);
  } else {
    const autoname = `${name}-bucket`;
    const problem = bucketNameProblem(`${autoname}-0000000`);
    if (problem !== undefined || autoname.length > 63 - AUTONAME_SUFFIX_LENGTH) {
      problems.push(
        `the component name "${name}" gives the bucket name "${autoname}-<random>", which ${problem ?? "is over 63 characters"}; ` +
          "rename the component or set bucketName",
      );
    }
  }
  const prefix = args.prefix ?? BACKUP_BUCKET_DEFAULTS.prefix;
  const prefixProblem = backupPrefixProblem(prefix);
  if (prefixProblem !== undefined) problems.push(`prefix ${prefixProblem}`);
  problems.push(...backupLifecycleProblems(lifecycleSettings(args)));
  problems.push(...(args.encryption ?? BucketEncryption.kms()).problems());
  if (args.environment === "production" && args.forceDestroy === true) {
    problems.push("forceDestroy must not be true in production: it lets `pulumi destroy` delete every backup; remove it");
  }
  if (args.jobAccess !== undefined) {
    problems.push(
      ...backupJobRoleArgsProblems({ ...args.jobAccess, prefix, bucketArn: "" }).map((problem) => `jobAccess: ${problem}`),
    );
  }
  return problems;
}

function lifecycleSettings(args: BackupBucketArgs) {
  return {
    prefix: args.prefix ?? BACKUP_BUCKET_DEFAULTS.prefix,
    expirationDays: args.retentionDays ?? BACKUP_BUCKET_DEFAULTS.retentionDays,
    frequentExpirationDays: args.frequentRetentionDays ?? BACKUP_BUCKET_DEFAULTS.frequentRetentionDays,
    noncurrentVersionExpirationDays:
      args.noncurrentVersionExpirationDays ?? BACKUP_BUCKET_DEFAULTS.noncurrentVersionExpirationDays,
    frequentNoncurrentVersionExpirationDays: BACKUP_BUCKET_DEFAULTS.frequentNoncurrentVersionExpirationDays,
    walArchive: args.walArchive ?? false,
    abortIncompleteMultipartUploadDays:
      args.abortIncompleteMultipartUploadDays ?? BACKUP_BUCKET_DEFAULTS.abortIncompleteMultipartUploadDays,
    ...(args.infrequentAccessAfterDays === undefined
      ? {}
      : { infrequentAccessAfterDays: args.infrequentAccessAfterDays }),
  };
}

/** Tags of every resource of the component, sorted by key. */
export function backupBucketTags(args: Pick<BackupBucketArgs, "environment" | "tags">): Record<string, string> {
  const tags: Record<string, string> = { ...args.tags, component: "backup", environment: args.environment };
  return Object.fromEntries(Object.entries(tags).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The S3 bucket that holds the database backups (seed section 8): versioned, encrypted at
 * rest (SSE-KMS by default) and in transit, private with no ACLs, with the retention done by
 * lifecycle rules (every backup for 2 days, one a day for 30 days by default). Optionally creates
 * the IRSA role of the backup jobs.
 */
export class BackupBucket extends pulumi.ComponentResource {
  /** Physical name of the bucket, for `BACKUP_BUCKET`. */
  readonly bucketName: pulumi.Output<string>;
  /** ARN of the bucket. */
  readonly bucketArn: pulumi.Output<string>;
  /** ARN of the KMS key, for `BACKUP_KMS_KEY_ID`; undefined with SSE-S3. */
  readonly kmsKeyArn: pulumi.Output<string | undefined>;
  /** ARN of the jobs' IRSA role; undefined without `jobAccess`. */
  readonly roleArn: pulumi.Output<string | undefined>;
  /** The `x-amz-server-side-encryption` value uploads must send, for `BACKUP_SSE`. */
  readonly sseAlgorithm: "aws:kms" | "AES256";
  /** Key prefix of the backups, for `BACKUP_PREFIX`. */
  readonly prefix: string;

  constructor(name: string, args: BackupBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    // Validated before super(): a refused component registers nothing.
    const problems = backupBucketArgsProblems(name, args);
    if (problems.length > 0) throw new Error(`BackupBucket "${name}": ${problems.join("; ")}`);
    super("seed:backup:BackupBucket", name, {}, opts);

    const production = args.environment === "production";
    const dataOpts: pulumi.CustomResourceOptions = {
      parent: this,
      protect: args.protect ?? production,
      retainOnDelete: args.retainOnDelete ?? production,
    };
    const tags = backupBucketTags(args);
    const encryption = args.encryption ?? BucketEncryption.kms();
    this.sseAlgorithm = encryption.sseAlgorithm;
    this.prefix = args.prefix ?? BACKUP_BUCKET_DEFAULTS.prefix;

    let kmsKeyArn: pulumi.Output<string> | undefined;
    if (encryption.kmsOptions?.existingKeyArn !== undefined) {
      kmsKeyArn = pulumi.output(encryption.kmsOptions.existingKeyArn);
    } else if (encryption.kmsOptions !== undefined) {
      // No key policy: AWS's default one lets IAM policies of this account grant use of the key,
      // which is how the job role gets it, and needs no account ID in the program.
      const key = new kms.Key(
        `${name}-key`,
        {
          description: `Encrypts the database backups in the ${name} bucket (${args.environment})`,
          enableKeyRotation: true,
          rotationPeriodInDays: encryption.kmsOptions.rotationPeriodInDays ?? 365,
          deletionWindowInDays: encryption.kmsOptions.deletionWindowInDays ?? 30,
          tags,
        },
        dataOpts,
      );
      kmsKeyArn = key.arn;
    }

    const bucket = new s3.Bucket(
      `${name}-bucket`,
      {
        ...(args.bucketName === undefined ? {} : { bucket: args.bucketName }),
        forceDestroy: args.forceDestroy ?? BACKUP_BUCKET_DEFAULTS.forceDestroy,
        tags,
      },
      dataOpts,
    );

    const ownership = new s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      dataOpts,
    );
    const publicAccessBlock = new s3.BucketPublicAccessBlock(
      `${name}-public-access-block`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      dataOpts,
    );
    const versioning = new s3.BucketVersioning(
      `${name}-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } },
      dataOpts,
    );
    new s3.BucketServerSideEncryptionConfiguration(
      `${name}-encryption`,
      {
        bucket: bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: encryption.sseAlgorithm,
              ...(kmsKeyArn === undefined ? {} : { kmsMasterKeyId: kmsKeyArn }),
            },
            // One KMS data key per bucket for a while instead of one KMS call per object.
            bucketKeyEnabled: encryption.sseAlgorithm === "aws:kms",
          },
        ],
      },
      dataOpts,
    );
    // After versioning: noncurrent-version rules on an unversioned bucket are accepted but do nothing.
    new s3.BucketLifecycleConfiguration(
      `${name}-lifecycle`,
      { bucket: bucket.id, rules: backupLifecycleRules(lifecycleSettings(args)) },
      { ...dataOpts, dependsOn: [versioning] },
    );
    const policy = pulumi.all([bucket.arn, kmsKeyArn]).apply(([bucketArn, keyArn]) =>
      JSON.stringify(
        backupBucketPolicyDocument({
          bucketArn,
          sseAlgorithm: encryption.sseAlgorithm,
          ...(keyArn === undefined ? {} : { kmsKeyArn: keyArn }),
        }),
      ),
    );
    // S3 rejects policy and public-access-block changes made at the same time on one bucket.
    new s3.BucketPolicy(`${name}-policy`, { bucket: bucket.id, policy }, { ...dataOpts, dependsOn: [publicAccessBlock, ownership] });

    let roleArn: pulumi.Output<string> | undefined;
    if (args.jobAccess !== undefined) {
      const role = new BackupJobRole(
        `${name}-job`,
        {
          ...args.jobAccess,
          bucketArn: bucket.arn,
          prefix: this.prefix,
          tags,
          ...(kmsKeyArn === undefined ? {} : { kmsKeyArn }),
        },
        { parent: this },
      );
      roleArn = role.roleArn;
    }

    this.bucketName = bucket.bucket;
    this.bucketArn = bucket.arn;
    this.kmsKeyArn = kmsKeyArn ?? pulumi.output(undefined);
    this.roleArn = roleArn ?? pulumi.output(undefined);
    this.registerOutputs({
      bucketName: this.bucketName,
      bucketArn: this.bucketArn,
      kmsKeyArn: this.kmsKeyArn,
      roleArn: this.roleArn,
    });
  }
}
