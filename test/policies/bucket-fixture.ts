/** The resources BackupBucket registers, captured with Pulumi's mocks, as the policies see them. */
import * as pulumi from "@pulumi/pulumi";
import { BackupBucket, type BackupBucketArgs } from "../../infra/backup/backup-bucket.js";
import type { CloudResource } from "../../policies/types.js";

export async function backupBucketResources(args: BackupBucketArgs = { environment: "production" }): Promise<CloudResource[]> {
  const captured: CloudResource[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource(resource) {
        const isBucket = resource.type === "aws:s3/bucket:Bucket";
        const id = isBucket ? String(resource.inputs.bucket ?? `${resource.name}-1a2b3c4`) : `${resource.name}-id`;
        captured.push({ type: resource.type, name: resource.name, props: resource.inputs, id });
        const state = isBucket ? { ...resource.inputs, bucket: id, arn: `arn:aws:s3:::${id}` } : { ...resource.inputs, arn: `arn:aws:kms:eu-west-1:123456789012:key/${resource.name}` };
        return { id, state };
      },
      call: (call) => call.inputs,
    },
    "project",
    "stack",
    false,
  );
  const bucket = new BackupBucket("backups", args);
  // Wait until every child registered with resolved inputs (the bucket-level resources need the bucket's ID).
  await new Promise<void>((resolve) => pulumi.all([bucket.bucketName, bucket.bucketArn, bucket.kmsKeyArn]).apply(() => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return structuredClone(captured.filter((resource) => resource.type.startsWith("aws:s3/")));
}
