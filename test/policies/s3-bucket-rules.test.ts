import { beforeAll, describe, expect, it } from "vitest";
import { CLOUD_RULES } from "../../policies/rules.js";
import { checkCloudResources } from "../../policies/run.js";
import { formatObjectRef, type CloudResource } from "../../policies/types.js";
import { backupBucketResources } from "./bucket-fixture.js";

type Mutable = { type: string; name: string; props: Record<string, unknown> };
let good: CloudResource[] = [];

const without = (type: string) => (resources: Mutable[]) => void resources.splice(resources.findIndex((r) => r.type === type), 1);
const edit = (type: string, change: (props: Record<string, unknown>) => void) => (resources: Mutable[]) => {
  const resource = resources.find((r) => r.type === type);
  if (resource === undefined) throw new Error(`no ${type}`);
  change(resource.props);
};

const BUCKET = "aws:s3/bucket:Bucket/backups-bucket";
const BREAKAGES: readonly { rule: string; object: string; mutate: (resources: Mutable[]) => void }[] = [
  { rule: "s3-bucket-encrypted", object: BUCKET, mutate: without("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration") },
  {
    rule: "s3-bucket-encrypted",
    object: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration/backups-encryption",
    mutate: edit("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", (p) => void (p.rules = [])),
  },
  { rule: "s3-bucket-versioned", object: BUCKET, mutate: without("aws:s3/bucketVersioning:BucketVersioning") },
  {
    rule: "s3-bucket-versioned",
    object: "aws:s3/bucketVersioning:BucketVersioning/backups-versioning",
    mutate: edit("aws:s3/bucketVersioning:BucketVersioning", (p) => void (p.versioningConfiguration = { status: "Suspended" })),
  },
  { rule: "s3-bucket-public-access-blocked", object: BUCKET, mutate: without("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock") },
  {
    rule: "s3-bucket-public-access-blocked",
    object: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock/backups-public-access-block",
    mutate: edit("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", (p) => void (p.restrictPublicBuckets = false)),
  },
  { rule: "s3-bucket-public-access-blocked", object: BUCKET, mutate: edit("aws:s3/bucket:Bucket", (p) => void (p.acl = "public-read")) },
];

describe("S3 bucket guardrails", () => {
  beforeAll(async () => {
    good = await backupBucketResources();
  });

  it("pass the BackupBucket's resources (SSE-KMS and SSE-S3)", async () => {
    expect(good.map((r) => r.type)).toContain("aws:s3/bucketVersioning:BucketVersioning");
    expect(checkCloudResources(good)).toEqual([]);
    expect(checkCloudResources(await backupBucketResources({ environment: "staging", bucketName: "staging-backups-example" }))).toEqual([]);
  });

  it("have a known-bad case for every rule", () => {
    expect(new Set(BREAKAGES.map((b) => b.rule))).toEqual(new Set(CLOUD_RULES.map((r) => r.id)));
  });

  it.each(BREAKAGES)("$rule fires alone on $object", ({ rule, object, mutate }) => {
    const resources = structuredClone(good) as Mutable[];
    mutate(resources);
    const violations = checkCloudResources(resources);
    expect(violations.map((v) => [v.ruleId, formatObjectRef(v.object), v.level])).toEqual([[rule, object, "mandatory"]]);
  });

  it("links configuration to buckets through the engine's property dependencies when IDs are unknown", () => {
    const bucket: CloudResource = { type: "aws:s3/bucket:Bucket", name: "b", urn: "urn:b", props: {} };
    const versioning: CloudResource = {
      type: "aws:s3/bucketVersioning:BucketVersioning",
      name: "v",
      props: { versioningConfiguration: { status: "Enabled" } },
      propertyDependencies: { bucket: ["urn:b"] },
    };
    expect(checkCloudResources([bucket, versioning]).map((v) => v.ruleId)).toEqual(["s3-bucket-encrypted", "s3-bucket-public-access-blocked"]);
  });
});
