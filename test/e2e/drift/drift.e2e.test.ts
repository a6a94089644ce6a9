// End-to-end: drift detection, drift repair by a deploy, every object awaited to its ready state, and
// progress while waiting, on the real Pulumi engine (offline CLI + Kubernetes provider, scripts/tools)
// against the local cluster (scripts/cluster). Preconditions, loud when missing: `npm run tools` and
// `npm run cluster:up`. Deadlines are short: the test stack's rollout timeout is 40 s.
//
// DRIFT_E2E_FIXTURES=<dir> saves the drift checks' engine events, trimmed, as the fixtures of the unit
// tests of the drift diff (test/release/fixtures/drift-*.events.json).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploy, type DeployOptions, type DeployResult } from "../../../release/deploy.js";
import { renderDeployReport } from "../../../release/deploy-report.js";
import { checkDrift, clusterAccessOf, type DriftOutcome } from "../../../release/drift.js";
import { renderDriftMarkdown } from "../../../release/drift-report.js";
import { EXIT } from "../../../release/stack-access.js";
import { createTestStack, ensureMonitoringCrds, kubectl, runCommandLine, SECRETS, simulateIngressController, type TestStack, toolsEnv } from "../release/environment.js";
import { stepTimer } from "../support/timer.js";
import { driftFixture } from "./fixtures.js";

const GOOD_IMAGE = "registry.example.com/myapp:v1.4.2";
const HAND_IMAGE = "registry.example.com/myapp:v1.4.3";
const STACK_ROLLOUT_TIMEOUT = "40s";
const DEPLOY_DEADLINE = 120;

/**
 * The kwok nodes of the local cluster must offer ephemeral storage: every container of the stack asks
 * for some (scripts/cluster/up.sh creates them without it, and the scheduler then places no pod). Adds
 * it to the nodes' status when it is missing, as the stand-in ingress controller fills in what the
 * cluster lacks.
 */
async function ensureNodeEphemeralStorage(env: Record<string, string>): Promise<void> {
  const nodes = JSON.parse(await kubectl(env, "get", "nodes", "-l", "type=kwok", "-o", "json")) as { items: { metadata: { name: string }; status: { allocatable?: Record<string, string> } }[] };
  for (const node of nodes.items.filter((n) => n.status.allocatable?.["ephemeral-storage"] === undefined)) {
    console.log(`[drift-e2e] node ${node.metadata.name} offers no ephemeral storage: adding 100Gi to its status (scripts/cluster/up.sh should)`);
    await kubectl(env, "patch", "node", node.metadata.name, "--subresource=status", "--type=merge", "-p", '{"status":{"capacity":{"ephemeral-storage":"100Gi"},"allocatable":{"ephemeral-storage":"100Gi"}}}');
  }
}

describe("drift and readiness on the real engine and the local cluster", () => {
  let env: Record<string, string>;
  let t: TestStack;
  let stopIngressController: (() => void) | undefined;
  const { timed, timings } = stepTimer("drift-e2e", (ms) => `${(ms / 1000).toFixed(1)}s`);
  const progressLines: string[] = [];

  const options = (extra: Partial<DeployOptions> = {}): DeployOptions => ({
    target: { stackName: t.stackName, workDir: t.programDir, envVars: t.envVars, pulumiCommand: t.stack.workspace.pulumiCommand },
    rolloutTimeoutSeconds: DEPLOY_DEADLINE,
    noSmokeReason: "kwok pods run no server",
    log: (line) => {
      if (line.startsWith("waiting for ")) progressLines.push(line);
      console.log(`[drift-e2e] deploy: ${line}`);
    },
    ...extra,
  });
  const report = (result: DeployResult): string => renderDeployReport(result, Object.values(SECRETS));
  const k = (...args: string[]): Promise<string> => kubectl(env, "-n", t.namespace, ...args);
  const check = async (label: string): Promise<DriftOutcome> => {
    const config = await t.stack.getAllConfig();
    return timed(label, () => checkDrift(t.stack, { access: clusterAccessOf(config, t.programDir, t.envVars) }));
  };
  const save = (name: string, outcome: DriftOutcome): void => {
    const target = process.env.DRIFT_E2E_FIXTURES;
    if (target === undefined || target === "") return;
    mkdirSync(target, { recursive: true });
    writeFileSync(path.join(target, `${name}.events.json`), driftFixture(outcome.events, { namespace: t.namespace, stack: t.stackName, dirs: [t.dir] }));
  };
  /** `npm run drift` as a user runs it (a child process). */
  const runDriftCli = (out: string) => runCommandLine(t, env, "drift", ["--out", out]);
  const set = (key: string, value: string) => t.stack.setConfig(`go-service:${key}`, { value }, true);

  beforeAll(async () => {
    env = toolsEnv();
    try {
      await kubectl(env, "get", "--raw", "/readyz");
    } catch (err) {
      throw new Error(`the local cluster is not reachable (run \`npm run cluster:up\`): ${String(err)}`);
    }
    await ensureMonitoringCrds(env);
    await ensureNodeEphemeralStorage(env);
    t = await createTestStack(env, "drift-e2e");
    await set("kubernetes.rolloutTimeout", STACK_ROLLOUT_TIMEOUT);
    // Not autoscaled first: a Deployment scaled by hand is drift.
    await set("autoscaling.enabled", "false");
    await set("replicas", "2");
    stopIngressController = simulateIngressController(env, () => t.namespace);
  });

  afterAll(async () => {
    stopIngressController?.();
    await t?.cleanup();
    console.log(`[drift-e2e] timings (ms): ${JSON.stringify(timings)}`);
  });

  it("a deploy awaits every object, says what it waits for while it waits, and reports the waits in its timings", async () => {
    const result = await timed("deploy (first, creates everything)", () => deploy(options()));
    console.log(report(result));
    expect(result.outcome, report(result)).toBe("succeeded");
    expect(result.drift).toBeUndefined();
    const waited = (result.waits ?? []).map((w) => w.object);
    for (const object of ["Namespace", "Deployment myapp", "Service myapp", "Ingress myapp", "PodDisruptionBudget myapp", "CronJob", "PrometheusRule myapp-rules", "ServiceMonitor myapp"]) {
      expect(waited.some((w) => w.startsWith(object)), `${object} in ${waited.join(", ")}`).toBe(true);
    }
    expect((result.waits ?? []).every((w) => w.outcome === "ready")).toBe(true);
    // Plain lines, at most one per waiting object every 5 s.
    expect(progressLines.length).toBeGreaterThan(0);
    for (const line of progressLines) expect(line).toMatch(/^waiting for [A-Za-z]+ \S+: .+, \d+ s left$/);
    expect(report(result)).toMatch(/^Waited for: .+ \d+ s \(.+\)\.$/m);
  });

  it("no drift right after a deploy: exit 0, an empty report, and the state is not changed by the check", async () => {
    const before = JSON.stringify(await t.stack.exportStack());
    const outcome = await check("drift check (clean)");
    expect(outcome.checked, outcome.errors.join("\n")).toBe(true);
    expect(outcome.drifted).toEqual([]);
    expect(outcome.compared).toBeGreaterThan(15);
    expect(JSON.stringify(await t.stack.exportStack())).toBe(before);

    const cli = await timed("npm run drift (clean)", () => runDriftCli(path.join(t.dir, "drift-clean.md")));
    expect(cli.code, cli.stderr).toBe(EXIT.ok);
    expect(cli.stdout.split("\n")[0]).toMatch(/^\*\*Drift of `drift-e2e`\*\*: no drift \(\d+ resources compared with the cluster\)$/);
    expect(cli.stdout).not.toContain("####");
    expect(JSON.stringify(await t.stack.exportStack())).toBe(before);
  });

  it("changes by hand (image, env var, scale, NetworkPolicy rule, PDB deleted, an object added) are each reported with the exact field: exit 1", async () => {
    await k("set", "image", "deployment/myapp", `app=${HAND_IMAGE}`);
    await k("set", "env", "deployment/myapp", "EXTRA_FLAG=on");
    await k("label", "deployment", "myapp", "hand-label=yes");
    await k("scale", "deployment/myapp", "--replicas=3");
    await k("patch", "networkpolicy", "myapp", "--type=json", "-p", '[{"op":"replace","path":"/spec/ingress/0/ports/0/port","value":8081}]');
    await k("delete", "poddisruptionbudget", "myapp");
    await k("create", "configmap", "handmade", "--from-literal=a=b");
    await k("label", "configmap", "handmade", "app.kubernetes.io/name=myapp");
    const before = JSON.stringify(await t.stack.exportStack());

    const outcome = await check("drift check (hand edits)");
    save("drift-hand-edits", outcome);
    expect(outcome.checked, outcome.errors.join("\n")).toBe(true);
    const ns = t.namespace;
    expect(outcome.drifted.map((d) => [d.type, d.name, d.state, d.fields.map((f) => [f.path, f.kind, f.deployed, f.live])])).toEqual([
      ["kubernetes:apps/v1:Deployment", `${ns}/myapp`, "modified", [
        ["metadata.labels.hand-label", "added", undefined, "yes"],
        ["spec.replicas", "changed", 2, 3],
        ["spec.template.spec.containers[app].env[EXTRA_FLAG]", "added", undefined, { name: "EXTRA_FLAG", value: "on" }],
        ["spec.template.spec.containers[app].image", "changed", GOOD_IMAGE, HAND_IMAGE],
      ]],
      ["kubernetes:core/v1:ConfigMap", `${ns}/handmade`, "unmanaged", []],
      ["kubernetes:networking.k8s.io/v1:NetworkPolicy", `${ns}/myapp`, "modified", [["spec.ingress[0].ports[0].port", "changed", 8080, 8081]]],
      ["kubernetes:policy/v1:PodDisruptionBudget", `${ns}/myapp`, "deleted", []],
    ]);
    expect(JSON.stringify(await t.stack.exportStack())).toBe(before);

    const out = path.join(t.dir, "drift-edits.md");
    const cli = await timed("npm run drift (hand edits)", () => runDriftCli(out));
    expect(cli.code, cli.stderr).toBe(EXIT.rolledBack); // 1: drift found
    const markdown = readFileSync(out, "utf8");
    expect(markdown.split("\n")[0]).toMatch(/^\*\*Drift of `drift-e2e`\*\*: 4 drifted: 2 modified, 1 deleted, 1 added by hand/);
    expect(markdown).toContain(`| \`spec.template.spec.containers[app].image\` | \`${GOOD_IMAGE}\` | \`${HAND_IMAGE}\` |`);
    expect(markdown).toContain("| `spec.replicas` | `2` | `3` |");
    expect(markdown).toContain("| `spec.ingress[0].ports[0].port` | `8080` | `8081` |");
    expect(markdown).toContain(`🔴 **deleted by hand** \`${ns}/myapp\``);
    expect(markdown).toContain(`🟣 **added by hand** \`${ns}/handmade\``);
    for (const value of Object.values(SECRETS)) expect(cli.stdout + cli.stderr + markdown).not.toContain(value);
    // The report the library renders from the same check says the same.
    expect(renderDriftMarkdown({ stack: t.stackName, outcome }).markdown.split("\n")[0]).toBe(markdown.split("\n")[0]);
  });

  it("a deploy puts every change back and says so in its report; the next drift check is clean", async () => {
    const result = await timed("deploy (repairs drift)", () => deploy(options()));
    const text = report(result);
    console.log(text);
    expect(result.outcome, text).toBe("succeeded");
    expect(result.drift?.found.map((d) => `${d.state} ${d.name}`)).toHaveLength(4);
    // What the program does not set, an update would leave: a JSON patch removed it first.
    expect(result.drift?.patched).toEqual([`Deployment ${t.namespace}/myapp: metadata.labels.hand-label`, `Deployment ${t.namespace}/myapp: spec.template.spec.containers[app].env[EXTRA_FLAG]`]);
    expect(text).toContain("#### Drift repaired");
    expect(text).toContain(`| \`Deployment ${t.namespace}/myapp\` | \`spec.template.spec.containers[app].image\` | \`${HAND_IMAGE}\` | \`${GOOD_IMAGE}\` |`);
    expect(text).toContain(`| \`Deployment ${t.namespace}/myapp\` | \`spec.replicas\` | \`3\` | \`2\` |`);
    expect(text).toContain(`| \`PodDisruptionBudget ${t.namespace}/myapp\` | _(deleted by hand)_ | _(absent)_ | created again |`);
    expect(text).toContain(`| \`NetworkPolicy ${t.namespace}/myapp\` | \`spec.ingress[0].ports[0].port\` | \`8081\` | \`8080\` |`);
    expect(text).toContain(`left in place, added by hand and in no state (delete them, or take the stack's labels off): ConfigMap ${t.namespace}/handmade`);

    const d = JSON.parse(await k("get", "deployment", "myapp", "-o", "json")) as {
      metadata: { labels: Record<string, string> };
      spec: { replicas: number; template: { spec: { containers: { image: string; env?: { name: string }[] }[] } } };
    };
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers[0]?.image).toBe(GOOD_IMAGE);
    expect(d.spec.template.spec.containers[0]?.env?.map((e) => e.name)).not.toContain("EXTRA_FLAG");
    expect(d.metadata.labels).not.toHaveProperty("hand-label");
    expect(await k("get", "networkpolicy", "myapp", "-o", "jsonpath={.spec.ingress[0].ports[0].port}")).toBe("8080");
    expect(await k("get", "poddisruptionbudget", "myapp", "-o", "name")).toContain("myapp");

    // What a deploy leaves alone, a person removes.
    await k("delete", "configmap", "handmade");
    const outcome = await check("drift check (after the repair)");
    expect(outcome.checked, outcome.errors.join("\n")).toBe(true);
    expect(outcome.drifted).toEqual([]);
  });

  it("an HPA-driven replica change is not drift", async () => {
    await set("autoscaling.enabled", "true");
    await t.stack.removeConfig("go-service:replicas");
    const result = await timed("deploy (autoscaling on)", () => deploy(options()));
    expect(result.outcome, report(result)).toBe("succeeded");
    expect(result.waits?.find((w) => w.object === "HorizontalPodAutoscaler myapp")).toMatchObject({ outcome: "ready", waitedFor: "condition AbleToScale=True" });
    const hpa = JSON.parse(await k("get", "hpa", "myapp", "-o", "json")) as { spec: { minReplicas: number; maxReplicas: number } };
    // Above the maximum: the HPA controller scales it back to its maximum, without any metrics.
    await k("scale", "deployment/myapp", `--replicas=${hpa.spec.maxReplicas + 2}`);
    const deadline = Date.now() + 60_000;
    let replicas = "";
    while (Date.now() < deadline) {
      replicas = await k("get", "deployment", "myapp", "-o", "jsonpath={.spec.replicas}");
      if (replicas === String(hpa.spec.maxReplicas)) break;
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    expect(replicas, "the HPA did not scale the Deployment back to its maximum").toBe(String(hpa.spec.maxReplicas));
    const outcome = await check("drift check (HPA scaled)");
    save("drift-hpa-scaled", outcome);
    expect(outcome.checked, outcome.errors.join("\n")).toBe(true);
    expect(outcome.drifted).toEqual([]);
    expect(outcome.ignored.find((i) => i.type === "kubernetes:apps/v1:Deployment" && i.path === "spec.replicas")?.reason).toMatch(/autoscaled/);
  });

  it("a custom resource that never becomes ready fails the deploy within the rollout timeout, naming it and what it waited for; the rollback follows; a drift check meanwhile finds the stack locked", async () => {
    // Await the operator's acceptance of the PrometheusRule and ServiceMonitor: no operator runs here.
    await set("kubernetes.prometheusOperatorStatus", "true");
    progressLines.length = 0;
    const started = performance.now();
    let waiting!: () => void;
    const updateWaits = new Promise<void>((resolve) => (waiting = resolve));
    const log = (line: string): void => {
      if (line.startsWith("waiting for ")) {
        progressLines.push(line);
        waiting();
      }
      console.log(`[drift-e2e] deploy: ${line}`);
    };
    const running = deploy(options({ log })).finally(() => t.stack.removeConfig("go-service:kubernetes.prometheusOperatorStatus"));
    await Promise.race([updateWaits, running]);
    // The same lock as every other command: the check refuses to run beside the update.
    const locked = await timed("npm run drift (during an update)", () => runDriftCli(path.join(t.dir, "drift-locked.md")));
    expect(locked.code, locked.stdout + locked.stderr).toBe(EXIT.locked);
    expect(locked.stderr).toContain('drift: Stack "drift-e2e" is locked: another preview or deploy of it is running right now');
    const result = await timed("deploy (custom resource never ready, then rollback)", () => running);
    const text = report(result);
    console.log(text);
    expect(result.outcome, text).toBe("rolled-back");
    expect(result.exitCode).toBe(EXIT.rolledBack);
    expect(result.failure).toMatch(/^the update failed:\n/);
    expect(result.failure).toContain(
      `PrometheusRule myapp-rules (namespace ${t.namespace}) did not become ready (`,
    );
    expect(result.failure).toContain('it waited for status.bindings[*].conditions[?(@.type=="Accepted")].status = True; last seen: no status yet');
    expect(result.rollback?.ok).toBe(true);
    expect(progressLines.some((line) => /^waiting for PrometheusRule myapp-rules: no status yet, \d+ s left$/.test(line))).toBe(true);
    // Failed within the stack's rollout timeout (40 s) plus the preview, not a 10-minute default.
    expect((result.timingsMs.update ?? 0) / 1000).toBeLessThan(75);
    timings["failed deploy and rollback"] = Math.round(performance.now() - started);
    expect(await k("get", "prometheusrule", "myapp-rules", "-o", "jsonpath={.metadata.annotations.pulumi\\.com/waitFor}")).toBe("jsonpath={.spec.groups}");
  });
});
