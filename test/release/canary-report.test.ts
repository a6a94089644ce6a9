import { describe, expect, it } from "vitest";
import { resolveObservabilityProps } from "../../alerts/observability-props.js";
import { judgeStep, measureQueries, type StepAnalysis, type StepResults } from "../../release/canary-analysis.js";
import { canarySection } from "../../release/canary-report.js";
import type { CanaryReport, CanaryResult } from "../../release/canary.js";
import type { DeployResult } from "../../release/deploy.js";
import { renderDeployReport } from "../../release/deploy-report.js";
import { buildSlackMessage } from "../../release/notify.js";

const o = resolveObservabilityProps({ serviceName: "myapp", namespace: "myapp", environment: "production", containerMemoryLimitBytes: 512 * 2 ** 20 });
const value = (v: number) => ({ kind: "value", value: v }) as const;
const AT = "2026-11-30T08:00:00.000Z";

function step(n: number, traffic: number, canaryPods: number, results: StepResults): StepAnalysis {
  const settings = { traffic, pause: "5m", minRequests: 1000 };
  return { ...judgeStep(o, { step: n, steps: 2, settings, canaryPods, stablePods: 3, maxExtraBurnRate: 3 }, measureQueries(o, 300), results), at: AT, queryMs: 42 };
}

const healthy: StepResults = {
  requests: { canary: value(1500) },
  errorRatio: { canary: value(0), stable: value(0) },
  latencyP95: { canary: value(0.02), stable: value(0.021) },
  slowRatio: { canary: value(0), stable: value(0) },
};
const errors: StepResults = { ...healthy, errorRatio: { canary: value(0.1), stable: value(0) } };

const result = (steps: StepAnalysis[], verdict: CanaryResult["verdict"]): CanaryResult => {
  const failed = steps.at(-1);
  const measure = failed?.measures.find((m) => m.verdict === "fail");
  return {
    verdict,
    stableImage: "registry.example.com/myapp:v1.4.2",
    canaryImage: "registry.example.com/myapp:v1.4.3-error10",
    canaryName: "myapp-canary",
    stablePods: 3,
    steps,
    ...(verdict === "aborted" ? { reason: failed?.summary ?? "", ...(measure === undefined ? {} : { decisive: { step: failed?.step ?? 0, measure } }) } : {}),
    promotedInconclusive: [],
    removed: true,
    timingsMs: {},
  };
};

describe("the deploy report of a canary release", () => {
  const aborted: CanaryReport = { strategy: "canary", prometheusUrl: "http://127.0.0.1:9090", result: result([step(1, 10, 1, errors)], "aborted") };
  const deployResult: DeployResult = {
    exitCode: 5,
    outcome: "aborted",
    stack: "production",
    release: { id: "20261130T080000Z-0123456789ab", sha: "0123456789abcdef0123456789abcdef01234567", image: "registry.example.com/myapp:v1.4.3-error10" },
    previewSummary: "0 to create, 1 to update, 0 to replace, 0 to delete (20 unchanged)",
    failure: `canary aborted: ${aborted.result?.reason ?? ""}\nthe canary was removed; the stable track (registry.example.com/myapp:v1.4.2) never changed`,
    checks: [{ name: "rollout of Deployment myapp/myapp", status: "passed", detail: 'deployment "myapp" successfully rolled out' }],
    pendingOperations: 0,
    timingsMs: { preview: 5000, canary: 330_000 },
    canary: aborted,
  };
  const report = renderDeployReport(deployResult);

  it("says which step, which measure, its value and its threshold, first", () => {
    expect(report).toContain("**Deploy of `production`: 🐤 ABORTED by the canary analysis: the canary was removed, the stable track never changed** (exit code 5)");
    expect(report).toContain(
      "canary aborted: step 1 of 2 (10 % asked: 1 canary pod beside 3 stable, 25 % of the pods; window 5m): failed: error ratio (5xx) 10 % > 0.3 % (threshold ≤ 0.3 %: availability SLO 99.9 %: min(14.4 × the 0.1 % budget = 1.44 % (page burn rate), stable 0 % + 3 × 0.1 % = 0.3 %))",
    );
    expect(report).toContain("Decided at step 1 by **error ratio (5xx)**: 10 %, threshold ≤ 0.3 % (10 % > 0.3 %).");
    expect(report).toContain("#### Verification of the stable track");
    expect(report).toContain("The stack runs what it ran before this deploy: the canary was removed and the stable Deployment never changed.");
  });

  it("shows every step: share of the pods, window, each measure with its value, the stable track's, threshold, verdict and PromQL", () => {
    expect(report).toContain("**Step 1 of 2**: 1 canary pod(s) beside 3 stable, 25.0 % of the pods (10 % asked); window 5m ending 2026-11-30T08:00:00Z; queries 42 ms. ❌ fail.");
    expect(report).toContain("| requests (canary) | 1500 |  | ≥ 1000 (release.steps[0].minRequests) | ✅ pass: 1500 ≥ 1000 |");
    expect(report).toContain("| error ratio (5xx) | 10 % | 0 % | ≤ 0.3 % (availability SLO 99.9 %: min(14.4 × the 0.1 % budget = 1.44 % (page burn rate), stable 0 % + 3 × 0.1 % = 0.3 %)) | ❌ fail: 10 % > 0.3 % |");
    expect(report).toContain("| P95 latency | 0.02 s | 0.021 s | ≤ 1 s (HighLatency threshold (monitoring.thresholds.latencyP95Seconds)) | ✅ pass: 0.02 s ≤ 1 s |");
    expect(report).toContain("```promql\nsum by (namespace, job) (rate(http_requests_total{namespace=\"myapp\", job=\"myapp\", track=\"canary\"}[300s]))\n* 300\n```");
    expect(report).toContain('track!="canary"');
  });

  it("and the Slack notice says the same", () => {
    const text = buildSlackMessage({ stack: "production", outcome: "aborted", sha: deployResult.release.sha, image: deployResult.release.image, durationSeconds: 335, failure: deployResult.failure ?? "" }).text;
    expect(text).toContain(":hatching_chick: ABORTED by the canary analysis (canary removed, stable track unchanged)");
    expect(text).toContain("step 1 of 2");
    expect(text).toContain("error ratio (5xx) 10 % > 0.3 % (threshold ≤ 0.3 %");
  });

  it("a promoted canary lists every step, then the promotion", () => {
    const promoted = canarySection({ strategy: "canary", prometheusUrl: "http://p:9090", result: result([step(1, 10, 1, healthy), step(2, 50, 3, healthy)], "promoted") }).join("\n");
    expect(promoted).toContain("**promoted**: every step passed; the canary was removed and the stable Deployment takes the image in the update that follows");
    expect(promoted).toContain("**Step 1 of 2**: 1 canary pod(s) beside 3 stable, 25.0 % of the pods (10 % asked)");
    expect(promoted).toContain("**Step 2 of 2**: 3 canary pod(s) beside 3 stable, 50.0 % of the pods (50 % asked)");
  });

  it("a rolling stack has no canary section; a canary stack without a canary says why", () => {
    expect(canarySection({ strategy: "rolling" })).toEqual([]);
    expect(canarySection({ strategy: "canary", note: "the image does not change (registry.example.com/myapp:v1.4.2): nothing for a canary to judge, so the release rolls out" }).join("\n")).toContain(
      "`release.strategy: canary`, but no canary ran: the image does not change",
    );
  });
});
