import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Document } from "yaml";
import { buildRuleGroups, deriveDashboardUid, isAlertRule, resolveObservabilityProps } from "../../alerts/index.js";
import { buildServiceDashboard, dashboardExpressions, dashboardPanels, renderServiceDashboardJson } from "../../dashboards/index.js";
import { PRODUCTION, STAGING } from "../alerts/fixtures.js";
import { runPromtool } from "../alerts/promtool.js";

interface PanelJson {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults: { unit?: string; thresholds?: { steps: { value: number | null; color: string }[] } } };
  targets?: { expr: string; datasource: { uid: string } }[];
}

const json = (props: typeof PRODUCTION) => JSON.parse(renderServiceDashboardJson(props)) as { uid: string; title: string; panels: PanelJson[]; templating: { list: { name: string; type: string }[] } };
const panel = (props: typeof PRODUCTION, title: string): PanelJson => {
  const found = json(props).panels.find((p) => p.title === title);
  if (found === undefined) throw new Error(`no panel "${title}"`);
  return found;
};
const thresholdValues = (p: PanelJson) => (p.fieldConfig?.defaults.thresholds?.steps ?? []).map((step) => step.value);

describe("service dashboard", () => {
  it("has the seed's eight panels as current panel types with units", () => {
    const expected: [string, string, string][] = [
      ["Request rate by method and status", "timeseries", "reqps"],
      ["P95 latency", "timeseries", "s"],
      ["Error rate (5xx)", "timeseries", "percentunit"],
      ["In-flight requests", "stat", "short"],
      ["Memory", "timeseries", "bytes"],
      ["Goroutines", "timeseries", "short"],
      ["DB connections", "timeseries", "short"],
      ["GC duration", "timeseries", "s"],
    ];
    for (const [title, type, unit] of expected) {
      const p = panel(PRODUCTION, title);
      expect([p.type, p.fieldConfig?.defaults.unit], title).toEqual([type, unit]);
    }
    const types = new Set(json(PRODUCTION).panels.map((p) => p.type));
    expect([...types].sort()).toEqual(["gauge", "row", "stat", "timeseries"]);
  });

  it("adds SLO error budget, burn rate and backup freshness panels", () => {
    expect(panel(PRODUCTION, "Availability error budget remaining").targets?.[0]?.expr).toContain("namespace_job:slo_availability_error_budget_remaining:ratio");
    expect(panel(PRODUCTION, "Latency error budget remaining").type).toBe("stat");
    expect(thresholdValues(panel(PRODUCTION, "Error budget burn rate"))).toEqual([null, 6, 14.4]);
    const recoveryPoint = panel(PRODUCTION, "Recovery point age (RPO 1h)");
    expect(thresholdValues(recoveryPoint)).toEqual([null, 3600]);
    expect(recoveryPoint.targets?.[0]?.expr).toContain('kube_job_owner{namespace="$namespace", owner_kind="CronJob", owner_name="go-service-backup"}');
    expect(thresholdValues(panel(PRODUCTION, "Restore drill overdue (RTO 15m)"))).toEqual([null, 900]);
    expect(json(STAGING).panels.map((p) => p.title).filter((title) => /RPO|RTO/.test(title))).toEqual([]);
  });

  it.each([
    ["Error rate (5xx)", [null, 0.05], [null, 0.1]],
    ["P95 latency", [null, 1], [null, 2]],
    ["Goroutines", [null, 1000], [null, 500]],
    ["Memory used / limit", [null, 0.9], [null, 0.95]],
    ["DB connection pool usage", [null, 0.8], [null, 0.8]],
    ["DB query P95", [null, 0.5], [null, 0.5]],
    ["Volume free space", [null, 0.1], [null, 0.1]],
    ["Traffic compared with the same time yesterday", [null, 2], [null, 3]],
  ])("draws %s's threshold at the alert threshold of each stack", (title, production, staging) => {
    expect(thresholdValues(panel(PRODUCTION, title))).toEqual(production);
    expect(thresholdValues(panel(STAGING, title))).toEqual(staging);
  });

  it("draws the memory threshold in bytes from the container limit", () => {
    expect(thresholdValues(panel(PRODUCTION, "Memory"))).toEqual([null, Math.round(512 * 1024 * 1024 * 0.9)]);
  });

  it("has a datasource variable and namespace/job variables defaulting to the stack's", () => {
    const model = buildServiceDashboard(PRODUCTION);
    const variables = model.templating.list ?? [];
    expect(variables.map((v) => [v.name, v.type])).toEqual([
      ["datasource", "datasource"],
      ["namespace", "query"],
      ["job", "query"],
    ]);
    expect(variables[1]?.current?.value).toBe("production");
    expect(variables[2]?.current?.value).toBe("go-service");
    for (const p of json(PRODUCTION).panels) for (const t of p.targets ?? []) expect(t.datasource.uid).toBe("${datasource}");
  });

  it("selects the service through the template variables", () => {
    expect(panel(PRODUCTION, "Request rate by method and status").targets?.[0]?.expr).toBe(
      'sum by (method, status) (rate(http_requests_total{namespace="$namespace", job="$job"}[$__rate_interval]))',
    );
  });

  it("has a stable uid per stack, within Grafana's 40 characters", () => {
    expect(json(PRODUCTION).uid).toBe("go-service-production");
    expect(json(STAGING).uid).toBe("go-service-staging");
    const long = deriveDashboardUid("a-very-long-service-name-for-testing", "production");
    expect(long).toHaveLength(40);
    expect(long).toBe(deriveDashboardUid("a-very-long-service-name-for-testing", "production"));
    expect(long).not.toBe(deriveDashboardUid("a-very-long-service-name-for-testing", "production-eu"));
    expect(json({ ...PRODUCTION, monitoring: { dashboard: { uid: "custom", title: "Custom" } } })).toMatchObject({ uid: "custom", title: "Custom" });
  });

  it("lays panels out without overlap, ids unique", () => {
    const panels = json(PRODUCTION).panels;
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const a of panels) {
      expect(a.gridPos.x + a.gridPos.w, a.title).toBeLessThanOrEqual(24);
      for (const b of panels) {
        if (a === b) continue;
        const overlap = a.gridPos.x < b.gridPos.x + b.gridPos.w && b.gridPos.x < a.gridPos.x + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        expect(overlap, `${a.title} / ${b.title}`).toBe(false);
      }
    }
  });

  it("is deterministic JSON: 2-space indent, sorted keys, same bytes twice", () => {
    const text = renderServiceDashboardJson(PRODUCTION);
    expect(text).toBe(renderServiceDashboardJson({ ...PRODUCTION }));
    expect(text.startsWith('{\n  "annotations"')).toBe(true);
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual([...keys].sort());
  });

  it("has a panel for every alert's signal", () => {
    for (const props of [PRODUCTION, STAGING]) {
      const shown = new Set(dashboardPanels(props).flatMap((p) => p.signals));
      const missing = buildRuleGroups(props)
        .flatMap((g) => g.rules.filter(isAlertRule))
        .filter((rule) => !shown.has(rule.signal))
        .map((rule) => `${rule.alert} (${rule.signal})`);
      expect(missing).toEqual([]);
    }
  });
});

describe("dashboard PromQL", () => {
  const dir = mkdtempSync(join(tmpdir(), "dashboard-promql-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ["production", PRODUCTION],
    ["staging", STAGING],
  ])("every %s expression parses (promtool check rules on the expressions)", async (stack, props) => {
    const o = resolveObservabilityProps(props);
    const expressions = dashboardExpressions(buildServiceDashboard(o));
    expect(expressions.length).toBeGreaterThan(15);
    const substituted = expressions.map((expr) =>
      expr.replaceAll("$__rate_interval", "2m").replaceAll("$namespace", o.namespace).replaceAll("$job", o.jobLabel),
    );
    for (const expr of substituted) expect(expr).not.toContain("$");
    const rules = substituted.map((expr, index) => ({ record: `dashboard:expr_${index}:check`, expr }));
    const file = join(dir, `${stack}.yaml`);
    writeFileSync(file, new Document({ groups: [{ name: "dashboard-expressions", rules }] }).toString({ lineWidth: 0 }));
    const result = await runPromtool(["check", "rules", file], dir);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });
});
