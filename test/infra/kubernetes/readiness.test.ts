// What "ready" means per kind, and the provider annotations that make an update await it.
import { describe, expect, it } from "vitest";
import { apiKindOf, describeWait, PATCH_FORCE_ANNOTATION, readinessOf, WAIT_FOR_ANNOTATION, withAwaitAnnotations } from "../../../infra/kubernetes/readiness.js";

const plain = { metricsApi: false, prometheusOperatorStatus: false };
const full = { metricsApi: true, prometheusOperatorStatus: true };
const object = (apiVersion: string, kind: string, spec: object = {}) => ({ apiVersion, kind, metadata: { name: "x", namespace: "ns" }, spec });

describe("readiness per kind", () => {
  it.each([
    // Kinds the provider awaits itself: no waitFor, which would replace its await.
    ["apps/v1", "Deployment", plain, undefined, /rollout to complete/],
    ["v1", "Service", plain, undefined, /ready endpoints/],
    ["networking.k8s.io/v1", "Ingress", plain, undefined, /address/],
    ["batch/v1", "Job", plain, undefined, /succeed/],
    ["v1", "Secret", plain, undefined, /stored/],
    ["v1", "ConfigMap", plain, undefined, /no status/],
    ["networking.k8s.io/v1", "NetworkPolicy", plain, undefined, /no status/],
    // Kinds the provider would not wait for.
    ["v1", "Namespace", plain, ["jsonpath={.status.phase}=Active"], /Active/],
    ["autoscaling/v2", "HorizontalPodAutoscaler", plain, ["condition=AbleToScale"], /no metrics API/],
    ["autoscaling/v2", "HorizontalPodAutoscaler", full, ["condition=AbleToScale", "condition=ScalingActive"], /reads its metrics/],
    ["policy/v1", "PodDisruptionBudget", plain, ["jsonpath={.status.observedGeneration}"], /disruption controller/],
    ["monitoring.coreos.com/v1", "ServiceMonitor", plain, ["jsonpath={.spec.endpoints}"], /stored/],
    ["monitoring.coreos.com/v1", "PrometheusRule", plain, ["jsonpath={.spec.groups}"], /stored/],
    ["monitoring.coreos.com/v1", "PrometheusRule", full, ['jsonpath={.status.bindings[*].conditions[?(@.type=="Accepted")].status}=True'], /Prometheus to accept it/],
  ])("%s %s (%o): waitFor %j", (apiVersion, kind, cluster, waitFor, description) => {
    const readiness = readinessOf(object(apiVersion, kind), cluster);
    expect(readiness.waitFor).toEqual(waitFor);
    expect(readiness.description).toMatch(description);
  });

  it("a CronJob is accepted with its own schedule", () => {
    expect(readinessOf(object("batch/v1", "CronJob", { schedule: "0 2 * * *" }), plain).waitFor).toEqual(["jsonpath={.spec.schedule}=0 2 * * *"]);
  });
});

describe("the annotations an applied object carries", () => {
  it("every object takes back fields changed by hand; kinds the provider does not await get a waitFor", () => {
    expect(withAwaitAnnotations(object("apps/v1", "Deployment"), plain).metadata).toEqual({ name: "x", namespace: "ns", annotations: { [PATCH_FORCE_ANNOTATION]: "true" } });
    expect(withAwaitAnnotations(object("autoscaling/v2", "HorizontalPodAutoscaler"), full).metadata.annotations).toEqual({
      [PATCH_FORCE_ANNOTATION]: "true",
      [WAIT_FOR_ANNOTATION]: '["condition=AbleToScale","condition=ScalingActive"]',
    });
  });

  it("keeps the object's own annotations, an explicit waitFor included", () => {
    const annotated = { ...object("v1", "Namespace"), metadata: { name: "x", annotations: { a: "b", [WAIT_FOR_ANNOTATION]: "condition=Mine" } } };
    expect(withAwaitAnnotations(annotated, plain).metadata.annotations).toEqual({ [PATCH_FORCE_ANNOTATION]: "true", a: "b", [WAIT_FOR_ANNOTATION]: "condition=Mine" });
  });
});

describe("what an applied object waited for, in words", () => {
  it.each([
    ["kubernetes:apps/v1:Deployment", undefined, "its rollout to complete: every replica updated, ready and available"],
    ["kubernetes:core/v1:Namespace", { [WAIT_FOR_ANNOTATION]: "jsonpath={.status.phase}=Active" }, "status.phase = Active"],
    ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", { [WAIT_FOR_ANNOTATION]: '["condition=AbleToScale","condition=ScalingActive"]' }, "condition AbleToScale=True and condition ScalingActive=True"],
    [
      "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
      { [WAIT_FOR_ANNOTATION]: 'jsonpath={.status.bindings[*].conditions[?(@.type=="Accepted")].status}=True' },
      'status.bindings[*].conditions[?(@.type=="Accepted")].status = True',
    ],
    ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", { [WAIT_FOR_ANNOTATION]: "jsonpath={.spec.endpoints}" }, "spec.endpoints to be set"],
  ])("%s", (type, annotations, words) => {
    expect(describeWait(type, annotations)).toBe(words);
  });

  it.each([
    ["kubernetes:apps/v1:Deployment", "apps/v1/Deployment"],
    ["kubernetes:core/v1:Service", "v1/Service"],
    ["kubernetes:monitoring.coreos.com/v1:PrometheusRule", "monitoring.coreos.com/v1/PrometheusRule"],
  ])("%s is %s", (type, id) => expect(apiKindOf(type)).toBe(id));
});
