import { durationToSeconds } from "../../config/duration.js";
import type { ResolvedObservability } from "../observability-props.js";
import { num } from "../promql.js";
import type { AlertRule, RuleGroup } from "../rule-types.js";
import { isAlertRule } from "../rule-types.js";
import { renderRuleGroups } from "../render.js";
import { buildRuleGroups } from "../rules.js";
import { sloAlertName, sloDefinitions } from "../slo.js";
import { alertLabels, counter, gauge, renderRuleGroupsWithoutAnnotations, series } from "./promtool-test-file.js";
import type { AlertRuleTest, InputSeries, PromtoolTestFile, PromtoolTestGroup } from "./promtool-test-file.js";

/**
 * promtool unit tests for every alert of the bundle, generated for a given set of props so that
 * thresholds and selectors come from the same values as the rules under test.
 *
 * Each alert gets: a case just above its threshold that is silent before `for` has elapsed and
 * fires after, and a case just below (or exactly at) the threshold that stays silent.
 */

const minutes = (m: number): string => `${m}m`;

/** Cases per alert, so that a test can check that every alert is covered both ways. */
export interface AlertCoverage {
  /** Names of the alerts with at least one case where they fire. */
  readonly fires: Set<string>;
  /** Names of the alerts with at least one case where they stay silent. */
  readonly silent: Set<string>;
}

class TestBuilder {
  readonly groups: (PromtoolTestGroup & { readonly long: boolean })[] = [];
  readonly coverage: AlertCoverage = { fires: new Set(), silent: new Set() };

  constructor(private readonly alerts: ReadonlyMap<string, AlertRule>) {}

  rule(name: string): AlertRule {
    const rule = this.alerts.get(name);
    if (rule === undefined) throw new Error(`no alert named ${name} in the rule groups under test`);
    return rule;
  }

  /** Expectation that `alertname` fires with the labels of its rule plus `seriesLabels`. */
  fires(alertname: string, evalMinutes: number, seriesLabels: Readonly<Record<string, string>>, annotations?: Record<string, string>): AlertRuleTest {
    this.coverage.fires.add(alertname);
    return {
      eval_time: minutes(evalMinutes),
      alertname,
      exp_alerts: [{ exp_labels: alertLabels(this.rule(alertname), seriesLabels), ...(annotations === undefined ? {} : { exp_annotations: annotations }) }],
    };
  }

  silent(alertname: string, evalMinutes: number): AlertRuleTest {
    this.coverage.silent.add(alertname);
    this.rule(alertname);
    return { eval_time: minutes(evalMinutes), alertname, exp_alerts: [] };
  }

  /** `long`: spans more than a day of samples; run against a rule file holding only the alert under test. */
  add(title: string, input: InputSeries[], tests: AlertRuleTest[], options: { long?: boolean } = {}): void {
    this.groups.push({ title, interval: "1m", input_series: input, alert_rule_test: tests, long: options.long ?? false });
  }
}

/** Prometheus' `humanizeDuration` template function, for whole seconds of at least one. */
export function humanizeDuration(seconds: number): string {
  const whole = Math.trunc(seconds);
  const [d, h, m, sec] = [Math.floor(whole / 86_400), Math.floor(whole / 3600) % 24, Math.floor(whole / 60) % 60, whole % 60];
  if (d !== 0) return `${d}d ${h}h ${m}m ${sec}s`;
  if (h !== 0) return `${h}h ${m}m ${sec}s`;
  if (m !== 0) return `${m}m ${sec}s`;
  return `${whole}s`;
}

/** Minutes of an alert's `for`. */
function forMinutes(rule: AlertRule): number {
  return rule.for === undefined ? 0 : durationToSeconds(rule.for) / 60;
}

/** One promtool run: a rule file and the test file that reads it. */
export interface RuleTestSuite {
  /** Short name, used for file names. */
  readonly name: string;
  /** File name the test file's `rule_files` refers to; write `ruleFile` under this name next to the test file. */
  readonly ruleFileName: string;
  /** Content of the rule file under test. */
  readonly ruleFile: string;
  /** File name of the test file, to pass to `promtool test rules`. */
  readonly testFileName: string;
  /** The test file, to render with `renderPromtoolTestFile`. */
  readonly testFile: PromtoolTestFile;
}

/** Every promtool suite of the bundle and the alerts they cover. */
export interface RuleTests {
  /** Suites to run, each with its own rule file. */
  readonly suites: readonly RuleTestSuite[];
  /** Alerts with at least one firing case, and with at least one silent case. */
  readonly coverage: AlertCoverage;
}

/**
 * Unit tests of every alert, as promtool suites:
 * - `alerts`: every rule (annotations stripped), every case that spans less than a day;
 * - `traffic`: cases that need yesterday's samples, against a rule file holding only that alert
 *   (evaluating every rule over 1500 minutes would take seconds per case);
 * - `annotations`: rendered summaries and descriptions of a few alerts, against the real rule file.
 */
export function buildRuleTests(o: ResolvedObservability): RuleTests {
  const all = collectCases(o, false);
  const withAnnotations = collectCases(o, true);
  const groups = buildRuleGroups(o);
  const strip = (tests: typeof all.groups): PromtoolTestGroup[] => tests.map(({ long: _long, ...group }) => group);
  const longAlerts = new Set(all.groups.filter((g) => g.long).flatMap((g) => g.alert_rule_test.map((test) => test.alertname)));
  const onlyLongAlerts: RuleGroup[] = groups
    .map((group) => ({ ...group, rules: group.rules.filter((rule) => isAlertRule(rule) && longAlerts.has(rule.alert)) }))
    .filter((group) => group.rules.length > 0);
  const annotated = withAnnotations.groups.filter((g) => g.alert_rule_test.some((test) => test.exp_alerts.some((a) => a.exp_annotations !== undefined)));
  const suite = (name: string, ruleFile: string, tests: PromtoolTestGroup[]): RuleTestSuite => ({
    name,
    ruleFileName: `${name}.rules.yaml`,
    ruleFile,
    testFileName: `${name}.test.yaml`,
    testFile: { rule_files: [`${name}.rules.yaml`], evaluation_interval: "1m", tests },
  });
  return {
    suites: [
      suite("alerts", renderRuleGroupsWithoutAnnotations(groups), strip(all.groups.filter((g) => !g.long))),
      suite("traffic", renderRuleGroupsWithoutAnnotations(onlyLongAlerts), strip(all.groups.filter((g) => g.long))),
      suite("annotations", renderRuleGroups(groups), strip(annotated)),
    ],
    coverage: all.coverage,
  };
}

function collectCases(o: ResolvedObservability, withAnnotations: boolean): TestBuilder {
  const options = { withAnnotations };
  const groups: RuleGroup[] = buildRuleGroups(o);
  const alerts = new Map(groups.flatMap((g) => g.rules.filter(isAlertRule)).map((rule) => [rule.alert, rule] as const));
  const t = new TestBuilder(alerts);
  const th = o.monitoring.thresholds;
  const ns = o.namespace;
  const job = o.jobLabel;
  const svc = { namespace: ns, job };
  const pod = (n: number) => ({ namespace: ns, job, instance: `10.0.0.${n}:8080`, pod: `${o.serviceName}-5d8f7c6b9-pod${n}` });
  const requests = (labels: Record<string, string>, status: string, perMinute: number, mins: number, method = "GET"): InputSeries => ({
    series: series("http_requests_total", { ...labels, method, status }),
    values: counter(perMinute, mins),
  });
  const buckets = (metric: string, labels: Record<string, string>, cumulativePerMinute: Record<string, number>, mins: number): InputSeries[] =>
    Object.entries(cumulativePerMinute).map(([le, perMinute]) => ({ series: series(`${metric}_bucket`, { ...labels, le }), values: counter(perMinute, mins) }));

  // ApplicationDown -----------------------------------------------------------------------------
  {
    const rule = t.rule("ApplicationDown");
    const f = forMinutes(rule);
    const upValues = "1 1 1 " + Array.from({ length: 12 }, () => "0").join(" "); // down from minute 3
    t.add(
      "ApplicationDown: every target down",
      [
        { series: series("up", pod(1)), values: upValues },
        { series: series("up", pod(2)), values: upValues },
      ],
      [
        t.silent("ApplicationDown", 3), // condition true, `for` not elapsed
        t.fires("ApplicationDown", 3 + f + 1, svc, options.withAnnotations ? annotationsOf(rule) : undefined),
      ],
    );
    t.add(
      "ApplicationDown: one target of two down is not an outage of the service",
      [
        { series: series("up", pod(1)), values: upValues },
        { series: series("up", pod(2)), values: gauge(1, 15) },
      ],
      [t.silent("ApplicationDown", 10)],
    );
    t.add(
      "ApplicationDown: no target discovered at all",
      [{ series: series("up", { namespace: ns, job: "another-service", instance: "10.0.9.9:8080" }), values: gauge(1, 10) }],
      [t.silent("ApplicationDown", 0), t.fires("ApplicationDown", f + 1, svc)],
    );
  }

  // HighErrorRate: 5xx split over two status codes and two pods must give one alert -----------
  {
    const f = forMinutes(t.rule("HighErrorRate"));
    const perMinute = 1000;
    const above = Math.round(perMinute * th.errorRate * 1.02); // 5.1% for the default 5%
    const below = Math.round(perMinute * th.errorRate * 0.98);
    const scenario = (bad: number): InputSeries[] => [
      requests(pod(1), "200", (perMinute - bad) / 2, 30),
      requests(pod(2), "200", (perMinute - bad) / 2, 30),
      requests(pod(1), "500", bad / 2, 30),
      requests(pod(2), "503", bad / 2, 30),
    ];
    t.add(`HighErrorRate: ${num(above / 10)}% of requests fail`, scenario(above), [
      t.silent("HighErrorRate", f),
      t.fires("HighErrorRate", f + 2, svc),
    ]);
    t.add(`HighErrorRate: ${num(below / 10)}% of requests fail`, scenario(below), [t.silent("HighErrorRate", 20)]);
  }

  // HighLatency --------------------------------------------------------------------------------
  {
    const f = forMinutes(t.rule("HighLatency"));
    const threshold = th.latencyP95Seconds;
    // 90% under `threshold`, 10% in the next bucket → P95 in the middle of that bucket, above the threshold.
    const slow = { "0.1": 500, [num(threshold / 2)]: 900, [num(threshold)]: 900, [num(threshold * 2.5)]: 1000, "+Inf": 1000 };
    // 96% under `threshold` → P95 inside the bucket below the threshold.
    const fast = { "0.1": 500, [num(threshold / 2)]: 900, [num(threshold)]: 1000, [num(threshold * 2.5)]: 1000, "+Inf": 1000 };
    t.add(`HighLatency: P95 above ${num(threshold)}s`, buckets("http_request_duration_seconds", pod(1), slow, 30), [
      t.silent("HighLatency", f),
      t.fires("HighLatency", f + 2, svc),
    ]);
    t.add(`HighLatency: P95 below ${num(threshold)}s`, buckets("http_request_duration_seconds", pod(1), fast, 30), [t.silent("HighLatency", 20)]);
  }

  // HighMemoryUsage: threshold follows the container memory limit -------------------------------
  {
    const rule = t.rule("HighMemoryUsage");
    const f = forMinutes(rule);
    const limit = o.containerMemoryLimitBytes;
    const container = { namespace: ns, container: o.containerName };
    const cadvisor = (n: number) => ({ ...container, pod: `${o.serviceName}-5d8f7c6b9-pod${n}`, job: "kubelet", metrics_path: "/metrics/cadvisor" });
    const aboveFraction = th.memoryLimitFraction + 0.01;
    const above = Math.round(limit * aboveFraction);
    const below = Math.round(limit * (th.memoryLimitFraction - 0.01));
    t.add(
      `HighMemoryUsage: one pod at ${num(aboveFraction * 100)}% of the limit`,
      [
        { series: series("container_memory_working_set_bytes", cadvisor(1)), values: gauge(above, 20) },
        { series: series("container_memory_working_set_bytes", cadvisor(2)), values: gauge(Math.round(limit / 2), 20) },
      ],
      [
        t.silent("HighMemoryUsage", f - 1),
        t.fires(
          "HighMemoryUsage",
          f + 1,
          container,
          options.withAnnotations ? annotationsOf(rule, { "{{ $value | humanizePercentage }}": `${num(aboveFraction * 100)}%` }) : undefined,
        ),
      ],
    );
    t.add(
      "HighMemoryUsage: just below the threshold",
      [{ series: series("container_memory_working_set_bytes", cadvisor(1)), values: gauge(below, 20) }],
      [t.silent("HighMemoryUsage", 15)],
    );
  }

  // HighGoroutineCount: exactly at the threshold is silent ---------------------------------------
  {
    const f = forMinutes(t.rule("HighGoroutineCount"));
    t.add(
      `HighGoroutineCount: ${th.goroutines + 1} goroutines in one pod`,
      [
        { series: series("go_goroutines", pod(1)), values: gauge(th.goroutines + 1, 20) },
        { series: series("go_goroutines", pod(2)), values: gauge(50, 20) },
      ],
      [t.silent("HighGoroutineCount", f - 1), t.fires("HighGoroutineCount", f + 1, svc)],
    );
    t.add(
      `HighGoroutineCount: exactly ${th.goroutines} goroutines`,
      [{ series: series("go_goroutines", pod(1)), values: gauge(th.goroutines, 20) }],
      [t.silent("HighGoroutineCount", 15)],
    );
  }

  // DatabaseConnectionsHigh: a pool without limit (max_open = 0) must not count as +Inf ---------
  {
    const f = forMinutes(t.rule("DatabaseConnectionsHigh"));
    const max = 100;
    const above = Math.floor(max * th.dbConnectionsUsage) + 1;
    const atThreshold = Math.floor(max * th.dbConnectionsUsage);
    const pool = (n: number, open: number, maxOpen: number): InputSeries[] => [
      { series: series("go_sql_open_connections", { ...pod(n), db_name: "app" }), values: gauge(open, 20) },
      { series: series("go_sql_max_open_connections", { ...pod(n), db_name: "app" }), values: gauge(maxOpen, 20) },
    ];
    t.add(
      `DatabaseConnectionsHigh: ${above}/${max} connections open`,
      [...pool(1, above, max), ...pool(2, 10, max)],
      [t.silent("DatabaseConnectionsHigh", f - 1), t.fires("DatabaseConnectionsHigh", f + 1, svc)],
    );
    t.add(
      `DatabaseConnectionsHigh: ${atThreshold}/${max} open, and an unlimited pool`,
      [...pool(1, atThreshold, max), ...pool(2, 500, 0)],
      [t.silent("DatabaseConnectionsHigh", 15)],
    );
  }

  // SlowDatabaseQueries -------------------------------------------------------------------------
  {
    const f = forMinutes(t.rule("SlowDatabaseQueries"));
    const threshold = th.slowQueryP95Seconds;
    const slow = { [num(threshold / 5)]: 800, [num(threshold / 2)]: 900, [num(threshold)]: 900, [num(threshold * 2)]: 1000, "+Inf": 1000 };
    const fast = { [num(threshold / 5)]: 800, [num(threshold / 2)]: 900, [num(threshold)]: 1000, [num(threshold * 2)]: 1000, "+Inf": 1000 };
    t.add(`SlowDatabaseQueries: P95 above ${num(threshold)}s`, buckets("db_query_duration_seconds", pod(1), slow, 30), [
      t.silent("SlowDatabaseQueries", f),
      t.fires("SlowDatabaseQueries", f + 2, svc),
    ]);
    t.add(`SlowDatabaseQueries: P95 below ${num(threshold)}s`, buckets("db_query_duration_seconds", pod(1), fast, 30), [
      t.silent("SlowDatabaseQueries", 20),
    ]);
  }

  // ModerateTrafficIncrease: compared with the same time yesterday ------------------------------
  {
    const f = forMinutes(t.rule("ModerateTrafficIncrease"));
    const day = 24 * 60;
    const minRps = Math.max(th.trafficIncreaseMinRequestsPerSecond, 0.5);
    const yesterdayPerMinute = Math.ceil(minRps * 60 * 1.2); // above the minimum rate
    // Yesterday's 1h window must lie fully inside the series, so the change happens 90 minutes into day 2.
    const change = day + 90;
    const traffic = (yesterday: number, today: number): InputSeries => ({
      series: series("http_requests_total", { ...pod(1), method: "GET", status: "200" }),
      values: `${counter(yesterday, change)} ${yesterday * change + today}+${today}x60`,
    });
    const factor = th.trafficIncreaseFactor;
    const above = Math.ceil(yesterdayPerMinute * (factor + 0.5));
    const below = Math.floor(yesterdayPerMinute * (factor - 0.1));
    // The 5m rate is fully at the new level 5 minutes after the change.
    t.add(`ModerateTrafficIncrease: ${num(above / yesterdayPerMinute)}x yesterday's traffic`, [traffic(yesterdayPerMinute, above)], [
      t.silent("ModerateTrafficIncrease", change + 5 + f - 2),
      t.fires("ModerateTrafficIncrease", change + 5 + f + 1, svc),
    ], { long: true });
    t.add(`ModerateTrafficIncrease: ${num(below / yesterdayPerMinute)}x yesterday's traffic`, [traffic(yesterdayPerMinute, below)], [
      t.silent("ModerateTrafficIncrease", change + 5 + f + 10),
    ], { long: true });
    const tinyYesterday = 3;
    const tinyToday = Math.min(Math.floor(th.trafficIncreaseMinRequestsPerSecond * 60 * 0.9), tinyYesterday * 10);
    if (tinyToday > tinyYesterday * factor) {
      t.add("ModerateTrafficIncrease: a big factor on tiny traffic stays quiet", [traffic(tinyYesterday, tinyToday)], [
        t.silent("ModerateTrafficIncrease", change + 5 + f + 10),
      ], { long: true });
    }
  }

  // DiskSpaceLow --------------------------------------------------------------------------------
  {
    const rule = t.rule("DiskSpaceLow");
    const f = forMinutes(rule);
    const capacity = 10_000_000_000;
    const pvc = { namespace: ns, persistentvolumeclaim: `data-${o.serviceName}-0` };
    const kubelet = { ...pvc, job: "kubelet", instance: "node-1", node: "node-1" };
    const volume = (available: number): InputSeries[] => [
      { series: series("kubelet_volume_stats_available_bytes", kubelet), values: gauge(available, 30) },
      { series: series("kubelet_volume_stats_capacity_bytes", kubelet), values: gauge(capacity, 30) },
    ];
    const aboveFraction = th.diskFreeFraction - 0.001;
    t.add(`DiskSpaceLow: ${num(aboveFraction * 100)}% free`, volume(Math.round(capacity * aboveFraction)), [
      t.silent("DiskSpaceLow", f - 1),
      t.fires(
        "DiskSpaceLow",
        f + 1,
        pvc,
        options.withAnnotations
          ? annotationsOf(rule, {
              "{{ $labels.persistentvolumeclaim }}": pvc.persistentvolumeclaim,
              "{{ $value | humanizePercentage }}": `${num(aboveFraction * 100)}%`,
            })
          : undefined,
      ),
    ]);
    t.add(`DiskSpaceLow: exactly ${num(th.diskFreeFraction * 100)}% free`, volume(Math.round(capacity * th.diskFreeFraction)), [
      t.silent("DiskSpaceLow", 25),
    ]);
  }

  // Recovery targets ------------------------------------------------------------------------------
  if (o.backup !== undefined) {
    const { cronJobName, rpoSeconds, restoreCheck } = o.backup;
    const ksm = { job: "kube-state-metrics", instance: "10.0.5.5:8080", namespace: ns };
    const cronjob = { namespace: ns };
    const rule = t.rule("BackupOlderThanRpo");
    const f = forMinutes(rule);
    const jobSeries = (owner: string, id: number, startedAt: number, complete: boolean): InputSeries[] => [
      {
        series: series("kube_job_owner", { ...ksm, job_name: `${owner}-${id}`, owner_kind: "CronJob", owner_name: owner, owner_is_controller: "true" }),
        values: gauge(1, 30),
      },
      { series: series("kube_job_status_start_time", { ...ksm, job_name: `${owner}-${id}` }), values: gauge(startedAt, 30) },
      { series: series("kube_job_complete", { ...ksm, job_name: `${owner}-${id}`, condition: "true" }), values: gauge(complete ? 1 : 0, 30) },
      { series: series("kube_job_complete", { ...ksm, job_name: `${owner}-${id}`, condition: "false" }), values: gauge(complete ? 0 : 1, 30) },
    ];
    const created = { series: series("kube_cronjob_created", { ...ksm, cronjob: cronJobName }), values: gauge(-10 * rpoSeconds, 30) };
    const lastSuccess = (at: number): InputSeries => ({ series: series("kube_cronjob_status_last_successful_time", { ...ksm, cronjob: cronJobName }), values: gauge(at, 30) });
    // The newest successful Job started 10 minutes short of the RPO at t=0: its age crosses the RPO after minute 10.
    const started = -(rpoSeconds - 600);
    t.add(
      "BackupOlderThanRpo: the newest successful backup Job crosses the RPO at minute 10 (newer failed Jobs and another CronJob's Job do not count)",
      [
        ...jobSeries(cronJobName, 1, started - 3600, true),
        ...jobSeries(cronJobName, 2, started, true),
        ...jobSeries(cronJobName, 3, started + 300, false),
        ...jobSeries("other-cron", 1, 0, true),
        lastSuccess(started + 60),
        created,
      ],
      [
        t.silent("BackupOlderThanRpo", 10),
        t.silent("BackupOlderThanRpo", 10 + f),
        t.fires(
          "BackupOlderThanRpo",
          10 + f + 2,
          cronjob,
          options.withAnnotations ? annotationsOf(rule, { "{{ $value | humanizeDuration }}": humanizeDuration(rpoSeconds + (f + 2) * 60) }) : undefined,
        ),
      ],
    );
    t.add(
      "BackupOlderThanRpo: one failed run, the newest successful backup one minute younger than the RPO",
      [
        ...jobSeries(cronJobName, 4, 20 * 60 - (rpoSeconds - 60), true),
        ...jobSeries(cronJobName, 5, 20 * 60 - 120, false),
        lastSuccess(20 * 60 - (rpoSeconds - 120)),
        created,
      ],
      [t.silent("BackupOlderThanRpo", 20)],
    );
    t.add(
      "BackupOlderThanRpo: no Job left in the history, the CronJob's last success crosses the RPO at minute 10",
      [lastSuccess(started), created],
      [t.silent("BackupOlderThanRpo", 10 + f), t.fires("BackupOlderThanRpo", 10 + f + 2, cronjob)],
    );
    t.add(
      "BackupOlderThanRpo: a CronJob that never succeeded since its creation",
      [{ series: series("kube_cronjob_created", { ...ksm, cronjob: cronJobName }), values: gauge(started, 30) }],
      [t.silent("BackupOlderThanRpo", 10 + f), t.fires("BackupOlderThanRpo", 10 + f + 2, cronjob)],
    );

    if (restoreCheck !== undefined) {
      const drill = t.rule("RestoreDrillFailed");
      const rtoMinutes = restoreCheck.rtoSeconds / 60;
      const end = Math.ceil(rtoMinutes) + 10;
      const drillCronJob = { namespace: ns, cronjob: restoreCheck.cronJobName };
      const scheduled = { series: series("kube_cronjob_status_last_schedule_time", { ...ksm, cronjob: restoreCheck.cronJobName }), values: gauge(0, end) };
      const succeeded = (values: string): InputSeries => ({
        series: series("kube_cronjob_status_last_successful_time", { ...ksm, cronjob: restoreCheck.cronJobName }),
        values,
      });
      const weekAgo = -7 * 86_400;
      t.add(
        "RestoreDrillFailed: the drill scheduled at minute 0 has not succeeded at the RTO (failed or still running)",
        [scheduled, succeeded(gauge(weekAgo, end))],
        [
          t.silent("RestoreDrillFailed", Math.floor(rtoMinutes)),
          t.fires(
            "RestoreDrillFailed",
            Math.floor(rtoMinutes) + 1,
            drillCronJob,
            options.withAnnotations
              ? annotationsOf(drill, { "{{ $value | humanizeDuration }}": humanizeDuration((Math.floor(rtoMinutes) + 1) * 60) })
              : undefined,
          ),
        ],
      );
      t.add(
        "RestoreDrillFailed: the drill succeeds within the RTO",
        [scheduled, succeeded(`${weekAgo}x${Math.max(0, Math.floor(rtoMinutes) - 2)} ${(Math.floor(rtoMinutes) - 1) * 60}x${end}`)],
        [t.silent("RestoreDrillFailed", Math.floor(rtoMinutes) + 1), t.silent("RestoreDrillFailed", end)],
      );
      t.add(
        "RestoreDrillFailed: a drill CronJob that never succeeded",
        [scheduled],
        [t.silent("RestoreDrillFailed", Math.floor(rtoMinutes)), t.fires("RestoreDrillFailed", Math.floor(rtoMinutes) + 1, drillCronJob)],
      );
    }
  }

  // SLO burn rates ------------------------------------------------------------------------------
  const slos = new Map(sloDefinitions(o).map((slo) => [slo.name, slo] as const));
  const sloLabels = (slo: string) => ({ ...svc, slo });
  {
    const budget = slos.get("availability")?.errorBudget ?? 0.001;
    const fast = sloAlertName("availability", "fast");
    const slow = sloAlertName("availability", "slow");
    const perMinute = 100_000;
    const scenario = (burnRate: number, mins: number): InputSeries[] => {
      const bad = Math.round(perMinute * budget * burnRate);
      return [requests(pod(1), "200", perMinute - bad, mins), requests(pod(1), "500", bad, mins)];
    };
    t.add("Availability SLO: 20x burn rate pages", scenario(20, 20), [t.fires(fast, 10, sloLabels("availability")), t.fires(slow, 10, sloLabels("availability"))]);
    t.add("Availability SLO: 4x burn rate opens a ticket, does not page", scenario(4, 40), [
      t.silent(fast, 30),
      t.fires(slow, 30, sloLabels("availability")),
    ]);
    t.add("Availability SLO: 0.8x burn rate respects the budget", scenario(0.8, 80), [t.silent(fast, 75), t.silent(slow, 75)]);
    const bad = Math.round(perMinute * budget * 20);
    t.add(
      "Availability SLO: the page resets once the short windows are clean, though long windows still remember",
      [
        requests(pod(1), "200", perMinute - bad, 100),
        { series: series("http_requests_total", { ...pod(1), method: "GET", status: "500" }), values: `${counter(bad, 60)} ${bad * 60}+0x40` },
      ],
      [t.fires(fast, 30, sloLabels("availability")), t.silent(fast, 95)],
    );
  }
  {
    const budget = slos.get("latency")?.errorBudget ?? 0.01;
    const fast = sloAlertName("latency", "fast");
    const slow = sloAlertName("latency", "slow");
    const le = num(o.monitoring.slo.latencyThresholdSeconds);
    const perMinute = 10_000;
    const scenario = (burnRate: number, mins: number): InputSeries[] => {
      const slowRequests = Math.round(perMinute * budget * burnRate);
      return [
        ...buckets("http_request_duration_seconds", pod(1), { [le]: perMinute - slowRequests, "+Inf": perMinute }, mins),
        { series: series("http_request_duration_seconds_count", pod(1)), values: counter(perMinute, mins) },
      ];
    };
    t.add("Latency SLO: 20x burn rate pages", scenario(20, 20), [t.fires(fast, 10, sloLabels("latency")), t.fires(slow, 10, sloLabels("latency"))]);
    t.add("Latency SLO: 4x burn rate opens a ticket, does not page", scenario(4, 40), [t.silent(fast, 30), t.fires(slow, 30, sloLabels("latency"))]);
    t.add("Latency SLO: 0.5x burn rate respects the budget", scenario(0.5, 80), [t.silent(fast, 75), t.silent(slow, 75)]);
  }

  return t;

  function annotationsOf(rule: AlertRule, substitutions: Record<string, string> = {}): Record<string, string> {
    const render = (text: string) => Object.entries(substitutions).reduce((acc, [from, to]) => acc.split(from).join(to), text);
    return { description: render(rule.description), runbook_url: rule.runbookUrl, summary: render(rule.summary) };
  }
}
