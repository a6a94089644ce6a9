// Progress lines while an update waits, from engine step events and polled objects (no cluster).
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { AwaitProgress, progressOf } from "../../release/await-progress.js";

const urn = (type: string, name: string) => `urn:pulumi:s::go-service::seed:stack:GoServiceStack$${type}::ns/${name}`;
const step = (kind: "resourcePreEvent" | "resOutputsEvent" | "resOpFailedEvent", op: string, type: string, name: string, annotations: Record<string, string> = {}): EngineEvent =>
  ({ sequence: 0, timestamp: 0, [kind]: { metadata: { op, urn: urn(type, name), type, new: { inputs: { metadata: { name, namespace: "ns", annotations } } } } } }) as unknown as EngineEvent;

describe("progress lines", () => {
  it("one line per object waiting longer than the quiet time, with where it stands and the seconds left", async () => {
    let now = 1_000_000;
    const lines: string[] = [];
    const progress = new AwaitProgress({
      access: {},
      objectTimeoutSeconds: 120,
      deadline: now + 600_000,
      log: (line) => lines.push(line),
      now: () => now,
      read: async () => [{ kind: "Deployment", metadata: { name: "myapp", generation: 2 }, spec: { replicas: 3 }, status: { observedGeneration: 2, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 3 } }],
    });
    progress.onEvent(step("resourcePreEvent", "update", "kubernetes:apps/v1:Deployment", "myapp"));
    progress.onEvent(step("resourcePreEvent", "update", "kubernetes:core/v1:ConfigMap", "myapp-config"));
    progress.onEvent(step("resOutputsEvent", "update", "kubernetes:core/v1:ConfigMap", "myapp-config"));
    now += 1_000;
    await progress.tick();
    expect(lines).toEqual([]); // within the quiet time
    now += 24_000;
    await progress.tick();
    expect(lines).toEqual(["waiting for Deployment myapp: 1/3 updated, 1/3 ready, 95 s left"]);
    now += 5_000;
    progress.onEvent(step("resOutputsEvent", "update", "kubernetes:apps/v1:Deployment", "myapp"));
    expect(progress.waits()).toEqual([
      { object: "ConfigMap myapp-config", namespace: "ns", waitedFor: "it to be stored (the kind has no status)", seconds: 0, outcome: "ready" },
      { object: "Deployment myapp", namespace: "ns", waitedFor: "its rollout to complete: every replica updated, ready and available", seconds: 30, outcome: "ready", last: "1/3 updated, 1/3 ready" },
    ]);
  });

  it("the seconds left are the object's rollout timeout or the deploy's deadline, whichever comes first", async () => {
    let now = 0;
    const lines: string[] = [];
    const progress = new AwaitProgress({ objectTimeoutSeconds: 120, deadline: 40_000, log: (line) => lines.push(line), now: () => now });
    progress.onEvent(step("resourcePreEvent", "create", "kubernetes:networking.k8s.io/v1:Ingress", "myapp"));
    now = 10_000;
    await progress.tick();
    expect(lines).toEqual(["waiting for Ingress myapp: for an address in its status (its ingress controller admitted it), 30 s left"]);
  });

  it("names, for a failed update, each object that never became ready and what it waited for", () => {
    let now = 0;
    const progress = new AwaitProgress({ objectTimeoutSeconds: 20, deadline: 60_000, log: () => undefined, now: () => now });
    const waitFor = 'jsonpath={.status.bindings[*].conditions[?(@.type=="Accepted")].status}=True';
    progress.onEvent(step("resourcePreEvent", "update", "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "myapp-rules", { "pulumi.com/waitFor": waitFor }));
    now = 20_000;
    progress.onEvent(step("resOpFailedEvent", "update", "kubernetes:monitoring.coreos.com/v1:PrometheusRule", "myapp-rules"));
    expect(progress.notReady()).toEqual([
      'PrometheusRule myapp-rules (namespace ns) did not become ready (20 s): it waited for status.bindings[*].conditions[?(@.type=="Accepted")].status = True',
    ]);
    expect(progress.waits()[0]).toMatchObject({ object: "PrometheusRule myapp-rules", outcome: "failed", seconds: 20 });
  });
});

describe("where an object stands", () => {
  it.each([
    ["Deployment", { metadata: { generation: 3 }, spec: { replicas: 2 }, status: { observedGeneration: 2, updatedReplicas: 0, readyReplicas: 2, availableReplicas: 2 } }, "rollout not observed yet, 0/2 updated, 2/2 ready"],
    ["Ingress", { status: { loadBalancer: {} } }, "no address yet"],
    ["Ingress", { status: { loadBalancer: { ingress: [{ ip: "127.0.0.1" }] } } }, "address 127.0.0.1"],
    ["HorizontalPodAutoscaler", { status: { currentReplicas: 2, desiredReplicas: 2, conditions: [{ type: "AbleToScale", status: "True" }, { type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric" }] } }, "2 replica(s), 2 desired, AbleToScale=True, ScalingActive=False (FailedGetResourceMetric)"],
    ["PrometheusRule", { spec: {} }, "no status yet"],
    ["Namespace", { status: { phase: "Active" } }, "phase Active"],
  ])("%s %j: %s", (kind, object, text) => {
    expect(progressOf(kind, { kind, ...object })).toBe(text);
  });

  it("a Service: its ready endpoints from its EndpointSlices", () => {
    const slice = { kind: "EndpointSlice", metadata: { labels: { "kubernetes.io/service-name": "myapp" } }, endpoints: [{ conditions: { ready: true } }, { conditions: { ready: false } }] };
    expect(progressOf("Service", { kind: "Service", metadata: { name: "myapp" } }, [slice])).toBe("1 of 2 endpoint(s) ready");
  });
});
