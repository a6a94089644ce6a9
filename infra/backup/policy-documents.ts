/**
 * Pure builders for the IAM and S3 documents of the backup bucket: no Pulumi runtime, plain
 * strings in, plain JSON-serialisable objects out, so that every statement is unit-tested.
 */
import { COMMON_DEFAULTS } from "../../config/environment-defaults.js";
import { backupPrefixProblem, oidcProviderIssuer } from "../../config/validators.js";

/** An IAM condition block: operator → condition key → value(s). */
export type PolicyCondition = Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;

/** One statement of an IAM policy document. */
export interface PolicyStatement {
  /** Statement id, unique in the document, saying what the statement is for, e.g. "ReadWriteBackupObjects". */
  readonly Sid: string;
  /** Whether the statement allows or denies; an explicit Deny wins over any Allow. */
  readonly Effect: "Allow" | "Deny";
  /**
   * Who the statement applies to, e.g. `{ Federated: "<OIDC provider ARN>" }`; only in resource and trust policies.
   * @default - none: an identity policy, which applies to the role it is attached to
   */
  readonly Principal?: "*" | Readonly<Record<string, string | readonly string[]>>;
  /** API actions, e.g. "s3:PutObject"; wildcards allowed. */
  readonly Action: string | readonly string[];
  /**
   * ARNs the actions apply to.
   * @default - none: trust policies name no resource
   */
  readonly Resource?: string | readonly string[];
  /**
   * Conditions that must all hold for the statement to apply.
   * @default - unconditional
   */
  readonly Condition?: PolicyCondition;
}

/** An IAM policy document (identity, resource or trust policy). */
export interface PolicyDocument {
  /** Policy language version; "2012-10-17" is the current one, and the only one with policy variables. */
  readonly Version: "2012-10-17";
  /** The statements, evaluated together (order does not matter). */
  readonly Statement: readonly PolicyStatement[];
}

/** The audience the EKS pod identity webhook puts in projected service-account tokens. */
export const STS_AUDIENCE = "sts.amazonaws.com";

/** The object-key prefix backups are written under, without slashes (the seed writes `backups/YYYY/MM/DD/…`). */
export const DEFAULT_BACKUP_PREFIX = COMMON_DEFAULTS.backup.prefix;

export { backupPrefixProblem };

/**
 * The issuer host and path (`oidc.eks.eu-west-3.amazonaws.com/id/ABC…`) of an IAM OIDC
 * provider ARN: IAM names the condition keys of web-identity trust policies after it.
 */
export function oidcIssuerFromProviderArn(oidcProviderArn: string): string {
  const issuer = oidcProviderIssuer(oidcProviderArn);
  if (issuer === undefined) {
    throw new Error(
      `oidcProviderArn "${oidcProviderArn}" is not an IAM OIDC provider ARN; expected arn:aws:iam::<account>:oidc-provider/<issuer>, the cluster's openIdConnectProvider ARN`,
    );
  }
  return issuer;
}

/** Inputs of {@link irsaTrustPolicy}. */
export interface IrsaTrustPolicyInput {
  /** ARN of the cluster's IAM OIDC identity provider. */
  readonly oidcProviderArn: string;
  /** Namespace of the Kubernetes ServiceAccount allowed to assume the role. */
  readonly namespace: string;
  /** Name of the Kubernetes ServiceAccount allowed to assume the role. */
  readonly serviceAccountName: string;
  /**
   * Audience of the projected token.
   * @default "sts.amazonaws.com"
   */
  readonly audience?: string;
}

/**
 * Trust policy for IAM Roles for Service Accounts: only tokens issued by the cluster's OIDC
 * provider, for exactly one ServiceAccount and for the STS audience, may assume the role.
 * `StringEquals` (not `StringLike`) so that no wildcard can widen it to other accounts.
 */
export function irsaTrustPolicy(input: IrsaTrustPolicyInput): PolicyDocument {
  const issuer = oidcIssuerFromProviderArn(input.oidcProviderArn);
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AssumeFromOneServiceAccount",
        Effect: "Allow",
        Principal: { Federated: input.oidcProviderArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            [`${issuer}:aud`]: input.audience ?? STS_AUDIENCE,
            [`${issuer}:sub`]: `system:serviceaccount:${input.namespace}:${input.serviceAccountName}`,
          },
        },
      },
    ],
  };
}

/** Inputs of {@link backupJobPolicyDocument}. */
export interface BackupJobPolicyInput {
  /** ARN of the backup bucket (`arn:aws:s3:::name`). */
  readonly bucketArn: string;
  /**
   * Key prefix the job may read and write.
   * @default "backups"
   */
  readonly prefix?: string;
  /**
   * ARN of the KMS key that encrypts the bucket.
   * @default - no KMS statement (SSE-S3 bucket)
   */
  readonly kmsKeyArn?: string;
}

/** Object actions of the backup job: write a dump, read one back (restore check), clean up its own multipart uploads. */
export const BACKUP_JOB_OBJECT_ACTIONS = [
  "s3:AbortMultipartUpload",
  "s3:GetObject",
  "s3:ListMultipartUploadParts",
  "s3:PutObject",
] as const;

/** KMS actions an SSE-KMS upload (GenerateDataKey, Encrypt) and download or multipart completion (Decrypt) need. */
export const BACKUP_JOB_KMS_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] as const;

/**
 * Least-privilege identity policy of the backup and restore-check jobs. No s3:DeleteObject:
 * the bucket's lifecycle rules do the retention, so a compromised job cannot erase history.
 */
export function backupJobPolicyDocument(input: BackupJobPolicyInput): PolicyDocument {
  const prefix = input.prefix ?? DEFAULT_BACKUP_PREFIX;
  const problem = backupPrefixProblem(prefix);
  if (problem !== undefined) throw new Error(`prefix ${problem}`);
  const statements: PolicyStatement[] = [
    {
      Sid: "ReadWriteBackupObjects",
      Effect: "Allow",
      Action: [...BACKUP_JOB_OBJECT_ACTIONS],
      Resource: `${input.bucketArn}/${prefix}/*`,
    },
    {
      Sid: "ListBackupPrefix",
      Effect: "Allow",
      Action: "s3:ListBucket",
      Resource: input.bucketArn,
      Condition: { StringLike: { "s3:prefix": `${prefix}/*` } },
    },
  ];
  if (input.kmsKeyArn !== undefined) {
    statements.push({
      Sid: "UseBackupKey",
      Effect: "Allow",
      Action: [...BACKUP_JOB_KMS_ACTIONS],
      Resource: input.kmsKeyArn,
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** Inputs of {@link backupBucketPolicyDocument}. */
export interface BackupBucketPolicyInput {
  /** ARN of the bucket. */
  readonly bucketArn: string;
  /** The `x-amz-server-side-encryption` value every upload must send. */
  readonly sseAlgorithm: "aws:kms" | "AES256";
  /**
   * With SSE-KMS: the only key an upload may name in `x-amz-server-side-encryption-aws-kms-key-id`.
   * @default - any key (SSE-S3 bucket)
   */
  readonly kmsKeyArn?: string;
}

/**
 * Resource policy of the backup bucket: deny plain HTTP, and deny uploads that do not ask
 * for the bucket's server-side encryption (a missing header counts as a wrong one). With
 * SSE-KMS an upload must also name the bucket's key, by ARN: without the key header S3 may
 * use the account's `aws/s3` managed key, which every principal of the account with
 * s3:GetObject can use to decrypt. Default encryption would encrypt such uploads anyway;
 * the deny makes a misconfigured client fail loudly instead of silently using another key.
 */
export function backupBucketPolicyDocument(input: BackupBucketPolicyInput): PolicyDocument {
  const objects = `${input.bucketArn}/*`;
  const statements: PolicyStatement[] = [
    {
      Sid: "DenyInsecureTransport",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [input.bucketArn, objects],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
    {
      Sid: "DenyUploadsWithoutBucketEncryption",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: objects,
      Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": input.sseAlgorithm } },
    },
  ];
  if (input.sseAlgorithm === "aws:kms" && input.kmsKeyArn !== undefined) {
    statements.push({
      Sid: "DenyUploadsWithAnotherKmsKey",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: objects,
      Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": input.kmsKeyArn } },
    });
  }
  return { Version: "2012-10-17", Statement: statements };
}
