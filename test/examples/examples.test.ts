import { beforeAll, describe, expect, it } from "vitest";
import { checkKubernetesManifests, formatViolation, mandatoryViolations } from "../../policies/index.js";
import type { KubernetesManifest } from "../../policies/types.js";
import { validateAgainstSchema } from "../support/kubernetes-schema.js";
import { ensureBuild } from "./ensure-build.js";

// The examples import "go-service-stack", i.e. build/ through the package's exports map.
let examples: Record<string, () => KubernetesManifest[]> = {};

beforeAll(async () => {
  ensureBuild();
  const { synthOrders } = await import("../../examples/orders/index.js");
  const { synthWorker } = await import("../../examples/worker/index.js");
  examples = { orders: synthOrders as () => KubernetesManifest[], worker: synthWorker as () => KubernetesManifest[] };
}, 200_000);

describe.each(["orders", "worker"])("example %s", (name) => {
  const objects = () => (examples[name] as () => KubernetesManifest[])();

  it("synthesizes objects valid against the Kubernetes schema", async () => {
    for (const object of objects()) await validateAgainstSchema(object);
  });

  it("passes every mandatory guardrail", () => {
    expect(mandatoryViolations(checkKubernetesManifests(objects())).map(formatViolation)).toEqual([]);
  });

  it("is deterministic", () => {
    expect(JSON.stringify(objects())).toBe(JSON.stringify(objects()));
  });
});

describe("examples' shapes", () => {
  it("orders: a second HTTP service with its own host, scaling and a backup CronJob", () => {
    const objects = (examples.orders as () => KubernetesManifest[])();
    const kinds = objects.map((o) => `${o.kind}/${o.metadata?.name}`);
    expect(kinds).toEqual(expect.arrayContaining(["Deployment/orders", "Ingress/orders", "HorizontalPodAutoscaler/orders", "CronJob/orders-db-backup"]));
    expect(objects.every((o) => o.kind === "Namespace" || o.metadata?.namespace === "orders")).toBe(true);
  });

  it("worker: no Ingress and no HorizontalPodAutoscaler, two fixed replicas with a budget", () => {
    const objects = (examples.worker as () => KubernetesManifest[])();
    expect(objects.map((o) => o.kind)).not.toContain("Ingress");
    expect(objects.map((o) => o.kind)).not.toContain("HorizontalPodAutoscaler");
    expect(objects.find((o) => o.kind === "Deployment")?.spec).toMatchObject({ replicas: 2 });
    expect(objects.map((o) => o.kind)).toContain("PodDisruptionBudget");
  });
});
