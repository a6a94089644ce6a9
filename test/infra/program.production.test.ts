import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { engineConfigOf, installMocks, runInStack, settle, valueOf, type Registration } from "../support/pulumi-mocks.js";

const SECRETS = {
  "go-service:jwtSecret": "production-jwt-secret-value-0123456789abcdef",
  "go-service:encryptionKey": "0123456789abcdef0123456789abcdef",
  "go-service:csrfSecret": "production-csrf-secret",
  "go-service:dbPassword": "production-db-password",
  "go-service:backupEncryptionKey": "backup-client-side-key-0123456789abcdef",
};

let registrations: Registration[];
let outputs: Record<string, pulumi.Output<unknown>>;

beforeAll(async () => {
  registrations = await installMocks("production", engineConfigOf("production", SECRETS), Object.keys(SECRETS));
  const { runProgram } = await import("../../infra/program.js");
  const { result, error } = await runInStack(runProgram);
  if (result === undefined) throw error;
  outputs = result as unknown as Record<string, pulumi.Output<unknown>>;
  await Promise.all(Object.values(result.stack.resources).map((r) => valueOf(r.urn)));
  await valueOf(result.backupBucketArn);
  await settle();
});

const find = (type: string, name?: string) => registrations.find((r) => r.type === type && (name === undefined || r.name === name));

describe("the Pulumi program on production, under mocks", () => {
  it("creates the backup bucket component with its bucket, key and IRSA role, through an explicit AWS provider", () => {
    expect(find("seed:backup:BackupBucket")).toBeDefined();
    expect(find("aws:s3/bucket:Bucket")).toBeDefined();
    expect(find("aws:kms/key:Key")).toBeDefined();
    expect(find("aws:iam/role:Role")).toBeDefined();
    expect(find("pulumi:providers:aws")?.inputs).toMatchObject({ region: "eu-west-1" });
  });

  it("protects and retains the bucket in production", () => {
    const bucket = find("aws:s3/bucket:Bucket");
    expect(bucket?.protect).toBe(true);
    expect(bucket?.retainOnDelete).toBe(true);
  });

  it("fills the jobs' deferred values with the component's outputs", () => {
    const serviceAccount = find("kubernetes:core/v1:ServiceAccount", "myapp/db-backup");
    const annotations = (serviceAccount?.inputs.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations["eks.amazonaws.com/role-arn"]).toMatch(/^arn:aws:mock:::/);
    const cronJob = find("kubernetes:batch/v1:CronJob", "myapp/db-backup");
    const text = JSON.stringify(cronJob?.inputs);
    expect(text).not.toContain("${pulumi:");
    const env = (cronJob?.inputs as { spec: { jobTemplate: { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } } } }).spec.jobTemplate.spec.template.spec.containers[0]?.env ?? [];
    expect(env.find((e) => e.name === "BACKUP_BUCKET")?.value).toMatch(/^myapp-backups/);
    expect(env.find((e) => e.name === "BACKUP_SSE")?.value).toBe("aws:kms");
    expect(env.find((e) => e.name === "BACKUP_KMS_KEY_ID")?.value).toMatch(/^arn:aws:mock:::/);
  });

  it("turns on client-side backup encryption when backupEncryptionKey is set, by reference to the Secret", () => {
    const cronJob = JSON.stringify(find("kubernetes:batch/v1:CronJob", "myapp/db-backup")?.inputs);
    expect(cronJob).toContain('"key":"backup-encryption-key"');
    expect(cronJob).not.toContain(SECRETS["go-service:backupEncryptionKey"]);
  });

  it("exports the bucket name and ARN and the dashboard uid", async () => {
    expect(await valueOf(outputs.backupBucketName as pulumi.Output<string>)).toMatch(/^myapp-backups/);
    expect(await valueOf(outputs.backupBucketArn as pulumi.Output<string>)).toMatch(/^arn:aws:s3:::myapp-backups/);
    expect(await valueOf(outputs.dashboardUid as pulumi.Output<string>)).toBe("myapp-production");
  });

  it("registers the monitoring objects as custom resources", () => {
    expect(find("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "myapp/myapp")).toBeDefined();
    expect(find("kubernetes:monitoring.coreos.com/v1:PrometheusRule", "myapp/myapp-rules")).toBeDefined();
  });

  it("registers the retention on the bucket: every backup 2 days, one a day 30 days (backup.frequentRetentionDays, backup.retentionDays)", () => {
    const lifecycle = find("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    const rules = lifecycle?.inputs["rules"] as { id: string; filter: { prefix?: string }; expiration?: { days?: number } }[];
    expect(rules.map((rule) => [rule.id, rule.filter.prefix, rule.expiration?.days])).toEqual([
      ["expire-frequent-backups", "backups/frequent/", 2],
      ["expire-daily-backups", "backups/daily/", 30],
      ["expire-backups-of-the-previous-layout", "backups/2", 30],
      ["clean-up-delete-markers-and-uploads", undefined, undefined],
    ]);
  });

  it("schedules the backup from the 1-hour RPO and the weekly drill against the 15-minute RTO", () => {
    type CronJobInputs = { spec: { schedule: string; jobTemplate: { spec: { activeDeadlineSeconds: number; template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } } } };
    const backup = find("kubernetes:batch/v1:CronJob", "myapp/db-backup")?.inputs as CronJobInputs;
    expect(backup.spec.schedule).toBe("*/30 * * * *");
    const drill = find("kubernetes:batch/v1:CronJob", "myapp/db-restore-check")?.inputs as CronJobInputs;
    expect(drill.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(900);
    const env = Object.fromEntries((drill.spec.jobTemplate.spec.template.spec.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    expect(env).toMatchObject({ RESTORE_FULL: "true", RESTORE_MAX_AGE_SECONDS: "3600", RESTORE_RTO_SECONDS: "900" });
  });

  it("no input of a non-Secret resource holds a secret value", () => {
    const text = JSON.stringify(registrations.filter((r) => r.type !== "kubernetes:core/v1:Secret").map((r) => r.inputs));
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });
});
