import { describe, expect, it } from "vitest";
import { buildScrapeConfig, buildServiceMonitor } from "../../alerts/index.js";
import { PRODUCTION, STAGING } from "./fixtures.js";

// Debian's promtool is built without Kubernetes service discovery, so it cannot check this config; the real
// Prometheus of the local cluster (built from its Go module with Kubernetes SD) loads it in test/e2e.
describe("buildScrapeConfig: the ServiceMonitor as plain Prometheus configuration", () => {
  it.each([
    ["production", PRODUCTION, "go-service", "30s"],
    ["staging (own job label and interval)", STAGING, "go-service-staging", "1m"],
  ])("%s: selects the Service's metrics port and sets the job label the alerts select on", (_name, props, job, interval) => {
    const config = buildScrapeConfig(props);
    const monitor = buildServiceMonitor(props);
    const endpoint = monitor.spec!.endpoints[0]!;
    expect(config.job_name).toBe(`serviceMonitor/${props.namespace}/go-service/0`);
    expect(config.scrape_interval).toBe(interval);
    expect(config.scrape_interval).toBe(endpoint.interval);
    expect(config.metrics_path).toBe(endpoint.path);
    expect(config.kubernetes_sd_configs).toEqual([{ role: "endpoints", namespaces: { names: [props.namespace] } }]);
    expect(config.relabel_configs).toContainEqual({ source_labels: ["__meta_kubernetes_endpoint_port_name"], regex: "metrics", action: "keep" });
    expect(config.relabel_configs.at(-1)).toEqual({ target_label: "job", replacement: job, action: "replace" });
    for (const target of ["namespace", "service", "pod", "container", "endpoint"]) {
      expect(config.relabel_configs.some((r) => r.target_label === target), target).toBe(true);
    }
  });

  it("copies the pods' track and version labels onto their series, as the ServiceMonitor's podTargetLabels do", () => {
    const config = buildScrapeConfig(PRODUCTION);
    expect(buildServiceMonitor(PRODUCTION).spec?.podTargetLabels).toEqual(["track", "app.kubernetes.io/version"]);
    expect(config.relabel_configs).toContainEqual({ source_labels: ["__meta_kubernetes_pod_label_track"], regex: "(.+)", target_label: "track", replacement: "${1}", action: "replace" });
    expect(config.relabel_configs).toContainEqual({
      source_labels: ["__meta_kubernetes_pod_label_app_kubernetes_io_version"],
      regex: "(.+)",
      target_label: "app_kubernetes_io_version",
      replacement: "${1}",
      action: "replace",
    });
    // Before the job label, which stays the last word.
    expect(config.relabel_configs.at(-1)?.target_label).toBe("job");
  });

  it("keeps only Services carrying every selector label, with regex metacharacters escaped", () => {
    const config = buildScrapeConfig(PRODUCTION, { serviceSelectorLabels: { "app.kubernetes.io/name": "a.b", tier: "api" } });
    expect(config.relabel_configs.slice(0, 2)).toEqual([
      {
        source_labels: ["__meta_kubernetes_service_label_app_kubernetes_io_name", "__meta_kubernetes_service_labelpresent_app_kubernetes_io_name"],
        regex: "(a\\.b);true",
        action: "keep",
      },
      { source_labels: ["__meta_kubernetes_service_label_tier", "__meta_kubernetes_service_labelpresent_tier"], regex: "(api);true", action: "keep" },
    ]);
  });
});
