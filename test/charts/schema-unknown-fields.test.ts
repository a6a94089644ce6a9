// The unit-level schema check rejects unknown fields for every kind, as the API server's strict field
// validation does: a misspelt field fails `npm test`, not only the end-to-end suite.
import { describe, expect, it } from "vitest";
import type { KubernetesObject } from "../../synth/synthesize.js";
import { validateAgainstSchema } from "../support/kubernetes-schema.js";
import { committedStack, findObject, objectsOf, type Manifest } from "../support/stacks.js";

const objects = [...objectsOf(committedStack("production")), ...objectsOf(committedStack("staging"))];
const kinds = [...new Set(objects.map((o) => o.kind))].sort();

const misspelt = (kind: string, change: (o: Manifest) => void): KubernetesObject => {
  const object = structuredClone(findObject(objects, kind));
  change(object);
  return object as KubernetesObject;
};

describe("a misspelt field is rejected, for every kind", () => {
  it("covers the kinds the stacks make", () => {
    expect(kinds).toEqual(expect.arrayContaining(["ConfigMap", "CronJob", "Deployment", "Ingress", "NetworkPolicy", "PrometheusRule", "Service", "ServiceAccount", "ServiceMonitor"]));
  });

  it.each(kinds)("%s: metadata.lables", async (kind) => {
    const object = misspelt(kind, (o) => (o.metadata.lables = { app: "myapp" }));
    await expect(validateAgainstSchema(object)).rejects.toThrow(`${kind}/${object.metadata.name} is invalid: unknown field(s) "metadata.lables"`);
  });

  it.each<[string, string, (o: Manifest) => void]>([
    ["Deployment", "spec.template.spec.containers[0].imagePullPolcy", (o) => (o.spec.template.spec.containers[0].imagePullPolcy = "Always")],
    ["Deployment", "spec.template.spec.securityContext.runAsUsr", (o) => (o.spec.template.spec.securityContext.runAsUsr = 10001)],
    ["Service", "spec.ports[0].targetPorts", (o) => (o.spec.ports[0].targetPorts = "http")],
    ["Ingress", "spec.tls[0].hostz", (o) => (o.spec.tls[0].hostz = ["api.example.com"])],
    ["NetworkPolicy", "spec.podSelectr", (o) => (o.spec.podSelectr = {})],
    ["HorizontalPodAutoscaler", "spec.minReplica", (o) => (o.spec.minReplica = 3)],
    ["PodDisruptionBudget", "spec.maxUnavaliable", (o) => (o.spec.maxUnavaliable = 1)],
    ["CronJob", "spec.jobTemplate.spec.template.spec.restartPolicyy", (o) => (o.spec.jobTemplate.spec.template.spec.restartPolicyy = "Never")],
    ["ServiceAccount", "automountServiceAccountTokens", (o) => (o.automountServiceAccountTokens = false)],
    ["ServiceMonitor", "spec.endpoints[0].intervall", (o) => (o.spec.endpoints[0].intervall = "30s")],
    ["PrometheusRule", "spec.groups[0].rules[0].expresion", (o) => (o.spec.groups[0].rules[0].expresion = "up == 0")],
  ])("%s: %s", async (kind, field, change) => {
    const object = misspelt(kind, change);
    await expect(validateAgainstSchema(object)).rejects.toThrow(`${kind}/${object.metadata.name} is invalid: unknown field(s) "${field}"`);
  });

  it("keeps accepting the free-form parts: labels, annotations, ConfigMap data", async () => {
    const object = misspelt("ConfigMap", (o) => {
      o.metadata.labels = { ...o.metadata.labels, "example.com/any-label": "x" };
      o.metadata.annotations = { "example.com/any-annotation": "y" };
      o.data = { ...o.data, ANY_KEY: "z" };
    });
    await expect(validateAgainstSchema(object)).resolves.toBeUndefined();
  });
});
