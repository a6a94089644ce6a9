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

  it("runs weekly, Sundays 04:00 UTC, once, without retries", () => {
    expect(cronJob.spec).toMatchObject({
      schedule: "0 4 * * 0",
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(cronJob.spec.jobTemplate.spec).toMatchObject({ activeDeadlineSeconds: 3600, backoffLimit: 0 });
  });

  it("runs bash /scripts/restore-check.sh from the ConfigMap holding charts/backup/restore-check.sh", () => {
    expect(podSpec(objects).containers[0].command).toEqual(["bash", "/scripts/restore-check.sh"]);
    expect(objects[0]?.data).toEqual({ "restore-check.sh": RESTORE_CHECK_SH, "lib.sh": LIB_SH });
  });

  it("reads the backup's bucket and passphrase, with a maximum age derived from the daily schedule, and no database credentials", () => {
    expect(envOf(objects)).toEqual([
      { name: "HOME", value: "/tmp" },
      { name: "TMPDIR", value: "/tmp" },
      { name: "BACKUP_BUCKET", value: "db-backups-bucket-1a2b3c4" },
      { name: "BACKUP_PREFIX", value: "backups" },
      { name: "AWS_REGION", value: "eu-west-3" },
      // 24 h between backups + 1 h starting deadline + 2 h active deadline.
      { name: "RESTORE_MAX_AGE_HOURS", value: "27" },
      { name: "RESTORE_FULL", value: "false" },
      { name: "BACKUP_ENCRYPTION_KEY", valueFrom: { secretKeyRef: { name: "backup-passphrase", key: "passphrase" } } },
    ]);
    expect(check.maxBackupAgeHours).toBe(27);
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
  it("full restore adds the scratch database and the backup's connection, and a longer deadline", () => {
    const { objects } = synth({ fullRestore: true, restoreTargetDatabase: "myapp_restore_check" });
    expect(envOf(objects).slice(6)).toEqual([
      { name: "RESTORE_FULL", value: "true" },
      { name: "BACKUP_ENCRYPTION_KEY", valueFrom: { secretKeyRef: { name: "backup-passphrase", key: "passphrase" } } },
      { name: "RESTORE_TARGET_DB", value: "myapp_restore_check" },
      { name: "PGHOST", value: "db.internal" },
      { name: "PGPORT", value: "5432" },
      { name: "PGDATABASE", value: "myapp" },
      { name: "PGUSER", value: "backup" },
      { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "myapp-db-backup", key: "password" } } },
      { name: "PGSSLMODE", value: "require" },
    ]);
    expect(cronJobOf(objects).spec.jobTemplate.spec.activeDeadlineSeconds).toBe(10800);
  });

  it("an explicit maximum age, schedule and image win", () => {
    const { objects } = synth({ maxBackupAge: Duration.hours(30), schedule: "30 7 * * *", image: "ghcr.io/example/pg-restore:16.2" });
    expect(envOf(objects)).toContainEqual({ name: "RESTORE_MAX_AGE_HOURS", value: "30" });
    expect(cronJobOf(objects).spec.schedule).toBe("30 7 * * *");
    expect(podSpec(objects).containers[0].image).toBe("ghcr.io/example/pg-restore:16.2");
  });

  it.each<[string, Partial<BackupCronJobProps>, string]>([
    ["every 6 hours", { schedule: "0 */6 * * *" }, "9"],
    ["weekdays only: the weekend gap counts", { schedule: "0 3 * * 1-5" }, "75"],
    ["daily with a short active deadline", { activeDeadline: Duration.minutes(30), startingDeadline: Duration.minutes(10) }, "25"],
    ["daily in a daylight-saving zone", { timeZone: "Europe/Paris" }, "28"],
  ])("derives RESTORE_MAX_AGE_HOURS from a backup %s", (_case, backupProps, hours) => {
    expect(envOf(synth({}, backupProps).objects)).toContainEqual({ name: "RESTORE_MAX_AGE_HOURS", value: hours });
  });

  it.each<[string, Partial<RestoreCheckCronJobProps>, string]>([
    ["a fractional maximum age", { maxBackupAge: Duration.minutes(90) }, "maxBackupAge must be a whole number of hours, at least 1 (restore-check.sh reads hours), not 1.5"],
    ["the backed-up database as scratch", { fullRestore: true, restoreTargetDatabase: "myapp" }, `restoreTargetDatabase must not be the backed-up database "myapp": the check drops and recreates it`],
    ["a target database without fullRestore", { restoreTargetDatabase: "scratch" }, "restoreTargetDatabase only applies with fullRestore: true; remove it or set fullRestore"],
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
