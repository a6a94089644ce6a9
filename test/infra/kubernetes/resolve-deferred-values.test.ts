import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { deferredValue } from "../../../charts/deferred-value.js";
import { resolveDeferredValues } from "../../../infra/kubernetes/resolve-deferred-values.js";
import type { KubernetesObject } from "../../../synth/synthesize.js";

const object = (env: { name: string; value: string }[]): KubernetesObject => ({
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name: "db-backup", annotations: { a: deferredValue("backupBucket.roleArn") } },
  spec: { env },
});

describe("resolveDeferredValues", () => {
  it("replaces every placeholder, at any depth, with its output and leaves the rest alone", () => {
    const roleArn = pulumi.output("arn:aws:iam::123456789012:role/backup");
    const [resolved] = resolveDeferredValues([object([{ name: "BUCKET", value: deferredValue("backupBucket.bucketName") }, { name: "X", value: "plain" }])], {
      "backupBucket.roleArn": roleArn,
      "backupBucket.bucketName": "my-bucket",
    });
    expect((resolved?.metadata as unknown as { annotations: { a: unknown } }).annotations.a).toBe(roleArn);
    expect((resolved as unknown as { spec: { env: unknown[] } }).spec.env).toEqual([
      { name: "BUCKET", value: "my-bucket" },
      { name: "X", value: "plain" },
    ]);
  });

  it("throws, naming where, when a placeholder has no output", () => {
    expect(() => resolveDeferredValues([object([])], {})).toThrow("CronJob/db-backup.metadata.annotations.a: no output for the deferred value ${pulumi:backupBucket.roleArn}");
  });
});
