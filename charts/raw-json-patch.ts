import { JsonPatch, type ApiObject } from "cdk8s";

/**
 * Applies JSON patches to an object's final JSON, after cdk8s-plus-28's L1 classes have converted it.
 *
 * Why: `ApiObject.addJsonPatch` patches run before that conversion, which maps every value through the
 * Kubernetes 1.28 schema: plain strings where it expects `IntOrString`/`Quantity` come out as null, and
 * fields added after 1.28 (the `sleep` lifecycle action) are dropped. Patches given here are applied last.
 */
export function addFinalJsonPatch(apiObject: ApiObject, ...patches: JsonPatch[]): void {
  const convert = apiObject.toJson.bind(apiObject);
  Object.defineProperty(apiObject, "toJson", {
    value: () => JsonPatch.apply(convert(), ...patches),
    configurable: true,
  });
}
