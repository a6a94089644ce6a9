import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { synthesizeStack } from "../../synth/synthesize.js";
import { committedStack, findObject, productionBlock, resolveBlock } from "../support/stacks.js";

const production = synthesizeStack(committedStack("production"));
const staging = synthesizeStack(committedStack("staging"));

type Rules = { groups: { name: string; rules: { alert?: string; record?: string; expr: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[] };
const rules = (files: Readonly<Record<string, string>>) => parse(files["prometheus-rules.yaml"] ?? "") as Rules;
const alert = (files: Readonly<Record<string, string>>, name: string) =>
  rules(files).groups.flatMap((g) => g.rules).find((r) => r.alert === name) ?? { expr: "", annotations: {} };

describe("monitoring in every stack's output", () => {
  it("writes prometheus-rules.yaml, grafana-dashboard.json and prometheus-scrape-config.yaml beside kubernetes.yaml", () => {
    expect(Object.keys(production.files).sort()).toEqual(["grafana-dashboard.json", "kubernetes.yaml", "prometheus-rules.yaml", "prometheus-scrape-config.yaml"]);
  });

  it("writes the scrape job of the stack's own ServiceMonitor: its namespace, Service labels, port and job label", () => {
    const monitor = production.objects.find((o) => o.kind === "ServiceMonitor") as unknown as {
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; interval: string }[] };
    };
    const scrape = parse(production.files["prometheus-scrape-config.yaml"] ?? "") as {
      scrape_configs: { scrape_interval: string; kubernetes_sd_configs: { namespaces: { names: string[] } }[]; relabel_configs: { regex?: string; replacement?: string; target_label?: string }[] }[];
    };
    const job = scrape.scrape_configs[0]!;
    expect(job.kubernetes_sd_configs[0]!.namespaces.names).toEqual(["myapp"]);
    expect(job.scrape_interval).toBe(monitor.spec.endpoints[0]!.interval);
    for (const value of Object.values(monitor.spec.selector.matchLabels)) expect(job.relabel_configs.some((r) => r.regex === `(${value});true`)).toBe(true);
    expect(job.relabel_configs.some((r) => r.regex === monitor.spec.endpoints[0]!.port)).toBe(true);
    expect(job.relabel_configs.find((r) => r.target_label === "job")?.replacement).toBe("myapp");
  });

  it.each([
    ["production", production],
    ["staging", staging],
  ])("%s rules pass promtool check rules", (_stack, synthesized) => {
    const dir = mkdtempSync(join(tmpdir(), "rules-"));
    writeFileSync(join(dir, "rules.yaml"), synthesized.files["prometheus-rules.yaml"] ?? "");
    expect(execFileSync("promtool", ["check", "rules", join(dir, "rules.yaml")], { encoding: "utf8" })).toMatch(/SUCCESS: \d+ rules found/);
  });

  it("the PrometheusRule in kubernetes.yaml holds the same groups as prometheus-rules.yaml", () => {
    const rule = findObject(production.objects, "PrometheusRule");
    expect(rule.spec.groups.map((g: { name: string }) => g.name)).toEqual(rules(production.files).groups.map((g) => g.name));
    expect(JSON.stringify(rule.spec.groups)).toContain("ApplicationDown");
  });

  it("the ServiceMonitor scrapes the Service's metrics port every 30 s, labelled for kube-prometheus-stack", () => {
    const monitor = findObject(production.objects, "ServiceMonitor");
    expect(monitor.metadata.labels.release).toBe("kube-prometheus-stack");
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: "metrics", path: "/metrics", interval: "30s" });
    const service = findObject(production.objects, "Service");
    expect(service.spec.ports.map((p: { name: string }) => p.name)).toContain("metrics");
    for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels as Record<string, string>)) expect(service.metadata.labels[key]).toBe(value);
  });

  it("the dashboard ConfigMap carries the sidecar label and the same JSON as grafana-dashboard.json", () => {
    const configMap = findObject(production.objects, "ConfigMap", "myapp-dashboard");
    expect(configMap.metadata.labels.grafana_dashboard).toBe("1");
    const dashboard = JSON.parse(production.files["grafana-dashboard.json"] ?? "{}") as { uid: string };
    expect(dashboard.uid).toBe("myapp-production");
    expect(JSON.parse(configMap.data["myapp-production.json"])).toEqual(dashboard);
  });

  it("the dashboard uid is stable per stack and differs between stacks", () => {
    expect(JSON.parse(synthesizeStack(committedStack("production")).files["grafana-dashboard.json"] ?? "").uid).toBe("myapp-production");
    expect(JSON.parse(staging.files["grafana-dashboard.json"] ?? "").uid).toBe("myapp-staging");
  });

  it("staging's monitoring key changes its thresholds and SLO, in the rules and the dashboard alike", () => {
    expect(alert(production.files, "HighErrorRate").expr).toMatch(/> 0\.05$/m);
    expect(alert(staging.files, "HighErrorRate").expr).toMatch(/> 0\.1$/m);
    expect(alert(staging.files, "HighLatency").expr).toMatch(/> 1\.5$/m);
    const stagingDashboard = staging.files["grafana-dashboard.json"] ?? "";
    expect(stagingDashboard).toContain('"value": 0.1');
    // The error budget is 1 - target: 1% for staging's 99%, 0.1% for production's 99.9%.
    const budget = (files: Readonly<Record<string, string>>) =>
      rules(files).groups.flatMap((g) => g.rules).find((r) => r.record === "namespace_job:slo_availability_error_budget_remaining:ratio")?.expr;
    expect(budget(staging.files)).toMatch(/\/ 0\.01$/);
    expect(budget(production.files)).toMatch(/\/ 0\.001$/);
  });

  it("runbook links come from the configured base", () => {
    expect(alert(production.files, "ApplicationDown").annotations?.runbook_url).toBe("https://wiki.monapp.com/runbooks/myapp#applicationdown");
  });

  it("HighMemoryUsage follows the configured memory limit", () => {
    const small = synthesizeStack(resolveBlock(productionBlock({ "go-service:resources": { limits: { memory: "1Gi" } } })));
    expect(alert(small.files, "HighMemoryUsage").expr).not.toBe(alert(production.files, "HighMemoryUsage").expr);
    expect(alert(small.files, "HighMemoryUsage").expr).toContain(String(2 ** 30));
  });

  it("an unknown monitoring key is a config error naming it", () => {
    expect(() => resolveBlock(productionBlock({ "go-service:monitoring": { thresholds: { errorRates: 0.1 } } }))).toThrow(
      /go-service:monitoring\.thresholds\.errorRates: is not a known key; did you mean "errorRate"\?/,
    );
  });
});
