// The load test against the real reference service, run on this host (127.0.0.1 only, bounded in time and
// in requests): a good build passes the seed's criteria; the test-only latency fault (FAULT_LATENCY=600ms
// on /api/*) fails the P95 criterion, and the report says so. Then `npm run loadtest` itself: its exit
// codes and its report files.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LoadTestConfig } from "../../../config/load-test-config.js";
import { COMMON_DEFAULTS } from "../../../config/environment-defaults.js";
import { parseLoadTestRecord, renderLoadTestMarkdown, runLoadTest } from "../../../release/loadtest.js";
import { stepTimer } from "../support/timer.js";
import { buildService, startService, type RunningService } from "../support/go-service.js";

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, "../../..");
const { timed } = stepTimer("loadtest");

// The stack's defaults (the seed's criteria), with a short run: 4 s measured, at most 20 000 requests.
const SETTINGS: LoadTestConfig = { ...COMMON_DEFAULTS.loadTest, rampUp: "1s", duration: "4s", maxRequests: 20_000 };

let binary: string;
let good: RunningService;
let slow: RunningService;
const out = mkdtempSync(path.join(tmpdir(), "loadtest-e2e-"));

beforeAll(async () => {
  binary = await timed("go build ./cmd/server", () => buildService());
  good = await startService(binary);
  slow = await startService(binary, { FAULT_LATENCY: "600ms" });
});

afterAll(async () => {
  await good?.stop();
  await slow?.stop();
  rmSync(out, { recursive: true, force: true });
});

describe("the load test against the reference service on this host", () => {
  it("a good build passes every criterion", async () => {
    const result = await timed("good run", () => runLoadTest({ url: good.url, settings: SETTINGS }));
    console.log(renderLoadTestMarkdown(result, "e2e"));
    expect(result.target).toBe(`${good.url}/api/items`);
    expect(result.criteria.map((c) => [c.name, c.ok])).toEqual([
      ["error ratio", true],
      ["P95 latency", true],
      ["throughput", true],
    ]);
    expect(result.ok).toBe(true);
    expect(result.requests).toBeGreaterThan(100);
    expect(result.requests).toBeLessThanOrEqual(SETTINGS.maxRequests);
    expect(result.latency.p95).toBeLessThan(500);
  });

  it("the latency fault fails the P95 criterion, and the report says so with the measured value", async () => {
    const result = await timed("slow run", () => runLoadTest({ url: slow.url, settings: SETTINGS }));
    const report = renderLoadTestMarkdown(result, "e2e");
    console.log(report);
    expect(result.ok).toBe(false);
    const p95 = result.criteria.find((c) => c.name === "P95 latency");
    expect(p95?.ok).toBe(false);
    expect(result.latency.p95).toBeGreaterThanOrEqual(600);
    expect(result.errorRatio).toBe(0);
    expect(report).toMatch(/^# Load test of e2e: ❌ FAILED \(P95 latency, throughput\)/);
    expect(report).toMatch(/\| P95 latency \| ≤ 500 ms \| 6\d\d ms \| ❌ fail \|/);
    expect(report).toMatch(/≤ 1000 ms │█+ *│ \d+ \(100\.0 %\)/);
  });

  it("npm run loadtest: exit 0 and the report files for a good build, exit 1 for the slow one, 64 for a bad option", async () => {
    const run = async (url: string, name: string) => {
      try {
        await execFileAsync("npx", ["tsx", "cli/loadtest.ts", "--stack", "staging", "--url", url, "--ramp-up", "1s", "--duration", "3s", "--out", path.join(out, `${name}.md`)], { cwd: repoRoot });
        return 0;
      } catch (error) {
        return (error as { code?: number }).code ?? -1;
      }
    };
    expect(await timed("cli, good", () => run(good.url, "good"))).toBe(0);
    expect(readFileSync(path.join(out, "good.md"), "utf8")).toMatch(/^# Load test of staging: ✅ passed/);
    expect(parseLoadTestRecord(readFileSync(path.join(out, "good.json"), "utf8"))).toMatchObject({ format: 1, ok: true, failed: [] });
    expect(await timed("cli, slow", () => run(slow.url, "slow"))).toBe(1);
    expect(parseLoadTestRecord(readFileSync(path.join(out, "slow.json"), "utf8"))).toMatchObject({ ok: false, failed: expect.arrayContaining(["P95 latency"]) });
    expect(await run("ftp://127.0.0.1:1", "bad")).toBe(64);
  });
});
