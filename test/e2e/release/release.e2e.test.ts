// End-to-end: previews, deploys, automatic rollback, locking and Ctrl-C on the real Pulumi engine
// (offline CLI + Kubernetes provider, scripts/tools) against the local cluster (kube-apiserver + kwok,
// scripts/cluster). Preconditions, loud when missing: `npm run tools` and `npm run cluster:up`.
//
// What "verified" means here: the Deployment's rollout completes and the Service has ready endpoints,
// both read through the API server. kwok pods run no process, so the HTTP smoke tests cannot reach the
// service: the deploy reports them "not run (no URL reachable)", and the tests assert exactly that.
// The cluster has no ingress controller either: cluster:up runs a stand-in that fills in Ingress
// load-balancer status, as kwok fills in pod status (simulateIngressController fills in when it is not
// running), or every create would wait 10 min.
//
// RELEASE_E2E_FIXTURES=<dir> saves the previews' engine events, scrubbed, as the fixtures of the unit
// tests of the renderer (test/release/fixtures/).
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { execFile } from "node:child_process";
import path from "node:path";
import type { ConfigMap } from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploy, type DeployOptions, type DeployResult } from "../../../release/deploy.js";
import { renderDeployReport } from "../../../release/deploy-report.js";
import { renderPreviewMarkdown } from "../../../release/markdown-report.js";
import { exportableEvents, isDebugDiagnostic, previewStack } from "../../../release/preview.js";
import { readReleaseRecord, recordOf } from "../../../release/release-record.js";
import { EXIT, ReleaseError } from "../../../release/stack-access.js";
import { createTestStack, ensureMonitoringCrds, kubectl, repoRoot, saveFixture, SECRETS, simulateIngressController, type TestStack, toolsEnv } from "./environment.js";
import { stepTimer } from "../support/timer.js";

const GOOD_IMAGE = "registry.example.com/myapp:v1.4.2";
const NEXT_IMAGE = "registry.example.com/myapp:v1.4.3";
const BROKEN_IMAGE = "registry.example.com/myapp:broken";
/**
 * The stack's own rollout timeout (`go-service:kubernetes.rolloutTimeout`): how long the provider waits
 * for the Deployment before it fails the update. Long enough for a healthy rollout on kwok, short
 * enough to keep the broken-release test quick. The deploy's deadline is a backstop above it.
 */
const STACK_ROLLOUT_TIMEOUT = "40s";
const DEPLOY_DEADLINE = 75;

interface DeploymentStatus {
  metadata: { generation: number; resourceVersion: string };
  spec: { template: { spec: { containers: { image: string }[] } } };
  status: { readyReplicas?: number; updatedReplicas?: number; conditions?: { type: string; status: string }[] };
}

describe("releases on the real engine and the local cluster", () => {
  let env: Record<string, string>;
  let t: TestStack;
  let stopIngressController: (() => void) | undefined;
  const { timed, timings } = stepTimer("release-e2e", (ms) => `${(ms / 1000).toFixed(1)}s`);

  const options = (extra: Partial<DeployOptions> = {}): DeployOptions => ({
    target: { stackName: t.stackName, workDir: t.programDir, envVars: t.envVars, pulumiCommand: t.stack.workspace.pulumiCommand },
    rolloutTimeoutSeconds: DEPLOY_DEADLINE,
    log: (line) => console.log(`[release-e2e] deploy: ${line}`),
    ...extra,
  });
  const deployment = async (): Promise<DeploymentStatus> => JSON.parse(await kubectl(env, "-n", t.namespace, "get", "deployment", "myapp", "-o", "json")) as DeploymentStatus;
  const setImage = (image: string) => t.stack.setConfig("go-service:image", { value: image });
  const report = (result: DeployResult): string => renderDeployReport(result, Object.values(SECRETS));
  /** Puts the stack's config back as it was, keys added since removed (setAllConfigJson alone only sets). */
  const restoreConfig = async (before: ConfigMap): Promise<void> => {
    const added = Object.keys(await t.stack.getAllConfig()).filter((key) => !(key in before));
    if (added.length > 0) await t.stack.removeAllConfig(added);
    await t.stack.setAllConfigJson(JSON.stringify(before));
  };

  beforeAll(async () => {
    env = toolsEnv();
    try {
      await kubectl(env, "get", "--raw", "/readyz");
    } catch (err) {
      throw new Error(`the local cluster is not reachable (run \`npm run cluster:up\`): ${String(err)}`);
    }
    await ensureMonitoringCrds(env);
    t = await createTestStack(env, "release-e2e");
    await t.stack.setConfig("go-service:kubernetes.rolloutTimeout", { value: STACK_ROLLOUT_TIMEOUT }, true);
    stopIngressController = simulateIngressController(env, () => t.namespace);
  });

  afterAll(async () => {
    stopIngressController?.();
    await t?.cleanup();
    console.log(`[release-e2e] timings (ms): ${JSON.stringify(timings)}`);
  });

  it("a deploy of a good release succeeds, is verified through the API server, and is recorded", async () => {
    const created = await timed("preview (empty stack)", () => previewStack(t.stack));
    saveFixture("create", created.events, t);
    expect(created.counts).toMatchObject({ update: 0, replace: 0, delete: 0, same: 0 });
    expect(created.counts.create).toBeGreaterThan(10);
    const result = await timed("deploy (first, creates everything)", () => deploy(options()));
    console.log(report(result));
    expect(result.outcome, report(result)).toBe("succeeded");
    expect(result.exitCode).toBe(EXIT.ok);
    expect(result.checks.find((c) => c.name === `rollout of Deployment ${t.namespace}/myapp`)?.status).toBe("passed");
    expect(result.checks.find((c) => c.name === `ready endpoints of Service ${t.namespace}/myapp`)).toMatchObject({ status: "passed" });
    // kwok pods run no server: the smoke tests are reported as not run, never as passed.
    expect(result.checks.find((c) => c.name === "HTTP smoke tests")).toMatchObject({ status: "not run" });
    expect(result.checks.find((c) => c.name === "HTTP smoke tests")?.detail).toMatch(/^no URL reachable: /);

    const record = recordOf(await readReleaseRecord(t.stack));
    expect(record).toMatchObject({ id: result.release.id, sha: result.release.sha, image: GOOD_IMAGE });
    const d = await deployment();
    expect(d.spec.template.spec.containers[0]?.image).toBe(GOOD_IMAGE);
    expect(d.status.readyReplicas).toBeGreaterThan(0);
  });

  // The chart labels every object with `app.kubernetes.io/version` = the image tag, so an image change
  // also relabels ConfigMap, Service, ServiceAccount, HPA, PDB, Ingress and NetworkPolicy. The test pins
  // that down exactly: the Deployment is the only resource with any other change, and the image is its
  // only change besides that label. (Requested: the label on the workload only, see the report.)
  it("a preview of an image change updates the Deployment's image, and otherwise only the chart's version label", async () => {
    await setImage(NEXT_IMAGE);
    try {
      const outcome = await timed("preview (image change)", () => previewStack(t.stack));
      saveFixture("image-change", outcome.events, t);
      expect(outcome.ok, outcome.errors.join("\n")).toBe(true);
      expect(outcome.counts).toMatchObject({ create: 0, replace: 0, delete: 0 });
      expect(outcome.changes.every((c) => c.op === "update")).toBe(true);
      const versionLabel = /^(spec\.template\.)?metadata\.labels\["app\.kubernetes\.io\/version"\]$/;
      const substantive = outcome.changes
        .map((c) => ({ type: c.type, name: c.name, props: c.properties.filter((p) => !versionLabel.test(p.label)).map((p) => [p.label, p.before, p.after]) }))
        .filter((c) => c.props.length > 0)
        .map((c) => [c.type, c.name, c.props]);
      expect(substantive).toEqual([["kubernetes:apps/v1:Deployment", `${t.namespace}/myapp`, [["spec.template.spec.containers[app].image", GOOD_IMAGE, NEXT_IMAGE]]]]);
      for (const change of outcome.changes) {
        for (const p of change.properties.filter((q) => versionLabel.test(q.label))) expect([p.before, p.after]).toEqual(["v1.4.2", "v1.4.3"]);
      }
      const markdown = renderPreviewMarkdown({ stack: t.stackName, counts: outcome.counts, changes: outcome.changes }).markdown;
      expect(markdown.split("\n")[0]).toMatch(/^\*\*Preview of `release-e2e`\*\*: 0 to create, \d+ to update, 0 to replace, 0 to delete \(\d+ unchanged\)$/);
    } finally {
      await setImage(GOOD_IMAGE);
    }
  });

  it("a preview never contains a secret value, not even of a changed secret", async () => {
    await t.stack.setConfig("go-service:csrfSecret", { value: "e2e-csrf-ROTATED-SECRET-19a8", secret: true });
    const outcome = await timed("preview (secret change)", () => previewStack(t.stack)).finally(() =>
      t.stack.setConfig("go-service:csrfSecret", { value: SECRETS["go-service:csrfSecret"] ?? "", secret: true }),
    );
    saveFixture("secret-change", outcome.events, t);
    expect(outcome.ok).toBe(true);
    // Secrets are immutable for the provider by default: a changed value replaces the Secret.
    const secretChange = outcome.changes.find((c) => c.type === "kubernetes:core/v1:Secret");
    expect(secretChange?.op).toBe("replace");
    expect(secretChange?.properties.length).toBeGreaterThan(0);
    for (const p of secretChange?.properties ?? []) {
      if (p.kind !== "add") expect(p.before, p.label).toBe("[secret]");
      if (p.kind !== "delete") expect(p.after, p.label).toBe("[secret]");
    }
    const markdown = renderPreviewMarkdown({ stack: t.stackName, counts: outcome.counts, changes: outcome.changes }).markdown;
    // What the report is made of: the resource steps and the non-debug diagnostics. (The Node.js SDK's
    // debug diagnostics log RegisterResource responses, Secret data included in base64: they are never
    // rendered, and `npm run preview -- --events` drops and scrubs them, see exportableEvents.)
    const rendered = outcome.events.filter((e) => !isDebugDiagnostic(e));
    const exported = exportableEvents(outcome.events, [...Object.values(SECRETS), "e2e-csrf-ROTATED-SECRET-19a8"]);
    for (const [what, text] of [["report", markdown], ["steps and diagnostics", JSON.stringify(rendered)], ["--events export", exported]] as const) {
      for (const value of [...Object.values(SECRETS), "e2e-csrf-ROTATED-SECRET-19a8"]) {
        expect(text, `${what} contains ${value}`).not.toContain(value);
        expect(text, `${what} contains ${value} in base64`).not.toContain(Buffer.from(value).toString("base64"));
      }
    }
  });

  it("a preview of a config change shows replicas, env, resources and annotations property by property, and the HPA's deletion", async () => {
    const changes: [string, string][] = [
      ["go-service:image", NEXT_IMAGE],
      ["go-service:autoscaling.enabled", "false"],
      ["go-service:replicas", "3"],
      ["go-service:logging.level", "debug"],
      ["go-service:resources.limits.memory", "768Mi"],
      ["go-service:ingress.clusterIssuer", "letsencrypt-staging"],
    ];
    const before = await t.stack.getAllConfig();
    for (const [key, value] of changes) await t.stack.setConfig(key, { value }, true);
    const outcome = await timed("preview (config change)", () => previewStack(t.stack)).finally(() => restoreConfig(before));
    saveFixture("config-change", outcome.events, t);
    expect(outcome.ok, outcome.errors.join("\n")).toBe(true);
    const deployment = outcome.changes.find((c) => c.type === "kubernetes:apps/v1:Deployment");
    const labels = deployment?.properties.map((p) => p.label) ?? [];
    expect(labels).toContain("spec.replicas");
    expect(labels).toContain("spec.template.spec.containers[app].image");
    expect(labels.some((l) => l.startsWith("spec.template.spec.containers[app].resources.limits"))).toBe(true);
    expect(outcome.changes.find((c) => c.type === "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")?.op).toBe("delete");
    const ingress = outcome.changes.find((c) => c.type === "kubernetes:networking.k8s.io/v1:Ingress");
    expect(ingress?.properties.map((p) => p.label)).toContain('metadata.annotations["cert-manager.io/cluster-issuer"]');
  });

  it("a preview that deletes the protected Namespace (namespace renamed) calls it out loudly", async () => {
    const state = (await t.stack.exportStack()).deployment as { resources: { urn: string; type: string }[] };
    const namespaceUrn = state.resources.find((r) => r.type === "kubernetes:core/v1:Namespace")?.urn ?? "";
    const pulumi = (...args: string[]) => promisify(execFile)(path.join(env.GSS_TOOLS_DIR ?? "", "bin", "pulumi"), [...args, "--stack", t.stackName, "--yes"], { cwd: t.programDir, env: t.envVars });
    await pulumi("state", "protect", namespaceUrn);
    const before = await t.stack.getAllConfig();
    await t.stack.setConfig("go-service:namespace", { value: `${t.namespace}-renamed` });
    const outcome = await timed("preview (namespace renamed)", () => previewStack(t.stack)).finally(async () => {
      await restoreConfig(before);
      await pulumi("state", "unprotect", namespaceUrn);
    });
    saveFixture("namespace-renamed-protected", outcome.events, t);
    // The engine refuses the plan (a protected resource cannot be deleted): the preview fails, and says why.
    expect(outcome.ok).toBe(false);
    expect(outcome.errors.join("\n")).toContain("cannot be deleted\nbecause it is protected");
    const namespaceDelete = outcome.changes.find((c) => c.type === "kubernetes:core/v1:Namespace" && c.op === "delete");
    expect(namespaceDelete?.protect).toBe(true);
    const markdown = renderPreviewMarkdown({ stack: t.stackName, counts: outcome.counts, changes: outcome.changes, errors: outcome.errors }).markdown;
    expect(markdown).toContain("deletes a **protected** resource");
    expect(markdown).toContain("deletes a stateful resource: loses every object in the namespace");
  });

  it("a deploy of a broken release fails verification and is rolled back to the last good release, Ready again", async () => {
    const good = recordOf(await readReleaseRecord(t.stack));
    await setImage(BROKEN_IMAGE);
    // A stand-in Slack webhook on 127.0.0.1 receives the deploy's notification.
    const received: string[] = [];
    const webhook = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        received.push(body);
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const slackWebhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/services/T0/B0/X`;
    const result = await timed("deploy (broken release, then rollback)", () => deploy(options({ slackWebhookUrl }))).finally(async () => {
      await setImage(GOOD_IMAGE);
      await new Promise<void>((resolve) => webhook.close(() => resolve()));
    });
    console.log(report(result));
    expect(result.outcome, report(result)).toBe("rolled-back");
    expect(result.exitCode).toBe(EXIT.rolledBack);
    // The provider gives up on the Deployment at the stack's rolloutTimeout; the Service, relabelled by
    // the same change, would wait for its endpoints much longer, so the deploy's deadline may end it.
    expect(result.failure).toMatch(/^the update (failed|did not finish within the rollout deadline of 75s and was cancelled):/);
    expect(result.failure).toContain("'myapp' timed out waiting to be Ready");
    expect(result.rollback).toMatchObject({ ok: true, release: { id: good?.id, image: GOOD_IMAGE } });
    expect(result.rollback?.checks.find((c) => c.name.startsWith("rollout of Deployment"))?.status).toBe("passed");
    expect(result.pendingOperations).toBe(0);
    expect(result.timingsMs.rollback).toBeGreaterThan(0);
    timings["rollback alone"] = result.timingsMs.rollback ?? 0;

    const d = await deployment();
    expect(d.spec.template.spec.containers[0]?.image).toBe(GOOD_IMAGE);
    expect(d.status.conditions?.find((c) => c.type === "Available")?.status).toBe("True");
    expect(d.status.updatedReplicas).toBe(d.status.readyReplicas);
    expect(recordOf(await readReleaseRecord(t.stack))).toEqual(good);

    expect(result.notification).toBeUndefined();
    expect(received).toHaveLength(1);
    const message = JSON.parse(received[0] ?? "{}") as { text: string };
    expect(message.text).toContain("`release-e2e` :leftwards_arrow_with_hook: FAILED and rolled back");
    expect(message.text).toContain(`rolled back to: release ${good?.id ?? "?"}`);
    for (const value of Object.values(SECRETS)) expect(received[0]).not.toContain(value);
  });

  it("a deploy with invalid config is rejected at the preview and changes nothing in the cluster", async () => {
    const before = await deployment();
    const resourceVersions = await kubectl(env, "-n", t.namespace, "get", "all,configmaps,secrets", "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{\"\\n\"}{end}");
    await t.stack.setConfig("go-service:encryptionKey", { value: "", secret: true });
    const result = await timed("deploy (invalid config)", () => deploy(options()));
    await t.stack.setConfig("go-service:encryptionKey", { value: SECRETS["go-service:encryptionKey"] ?? "", secret: true });
    expect(result.outcome).toBe("not-applied");
    expect(result.exitCode).toBe(EXIT.notApplied);
    expect(result.failure).toContain("preview failed, nothing was changed");
    expect(result.failure).toContain("go-service:encryptionKey");
    expect(result.rollback).toBeUndefined();
    expect((await deployment()).metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(await kubectl(env, "-n", t.namespace, "get", "all,configmaps,secrets", "-o", "jsonpath={range .items[*]}{.kind}/{.metadata.name}={.metadata.resourceVersion}{\"\\n\"}{end}")).toBe(resourceVersions);
  });

  it("deploy --plan applies exactly the reviewed preview, and fails when the config drifted from it", async () => {
    const plan = path.join(t.dir, "plan.json");
    await setImage(NEXT_IMAGE);
    const reviewed = await timed("preview --save-plan", () => previewStack(t.stack, { planFile: plan }));
    expect(reviewed.ok).toBe(true);
    const applied = await timed("deploy --plan", () => deploy(options({ planFile: plan })));
    expect(applied.outcome, report(applied)).toBe("succeeded");
    expect((await deployment()).spec.template.spec.containers[0]?.image).toBe(NEXT_IMAGE);

    // Reviewed v1.4.2, but the config says v1.4.4 by the time of the deploy.
    await setImage(GOOD_IMAGE);
    expect((await previewStack(t.stack, { planFile: plan })).ok).toBe(true);
    await setImage("registry.example.com/myapp:v1.4.4");
    const drifted = await timed("deploy --plan (drifted)", () => deploy(options({ planFile: plan })));
    expect(drifted.outcome, report(drifted)).not.toBe("succeeded");
    expect(drifted.failure).toMatch(/plan/i);
    expect((await deployment()).spec.template.spec.containers[0]?.image).toBe(NEXT_IMAGE);
    await setImage(NEXT_IMAGE);
  });

  it("a second deploy of the same stack while one runs fails fast, saying the stack is locked", async () => {
    // The first deploy holds the lock for a while: its pods never become Ready (rolloutTimeout 40s).
    await setImage(BROKEN_IMAGE);
    let updating!: () => void;
    const updateStarted = new Promise<void>((resolve) => (updating = resolve));
    const first = deploy(options({ onCliOutput: () => updating() }));
    try {
      await Promise.race([updateStarted, first]);
      const started = performance.now();
      const second = await deploy(options()).then(
        () => undefined,
        (error: unknown) => error,
      );
      const waitedMs = performance.now() - started;
      timings["second deploy rejected after"] = Math.round(waitedMs);
      expect(second).toBeInstanceOf(ReleaseError);
      expect((second as ReleaseError).exitCode).toBe(EXIT.locked);
      expect((second as ReleaseError).message).toMatch(/^Stack "release-e2e" is locked: another preview or deploy of it is running right now/);
      expect(waitedMs).toBeLessThan(30_000);
    } finally {
      const result = await first;
      await setImage(GOOD_IMAGE);
      expect(result.outcome, report(result)).toBe("rolled-back");
    }
  });

  it("Ctrl-C during a deploy cancels the update cleanly: exit 130, no pending operation, stack unlocked", async () => {
    await setImage(BROKEN_IMAGE);
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, "cli/deploy.ts"), "--stack", t.stackName, "--cwd", t.programDir, "--rollout-timeout", "300", "--report", path.join(t.dir, "deploy-interrupted.md")], {
      cwd: repoRoot,
      env: { ...t.envVars, PATH: `${path.join(env.GSS_TOOLS_DIR ?? "", "bin")}:${t.envVars.PATH ?? ""}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes("deploy: update")) resolve();
      });
      void exited.then(() => reject(new Error(`deploy exited before the update started:\n${stderr}`)));
    });
    // Let the CLI start the update, then interrupt the deploy process only (as CI runners do).
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const interruptedAt = performance.now();
    child.kill("SIGINT");
    const code = await exited;
    timings["cancel after SIGINT"] = Math.round(performance.now() - interruptedAt);
    expect(code, stderr).toBe(EXIT.cancelled);
    expect(stderr).toContain("SIGINT: cancelling the running operation cleanly");

    const state = (await t.stack.exportStack()).deployment as { pending_operations?: unknown[] };
    expect(state.pending_operations ?? []).toEqual([]);
    // Unlocked: the next operation runs (and brings the good release back).
    await setImage(GOOD_IMAGE);
    const again = await timed("deploy after Ctrl-C", () => deploy(options()));
    expect(again.outcome, report(again)).toBe("succeeded");
  });
});
