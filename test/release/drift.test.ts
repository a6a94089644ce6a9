// The drift diff and its filtering, on engine events captured from real refresh previews of the local
// stack (fixtures/drift-*.events.json, from test/e2e/drift), and on objects built here for the rules
// the captures do not reach.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { type DriftContext, objectDrift, ownersOf, structuralDiff } from "../../release/drift-diff.js";
import { driftFromEvents, heldLocks, type LabelledObjects, unmanagedObjects } from "../../release/drift.js";
import { driftMarker, renderDriftMarkdown } from "../../release/drift-report.js";
import { SECRET_SIGNATURE, SECRET_SIGNATURE_KEY } from "../../release/secret-mask.js";

function fixture(name: string): EngineEvent[] {
  return JSON.parse(readFileSync(new URL(`fixtures/${name}.events.json`, import.meta.url), "utf8")) as EngineEvent[];
}

const handEdits = driftFromEvents(fixture("drift-hand-edits"));
const hpaScaled = driftFromEvents(fixture("drift-hpa-scaled"));

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";

describe("drift from the refresh of a stack edited by hand (kubectl set image, set env, scale, label; a NetworkPolicy rule patched; the PDB deleted)", () => {
  it("compares every resource of the state and finds exactly the objects changed by hand", () => {
    expect(handEdits.refreshComplete).toBe(true);
    expect(handEdits.compared).toBe(18);
    expect(handEdits.drifted.map((d) => [d.type, d.name, d.state])).toEqual([
      [DEPLOYMENT, "myapp-local/myapp", "modified"],
      [NETWORK_POLICY, "myapp-local/myapp", "modified"],
      [PDB, "myapp-local/myapp", "deleted"],
    ]);
  });

  it.each([
    [DEPLOYMENT, "spec.template.spec.containers[app].image", "changed", "registry.example.com/myapp:v1.4.2", "registry.example.com/myapp:v1.4.3"],
    [DEPLOYMENT, "spec.template.spec.containers[app].env[EXTRA_FLAG]", "added", undefined, { name: "EXTRA_FLAG", value: "on" }],
    [DEPLOYMENT, "spec.replicas", "changed", 2, 3],
    [DEPLOYMENT, "metadata.labels.hand-label", "added", undefined, "yes"],
    [NETWORK_POLICY, "spec.ingress[0].ports[0].port", "changed", 8080, 8081],
  ])("%s reports %s (%s: %j → %j)", (type, path, kind, deployed, live) => {
    const field = handEdits.drifted.find((d) => d.type === type)?.fields.find((f) => f.path === path);
    expect(field).toMatchObject({ kind, deployed, live });
    expect(field?.owners.some((o) => o.startsWith("kubectl"))).toBe(true);
  });

  it("reports nothing else of the Deployment: its revision, generation, status and managedFields are not drift", () => {
    expect(handEdits.drifted.find((d) => d.type === DEPLOYMENT)?.fields).toHaveLength(4);
  });

  it.each([
    ["metadata.resourceVersion", /bookkeeping/],
    ["metadata.generation", /bookkeeping/],
    ['metadata.annotations["deployment.kubernetes.io/revision"]', /annotation controllers write/],
    ["status.observedGeneration", /^status/],
    ["status.updatedReplicas", /^status/],
  ])("ignores the Deployment's %s (%s)", (path, reason) => {
    const ignored = handEdits.ignored.find((i) => i.type === DEPLOYMENT && i.path === path);
    expect(ignored?.reason).toMatch(reason);
  });

  it("repairs by a JSON patch only the fields the program does not set, removals guarded by a test of the live value", () => {
    expect(handEdits.repairs).toHaveLength(1);
    const [repair] = handEdits.repairs;
    expect(repair).toMatchObject({ kind: "Deployment", name: "myapp", namespace: "myapp-local", fields: ["metadata.labels.hand-label", "spec.template.spec.containers[app].env[EXTRA_FLAG]"] });
    const ops = repair?.operations ?? [];
    expect(ops.map((o) => o.op)).toEqual(["test", "remove", "test", "remove"]);
    // Deepest list index first would not matter here; the label's pointer escapes nothing.
    expect(ops.filter((o) => o.op === "remove").map((o) => o.path)).toEqual(expect.arrayContaining(["/metadata/labels/hand-label", expect.stringMatching(/^\/spec\/template\/spec\/containers\/0\/env\/\d+$/)]));
    expect(ops.find((o) => o.op === "test" && o.path.includes("/env/"))?.value).toEqual({ name: "EXTRA_FLAG", value: "on" });
  });
});

describe("drift of a stack with nothing deployed yet (the preview of a first deploy)", () => {
  it("is a complete refresh of nothing: no drift, nothing to compare", () => {
    const empty = driftFromEvents(fixture("create"));
    expect(empty).toMatchObject({ refreshComplete: true, compared: 0, drifted: [], repairs: [] });
  });
});

describe("drift from the refresh of an autoscaled stack after the HPA changed the replicas", () => {
  it("finds no drift", () => {
    expect(hpaScaled.refreshComplete).toBe(true);
    expect(hpaScaled.drifted).toEqual([]);
  });

  it("ignores the Deployment's replicas as the HPA's", () => {
    expect(hpaScaled.ignored.find((i) => i.type === DEPLOYMENT && i.path === "spec.replicas")?.reason).toMatch(/autoscaled Deployment/);
  });
});

/** A managedFields entry owning the given fieldsV1 tree. */
const managed = (manager: string, fieldsV1: object, subresource?: string) => ({ manager, operation: "Update", fieldsV1, ...(subresource === undefined ? {} : { subresource }) });
const context = (extra: Partial<DriftContext> = {}): DriftContext => ({ autoscaled: new Set(), driftedConfigMaps: new Set(), ...extra });
const pulumiOwns = managed("pulumi-kubernetes-1234", { "f:spec": { "f:replicas": {}, "f:template": { "f:metadata": { "f:annotations": { "f:checksum/config": {} } } } } });

describe("what is not drift", () => {
  const base = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "myapp", namespace: "ns", managedFields: [pulumiOwns] }, spec: { replicas: 2, template: { metadata: { annotations: { "checksum/config": "aaa" } } } } };

  it.each<[string, object, object, DriftContext, RegExp | undefined]>([
    ["a field defaulted by the API server (no field manager owns it)", base, { ...base, spec: { ...base.spec, revisionHistoryLimit: 10 } }, context(), /defaulted/],
    [
      "a field only a controller owns",
      base,
      { ...base, metadata: { ...base.metadata, managedFields: [pulumiOwns, managed("kube-controller-manager", { "f:spec": { "f:paused": {} } })] }, spec: { ...base.spec, paused: false } },
      context(),
      /controller/,
    ],
    [
      "a field written through the status subresource",
      base,
      { ...base, metadata: { ...base.metadata, managedFields: [pulumiOwns, managed("some-operator", { "f:spec": { "f:minReadySeconds": {} } }, "status")] }, spec: { ...base.spec, minReadySeconds: 5 } },
      context(),
      /controller/,
    ],
    ["the replicas of an autoscaled Deployment, whoever scaled it", base, { ...base, spec: { ...base.spec, replicas: 7 }, metadata: { ...base.metadata, managedFields: [managed("kubectl", { "f:spec": { "f:replicas": {} } }, "scale")] } }, context({ autoscaled: new Set(["ns/myapp"]) }), /autoscaled/],
    ["the checksum/config of an unchanged ConfigMap", base, { ...base, spec: { ...base.spec, template: { metadata: { annotations: { "checksum/config": "bbb" } } } } }, context(), /checksum of an unchanged ConfigMap/],
    ["the checksum/config when a ConfigMap drifted: drift", base, { ...base, spec: { ...base.spec, template: { metadata: { annotations: { "checksum/config": "bbb" } } } } }, context({ driftedConfigMaps: new Set(["ns/myapp-config"]) }), undefined],
    ["the replicas of a Deployment no HPA scales: drift", base, { ...base, spec: { ...base.spec, replicas: 7 }, metadata: { ...base.metadata, managedFields: [managed("kubectl", { "f:spec": { "f:replicas": {} } }, "scale")] } }, context(), undefined],
    ["a field added by a tool other than kubectl: drift", base, { ...base, spec: { ...base.spec, minReadySeconds: 30 }, metadata: { ...base.metadata, managedFields: [pulumiOwns, managed("k9s", { "f:spec": { "f:minReadySeconds": {} } })] } }, context(), undefined],
  ])("%s", (_what, deployed, live, ctx, ignoredAs) => {
    const drift = objectDrift(DEPLOYMENT, "ns/myapp", deployed, live, ctx);
    if (ignoredAs === undefined) {
      expect(drift.fields).toHaveLength(1);
    } else {
      expect(drift.fields).toEqual([]);
      expect(drift.ignored.map((i) => i.reason).join("\n")).toMatch(ignoredAs);
    }
  });

  it("a field someone removed that the last deploy set is drift, found by who owned it when deployed", () => {
    const deployed = { ...base, metadata: { ...base.metadata, labels: { team: "a" }, managedFields: [managed("pulumi-kubernetes-1234", { "f:metadata": { "f:labels": { "f:team": {} } } })] } };
    const live = { ...base, metadata: { ...base.metadata, labels: {}, managedFields: [] } };
    expect(objectDrift(DEPLOYMENT, "ns/myapp", deployed, live, context()).fields).toMatchObject([{ path: "metadata.labels.team", kind: "removed", deployed: "a", live: undefined }]);
  });

  it("a Secret's data is [secret], deployed and live", () => {
    const secret = (value: string) => ({ kind: "Secret", metadata: { name: "s", managedFields: [managed("kubectl-edit", { "f:data": { "f:k": {} } })] }, data: { k: value } });
    const drift = objectDrift("kubernetes:core/v1:Secret", "ns/s", secret("b2xk"), secret("bmV3"), context());
    expect(drift.fields).toMatchObject([{ path: "data.k", deployed: "[secret]", live: "[secret]" }]);
  });

  it("two secret values are not compared (the payload never reaches the events); one that stopped being secret is a change", () => {
    const wrapped = { [SECRET_SIGNATURE_KEY]: SECRET_SIGNATURE, ciphertext: "[secret]" };
    expect(structuralDiff({ a: wrapped }, { a: wrapped })).toEqual([]);
    expect(structuralDiff({ a: wrapped }, { a: "plain" })).toHaveLength(1);
  });
});

describe("list items and ownership", () => {
  it("aligns named list items by name, so an item inserted in the middle is one addition", () => {
    const env = (names: string[]) => ({ env: names.map((name) => ({ name, value: name.toLowerCase() })) });
    expect(structuralDiff(env(["A", "B"]), env(["A", "X", "B"])).map((d) => [d.kind, d.segments])).toEqual([["added", ["env", { key: "name", value: "X" }]]]);
  });

  it("finds the owner of a keyed list item and of a field under an atomic list", () => {
    const object = {
      metadata: {
        managedFields: [
          managed("kubectl-set", { "f:spec": { "f:containers": { 'k:{"name":"app"}': { "f:env": { 'k:{"name":"X"}': { ".": {}, "f:name": {}, "f:value": {} } } } } } }),
          managed("kubectl-patch", { "f:spec": { "f:ingress": {} } }),
        ],
      },
      spec: { containers: [{ name: "app", env: [{ name: "X", value: "1" }] }], ingress: [{ ports: [{ port: 1 }] }] },
    };
    expect(ownersOf(object, ["spec", "containers", { key: "name", value: "app" }, "env", { key: "name", value: "X" }])).toEqual(["kubectl-set"]);
    expect(ownersOf(object, ["spec", "ingress", 0, "ports", 0, "port"])).toEqual(["kubectl-patch"]);
    expect(ownersOf(object, ["spec", "containers", { key: "name", value: "app" }, "image"])).toEqual([]);
  });
});

describe("the lock of a self-managed backend", () => {
  it("counts the lock files other operations hold on the stack, and nothing for other backends", () => {
    const root = mkdtempSync(path.join(tmpdir(), "drift-locks-"));
    const stack = (url: string) => ({ name: "staging", workspace: { envVars: { PULUMI_BACKEND_URL: url } } }) as unknown as Parameters<typeof heldLocks>[0];
    expect(heldLocks(stack(`file://${root}`))).toBe(0);
    mkdirSync(path.join(root, ".pulumi", "locks", "organization", "go-service", "staging"), { recursive: true });
    writeFileSync(path.join(root, ".pulumi", "locks", "organization", "go-service", "staging", "abc.json"), "{}");
    mkdirSync(path.join(root, ".pulumi", "locks", "organization", "go-service", "production"), { recursive: true });
    writeFileSync(path.join(root, ".pulumi", "locks", "organization", "go-service", "production", "def.json"), "{}");
    expect(heldLocks(stack(`file://${root}`))).toBe(1);
    expect(heldLocks(stack("https://api.pulumi.com"))).toBe(0);
  });
});

describe("objects added by hand", () => {
  const listed: LabelledObjects = {
    items: [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "handmade", namespace: "myapp-local", labels: { "app.kubernetes.io/name": "myapp" } } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "myapp-config", namespace: "myapp-local", labels: { "app.kubernetes.io/name": "myapp" } } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "myapp-7c9-abcde", namespace: "myapp-local", labels: { "app.kubernetes.io/name": "myapp" }, ownerReferences: [{}] } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "someone-elses", namespace: "myapp-local", labels: { "app.kubernetes.io/name": "other" } } },
    ],
  };
  it("are the listed objects with the stack's labels that no state knows and no controller made", () => {
    expect(unmanagedObjects(listed, handEdits).map((d) => [d.type, d.name, d.state])).toEqual([["kubernetes:core/v1:ConfigMap", "myapp-local/handmade", "unmanaged"]]);
  });
});

describe("the drift report", () => {
  const outcome = { checked: true, compared: handEdits.compared, drifted: handEdits.drifted, pending: [], programErrors: [], errors: [], warnings: [] };

  it("starts with the summary, then each drifted object with the fields that differ, deployed vs live, and ends with the marker", () => {
    const markdown = renderDriftMarkdown({ stack: "staging", outcome }).markdown;
    expect(markdown.split("\n")[0]).toBe("**Drift of `staging`**: 3 drifted: 2 modified, 1 deleted, 0 added by hand (18 resources compared with the cluster)");
    expect(markdown).toContain("| `spec.template.spec.containers[app].image` | `registry.example.com/myapp:v1.4.2` | `registry.example.com/myapp:v1.4.3` |");
    expect(markdown).toContain("| `spec.template.spec.containers[app].env[EXTRA_FLAG]` | _(absent)_ | `{\"name\":\"EXTRA_FLAG\",\"value\":\"on\"}` |");
    expect(markdown).toContain("🔴 **deleted by hand** `myapp-local/myapp`");
    expect(markdown.trimEnd().endsWith(driftMarker("staging"))).toBe(true);
  });

  it("says no drift, and nothing more, when there is none", () => {
    const markdown = renderDriftMarkdown({ stack: "staging", outcome: { ...outcome, drifted: [] } }).markdown;
    expect(markdown).toBe(`**Drift of \`staging\`**: no drift (18 resources compared with the cluster)\n\n\n${driftMarker("staging")}\n`);
  });

  it("says it could not check, and why", () => {
    const markdown = renderDriftMarkdown({ stack: "staging", outcome: { ...outcome, checked: false, drifted: [], errors: ["the cluster is unreachable"] } }).markdown;
    expect(markdown.split("\n")[0]).toBe("**Drift check of `staging` failed**: could not compare the cluster with the stack");
    expect(markdown).toContain("the cluster is unreachable");
  });

  it("scrubs the stack's secret values from every value", () => {
    const drifted = [{ type: DEPLOYMENT, name: "ns/myapp", state: "modified" as const, fields: [{ path: "spec.x", segments: ["spec", "x"], kind: "changed" as const, deployed: "a", live: "token=s3cr3t-value-123", owners: ["kubectl-edit"] }] }];
    const markdown = renderDriftMarkdown({ stack: "staging", outcome: { ...outcome, drifted }, secretValues: ["s3cr3t-value-123"] }).markdown;
    expect(markdown).not.toContain("s3cr3t-value-123");
    expect(markdown).toContain("token=[secret]");
  });

  it("fits a size limit, condensing then leaving objects out with a note", () => {
    const markdown = renderDriftMarkdown({ stack: "staging", outcome }, { maxChars: 700 }).markdown;
    expect(markdown.length).toBeLessThanOrEqual(700);
    expect(markdown).toMatch(/more drifted object\(s\) are not shown|field\(s\) differ, shown in the full report/);
  });
});
