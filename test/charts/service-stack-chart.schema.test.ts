import { describe, expect, it } from "vitest";
import { buildStackObjects, type KubernetesObject } from "../../synth/synthesize.js";
import { committedStack, findObject, objectsOf } from "../support/stacks.js";
import { validateAgainstSchema } from "../support/kubernetes-schema.js";

describe.each(["staging", "production"])("%s manifests", (stack) => {
  const objects = objectsOf(committedStack(stack));

  it.each(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const))("%s validates against the Kubernetes OpenAPI schema", async (_name, object) => {
    await expect(validateAgainstSchema(object)).resolves.toBeUndefined();
  });

  it("the validator catches a schema violation (wrong type)", async () => {
    const deployment = structuredClone(findObject(objects, "Deployment"));
    deployment.spec.template.spec.containers[0].ports[0].containerPort = "eighty";
    await expect(validateAgainstSchema(deployment as KubernetesObject)).rejects.toThrow(/Deployment\/myapp is invalid/);
  });

  it("is deterministic: the same config gives the same objects", () => {
    expect(JSON.stringify(buildStackObjects(committedStack(stack)))).toBe(JSON.stringify(objects));
  });

  it("matches the reviewed snapshot", () => {
    expect(objects).toMatchSnapshot();
  });
});
