/**
 * Settings shared by {@link BackupCronJob} and {@link RestoreCheckCronJob}: where the database
 * and the bucket are, how uploads are encrypted, and the checks on those values. Every
 * environment variable the scripts read (see charts/backup/README.md) comes from here.
 */
import { readFileSync } from "node:fs";
import { COMMON_DEFAULTS } from "../../config/environment-defaults.js";
import {
  awsRegionProblem,
  backupPrefixProblem,
  bucketNameProblem,
  dataKeyProblem,
  dnsLabelProblem,
  dnsSubdomainProblem,
  iamRoleArnProblem,
  imageReferenceProblem,
  kmsKeyArnProblem,
  unpinnedImageProblem,
} from "../../config/validators.js";
import { deferredReference } from "../deferred-value.js";

export { dnsLabelProblem };

/** A key of a Kubernetes Secret in the job's namespace. */
export interface SecretKeyRef {
  /** Name of the Secret. */
  readonly name: string;
  /** Key inside the Secret. */
  readonly key: string;
}

/** libpq `sslmode` values. */
export type PgSslMode = "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";

/** The PostgreSQL database to back up (libpq `PG*` variables). */
export interface BackupDatabase {
  /** Host name of the server (`PGHOST`), such as the RDS endpoint. */
  readonly host: string;
  /**
   * Port of the server (`PGPORT`).
   * @default 5432
   */
  readonly port?: number;
  /** Database to dump (`PGDATABASE`). */
  readonly name: string;
  /** Role to connect as (`PGUSER`); needs read access to every table and sequence. */
  readonly user: string;
  /** Secret key holding the role's password (`PGPASSWORD`, never in the manifest). */
  readonly passwordSecret: SecretKeyRef;
  /**
   * TLS mode (`PGSSLMODE`).
   * @default "require"
   */
  readonly sslMode?: PgSslMode;
}

/**
 * The server-side encryption every upload asks for (`BACKUP_SSE`, `BACKUP_KMS_KEY_ID`).
 * It must match the bucket: the BackupBucket policy denies any other.
 */
export class BackupServerSideEncryption {
  /**
   * SSE-KMS with the bucket's key, named by ARN (the BackupBucket's `kmsKeyArn` output): the
   * bucket policy only accepts uploads that name this exact key ARN.
   */
  static kms(keyArn: string): BackupServerSideEncryption {
    return new BackupServerSideEncryption("aws:kms", keyArn);
  }

  /** SSE-S3 (`AES256`), for a bucket created with `BucketEncryption.s3Managed()`. */
  static s3Managed(): BackupServerSideEncryption {
    return new BackupServerSideEncryption("AES256", undefined);
  }

  private constructor(
    /** `BACKUP_SSE`. */
    readonly algorithm: "aws:kms" | "AES256",
    /** `BACKUP_KMS_KEY_ID`; undefined with SSE-S3. */
    readonly kmsKeyArn: string | undefined,
  ) {}

  /** Why the settings are not usable, or undefined. */
  problem(): string | undefined {
    if (this.kmsKeyArn !== undefined && kmsKeyArnProblem(this.kmsKeyArn) !== undefined && deferredReference(this.kmsKeyArn) === undefined) {
      return `kms key "${this.kmsKeyArn}" must be a key ARN (arn:aws:kms:<region>:<account>:key/<id>), the BackupBucket's kmsKeyArn output; the bucket policy rejects key IDs and aliases`;
    }
    return undefined;
  }
}

/** The bucket backups go to. */
export interface BackupStorage {
  /** Bucket name (`BACKUP_BUCKET`), the BackupBucket's `bucketName` output. */
  readonly bucket: string;
  /** Region of the bucket (`AWS_REGION`). */
  readonly region: string;
  /**
   * Key prefix (`BACKUP_PREFIX`); must match the BackupBucket's `prefix`.
   * @default "backups"
   */
  readonly prefix?: string;
  /**
   * S3-compatible endpoint (`AWS_ENDPOINT_URL`), for MinIO or LocalStack in tests.
   * @default - the AWS endpoint of the region
   */
  readonly endpointUrl?: string;
  /** Encryption requested on upload; must match the bucket's. */
  readonly serverSideEncryption: BackupServerSideEncryption;
}

/** Default key prefix, the same as the BackupBucket's (config/environment-defaults.ts). */
export const DEFAULT_BACKUP_PREFIX = COMMON_DEFAULTS.backup.prefix;

function secretRefProblems(prop: string, ref: SecretKeyRef): string[] {
  const problems: string[] = [];
  const nameProblem = dnsSubdomainProblem(ref.name);
  if (nameProblem !== undefined) problems.push(`${prop}.name "${ref.name}" ${nameProblem}`);
  const keyProblem = dataKeyProblem(ref.key);
  if (keyProblem !== undefined) problems.push(`${prop}.key "${ref.key}" ${keyProblem}`);
  return problems;
}

/** Problems with the database settings; each names the prop and what to change. */
export function databaseProblems(database: BackupDatabase): string[] {
  const problems: string[] = [];
  if (database.host.trim() === "" || /\s/.test(database.host)) problems.push(`database.host "${database.host}" must be a host name`);
  const port = database.port;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    problems.push(`database.port must be a whole number from 1 to 65535, not ${port}`);
  }
  if (database.name.trim() === "") problems.push("database.name must not be empty");
  if (database.user.trim() === "") problems.push("database.user must not be empty");
  problems.push(...secretRefProblems("database.passwordSecret", database.passwordSecret));
  return problems;
}

/** Problems with the storage settings; each names the prop and what to change. */
export function storageProblems(storage: BackupStorage): string[] {
  const problems: string[] = [];
  const bucket = deferredReference(storage.bucket) === undefined ? bucketNameProblem(storage.bucket) : undefined;
  if (bucket !== undefined) problems.push(`storage.bucket "${storage.bucket}" ${bucket}`);
  const region = awsRegionProblem(storage.region);
  if (region !== undefined) problems.push(`storage.region "${storage.region}" ${region}`);
  const prefix = backupPrefixProblem(storage.prefix ?? DEFAULT_BACKUP_PREFIX);
  if (prefix !== undefined) problems.push(`storage.prefix ${prefix}`);
  if (storage.endpointUrl !== undefined && !/^https?:\/\/[^\s/]+(?::\d+)?\/?$/.test(storage.endpointUrl)) {
    problems.push(`storage.endpointUrl "${storage.endpointUrl}" must be an http(s) URL with no path, such as http://minio.backup:9000`);
  }
  const sseProblem = storage.serverSideEncryption.problem();
  if (sseProblem !== undefined) problems.push(`storage.serverSideEncryption: ${sseProblem}`);
  return problems;
}

/** Problems with a job image: it must parse and be pinned, so that every run uses the same tools. */
export function imageProblem(image: string): string | undefined {
  const reason = imageReferenceProblem(image) ?? unpinnedImageProblem(image);
  return reason === undefined ? undefined : `image "${image}" ${reason}`;
}

/** Why `roleArn` is not an IAM role ARN, or undefined. */
export function roleArnProblem(roleArn: string): string | undefined {
  const reason = deferredReference(roleArn) === undefined ? iamRoleArnProblem(roleArn) : undefined;
  return reason === undefined ? undefined : `roleArn "${roleArn}" ${reason}, the BackupBucket's roleArn output`;
}

/** Problems with an optional secret reference prop. */
export function optionalSecretProblems(prop: string, ref: SecretKeyRef | undefined): string[] {
  return ref === undefined ? [] : secretRefProblems(prop, ref);
}

/** Problems with a positive whole-number prop. */
export function countProblem(prop: string, value: number | undefined, min: number): string | undefined {
  if (value === undefined) return undefined;
  return Number.isInteger(value) && value >= min ? undefined : `${prop} must be a whole number of at least ${min}, not ${value}`;
}

/**
 * Reads a script shipped next to this module (`backup.sh`, `restore-check.sh`), resolved with
 * `import.meta.url` so that the working directory does not matter.
 */
export function readBundledScript(fileName: string): string {
  const url = new URL(`./${fileName}`, import.meta.url);
  try {
    return readFileSync(url, "utf8");
  } catch (error) {
    throw new Error(`cannot read the bundled script ${url.pathname}: ${(error as Error).message}; pass the script prop instead`, {
      cause: error,
    });
  }
}
