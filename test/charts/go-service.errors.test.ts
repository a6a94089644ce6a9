import { Testing } from "cdk8s";
import { describe, expect, it } from "vitest";
import { GoService, type GoServiceProps } from "../../charts/go-service.js";
import { Replicas } from "../../charts/replicas.js";

const valid: GoServiceProps = { name: "orders", environment: "production", image: "registry.example.com/orders:v1.0.0" };
const build = (props: Partial<GoServiceProps>) => () => new GoService(Testing.chart(), "svc", { ...valid, ...props });

describe("GoService validation at construction", () => {
  it.each<[string, Partial<GoServiceProps>, string]>([
    ["a name that is not a DNS label", { name: "Orders_API" }, 'GoService "Orders_API": name "Orders_API" must be lower-case letters, digits or \'-\', starting and ending with a letter or digit'],
    ["latest in production", { image: "registry.example.com/orders:latest" }, 'GoService "orders": image must be pinned in production ("registry.example.com/orders:latest" floats); use a digest (@sha256:…, preferred) or a release tag such as :v1.4.2'],
    ["a malformed image", { image: "not an image" }, 'GoService "orders": image "not an image" is not an image reference; use registry/repository:tag or registry/repository@sha256:<64 hex digits>'],
    ["one replica in production", { replicas: Replicas.fixed(1) }, 'GoService "orders": replicas must be at least 2 in production (got 1) so one pod can fail or drain'],
    ["an ingress without hosts", { ingress: { hosts: [] } }, 'GoService "orders": ingress.hosts must list at least one host'],
    ["a malformed ingress host", { ingress: { hosts: ["Api.Example.com"] } }, 'GoService "orders": ingress host "Api.Example.com" must be lower case'],
    ["GOMEMLIMIT above the limit", { goMemLimitFraction: 1.2 }, 'GoService "orders": goMemLimitFraction must be in (0, 1] (got 1.2)'],
  ])("rejects %s", (_case, props, message) => {
    expect(build(props)).toThrow(message);
  });

  it.each<[string, () => Replicas, string]>([
    ["autoscale min above max", () => Replicas.autoscale({ min: 4, max: 2 }), "Replicas.autoscale: min (4) must not exceed max (2)"],
    ["autoscale min of zero", () => Replicas.autoscale({ min: 0, max: 2 }), "Replicas.autoscale: min must be a whole number of at least 1 (got 0)"],
    ["a utilization over 100%", () => Replicas.autoscale({ min: 1, max: 2, cpuUtilizationPercent: 150 }), "Replicas.autoscale: cpuUtilizationPercent must be 1 to 100 (got 150)"],
    ["a fixed count of zero", () => Replicas.fixed(0), "Replicas.fixed(0): the count must be a whole number of at least 1"],
  ])("Replicas rejects %s", (_case, make, message) => {
    expect(make).toThrow(message);
  });

  it("accepts latest outside production, and then always pulls", () => {
    const chart = Testing.chart();
    new GoService(chart, "svc", { ...valid, environment: "staging", image: "registry.example.com/orders:latest" });
    const deployment = Testing.synth(chart).find((o) => o.kind === "Deployment");
    expect(deployment.spec.template.spec.containers[0].imagePullPolicy).toBe("Always");
  });

  it("a fixed replica count sets spec.replicas, has no HPA, and a single pod gets no PDB", () => {
    const chart = Testing.chart();
    new GoService(chart, "svc", { ...valid, environment: "development", replicas: Replicas.fixed(1) });
    const kinds = Testing.synth(chart).map((o) => o.kind);
    expect(kinds).not.toContain("HorizontalPodAutoscaler");
    expect(kinds).not.toContain("PodDisruptionBudget");
    expect(Testing.synth(chart).find((o) => o.kind === "Deployment").spec.replicas).toBe(1);
  });

  it("networkPolicy: false leaves no NetworkPolicy, and no ingress prop leaves no Ingress", () => {
    const chart = Testing.chart();
    new GoService(chart, "svc", { ...valid, networkPolicy: false });
    const kinds = Testing.synth(chart).map((o) => o.kind);
    expect(kinds).not.toContain("NetworkPolicy");
    expect(kinds).not.toContain("Ingress");
  });
});
