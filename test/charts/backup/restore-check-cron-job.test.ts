import { readFileSync } from "node:fs";
import { Duration, Testing } from "cdk8s";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { describe, expect, it } from "vitest";
import {
  BackupCronJob,
  BackupServerSideEncryption,
  longestIntervalMinutes,
  parseCronSchedule,
  RestoreCheckCronJob,
  restoreMaxAgeHours,
} from "../../../charts/backup/index.js";
import type { BackupCronJobProps, RestoreCheckCronJobProps } from "../../../charts/backup/index.js";

const KEY_ARN = "arn:aws:kms:eu-west-3:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const RESTORE_CHECK_SH = readFileSync(new URL("../../../charts/backup/restore-check.sh", import.meta.url), "utf8");
const LIB_SH = readFileSync(new URL("../../../charts/backup/lib.sh", import.meta.url), "utf8");

const BACKUP: BackupCronJobProps = {
  image: "ghcr.io/example/pg-backup:15.6-1",
  namespace: "app",
  roleArn: "arn:aws:iam::123456789012:role/db-backups-job-role-1a2b3c4",
  database: { host: "db.internal", name: "myapp", user: "backup", passwordSecret: { name: "myapp-db-backup", key: "password" } },
  storage: { bucket: "db-backups-bucket-1a2b3c4", region: "eu-west-3", serverSideEncryption: BackupServerSideEncryption.kms(KEY_ARN) },
  encryptionKeySecret: { name: "backup-passphrase", key: "passphrase" },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are untyped JSON
type Manifest = Record<string, any>;

function synth(
  props: Partial<RestoreCheckCronJobProps> = {},
  backupProps: Partial<BackupCronJobProps> = {},
): { objects: Manifest[]; check: RestoreCheckCronJob } {
  const chart = Testing.chart();
  const backup = new BackupCronJob(chart, "backup", { ...BACKUP, ...backupProps });
  const check = new RestoreCheckCronJob(chart, "restore-check", { backup, ...props });
  const objects = (Testing.synth(chart) as Manifest[]).filter((o) => o.metadata.name.startsWith("db-restore-check"));
  return { objects, check };
}

function cronJobOf(objects: Manifest[]): Manifest {
  return objects.find((o) => o.kind === "CronJob") as Manifest;
}

function podSpec(objects: Manifest[]): Manifest {
  return cronJobOf(objects).spec.jobTemplate.spec.template.spec;
}

function envOf(objects: Manifest[]): Manifest[] {
  return podSpec(objects).containers[0].env;
}

describe("RestoreCheckCronJob defaults", () => {
  const { objects, check } = synth();
  const cronJob = cronJobOf(objects);

  it("adds a ConfigMap and a CronJob with fixed names, next to the backup", () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      "ConfigMap/app/db-restore-check-scripts",
      "CronJob/app/db-restore-check",
    ]);
  });

  it("runs weekly, Sundays 04:00 UTC, once, without retries, stopped at the RTO", () => {
    expect(cronJob.spec).toMatchObject({
      schedule: "0 4 * * 0",
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    // A drill slower than the 15-minute RTO is stopped, and its Job fails.
    expect(cronJob.spec.jobTemplate.spec).toMatchObject({ activeDeadlineSeconds: 900, backoffLimit: 0 });
  });

  it("runs bash /scripts/restore-check.sh from the ConfigMap holding charts/backup/restore-check.sh", () => {
    expect(podSpec(objects).containers[0].command).toEqual(["bash", "/scripts/restore-check.sh"]);
    expect(objects[0]?.data).toEqual({ "restore-check.sh": RESTORE_CHECK_SH, "lib.sh": LIB_SH });
  });

  it("restores in full into a scratch database with the backup's connection, the RPO as maximum age and the RTO as limit", () => {
    expect(envOf(objects)).toEqual([
      { name: "HOME", value: "/tmp" },
      { name: "TMPDIR", value: "/tmp" },
      { name: "BACKUP_BUCKET", value: "db-backups-bucket-1a2b3c4" },
      { name: "BACKUP_PREFIX", value: "backups" },
      { name: "AWS_REGION", value: "eu-west-3" },
      // The backup's RPO, 1 hour by default.
      { name: "RESTORE_MAX_AGE_SECONDS", value: "3600" },
      { name: "RESTORE_FULL", value: "true" },
      { name: "BACKUP_ENCRYPTION_KEY", valueFrom: { secretKeyRef: { name: "backup-passphrase", key: "passphrase" } } },
      { name: "RESTORE_TARGET_DB", value: "restore_check" },
      // The RTO, 15 minutes by default.
      { name: "RESTORE_RTO_SECONDS", value: "900" },
      { name: "PGHOST", value: "db.internal" },
      { name: "PGPORT", value: "5432" },
      { name: "PGDATABASE", value: "myapp" },
      { name: "PGUSER", value: "backup" },
      { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "myapp-db-backup", key: "password" } } },
      { name: "PGSSLMODE", value: "require" },
    ]);
    expect(check.maxBackupAge.toSeconds()).toBe(3600);
    expect(check.rto?.toMinutes()).toBe(15);
    expect(check.fullRestore).toBe(true);
  });

  it("runs as the backup's IRSA ServiceAccount with the same hardening", () => {
    const spec = podSpec(objects);
    expect(spec.serviceAccountName).toBe("db-backup");
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } });
    expect(spec.containers[0].securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(spec.volumes).toContainEqual({ name: "scratch", emptyDir: { sizeLimit: "10240Mi" } });
    expect(spec.containers[0].image).toBe("ghcr.io/example/pg-backup:15.6-1");
  });

  it("validates against the Kubernetes OpenAPI schema and has no cdk8s hash label", () => {
    expect(() => new CronJob(cronJob as ConstructorParameters<typeof CronJob>[0]).validate()).not.toThrow();
    expect(() => new ConfigMap(objects[0] as ConstructorParameters<typeof ConfigMap>[0]).validate()).not.toThrow();
    expect(cronJob.spec.jobTemplate.spec.template.metadata.labels).toEqual({
      "app.kubernetes.io/component": "restore-check",
      "app.kubernetes.io/managed-by": "cdk8s",
      "app.kubernetes.io/name": "db-restore-check",
      "app.kubernetes.io/part-of": "database-backup",
    });
  });

  it("is deterministic", () => {
    expect(JSON.stringify(synth().objects)).toBe(JSON.stringify(objects));
  });
});

describe("RestoreCheckCronJob options", () => {
  it("a quick check (no full restore) reads the archive only: no database credentials, no RTO, the 1-hour deadline", () => {
    const { objects, check } = synth({ fullRestore: false });
    expect(envOf(objects).slice(5)).toEqual([
      { name: "RESTORE_MAX_AGE_SECONDS", value: "3600" },
      { name: "RESTORE_FULL", value: "false" },
      { name: "BACKUP_ENCRYPTION_KEY", valueFrom: { secretKeyRef: { name: "backup-passphrase", key: "passphrase" } } },
    ]);
    expect(cronJobOf(objects).spec.jobTemplate.spec.activeDeadlineSeconds).toBe(3600);
    expect(check.rto).toBeUndefined();
  });

  it("the RTO sets the drill's limit and its Job's deadline; the scratch database can be named", () => {
    const { objects } = synth({ rto: Duration.minutes(30), restoreTargetDatabase: "myapp_restore_check" });
    expect(envOf(objects)).toContainEqual({ name: "RESTORE_TARGET_DB", value: "myapp_restore_check" });
    expect(envOf(objects)).toContainEqual({ name: "RESTORE_RTO_SECONDS", value: "1800" });
    expect(cronJobOf(objects).spec.jobTemplate.spec.activeDeadlineSeconds).toBe(1800);
    // An explicit deadline wins over the RTO; the script still fails a drill slower than the RTO.
    const longer = synth({ rto: Duration.minutes(30), activeDeadline: Duration.hours(1) }).objects;
    expect(cronJobOf(longer).spec.jobTemplate.spec.activeDeadlineSeconds).toBe(3600);
    expect(envOf(longer)).toContainEqual({ name: "RESTORE_RTO_SECONDS", value: "1800" });
  });

  it("an explicit maximum age, schedule and image win", () => {
    const { objects } = synth({ maxBackupAge: Duration.minutes(90), schedule: "30 7 * * *", image: "ghcr.io/example/pg-restore:16.2" });
    expect(envOf(objects)).toContainEqual({ name: "RESTORE_MAX_AGE_SECONDS", value: "5400" });
    expect(cronJobOf(objects).spec.schedule).toBe("30 7 * * *");
    expect(podSpec(objects).containers[0].image).toBe("ghcr.io/example/pg-restore:16.2");
  });

  it.each<[string, Partial<BackupCronJobProps>, string]>([
    ["a 2-hour RPO", { rpo: Duration.hours(2) }, "7200"],
    ["a 30-minute RPO and its schedule", { rpo: Duration.minutes(30), schedule: "*/10 * * * *" }, "1800"],
  ])("takes RESTORE_MAX_AGE_SECONDS from a backup with %s", (_case, backupProps, seconds) => {
    expect(envOf(synth({}, backupProps).objects)).toContainEqual({ name: "RESTORE_MAX_AGE_SECONDS", value: seconds });
  });

  it.each<[string, Partial<BackupCronJobProps>, string]>([
    ["daily (the portable copy)", {}, "27"],
    ["every 6 hours", { schedule: "0 */6 * * *" }, "9"],
    ["weekdays only: the weekend gap counts", { schedule: "0 3 * * 1-5" }, "75"],
    ["daily with a short active deadline", { activeDeadline: Duration.minutes(30), startingDeadline: Duration.minutes(10) }, "25"],
    ["daily in a daylight-saving zone", { timeZone: "Europe/Paris" }, "28"],
  ])("with WAL archiving, derives the maximum age from the dump's schedule: %s", (_case, backupProps, hours) => {
    const { objects } = synth({}, { method: "wal", ...backupProps });
    expect(envOf(objects)).toContainEqual({ name: "RESTORE_MAX_AGE_SECONDS", value: String(Number(hours) * 3600) });
  });

  it.each<[string, Partial<RestoreCheckCronJobProps>, string]>([
    ["a maximum age under a minute", { maxBackupAge: Duration.seconds(30) }, "maxBackupAge must be a whole number of seconds, at least 1 minute, not 30 s"],
    ["a fractional maximum age", { maxBackupAge: Duration.millis(90_500) }, "maxBackupAge must be a whole number of seconds, at least 1 minute, not 90.5 s"],
    ["an RTO in seconds", { rto: Duration.seconds(90) }, 'rto "1m30s" must be a whole number of minutes (cron and the alerts count in minutes)'],
    ["an RTO without a full restore", { fullRestore: false, rto: Duration.minutes(15) }, "rto only applies with fullRestore: only a full restore measures the time to restore"],
    ["the backed-up database as scratch", { restoreTargetDatabase: "myapp" }, `restoreTargetDatabase must not be the backed-up database "myapp": the check drops and recreates it`],
    ["a target database without fullRestore", { fullRestore: false, restoreTargetDatabase: "scratch" }, "restoreTargetDatabase only applies with fullRestore: true; remove it or set fullRestore"],
    ["a bad schedule", { schedule: "0 6 * * 8" }, `schedule "0 6 * * 8": day-of-week field "8": 8 is outside 0-6`],
  ])("refuses %s", (_case, props, message) => {
    expect(() => synth(props)).toThrow(`RestoreCheckCronJob "test/restore-check": ${message}`);
  });
});

describe("longestIntervalMinutes and restoreMaxAgeHours", () => {
  it.each([
    ["0 3 * * *", 24 * 60],
    ["@hourly", 60],
    ["*/15 * * * *", 15],
    ["0 6 * * 0", 7 * 24 * 60],
    ["0 0 1 * *", 31 * 24 * 60],
    ["0 2 * * 1-5", 3 * 24 * 60],
    // Day-of-month OR day-of-week when both are restricted (robfig/cron): the 1st or any Monday.
    ["0 0 1 * 1", 7 * 24 * 60],
    ["0 0 29 2 *", (4 * 365 + 1) * 24 * 60],
  ])("%s runs at most every %i minutes", (expression, minutes) => {
    expect(longestIntervalMinutes(parseCronSchedule(expression))).toBe(minutes);
  });

  it("refuses a schedule that never repeats", () => {
    expect(() => longestIntervalMinutes(parseCronSchedule("0 0 30 2 *"))).toThrow(
      `"0 0 30 2 *" runs less than twice in five years; give a schedule that repeats`,
    );
  });

  it("adds the deadlines and rounds up to the hour", () => {
    expect(
      restoreMaxAgeHours({
        backupSchedule: parseCronSchedule("0 3 * * *"),
        backupTimeZone: "Etc/UTC",
        backupStartingDeadline: Duration.minutes(1),
        backupActiveDeadline: Duration.minutes(1),
      }),
    ).toBe(25);
  });
});
