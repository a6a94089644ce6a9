/**
 * Guardrails on S3 buckets (in this project, the backup bucket): encrypted, versioned, closed to the
 * public. With AWS provider v6+, these settings are separate resources attached to the bucket
 * (BucketVersioning, BucketServerSideEncryptionConfiguration, BucketPublicAccessBlock), so each rule
 * has two halves: `checkEach` judges one configuration resource (status Suspended, a flag left false),
 * `checkAll` finds buckets that have no such resource at all.
 */
import type { CloudResource, Finding, ObjectRef, PolicyRule } from "../types.js";
import { asArray, field, isObject } from "../kubernetes/workloads.js";

const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const VERSIONING_TYPES = new Set(["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"]);
const ENCRYPTION_TYPES = new Set([
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
]);
const PUBLIC_ACCESS_BLOCK_TYPE = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ACL_TYPES = new Set(["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"]);
const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const SSE_ALGORITHMS = new Set(["aws:kms", "aws:kms:dsse", "AES256"]);
const PUBLIC_ACCESS_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;

/** Whether a resource is an S3 bucket the rules apply to. */
export function isBucket(resource: CloudResource): boolean {
  return BUCKET_TYPES.has(resource.type);
}

const refOf = (resource: CloudResource): ObjectRef => ({ kind: resource.type, name: resource.name });

/**
 * Whether `config` (a bucket-level resource) configures `bucket`: through the engine's property
 * dependency on the bucket's URN, or through its `bucket` input naming the bucket or its ID.
 */
export function configures(config: CloudResource, bucket: CloudResource): boolean {
  if (bucket.urn !== undefined && (config.propertyDependencies?.bucket ?? []).includes(bucket.urn)) return true;
  const target = config.props.bucket;
  if (typeof target !== "string" || target === "") return false;
  return target === bucket.id || target === bucket.props.bucket;
}

function bucketRule(spec: {
  id: string;
  description: string;
  configTypes: (type: string) => boolean;
  inline: (bucket: CloudResource) => boolean;
  judge: (resource: CloudResource) => { message: string; fix: string } | undefined;
  missing: (bucket: CloudResource) => { message: string; fix: string };
}): PolicyRule<CloudResource> {
  return {
    id: spec.id,
    level: "mandatory",
    description: spec.description,
    checkEach: (resource) => {
      const problem = spec.judge(resource);
      return problem === undefined ? [] : [{ object: refOf(resource), ...problem }];
    },
    checkAll: (resources) =>
      resources
        .filter(isBucket)
        .filter((bucket) => !spec.inline(bucket) && !resources.some((config) => spec.configTypes(config.type) && configures(config, bucket)))
        .map((bucket): Finding => ({ object: refOf(bucket), ...spec.missing(bucket) })),
  };
}

export const bucketEncryptedRule = bucketRule({
  id: "s3-bucket-encrypted",
  description: "Every S3 bucket has default server-side encryption (SSE-KMS or SSE-S3).",
  configTypes: (type) => ENCRYPTION_TYPES.has(type),
  inline: (bucket) => typeof field(bucket.props, "serverSideEncryptionConfiguration", "rule", "applyServerSideEncryptionByDefault", "sseAlgorithm") === "string",
  judge: (resource) => {
    if (!ENCRYPTION_TYPES.has(resource.type)) return undefined;
    const rules = asArray(resource.props.rules).filter(isObject);
    const algorithms = rules.map((rule) => field(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm"));
    if (algorithms.length > 0 && algorithms.every((algorithm) => typeof algorithm === "string" && SSE_ALGORITHMS.has(algorithm))) return undefined;
    return {
      message: `the encryption configuration sets no default algorithm (got ${JSON.stringify(algorithms)})`,
      fix: "set rules[0].applyServerSideEncryptionByDefault.sseAlgorithm to aws:kms (with kmsMasterKeyId) or AES256",
    };
  },
  missing: () => ({
    message: "the bucket has no BucketServerSideEncryptionConfiguration",
    fix: "add an aws.s3.BucketServerSideEncryptionConfiguration for it (BackupBucket does: BucketEncryption.kms() by default)",
  }),
});

export const bucketVersionedRule = bucketRule({
  id: "s3-bucket-versioned",
  description: "Every S3 bucket has versioning enabled, so a deleted or overwritten object can be recovered.",
  configTypes: (type) => VERSIONING_TYPES.has(type),
  inline: (bucket) => field(bucket.props, "versioning", "enabled") === true,
  judge: (resource) => {
    if (!VERSIONING_TYPES.has(resource.type)) return undefined;
    const status = field(resource.props, "versioningConfiguration", "status");
    return status === "Enabled"
      ? undefined
      : { message: `versioning status is ${JSON.stringify(status ?? null)}, not Enabled`, fix: 'set versioningConfiguration.status to "Enabled"' };
  },
  missing: () => ({
    message: "the bucket has no BucketVersioning: a deleted or overwritten backup is lost for good",
    fix: 'add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled" (BackupBucket does)',
  }),
});

export const bucketPublicAccessRule = bucketRule({
  id: "s3-bucket-public-access-blocked",
  description: "Every S3 bucket has a public access block with all four settings on, and no public ACL.",
  configTypes: (type) => type === PUBLIC_ACCESS_BLOCK_TYPE,
  inline: () => false,
  judge: (resource) => {
    if (resource.type === PUBLIC_ACCESS_BLOCK_TYPE) {
      const off = PUBLIC_ACCESS_FLAGS.filter((flag) => resource.props[flag] !== true);
      return off.length === 0 ? undefined : { message: `the public access block leaves ${off.join(", ")} off`, fix: `set ${off.join(", ")} to true` };
    }
    const acl = isBucket(resource) ? resource.props.acl : ACL_TYPES.has(resource.type) ? resource.props.acl : undefined;
    return typeof acl === "string" && PUBLIC_ACLS.has(acl)
      ? { message: `the ACL "${acl}" opens the bucket's objects`, fix: "remove the ACL; enforce BucketOwnerEnforced object ownership (ACLs disabled) and grant access with IAM" }
      : undefined;
  },
  missing: () => ({
    message: "the bucket has no BucketPublicAccessBlock: a policy or ACL change could make it public",
    fix: "add an aws.s3.BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets true (BackupBucket does)",
  }),
});

export const S3_BUCKET_RULES: readonly PolicyRule<CloudResource>[] = [bucketEncryptedRule, bucketVersionedRule, bucketPublicAccessRule];
