/**
 * The load test of a stack's service (seed section 9), as a release gate: a bounded run with autocannon
 * (connections opened over a ramp-up, then a measured phase at full concurrency), judged on the stack's
 * `loadTest` criteria (error ratio, P95 latency, throughput), and a Markdown report with the measured
 * values, the latency percentiles and a small latency histogram.
 *
 * Every response and error is recorded from autocannon's events (its own summary has no 95th
 * percentile), so the percentiles are exact over the measured phase's responses. Errors are counted over
 * the whole run, ramp-up included: a request that fails while the load grows failed a user too.
 */
import autocannon from "autocannon";
import { durationToSeconds } from "../config/duration.js";
import type { LoadTestConfig } from "../config/load-test-config.js";

/** Upper bounds of the report's latency histogram, in milliseconds (the service's request-duration buckets up to 10 s). */
export const HISTOGRAM_BOUNDS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

/** How many waves the ramp-up opens the connections in, at even intervals (the last one before the measured phase). */
const RAMP_STEPS = 4;

/** One phase of a run: the ramp-up's steps, or the measured phase. */
export interface PhaseResult {
  /** `ramp-up` or `measured`. */
  readonly name: string;
  readonly connections: number;
  /** How long the phase ran, in seconds. */
  readonly seconds: number;
  /** Requests that ended (answered or failed) in the phase. */
  readonly requests: number;
  /** Failed requests: answers outside 200–399, timeouts, connection errors. */
  readonly errors: number;
}

/** Latency percentiles of the measured phase, in milliseconds. */
export interface LatencySummary {
  readonly responses: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** One criterion of the stack's `loadTest`, with the measured value. */
export interface CriterionResult {
  readonly name: "error ratio" | "P95 latency" | "throughput";
  /** The limit as the report writes it: `≤ 1 %`, `≤ 500 ms`, `≥ 100 req/s`. */
  readonly limit: string;
  /** The measured value as the report writes it. */
  readonly measured: string;
  readonly ok: boolean;
}

/** Everything one run measured, and the verdict. */
export interface LoadTestResult {
  /** The URL requested. */
  readonly target: string;
  readonly settings: LoadTestConfig;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly phases: readonly PhaseResult[];
  /** Requests and errors of the whole run, ramp-up included. */
  readonly requests: number;
  readonly errors: number;
  readonly errorRatio: number;
  /** Answers by status code, and errors without an answer by kind (`timeout`, `connection error`). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Requests per second in the measured phase. */
  readonly throughput: number;
  readonly latency: LatencySummary;
  /** Responses of the measured phase per histogram bucket: `≤ 5 ms` … `> 10000 ms`. */
  readonly histogram: readonly { readonly bucket: string; readonly count: number }[];
  readonly criteria: readonly CriterionResult[];
  /** Why the ramp-up ended before its time, if it did (it used its share of the request bound). */
  readonly rampUpCut?: string;
  /** Why the run ended before its duration, if it did (the request bound, Ctrl-C). */
  readonly stoppedEarly?: string;
  /** Every criterion met. */
  readonly ok: boolean;
}

/** Options of {@link runLoadTest}. */
export interface LoadTestOptions {
  /** The service's base URL; the stack's `loadTest.path` is requested under it. */
  readonly url: string;
  readonly settings: LoadTestConfig;
  /** Stops the run (Ctrl-C): what was measured so far is judged and reported. */
  readonly signal?: AbortSignal;
  /** Progress for a person, one line per phase. */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/** The URL a run requests: the stack's path (absolute) on the service's scheme, host and port. */
export function loadTestTarget(url: string, path: string): string {
  return new URL(path, url).toString();
}

/** One autocannon instance of a run: its connections, from when, for how long. */
interface Wave {
  readonly connections: number;
  readonly startSeconds: number;
  readonly seconds: number;
}

/**
 * The run's instances: the connections split in up to {@link RAMP_STEPS} waves started at even intervals
 * over the ramp-up, each running to the end of the run, so that no request is cut at a step boundary.
 */
export function waves(concurrency: number, rampSeconds: number, measuredSeconds: number): Wave[] {
  const count = rampSeconds > 0 ? Math.min(RAMP_STEPS, concurrency) : 1;
  const total = rampSeconds + measuredSeconds;
  return Array.from({ length: count }, (_, i) => {
    const connections = Math.floor((concurrency * (i + 1)) / count) - Math.floor((concurrency * i) / count);
    const startSeconds = (rampSeconds * i) / count;
    return { connections, startSeconds, seconds: total - startSeconds };
  });
}

interface Tally {
  requests: number;
  errors: number;
}

/** The value at percentile `p` (0–100) of sorted values: the nearest-rank method. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] ?? Number.NaN;
}

/** Latency summary and histogram of response times in milliseconds. */
export function summarizeLatencies(latencies: readonly number[]): { latency: LatencySummary; histogram: { bucket: string; count: number }[] } {
  const sorted = [...latencies].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  const latency: LatencySummary = {
    responses: sorted.length,
    min: sorted[0] ?? Number.NaN,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
  };
  const counts = HISTOGRAM_BOUNDS_MS.map(() => 0);
  let over = 0;
  for (const value of sorted) {
    const index = HISTOGRAM_BOUNDS_MS.findIndex((bound) => value <= bound);
    if (index < 0) over++;
    else counts[index] = (counts[index] ?? 0) + 1;
  }
  const histogram = [...HISTOGRAM_BOUNDS_MS.map((bound, i) => ({ bucket: `≤ ${bound} ms`, count: counts[i] ?? 0 })), { bucket: `> ${HISTOGRAM_BOUNDS_MS[HISTOGRAM_BOUNDS_MS.length - 1]} ms`, count: over }];
  return { latency, histogram };
}

const ms = (value: number): string => (Number.isNaN(value) ? "n/a" : value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(1)} ms`);
const percent = (ratio: number): string => `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.001 ? 3 : 2)} %`;

/** The stack's criteria, judged on what a run measured. */
export function judge(settings: LoadTestConfig, measured: { requests: number; errors: number; p95: number; throughput: number }): CriterionResult[] {
  const errorRatio = measured.requests === 0 ? 1 : measured.errors / measured.requests;
  const maxP95 = durationToSeconds(settings.maxP95) * 1000;
  return [
    {
      name: "error ratio",
      limit: `≤ ${percent(settings.maxErrorRatio)}`,
      measured: measured.requests === 0 ? "no request completed" : `${percent(errorRatio)} (${measured.errors} of ${measured.requests})`,
      ok: measured.requests > 0 && errorRatio <= settings.maxErrorRatio,
    },
    {
      name: "P95 latency",
      limit: `≤ ${ms(maxP95)}`,
      measured: Number.isNaN(measured.p95) ? "no response in the measured phase" : ms(measured.p95),
      ok: !Number.isNaN(measured.p95) && measured.p95 <= maxP95,
    },
    {
      name: "throughput",
      limit: `≥ ${settings.minThroughput} req/s`,
      measured: `${measured.throughput.toFixed(1)} req/s`,
      ok: measured.throughput >= settings.minThroughput,
    },
  ];
}

/**
 * The ramp-up's share of the request bound: in proportion to its time, so that on a service fast enough to
 * answer `maxRequests` while the load grows the measured phase still runs, and is judged on responses.
 */
export function rampUpRequestBudget(maxRequests: number, rampSeconds: number, measuredSeconds: number): number {
  if (rampSeconds <= 0) return 0;
  return Math.floor((maxRequests * rampSeconds) / (rampSeconds + measuredSeconds));
}

/**
 * Runs the load test: the connections opened in waves over `rampUp`, then the measured phase (all
 * `concurrency` connections for `duration`), never more than `maxRequests` requests in all. The ramp-up may
 * use only its share of the bound ({@link rampUpRequestBudget}); once it has, the measured phase starts at
 * once, with every connection. A request is counted in the phase in which it ends; requests still in flight
 * when the run ends are not counted. Resolves with the verdict; rejects only when the load generator cannot
 * start (a malformed URL).
 */
export async function runLoadTest(options: LoadTestOptions): Promise<LoadTestResult> {
  const { settings } = options;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => undefined);
  const target = loadTestTarget(options.url, settings.path);
  const startedAt = now().toISOString();
  const rampSeconds = durationToSeconds(settings.rampUp);
  const measuredSeconds = durationToSeconds(settings.duration);
  const rampBudget = rampUpRequestBudget(settings.maxRequests, rampSeconds, measuredSeconds);
  const ramp: Tally = { requests: 0, errors: 0 };
  const measured: Tally = { requests: 0, errors: 0 };
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  const instances: { stop: () => void }[] = [];
  const pending: { timer: NodeJS.Timeout; start: () => void }[] = [];
  let stopped = false;
  let boundReached = false;
  let endedAt: number | undefined;
  let measuredStart = rampSeconds;
  let rampCut: string | undefined;
  let endTimer: NodeJS.Timeout | undefined;
  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  const stopAll = (): void => {
    if (stopped) return;
    stopped = true;
    endedAt = elapsed();
    for (const wave of pending) clearTimeout(wave.timer);
    if (endTimer !== undefined) clearTimeout(endTimer);
    for (const instance of instances) instance.stop();
  };
  // The ramp-up has used its share: every connection opens now, and the measured phase runs its full duration from here.
  const endRampUp = (): void => {
    measuredStart = elapsed();
    rampCut = `its share of the request bound (${rampBudget} of ${settings.maxRequests}) was used after ${measuredStart.toFixed(1)} s, so the measured phase started then`;
    for (const wave of pending.splice(0)) {
      clearTimeout(wave.timer);
      wave.start();
    }
    endTimer = setTimeout(stopAll, measuredSeconds * 1000);
  };
  const count = (failed: boolean, latency?: number): void => {
    const inMeasured = elapsed() >= measuredStart;
    const tally = inMeasured ? measured : ramp;
    tally.requests++;
    if (failed) tally.errors++;
    if (inMeasured && latency !== undefined) latencies.push(latency);
    if (ramp.requests + measured.requests >= settings.maxRequests) {
      boundReached = true;
      stopAll();
    } else if (!inMeasured && ramp.requests >= rampBudget) endRampUp();
  };
  if (options.signal?.aborted === true) stopAll();
  options.signal?.addEventListener("abort", stopAll);

  const plan = waves(settings.concurrency, rampSeconds, measuredSeconds);
  log(`${settings.concurrency} connection(s) in ${plan.length} wave(s) over a ${settings.rampUp} ramp-up, then measured for ${settings.duration}`);
  const runs = plan.map(
    (wave) =>
      new Promise<void>((resolve, reject) => {
        const start = (): void => {
          if (stopped) return resolve();
          const instance = autocannon(
            // sampleInt: autocannon notices the end of its duration at its next sample; 100 ms keeps the run close to its length.
            { url: target, connections: wave.connections, duration: wave.seconds, timeout: durationToSeconds(settings.requestTimeout), method: "GET", sampleInt: 100 },
            (error: unknown) => (error !== null && error !== undefined && !stopped ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
          );
          instances.push(instance);
          instance.on("response", (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
            if (stopped) return;
            outcomes[String(statusCode)] = (outcomes[String(statusCode)] ?? 0) + 1;
            count(statusCode < 200 || statusCode >= 400, responseTime);
          });
          instance.on("reqError", (error: unknown) => {
            if (stopped) return;
            const kind = /timed? ?out/i.test(String(error)) ? "timeout" : "connection error";
            outcomes[kind] = (outcomes[kind] ?? 0) + 1;
            count(true);
          });
        };
        if (wave.startSeconds === 0) start();
        else pending.push({ timer: setTimeout(start, wave.startSeconds * 1000), start });
      }),
  );
  try {
    await Promise.all(runs);
  } finally {
    options.signal?.removeEventListener("abort", stopAll);
    stopAll();
  }
  const end = Math.min(endedAt ?? elapsed(), measuredStart + measuredSeconds);
  const seconds = Math.max(0, end - measuredStart);
  const phases: PhaseResult[] = [
    ...(rampSeconds > 0 ? [{ name: `ramp-up (${plan.length} wave${plan.length === 1 ? "" : "s"})`, connections: settings.concurrency, seconds: Math.min(end, measuredStart), requests: ramp.requests, errors: ramp.errors }] : []),
    { name: "measured", connections: settings.concurrency, seconds, requests: measured.requests, errors: measured.errors },
  ];
  log(`measured: ${seconds.toFixed(1)} s, ${measured.requests} requests, ${measured.errors} errors (ramp-up: ${ramp.requests} requests, ${ramp.errors} errors)`);
  const requests = ramp.requests + measured.requests;
  const errors = ramp.errors + measured.errors;
  const throughput = seconds > 0 ? measured.requests / seconds : 0;
  const { latency, histogram } = summarizeLatencies(latencies);
  const criteria = judge(settings, { requests, errors, p95: latency.p95, throughput });
  const aborted = options.signal?.aborted === true;
  const early = aborted
    ? "interrupted (Ctrl-C)"
    : boundReached
      ? `the request bound (loadTest.maxRequests: ${settings.maxRequests}) was reached ${seconds > 0 ? `${seconds.toFixed(1)} s into the measured phase` : "during the ramp-up"}`
      : undefined;
  return {
    target,
    settings,
    startedAt,
    finishedAt: now().toISOString(),
    phases,
    requests,
    errors,
    errorRatio: requests === 0 ? 1 : errors / requests,
    outcomes,
    throughput,
    latency,
    histogram,
    criteria,
    ...(early === undefined ? {} : { stoppedEarly: early }),
    ...(rampCut === undefined ? {} : { rampUpCut: rampCut }),
    ok: criteria.every((c) => c.ok) && !aborted,
  };
}

const BAR_WIDTH = 24;

/** The run as Markdown: verdict, criteria, percentiles, histogram, phases, outcomes. */
export function renderLoadTestMarkdown(result: LoadTestResult, stack: string): string {
  const s = result.settings;
  const failed = result.criteria.filter((c) => !c.ok).map((c) => c.name);
  const lines = [
    `# Load test of ${stack}: ${result.ok ? "✅ passed" : `❌ FAILED (${failed.length > 0 ? failed.join(", ") : "interrupted"})`}`,
    "",
    `\`GET ${result.target}\`: ${s.concurrency} connection(s) after a ${s.rampUp} ramp-up, measured for ${s.duration} (at most ${s.maxRequests} requests; timeout ${s.requestTimeout}); ${result.startedAt} → ${result.finishedAt}.`,
    ...(result.rampUpCut === undefined ? [] : ["", `> ℹ️ Ramp-up cut short: ${result.rampUpCut}.`]),
    ...(result.stoppedEarly === undefined ? [] : ["", `> ⚠️ Stopped early: ${result.stoppedEarly}.`]),
    "",
    "| criterion | limit (stack `loadTest`) | measured | result |",
    "|---|---|---|---|",
    ...result.criteria.map((c) => `| ${c.name} | ${c.limit} | ${c.measured} | ${c.ok ? "✅ pass" : "❌ fail"} |`),
    "",
    `Error ratio over the whole run (ramp-up included); latency and throughput over the measured phase.`,
    "",
    `## Latency (measured phase, ${result.latency.responses} responses)`,
    "",
    "| min | mean | p50 | p90 | p95 | p99 | max |",
    "|---|---|---|---|---|---|---|",
    `| ${[result.latency.min, result.latency.mean, result.latency.p50, result.latency.p90, result.latency.p95, result.latency.p99, result.latency.max].map(ms).join(" | ")} |`,
    "",
    "```text",
    ...histogramLines(result),
    "```",
    "",
    "## Phases",
    "",
    "| phase | connections | seconds | requests | errors |",
    "|---|---|---|---|---|",
    ...result.phases.map((p) => `| ${p.name} | ${p.connections} | ${p.seconds.toFixed(1)} | ${p.requests} | ${p.errors} |`),
    "",
    `Outcomes: ${
      Object.entries(result.outcomes)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${/^\d+$/.test(k) ? `HTTP ${k}` : k} × ${v}`)
        .join(", ") || "none"
    }.`,
    "",
  ];
  return lines.join("\n");
}

function histogramLines(result: LoadTestResult): string[] {
  const peak = Math.max(1, ...result.histogram.map((b) => b.count));
  const total = Math.max(1, result.latency.responses);
  const width = Math.max(...result.histogram.map((b) => b.bucket.length));
  // Buckets from the first to the last non-empty one, so a fast service does not print ten empty lines.
  const first = result.histogram.findIndex((b) => b.count > 0);
  const last = result.histogram.length - 1 - [...result.histogram].reverse().findIndex((b) => b.count > 0);
  const shown = first < 0 ? result.histogram : result.histogram.slice(Math.max(0, first), last + 1);
  return shown.map((b) => `${b.bucket.padStart(width)} │${"█".repeat(Math.round((b.count / peak) * BAR_WIDTH)).padEnd(BAR_WIDTH)}│ ${b.count} (${((b.count / total) * 100).toFixed(1)} %)`);
}

/** The stack tag holding the last load test's summary (`npm run loadtest -- --record`), which the checklist reads. */
export const LOAD_TEST_TAG = "go-service:last-load-test";

/** The summary a stack keeps of its last load test: small enough for a Pulumi Cloud tag (256 characters). */
export interface LoadTestRecord {
  readonly format: 1;
  /** When the run finished (ISO 8601, UTC). */
  readonly at: string;
  readonly ok: boolean;
  readonly p95Ms: number;
  readonly errorRatio: number;
  /** Requests per second in the measured phase. */
  readonly throughput: number;
  /** The criteria that failed. */
  readonly failed: readonly string[];
}

/** The record of a run. */
export function loadTestRecord(result: LoadTestResult): LoadTestRecord {
  return {
    format: 1,
    at: result.finishedAt,
    ok: result.ok,
    p95Ms: Math.round(result.latency.p95 * 10) / 10,
    errorRatio: Math.round(result.errorRatio * 1e6) / 1e6,
    throughput: Math.round(result.throughput * 10) / 10,
    failed: result.criteria.filter((c) => !c.ok).map((c) => c.name),
  };
}

/** Reads a record from a tag's or a file's text; undefined when it is not one this tool wrote. */
export function parseLoadTestRecord(text: string | undefined): LoadTestRecord | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<LoadTestRecord> & { record?: Partial<LoadTestRecord> };
    const record = value.record ?? value;
    if (record.format !== 1 || typeof record.at !== "string" || typeof record.ok !== "boolean" || typeof record.p95Ms !== "number") return undefined;
    if (typeof record.errorRatio !== "number" || typeof record.throughput !== "number" || !Array.isArray(record.failed)) return undefined;
    return record as LoadTestRecord;
  } catch {
    return undefined;
  }
}
