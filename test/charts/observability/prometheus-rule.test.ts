import { App, Chart } from "cdk8s";
import { PrometheusRule as PrometheusRuleModel } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { describe, expect, it } from "vitest";
import { buildRuleGroups, toPlainRuleGroups } from "../../../alerts/index.js";
import { PrometheusRule } from "../../../charts/observability/index.js";
import { PRODUCTION } from "../../alerts/fixtures.js";
import { synth } from "./synth.js";

describe("PrometheusRule", () => {
  it("holds the same groups as the rule file, labelled for kube-prometheus-stack, valid against the CRD schema", () => {
    const [rule] = synth((chart) => new PrometheusRule(chart, "rules", PRODUCTION));
    expect(rule?.kind).toBe("PrometheusRule");
    expect(rule?.metadata).toEqual({ name: "go-service-rules", namespace: "production", labels: { "app.kubernetes.io/name": "go-service", release: "kube-prometheus-stack" } });
    expect(rule?.spec?.groups).toEqual(toPlainRuleGroups(buildRuleGroups(PRODUCTION)));
    expect(() => new PrometheusRuleModel(rule as never).validate()).not.toThrow();
  });

  it("rejects an invalid object through the typed model", () => {
    expect(() => new PrometheusRuleModel({ metadata: { name: "x" }, spec: { groups: [{ rules: [] }] } } as never).validate()).toThrow();
  });

  it("synthesizes the same manifest twice", () => {
    const once = JSON.stringify(synth((chart) => new PrometheusRule(chart, "rules", PRODUCTION)));
    expect(JSON.stringify(synth((chart) => new PrometheusRule(chart, "rules", PRODUCTION)))).toBe(once);
  });

  it("rejects an invalid name", () => {
    expect(() => new PrometheusRule(new Chart(new App(), "Chart"), "rules", { ...PRODUCTION, name: "Rules!" })).toThrow(
      'Chart/rules: name "Rules!" is not a valid Kubernetes object name',
    );
  });
});
