import { BACKUP_KEY_LAYOUT } from "../../config/recovery-targets.js";
import { frequentRetentionProblem, infrequentAccessProblem, STANDARD_IA_MINIMUM_DAYS } from "../../config/validators.js";
/**
 * Lifecycle rules of the backup bucket, as a pure function. They replace the seed's
 * `CleanupOldBackups` loop (list, compare dates, delete): S3 expires objects itself, so the
 * backup job needs no s3:DeleteObject permission and a failed job never skips a clean-up.
 *
 * Retention follows the key layout backup.sh writes (config/recovery-targets.ts): every backup under
 * `<prefix>/frequent/` for a short window, the first backup of each UTC day also under `<prefix>/daily/`
 * for the retention period. With a backup every 30 minutes that keeps about 48 × 2 recent backups and
 * 30 daily ones, instead of 48 × 30 if every backup were kept for 30 days.
 */

/** Settings of {@link backupLifecycleRules}. */
export interface BackupLifecycleSettings {
  /** Key prefix of the backups, without slashes. */
  readonly prefix: string;
  /** Days after upload at which a daily backup (and a backup of the layout without `frequent/` and `daily/`) expires. */
  readonly expirationDays: number;
  /** Days after upload at which a frequent backup (every run's) expires. */
  readonly frequentExpirationDays: number;
  /**
   * Days after upload at which a daily backup moves to STANDARD_IA.
   * @default - no transition
   */
  readonly infrequentAccessAfterDays?: number;
  /** Days a noncurrent (expired or overwritten) daily backup version is kept before it is deleted for good. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days a noncurrent frequent backup version is kept: the daily copies are the long-term protection. */
  readonly frequentNoncurrentVersionExpirationDays: number;
  /** Days after which S3 aborts an unfinished multipart upload and frees its parts. */
  readonly abortIncompleteMultipartUploadDays: number;
  /**
   * Whether the database server archives WAL under `<prefix>/wal/` (`backup.method: wal`): a rule expires
   * it a day after the retention, so that the oldest daily base backup keeps the WAL it needs.
   * @default false
   */
  readonly walArchive?: boolean;
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
     * Key prefix (with its trailing slash, but for the layout before `frequent/` and `daily/`: `<prefix>/2`,
     * the years of `<prefix>/YYYY/`).
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
  const frequentProblem = frequentRetentionProblem(settings.frequentExpirationDays, expirationDays);
  if (frequentProblem !== undefined) problems.push(`frequentRetentionDays ${frequentProblem}`);
  if (!positiveInteger(settings.frequentNoncurrentVersionExpirationDays)) {
    problems.push(
      `frequentNoncurrentVersionExpirationDays must be a positive whole number of days, not ${settings.frequentNoncurrentVersionExpirationDays}`,
    );
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
 * The rules, in a fixed order, with no two expiring the same keys:
 * 1. `expire-frequent-backups` — every backup, under `<prefix>/frequent/`, expires
 *    `frequentExpirationDays` after upload; its noncurrent version `frequentNoncurrentVersionExpirationDays` later;
 * 2. `expire-daily-backups` — the first backup of each UTC day, under `<prefix>/daily/`, expires
 *    `expirationDays` after upload (optionally moving to STANDARD_IA before); its noncurrent version
 *    `noncurrentVersionExpirationDays` later;
 * 3. `expire-backups-of-the-previous-layout` — backups written before `frequent/` and `daily/`
 *    (`<prefix>/YYYY/…`), like the daily ones;
 * 4. `expire-wal-archive` (with `walArchive`) — `<prefix>/wal/`, a day after the daily retention;
 * 5. `clean-up-delete-markers-and-uploads` — whole bucket: delete markers left without versions are
 *    removed, unfinished multipart uploads (a dump killed mid-upload) are aborted.
 * S3 counts days from the upload and acts at the next midnight UTC, so a backup lives up to a day longer.
 */
export function backupLifecycleRules(settings: BackupLifecycleSettings): LifecycleRule[] {
  const problems = backupLifecycleProblems(settings);
  if (problems.length > 0) throw new Error(problems.join("; "));
  const transition = settings.infrequentAccessAfterDays;
  const { prefix } = settings;
  const longTerm = {
    expiration: { days: settings.expirationDays },
    ...(transition === undefined ? {} : { transitions: [{ days: transition, storageClass: "STANDARD_IA" as const }] }),
    noncurrentVersionExpiration: { noncurrentDays: settings.noncurrentVersionExpirationDays },
  };
  return [
    {
      id: "expire-frequent-backups",
      status: "Enabled",
      filter: { prefix: `${prefix}/${BACKUP_KEY_LAYOUT.frequent}/` },
      expiration: { days: settings.frequentExpirationDays },
      noncurrentVersionExpiration: { noncurrentDays: settings.frequentNoncurrentVersionExpirationDays },
    },
    { id: "expire-daily-backups", status: "Enabled", filter: { prefix: `${prefix}/${BACKUP_KEY_LAYOUT.daily}/` }, ...longTerm },
    { id: "expire-backups-of-the-previous-layout", status: "Enabled", filter: { prefix: `${prefix}/2` }, ...longTerm },
    ...(settings.walArchive === true
      ? [
          {
            id: "expire-wal-archive",
            status: "Enabled" as const,
            filter: { prefix: `${prefix}/${BACKUP_KEY_LAYOUT.wal}/` },
            expiration: { days: settings.expirationDays + 1 },
            noncurrentVersionExpiration: { noncurrentDays: settings.noncurrentVersionExpirationDays },
          },
        ]
      : []),
    {
      id: "clean-up-delete-markers-and-uploads",
      status: "Enabled",
      filter: {},
      expiration: { expiredObjectDeleteMarker: true },
      abortIncompleteMultipartUpload: { daysAfterInitiation: settings.abortIncompleteMultipartUploadDays },
    },
  ];
}
