// Deterministic metrics of canary releases, as the reference service (examples/go-service) exposes them and
// the stack's scrape labels them: http_requests_total and http_request_duration_seconds, per release track,
// one namespace per scenario. Every scenario runs 15 minutes of 10-second scrapes ending at `end`.
import type { Series } from "./prometheus.js";

/** The reference service's histogram buckets (examples/go-service internal/metrics). */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 2.5, 5, 10] as const;

/** One release track's traffic: requests per second, the share answered 500, where its latencies fall. */
export interface TrackTraffic {
  /** Requests per second (× 10 s must be a whole number: counters count whole requests). */
  readonly rate: number;
  /** Share of the requests answered 500 (× rate × 10 s must be a whole number). */
  readonly errorShare: number;
  /** Every request takes this long (seconds); it lands in the bucket above it. */
  readonly latency: number;
}

/** A scenario: its namespace and each track's traffic (absent: no series at all). */
export interface Scenario {
  readonly namespace: string;
  readonly canary?: TrackTraffic;
  readonly stable?: TrackTraffic;
}

export const JOB = "go-service";
export const SCRAPE_SECONDS = 10;
export const DURATION_SECONDS = 900;

const healthy = (rate: number): TrackTraffic => ({ rate, errorShare: 0, latency: 0.02 });

/** The scenarios of the unit tests: the canary's verdict follows from the data alone. */
export const SCENARIOS = {
  /** 2 req/s to the canary, 8 to the stable pods; no error, 20 ms. */
  good: { namespace: "good", canary: healthy(2), stable: healthy(8) },
  /** The canary answers 10 % of its requests with 500 (FAULT_ERROR_RATIO=0.1). */
  errors: { namespace: "errors", canary: { rate: 2, errorShare: 0.1, latency: 0.02 }, stable: healthy(8) },
  /** Every canary request takes 1.8 s (in the 1.5–2 s bucket): P95 1.975 s. */
  slow: { namespace: "slow", canary: { rate: 2, errorShare: 0, latency: 1.8 }, stable: healthy(8) },
  /** Nothing was ever scraped. */
  empty: { namespace: "empty" },
  /** One canary request every 10 s: 30 in 5 minutes. */
  quiet: { namespace: "quiet", canary: healthy(0.1), stable: healthy(8) },
} as const satisfies Record<string, Scenario>;

/**
 * Arguments of a Prometheus whose every query fails (`--query.timeout=0s`: the engine answers 503, "query
 * timed out in query queue"), for the query-error case.
 */
export const FAILING_QUERY_ARGS = ["--query.timeout=0s"] as const;

/** The series of the scenarios, scraped every 10 s for 15 minutes up to `end` (unix seconds, a multiple of 10). */
export function scenarioSeries(scenarios: readonly Scenario[], end: number): Series[] {
  const series: Series[] = [];
  const times: number[] = [];
  for (let t = end - DURATION_SECONDS; t <= end; t += SCRAPE_SECONDS) times.push(t);
  const start = times[0] ?? end;
  for (const scenario of scenarios) {
    for (const track of ["canary", "stable"] as const) {
      const traffic = scenario[track];
      if (traffic === undefined) continue;
      const base = { namespace: scenario.namespace, job: JOB, pod: `${scenario.namespace}-${track}-0`, track, app_kubernetes_io_version: track === "canary" ? "v1.4.3" : "v1.4.2" };
      // Counters start at a non-zero value, as a pod's that has served before the window would.
      const count = (t: number, share: number): number => Math.round(100 + (t - start) * traffic.rate * share);
      const ok = { ...base, method: "GET", route: "/api/items", status: "200" };
      series.push({ name: "http_requests_total", labels: ok, samples: times.map((t) => [t, count(t, 1 - traffic.errorShare)] as const) });
      if (traffic.errorShare > 0) {
        series.push({ name: "http_requests_total", labels: { ...ok, status: "500" }, samples: times.map((t) => [t, count(t, traffic.errorShare)] as const) });
      }
      const hist = { ...base, method: "GET", route: "/api/items" };
      for (const le of [...DURATION_BUCKETS.map(String), "+Inf"]) {
        const inBucket = le === "+Inf" || traffic.latency <= Number(le);
        series.push({ name: "http_request_duration_seconds_bucket", labels: { ...hist, le }, samples: times.map((t) => [t, inBucket ? count(t, 1) : 0] as const) });
      }
      series.push({ name: "http_request_duration_seconds_count", labels: hist, samples: times.map((t) => [t, count(t, 1)] as const) });
      series.push({ name: "http_request_duration_seconds_sum", labels: hist, samples: times.map((t) => [t, count(t, 1) * traffic.latency] as const) });
    }
  }
  return series;
}
