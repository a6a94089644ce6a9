import { describe, expect, it } from "vitest";
import { deferredReference, deferredValue } from "../../charts/deferred-value.js";

describe("deferred values", () => {
  it("round-trips a reference through its placeholder", () => {
    expect(deferredValue("backupBucket.roleArn")).toBe("${pulumi:backupBucket.roleArn}");
    expect(deferredReference(deferredValue("backupBucket.roleArn"))).toBe("backupBucket.roleArn");
  });

  it.each(["arn:aws:iam::123456789012:role/x", "${pulumi:noDot}", "prefix ${pulumi:a.b}", "${pulumi:a.b} suffix"])("%j is a plain value", (value) => {
    expect(deferredReference(value)).toBeUndefined();
  });

  it("refuses a reference that is not <resource>.<output>", () => {
    expect(() => deferredValue("bucket")).toThrow('deferredValue("bucket"): use <resource>.<output>, letters and digits only');
  });
});
