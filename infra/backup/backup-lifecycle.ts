import { infrequentAccessProblem, STANDARD_IA_MINIMUM_DAYS } from "../../config/validators.js";
/**
 * Lifecycle rules of the backup bucket, as a pure function. They replace the seed's
 * `CleanupOldBackups` loop (list, compare dates, delete): S3 expires objects itself, so the
 * backup job needs no s3:DeleteObject permission and a failed job never skips a clean-up.
 */

/** Settings of {@link backupLifecycleRules}. */
export interface BackupLifecycleSettings {
  /** Key prefix of the backups, without slashes. */
  readonly prefix: string;
  /** Days after upload at which a backup expires (becomes a noncurrent version). */
  readonly expirationDays: number;
  /**
   * Days after upload at which a backup moves to STANDARD_IA.
   * @default - no transition
   */
  readonly infrequentAccessAfterDays?: number;
  /** Days a noncurrent (expired or overwritten) version is kept before it is deleted for good. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days after which S3 aborts an unfinished multipart upload and frees its parts. */
  readonly abortIncompleteMultipartUploadDays: number;
}

/** One rule in the shape of `aws.s3.BucketLifecycleConfiguration`'s `rules` input. */
export interface LifecycleRule {
  /** Rule id, unique in the bucket; shown in the S3 console and in `x-amz-expiration` headers. */
  readonly id: string;
  /** Rule status; the component only emits enabled rules. */
  readonly status: "Enabled";
  /** Objects the rule applies to. */
  readonly filter: {
    /**
     * Key prefix, with its trailing slash.
     * @default - every object of the bucket
     */
    readonly prefix?: string;
  };
  /**
   * When current versions expire.
   * @default - current versions never expire
   */
  readonly expiration?: {
    /**
     * Days after upload at which the current version expires (becomes noncurrent, versioning being on).
     * @default - no age-based expiration
     */
    readonly days?: number;
    /**
     * Whether to remove delete markers that no longer hide any version.
     * @default false
     */
    readonly expiredObjectDeleteMarker?: boolean;
  };
  /**
   * Storage class changes, each `days` after upload.
   * @default - objects stay in STANDARD
   */
  readonly transitions?: { readonly days: number; readonly storageClass: "STANDARD_IA" }[];
  /**
   * When noncurrent versions are deleted for good.
   * @default - noncurrent versions are kept forever
   */
  readonly noncurrentVersionExpiration?: {
    /** Days after a version becomes noncurrent. */
    readonly noncurrentDays: number;
  };
  /**
   * When S3 aborts unfinished multipart uploads and frees their parts.
   * @default - unfinished uploads are kept (and billed) forever
   */
  readonly abortIncompleteMultipartUpload?: {
    /** Days after the upload was started. */
    readonly daysAfterInitiation: number;
  };
}

/** S3 refuses a lifecycle transition to STANDARD_IA earlier than this many days after creation. */
export { STANDARD_IA_MINIMUM_DAYS };

function positiveInteger(value: number): boolean {
  return Number.isInteger(value) && value > 0;
}

/** Problems with the lifecycle settings; each names the prop and says what to change. */
export function backupLifecycleProblems(settings: BackupLifecycleSettings): string[] {
  const problems: string[] = [];
  const { expirationDays, infrequentAccessAfterDays: transition } = settings;
  if (!positiveInteger(expirationDays)) {
    problems.push(`retentionDays must be a positive whole number of days, not ${expirationDays}`);
  }
  if (!positiveInteger(settings.noncurrentVersionExpirationDays)) {
    problems.push(
      `noncurrentVersionExpirationDays must be a positive whole number of days, not ${settings.noncurrentVersionExpirationDays}`,
    );
  }
  if (!positiveInteger(settings.abortIncompleteMultipartUploadDays)) {
    problems.push(
      `abortIncompleteMultipartUploadDays must be a positive whole number of days, not ${settings.abortIncompleteMultipartUploadDays}`,
    );
  }
  const transitionProblem = transition === undefined ? undefined : infrequentAccessProblem(transition, expirationDays);
  if (transitionProblem !== undefined) problems.push(`infrequentAccessAfterDays ${transitionProblem}`);
  return problems;
}

/**
 * The rules, in a fixed order:
 * 1. `expire-backups` — backups under the prefix expire `expirationDays` after upload (and
 *    optionally move to STANDARD_IA before);
 * 2. `clean-up-versions-and-uploads` — whole bucket: noncurrent versions are deleted after
 *    `noncurrentVersionExpirationDays`, delete markers left without versions are removed,
 *    unfinished multipart uploads (a dump killed mid-upload) are aborted.
 */
export function backupLifecycleRules(settings: BackupLifecycleSettings): LifecycleRule[] {
  const problems = backupLifecycleProblems(settings);
  if (problems.length > 0) throw new Error(problems.join("; "));
  const transition = settings.infrequentAccessAfterDays;
  return [
    {
      id: "expire-backups",
      status: "Enabled",
      filter: { prefix: `${settings.prefix}/` },
      expiration: { days: settings.expirationDays },
      ...(transition === undefined ? {} : { transitions: [{ days: transition, storageClass: "STANDARD_IA" as const }] }),
    },
    {
      id: "clean-up-versions-and-uploads",
      status: "Enabled",
      filter: {},
      expiration: { expiredObjectDeleteMarker: true },
      noncurrentVersionExpiration: { noncurrentDays: settings.noncurrentVersionExpirationDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: settings.abortIncompleteMultipartUploadDays },
    },
  ];
}
