// End-to-end: the mechanics of a canary release on the real Pulumi engine and any local cluster (kwok pods
// do: they run no process, so nothing is ever scraped), judged by a real Prometheus that has no data. What
// this proves without real pods: `npm run preview` shows a canary release as what it is, the canary
// Deployment is created through the program (targeted updates) beside an untouched stable Deployment, a
// step without data is inconclusive and aborts (exit 5, fail closed), the canary is removed, the stable
// track never changed and the stack file is put back byte for byte. The verdicts on real traffic are in
// canary.e2e.test.ts (real node).
//
// Preconditions, loud when missing: `npm run tools`, `npm run cluster:up`.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploy, type DeployOptions, type DeployResult } from "../../../release/deploy.js";
import { renderDeployReport } from "../../../release/deploy-report.js";
import { type RunningPrometheus, startPrometheus } from "../../support/prometheus.js";
import { createTestStack, ensureMonitoringCrds, kubectl, repoRoot, simulateIngressController, type TestStack, toolsEnv } from "../release/environment.js";
import { stepTimer } from "../support/timer.js";

const execFileAsync = promisify(execFile);
const STABLE_IMAGE = "registry.example.com/myapp:v1.4.2";
const CANARY_IMAGE = "registry.example.com/myapp:v1.4.3";

const env = toolsEnv();
const { timed, timings } = stepTimer("canary-mechanics", (ms) => `${(ms / 1000).toFixed(1)}s`);
let t: TestStack;
let prometheus: RunningPrometheus;
let stopIngress: (() => void) | undefined;

const options = (extra: Partial<DeployOptions> = {}): DeployOptions => ({
  target: { stackName: t.stackName, workDir: t.programDir, envVars: t.envVars, pulumiCommand: t.stack.workspace.pulumiCommand },
  rolloutTimeoutSeconds: 90,
  prometheusUrl: prometheus.url,
  log: (line) => console.log(`[canary-mechanics] ${line}`),
  ...extra,
});
const report = (result: DeployResult): string => renderDeployReport(result);
const stackFile = (): string => path.join(t.programDir, `Pulumi.${t.stackName}.yaml`);

async function deploymentImages(): Promise<Record<string, string>> {
  const out = await kubectl(env, "-n", t.namespace, "get", "deployments", "-o", "jsonpath={range .items[*]}{.metadata.name}={.spec.template.spec.containers[0].image}{\"\\n\"}{end}");
  return Object.fromEntries(out.trim().split("\n").filter((l) => l !== "").map((l) => l.split("=") as [string, string]));
}

describe("canary release mechanics on the real engine", () => {
  beforeAll(async () => {
    await ensureMonitoringCrds(env);
    t = await timed("create stack", () => createTestStack(env, "canary-mechanics"));
    await t.stack.setConfig("go-service:kubernetes.rolloutTimeout", { value: "40s" }, true);
    const settings = await t.stack.workspace.stackSettings(t.stackName);
    const monitoring = (settings.config?.["go-service:monitoring"] ?? {}) as Record<string, unknown>;
    await t.stack.workspace.saveStackSettings(t.stackName, {
      ...settings,
      config: {
        ...settings.config,
        "go-service:release": { strategy: "canary", steps: [{ traffic: 30, pause: "4s", minRequests: 5 }, { traffic: 50, pause: "4s", minRequests: 5 }] },
        "go-service:monitoring": { ...monitoring, prometheus: { scrapeInterval: "2s" } },
      },
    });
    stopIngress = simulateIngressController(env, () => t.namespace);
    prometheus = await startPrometheus([]);
  });

  afterAll(async () => {
    stopIngress?.();
    await prometheus?.stop();
    await t?.cleanup();
    console.log(`[canary-mechanics] timings (ms): ${JSON.stringify(timings)}`);
  });

  it("a first deploy has no stable track: it rolls out and says why", async () => {
    const result = await timed("deploy (first)", () => deploy(options()));
    expect(result.outcome, report(result)).toBe("succeeded");
    expect(result.canary).toMatchObject({ strategy: "canary", note: expect.stringContaining("a first deploy") as unknown });
    expect(await deploymentImages()).toEqual({ myapp: STABLE_IMAGE });
  });

  it("npm run preview shows the canary release as what it is: the canary created and judged step by step, then the promotion", async () => {
    await t.stack.setConfig("go-service:image", { value: CANARY_IMAGE });
    const out = path.join(t.dir, "preview.md");
    const { stdout } = await timed("npm run preview", () =>
      execFileAsync(process.execPath, ["--import", "tsx", path.join(repoRoot, "cli", "preview.ts"), "--stack", t.stackName, "--cwd", t.programDir, "--out", out], {
        env: { ...t.envVars },
        cwd: repoRoot,
        maxBuffer: 16 << 20,
      }),
    );
    expect(stdout).toContain("#### Canary release");
    expect(stdout).toContain(`the image changes from \`${STABLE_IMAGE}\` to \`${CANARY_IMAGE}\`, so this release goes out as a canary`);
    expect(stdout).toContain(`| 1 | 🟢 created (\`${CANARY_IMAGE}\`) | 30 % asked: 1 of 3 pods, 33.3 % | 4s | 5 requests |`);
    expect(stdout).toContain(`| promotion | 🔴 deleted | 100 %: Deployment \`myapp\` takes \`${CANARY_IMAGE}\` | | |`);
    // The changes listed are the promotion's: the stable Deployment's image.
    expect(stdout).toMatch(/spec\.template\.spec\.containers\[app\]\.image/);
  });

  it("a step without data is inconclusive and aborts: the canary is removed, the stable track and the stack file untouched", async () => {
    const fileBefore = readFileSync(stackFile(), "utf8");
    const seen = new Set<string>();
    const watch = setInterval(() => {
      void deploymentImages()
        .then((images) => Object.entries(images).forEach(([name, image]) => seen.add(`${name}=${image}`)))
        .catch(() => undefined);
    }, 500);
    const result = await timed("deploy (canary, no data)", () => deploy(options())).finally(() => clearInterval(watch));
    expect(result.exitCode, report(result)).toBe(5);
    expect(result.outcome).toBe("aborted");
    expect(result.canary?.result?.steps.map((s) => [s.step, s.verdict, s.canaryPods, s.stablePods])).toEqual([[1, "inconclusive", 1, 2]]);
    expect(result.failure).toContain("canary aborted: step 1 of 2 (30 % asked: 1 canary pod beside 2 stable, 33.3 % of the pods; window 4s): inconclusive: requests (canary) no data");
    expect(result.checks.map((c) => c.status)).toEqual(["passed", "passed"]);
    // The canary ran beside the stable Deployment, which never took the new image.
    expect(seen).toContain(`myapp-canary=${CANARY_IMAGE}`);
    expect(seen).not.toContain(`myapp=${CANARY_IMAGE}`);
    expect(await deploymentImages()).toEqual({ myapp: STABLE_IMAGE });
    expect(readFileSync(stackFile(), "utf8")).toBe(fileBefore);
    // State and history see it: the canary's updates are in the stack's history, and no canary is left in the state.
    const history = (await t.stack.history()).filter((u) => u.kind === "update");
    expect(history.slice(0, 3).map((u) => u.message)).toEqual([
      expect.stringMatching(/^go-service canary \S+: aborted, canary removed$/),
      expect.stringMatching(/^go-service canary \S+: step 1 \(30 %\)$/),
      expect.stringMatching(/^go-service release /),
    ]);
    const state = JSON.stringify((await t.stack.exportStack()).deployment);
    expect(state).not.toContain("myapp-canary");
  });

  it("inconclusive: promote carries on to the promotion", async () => {
    const settings = await t.stack.workspace.stackSettings(t.stackName);
    const release = settings.config?.["go-service:release"] as Record<string, unknown>;
    await t.stack.workspace.saveStackSettings(t.stackName, { ...settings, config: { ...settings.config, "go-service:release": { ...release, inconclusive: "promote" } } });
    const result = await timed("deploy (canary, inconclusive: promote)", () => deploy(options()));
    expect(result.outcome, report(result)).toBe("succeeded");
    expect(result.canary?.result).toMatchObject({ verdict: "promoted", promotedInconclusive: [1, 2] });
    expect(await deploymentImages()).toEqual({ myapp: CANARY_IMAGE });
  });
});
