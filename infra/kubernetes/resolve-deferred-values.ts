import type * as pulumi from "@pulumi/pulumi";
import { deferredReference } from "../../charts/deferred-value.js";
import type { KubernetesObject } from "../../synth/synthesize.js";

/**
 * Replaces every deferred-value placeholder (`${pulumi:backupBucket.roleArn}`) in the synthesized
 * objects with the output it names. A placeholder without an output is a programming error: it
 * would reach the cluster as a literal string, so it throws.
 */
export function resolveDeferredValues(
  objects: readonly KubernetesObject[],
  outputs: Readonly<Record<string, pulumi.Input<string>>>,
): KubernetesObject[] {
  const visit = (value: unknown, where: string): unknown => {
    if (typeof value === "string") {
      const reference = deferredReference(value);
      if (reference === undefined) return value;
      const output = outputs[reference];
      if (output === undefined) throw new Error(`${where}: no output for the deferred value ${value}`);
      return output;
    }
    if (Array.isArray(value)) return value.map((item, i) => visit(item, `${where}[${i}]`));
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, visit(item, `${where}.${key}`)]));
    }
    return value;
  };
  return objects.map((object) => visit(object, `${object.kind}/${object.metadata.name}`) as KubernetesObject);
}
