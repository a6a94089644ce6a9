import type { Duration, Size } from "cdk8s";
import type * as kplus from "cdk8s-plus-28";

/**
 * Props shared by the two database jobs, {@link BackupCronJob} and {@link RestoreCheckCronJob}: one
 * declaration, one validation (`jobControlProblems`), with each job's own defaults in
 * `BACKUP_CRON_JOB_DEFAULTS` and `RESTORE_CHECK_DEFAULTS` (both built from config/environment-defaults.ts).
 */
export interface BackupJobProps {
  /**
   * Name of the CronJob; also names the ConfigMap (`<name>-scripts`). At most 52 characters,
   * the limit Kubernetes sets so that Job names derived from it stay valid.
   * @default - "db-backup" for the backup, "db-restore-check" for the restore check
   */
  readonly name?: string;

  /**
   * When to run, as a five-field cron expression or a macro such as `@daily`. For the backup, it must meet
   * the RPO with room for one failed run (twice its longest interval at most the RPO).
   * @default - the backup: derived from its `rpo` (every 30 minutes for the 1-hour default, "*\/30 * * * *"),
   * or daily at 02:00 with `method: "wal"`; the restore check on Sundays at 04:00 ("0 4 * * 0"); in `timeZone`
   */
  readonly schedule?: string;

  /**
   * IANA time zone of `schedule`.
   * @default - "Etc/UTC" for the backup; the backup's time zone for the restore check
   */
  readonly timeZone?: string;

  /**
   * How late a missed run may still start (the controller was down, the previous run was still going).
   * @default Duration.hours(1)
   */
  readonly startingDeadline?: Duration;

  /**
   * How long a run may take before Kubernetes kills it.
   * @default - 2 hours for the backup; for the restore check, its `rto` with a full restore (a drill slower
   * than the RTO fails), 1 hour without
   */
  readonly activeDeadline?: Duration;

  /**
   * Retries of a failed run (each retry is a new pod; the previous backups stay untouched).
   * @default - 1 for the backup, 0 for the restore check (a failed check is reported, not retried)
   */
  readonly backoffLimit?: number;

  /**
   * Finished Jobs kept for `kubectl logs`.
   * @default 3
   */
  readonly successfulJobsRetained?: number;

  /**
   * Failed Jobs kept for `kubectl logs`.
   * @default 3
   */
  readonly failedJobsRetained?: number;

  /**
   * CPU and memory of the container. Ephemeral storage is derived from `scratchSpace`.
   * @default - CPU 100m request / 1 limit, memory 256Mi request / 1Gi limit
   */
  readonly resources?: Pick<kplus.ContainerResources, "cpu" | "memory">;

  /**
   * Size of the scratch volume at /tmp. It holds the dump, plus its encrypted copy while
   * encrypting (twice the dump) when client-side encryption is on; the pod is evicted above it.
   * @default Size.gibibytes(10)
   */
  readonly scratchSpace?: Size;

  /**
   * UID and GID the job runs as (a high ID no node user has).
   * @default - 10001 for the backup; the backup's for the restore check
   */
  readonly runAsUser?: number;

  /**
   * Content of the job's script.
   * @default - the bundled charts/backup/backup.sh or restore-check.sh
   */
  readonly script?: string;

  /**
   * Labels added to every object and to the pods.
   * @default - only the app.kubernetes.io labels
   */
  readonly labels?: Readonly<Record<string, string>>;
}
