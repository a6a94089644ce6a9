// The canary analysis' decisions on a real Prometheus (Debian's 2.42, on TSDB blocks promtool built from
// deterministic OpenMetrics: test/support/canary-data.ts), one scenario per namespace: the queries, the
// thresholds and the verdicts are the ones a deploy uses.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveObservabilityProps, type ResolvedObservability } from "../../alerts/observability-props.js";
import { sloAlertRules } from "../../alerts/slo.js";
import { analyzeStep, canaryPodsFor, judgeStep, measureQueries, trafficShare, type StepContext } from "../../release/canary-analysis.js";
import { prometheusClient } from "../../release/prometheus-client.js";
import { FAILING_QUERY_ARGS, JOB, SCENARIOS, scenarioSeries } from "../support/canary-data.js";
import { freePort, type RunningPrometheus, startPrometheus } from "../support/prometheus.js";

// Data ends 20 minutes ago (in the past, inside the retention), on a scrape boundary.
const END = Math.floor(Date.now() / 1000 / 60) * 60 - 20 * 60;
const AT = new Date(END * 1000);
const WINDOW_SECONDS = 300;

const observability = (namespace: string, monitoring: object = {}): ResolvedObservability =>
  resolveObservabilityProps({ serviceName: "go-service", namespace, environment: "production", jobLabel: JOB, containerMemoryLimitBytes: 512 * 2 ** 20, monitoring });

const context: StepContext = {
  step: 1,
  steps: 2,
  settings: { traffic: 10, pause: "5m", minRequests: 100 },
  canaryPods: 1,
  stablePods: 4,
  maxExtraBurnRate: 3,
};

describe("canary analysis on a real Prometheus", () => {
  // The scenarios' data; and a Prometheus whose every query fails (a real query error: HTTP 503, timeout).
  let prometheus: RunningPrometheus;
  let failing: RunningPrometheus;

  beforeAll(async () => {
    [prometheus, failing] = await Promise.all([
      startPrometheus(scenarioSeries(Object.values(SCENARIOS), END)),
      startPrometheus([], { args: FAILING_QUERY_ARGS }),
    ]);
    console.log(`[canary-analysis] prometheus ready in ${prometheus.startupMs} ms at ${prometheus.url}`);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([prometheus?.stop(), failing?.stop()]);
  });

  it.each([
    ["a good canary is promoted", SCENARIOS.good.namespace, "pass", "step 1 of 2 (10 % asked: 1 canary pod beside 4 stable, 20 % of the pods; window 5m): passed"],
    [
      "a canary answering 10 % of its requests with 500 fails on its error ratio",
      SCENARIOS.errors.namespace,
      "fail",
      "error ratio (5xx) 10 % > 0.3 % (threshold ≤ 0.3 %: availability SLO 99.9 %: min(14.4 × the 0.1 % budget = 1.44 % (page burn rate), stable 0 % + 3 × 0.1 % = 0.3 %))",
    ],
    ["a slow canary fails on its P95", SCENARIOS.slow.namespace, "fail", "P95 latency 1.975 s > 1 s (threshold ≤ 1 s: HighLatency threshold (monitoring.thresholds.latencyP95Seconds))"],
    ["no data is inconclusive", SCENARIOS.empty.namespace, "inconclusive", "inconclusive: requests (canary) no data: no request of the canary was scraped"],
    ["too little traffic is inconclusive", SCENARIOS.quiet.namespace, "inconclusive", "inconclusive: requests (canary) too little traffic: 30 < 100 requests (threshold ≥ 100: release.steps[0].minRequests)"],
    ["a query error is inconclusive", "failing", "inconclusive", "inconclusive: requests (canary) query error (canary): Prometheus answered HTTP 503 (timeout): query timed out in query "],
  ])("%s", async (_case, namespace, verdict, message) => {
    const server = namespace === "failing" ? failing : prometheus;
    const analysis = await analyzeStep(prometheusClient(server.url), observability(namespace), context, WINDOW_SECONDS, AT);
    expect(analysis.verdict).toBe(verdict);
    expect(analysis.summary).toContain(message);
    // Every measure is reported with its PromQL, whatever the verdict.
    expect(analysis.measures.map((m) => m.id)).toEqual(["requests", "errorRatio", "latencyP95", "slowRatio"]);
    for (const m of analysis.measures) expect(m.query).toContain(`namespace="${namespace}"`);
  });

  it("measures what the data says: requests, ratios and P95 of each track", async () => {
    const good = await analyzeStep(prometheusClient(prometheus.url), observability(SCENARIOS.good.namespace), context, WINDOW_SECONDS, AT);
    const byId = Object.fromEntries(good.measures.map((m) => [m.id, m]));
    expect(byId.requests?.value).toBeCloseTo(600, 6); // 2 req/s × 300 s
    expect(byId.errorRatio).toMatchObject({ value: 0, stableValue: 0, threshold: 0.003, verdict: "pass" });
    expect(byId.slowRatio).toMatchObject({ value: 0, stableValue: 0, verdict: "pass" });
    expect(byId.slowRatio?.threshold).toBeCloseTo(0.03, 12); // stable 0 + 3 × the 1 % latency budget
    expect(byId.latencyP95?.value).toBeCloseTo(0.02425, 6); // 95 % of the way through the 10–25 ms bucket
    expect(byId.latencyP95?.stableValue).toBeCloseTo(0.02425, 6);
    const errors = await analyzeStep(prometheusClient(prometheus.url), observability(SCENARIOS.errors.namespace), context, WINDOW_SECONDS, AT);
    expect(errors.measures.find((m) => m.id === "errorRatio")).toMatchObject({ verdict: "fail", stableValue: 0 });
    expect(errors.measures.find((m) => m.id === "errorRatio")?.value).toBeCloseTo(0.1, 9);
  });

  it("moves with the SLO: the same 10 % errors pass a 50 % availability SLO, whose alerts move the same way", async () => {
    const loose = observability(SCENARIOS.errors.namespace, { slo: { availabilityTarget: 0.5 } });
    const analysis = await analyzeStep(prometheusClient(prometheus.url), loose, context, WINDOW_SECONDS, AT);
    expect(analysis.measures.find((m) => m.id === "errorRatio")).toMatchObject({ verdict: "pass", threshold: 1.5 }); // min(14.4 × 0.5, 0 + 3 × 0.5)
    // The alert rules are written from the same budget.
    const fastBurn = sloAlertRules(loose, (alert) => alert).find((rule) => rule.alert === "AvailabilitySLOFastBurn");
    expect(fastBurn?.expr).toContain("(14.4 * 0.5)");
    expect(sloAlertRules(observability("x"), (alert) => alert).find((rule) => rule.alert === "AvailabilitySLOFastBurn")?.expr).toContain("(14.4 * 0.001)");
  });

  it("an unreachable Prometheus is a query error, and inconclusive", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const analysis = await analyzeStep(prometheusClient(url, { timeoutMs: 2000 }), observability(SCENARIOS.good.namespace), context, WINDOW_SECONDS, AT);
    expect(analysis.verdict).toBe("inconclusive");
    expect(analysis.summary).toContain(`query error (canary): Prometheus at ${url} could not be queried: ECONNREFUSED`);
  });
});

describe("canary analysis: pure parts", () => {
  it.each([
    // [stable pods, traffic %, canary pods, real share %]
    [3, 10, 1, 25],
    [3, 50, 3, 50],
    [9, 10, 1, 10],
    [4, 20, 1, 20],
    [10, 25, 3, 23.1],
    [2, 90, 18, 90],
  ])("%i stable pods, %i percent asked: %i canary pod(s), %d percent of the pods", (stable, traffic, canary, share) => {
    expect(canaryPodsFor(stable, traffic)).toBe(canary);
    expect(Math.round(trafficShare(canary, stable) * 10) / 10).toBe(share);
  });

  it("queries each track apart, with the SLO recording rules' expressions", () => {
    const q = measureQueries(observability("ns"), 42);
    expect(q.requests.canary).toBe('sum by (namespace, job) (rate(http_requests_total{namespace="ns", job="go-service", track="canary"}[42s]))\n* 42');
    expect(q.errorRatio.canary).toContain('http_requests_total{namespace="ns", job="go-service", track="canary", status=~"5.."}[42s]');
    expect(q.errorRatio.canary).toContain("or\n  0 * ");
    expect(q.errorRatio.stable).toContain('track!="canary"');
    expect(q.slowRatio.canary).toContain('http_request_duration_seconds_bucket{namespace="ns", job="go-service", track="canary", le="0.5"}[42s]');
    expect(q.latencyP95.stable).toBe('histogram_quantile(0.95, sum by (namespace, job, le) (rate(http_request_duration_seconds_bucket{namespace="ns", job="go-service", track!="canary"}[42s])))');
    expect(() => measureQueries(observability("ns"), 0)).toThrow("at least 1");
  });

  it("fails closed: a stable track without data leaves the ratios without a threshold", () => {
    const o = observability("ns");
    const value = (v: number) => ({ kind: "value", value: v }) as const;
    const empty = { kind: "empty" } as const;
    const judged = judgeStep(o, context, measureQueries(o, 300), {
      requests: { canary: value(500) },
      errorRatio: { canary: value(0), stable: empty },
      slowRatio: { canary: value(0), stable: empty },
      latencyP95: { canary: value(0.01), stable: empty },
    });
    expect(judged.verdict).toBe("inconclusive");
    expect(judged.summary).toContain("error ratio (5xx) no data for the stable track to compare with");
    // A failure wins over what is missing: a bad canary is never promoted by "promote on inconclusive".
    const failing = judgeStep(o, context, measureQueries(o, 300), {
      requests: { canary: value(5) },
      errorRatio: { canary: value(0.5), stable: value(0) },
      slowRatio: { canary: empty, stable: value(0) },
      latencyP95: { canary: { kind: "value", value: Number.NaN }, stable: empty },
    });
    expect(failing.verdict).toBe("fail");
    expect(failing.summary).toContain("error ratio (5xx) 50 % > 0.3 %");
  });
});
