import { describe, expect, it } from "vitest";
import { parsePropertyPath, readablePath, valueAt } from "../../release/property-path.js";

describe("parsePropertyPath", () => {
  it.each([
    ["spec.replicas", ["spec", "replicas"]],
    ["spec.template.spec.containers[0].image", ["spec", "template", "spec", "containers", 0, "image"]],
    ['metadata.annotations["pulumi.com/timeoutSeconds"]', ["metadata", "annotations", "pulumi.com/timeoutSeconds"]],
    ['data["a\\"b"]', ["data", 'a"b']],
    ["tags[*]", ["tags", "*"]],
    ["stringData.JWT_SECRET", ["stringData", "JWT_SECRET"]],
  ])("%s", (path, segments) => {
    expect(parsePropertyPath(path)).toEqual(segments);
  });

  it.each(["[0", 'a["b"', ".a", "a[x]"])("rejects %s, naming it", (path) => {
    expect(() => parsePropertyPath(path)).toThrow(`malformed property path ${JSON.stringify(path)}`);
  });
});

describe("readablePath", () => {
  const pod = { spec: { template: { spec: { containers: [{ name: "myapp", env: [{ name: "A" }, { name: "LOG_LEVEL", value: "info" }], ports: [{ containerPort: 8080 }] }] } } } };

  it("names list items that have a name, keeps the index of the others", () => {
    expect(readablePath(parsePropertyPath("spec.template.spec.containers[0].env[1].value"), undefined, pod)).toBe("spec.template.spec.containers[myapp].env[LOG_LEVEL].value");
    expect(readablePath(parsePropertyPath("spec.template.spec.containers[0].ports[0].containerPort"), undefined, pod)).toBe("spec.template.spec.containers[myapp].ports[0].containerPort");
  });

  it("finds the name in the old value when the item was removed", () => {
    const after = { spec: { template: { spec: { containers: [{ name: "myapp", env: [{ name: "A" }] }] } } } };
    expect(readablePath(parsePropertyPath("spec.template.spec.containers[0].env[1]"), pod, after)).toBe("spec.template.spec.containers[myapp].env[LOG_LEVEL]");
  });

  it("quotes keys that are not identifiers", () => {
    expect(readablePath(["metadata", "annotations", "pulumi.com/timeoutSeconds"], undefined, undefined)).toBe('metadata.annotations["pulumi.com/timeoutSeconds"]');
  });
});

describe("valueAt", () => {
  it("walks objects and lists, undefined when a step is missing", () => {
    expect(valueAt({ a: [{ b: 1 }] }, ["a", 0, "b"])).toBe(1);
    expect(valueAt({ a: [] }, ["a", 0, "b"])).toBeUndefined();
    expect(valueAt("x", ["a"])).toBeUndefined();
  });
});
