import type * as pulumi from "@pulumi/pulumi";

/** Options of {@link BucketEncryption.kms}. */
export interface KmsEncryptionOptions {
  /**
   * Use this existing customer-managed key instead of creating one. Its key policy must let
   * the account's IAM policies grant use of the key (the default key policy does).
   * @default - a new key, with yearly automatic rotation, owned by the component
   */
  readonly existingKeyArn?: pulumi.Input<string>;

  /**
   * Waiting period before a deleted key is destroyed, 7 to 30 days. Every backup encrypted
   * with the key becomes unreadable when it is destroyed, hence the maximum.
   * @default 30
   */
  readonly deletionWindowInDays?: number;

  /**
   * Days between automatic rotations of the new key's material, 90 to 2560.
   * @default 365
   */
  readonly rotationPeriodInDays?: number;
}

/**
 * Server-side encryption of the backup bucket. The seed asks for AES-256: both choices use
 * AES-256-GCM on the object; they differ in who holds the key.
 *
 * - {@link BucketEncryption.kms} (default): SSE-KMS with a customer-managed key. Reading a
 *   backup needs kms:Decrypt on that key in addition to s3:GetObject, every use of the key is
 *   in CloudTrail, and revoking the key revokes every copy.
 * - {@link BucketEncryption.s3Managed}: SSE-S3 (`AES256`). No KMS cost or request quota,
 *   but anyone with s3:GetObject can read.
 */
export class BucketEncryption {
  /** SSE-KMS with a customer-managed key (created by the component unless `existingKeyArn`). */
  static kms(options: KmsEncryptionOptions = {}): BucketEncryption {
    return new BucketEncryption("aws:kms", options);
  }

  /** SSE-S3: keys managed by S3 (`x-amz-server-side-encryption: AES256`). */
  static s3Managed(): BucketEncryption {
    return new BucketEncryption("AES256", undefined);
  }

  private constructor(
    /** The value of the `x-amz-server-side-encryption` header uploads must send. */
    readonly sseAlgorithm: "aws:kms" | "AES256",
    /** KMS options; undefined for SSE-S3. */
    readonly kmsOptions: KmsEncryptionOptions | undefined,
  ) {}

  /** Problems with the options; each names the option and says what to change. */
  problems(): string[] {
    const problems: string[] = [];
    const window = this.kmsOptions?.deletionWindowInDays;
    if (window !== undefined && (!Number.isInteger(window) || window < 7 || window > 30)) {
      problems.push(`encryption: deletionWindowInDays must be a whole number from 7 to 30, not ${window}`);
    }
    const rotation = this.kmsOptions?.rotationPeriodInDays;
    if (rotation !== undefined && (!Number.isInteger(rotation) || rotation < 90 || rotation > 2560)) {
      problems.push(`encryption: rotationPeriodInDays must be a whole number from 90 to 2560, not ${rotation}`);
    }
    if (this.kmsOptions?.existingKeyArn !== undefined && (window !== undefined || rotation !== undefined)) {
      problems.push(
        "encryption: deletionWindowInDays and rotationPeriodInDays only apply to a key the component creates; remove them or remove existingKeyArn",
      );
    }
    return problems;
  }
}
