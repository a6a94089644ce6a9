import { App, Chart } from "cdk8s";
import { describe, expect, it } from "vitest";
import { GrafanaDashboardConfigMap } from "../../../charts/observability/index.js";
import { PRODUCTION, STAGING } from "../../alerts/fixtures.js";
import { synth } from "./synth.js";

describe("GrafanaDashboardConfigMap", () => {
  it("is a ConfigMap labelled grafana_dashboard=1 holding <uid>.json", () => {
    let construct: GrafanaDashboardConfigMap | undefined;
    const [configMap] = synth((chart) => (construct = new GrafanaDashboardConfigMap(chart, "dashboard", { ...PRODUCTION, configMapNamespace: "monitoring", folder: "Services" })));
    expect(configMap?.kind).toBe("ConfigMap");
    expect(configMap?.metadata).toEqual({
      name: "go-service-dashboard",
      namespace: "monitoring",
      labels: { "app.kubernetes.io/name": "go-service", grafana_dashboard: "1" },
      annotations: { grafana_folder: "Services" },
    });
    expect(Object.keys(configMap?.data ?? {})).toEqual(["go-service-production.json"]);
    expect(configMap?.data?.["go-service-production.json"]).toBe(construct?.dashboardJson);
    expect(JSON.parse(configMap?.data?.["go-service-production.json"] ?? "{}")).toMatchObject({ uid: "go-service-production", title: "go-service (production)" });
  });

  it("defaults to the service namespace and no folder", () => {
    const [configMap] = synth((chart) => new GrafanaDashboardConfigMap(chart, "dashboard", STAGING));
    expect(configMap?.metadata.namespace).toBe("staging");
    expect(configMap?.metadata.annotations).toBeUndefined();
  });

  it("rejects an empty folder", () => {
    expect(() => new GrafanaDashboardConfigMap(new Chart(new App(), "Chart"), "dashboard", { ...PRODUCTION, folder: " " })).toThrow(
      'Chart/dashboard: folder must not be empty: give a folder name such as "Services", or leave it out',
    );
  });
});
