// The CRDs the local cluster registers for ServiceMonitor and PrometheusRule
// (scripts/cluster/crds/monitoring.coreos.com.yaml) are the operator's real ones, with their schemas,
// at the version @kubernetes-models/prometheus-operator was generated from; and the stacks' objects use
// only fields those schemas know (as the API server's strict field validation will check).
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { committedStack, findObject, objectsOf, PROJECT_DIR } from "../support/stacks.js";

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}
interface Crd {
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { names: { kind: string }; versions: { name: string; storage: boolean; schema?: { openAPIV3Schema: Schema } }[] };
}

const file = readFileSync(`${PROJECT_DIR}/scripts/cluster/crds/monitoring.coreos.com.yaml`, "utf8");
const crds = parseAllDocuments(file)
  .map((d) => d.toJSON() as Crd | null)
  .filter((d): d is Crd => d !== null);
const schemaOf = (kind: string): Schema => {
  const crd = crds.find((c) => c.spec.names.kind === kind);
  const schema = crd?.spec.versions.find((v) => v.name === "v1")?.schema?.openAPIV3Schema;
  if (schema === undefined) throw new Error(`no v1 schema for ${kind}`);
  return schema;
};

/** Fields of `value` the structural schema does not declare (as the API server's strict validation reports them). */
function unknownFields(value: unknown, schema: Schema, at = ""): string[] {
  if (value === null || typeof value !== "object" || schema["x-kubernetes-preserve-unknown-fields"] === true) return [];
  if (Array.isArray(value)) return schema.items === undefined ? [] : value.flatMap((item, i) => unknownFields(item, schema.items as Schema, `${at}[${i}]`));
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => {
    const field = at === "" ? key : `${at}.${key}`;
    // The API server checks an object's metadata against ObjectMeta, not against the CRD.
    if (at === "" && key === "metadata") return [];
    const declared = schema.properties?.[key] ?? (typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined);
    if (declared !== undefined) return unknownFields(inner, declared, field);
    return schema.additionalProperties === true || (at === "" && ["apiVersion", "kind"].includes(key)) ? [] : [field];
  });
}

describe("scripts/cluster/crds/monitoring.coreos.com.yaml", () => {
  it("holds the real CRDs of ServiceMonitor and PrometheusRule, at the operator version of @kubernetes-models/prometheus-operator", () => {
    const models = (JSON.parse(readFileSync(`${PROJECT_DIR}/package.json`, "utf8")) as { dependencies: Record<string, string> }).dependencies["@kubernetes-models/prometheus-operator"];
    const script = readFileSync(`${PROJECT_DIR}/scripts/crds/prometheus-operator-crds.sh`, "utf8");
    const operator = new RegExp(`^\\s*${(models ?? "").replace(/\./g, "\\.")}\\) operator_version=v([\\d.]+) ;;$`, "m").exec(script)?.[1];
    expect(operator, `scripts/crds/prometheus-operator-crds.sh knows no operator version for @kubernetes-models/prometheus-operator ${models}`).toBeDefined();
    expect(crds.map((c) => [c.metadata.name, c.metadata.annotations?.["operator.prometheus.io/version"]])).toEqual([
      ["servicemonitors.monitoring.coreos.com", operator],
      ["prometheusrules.monitoring.coreos.com", operator],
    ]);
    expect(file).toContain(`github.com/prometheus-operator/prometheus-operator@v${operator}`);
  });

  it.each(["ServiceMonitor", "PrometheusRule"])("%s has a schema that closes its spec (no stand-in that accepts anything)", (kind) => {
    const schema = schemaOf(kind);
    expect(schema["x-kubernetes-preserve-unknown-fields"]).toBeUndefined();
    expect(Object.keys(schema.properties?.spec?.properties ?? {}).length).toBeGreaterThan(0);
    expect(unknownFields({ spec: { misspelt: true } }, schema)).toEqual(["spec.misspelt"]);
  });

  it.each(["staging", "production"].flatMap((stack) => ["ServiceMonitor", "PrometheusRule"].map((kind) => [stack, kind])))("the %s stack's %s uses only fields the CRD declares", (stack, kind) => {
    expect(unknownFields(findObject(objectsOf(committedStack(stack)), kind), schemaOf(kind))).toEqual([]);
  });
});
