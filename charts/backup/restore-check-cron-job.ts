import { Duration } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import {
  BACKUP_CRON_JOB_DEFAULTS,
  backupLabels,
  durationProblem,
  jobControlProblems,
  secretEnv,
  storageEnv,
} from "./backup-cron-job.js";
import type { BackupCronJob } from "./backup-cron-job.js";
import { imageProblem, readBundledScript } from "./backup-settings.js";
import { longestIntervalMinutes, parseCronSchedule } from "../../config/cron-schedule.js";
import type { CronSchedule } from "../../config/cron-schedule.js";
import type { BackupJobProps } from "./backup-job-props.js";
import { createHardenedCronJob } from "./hardened-cron-job.js";
import { COMMON_DEFAULTS } from "../../config/environment-defaults.js";
import { durationMinutes } from "../../config/recovery-targets.js";
import { MINIMUM_RTO_MINUTES } from "../../config/validators.js";

/** Props of {@link RestoreCheckCronJob}. */
export interface RestoreCheckCronJobProps extends BackupJobProps {
  /**
   * The backup to check: the restore check reads its bucket, prefix, encryption passphrase
   * and image, and runs as its ServiceAccount (the IRSA role allows reading backups).
   */
  readonly backup: BackupCronJob;

  /**
   * Age above which the newest backup fails the check (`RESTORE_MAX_AGE_SECONDS`), whole seconds, at least a minute.
   * @default - the backup's RPO (`backup.rpo`, 1 hour by default); with the backup's `method: "wal"`, derived
   * from its daily schedule: the longest interval between two backup runs plus the backup's startingDeadline
   * and activeDeadline, rounded up to the hour, plus one hour when its time zone has daylight saving time
   */
  readonly maxBackupAge?: Duration;

  /**
   * Restore the dump in full into a scratch database and compare every table's row count with the
   * backup's manifest (`RESTORE_FULL`): the drill that measures the time to restore. Connects with the
   * backup's database settings; the role needs CREATEDB, and the server room for a second copy of the
   * database. `false`: only pg_restore --list and a full read of the downloaded archive.
   * @default true
   */
  readonly fullRestore?: boolean;

  /**
   * Recovery time objective: with `fullRestore`, the drill fails when it takes longer
   * (`RESTORE_RTO_SECONDS`, measured by the script), and the Job's `activeDeadline` defaults to it, so a
   * drill that hangs is stopped at the RTO. Whole minutes, at least 1.
   * @default Duration.minutes(15) - the seed's "RTO < 15min"
   */
  readonly rto?: Duration;

  /**
   * Scratch database of the full restore (`RESTORE_TARGET_DB`); dropped and recreated by each check.
   * @default "restore_check"
   */
  readonly restoreTargetDatabase?: string;

  /**
   * Image with the tools restore-check.sh needs: those of the backup image, plus createdb and
   * dropdb for `fullRestore`.
   * @default - the backup's image
   */
  readonly image?: string;
}

/** The defaults of {@link RestoreCheckCronJobProps}, in one place. */
export const RESTORE_CHECK_DEFAULTS = {
  name: COMMON_DEFAULTS.backup.restoreCheckName,
  schedule: COMMON_DEFAULTS.backup.restoreCheckSchedule,
  startingDeadline: Duration.seconds(COMMON_DEFAULTS.restoreCheck.startingDeadlineSeconds),
  activeDeadline: Duration.seconds(COMMON_DEFAULTS.restoreCheck.activeDeadlineSeconds),
  fullRestore: COMMON_DEFAULTS.restoreCheck.fullRestore,
  rto: Duration.minutes(durationMinutes(COMMON_DEFAULTS.backup.rto)),
  backoffLimit: COMMON_DEFAULTS.restoreCheck.backoffLimit,
  successfulJobsRetained: COMMON_DEFAULTS.restoreCheck.successfulJobsRetained,
  failedJobsRetained: COMMON_DEFAULTS.restoreCheck.failedJobsRetained,
  restoreTargetDatabase: COMMON_DEFAULTS.restoreCheck.targetDatabase,
} as const;

const UTC_ZONES = new Set(["Etc/UTC", "UTC", "Etc/GMT", "GMT", "Etc/Universal", "Etc/Zulu"]);

/** Inputs of {@link restoreMaxAgeHours}. */
export interface RestoreMaxAgeInput {
  /** Schedule of the backup CronJob; its longest interval between two runs bounds the age. */
  readonly backupSchedule: CronSchedule;
  /** Time zone of the backup schedule; outside UTC a daylight saving change adds an hour. */
  readonly backupTimeZone: string;
  /** Starting deadline of the backup CronJob: how late a run may start. */
  readonly backupStartingDeadline: Duration;
  /** Active deadline of the backup CronJob: how long a run may take. */
  readonly backupActiveDeadline: Duration;
}

/**
 * The oldest the newest backup may be when everything works. restore-check.sh measures the
 * age from the time in the key, which is when the run started. The next run starts at most
 * `startingDeadline` after its scheduled time and uploads before `activeDeadline`; until then
 * the newest backup is the previous one, started at or after its own scheduled time. So the
 * age stays below interval + startingDeadline + activeDeadline. Outside UTC, a daylight
 * saving change can stretch one interval by an hour.
 */
export function restoreMaxAgeHours(input: RestoreMaxAgeInput): number {
  const seconds =
    longestIntervalMinutes(input.backupSchedule) * 60 +
    input.backupStartingDeadline.toSeconds() +
    input.backupActiveDeadline.toSeconds();
  const daylightSaving = UTC_ZONES.has(input.backupTimeZone) ? 0 : 1;
  return Math.ceil(seconds / 3600) + daylightSaving;
}

/** Problems with {@link RestoreCheckCronJobProps}; each names the prop and says what to change. */
export function restoreCheckCronJobProblems(props: RestoreCheckCronJobProps): string[] {
  const problems: string[] = [];
  if (props.image !== undefined) {
    const image = imageProblem(props.image);
    if (image !== undefined) problems.push(image);
  }
  if (props.maxBackupAge !== undefined) {
    const seconds = props.maxBackupAge.toSeconds({ integral: false });
    if (!Number.isInteger(seconds) || seconds < 60) {
      problems.push(`maxBackupAge must be a whole number of seconds, at least 1 minute, not ${seconds} s`);
    }
  }
  const fullRestore = props.fullRestore ?? RESTORE_CHECK_DEFAULTS.fullRestore;
  const rto = durationProblem("rto", props.rto, MINIMUM_RTO_MINUTES);
  if (rto !== undefined) problems.push(rto);
  if (props.rto !== undefined && !fullRestore) problems.push("rto only applies with fullRestore: only a full restore measures the time to restore");
  const target = props.restoreTargetDatabase;
  if (target !== undefined) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(target)) {
      problems.push(`restoreTargetDatabase "${target}" must be a lower-case PostgreSQL identifier (letters, digits, '_')`);
    } else if (target === props.backup.database.name) {
      problems.push(`restoreTargetDatabase must not be the backed-up database "${target}": the check drops and recreates it`);
    }
    if (!fullRestore) problems.push("restoreTargetDatabase only applies with fullRestore: true; remove it or set fullRestore");
  }
  problems.push(...jobControlProblems(props, RESTORE_CHECK_DEFAULTS));
  return problems;
}

/**
 * The weekly restore drill that proves the recovery targets: restore-check.sh finds the newest backup
 * of a {@link BackupCronJob}, fails if it is older than the RPO, checks its sha256, decrypts it if
 * needed, reads it with pg_restore, restores it in full into a scratch database and compares every
 * table's row count with the backup's manifest, then measures the time it took and fails when that
 * exceeds the RTO (the Job is also stopped at the RTO). Same hardening as the backup; runs as the
 * backup's ServiceAccount. With `fullRestore: false`, a quick check that needs no database credentials.
 */
export class RestoreCheckCronJob extends Construct {
  /** The CronJob. */
  readonly cronJob: kplus.CronJob;
  /** The ConfigMap holding restore-check.sh. */
  readonly scripts: kplus.ConfigMap;
  /** Age above which the newest backup fails the check (`RESTORE_MAX_AGE_SECONDS`). */
  readonly maxBackupAge: Duration;
  /** Whether the check restores in full (the drill). */
  readonly fullRestore: boolean;
  /** Recovery time objective the full restore must meet (`RESTORE_RTO_SECONDS`); undefined without a full restore. */
  readonly rto: Duration | undefined;

  constructor(scope: Construct, id: string, props: RestoreCheckCronJobProps) {
    super(scope, id);
    const problems = restoreCheckCronJobProblems(props);
    if (problems.length > 0) throw new Error(`RestoreCheckCronJob "${this.node.path}": ${problems.join("; ")}`);

    const backup = props.backup;
    const name = props.name ?? RESTORE_CHECK_DEFAULTS.name;
    const labels = backupLabels(name, "restore-check", props.labels);
    const fullRestore = props.fullRestore ?? RESTORE_CHECK_DEFAULTS.fullRestore;
    this.fullRestore = fullRestore;
    this.rto = fullRestore ? (props.rto ?? RESTORE_CHECK_DEFAULTS.rto) : undefined;
    this.maxBackupAge =
      props.maxBackupAge ??
      (backup.method === "dump"
        ? backup.rpo
        : Duration.hours(
            restoreMaxAgeHours({
              backupSchedule: backup.schedule,
              backupTimeZone: backup.timeZone,
              backupStartingDeadline: backup.startingDeadline,
              backupActiveDeadline: backup.activeDeadline,
            }),
          ));

    this.scripts = new kplus.ConfigMap(this, "scripts", {
      metadata: { name: `${name}-scripts`, namespace: backup.namespace, labels },
      data: { "restore-check.sh": props.script ?? readBundledScript("restore-check.sh"), "lib.sh": readBundledScript("lib.sh") },
    });

    const env: (readonly [string, kplus.EnvValue])[] = [
      ...storageEnv(backup.storage, false),
      ["RESTORE_MAX_AGE_SECONDS", kplus.EnvValue.fromValue(String(this.maxBackupAge.toSeconds()))],
      ["RESTORE_FULL", kplus.EnvValue.fromValue(String(fullRestore))],
    ];
    if (backup.encryptionKeySecret !== undefined) {
      env.push(["BACKUP_ENCRYPTION_KEY", secretEnv(this, "encryption-key-secret", backup.encryptionKeySecret)]);
    }
    if (fullRestore) {
      const db = backup.database;
      env.push(
        ["RESTORE_TARGET_DB", kplus.EnvValue.fromValue(props.restoreTargetDatabase ?? RESTORE_CHECK_DEFAULTS.restoreTargetDatabase)],
        ["RESTORE_RTO_SECONDS", kplus.EnvValue.fromValue(String((this.rto ?? RESTORE_CHECK_DEFAULTS.rto).toSeconds()))],
        ["PGHOST", kplus.EnvValue.fromValue(db.host)],
        ["PGPORT", kplus.EnvValue.fromValue(String(db.port ?? BACKUP_CRON_JOB_DEFAULTS.port))],
        ["PGDATABASE", kplus.EnvValue.fromValue(db.name)],
        ["PGUSER", kplus.EnvValue.fromValue(db.user)],
        ["PGPASSWORD", secretEnv(this, "password-secret", db.passwordSecret)],
        ["PGSSLMODE", kplus.EnvValue.fromValue(db.sslMode ?? BACKUP_CRON_JOB_DEFAULTS.sslMode)],
      );
    }

    const scratchSpace = props.scratchSpace ?? BACKUP_CRON_JOB_DEFAULTS.scratchSpace;
    this.cronJob = createHardenedCronJob(this, "cron-job", {
      name,
      namespace: backup.namespace,
      labels,
      containerName: "restore-check",
      schedule: parseCronSchedule(props.schedule ?? RESTORE_CHECK_DEFAULTS.schedule),
      timeZone: props.timeZone ?? backup.timeZone,
      image: props.image ?? backup.image,
      imagePullPolicy: backup.imagePullPolicy,
      serviceAccount: backup.serviceAccount,
      scripts: this.scripts,
      scriptFileName: "restore-check.sh",
      env,
      resources: {
        cpu: props.resources?.cpu ?? BACKUP_CRON_JOB_DEFAULTS.cpu,
        memory: props.resources?.memory ?? BACKUP_CRON_JOB_DEFAULTS.memory,
      },
      runAsUser: props.runAsUser ?? backup.runAsUser,
      scratchSpace,
      startingDeadline: props.startingDeadline ?? RESTORE_CHECK_DEFAULTS.startingDeadline,
      activeDeadline: props.activeDeadline ?? this.rto ?? RESTORE_CHECK_DEFAULTS.activeDeadline,
      backoffLimit: props.backoffLimit ?? RESTORE_CHECK_DEFAULTS.backoffLimit,
      successfulJobsRetained: props.successfulJobsRetained ?? RESTORE_CHECK_DEFAULTS.successfulJobsRetained,
      failedJobsRetained: props.failedJobsRetained ?? RESTORE_CHECK_DEFAULTS.failedJobsRetained,
    });
  }
}
