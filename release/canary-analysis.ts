/**
 * The canary analysis: what is measured at each step of a canary release, with which PromQL, against
 * which thresholds, and the verdict. Pure but for the queries (a {@link PrometheusClient}).
 *
 * Every query and threshold comes from the stack's observability model, the one the alert rules are
 * written from (alerts/): the SLO error ratios are `sloErrorRatioExpr` (what the SLO recording rules
 * record), the request rate and P95 are `SIGNALS`, the budgets are `sloDefinitions`, the page burn rate is
 * the alerts' own (`PAGE_BURN_RATE`), the P95 limit is HighLatency's. Change the SLO and both the alerts
 * and this gate move.
 *
 * Fail closed: no data, fewer requests than the step's `minRequests`, or a query error makes a step
 * "inconclusive", never a pass.
 */
import { RELEASE_TRACKS, SERVICE_LABELS, SIGNALS, type ServiceScope } from "../alerts/metrics-catalog.js";
import type { ResolvedObservability } from "../alerts/observability-props.js";
import { num } from "../alerts/promql.js";
import { PAGE_BURN_RATE, sloDefinitions, sloErrorRatioExpr } from "../alerts/slo.js";
import type { PrometheusClient, QueryResult } from "./prometheus-client.js";

/** One step of a canary release, as `release.steps` configures it. */
export interface CanaryStepSettings {
  /** Share of the pods asked for the canary, in percent (1 to 99). */
  readonly traffic: number;
  /** How long the step runs before it is judged, a Prometheus duration: also the analysis window. */
  readonly pause: string;
  /** The fewest canary requests the window must hold for a verdict. */
  readonly minRequests: number;
}

/** A measure's or a step's verdict: `pass`, `fail`, or `inconclusive` (no verdict: no data, too few requests, a query error). */
export type Verdict = "pass" | "fail" | "inconclusive";

/** What a measure is. */
export type MeasureId = "requests" | "errorRatio" | "slowRatio" | "latencyP95";

/** One measure of one step: its PromQL, the canary's value, the stable track's, the threshold and the verdict. */
export interface Measure {
  readonly id: MeasureId;
  /** As the report names it, e.g. "error ratio (5xx)". */
  readonly name: string;
  /** How values print: a count, a ratio (as a percentage) or seconds. */
  readonly unit: "requests" | "ratio" | "seconds";
  /** The canary's PromQL. */
  readonly query: string;
  /** The stable track's PromQL, when the measure compares with it. */
  readonly stableQuery?: string;
  /** The canary's value; undefined when there was no data or the query failed. */
  readonly value?: number;
  /** The stable track's value, when queried and present. */
  readonly stableValue?: number;
  /** `≥` (at least, the requests) or `≤` (at most). */
  readonly comparison: "≥" | "≤";
  /** The limit the value is held to; undefined when it could not be computed (the stable track had no data). */
  readonly threshold?: number;
  /** Where the threshold comes from, e.g. "min(14.4 × 0.1 % budget, stable 0 % + 3 × 0.1 %)". */
  readonly thresholdBasis: string;
  readonly verdict: Verdict;
  /** The verdict in words, e.g. "10 % > 0.3 %", "no data", "query error: …". */
  readonly reason: string;
}

/** One step's analysis: what was measured, over which window, and the verdict. */
export interface StepAnalysis {
  /** 1-based. */
  readonly step: number;
  /** Steps in the release. */
  readonly steps: number;
  /** The share of the pods the step asked for, in percent. */
  readonly trafficAsked: number;
  /** The canary's real share of the ready pods (its share of the requests), in percent. */
  readonly trafficShare: number;
  readonly canaryPods: number;
  readonly stablePods: number;
  /** The analysis window, a Prometheus duration (the step's pause). */
  readonly window: string;
  /** The window's end: the queries' evaluation time (ISO 8601). */
  readonly at: string;
  readonly measures: readonly Measure[];
  readonly verdict: Verdict;
  /** One line: the step, its verdict and, unless it passed, the measure that decided it with its value and threshold. */
  readonly summary: string;
  /** How long the queries took, in milliseconds (the analysis' own time, beyond the pause). */
  readonly queryMs: number;
}

/** What the analysis of one step needs to know. */
export interface StepContext {
  /** 1-based index of the step, and the number of steps. */
  readonly step: number;
  readonly steps: number;
  readonly settings: CanaryStepSettings;
  /** Pods of each track while the step ran. */
  readonly canaryPods: number;
  readonly stablePods: number;
  /** `release.maxExtraBurnRate`: how much faster than the stable track the canary may spend an error budget. */
  readonly maxExtraBurnRate: number;
}

/** The canary's pods for a share of `traffic` percent beside `stablePods` stable pods (at least one). */
export function canaryPodsFor(stablePods: number, traffic: number): number {
  if (stablePods < 1) return 1;
  return Math.max(1, Math.round((stablePods * traffic) / (100 - traffic)));
}

/** The canary's share of the ready pods, in percent: its share of the requests behind one Service. */
export function trafficShare(canaryPods: number, stablePods: number): number {
  return (100 * canaryPods) / (canaryPods + stablePods);
}

const scopeOf = (o: ResolvedObservability, track: "canary" | "stable"): ServiceScope => ({
  ...o.scope,
  // The stable track is everything that is not the canary: pods deployed before the track label existed included.
  track: track === "canary" ? RELEASE_TRACKS.canary : { not: RELEASE_TRACKS.canary },
});

const withScope = (o: ResolvedObservability, track: "canary" | "stable"): ResolvedObservability => ({ ...o, scope: scopeOf(o, track) });

/** The PromQL of each measure over `windowSeconds`, for the canary and (where compared) the stable track. */
export function measureQueries(o: ResolvedObservability, windowSeconds: number): Record<MeasureId, { canary: string; stable?: string }> {
  if (!Number.isInteger(windowSeconds) || windowSeconds < 1) throw new Error(`the analysis window must be a whole number of seconds, at least 1 (got ${windowSeconds})`);
  const window = `${windowSeconds}s`;
  const options = { window, by: SERVICE_LABELS };
  return {
    // rate × seconds = the requests in the window (what increase() gives), from the same signal the dashboard plots.
    requests: { canary: `${SIGNALS.requestRate(scopeOf(o, "canary"), options)}\n* ${windowSeconds}` },
    errorRatio: { canary: sloErrorRatioExpr(withScope(o, "canary"), "availability", window), stable: sloErrorRatioExpr(withScope(o, "stable"), "availability", window) },
    slowRatio: { canary: sloErrorRatioExpr(withScope(o, "canary"), "latency", window), stable: sloErrorRatioExpr(withScope(o, "stable"), "latency", window) },
    latencyP95: { canary: SIGNALS.latencyP95(scopeOf(o, "canary"), options), stable: SIGNALS.latencyP95(scopeOf(o, "stable"), options) },
  };
}

/** The query results of one step, by measure (the stable track's where compared). */
export type StepResults = Record<MeasureId, { canary: QueryResult; stable?: QueryResult }>;

const percent = (ratio: number): string => `${num(Math.round(ratio * 100_000) / 1000)} %`;

/** A value as the report prints it: a count, a percentage or seconds. */
export function formatValue(value: number, unit: Measure["unit"]): string {
  if (unit === "requests") return String(Math.round(value));
  if (unit === "ratio") return percent(value);
  return `${num(Math.round(value * 10_000) / 10_000)} s`;
}

/** A result's number, or why there is none. */
function numberOf(result: QueryResult | undefined, track: string): { value: number } | { missing: string; error: boolean } {
  if (result === undefined) return { missing: `${track}: not queried`, error: true };
  if (result.kind === "error") return { missing: `query error (${track}): ${result.message}`, error: true };
  if (result.kind === "empty" || !Number.isFinite(result.value)) return { missing: `no data for the ${track}`, error: false };
  return { value: result.value };
}

/**
 * Judges one step from its query results: every measure's value, threshold and verdict, and the step's
 * verdict. A fail anywhere fails the step (whatever else is missing); otherwise anything missing makes it
 * inconclusive; otherwise it passes.
 */
export function judgeStep(o: ResolvedObservability, context: StepContext, queries: ReturnType<typeof measureQueries>, results: StepResults): Omit<StepAnalysis, "at" | "queryMs"> {
  const { settings } = context;
  const budgets = Object.fromEntries(sloDefinitions(o).map((slo) => [slo.name, slo.errorBudget])) as Record<"availability" | "latency", number>;
  const measures: Measure[] = [];

  // Requests: enough traffic for the other measures to mean something.
  {
    const canary = numberOf(results.requests.canary, "canary");
    const base = { id: "requests", name: "requests (canary)", unit: "requests", query: queries.requests.canary, comparison: "≥", threshold: settings.minRequests } as const;
    const thresholdBasis = `release.steps[${context.step - 1}].minRequests`;
    if ("missing" in canary) {
      measures.push({ ...base, thresholdBasis, verdict: "inconclusive", reason: canary.error ? canary.missing : "no data: no request of the canary was scraped" });
    } else {
      const enough = canary.value >= settings.minRequests;
      measures.push({
        ...base,
        thresholdBasis,
        value: canary.value,
        verdict: enough ? "pass" : "inconclusive",
        reason: enough ? `${Math.round(canary.value)} ≥ ${settings.minRequests}` : `too little traffic: ${Math.round(canary.value)} < ${settings.minRequests} requests`,
      });
    }
  }

  // An SLO's bad-request ratio: at most the page burn rate, and at most the stable track's plus maxExtraBurnRate budgets.
  const sloRatio = (id: "errorRatio" | "slowRatio", slo: "availability" | "latency", name: string): Measure => {
    const budget = budgets[slo];
    const cap = PAGE_BURN_RATE * budget;
    const canary = numberOf(results[id].canary, "canary");
    const stable = numberOf(results[id].stable, "stable track");
    const stableValue = "value" in stable ? stable.value : undefined;
    const relative = stableValue === undefined ? undefined : stableValue + context.maxExtraBurnRate * budget;
    const threshold = relative === undefined ? undefined : Math.min(cap, relative);
    const thresholdBasis =
      `${slo} SLO ${percent(1 - budget)}: min(${num(PAGE_BURN_RATE)} × the ${percent(budget)} budget = ${percent(cap)} (page burn rate), ` +
      `stable ${stableValue === undefined ? "?" : percent(stableValue)} + ${num(context.maxExtraBurnRate)} × ${percent(budget)}${relative === undefined ? "" : ` = ${percent(relative)}`})`;
    const base = { id, name, unit: "ratio", query: queries[id].canary, stableQuery: queries[id].stable ?? "", comparison: "≤", thresholdBasis, ...(stableValue === undefined ? {} : { stableValue }) } as const;
    if ("missing" in canary) return { ...base, verdict: "inconclusive", reason: canary.missing };
    if (threshold === undefined) return { ...base, value: canary.value, verdict: "inconclusive", reason: "missing" in stable ? `${stable.missing} to compare with` : "no threshold" };
    const ok = canary.value <= threshold;
    return { ...base, value: canary.value, threshold, verdict: ok ? "pass" : "fail", reason: `${percent(canary.value)} ${ok ? "≤" : ">"} ${percent(threshold)}` };
  };
  measures.push(sloRatio("errorRatio", "availability", "error ratio (5xx)"));

  // P95: at most the HighLatency alert's threshold; the stable track's P95 beside it.
  {
    const threshold = o.monitoring.thresholds.latencyP95Seconds;
    const canary = numberOf(results.latencyP95.canary, "canary");
    const stable = numberOf(results.latencyP95.stable, "stable track");
    const base = {
      id: "latencyP95",
      name: "P95 latency",
      unit: "seconds",
      query: queries.latencyP95.canary,
      stableQuery: queries.latencyP95.stable ?? "",
      comparison: "≤",
      threshold,
      thresholdBasis: `HighLatency threshold (monitoring.thresholds.latencyP95Seconds)`,
      ...("value" in stable ? { stableValue: stable.value } : {}),
    } as const;
    if ("missing" in canary) {
      measures.push({ ...base, verdict: "inconclusive", reason: canary.missing });
    } else {
      const ok = canary.value <= threshold;
      measures.push({ ...base, value: canary.value, verdict: ok ? "pass" : "fail", reason: `${formatValue(canary.value, "seconds")} ${ok ? "≤" : ">"} ${formatValue(threshold, "seconds")}` });
    }
  }

  measures.push(sloRatio("slowRatio", "latency", `slow-request ratio (> ${num(o.monitoring.slo.latencyThresholdSeconds)} s)`));

  const failed = measures.find((m) => m.verdict === "fail");
  const missing = measures.find((m) => m.verdict === "inconclusive");
  const verdict: Verdict = failed !== undefined ? "fail" : missing !== undefined ? "inconclusive" : "pass";
  const share = trafficShare(context.canaryPods, context.stablePods);
  const where =
    `step ${context.step} of ${context.steps} (${settings.traffic} % asked: ${context.canaryPods} canary pod${context.canaryPods === 1 ? "" : "s"} ` +
    `beside ${context.stablePods} stable, ${num(Math.round(share * 10) / 10)} % of the pods; window ${settings.pause})`;
  const decisive = failed ?? missing;
  const summary =
    decisive === undefined
      ? `${where}: passed`
      : `${where}: ${verdict === "fail" ? "failed" : "inconclusive"}: ${decisive.name} ${decisive.reason}` +
        (decisive.threshold === undefined || decisive.value === undefined ? "" : ` (threshold ${decisive.comparison} ${formatValue(decisive.threshold, decisive.unit)}: ${decisive.thresholdBasis})`);
  return {
    step: context.step,
    steps: context.steps,
    trafficAsked: settings.traffic,
    trafficShare: share,
    canaryPods: context.canaryPods,
    stablePods: context.stablePods,
    window: settings.pause,
    measures,
    verdict,
    summary,
  };
}

/**
 * Analyses one step at `at` (its end; default now): runs every measure's queries at once against the
 * stack's Prometheus, then {@link judgeStep}.
 */
export async function analyzeStep(client: PrometheusClient, o: ResolvedObservability, context: StepContext, windowSeconds: number, at: Date = new Date()): Promise<StepAnalysis> {
  const queries = measureQueries(o, windowSeconds);
  const started = performance.now();
  const ids = Object.keys(queries) as MeasureId[];
  const pairs = await Promise.all(
    ids.map(async (id) => {
      const q = queries[id];
      const [canary, stable] = await Promise.all([client.query(q.canary, at), q.stable === undefined ? Promise.resolve(undefined) : client.query(q.stable, at)]);
      return [id, stable === undefined ? { canary } : { canary, stable }] as const;
    }),
  );
  const queryMs = Math.round(performance.now() - started);
  const results = Object.fromEntries(pairs) as StepResults;
  return { ...judgeStep(o, context, queries, results), at: at.toISOString(), queryMs };
}
