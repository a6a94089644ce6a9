import { Testing } from "cdk8s";
import { describe, expect, it } from "vitest";
import { GoService } from "../../charts/go-service.js";
import { resolveBlock, productionBlock, findObject, objectsOf } from "../support/stacks.js";
import type { KubernetesObject } from "../../synth/synthesize.js";

const synth = () => {
  const chart = Testing.chart();
  new GoService(chart, "worker", { name: "report-worker", environment: "production", role: "worker", image: "registry.example.com/report-worker:v1.0.0" });
  return Testing.synth(chart) as KubernetesObject[];
};

describe('GoService with role: "worker"', () => {
  const objects = synth();
  const container = findObject(objects, "Deployment").spec.template.spec.containers[0];

  it("has only the metrics port, and probes it", () => {
    expect(container.ports).toEqual([{ containerPort: 9090, name: "metrics", protocol: "TCP" }]);
    expect(container.livenessProbe.httpGet).toMatchObject({ path: "/health", port: "metrics" });
    expect(container.readinessProbe.httpGet).toMatchObject({ path: "/ready", port: "metrics" });
  });

  it("exposes only metrics on its Service, labels itself a worker, and has no Ingress", () => {
    expect(findObject(objects, "Service").spec.ports).toEqual([{ name: "metrics", port: 9090, protocol: "TCP", targetPort: "metrics" }]);
    expect(findObject(objects, "Deployment").metadata.labels["app.kubernetes.io/component"]).toBe("worker");
    expect(objects.map((o) => o.kind)).not.toContain("Ingress");
  });

  it("lets only Prometheus in", () => {
    expect(findObject(objects, "NetworkPolicy").spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9090 }] },
    ]);
  });

  it("refuses an ingress", () => {
    expect(
      () =>
        new GoService(Testing.chart(), "w", { name: "w", environment: "staging", role: "worker", image: "r.example.com/w:v1", ingress: { hosts: ["w.example.com"] } }),
    ).toThrow('GoService "w": ingress must be left out for a worker: it serves no HTTP traffic (or set role: "api")');
  });

  it("a worker stack defaults to no ingress and refuses one turned on", () => {
    const worker = resolveBlock(productionBlock({ "go-service:role": "worker", "go-service:ingress": undefined }));
    expect(worker.config.ingress.enabled).toBe(false);
    expect(objectsOf(worker).map((o) => o.kind)).not.toContain("Ingress");
    expect(() => resolveBlock(productionBlock({ "go-service:role": "worker" }))).toThrow(
      'go-service:ingress: must be left out for a worker: it serves no HTTP traffic (or set role: "api")',
    );
  });
});
