/**
 * Values that only exist once `pulumi up` has created something (a bucket's generated name, a KMS
 * key ARN, an IAM role ARN). The charts carry a readable placeholder, `${pulumi:<reference>}`, so
 * `dist/` shows what will be filled in; the Pulumi program replaces each placeholder with the
 * resource's output before it registers the object (see `resolveDeferredValues`).
 */
const DEFERRED = /^\$\{pulumi:([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+)\}$/;

/** The placeholder for the output `reference`, e.g. `deferredValue("backupBucket.kmsKeyArn")`. */
export function deferredValue(reference: string): string {
  const value = `\${pulumi:${reference}}`;
  if (!DEFERRED.test(value)) throw new Error(`deferredValue("${reference}"): use <resource>.<output>, letters and digits only`);
  return value;
}

/** The reference inside a placeholder, or undefined when `value` is a plain value. */
export function deferredReference(value: string): string | undefined {
  return DEFERRED.exec(value)?.[1];
}
