// Every synthesized object of every stack, checked by the real API server with strict field
// validation (unknown or duplicate fields are errors, as the OpenAPI schema defines them), as a
// server-side dry run: nothing is persisted. The unit suite rejects unknown fields too
// (test/support/kubernetes-schema.ts); this is the API server's own word, with the real
// prometheus-operator CRDs (schemas included) for ServiceMonitor and PrometheusRule.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Yaml } from "cdk8s";
import { listStackFiles, readProjectName } from "../../../config/stack-files.js";
import { resolveStackFile } from "../../../config/resolve-stack-config.js";
import { buildStackObjects, type KubernetesObject } from "../../../synth/synthesize.js";
import { ensureMonitoringCrds, kubectl, repoRoot, toolsEnv } from "../release/environment.js";

const project = readProjectName(repoRoot);
const stacks = listStackFiles(repoRoot);
const suffix = Date.now().toString(36);

/** The stack's objects, moved to a throw-away namespace so that runs never collide. */
function objectsOf(stack: string, namespace: string): KubernetesObject[] {
  const file = stacks.find((s) => s.stack === stack);
  if (file === undefined) throw new Error(`no stack ${stack}`);
  const text = readFileSync(file.path, "utf8");
  const resolved = resolveStackFile(text, { project, stack, file: file.file });
  const moved = { ...resolved, config: { ...resolved.config, namespace } };
  return buildStackObjects(moved);
}

describe("strict server-side validation of every stack's manifests", () => {
  let env: Record<string, string>;
  const created: string[] = [];

  beforeAll(async () => {
    env = toolsEnv();
    await ensureMonitoringCrds(env);
  });

  afterAll(async () => {
    for (const namespace of created) await kubectl(env, "delete", "namespace", namespace, "--wait=false", "--ignore-not-found").catch(() => undefined);
  });

  const dryRun = async (objects: readonly KubernetesObject[]): Promise<string> => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "dry-run-")), "objects.yaml");
    writeFileSync(file, Yaml.stringify(...objects));
    return kubectl(env, "apply", "--dry-run=server", "--validate=strict", "-f", file);
  };

  it.each(stacks.map((s) => s.stack))("%s: the API server accepts every object", async (stack) => {
    const namespace = `validate-${stack}-${suffix}`.slice(0, 63);
    const objects = objectsOf(stack, namespace);
    // A dry run persists nothing, so the namespace the other objects go into must exist for real.
    const ns = objects.filter((o) => o.kind === "Namespace");
    const file = path.join(mkdtempSync(path.join(tmpdir(), "ns-")), "ns.yaml");
    writeFileSync(file, Yaml.stringify(...ns));
    await kubectl(env, "apply", "-f", file);
    created.push(namespace);
    const out = await dryRun(objects.filter((o) => o.kind !== "Namespace"));
    const lines = out.trim().split("\n");
    expect(lines).toHaveLength(objects.length - 1);
    for (const line of lines) expect(line).toMatch(/ (created|configured|unchanged) \(server dry run\)$/);
  });

  it("the check can fail: an unknown field is refused, by name", async () => {
    const namespace = `validate-neg-${suffix}`;
    const objects = objectsOf("production", namespace);
    const ns = objects.filter((o) => o.kind === "Namespace");
    const file = path.join(mkdtempSync(path.join(tmpdir(), "ns-")), "ns.yaml");
    writeFileSync(file, Yaml.stringify(...ns));
    await kubectl(env, "apply", "-f", file);
    created.push(namespace);
    const deployment = structuredClone(objects.find((o) => o.kind === "Deployment")) as KubernetesObject & { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    (deployment.spec.template.spec.containers[0] as Record<string, unknown>).imagePullPolicyy = "Always";
    await expect(dryRun([deployment])).rejects.toThrow(/unknown field "spec\.template\.spec\.containers\[0\]\.imagePullPolicyy"/);
  });

  it.each<[string, string, (o: Record<string, any>) => void]>([ // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests are free-form JSON
    ["ServiceMonitor", "spec.endpoints[0].intervall", (o) => (o.spec.endpoints[0].intervall = "30s")],
    ["PrometheusRule", "spec.groups[0].rules[0].expresion", (o) => (o.spec.groups[0].rules[0].expresion = "up == 0")],
  ])("the real CRDs check the monitoring objects: an unknown field of a %s is refused, by name", async (kind, field, change) => {
    const namespace = `validate-crd-${kind.toLowerCase()}-${suffix}`;
    const objects = objectsOf("production", namespace);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "ns-")), "ns.yaml");
    writeFileSync(file, Yaml.stringify(...objects.filter((o) => o.kind === "Namespace")));
    await kubectl(env, "apply", "-f", file);
    created.push(namespace);
    const object = structuredClone(objects.find((o) => o.kind === kind)) as KubernetesObject;
    await expect(dryRun([object])).resolves.toContain("(server dry run)");
    change(object as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any -- manifests are free-form JSON
    await expect(dryRun([object])).rejects.toThrow(`unknown field "${field}"`);
  });
});
