import { App, Chart } from "cdk8s";
import { ServiceMonitor as ServiceMonitorModel } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { describe, expect, it } from "vitest";
import { ServiceMonitor } from "../../../charts/observability/index.js";
import { PRODUCTION, STAGING } from "../../alerts/fixtures.js";
import { synth } from "./synth.js";

describe("ServiceMonitor", () => {
  it("scrapes port metrics on /metrics every 30s, sets the job label, copies the track and version labels, and is selected by kube-prometheus-stack", () => {
    const [monitor] = synth((chart) => new ServiceMonitor(chart, "monitor", { ...PRODUCTION, serviceSelectorLabels: { "app.kubernetes.io/name": "go-service", "app.kubernetes.io/instance": "go-service" } }));
    expect(monitor?.apiVersion).toBe("monitoring.coreos.com/v1");
    expect(monitor?.metadata).toEqual({ name: "go-service", namespace: "production", labels: { "app.kubernetes.io/name": "go-service", release: "kube-prometheus-stack" } });
    expect(monitor?.spec).toEqual({
      selector: { matchLabels: { "app.kubernetes.io/instance": "go-service", "app.kubernetes.io/name": "go-service" } },
      namespaceSelector: { matchNames: ["production"] },
      // The pods' release track and version on every series (a canary's analysis tells the tracks apart by them).
      podTargetLabels: ["track", "app.kubernetes.io/version"],
      endpoints: [{ port: "metrics", path: "/metrics", interval: "30s", relabelings: [{ action: "replace", targetLabel: "job", replacement: "go-service" }] }],
    });
    expect(() => new ServiceMonitorModel(monitor as never).validate()).not.toThrow();
  });

  it("follows the stack's labels, scrape interval and job label", () => {
    const [monitor] = synth((chart) => new ServiceMonitor(chart, "monitor", STAGING));
    expect(monitor?.metadata.labels).toEqual({ "app.kubernetes.io/name": "go-service", release: "monitoring" });
    expect(monitor?.spec?.endpoints?.[0]).toMatchObject({ interval: "1m", relabelings: [{ replacement: "go-service-staging" }] });
  });

  it.each([
    [{ portName: "Metrics_Port" }, 'Chart/monitor: portName "Metrics_Port" is not a valid Service port name'],
    [{ path: "metrics" }, 'Chart/monitor: path "metrics" must be an absolute HTTP path such as "/metrics"'],
    [{ serviceSelectorLabels: {} }, "Chart/monitor: serviceSelectorLabels must not be empty"],
    [{ containerMemoryLimitBytes: -1 }, "Chart/monitor: containerMemoryLimitBytes must be the container's memory limit"],
    [{ monitoring: { prometheus: { scrapeInterval: "30" } } }, "Chart/monitor: invalid monitoring config:\n  - monitoring.prometheus.scrapeInterval"],
  ])("rejects %j naming the construct and the prop", (override, message) => {
    const chart = new Chart(new App(), "Chart");
    expect(() => new ServiceMonitor(chart, "monitor", { ...PRODUCTION, ...override })).toThrow(message);
    expect(chart.node.tryFindChild("monitor")).toBeUndefined();
  });
});
