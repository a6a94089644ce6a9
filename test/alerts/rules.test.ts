import { Duration } from "cdk8s";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildRuleGroups, isAlertRule, renderRuleGroups, resolveObservabilityProps } from "../../alerts/index.js";
import type { AlertRule } from "../../alerts/index.js";
import { PRODUCTION, STAGING } from "./fixtures.js";

const alertsOf = (props: typeof PRODUCTION): Map<string, AlertRule> =>
  new Map(buildRuleGroups(props).flatMap((g) => g.rules.filter(isAlertRule)).map((r) => [r.alert, r]));

const SEED_ALERTS = [
  ["ApplicationDown", "1m", "critical", "backend"],
  ["HighErrorRate", "2m", "critical", "backend"],
  ["HighLatency", "3m", "critical", "backend"],
  ["HighMemoryUsage", "5m", "warning", "backend"],
  ["HighGoroutineCount", "5m", "warning", "backend"],
  ["DatabaseConnectionsHigh", "3m", "warning", "backend"],
  ["SlowDatabaseQueries", "5m", "warning", "backend"],
  ["ModerateTrafficIncrease", "10m", "info", "backend"],
  ["DiskSpaceLow", "15m", "warning", "ops"],
] as const;

describe("buildRuleGroups: the nine production alerts", () => {
  const alerts = alertsOf(PRODUCTION);

  it.each(SEED_ALERTS)("%s keeps the seed's for (%s), severity (%s) and team (%s)", (name, forDuration, severity, team) => {
    const rule = alerts.get(name);
    expect(rule).toMatchObject({ for: forDuration, severity, team });
  });

  it("has the seed's thresholds", () => {
    expect(alerts.get("HighErrorRate")?.expr).toMatch(/\n> 0\.05$/);
    expect(alerts.get("HighLatency")?.expr).toMatch(/^histogram_quantile\(0\.95, .*\n> 1$/s);
    expect(alerts.get("HighGoroutineCount")?.expr).toMatch(/\n> 1000$/);
    expect(alerts.get("DatabaseConnectionsHigh")?.expr).toMatch(/\n> 0\.8$/);
    expect(alerts.get("SlowDatabaseQueries")?.expr).toMatch(/db_query_duration_seconds_bucket.*\n> 0\.5$/s);
    expect(alerts.get("DiskSpaceLow")?.expr).toMatch(/\n< 0\.1$/);
  });

  it("scopes every service expression to the job and namespace", () => {
    for (const name of ["ApplicationDown", "HighErrorRate", "HighLatency", "HighGoroutineCount", "DatabaseConnectionsHigh", "SlowDatabaseQueries", "ModerateTrafficIncrease"]) {
      const expr = alerts.get(name)?.expr ?? "";
      const selectors = expr.match(/[a-z_:]+\{[^}]*\}/g) ?? [];
      expect(selectors.length, name).toBeGreaterThan(0);
      for (const sel of selectors) expect(sel, `${name}: ${sel}`).toContain('namespace="production", job="go-service"');
    }
    expect(alerts.get("HighMemoryUsage")?.expr).toContain('container_memory_working_set_bytes{namespace="production", container="go-service"}');
    expect(alerts.get("DiskSpaceLow")?.expr).toContain('kubelet_volume_stats_available_bytes{namespace="production"}');
  });

  it("aggregates so that one incident is one alert, not one per pod or status code", () => {
    expect(alerts.get("HighErrorRate")?.expr).toContain("sum by (namespace, job) (rate(http_requests_total{");
    expect(alerts.get("HighLatency")?.expr).toContain("sum by (namespace, job, le)");
    expect(alerts.get("HighGoroutineCount")?.expr).toContain("max by (namespace, job)");
    expect(alerts.get("ApplicationDown")?.expr).toContain("sum by (namespace, job) (up{");
  });

  it("ApplicationDown also fires when no target is discovered, and does not use $value as minutes", () => {
    const rule = alerts.get("ApplicationDown");
    expect(rule?.expr).toContain('absent(up{namespace="production", job="go-service"})');
    expect(rule?.description).not.toContain("$value");
    expect(rule?.description).toContain("for at least 1 minute");
  });

  it("ModerateTrafficIncrease compares with the same time yesterday, in both expression and text", () => {
    const rule = alerts.get("ModerateTrafficIncrease");
    expect(rule?.expr).toContain("[1h] offset 1d)");
    expect(rule?.expr).not.toContain("offset 1h");
    expect(rule?.summary).toContain("the same time yesterday");
    expect(rule?.description).toContain("the same hour yesterday");
  });

  it("HighMemoryUsage follows the container memory limit, not a fixed 400 MB", () => {
    expect(alerts.get("HighMemoryUsage")?.expr).toContain("/\n536870912\n> 0.9");
    expect(alerts.get("HighMemoryUsage")?.summary).toContain("512 MiB");
    const staging = alertsOf(STAGING).get("HighMemoryUsage");
    expect(staging?.expr).toContain('container="app"');
    expect(staging?.expr).toContain("/\n268435456\n> 0.95");
  });

  it("guards DatabaseConnectionsHigh against pools without a limit", () => {
    expect(alerts.get("DatabaseConnectionsHigh")?.expr).toContain('(go_sql_max_open_connections{namespace="production", job="go-service"} > 0)');
  });
});

describe("buildRuleGroups: every alert", () => {
  const cases = [...alertsOf(PRODUCTION).values()].map((rule) => [rule.alert, rule] as const);

  it("includes backup and SLO alerts", () => {
    expect(cases.map(([name]) => name)).toEqual([
      ...SEED_ALERTS.map(([name]) => name),
      "AvailabilitySLOFastBurn",
      "AvailabilitySLOSlowBurn",
      "LatencySLOFastBurn",
      "LatencySLOSlowBurn",
      "BackupOlderThanRpo",
      "RestoreDrillFailed",
    ]);
  });

  it.each(cases)("%s has a summary, a 3 a.m. description and a runbook anchor", (name, rule) => {
    expect(rule.summary.length).toBeGreaterThan(10);
    expect(rule.description.length).toBeGreaterThan(120);
    expect(rule.description).toMatch(/production/);
    expect(rule.runbookUrl).toBe(`https://runbooks.example.com/go-service#${name.toLowerCase()}`);
    expect(rule.extraLabels).toMatchObject({ service: "go-service", environment: "production" });
  });
});

describe("SLO rules", () => {
  const groups = buildRuleGroups(PRODUCTION);
  const alerts = alertsOf(PRODUCTION);

  it("pages on 14.4x over 1h and 5m or 6x over 6h and 30m, tickets on 3x over 1d and 2h or 1x over 3d and 6h", () => {
    const fast = alerts.get("AvailabilitySLOFastBurn");
    expect(fast?.severity).toBe("critical");
    expect(fast?.expr).toContain("namespace_job:slo_availability_errors:ratio_rate1h{namespace=\"production\", job=\"go-service\"} > (14.4 * 0.001)");
    expect(fast?.expr).toContain("namespace_job:slo_availability_errors:ratio_rate5m{namespace=\"production\", job=\"go-service\"} > (14.4 * 0.001)");
    expect(fast?.expr).toContain("ratio_rate6h{namespace=\"production\", job=\"go-service\"} > (6 * 0.001)");
    expect(fast?.expr).toContain("ratio_rate30m{namespace=\"production\", job=\"go-service\"} > (6 * 0.001)");
    const slow = alerts.get("LatencySLOSlowBurn");
    expect(slow?.severity).toBe("warning");
    expect(slow?.expr).toContain("namespace_job:slo_latency_errors:ratio_rate1d{namespace=\"production\", job=\"go-service\"} > (3 * 0.01)");
    expect(slow?.expr).toContain("ratio_rate3d{namespace=\"production\", job=\"go-service\"} > (1 * 0.01)");
  });

  it("records every ratio the alerts read, in a group evaluated before the alerts", () => {
    const names = groups.map((g) => g.name);
    expect(names).toEqual(["go-service.alerts", "go-service.slo.recording", "go-service.slo.alerts", "go-service.backup.alerts"]);
    const recorded = new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.kind === "record" ? [r.record] : []))));
    for (const rule of alerts.values()) {
      for (const used of rule.expr.match(/namespace_job:[a-z_:0-9]+/g) ?? []) expect(recorded, `${rule.alert} reads ${used}`).toContain(used);
    }
    expect(recorded).toContain("namespace_job:slo_availability_error_budget_remaining:ratio");
    expect(recorded).toContain("namespace_job:slo_latency_errors:ratio_rate30d");
  });

  it("uses the latency threshold as histogram bucket, matching Prometheus 2 and 3 spellings of whole numbers", () => {
    const text = renderRuleGroups(buildRuleGroups(STAGING));
    expect(text).toContain('le=~"1|1\\\\.0"');
    expect(renderRuleGroups(groups)).toContain('le="0.5"');
  });

  it("follows the staging SLO targets and window", () => {
    const text = renderRuleGroups(buildRuleGroups(STAGING));
    expect(text).toContain("(14.4 * 0.01)");
    expect(text).toContain("(14.4 * 0.05)");
    expect(text).toContain("namespace_job:slo_availability_errors:ratio_rate28d");
    expect(text).not.toContain("backup");
  });
});

describe("renderRuleGroups", () => {
  it("is deterministic: same props, same bytes", () => {
    expect(renderRuleGroups(buildRuleGroups(PRODUCTION))).toBe(renderRuleGroups(buildRuleGroups({ ...PRODUCTION })));
  });

  it("writes a Prometheus rule file with sorted labels and annotations", () => {
    const file = parse(renderRuleGroups(buildRuleGroups(PRODUCTION))) as { groups: { name: string; rules: Record<string, unknown>[] }[] };
    const first = file.groups[0]?.rules[0];
    expect(Object.keys(first ?? {})).toEqual(["alert", "expr", "for", "labels", "annotations"]);
    expect(Object.keys((first?.labels as object) ?? {})).toEqual(["environment", "service", "severity", "team"]);
    expect(Object.keys((first?.annotations as object) ?? {})).toEqual(["description", "runbook_url", "summary"]);
  });
});

describe("resolveObservabilityProps errors", () => {
  it.each([
    [{ serviceName: "Go_Service" }, 'serviceName "Go_Service" is not a valid Kubernetes name'],
    [{ containerMemoryLimitBytes: 0 }, "containerMemoryLimitBytes must be the container's memory limit as a positive whole number of bytes"],
    [{ backupScheduleInterval: undefined }, "backupCronJobName and backupScheduleInterval go together"],
    [
      { backupScheduleInterval: Duration.hours(1) },
      "backupRpo: a backup that runs every 1h at its longest interval: with room for one failed run the newest backup can be 2 × 1h = 2h old, more than the RPO of 1h; run at least every 30m (e.g. \"*/30 * * * *\") or raise the RPO to at least 2h",
    ],
    [{ restoreCheckRto: Duration.seconds(30) }, 'restoreCheckRto "30s" must be a whole number of minutes (cron and the alerts count in minutes)'],
    [{ restoreCheckCronJobName: undefined }, "restoreCheckRto needs restoreCheckCronJobName: the RestoreDrillFailed alert watches that CronJob"],
    [{ restoreCheckCronJobName: "Restore_Check" }, 'restoreCheckCronJobName "Restore_Check" is not a valid Kubernetes name'],
    [{ monitoring: { slo: { window: "3d" } } }, 'monitoring.slo.window "3d" must be longer than the 3d look-back'],
    [{ environment: "Prod" }, 'environment "Prod" must be 1 to 30 lower-case letters'],
  ])("rejects %j", (override, message) => {
    expect(() => resolveObservabilityProps({ ...PRODUCTION, ...override })).toThrow(message);
  });
});

describe("recovery target alerts", () => {
  const alerts = alertsOf(PRODUCTION);

  it("BackupOlderThanRpo: the newest successful backup Job's start against the RPO, not single failed Jobs", () => {
    const rule = alerts.get("BackupOlderThanRpo");
    expect(rule?.expr).toContain("kube_job_status_start_time{namespace=\"production\"}");
    expect(rule?.expr).toContain('kube_job_owner{namespace="production", owner_kind="CronJob", owner_name="go-service-backup"}');
    expect(rule?.expr).toContain('(kube_job_complete{namespace="production", condition="true"} == 1)');
    expect(rule?.expr).toMatch(/\n\)\n> 3600\nor\n/);
    expect(rule?.expr).not.toContain("kube_job_failed");
    expect([rule?.severity, rule?.for, rule?.extraLabels?.["cronjob"]]).toEqual(["critical", "5m", "go-service-backup"]);
  });

  it("RestoreDrillFailed: the last scheduled drill has not succeeded within the RTO", () => {
    const rule = alerts.get("RestoreDrillFailed");
    expect(rule?.expr).toContain('kube_cronjob_status_last_schedule_time{namespace="production", cronjob="go-service-restore-check"}');
    expect(rule?.expr.endsWith("\n)\n> 900")).toBe(true);
    expect(rule?.severity).toBe("warning");
    expect(rule?.summary).toContain("RTO (15m)");
  });

  it("the RPO defaults to twice the schedule interval, and without a drill CronJob there is no drill alert", () => {
    const { backupRpo: _rpo, restoreCheckCronJobName: _name, restoreCheckRto: _rto, ...rest } = PRODUCTION;
    const daily = { ...rest, backupScheduleInterval: Duration.hours(24) };
    expect(resolveObservabilityProps(daily).backup).toEqual({ cronJobName: "go-service-backup", scheduleIntervalSeconds: 86_400, rpoSeconds: 172_800, restoreCheck: undefined });
    expect([...alertsOf(daily).keys()].filter((name) => /Backup|Restore/.test(name))).toEqual(["BackupOlderThanRpo"]);
  });
});
