import { METRICS, SERVICE_LABELS, SIGNALS, serviceMatchers, sloBudgetRemainingRecord, sloErrorRatioRecord, sloRequestsRecord } from "./metrics-catalog.js";
import type { SloName } from "./metrics-catalog.js";
import type { ResolvedObservability } from "./observability-props.js";
import { by, leMatcher, num, selector } from "./promql.js";
import type { AlertRule, RecordingRule, Severity } from "./rule-types.js";

/**
 * Multi-window, multi-burn-rate SLO alerts (Google SRE workbook, "Alerting on SLOs", table 5-8).
 *
 * A burn rate of 1 spends exactly the error budget over the SLO window. Each condition needs both a
 * long window (significance: enough budget is really gone) and a short window (recency: it is still
 * happening, so the alert resets minutes after a fix instead of hours).
 */
export interface BurnRateWindow {
  /** Prometheus duration of the long window, which shows that enough budget is really gone. */
  readonly longWindow: string;
  /** Prometheus duration of the short window (1/12 of the long one), which shows that it is still happening. */
  readonly shortWindow: string;
  /** Burn rate threshold; for a 30-day window 14.4 spends 2% of the budget in 1 hour. */
  readonly burnRate: number;
  /** critical = page, warning = ticket. */
  readonly severity: Severity;
}

/** The four burn-rate conditions of the SRE workbook for a 30-day SLO: two that page, two that open a ticket. */
export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { longWindow: "1h", shortWindow: "5m", burnRate: 14.4, severity: "critical" },
  { longWindow: "6h", shortWindow: "30m", burnRate: 6, severity: "critical" },
  { longWindow: "1d", shortWindow: "2h", burnRate: 3, severity: "warning" },
  { longWindow: "3d", shortWindow: "6h", burnRate: 1, severity: "warning" },
];

/** The burn rate of the fastest paging condition (14.4): a ratio above this × the error budget pages. */
export const PAGE_BURN_RATE = Math.max(...BURN_RATE_WINDOWS.filter((w) => w.severity === "critical").map((w) => w.burnRate));

/** Every window an error ratio is recorded for, shortest first. */
export const SLO_RATIO_WINDOWS: readonly string[] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/** One SLO of the service, with its target taken from the monitoring config. */
export interface SloDefinition {
  /** Which SLO; also the `slo` label of its alerts and part of its recording rule names. */
  readonly name: SloName;
  /** Fraction of good requests promised over the window, e.g. 0.999. */
  readonly target: number;
  /** 1 - target, rounded so that PromQL shows 0.001 and not 0.0010000000000000009. */
  readonly errorBudget: number;
  /** Human description of a good request, for alert texts. */
  readonly objective: string;
}

/** The availability and latency SLOs of the service, in that order. */
export function sloDefinitions(o: ResolvedObservability): readonly SloDefinition[] {
  const { slo } = o.monitoring;
  return [
    {
      name: "availability",
      target: slo.availabilityTarget,
      errorBudget: Number(num(1 - slo.availabilityTarget)),
      objective: `${num(slo.availabilityTarget * 100)}% of requests answered without a 5xx error`,
    },
    {
      name: "latency",
      target: slo.latencyTarget,
      errorBudget: Number(num(1 - slo.latencyTarget)),
      objective: `${num(slo.latencyTarget * 100)}% of requests served in under ${num(slo.latencyThresholdSeconds)}s`,
    },
  ];
}

const SUM = `sum ${by(SERVICE_LABELS)}`;

/**
 * PromQL for the bad-request ratio of an SLO over a window, straight from the service's metrics: what the
 * `namespace_job:slo_<slo>_errors:ratio_rate<window>` rules record, and what a canary's analysis measures
 * for one release track (`o.scope.track`).
 */
export function sloErrorRatioExpr(o: ResolvedObservability, slo: SloName, window: string): string {
  const m = serviceMatchers(o.scope);
  const total = `${SUM} (rate(${selector(METRICS.httpRequestsTotal.name, m)}[${window}]))`;
  if (slo === "availability") {
    // With no 5xx series at all the ratio must be 0, not "no data" (which would blank the budget).
    const bad = `${SUM} (rate(${selector(METRICS.httpRequestsTotal.name, m, { status: { re: "5.." } })}[${window}]))`;
    return `(\n  ${bad}\n  or\n  0 * ${total}\n)\n/\n${total}`;
  }
  const histogram = METRICS.httpRequestDuration.name;
  const fast = `${SUM} (rate(${selector(`${histogram}_bucket`, m, { le: leMatcher(o.monitoring.slo.latencyThresholdSeconds) })}[${window}]))`;
  const all = `${SUM} (rate(${selector(`${histogram}_count`, m)}[${window}]))`;
  return `1 - (\n  ${fast}\n  /\n  ${all}\n)`;
}

/** Request rates over 5m (all and bad), summed over the SLO window for a traffic-weighted ratio. */
function requestRateExprs(o: ResolvedObservability, slo: SloName): { total: string; bad: string } {
  const m = serviceMatchers(o.scope);
  if (slo === "availability") {
    const total = `${SUM} (rate(${selector(METRICS.httpRequestsTotal.name, m)}[5m]))`;
    const bad = `${SUM} (rate(${selector(METRICS.httpRequestsTotal.name, m, { status: { re: "5.." } })}[5m]))`;
    return { total, bad: `${bad}\nor\n0 * ${total}` };
  }
  const histogram = METRICS.httpRequestDuration.name;
  const total = `${SUM} (rate(${selector(`${histogram}_count`, m)}[5m]))`;
  const fast = `${SUM} (rate(${selector(`${histogram}_bucket`, m, { le: leMatcher(o.monitoring.slo.latencyThresholdSeconds) })}[5m]))`;
  return { total, bad: `${total}\n-\n${fast}` };
}

/**
 * Recording rules the SLO alerts and panels read: the error ratio of each SLO over every burn-rate
 * window, the 5-minute request rates, the error ratio over the whole SLO window and the remaining
 * budget. Alerts and panels read these series instead of each recomputing long-window rates; the
 * SLO-window ratio sums the recorded 5-minute rates because a raw 30-day `rate` is too expensive.
 */
export function sloRecordingRules(o: ResolvedObservability): RecordingRule[] {
  const window = o.monitoring.slo.window;
  const m = serviceMatchers(o.scope);
  const rules: RecordingRule[] = [];
  for (const slo of sloDefinitions(o)) {
    for (const ratioWindow of SLO_RATIO_WINDOWS) {
      rules.push({ kind: "record", record: sloErrorRatioRecord(slo.name, ratioWindow), expr: sloErrorRatioExpr(o, slo.name, ratioWindow) });
    }
    const rates = requestRateExprs(o, slo.name);
    rules.push({ kind: "record", record: sloRequestsRecord(slo.name, "total"), expr: rates.total });
    rules.push({ kind: "record", record: sloRequestsRecord(slo.name, "bad"), expr: rates.bad });
    rules.push({
      kind: "record",
      record: sloErrorRatioRecord(slo.name, window),
      expr:
        `sum_over_time(${selector(sloRequestsRecord(slo.name, "bad"), m)}[${window}])\n` +
        `/\n` +
        `sum_over_time(${selector(sloRequestsRecord(slo.name, "total"), m)}[${window}])`,
    });
    rules.push({
      kind: "record",
      record: sloBudgetRemainingRecord(slo.name),
      expr: `1 - ${SIGNALS.sloErrorRatio(o.scope, slo.name, window)} / ${num(slo.errorBudget)}`,
    });
  }
  return rules;
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** Alert name of an SLO's fast (paging) or slow (ticket) burn alert, e.g. "AvailabilitySLOFastBurn". */
export function sloAlertName(slo: SloName, speed: "fast" | "slow"): string {
  return `${capitalize(slo)}SLO${speed === "fast" ? "Fast" : "Slow"}Burn`;
}

function burnCondition(o: ResolvedObservability, slo: SloDefinition, w: BurnRateWindow): string {
  const threshold = `(${num(w.burnRate)} * ${num(slo.errorBudget)})`;
  return (
    `(\n` +
    `  ${SIGNALS.sloErrorRatio(o.scope, slo.name, w.longWindow)} > ${threshold}\n` +
    `  and\n` +
    `  ${SIGNALS.sloErrorRatio(o.scope, slo.name, w.shortWindow)} > ${threshold}\n` +
    `)`
  );
}

/**
 * Two alerts per SLO: a fast burn (critical, the 1h and 6h conditions) and a slow burn (warning,
 * the 1d and 3d conditions). One alert per speed rather than per window, so that a fast burn that
 * trips several windows notifies once.
 *
 * @param runbook - runbook URL of an alert, from its name
 */
export function sloAlertRules(o: ResolvedObservability, runbook: (alert: string) => string): AlertRule[] {
  const service = o.serviceName;
  const rules: AlertRule[] = [];
  for (const slo of sloDefinitions(o)) {
    for (const speed of ["fast", "slow"] as const) {
      const windows = BURN_RATE_WINDOWS.filter((w) => (speed === "fast" ? w.severity === "critical" : w.severity === "warning"));
      const alert = sloAlertName(slo.name, speed);
      const windowText = windows.map((w) => `${num(w.burnRate)}x over ${w.longWindow} and ${w.shortWindow}`).join(", or ");
      const badRequests = slo.name === "availability" ? "requests failing with 5xx" : `requests slower than ${num(o.monitoring.slo.latencyThresholdSeconds)}s`;
      const consequence =
        speed === "fast"
          ? `At this pace the whole ${o.monitoring.slo.window} error budget is gone within days: act now.`
          : `Not urgent, but at this pace the ${o.monitoring.slo.window} error budget runs out before the window ends: plan a fix during working hours.`;
      rules.push({
        kind: "alert",
        alert,
        expr: windows.map((w) => burnCondition(o, slo, w)).join("\nor\n"),
        severity: speed === "fast" ? "critical" : "warning",
        team: "backend",
        summary: `${service} is burning its ${slo.name} error budget ${speed === "fast" ? "fast" : "slowly but steadily"} ({{ $value | humanizePercentage }} ${badRequests})`,
        description:
          `SLO: ${slo.objective} over ${o.monitoring.slo.window} (error budget ${num(slo.errorBudget * 100)}% of requests). ` +
          `In namespace ${o.namespace}, {{ $value | humanizePercentage }} of requests were bad over the alert's long window ` +
          `(burn rate above ${windowText}). ${consequence} ` +
          `Dashboard "${o.dashboardTitle}": see the error budget panels, then the ${slo.name === "availability" ? "error rate" : "P95 latency"} panel to find when it started; check recent deploys.`,
        runbookUrl: runbook(alert),
        signal: "sloBurnRate",
        extraLabels: { slo: slo.name },
      });
    }
  }
  return rules;
}
