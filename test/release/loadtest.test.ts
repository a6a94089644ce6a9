import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMON_DEFAULTS } from "../../config/environment-defaults.js";
import {
  judge,
  loadTestRecord,
  loadTestTarget,
  parseLoadTestRecord,
  percentile,
  rampUpRequestBudget,
  renderLoadTestMarkdown,
  runLoadTest,
  summarizeLatencies,
  waves,
  type LoadTestResult,
} from "../../release/loadtest.js";

const SETTINGS = COMMON_DEFAULTS.loadTest;

describe("load test arithmetic", () => {
  it("percentiles by nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 90, 95, 99, 100].map((p) => percentile(values, p))).toEqual([50, 90, 95, 99, 100]);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 95)).toBeNaN();
  });

  it("a histogram over the service's buckets, and the summary", () => {
    const { latency, histogram } = summarizeLatencies([1, 4, 7, 30, 600, 12000]);
    expect(latency).toMatchObject({ responses: 6, min: 1, max: 12000, p50: 7 });
    expect(histogram.filter((b) => b.count > 0)).toEqual([
      { bucket: "≤ 5 ms", count: 2 },
      { bucket: "≤ 10 ms", count: 1 },
      { bucket: "≤ 50 ms", count: 1 },
      { bucket: "≤ 1000 ms", count: 1 },
      { bucket: "> 10000 ms", count: 1 },
    ]);
  });

  it("judges on the seed's criteria: ≤ 1 % errors, P95 ≤ 500 ms, ≥ 100 req/s, each boundary included", () => {
    expect(judge(SETTINGS, { requests: 1000, errors: 10, p95: 500, throughput: 100 }).map((c) => c.ok)).toEqual([true, true, true]);
    expect(judge(SETTINGS, { requests: 1000, errors: 11, p95: 500.1, throughput: 99.9 }).map((c) => c.ok)).toEqual([false, false, false]);
    const none = judge(SETTINGS, { requests: 0, errors: 0, p95: Number.NaN, throughput: 0 });
    expect(none.map((c) => [c.ok, c.measured])).toEqual([
      [false, "no request completed"],
      [false, "no response in the measured phase"],
      [false, "0.0 req/s"],
    ]);
  });

  it("opens the connections in up to 4 waves over the ramp-up, each running to the end", () => {
    expect(waves(10, 2, 10)).toEqual([
      { connections: 2, startSeconds: 0, seconds: 12 },
      { connections: 3, startSeconds: 0.5, seconds: 11.5 },
      { connections: 2, startSeconds: 1, seconds: 11 },
      { connections: 3, startSeconds: 1.5, seconds: 10.5 },
    ]);
    expect(waves(2, 2, 10).map((w) => w.connections)).toEqual([1, 1]);
    expect(waves(10, 0, 10)).toEqual([{ connections: 10, startSeconds: 0, seconds: 10 }]);
  });

  it.each([
    [100_000, 2, 10, 16_666],
    [20_000, 1, 4, 4_000],
    [300, 2, 1, 200],
    [100, 0, 10, 0],
    [1, 1, 1, 0],
  ])("the ramp-up may use %i × %is / (%is + measured) of the bound: %i requests", (maxRequests, ramp, measured, budget) => {
    expect(rampUpRequestBudget(maxRequests, ramp, measured)).toBe(budget);
  });

  it("requests the stack's path on the service's host", () => {
    expect(loadTestTarget("https://staging.monapp.com", "/api/items")).toBe("https://staging.monapp.com/api/items");
    expect(loadTestTarget("http://127.0.0.1:8080/ignored/", "/api/items?x=1")).toBe("http://127.0.0.1:8080/api/items?x=1");
  });
});

// A service that answers at once, so the bound is reached long before the ramp-up's time is over (as the
// reference service does on a fast CI machine): the ramp-up is cut at its share and the measured phase still runs.
describe("a run against a service faster than its request bound", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((_req, res) => res.end("[]"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("cuts the ramp-up at its share of the bound and judges the measured phase on its responses", async () => {
    const settings = { ...SETTINGS, concurrency: 4, rampUp: "20s", duration: "1s", maxRequests: 2_100 };
    const result = await runLoadTest({ url, settings });
    const [rampUp, measured] = result.phases;
    expect(rampUp?.requests).toBe(2_000);
    expect(rampUp?.seconds).toBeLessThan(20);
    expect(measured?.requests).toBeGreaterThan(0);
    expect(result.requests).toBeLessThanOrEqual(2_100);
    expect(result.latency.responses).toBe(measured?.requests);
    expect(result.criteria.find((c) => c.name === "P95 latency")?.ok).toBe(true);
    expect(result.rampUpCut).toMatch(/^its share of the request bound \(2000 of 2100\) was used after \d+\.\d s/);
    expect(renderLoadTestMarkdown(result, "unit")).toContain("> ℹ️ Ramp-up cut short: its share of the request bound (2000 of 2100)");
  });
});

const RESULT: LoadTestResult = {
  target: "http://127.0.0.1:8080/api/items",
  settings: SETTINGS,
  startedAt: "2026-11-30T07:00:00.000Z",
  finishedAt: "2026-11-30T07:00:12.000Z",
  phases: [
    { name: "ramp-up (4 waves)", connections: 10, seconds: 2, requests: 20, errors: 0 },
    { name: "measured", connections: 10, seconds: 10, requests: 160, errors: 0 },
  ],
  requests: 180,
  errors: 0,
  errorRatio: 0,
  outcomes: { "200": 180 },
  throughput: 16,
  latency: { responses: 160, min: 600, mean: 603, p50: 602, p90: 606, p95: 611, p99: 620, max: 625 },
  histogram: summarizeLatencies(Array.from({ length: 160 }, () => 605)).histogram,
  criteria: judge(SETTINGS, { requests: 180, errors: 0, p95: 611, throughput: 16 }),
  ok: false,
};

describe("the load test report", () => {
  it("leads with the verdict and the failed criteria, then every criterion with its limit and measured value", () => {
    const report = renderLoadTestMarkdown(RESULT, "staging");
    expect(report.split("\n")[0]).toBe("# Load test of staging: ❌ FAILED (P95 latency, throughput)");
    expect(report).toContain("| error ratio | ≤ 1.00 % | 0.00 % (0 of 180) | ✅ pass |");
    expect(report).toContain("| P95 latency | ≤ 500 ms | 611 ms | ❌ fail |");
    expect(report).toContain("| throughput | ≥ 100 req/s | 16.0 req/s | ❌ fail |");
    expect(report).toContain("| 600 ms | 603 ms | 602 ms | 606 ms | 611 ms | 620 ms | 625 ms |");
    expect(report).toContain(" ≤ 1000 ms │████████████████████████│ 160 (100.0 %)");
    expect(report).toContain("Outcomes: HTTP 200 × 180.");
  });

  it("keeps a summary small enough for a stack tag, and reads it back", () => {
    const record = loadTestRecord(RESULT);
    expect(record).toEqual({ format: 1, at: RESULT.finishedAt, ok: false, p95Ms: 611, errorRatio: 0, throughput: 16, failed: ["P95 latency", "throughput"] });
    expect(JSON.stringify(record).length).toBeLessThanOrEqual(256);
    expect(parseLoadTestRecord(JSON.stringify(record))).toEqual(record);
    expect(parseLoadTestRecord(JSON.stringify({ stack: "staging", record }))).toEqual(record);
    expect(parseLoadTestRecord("{}")).toBeUndefined();
    expect(parseLoadTestRecord("nope")).toBeUndefined();
  });
});
