import { describe, expect, it } from "vitest";
import {
  backupBucketPolicyDocument,
  backupJobPolicyDocument,
  irsaTrustPolicy,
  oidcIssuerFromProviderArn,
} from "../../../infra/backup/policy-documents.js";

const BUCKET_ARN = "arn:aws:s3:::db-backups-1a2b3c4";
const KEY_ARN = "arn:aws:kms:eu-west-3:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ISSUER = "oidc.eks.eu-west-3.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const OIDC_ARN = `arn:aws:iam::123456789012:oidc-provider/${ISSUER}`;

describe("backupJobPolicyDocument", () => {
  it("allows exactly the object actions under the prefix, listing of the prefix, and the key", () => {
    expect(backupJobPolicyDocument({ bucketArn: BUCKET_ARN, kmsKeyArn: KEY_ARN })).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "ReadWriteBackupObjects",
          Effect: "Allow",
          Action: ["s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"],
          Resource: `${BUCKET_ARN}/backups/*`,
        },
        {
          Sid: "ListBackupPrefix",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: BUCKET_ARN,
          Condition: { StringLike: { "s3:prefix": "backups/*" } },
        },
        {
          Sid: "UseBackupKey",
          Effect: "Allow",
          Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
          Resource: KEY_ARN,
        },
      ],
    });
  });

  it("grants no delete, no wildcard action and no wildcard resource", () => {
    const document = backupJobPolicyDocument({ bucketArn: BUCKET_ARN, kmsKeyArn: KEY_ARN });
    const actions = document.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions.filter((a) => /delete|\*/i.test(a))).toEqual([]);
    const resources = document.Statement.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));
    expect(resources).not.toContain("*");
    expect(document.Statement.every((s) => s.Effect === "Allow")).toBe(true);
  });

  it("has no KMS statement for an SSE-S3 bucket", () => {
    const document = backupJobPolicyDocument({ bucketArn: BUCKET_ARN });
    expect(document.Statement.map((s) => s.Sid)).toEqual(["ReadWriteBackupObjects", "ListBackupPrefix"]);
  });

  it("scopes objects and listing to a custom prefix", () => {
    const document = backupJobPolicyDocument({ bucketArn: BUCKET_ARN, prefix: "prod/db" });
    expect(document.Statement[0]?.Resource).toBe(`${BUCKET_ARN}/prod/db/*`);
    expect(document.Statement[1]?.Condition).toEqual({ StringLike: { "s3:prefix": "prod/db/*" } });
  });

  it.each(["", "/backups", "backups/", "back*", "Backups"])("rejects the prefix %j", (prefix) => {
    expect(() => backupJobPolicyDocument({ bucketArn: BUCKET_ARN, prefix })).toThrow(
      `prefix "${prefix}" must be lower-case path segments separated by '/', with no leading or trailing '/' and no wildcard (example: backups)`,
    );
  });
});

describe("irsaTrustPolicy", () => {
  it("trusts one ServiceAccount of one cluster, for the STS audience, with StringEquals", () => {
    expect(irsaTrustPolicy({ oidcProviderArn: OIDC_ARN, namespace: "app", serviceAccountName: "db-backup" })).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AssumeFromOneServiceAccount",
          Effect: "Allow",
          Principal: { Federated: OIDC_ARN },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: {
              [`${ISSUER}:aud`]: "sts.amazonaws.com",
              [`${ISSUER}:sub`]: "system:serviceaccount:app:db-backup",
            },
          },
        },
      ],
    });
  });

  it("derives the issuer from GovCloud and China ARNs too", () => {
    expect(oidcIssuerFromProviderArn(`arn:aws-us-gov:iam::123456789012:oidc-provider/${ISSUER}`)).toBe(ISSUER);
    expect(oidcIssuerFromProviderArn(`arn:aws-cn:iam::123456789012:oidc-provider/${ISSUER}`)).toBe(ISSUER);
  });

  it.each([
    "arn:aws:iam::123456789012:role/not-a-provider",
    `arn:aws:iam::1234:oidc-provider/${ISSUER}`,
    ISSUER,
  ])("rejects %s, which is not an OIDC provider ARN", (oidcProviderArn) => {
    expect(() => irsaTrustPolicy({ oidcProviderArn, namespace: "app", serviceAccountName: "db-backup" })).toThrow(
      `oidcProviderArn "${oidcProviderArn}" is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer>, the cluster's openIdConnectProvider ARN`,
    );
  });
});

describe("backupBucketPolicyDocument", () => {
  it("with SSE-KMS denies plain HTTP, uploads without aws:kms and uploads naming another key", () => {
    expect(backupBucketPolicyDocument({ bucketArn: BUCKET_ARN, sseAlgorithm: "aws:kms", kmsKeyArn: KEY_ARN })).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [BUCKET_ARN, `${BUCKET_ARN}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
          Sid: "DenyUploadsWithoutBucketEncryption",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
          Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" } },
        },
        {
          Sid: "DenyUploadsWithAnotherKmsKey",
          Effect: "Deny",
          Principal: "*",
          Action: "s3:PutObject",
          Resource: `${BUCKET_ARN}/*`,
          Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY_ARN } },
        },
      ],
    });
  });

  it("with SSE-S3 requires AES256 and has no key statement", () => {
    const document = backupBucketPolicyDocument({ bucketArn: BUCKET_ARN, sseAlgorithm: "AES256" });
    expect(document.Statement.map((s) => s.Sid)).toEqual(["DenyInsecureTransport", "DenyUploadsWithoutBucketEncryption"]);
    expect(document.Statement[1]?.Condition).toEqual({ StringNotEquals: { "s3:x-amz-server-side-encryption": "AES256" } });
  });

  it("only denies: it grants nothing to anyone", () => {
    const document = backupBucketPolicyDocument({ bucketArn: BUCKET_ARN, sseAlgorithm: "aws:kms", kmsKeyArn: KEY_ARN });
    expect(document.Statement.every((s) => s.Effect === "Deny")).toBe(true);
  });
});
