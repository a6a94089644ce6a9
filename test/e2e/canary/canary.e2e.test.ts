// End-to-end: canary releases gated by the stack's SLOs, on real processes. The local stack deployed by the
// release tool onto the local cluster's real node (kubelet + containerd, scripts/cluster/node.sh), running the
// reference Go service and its test-only fault variants (examples/go-service, images built by cluster:up), and
// scraped by a real Prometheus (built from its Go module with Kubernetes service discovery, scripts/tools)
// exactly as the stack's scrape config says, track and version labels included. The canary analysis reads
// what that Prometheus scraped: nothing is simulated between the pods and the verdict.
//
// Traffic comes from a bounded load loop to the Service's ClusterIP only (an address on this machine: the
// node's kube-proxy), at most LOAD_MAX requests and LOAD_SECONDS seconds per deploy. The stack's steps are
// short (seconds) and Prometheus scrapes every 2 s, the stack's own interval for this test.
//
// Preconditions, loud when missing: `npm run tools`, `npm run cluster:up` with the real node (the default).
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { resolveStackFile } from "../../../config/resolve-stack-config.js";
import { deploy, type DeployOptions, type DeployResult } from "../../../release/deploy.js";
import { renderDeployReport } from "../../../release/deploy-report.js";
import { synthesizeStack } from "../../../synth/synthesize.js";
import { createTestStack, ensureMonitoringCrds, kubectl, repoRoot, simulateIngressController, type TestStack, toolsEnv } from "../release/environment.js";
import { type ClusterPrometheus, eventually, loadLoop as boundedLoad, serviceUrl as clusterServiceUrl, startClusterPrometheus } from "../support/real-cluster.js";
import { stepTimer } from "../support/timer.js";

const GOOD_IMAGE = "registry.example.com/myapp:v1.4.2";
const NEXT_IMAGE = "registry.example.com/myapp:v1.4.3";
const ERROR_IMAGE = "registry.example.com/myapp:v1.4.3-error10"; // FAULT_ERROR_RATIO=0.1 on /api/*
const SCRAPE_INTERVAL = "2s";
/** The test stack's steps: a third of the pods, then half, judged after 12 s each on at least 20 canary requests. */
const STEPS = [
  { traffic: 30, pause: "12s", minRequests: 20 },
  { traffic: 50, pause: "12s", minRequests: 20 },
];
const ROLLOUT_TIMEOUT = "40s";
const DEPLOY_DEADLINE = 120;
/** The load loop's bounds per deploy: requests, seconds, and the pace (about 25 requests a second). */
const LOAD_MAX = 5000;
const LOAD_SECONDS = 180;
const LOAD_INTERVAL_MS = 40;

const env = toolsEnv();
const { timed, timings } = stepTimer("canary-e2e", (ms) => `${(ms / 1000).toFixed(1)}s`);
let t: TestStack;
let stopIngress: (() => void) | undefined;
let prometheus: ClusterPrometheus | undefined;
let prometheusUrl = "";

interface Pod {
  metadata: { name: string; labels: Record<string, string>; deletionTimestamp?: string };
  spec: { nodeName?: string; containers: { image: string }[] };
  status: { containerStatuses?: { restartCount: number }[] };
}

const options = (extra: Partial<DeployOptions> = {}): DeployOptions => ({
  target: { stackName: t.stackName, workDir: t.programDir, envVars: t.envVars, pulumiCommand: t.stack.workspace.pulumiCommand },
  rolloutTimeoutSeconds: DEPLOY_DEADLINE,
  smokeTimeoutSeconds: 30,
  prometheusUrl,
  log: (line) => console.log(`[canary-e2e] ${line}`),
  ...extra,
});
const report = (result: DeployResult): string => renderDeployReport(result);
const setImage = (image: string) => t.stack.setConfig("go-service:image", { value: image });

async function pods(track?: "stable" | "canary"): Promise<Pod[]> {
  const selector = `app.kubernetes.io/name=myapp${track === undefined ? "" : `,track=${track}`}`;
  const list = JSON.parse(await kubectl(env, "-n", t.namespace, "get", "pods", "-l", selector, "-o", "json")) as { items: Pod[] };
  return list.items.filter((p) => p.metadata.deletionTimestamp === undefined);
}

async function deployments(): Promise<string[]> {
  return (await kubectl(env, "-n", t.namespace, "get", "deployments", "-o", "jsonpath={.items[*].metadata.name}")).trim().split(/\s+/).filter((n) => n !== "");
}

const serviceUrl = (): Promise<string> => clusterServiceUrl(env, t.namespace);
const query = (expr: string) => (prometheus as ClusterPrometheus).query(expr);

/**
 * The bounded load loop to the Service's ClusterIP only: one GET of /api/items every LOAD_INTERVAL_MS, each on
 * a connection of its own (so that kube-proxy spreads them over the ready pods), until stopped, LOAD_MAX
 * requests or LOAD_SECONDS.
 */
const loadLoop = (base: string) => boundedLoad(`${base}/api/items`, { max: LOAD_MAX, seconds: LOAD_SECONDS, intervalMs: LOAD_INTERVAL_MS });

/** The local stack's config as the test sets it: its namespace, a canary strategy with short steps, 2 s scrapes. */
function testConfig(document: { config: Record<string, unknown> }): Record<string, unknown> {
  const monitoring = (document.config["go-service:monitoring"] ?? {}) as Record<string, unknown>;
  return {
    ...document.config,
    "go-service:namespace": t.namespace,
    "go-service:release": { strategy: "canary", steps: STEPS },
    "go-service:monitoring": { ...monitoring, prometheus: { ...((monitoring.prometheus as object | undefined) ?? {}), scrapeInterval: SCRAPE_INTERVAL } },
  };
}

/** Writes the canary settings into the test stack's file (objects and numbers as they are: no `config set --path` typing). */
async function configureCanary(): Promise<void> {
  const settings = await t.stack.workspace.stackSettings(t.stackName);
  const config = testConfig({ config: { ...(settings.config as Record<string, unknown>) } });
  delete config["go-service:namespace"]; // set by createTestStack already
  await t.stack.workspace.saveStackSettings(t.stackName, { ...settings, config: { ...settings.config, ...config } });
}

/** A real Prometheus scraping the test stack as its synthesized scrape config says, discovering pods through the API server. */
async function startPrometheus(): Promise<void> {
  const document = parse(readFileSync(path.join(repoRoot, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
  const synthesized = synthesizeStack(resolveStackFile(stringify({ config: testConfig(document) }), { project: "go-service", stack: "canary-e2e", file: "Pulumi.local.yaml" }));
  prometheus = await startClusterPrometheus({ files: synthesized.files, interval: SCRAPE_INTERVAL, env });
  prometheusUrl = prometheus.url;
}

describe("canary releases on real pods, judged by a real Prometheus", () => {
  beforeAll(async () => {
    await ensureMonitoringCrds(env);
    const nodes = await kubectl(env, "get", "nodes", "-l", "type!=kwok", "-o", "jsonpath={.items[*].metadata.name}");
    if (!nodes.includes("real-node-a")) throw new Error("the local cluster has no real node: run `npm run cluster:up` (GSS_CLUSTER_REAL_NODE=1, the default)");
    t = await timed("create stack", () => createTestStack(env, "canary-e2e"));
    await t.stack.setConfig("go-service:kubernetes.rolloutTimeout", { value: ROLLOUT_TIMEOUT }, true);
    await configureCanary();
    stopIngress = simulateIngressController(env, () => t.namespace);
    await timed("prometheus start", () => startPrometheus());
  });

  afterAll(async () => {
    stopIngress?.();
    prometheus?.stop();
    await t?.cleanup();
    console.log(`[canary-e2e] timings (ms): ${JSON.stringify(timings)}`);
  });

  it("a first deploy has no stable track to run a canary beside: it rolls out, and says why", async () => {
    await setImage(GOOD_IMAGE);
    const result = await timed("deploy (first, rolling)", () => deploy(options()));
    expect(result.outcome, report(result)).toBe("succeeded");
    expect(result.canary?.strategy).toBe("canary");
    expect(result.canary?.note).toContain("a first deploy");
    expect((await pods("stable")).length).toBeGreaterThanOrEqual(2);
    // The scrape copies the pods' track and version onto their series.
    const series = await eventually("the stable pods' series with their track and version", 60, async () => {
      const found = await query(`up{namespace="${t.namespace}", job="myapp", track="stable", app_kubernetes_io_version="v1.4.2"} == 1`);
      return found.length >= 2 ? found : undefined;
    });
    expect(series.length).toBeGreaterThanOrEqual(2);
  });

  it("a good release is promoted through every step, judged on what Prometheus scraped from both tracks", async () => {
    await setImage(NEXT_IMAGE);
    const load = loadLoop(await serviceUrl());
    const result = await timed("deploy (good canary)", () =>
      deploy(options({ onCanaryStep: (analysis, waitedMs) => console.log(`[canary-e2e] step ${analysis.step}: paused ${waitedMs} ms, queries ${analysis.queryMs} ms`) })),
    );
    const statuses = await load.stop();
    expect(result.outcome, report(result)).toBe("succeeded");
    const canary = result.canary?.result;
    expect(canary?.verdict).toBe("promoted");
    expect(canary?.steps.map((s) => [s.step, s.verdict, s.canaryPods, s.stablePods])).toEqual([
      [1, "pass", 1, 2],
      [2, "pass", 2, 2],
    ]);
    for (const step of canary?.steps ?? []) {
      const requests = step.measures.find((m) => m.id === "requests");
      expect(requests?.value ?? 0).toBeGreaterThanOrEqual(STEPS[0]?.minRequests ?? 0);
      expect(step.measures.find((m) => m.id === "errorRatio")).toMatchObject({ value: 0, verdict: "pass" });
    }
    // Promoted: the stable Deployment runs the new image, the canary is gone.
    expect(await deployments()).toEqual(["myapp"]);
    expect((await pods()).every((p) => p.spec.containers[0]?.image === NEXT_IMAGE && p.metadata.labels.track === "stable")).toBe(true);
    // Both tracks served throughout, without a failed request.
    expect(statuses.length).toBeGreaterThan(200);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    console.log(`[canary-e2e] ${statuses.length} requests during the good release; analysis per step ${canary?.steps.map((s) => `${s.queryMs} ms`).join(", ")}`);
  });

  it("a release answering 10 % of its requests with 500 is aborted at its first step by the scraped data; the stable pods serve throughout", async () => {
    const stableBefore = (await pods("stable")).map((p) => [p.metadata.name, p.status.containerStatuses?.[0]?.restartCount]);
    await setImage(ERROR_IMAGE);
    const load = loadLoop(await serviceUrl());
    const result = await timed("deploy (10 % errors)", () => deploy(options()));
    const statuses = await load.stop();
    expect(result.exitCode, report(result)).toBe(5);
    expect(result.outcome).toBe("aborted");
    const canary = result.canary?.result;
    expect(canary?.steps).toHaveLength(1);
    expect(canary?.decisive?.step).toBe(1);
    expect(canary?.decisive?.measure).toMatchObject({ id: "errorRatio", verdict: "fail" });
    expect(canary?.decisive?.measure.value ?? 0).toBeGreaterThan(0.05);
    expect(result.failure).toMatch(/canary aborted: step 1 of 2 .*: failed: error ratio \(5xx\) [\d.]+ % > [\d.]+ %/);
    // The data was Prometheus': the canary's 500s, under its track and version (the pod is gone: its last samples).
    const errors = await query(`sum(last_over_time(http_requests_total{namespace="${t.namespace}", track="canary", app_kubernetes_io_version="v1.4.3-error10", status="500"}[5m]))`);
    expect(Number(errors[0]?.value[1] ?? 0)).toBeGreaterThan(0);
    // The canary is gone and the stable track never changed: same pods, same image, no restart.
    expect(await deployments()).toEqual(["myapp"]);
    expect((await pods("stable")).map((p) => [p.metadata.name, p.status.containerStatuses?.[0]?.restartCount])).toEqual(stableBefore);
    expect((await pods()).every((p) => p.spec.containers[0]?.image === NEXT_IMAGE)).toBe(true);
    // Every request was answered; the only failures are the canary's injected 500s.
    expect(statuses.filter((s) => s === 0)).toEqual([]);
    expect(statuses.filter((s) => s !== 200 && s !== 500)).toEqual([]);
    expect(statuses.filter((s) => s === 500).length).toBeLessThan(statuses.length * 0.1);
  });

  it("a release with no traffic to judge is aborted as inconclusive (fail closed)", async () => {
    await setImage(GOOD_IMAGE);
    const result = await timed("deploy (no traffic)", () => deploy(options()));
    expect(result.exitCode, report(result)).toBe(5);
    const canary = result.canary?.result;
    expect(canary?.steps.map((s) => s.verdict)).toEqual(["inconclusive"]);
    expect(canary?.decisive?.measure.id).toBe("requests");
    expect(result.failure).toMatch(/step 1 of 2 .*: inconclusive: requests \(canary\) (no data|too little traffic)/);
    expect(await deployments()).toEqual(["myapp"]);
    expect((await pods()).every((p) => p.spec.containers[0]?.image === NEXT_IMAGE)).toBe(true);
  });
});
