/** BackupJobRole on its own, under mocks (installed before the module is imported). */
import { beforeAll, describe, expect, it } from "vitest";
import type * as RoleModule from "../../../infra/backup/backup-job-role.js";
import { ACCOUNT_ID, installMocks, named, settle, valueOf } from "./pulumi-harness.js";
import type { MockRecord } from "./pulumi-harness.js";

const ISSUER = "oidc.eks.eu-west-3.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const OIDC_ARN = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${ISSUER}`;
const BUCKET_ARN = "arn:aws:s3:::acme-db-backups";
const KEY_ARN = `arn:aws:kms:eu-west-3:${ACCOUNT_ID}:key/abcd`;

let roleModule: typeof RoleModule;

describe("BackupJobRole", () => {
  let record: MockRecord;
  let roleArn: string;
  beforeAll(async () => {
    record = installMocks();
    roleModule = await import("../../../infra/backup/backup-job-role.js");
    const role = new roleModule.BackupJobRole("backup-job", {
      bucketArn: BUCKET_ARN,
      kmsKeyArn: KEY_ARN,
      prefix: "prod",
      oidcProviderArn: OIDC_ARN,
      namespace: "data",
      serviceAccountName: "pg-backup",
      tags: { team: "platform" },
    });
    roleArn = await valueOf(role.roleArn);
    await settle();
  });

  it("registers a role and its inline policy under the component", () => {
    const component = named(record.registrations, "backup-job");
    expect(component.type).toBe("seed:backup:BackupJobRole");
    expect(named(record.registrations, "backup-job-role").parentUrn).toBe(component.urn);
    expect(named(record.registrations, "backup-job-policy").parentUrn).toBe(component.urn);
    expect(record.registrations).toHaveLength(3);
  });

  it("trusts only system:serviceaccount:data:pg-backup from the cluster's OIDC provider, for sts.amazonaws.com", () => {
    const role = named(record.registrations, "backup-job-role");
    const trust = JSON.parse(role.inputs["assumeRolePolicy"] as string) as {
      Statement: { Principal: unknown; Action: unknown; Condition: unknown }[];
    };
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Federated: OIDC_ARN },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:data:pg-backup", [`${ISSUER}:aud`]: "sts.amazonaws.com" },
      },
    });
    expect(role.inputs).toMatchObject({ maxSessionDuration: 3600, tags: { team: "platform" } });
  });

  it("allows exactly these actions on exactly these resources", () => {
    const policy = JSON.parse(named(record.registrations, "backup-job-policy").inputs["policy"] as string) as {
      Statement: { Action: string | string[]; Resource: string; Condition?: unknown }[];
    };
    expect(policy.Statement.map((s) => [s.Action, s.Resource, s.Condition ?? null])).toEqual([
      [["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"], `${BUCKET_ARN}/prod/*`, null],
      ["s3:ListBucket", BUCKET_ARN, { StringLike: { "s3:prefix": "prod/*" } }],
      [["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], KEY_ARN, null],
    ]);
  });

  it("exposes and registers the role ARN", () => {
    expect(roleArn).toBe(`arn:aws:iam::${ACCOUNT_ID}:role/backup-job-role-1a2b3c4`);
    expect(record.outputs.get(named(record.registrations, "backup-job").urn)).toEqual({
      roleArn,
      roleName: "backup-job-role-1a2b3c4",
    });
  });

  it.each([
    [{ namespace: "Data" }, `namespace "Data" must be a DNS-1123 label (lower-case letters, digits, '-', at most 63 characters)`],
    [{ prefix: "prod/" }, `prefix "prod/" must be lower-case path segments separated by '/', with no leading or trailing '/' and no wildcard (example: backups)`],
    [{ maxSessionDurationSeconds: 600 }, "maxSessionDurationSeconds must be a whole number from 3600 to 43200, not 600"],
  ])("refuses %j", (override, message) => {
    installMocks();
    const args = { bucketArn: BUCKET_ARN, oidcProviderArn: OIDC_ARN, namespace: "data", serviceAccountName: "pg-backup", ...override };
    expect(() => new roleModule.BackupJobRole("backup-job", args)).toThrow(`BackupJobRole "backup-job": ${message}`);
  });
});
