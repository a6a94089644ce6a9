import { describe, expect, it } from "vitest";
import { monitoringConfigSchema, parseMonitoringConfig } from "../../alerts/index.js";

describe("monitoringConfigSchema", () => {
  it("gives the production practices' thresholds and SLOs by default", () => {
    const config = parseMonitoringConfig({});
    expect(config.thresholds).toEqual({
      errorRate: 0.05,
      latencyP95Seconds: 1,
      goroutines: 1000,
      dbConnectionsUsage: 0.8,
      slowQueryP95Seconds: 0.5,
      trafficIncreaseFactor: 2,
      trafficIncreaseMinRequestsPerSecond: 1,
      diskFreeFraction: 0.1,
      memoryLimitFraction: 0.9,
    });
    expect(config.slo).toEqual({ availabilityTarget: 0.999, latencyTarget: 0.99, latencyThresholdSeconds: 0.5, window: "30d" });
    expect(config.prometheus).toEqual({ resourceLabels: { release: "kube-prometheus-stack" }, scrapeInterval: "30s" });
    expect(config.dashboard).toEqual({ refresh: "30s" });
    expect(config.runbookBaseUrl).toMatch(/^https:\/\//);
  });

  it("keeps defaults of the keys a stack does not set", () => {
    const config = parseMonitoringConfig({ thresholds: { errorRate: 0.1 } });
    expect(config.thresholds.errorRate).toBe(0.1);
    expect(config.thresholds.goroutines).toBe(1000);
  });

  it("is idempotent on its own output", () => {
    const once = parseMonitoringConfig({ slo: { window: "28d" } });
    expect(parseMonitoringConfig(once)).toEqual(once);
  });

  it("describes every field", () => {
    const undescribed: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      const s = schema as { description?: string; def?: { type: string; innerType?: unknown; shape?: Record<string, unknown> } };
      const shape = (schema as { shape?: Record<string, unknown> }).shape ?? s.def?.shape;
      if (shape !== undefined) {
        for (const [key, child] of Object.entries(shape)) {
          const c = child as { description?: string; def?: { innerType?: unknown } };
          if (c.description === undefined) undescribed.push(`${path}${key}`);
          let inner: unknown = c;
          while ((inner as { def?: { innerType?: unknown } }).def?.innerType !== undefined) inner = (inner as { def: { innerType: unknown } }).def.innerType;
          if ((inner as { shape?: unknown }).shape !== undefined) walk(inner, `${path}${key}.`);
        }
      }
    };
    walk(monitoringConfigSchema, "");
    expect(undescribed).toEqual([]);
  });

  it.each([
    [{ thresholds: { errorRat: 0.1 } }, 'monitoring.thresholds: unknown key "errorRat": check the spelling against alerts/README.md'],
    [{ thresholds: { errorRate: 5 } }, "monitoring.thresholds.errorRate: thresholds.errorRate is a fraction: use a number between 0 and 1 (0.05 = 5%)"],
    [{ slo: { window: "30 days" } }, 'monitoring.slo.window: slo.window must be a Prometheus duration such as "30s", "5m", "26h" or "30d"'],
    [{ runbookBaseUrl: "https://wiki/x#a" }, "monitoring.runbookBaseUrl: runbookBaseUrl must not contain '#': each alert appends its own #anchor"],
    [{ prometheus: { resourceLabels: { release: "not valid!" } } }, "monitoring.prometheus.resourceLabels.release: label values must be"],
    [{ dashboard: { uid: "x".repeat(41) } }, "monitoring.dashboard.uid: dashboard.uid must be 1 to 40 letters"],
    [{ alerts: {} }, 'monitoring: unknown key "alerts"'],
  ])("rejects %j with a message saying what to change", (input, message) => {
    expect(() => parseMonitoringConfig(input)).toThrow(message);
  });

  it("names the config file in errors when the caller gives it", () => {
    expect(() => parseMonitoringConfig({ thresholds: { goroutines: 0 } }, "stacks/production.yaml: monitoring")).toThrow(
      "stacks/production.yaml: monitoring.thresholds.goroutines: thresholds.goroutines must be greater than 0",
    );
  });
});
