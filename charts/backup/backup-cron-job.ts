import { Duration, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import {
  countProblem,
  databaseProblems,
  DEFAULT_BACKUP_PREFIX,
  dnsLabelProblem,
  imageProblem,
  optionalSecretProblems,
  readBundledScript,
  roleArnProblem,
  storageProblems,
} from "./backup-settings.js";
import type { BackupDatabase, BackupStorage, SecretKeyRef } from "./backup-settings.js";
import { longestIntervalMinutes, parseCronSchedule } from "../../config/cron-schedule.js";
import { secondsToDuration } from "../../config/duration.js";
import { COMMON_DEFAULTS } from "../../config/environment-defaults.js";
import { BACKUP_METHODS, defaultBackupSchedule, durationMinutes } from "../../config/recovery-targets.js";
import type { BackupMethod } from "../../config/recovery-targets.js";
import { cpuMillicores, memoryBytes } from "../../config/quantities.js";
import type { CronSchedule } from "../../config/cron-schedule.js";
import type { BackupJobProps } from "./backup-job-props.js";
import { createHardenedCronJob, JOB_USER_ID } from "./hardened-cron-job.js";
import { backupScheduleRpoProblem, int32Problem, MINIMUM_RPO_MINUTES, recoveryTargetProblem } from "../../config/validators.js";

/** Props of {@link BackupCronJob}. */
export interface BackupCronJobProps extends BackupJobProps {
  /**
   * Image with the tools backup.sh needs: bash 4.4+, GNU coreutils, the PostgreSQL client
   * tools psql, pg_dump and pg_restore of a major version at least the server's (15+), the
   * AWS CLI (v2, or v1 1.29+) and openssl 1.1.1+. Pin it with a version tag or a digest.
   */
  readonly image: string;

  /** The database to dump. */
  readonly database: BackupDatabase;

  /**
   * Recovery point objective: the most data, in time, a restore may lose. The default `schedule` follows
   * from it, a hand-set one must meet it (twice its longest interval at most the RPO, room for one failed
   * run), and the restore check's maximum backup age is it. Whole minutes, at least 2.
   * @default Duration.hours(1) - the seed's "RPO < 1h"
   */
  readonly rpo?: Duration;

  /**
   * How the RPO is met. `"dump"`: this job, on a schedule derived from `rpo`. `"wal"`: WAL archiving on the
   * database server (outside this construct, docs/disaster-recovery.md); this job then runs daily as the
   * portable copy and its schedule is not checked against `rpo`.
   * @default "dump"
   */
  readonly method?: BackupMethod;

  /** The bucket to upload to, and the encryption to ask for. */
  readonly storage: BackupStorage;

  /**
   * ARN of the IAM role the job assumes through IRSA (the BackupBucket's `roleArn`), put on
   * the ServiceAccount as `eks.amazonaws.com/role-arn`. The role must trust exactly this
   * namespace and `serviceAccountName`.
   * @default - no IRSA annotation: the job gets S3 credentials some other way (an S3-compatible
   * server outside AWS, or node credentials)
   */
  readonly roleArn?: string;

  /**
   * Namespace of every object.
   * @default - the chart's namespace
   */
  readonly namespace?: string;

  /**
   * Name of the ServiceAccount the job runs as, created here with the IRSA annotation.
   * @default - the CronJob's name
   */
  readonly serviceAccountName?: string;

  /**
   * Secret key holding a passphrase for client-side AES-256 encryption of the dump before
   * upload (`BACKUP_ENCRYPTION_KEY`, the seed's `EncryptionKey`). Keep a copy outside the
   * cluster: without it the backups cannot be restored.
   * @default - no client-side encryption (server-side encryption only)
   */
  readonly encryptionKeySecret?: SecretKeyRef;

  /**
   * Pull policy of the image.
   * @default kplus.ImagePullPolicy.IF_NOT_PRESENT - the image is pinned
   */
  readonly imagePullPolicy?: kplus.ImagePullPolicy;
}

/** A CPU quantity from config, written as Kubernetes would (`1`, not `1000m`). */
function cpu(quantity: string): kplus.Cpu {
  const millis = cpuMillicores(quantity);
  return millis % 1000 === 0 ? kplus.Cpu.units(millis / 1000) : kplus.Cpu.millis(millis);
}

const DEFAULT_RPO_MINUTES = durationMinutes(COMMON_DEFAULTS.backup.rpo);

/** The defaults of {@link BackupCronJobProps}, built from config/environment-defaults.ts (their one home). */
export const BACKUP_CRON_JOB_DEFAULTS = {
  name: COMMON_DEFAULTS.backup.cronJobName,
  rpo: Duration.minutes(DEFAULT_RPO_MINUTES),
  method: COMMON_DEFAULTS.backup.method,
  /** The schedule derived from the default RPO and method (`*\/30 * * * *`). */
  schedule: defaultBackupSchedule(COMMON_DEFAULTS.backup.method, DEFAULT_RPO_MINUTES),
  timeZone: COMMON_DEFAULTS.backup.timeZone,
  startingDeadline: Duration.seconds(COMMON_DEFAULTS.backup.startingDeadlineSeconds),
  activeDeadline: Duration.seconds(COMMON_DEFAULTS.backup.activeDeadlineSeconds),
  backoffLimit: COMMON_DEFAULTS.backup.backoffLimit,
  successfulJobsRetained: COMMON_DEFAULTS.backup.successfulJobsRetained,
  failedJobsRetained: COMMON_DEFAULTS.backup.failedJobsRetained,
  scratchSpace: Size.mebibytes(memoryBytes(COMMON_DEFAULTS.backup.scratchSpace) / 2 ** 20),
  sslMode: COMMON_DEFAULTS.backup.databaseSslMode,
  port: COMMON_DEFAULTS.backup.databasePort,
  cpu: { request: cpu(COMMON_DEFAULTS.backup.resources.requests.cpu), limit: cpu(COMMON_DEFAULTS.backup.resources.limits.cpu) },
  memory: {
    request: Size.mebibytes(memoryBytes(COMMON_DEFAULTS.backup.resources.requests.memory) / 2 ** 20),
    limit: Size.mebibytes(memoryBytes(COMMON_DEFAULTS.backup.resources.limits.memory) / 2 ** 20),
  },
} as const;

/** Kubernetes appends 11 characters to a CronJob's name for its Jobs; names must stay ≤ 63. */
export const CRON_JOB_NAME_MAX_LENGTH = 52;
const TIME_ZONE = /^(?:[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*|UTC)$/;

/** Why `timeZone` is not an IANA zone name, or undefined. */
export function timeZoneProblem(timeZone: string): string | undefined {
  if (!TIME_ZONE.test(timeZone)) return `timeZone "${timeZone}" must be an IANA zone name such as Etc/UTC or Europe/Paris`;
  try {
    new Intl.DateTimeFormat("en", { timeZone });
  } catch {
    return `timeZone "${timeZone}" is not a known IANA zone; use a name such as Etc/UTC or Europe/Paris`;
  }
  return undefined;
}

/**
 * Problems with the props both CronJobs share ({@link BackupJobProps}): name, schedule, time zone,
 * deadlines, history and scratch space. `defaults` are the job's own name and schedule.
 */
export function jobControlProblems(props: BackupJobProps, defaults?: { readonly name: string; readonly schedule: string }): string[] {
  const problems: (string | undefined)[] = [];
  if (defaults !== undefined) {
    const name = props.name ?? defaults.name;
    const nameProblem = dnsLabelProblem(name, CRON_JOB_NAME_MAX_LENGTH);
    if (nameProblem !== undefined) problems.push(`name "${name}" ${nameProblem}`);
    try {
      parseCronSchedule(props.schedule ?? defaults.schedule);
    } catch (error) {
      problems.push(`schedule ${(error as Error).message}`);
    }
    if (props.timeZone !== undefined) problems.push(timeZoneProblem(props.timeZone));
  }
  problems.push(
    countProblem("backoffLimit", props.backoffLimit, 0),
    countProblem("successfulJobsRetained", props.successfulJobsRetained, 0),
    countProblem("failedJobsRetained", props.failedJobsRetained, 1),
  );
  if (props.startingDeadline !== undefined && props.startingDeadline.toSeconds() < 10) {
    problems.push("startingDeadline must be at least 10 seconds: the CronJob controller checks every 10 seconds");
  }
  if (props.activeDeadline !== undefined && props.activeDeadline.toSeconds() < 60) {
    problems.push("activeDeadline must be at least 1 minute");
  }
  if (props.scratchSpace !== undefined && props.scratchSpace.toMebibytes() < 64) {
    problems.push("scratchSpace must be at least 64Mi");
  }
  return problems.filter((problem): problem is string => problem !== undefined);
}

/** The app.kubernetes.io labels plus the user's, sorted by key. */
export function backupLabels(
  name: string,
  component: "backup" | "restore-check",
  extra: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  const labels: Record<string, string> = {
    ...extra,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/managed-by": "cdk8s",
    "app.kubernetes.io/name": name,
    "app.kubernetes.io/part-of": "database-backup",
  };
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
}

/** Why a recovery target prop (`rpo`, `rto`) is not whole minutes of at least `minimumMinutes`, or undefined. */
export function durationProblem(prop: string, value: Duration | undefined, minimumMinutes: number): string | undefined {
  if (value === undefined) return undefined;
  const seconds = value.toSeconds({ integral: false });
  const reason =
    Number.isInteger(seconds) && seconds > 0 ? recoveryTargetProblem(secondsToDuration(seconds), minimumMinutes) : `must be a positive whole number of minutes, not ${seconds} s`;
  return reason === undefined ? undefined : `${prop} ${reason}`;
}

function rpoMinutes(props: Pick<BackupCronJobProps, "rpo">): number {
  return (props.rpo ?? BACKUP_CRON_JOB_DEFAULTS.rpo).toSeconds() / 60;
}

/** The backup's schedule: the given one, or the one derived from its RPO and method. */
function backupSchedule(props: Pick<BackupCronJobProps, "rpo" | "method" | "schedule">): string {
  return props.schedule ?? defaultBackupSchedule(props.method ?? BACKUP_CRON_JOB_DEFAULTS.method, rpoMinutes(props));
}

/** Problems with {@link BackupCronJobProps}; each names the prop and says what to change. */
export function backupCronJobProblems(props: BackupCronJobProps): string[] {
  const problems: string[] = [];
  if (props.namespace !== undefined) {
    const namespaceProblem = dnsLabelProblem(props.namespace);
    if (namespaceProblem !== undefined) problems.push(`namespace "${props.namespace}" ${namespaceProblem}`);
  }
  if (props.serviceAccountName !== undefined) {
    const saProblem = dnsLabelProblem(props.serviceAccountName);
    if (saProblem !== undefined) problems.push(`serviceAccountName "${props.serviceAccountName}" ${saProblem}`);
  }
  const image = imageProblem(props.image);
  if (image !== undefined) problems.push(image);
  const roleArn = props.roleArn === undefined ? undefined : roleArnProblem(props.roleArn);
  if (roleArn !== undefined) problems.push(roleArn);
  problems.push(...databaseProblems(props.database), ...storageProblems(props.storage));
  problems.push(...optionalSecretProblems("encryptionKeySecret", props.encryptionKeySecret));
  problems.push(...jobControlProblems(props, { name: BACKUP_CRON_JOB_DEFAULTS.name, schedule: backupSchedule(props) }));
  const method = props.method ?? BACKUP_CRON_JOB_DEFAULTS.method;
  if (!(BACKUP_METHODS as readonly string[]).includes(method)) problems.push(`method "${String(method)}" must be one of ${BACKUP_METHODS.join(", ")}`);
  const rpo = durationProblem("rpo", props.rpo, MINIMUM_RPO_MINUTES);
  if (rpo !== undefined) problems.push(rpo);
  else if (props.schedule !== undefined && method === "dump") {
    const reason = backupScheduleRpoProblem(props.schedule, rpoMinutes(props));
    if (reason !== undefined) problems.push(`schedule ${reason}; or leave schedule out to derive it from rpo`);
  }
  if (props.runAsUser !== undefined) {
    const reason = int32Problem(props.runAsUser, 1);
    if (reason !== undefined) problems.push(`runAsUser ${reason}`);
  }
  return problems;
}

/**
 * The database backup of seed section 8, as a Kubernetes CronJob on a schedule that meets the RPO
 * (every 30 minutes for the 1-hour default): backup.sh dumps the database with pg_dump, checks the
 * dump with pg_restore --list and a full read, optionally encrypts it, uploads it to the backup
 * bucket under `frequent/` with server-side encryption, and copies the first backup of each UTC day
 * under `daily/`. Retention is the bucket's lifecycle rules, not the job's.
 *
 * Creates a ServiceAccount (IRSA), a ConfigMap with the script and the CronJob, all with
 * fixed names. Runs as UID 10001 (by default) with a read-only root file system, no capabilities, no
 * privilege escalation and the runtime's default seccomp profile (restricted Pod Security
 * Standard); one run at a time.
 */
export class BackupCronJob extends Construct {
  /** The CronJob. */
  readonly cronJob: kplus.CronJob;
  /** The ServiceAccount with the IRSA annotation; the restore check runs as it too. */
  readonly serviceAccount: kplus.ServiceAccount;
  /** The ConfigMap holding backup.sh. */
  readonly scripts: kplus.ConfigMap;
  /** The parsed schedule. */
  readonly schedule: CronSchedule;
  /** Longest interval between two scheduled runs. */
  readonly scheduleInterval: Duration;
  /** Recovery point objective; the restore check's default maximum backup age. */
  readonly rpo: Duration;
  /** How the RPO is met. */
  readonly method: BackupMethod;
  /** IANA time zone of the schedule. */
  readonly timeZone: string;
  /** How late a missed run may start. */
  readonly startingDeadline: Duration;
  /** How long a run may take. */
  readonly activeDeadline: Duration;
  /** The job image. */
  readonly image: string;
  /** Pull policy of the image. */
  readonly imagePullPolicy: kplus.ImagePullPolicy;
  /** UID and GID the job runs as; the restore check runs as the same. */
  readonly runAsUser: number;
  /** Namespace of the objects, when set explicitly. */
  readonly namespace: string | undefined;
  /** The database settings. */
  readonly database: BackupDatabase;
  /** The storage settings. */
  readonly storage: BackupStorage;
  /** The client-side encryption passphrase, when set. */
  readonly encryptionKeySecret: SecretKeyRef | undefined;

  constructor(scope: Construct, id: string, props: BackupCronJobProps) {
    super(scope, id);
    const problems = backupCronJobProblems(props);
    if (problems.length > 0) throw new Error(`BackupCronJob "${this.node.path}": ${problems.join("; ")}`);

    const name = props.name ?? BACKUP_CRON_JOB_DEFAULTS.name;
    const labels = backupLabels(name, "backup", props.labels);
    this.rpo = props.rpo ?? BACKUP_CRON_JOB_DEFAULTS.rpo;
    this.method = props.method ?? BACKUP_CRON_JOB_DEFAULTS.method;
    this.schedule = parseCronSchedule(backupSchedule(props));
    this.scheduleInterval = Duration.minutes(longestIntervalMinutes(this.schedule));
    this.timeZone = props.timeZone ?? BACKUP_CRON_JOB_DEFAULTS.timeZone;
    this.startingDeadline = props.startingDeadline ?? BACKUP_CRON_JOB_DEFAULTS.startingDeadline;
    this.activeDeadline = props.activeDeadline ?? BACKUP_CRON_JOB_DEFAULTS.activeDeadline;
    this.image = props.image;
    this.imagePullPolicy = props.imagePullPolicy ?? kplus.ImagePullPolicy.IF_NOT_PRESENT;
    this.runAsUser = props.runAsUser ?? JOB_USER_ID;
    this.namespace = props.namespace;
    this.database = props.database;
    this.storage = props.storage;
    this.encryptionKeySecret = props.encryptionKeySecret;

    this.serviceAccount = new kplus.ServiceAccount(this, "service-account", {
      metadata: {
        name: props.serviceAccountName ?? name,
        namespace: props.namespace,
        labels,
        annotations:
          props.roleArn === undefined
            ? {}
            : {
                "eks.amazonaws.com/role-arn": props.roleArn,
                // The regional STS endpoint: no dependency on us-east-1, lower latency.
                "eks.amazonaws.com/sts-regional-endpoints": "true",
              },
      },
      // No Kubernetes API token in the pod: the job never calls the API server (IRSA brings its own token).
      automountToken: false,
    });

    this.scripts = new kplus.ConfigMap(this, "scripts", {
      metadata: { name: `${name}-scripts`, namespace: props.namespace, labels },
      // lib.sh: the logging and S3 helpers the script sources from its own directory.
      data: { "backup.sh": props.script ?? readBundledScript("backup.sh"), "lib.sh": readBundledScript("lib.sh") },
    });

    const db = props.database;
    const env: (readonly [string, kplus.EnvValue])[] = [
      ["PGHOST", kplus.EnvValue.fromValue(db.host)],
      ["PGPORT", kplus.EnvValue.fromValue(String(db.port ?? BACKUP_CRON_JOB_DEFAULTS.port))],
      ["PGDATABASE", kplus.EnvValue.fromValue(db.name)],
      ["PGUSER", kplus.EnvValue.fromValue(db.user)],
      ["PGPASSWORD", secretEnv(this, "password-secret", db.passwordSecret)],
      ["PGSSLMODE", kplus.EnvValue.fromValue(db.sslMode ?? BACKUP_CRON_JOB_DEFAULTS.sslMode)],
      ...storageEnv(props.storage, true),
    ];
    if (props.encryptionKeySecret !== undefined) {
      env.push(["BACKUP_ENCRYPTION_KEY", secretEnv(this, "encryption-key-secret", props.encryptionKeySecret)]);
    }

    const scratchSpace = props.scratchSpace ?? BACKUP_CRON_JOB_DEFAULTS.scratchSpace;
    this.cronJob = createHardenedCronJob(this, "cron-job", {
      name,
      namespace: props.namespace,
      labels,
      containerName: "backup",
      schedule: this.schedule,
      timeZone: this.timeZone,
      image: this.image,
      imagePullPolicy: this.imagePullPolicy,
      serviceAccount: this.serviceAccount,
      scripts: this.scripts,
      scriptFileName: "backup.sh",
      env,
      resources: {
        cpu: props.resources?.cpu ?? BACKUP_CRON_JOB_DEFAULTS.cpu,
        memory: props.resources?.memory ?? BACKUP_CRON_JOB_DEFAULTS.memory,
      },
      runAsUser: this.runAsUser,
      scratchSpace,
      startingDeadline: this.startingDeadline,
      activeDeadline: this.activeDeadline,
      backoffLimit: props.backoffLimit ?? BACKUP_CRON_JOB_DEFAULTS.backoffLimit,
      successfulJobsRetained: props.successfulJobsRetained ?? BACKUP_CRON_JOB_DEFAULTS.successfulJobsRetained,
      failedJobsRetained: props.failedJobsRetained ?? BACKUP_CRON_JOB_DEFAULTS.failedJobsRetained,
    });
  }
}

/** An environment variable read from a Secret key. */
export function secretEnv(scope: Construct, id: string, ref: SecretKeyRef): kplus.EnvValue {
  return kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(scope, id, ref.name), key: ref.key });
}

/**
 * `BACKUP_*` and `AWS_*` variables of the storage settings, in manifest order; the encryption
 * ones (`BACKUP_SSE`, `BACKUP_KMS_KEY_ID`) only for uploads.
 */
export function storageEnv(storage: BackupStorage, forUpload: boolean): (readonly [string, kplus.EnvValue])[] {
  const env: (readonly [string, kplus.EnvValue])[] = [
    ["BACKUP_BUCKET", kplus.EnvValue.fromValue(storage.bucket)],
    ["BACKUP_PREFIX", kplus.EnvValue.fromValue(storage.prefix ?? DEFAULT_BACKUP_PREFIX)],
    ["AWS_REGION", kplus.EnvValue.fromValue(storage.region)],
  ];
  if (storage.endpointUrl !== undefined) env.push(["AWS_ENDPOINT_URL", kplus.EnvValue.fromValue(storage.endpointUrl)]);
  if (!forUpload) return env;
  env.push(["BACKUP_SSE", kplus.EnvValue.fromValue(storage.serverSideEncryption.algorithm)]);
  const keyArn = storage.serverSideEncryption.kmsKeyArn;
  if (keyArn !== undefined) env.push(["BACKUP_KMS_KEY_ID", kplus.EnvValue.fromValue(keyArn)]);
  return env;
}
