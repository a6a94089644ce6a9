/**
 * BackupBucket under `pulumi.runtime.setMocks`: the real Pulumi runtime registers the
 * resources, mocked providers answer. Mocks are installed before the component module is
 * imported (dynamic import), as the Pulumi testing guide requires; vitest's forks pool runs
 * this file in its own process.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { backupLifecycleRules } from "../../../infra/backup/backup-lifecycle.js";
import type * as BackupModule from "../../../infra/backup/index.js";
import { ACCOUNT_ID, installMocks, named, only, REGION, settle, valueOf } from "./pulumi-harness.js";
import type { MockRecord, Registration } from "./pulumi-harness.js";

const ISSUER = "oidc.eks.eu-west-3.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const OIDC_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${ISSUER}`;
const JOB_ACCESS = { oidcProviderArn: OIDC_ARN, namespace: "app", serviceAccountName: "db-backup" };

/** The mocks' computed values for a component named "db-backups". */
const BUCKET = "db-backups-bucket-1a2b3c4";
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/db-backups-key-key-id`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT_ID}:role/db-backups-job-role-1a2b3c4`;

const BUCKET_CONFIG_TYPES = [
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  "aws:s3/bucketVersioning:BucketVersioning",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
  "aws:s3/bucketPolicy:BucketPolicy",
];

let backup: typeof BackupModule;

async function build(
  name: string,
  args: BackupModule.BackupBucketArgs,
): Promise<{ record: MockRecord; component: BackupModule.BackupBucket; outputs: Record<string, unknown> }> {
  const record = installMocks();
  backup ??= await import("../../../infra/backup/index.js");
  const component = new backup.BackupBucket(name, args);
  const outputs = {
    bucketName: await valueOf(component.bucketName),
    bucketArn: await valueOf(component.bucketArn),
    kmsKeyArn: await valueOf(component.kmsKeyArn),
    roleArn: await valueOf(component.roleArn),
  };
  await settle();
  return { record, component, outputs };
}

function parsePolicy(registration: Registration) {
  return JSON.parse(registration.inputs["policy"] as string) as { Statement: { Sid: string }[] };
}

describe("BackupBucket in production, defaults, with job access", () => {
  let record: MockRecord;
  let component: BackupModule.BackupBucket;
  let outputs: Record<string, unknown>;
  let registrations: Registration[];
  beforeAll(async () => {
    ({ record, component, outputs } = await build("db-backups", { environment: "production", jobAccess: JOB_ACCESS }));
    registrations = record.registrations;
  });

  it("registers the component, its key, bucket, bucket configuration and job role", () => {
    expect(registrations.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      [
        "seed:backup:BackupBucket db-backups",
        "aws:kms/key:Key db-backups-key",
        "aws:s3/bucket:Bucket db-backups-bucket",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls db-backups-ownership",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock db-backups-public-access-block",
        "aws:s3/bucketVersioning:BucketVersioning db-backups-versioning",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration db-backups-encryption",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration db-backups-lifecycle",
        "aws:s3/bucketPolicy:BucketPolicy db-backups-policy",
        "seed:backup:BackupJobRole db-backups-job",
        "aws:iam/role:Role db-backups-job-role",
        "aws:iam/rolePolicy:RolePolicy db-backups-job-policy",
      ].sort(),
    );
  });

  it("uses the v7 resource types, not the deprecated V2 ones", () => {
    expect(registrations.filter((r) => /V2$/.test(r.type))).toEqual([]);
  });

  it("creates a KMS key with yearly rotation and the longest deletion window", () => {
    expect(only(registrations, "aws:kms/key:Key").inputs).toMatchObject({
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      deletionWindowInDays: 30,
    });
  });

  it("encrypts by default with SSE-KMS under that key, with a bucket key", () => {
    expect(named(registrations, "db-backups-encryption").inputs).toEqual({
      bucket: BUCKET,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY_ARN }, bucketKeyEnabled: true }],
    });
  });

  it("enables versioning", () => {
    expect(named(registrations, "db-backups-versioning").inputs).toEqual({
      bucket: BUCKET,
      versioningConfiguration: { status: "Enabled" },
    });
  });

  it("blocks all four kinds of public access and disables ACLs", () => {
    expect(named(registrations, "db-backups-public-access-block").inputs).toEqual({
      bucket: BUCKET,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(named(registrations, "db-backups-ownership").inputs).toEqual({
      bucket: BUCKET,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
  });

  it("attaches the deny-only bucket policy built for this bucket and key", () => {
    const policy = parsePolicy(named(registrations, "db-backups-policy"));
    expect(policy).toEqual(backup.backupBucketPolicyDocument({ bucketArn: BUCKET_ARN, sseAlgorithm: "aws:kms", kmsKeyArn: KEY_ARN }));
    expect(policy.Statement.map((s) => s.Sid)).toEqual([
      "DenyInsecureTransport",
      "DenyUploadsWithoutBucketEncryption",
      "DenyUploadsWithAnotherKmsKey",
    ]);
  });

  it("applies the policy after the public access block, and the lifecycle after versioning", () => {
    const policy = named(registrations, "db-backups-policy");
    expect(policy.dependencies).toContain(named(registrations, "db-backups-public-access-block").urn);
    expect(named(registrations, "db-backups-lifecycle").dependencies).toContain(named(registrations, "db-backups-versioning").urn);
  });

  it("keeps every backup 2 days and one a day 30 days (noncurrent versions 1 and 7 more), and aborts uploads after a day", () => {
    // The rules themselves are spelled out in backup-lifecycle.test.ts; here, that the bucket registers them
    // with the stack's defaults.
    expect(named(registrations, "db-backups-lifecycle").inputs["rules"]).toEqual(
      backupLifecycleRules({
        prefix: "backups",
        expirationDays: 30,
        frequentExpirationDays: 2,
        noncurrentVersionExpirationDays: 7,
        frequentNoncurrentVersionExpirationDays: 1,
        abortIncompleteMultipartUploadDays: 1,
      }),
    );
    expect((named(registrations, "db-backups-lifecycle").inputs["rules"] as unknown[]).length).toBe(4);
  });

  it("protects and retains the bucket, its configuration and its key", () => {
    const data = registrations.filter((r) => ["aws:kms/key:Key", "aws:s3/bucket:Bucket", ...BUCKET_CONFIG_TYPES].includes(r.type));
    expect(data).toHaveLength(8);
    for (const r of data) expect({ name: r.name, protect: r.protect, retainOnDelete: r.retainOnDelete }).toEqual({ name: r.name, protect: true, retainOnDelete: true });
  });

  it("does not protect the IAM role, which holds no data", () => {
    expect(named(registrations, "db-backups-job-role").protect).toBe(false);
    expect(named(registrations, "db-backups-job-policy").retainOnDelete).toBe(false);
  });

  it("refuses forceDestroy: the bucket is created with forceDestroy false and the tags", () => {
    expect(only(registrations, "aws:s3/bucket:Bucket").inputs).toEqual({
      forceDestroy: false,
      tags: { component: "backup", environment: "production" },
    });
  });

  it("parents every resource to the component (the role's resources to the role component)", () => {
    const bucketUrn = named(registrations, "db-backups").urn;
    const roleUrn = named(registrations, "db-backups-job").urn;
    for (const r of registrations) {
      if (r.name === "db-backups") continue;
      const expected = r.name === "db-backups-job-role" || r.name === "db-backups-job-policy" ? roleUrn : bucketUrn;
      expect({ name: r.name, parent: r.parentUrn }).toEqual({ name: r.name, parent: expected });
    }
  });

  it("creates the IRSA role trusted by the one ServiceAccount, with the job policy", () => {
    const role = named(registrations, "db-backups-job-role");
    expect(JSON.parse(role.inputs["assumeRolePolicy"] as string)).toEqual(backup.irsaTrustPolicy(JOB_ACCESS));
    const policy = named(registrations, "db-backups-job-policy");
    expect(JSON.parse(policy.inputs["policy"] as string)).toEqual(
      backup.backupJobPolicyDocument({ bucketArn: BUCKET_ARN, prefix: "backups", kmsKeyArn: KEY_ARN }),
    );
    expect(policy.inputs["role"]).toBe("db-backups-job-role-1a2b3c4");
  });

  it("exposes and registers the bucket name, bucket ARN, key ARN and role ARN", () => {
    expect(outputs).toEqual({ bucketName: BUCKET, bucketArn: BUCKET_ARN, kmsKeyArn: KEY_ARN, roleArn: ROLE_ARN });
    expect(record.outputs.get(named(registrations, "db-backups").urn)).toEqual(outputs);
    expect(component.sseAlgorithm).toBe("aws:kms");
    expect(component.prefix).toBe("backups");
  });
});

describe("BackupBucket in staging", () => {
  let registrations: Registration[];
  let outputs: Record<string, unknown>;
  beforeAll(async () => {
    ({
      record: { registrations },
      outputs,
    } = await build("db-backups", { environment: "staging" }));
  });

  it("neither protects nor retains anything", () => {
    expect(registrations.filter((r) => r.protect || r.retainOnDelete)).toEqual([]);
  });

  it("creates no role without jobAccess", () => {
    expect(registrations.filter((r) => r.type.startsWith("aws:iam") || r.type === "seed:backup:BackupJobRole")).toEqual([]);
    expect(outputs["roleArn"]).toBeUndefined();
  });
});

describe("BackupBucket options", () => {
  it("SSE-S3: no key, AES256 default encryption without bucket key, no key statement", async () => {
    const { record, outputs } = await build("db-backups", {
      environment: "staging",
      encryption: backup.BucketEncryption.s3Managed(),
      jobAccess: JOB_ACCESS,
    });
    const registrations = record.registrations;
    expect(registrations.filter((r) => r.type === "aws:kms/key:Key")).toEqual([]);
    expect(named(registrations, "db-backups-encryption").inputs["rules"]).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: false },
    ]);
    expect(parsePolicy(named(registrations, "db-backups-policy")).Statement.map((s) => s.Sid)).toEqual([
      "DenyInsecureTransport",
      "DenyUploadsWithoutBucketEncryption",
    ]);
    const jobPolicy = JSON.parse(named(registrations, "db-backups-job-policy").inputs["policy"] as string) as { Statement: { Sid: string }[] };
    expect(jobPolicy.Statement.map((s) => s.Sid)).toEqual(["ReadWriteBackupObjects", "ListBackupPrefix"]);
    expect(outputs["kmsKeyArn"]).toBeUndefined();
  });

  it("an existing KMS key is used, not created", async () => {
    const existing = `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/existing`;
    const { record, outputs } = await build("db-backups", {
      environment: "production",
      encryption: backup.BucketEncryption.kms({ existingKeyArn: existing }),
    });
    expect(record.registrations.filter((r) => r.type === "aws:kms/key:Key")).toEqual([]);
    expect(named(record.registrations, "db-backups-encryption").inputs["rules"]).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: existing }, bucketKeyEnabled: true },
    ]);
    expect(outputs["kmsKeyArn"]).toBe(existing);
  });

  it("explicit protect and retainOnDelete win over the environment", async () => {
    const { record } = await build("db-backups", { environment: "production", protect: false, retainOnDelete: false });
    expect(record.registrations.filter((r) => r.protect || r.retainOnDelete)).toEqual([]);
    const staging = await build("db-backups", { environment: "staging", protect: true });
    expect(only(staging.record.registrations, "aws:s3/bucket:Bucket")).toMatchObject({ protect: true, retainOnDelete: false });
  });

  it("a longer retention with a STANDARD_IA transition, a bucket name, a prefix and tags", async () => {
    const { record, outputs } = await build("db-backups", {
      environment: "staging",
      bucketName: "acme-staging-db-backups",
      prefix: "myapp",
      retentionDays: 90,
      frequentRetentionDays: 3,
      infrequentAccessAfterDays: 30,
      walArchive: true,
      tags: { team: "platform", component: "ignored" },
    });
    expect(only(record.registrations, "aws:s3/bucket:Bucket").inputs).toEqual({
      bucket: "acme-staging-db-backups",
      forceDestroy: false,
      tags: { component: "backup", environment: "staging", team: "platform" },
    });
    const rules = named(record.registrations, "db-backups-lifecycle").inputs["rules"] as { id: string }[];
    expect(rules.map((rule) => rule.id)).toEqual([
      "expire-frequent-backups",
      "expire-daily-backups",
      "expire-backups-of-the-previous-layout",
      "expire-wal-archive",
      "clean-up-delete-markers-and-uploads",
    ]);
    expect(rules[0]).toMatchObject({ filter: { prefix: "myapp/frequent/" }, expiration: { days: 3 } });
    expect(rules[1]).toEqual({
      id: "expire-daily-backups",
      status: "Enabled",
      filter: { prefix: "myapp/daily/" },
      expiration: { days: 90 },
      transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
      noncurrentVersionExpiration: { noncurrentDays: 7 },
    });
    expect(rules[3]).toMatchObject({ filter: { prefix: "myapp/wal/" }, expiration: { days: 91 } });
    expect(outputs["bucketName"]).toBe("acme-staging-db-backups");
  });
});

describe("BackupBucket validation", () => {
  beforeAll(async () => {
    installMocks();
    backup ??= await import("../../../infra/backup/index.js");
  });

  it.each([
    [
      "the transition with the seed's 30-day retention",
      { environment: "staging", infrequentAccessAfterDays: 30 },
      'BackupBucket "db-backups": infrequentAccessAfterDays (30) must be less than the retention (30 days): a backup that expires first is never moved; leave it out or raise the retention above 30',
    ],
    [
      "frequent backups kept longer than the daily ones",
      { environment: "staging", retentionDays: 7, frequentRetentionDays: 8 },
      'BackupBucket "db-backups": frequentRetentionDays (8) must not exceed the retention of the daily backups (7 days): every backup would outlive the daily ones; lower it or raise the retention',
    ],
    [
      "forceDestroy in production",
      { environment: "production", forceDestroy: true },
      'BackupBucket "db-backups": forceDestroy must not be true in production: it lets `pulumi destroy` delete every backup; remove it',
    ],
    [
      "an unknown environment",
      { environment: "prod" },
      'BackupBucket "db-backups": environment "prod" must be one of development, staging, production',
    ],
    [
      "a bucket name with capitals",
      { environment: "staging", bucketName: "DB_Backups" },
      `BackupBucket "db-backups": bucketName "DB_Backups" must be 3 to 63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit`,
    ],
    [
      "a KMS deletion window over 30 days",
      { environment: "staging", encryption: "kms-window-45" },
      'BackupBucket "db-backups": encryption: deletionWindowInDays must be a whole number from 7 to 30, not 45',
    ],
    [
      "a ServiceAccount name with capitals",
      { environment: "staging", jobAccess: { ...JOB_ACCESS, serviceAccountName: "DB" } },
      `BackupBucket "db-backups": jobAccess: serviceAccountName "DB" must be a DNS-1123 subdomain (lower-case letters, digits, '-', '.')`,
    ],
  ])("refuses %s, before registering anything", (_case, rawArgs, message) => {
    const args = { ...rawArgs } as Record<string, unknown>;
    if (args["encryption"] === "kms-window-45") args["encryption"] = backup.BucketEncryption.kms({ deletionWindowInDays: 45 });
    expect(() => new backup.BackupBucket("db-backups", args as unknown as BackupModule.BackupBucketArgs)).toThrow(message);
  });

  it("refuses a component name that cannot become a bucket name", () => {
    expect(() => new backup.BackupBucket("DbBackups", { environment: "staging" })).toThrow(
      `BackupBucket "DbBackups": the component name "DbBackups" gives the bucket name "DbBackups-bucket-<random>", which must be 3 to 63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit; rename the component or set bucketName`,
    );
  });

  it("reports every problem at once", () => {
    expect(() => new backup.BackupBucket("db-backups", { environment: "staging", retentionDays: 0, prefix: "/x" })).toThrow(
      /prefix "\/x" must be .*; retentionDays must be a positive whole number of days, not 0/,
    );
  });
});
