/**
 * The canary analysis' cost per step (issue #14: under 2 s beyond the configured pause), against its
 * floor measured in the same run: one Prometheus query round trip through the same client. A real
 * Prometheus (Debian's, as the unit tests use it) serves deterministic data of a healthy canary
 * (test/support/canary-data.ts); the cases take turns so that both see the same load.
 *
 *   npx tsx bench/canary.ts          # BENCH_RUNS=30 by default; GSS_PROMETHEUS_BIN=<path> for another prometheus
 *
 * - floor: one instant query (the canary's request count), round trip;
 * - analysis: what a step runs once its pause is over: every measure's queries for both tracks (7, in
 *   parallel) and the verdict;
 * - step beyond its pause: a step of a 1 s pause run as the deploy runs it (timer, then the analysis),
 *   minus the pause.
 */
import os from "node:os";
import { resolveObservabilityProps } from "../alerts/observability-props.js";
import { analyzeStep, measureQueries, type StepContext } from "../release/canary-analysis.js";
import { prometheusClient } from "../release/prometheus-client.js";
import { JOB, SCENARIOS, scenarioSeries } from "../test/support/canary-data.js";
import { startPrometheus } from "../test/support/prometheus.js";
import { median, ratio, report } from "./measure.js";

const runs = Number(process.env.BENCH_RUNS ?? 30);
const TARGET_MS = 2000;
const PAUSE_MS = 1000;

const end = Math.floor(Date.now() / 1000 / 60) * 60 - 20 * 60;
const at = new Date(end * 1000);
const prometheus = await startPrometheus(scenarioSeries(Object.values(SCENARIOS), end));
try {
  const client = prometheusClient(prometheus.url);
  const o = resolveObservabilityProps({ serviceName: "go-service", namespace: SCENARIOS.good.namespace, environment: "production", jobLabel: JOB, containerMemoryLimitBytes: 512 * 2 ** 20 });
  const context: StepContext = { step: 1, steps: 2, settings: { traffic: 10, pause: "1s", minRequests: 100 }, canaryPods: 1, stablePods: 4, maxExtraBurnRate: 3 };
  const floorQuery = measureQueries(o, 300).requests.canary;

  const floor = async (): Promise<number> => {
    const start = performance.now();
    const result = await client.query(floorQuery, at);
    if (result.kind !== "value") throw new Error(`the floor query gave ${JSON.stringify(result)}`);
    return performance.now() - start;
  };
  const analysis = async (): Promise<number> => {
    const start = performance.now();
    const step = await analyzeStep(client, o, context, 300, at);
    if (step.verdict !== "pass") throw new Error(`the healthy canary was judged ${step.verdict}: ${step.summary}`);
    return performance.now() - start;
  };
  const beyondPause = async (): Promise<number> => {
    const start = performance.now();
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    await analyzeStep(client, o, context, 300, at);
    return performance.now() - start - PAUSE_MS;
  };

  const cases = { floor, analysis, beyondPause } as const;
  const times: Record<keyof typeof cases, number[]> = { floor: [], analysis: [], beyondPause: [] };
  for (const fn of Object.values(cases)) await fn(); // warm-up: connections, Prometheus' caches
  for (let round = 0; round < runs; round++) {
    for (const [name, fn] of Object.entries(cases) as [keyof typeof cases, () => Promise<number>][]) times[name].push(await fn());
  }

  console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(2)}; prometheus ready in ${prometheus.startupMs} ms; ${runs} runs, medians (max)`);
  const floorMs = median(times.floor);
  const max = (values: number[]): string => `max ${Math.max(...values).toFixed(0)} ms`;
  report("floor: one Prometheus query, round trip", floorMs, max(times.floor));
  report("canary analysis of one step (7 queries + verdict)", median(times.analysis), `${ratio(median(times.analysis), floorMs)}, ${max(times.analysis)}`);
  const beyond = median(times.beyondPause);
  report(`a step beyond its ${PAUSE_MS} ms pause`, beyond, `${ratio(beyond, floorMs)}, ${max(times.beyondPause)}; target < ${TARGET_MS} ms: ${Math.max(...times.beyondPause) < TARGET_MS ? "holds (every run)" : beyond < TARGET_MS ? "holds (median)" : "MISSED"}`);
} finally {
  await prometheus.stop();
}
