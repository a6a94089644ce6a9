import { readFileSync } from "node:fs";
import { Duration, Size, Testing } from "cdk8s";
import type { Chart } from "cdk8s";
import { CronJob } from "kubernetes-models/batch/v1/CronJob";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { describe, expect, it } from "vitest";
import { BackupCronJob, BackupServerSideEncryption, parseCronSchedule } from "../../../charts/backup/index.js";
import type { BackupCronJobProps } from "../../../charts/backup/index.js";

const KEY_ARN = "arn:aws:kms:eu-west-3:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ROLE_ARN = "arn:aws:iam::123456789012:role/db-backups-job-role-1a2b3c4";
const BACKUP_SH = readFileSync(new URL("../../../charts/backup/backup.sh", import.meta.url), "utf8");
const LIB_SH = readFileSync(new URL("../../../charts/backup/lib.sh", import.meta.url), "utf8");

const PROPS: BackupCronJobProps = {
  image: "ghcr.io/example/pg-backup:15.6-1",
  namespace: "app",
  roleArn: ROLE_ARN,
  database: {
    host: "myapp.cluster-abc.eu-west-3.rds.amazonaws.com",
    name: "myapp",
    user: "backup",
    passwordSecret: { name: "myapp-db-backup", key: "password" },
  },
  storage: {
    bucket: "db-backups-bucket-1a2b3c4",
    region: "eu-west-3",
    serverSideEncryption: BackupServerSideEncryption.kms(KEY_ARN),
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are untyped JSON
type Manifest = Record<string, any>;

function synth(props: Partial<BackupCronJobProps> = {}, build?: (chart: Chart) => void): Manifest[] {
  const chart = Testing.chart();
  new BackupCronJob(chart, "backup", { ...PROPS, ...props });
  build?.(chart);
  return Testing.synth(chart) as Manifest[];
}

function find(objects: Manifest[], kind: string): Manifest {
  const found = objects.filter((o) => o.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0] as Manifest;
}

function podSpec(objects: Manifest[]): Manifest {
  return find(objects, "CronJob").spec.jobTemplate.spec.template.spec;
}

function container(objects: Manifest[]): Manifest {
  return podSpec(objects).containers[0];
}

describe("BackupCronJob defaults", () => {
  const objects = synth();
  const cronJob = find(objects, "CronJob");

  it("creates a ServiceAccount, a ConfigMap and a CronJob with fixed names in the namespace", () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      "ServiceAccount/app/db-backup",
      "ConfigMap/app/db-backup-scripts",
      "CronJob/app/db-backup",
    ]);
  });

  it("runs every 30 minutes (a 1-hour RPO with room for one failed run), one run at a time, with deadlines and history limits", () => {
    expect(cronJob.spec).toMatchObject({
      schedule: "*/30 * * * *",
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      suspend: false,
    });
    expect(cronJob.spec.jobTemplate.spec).toMatchObject({ activeDeadlineSeconds: 7200, backoffLimit: 1 });
    expect(podSpec(objects).restartPolicy).toBe("Never");
  });

  it("runs bash /scripts/backup.sh from the ConfigMap holding charts/backup/backup.sh", () => {
    expect(container(objects).command).toEqual(["bash", "/scripts/backup.sh"]);
    expect(find(objects, "ConfigMap").data).toEqual({ "backup.sh": BACKUP_SH, "lib.sh": LIB_SH });
    expect(podSpec(objects).volumes).toContainEqual({ name: "scripts", configMap: { name: "db-backup-scripts", defaultMode: 0o555 } });
    expect(container(objects).volumeMounts).toContainEqual({ name: "scripts", mountPath: "/scripts", readOnly: true });
  });

  it("passes the scripts' environment contract, the password from its Secret", () => {
    expect(container(objects).env).toEqual([
      { name: "HOME", value: "/tmp" },
      { name: "TMPDIR", value: "/tmp" },
      { name: "PGHOST", value: "myapp.cluster-abc.eu-west-3.rds.amazonaws.com" },
      { name: "PGPORT", value: "5432" },
      { name: "PGDATABASE", value: "myapp" },
      { name: "PGUSER", value: "backup" },
      { name: "PGPASSWORD", valueFrom: { secretKeyRef: { name: "myapp-db-backup", key: "password" } } },
      { name: "PGSSLMODE", value: "require" },
      { name: "BACKUP_BUCKET", value: "db-backups-bucket-1a2b3c4" },
      { name: "BACKUP_PREFIX", value: "backups" },
      { name: "AWS_REGION", value: "eu-west-3" },
      { name: "BACKUP_SSE", value: "aws:kms" },
      { name: "BACKUP_KMS_KEY_ID", value: KEY_ARN },
    ]);
  });

  it("runs under the restricted Pod Security Standard", () => {
    expect(podSpec(objects).securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      fsGroupChangePolicy: "OnRootMismatch",
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container(objects).securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("writes only to a size-capped emptyDir at /tmp, and requests and caps ephemeral storage to cover it and the logs", () => {
    expect(podSpec(objects).volumes).toContainEqual({ name: "scratch", emptyDir: { sizeLimit: "10240Mi" } });
    expect(container(objects).volumeMounts).toContainEqual({ name: "scratch", mountPath: "/tmp" });
    expect(container(objects).resources).toEqual({
      requests: { cpu: "100m", memory: "256Mi", "ephemeral-storage": "10304Mi" },
      limits: { cpu: "1", memory: "1024Mi", "ephemeral-storage": "10304Mi" },
    });
  });

  it("runs as its own ServiceAccount, annotated for IRSA, without a Kubernetes API token", () => {
    const serviceAccount = find(objects, "ServiceAccount");
    expect(serviceAccount.metadata.annotations).toEqual({
      "eks.amazonaws.com/role-arn": ROLE_ARN,
      "eks.amazonaws.com/sts-regional-endpoints": "true",
    });
    expect(serviceAccount.automountServiceAccountToken).toBe(false);
    expect(podSpec(objects).serviceAccountName).toBe("db-backup");
    expect(podSpec(objects).automountServiceAccountToken).toBe(false);
  });

  it("pins the image and pulls it only when missing", () => {
    expect(container(objects)).toMatchObject({ image: "ghcr.io/example/pg-backup:15.6-1", imagePullPolicy: "IfNotPresent" });
  });

  it("labels objects and pods with app.kubernetes.io labels and no cdk8s hash", () => {
    const labels = {
      "app.kubernetes.io/component": "backup",
      "app.kubernetes.io/managed-by": "cdk8s",
      "app.kubernetes.io/name": "db-backup",
      "app.kubernetes.io/part-of": "database-backup",
    };
    for (const o of objects) expect(o.metadata.labels).toEqual(labels);
    expect(cronJob.spec.jobTemplate.spec.template.metadata.labels).toEqual(labels);
    const metadata = [...objects.map((o) => o.metadata), cronJob.spec.jobTemplate.spec.template.metadata];
    expect(JSON.stringify(metadata)).not.toMatch(/cdk8s\.io|-c[0-9a-f]{7}\b/);
  });

  it("is deterministic: two syntheses are byte-identical", () => {
    expect(JSON.stringify(synth())).toBe(JSON.stringify(objects));
  });

  it.each([
    ["CronJob", (o: Manifest) => new CronJob(o as ConstructorParameters<typeof CronJob>[0]).validate()],
    ["ConfigMap", (o: Manifest) => new ConfigMap(o as ConstructorParameters<typeof ConfigMap>[0]).validate()],
    ["ServiceAccount", (o: Manifest) => new ServiceAccount(o as ConstructorParameters<typeof ServiceAccount>[0]).validate()],
  ])("the %s validates against the Kubernetes OpenAPI schema", (kind, validate) => {
    expect(() => validate(find(objects, kind))).not.toThrow();
  });

  it("the schema validation catches a wrong type", () => {
    const broken = structuredClone(cronJob);
    broken.spec.jobTemplate.spec.backoffLimit = "one";
    expect(() => new CronJob(broken as ConstructorParameters<typeof CronJob>[0]).validate()).toThrow(/backoffLimit/);
  });
});

describe("BackupCronJob options", () => {
  it("client-side encryption key, SSE-S3, endpoint, prefix, port and sslmode reach the environment", () => {
    const objects = synth({
      encryptionKeySecret: { name: "backup-passphrase", key: "passphrase" },
      database: { ...PROPS.database, port: 6432, sslMode: "verify-full" },
      storage: {
        bucket: "backups",
        region: "us-east-1",
        prefix: "myapp/prod",
        endpointUrl: "http://minio.backup:9000",
        serverSideEncryption: BackupServerSideEncryption.s3Managed(),
      },
    });
    const env = container(objects).env as Manifest[];
    expect(env.filter((e) => /^(PGPORT|PGSSLMODE|BACKUP_|AWS_)/.test(e.name))).toEqual([
      { name: "PGPORT", value: "6432" },
      { name: "PGSSLMODE", value: "verify-full" },
      { name: "BACKUP_BUCKET", value: "backups" },
      { name: "BACKUP_PREFIX", value: "myapp/prod" },
      { name: "AWS_REGION", value: "us-east-1" },
      { name: "AWS_ENDPOINT_URL", value: "http://minio.backup:9000" },
      { name: "BACKUP_SSE", value: "AES256" },
      { name: "BACKUP_ENCRYPTION_KEY", valueFrom: { secretKeyRef: { name: "backup-passphrase", key: "passphrase" } } },
    ]);
  });

  it("schedule, time zone, deadlines, history, resources, scratch space, names and script", () => {
    const objects = synth({
      name: "orders-backup",
      serviceAccountName: "orders-backup-sa",
      schedule: "@hourly",
      rpo: Duration.hours(2),
      timeZone: "Europe/Paris",
      startingDeadline: Duration.minutes(5),
      activeDeadline: Duration.minutes(45),
      backoffLimit: 2,
      successfulJobsRetained: 1,
      failedJobsRetained: 5,
      scratchSpace: Size.gibibytes(50),
      resources: { memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) } },
      script: "echo custom",
      labels: { team: "data" },
    });
    const cronJob = find(objects, "CronJob");
    expect(cronJob.metadata.name).toBe("orders-backup");
    expect(cronJob.metadata.labels.team).toBe("data");
    expect(cronJob.spec).toMatchObject({
      schedule: "0 * * * *",
      timeZone: "Europe/Paris",
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 5,
    });
    expect(cronJob.spec.jobTemplate.spec).toMatchObject({ activeDeadlineSeconds: 2700, backoffLimit: 2 });
    expect(podSpec(objects).serviceAccountName).toBe("orders-backup-sa");
    expect(find(objects, "ServiceAccount").metadata.name).toBe("orders-backup-sa");
    expect(find(objects, "ConfigMap")).toMatchObject({ metadata: { name: "orders-backup-scripts" }, data: { "backup.sh": "echo custom" } });
    expect(podSpec(objects).volumes).toContainEqual({ name: "scratch", emptyDir: { sizeLimit: "51200Mi" } });
    expect(container(objects).resources).toEqual({
      requests: { cpu: "100m", memory: "512Mi", "ephemeral-storage": "51264Mi" },
      limits: { cpu: "1", memory: "2048Mi", "ephemeral-storage": "51264Mi" },
    });
    expect(() => new CronJob(cronJob as ConstructorParameters<typeof CronJob>[0]).validate()).not.toThrow();
  });

  it("takes the namespace from the chart when none is given", () => {
    const chart = Testing.chart();
    const { namespace: _omitted, ...props } = PROPS;
    new BackupCronJob(chart, "backup", props);
    const objects = Testing.synth(chart) as Manifest[];
    expect(objects.map((o) => o.metadata.namespace)).toEqual([undefined, undefined, undefined]);
  });
});

describe("BackupCronJob validation", () => {
  it.each<[string, Partial<BackupCronJobProps>, string]>([
    ["a six-field schedule", { schedule: "0 0 3 * * *" }, `schedule "0 0 3 * * *" must have 5 fields (minute hour day-of-month month day-of-week), not 6`],
    ["an hour out of range", { schedule: "0 24 * * *" }, `schedule "0 24 * * *": hour field "24": 24 is outside 0-23`],
    ["a step of zero", { schedule: "*/0 * * * *" }, `schedule "*/0 * * * *": minute field "*/0": step "0" must be a positive number`],
    ["a backwards range", { schedule: "0 3 * * 5-1" }, `schedule "0 3 * * 5-1": day-of-week field "5-1": range "5-1" goes backwards`],
    ["an unknown macro", { schedule: "@every 1h" }, `schedule "@every 1h": unknown macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or five fields`],
    ["a TZ prefix", { schedule: "TZ=Europe/Paris 0 3 * * *" }, `schedule "TZ=Europe/Paris 0 3 * * *": set the time zone with the timeZone prop, not in the schedule`],
    ["an unknown time zone", { timeZone: "Mars/Olympus" }, `timeZone "Mars/Olympus" is not a known IANA zone; use a name such as Etc/UTC or Europe/Paris`],
    ["an unpinned image", { image: "postgres" }, `image "postgres" must be pinned ("postgres" floats); use a digest (@sha256:…, preferred) or a release tag such as :v1.4.2`],
    ["the latest tag", { image: "ghcr.io/example/pg-backup:latest" }, `image "ghcr.io/example/pg-backup:latest" must be pinned ("ghcr.io/example/pg-backup:latest" floats)`],
    ["a name over 52 characters", { name: "a".repeat(53) }, `name "${"a".repeat(53)}" must be at most 52 characters (got 53)`],
    ["a role name instead of an ARN", { roleArn: "db-backup" }, `roleArn "db-backup" must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), the BackupBucket's roleArn output`],
    ["a startingDeadline under 10 s", { startingDeadline: Duration.seconds(5) }, "startingDeadline must be at least 10 seconds: the CronJob controller checks every 10 seconds"],
    ["a negative backoffLimit", { backoffLimit: -1 }, "backoffLimit must be a whole number of at least 0, not -1"],
    ["no failed Job kept", { failedJobsRetained: 0 }, "failedJobsRetained must be a whole number of at least 1, not 0"],
    [
      "a KMS alias instead of the key ARN",
      { storage: { ...PROPS.storage, serverSideEncryption: BackupServerSideEncryption.kms("alias/backups") } },
      `storage.serverSideEncryption: kms key "alias/backups" must be a key ARN (arn:aws:kms:<region>:<account>:key/<id>), the BackupBucket's kmsKeyArn output; the bucket policy rejects key IDs and aliases`,
    ],
    ["a prefix with a trailing slash", { storage: { ...PROPS.storage, prefix: "backups/" } }, `storage.prefix "backups/" must be lower-case path segments separated by '/', with no leading or trailing '/' and no wildcard (example: backups)`],
    ["an endpoint with a path", { storage: { ...PROPS.storage, endpointUrl: "http://minio:9000/bucket" } }, `storage.endpointUrl "http://minio:9000/bucket" must be an http(s) URL with no path`],
    ["a port out of range", { database: { ...PROPS.database, port: 70000 } }, "database.port must be a whole number from 1 to 65535, not 70000"],
    ["a bad Secret key", { database: { ...PROPS.database, passwordSecret: { name: "db", key: "pass word" } } }, `database.passwordSecret.key "pass word" must be letters, digits, '-', '_' or '.'`],
  ])("refuses %s", (_case, props, message) => {
    expect(() => synth(props)).toThrow(message);
  });

  it.each<[string, Partial<BackupCronJobProps>, string]>([
    [
      "a daily schedule with the default 1-hour RPO",
      { schedule: "0 2 * * *" },
      'schedule "0 2 * * *" runs every 1d at its longest interval: with room for one failed run the newest backup can be 2 × 1d = 2d old, more than the RPO of 1h; run at least every 30m (e.g. "*/30 * * * *") or raise the RPO to at least 2d; or leave schedule out to derive it from rpo',
    ],
    [
      "an hourly schedule with a 1-hour RPO",
      { schedule: "@hourly", rpo: Duration.hours(1) },
      'schedule "@hourly" runs every 1h at its longest interval: with room for one failed run the newest backup can be 2 × 1h = 2h old, more than the RPO of 1h; run at least every 30m (e.g. "*/30 * * * *") or raise the RPO to at least 2h; or leave schedule out to derive it from rpo',
    ],
    [
      "business hours only with a 4-hour RPO",
      { schedule: "0 8-18 * * *", rpo: Duration.hours(4) },
      'schedule "0 8-18 * * *" runs every 14h at its longest interval: with room for one failed run the newest backup can be 2 × 14h = 1d4h old, more than the RPO of 4h; run at least every 2h (e.g. "0 */2 * * *") or raise the RPO to at least 1d4h; or leave schedule out to derive it from rpo',
    ],
    ["an RPO in seconds", { rpo: Duration.seconds(150) }, 'rpo "2m30s" must be a whole number of minutes (cron and the alerts count in minutes)'],
    ["an RPO of one minute", { rpo: Duration.minutes(1) }, 'rpo "1m" must be at least 2m'],
  ])("refuses %s, with the arithmetic", (_case, props, message) => {
    expect(() => synth(props)).toThrow(`BackupCronJob "test/backup": ${message}`);
  });

  it.each<[string, Partial<BackupCronJobProps>, string]>([
    ["a 15-minute RPO", { rpo: Duration.minutes(15) }, "*/6 * * * *"],
    ["a 2-hour RPO", { rpo: Duration.hours(2) }, "0 * * * *"],
    ["a 2-day RPO", { rpo: Duration.days(2) }, "0 2 * * *"],
    ["WAL archiving (the dump is the daily portable copy)", { method: "wal" }, "0 2 * * *"],
    ["WAL archiving and a hand-set schedule, not checked against the RPO", { method: "wal", schedule: "0 3 * * 0" }, "0 3 * * 0"],
  ])("derives or takes the schedule for %s", (_case, props, schedule) => {
    expect(find(synth(props), "CronJob").spec.schedule).toBe(schedule);
  });

  it("exposes its RPO, method and the schedule's longest interval", () => {
    const chart = Testing.chart();
    const job = new BackupCronJob(chart, "backup", { ...PROPS, rpo: Duration.hours(3) });
    expect([job.rpo.toMinutes(), job.method, job.schedule.expression, job.scheduleInterval.toMinutes()]).toEqual([180, "dump", "0 * * * *", 60]);
  });

  it("names the construct path and reports every problem at once", () => {
    expect(() => synth({ image: "postgres", backoffLimit: -1 })).toThrow(
      /^BackupCronJob "test\/backup": image "postgres" must be pinned .*; backoffLimit must be a whole number of at least 0, not -1$/,
    );
  });
});

describe("parseCronSchedule", () => {
  it.each([
    ["@daily", "0 0 * * *"],
    ["  0   3 * *   *  ", "0 3 * * *"],
    ["0 3 * * MON-FRI", "0 3 * * MON-FRI"],
    ["*/15 2-4 1,15 JAN,jul sun", "*/15 2-4 1,15 JAN,jul sun"],
  ])("accepts %j as %j", (expression, normalized) => {
    expect(parseCronSchedule(expression).expression).toBe(normalized);
  });

  it("reads names, steps and lists", () => {
    const schedule = parseCronSchedule("*/20 9-17/4 1,15 FEB-APR 0");
    expect([...schedule.minutes]).toEqual([0, 20, 40]);
    expect([...schedule.hours]).toEqual([9, 13, 17]);
    expect([...schedule.daysOfMonth]).toEqual([1, 15]);
    expect([...schedule.months]).toEqual([2, 3, 4]);
    expect([...schedule.daysOfWeek]).toEqual([0]);
    expect(schedule.dayMatchesEither).toBe(true);
  });

  it("refuses day 7 and reads */2 as restricted, as Kubernetes (robfig/cron v3) does", () => {
    expect(() => parseCronSchedule("0 0 * * 7")).toThrow('day-of-week field "7": 7 is outside 0-6 (Sunday is 0)');
    expect(parseCronSchedule("0 0 */2 * 1").dayMatchesEither).toBe(true);
    expect(parseCronSchedule("0 0 */1 * 1").dayMatchesEither).toBe(false);
  });
});
