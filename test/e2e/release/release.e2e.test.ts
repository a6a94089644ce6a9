// End-to-end: previews, deploys, automatic rollback, locking and Ctrl-C on the real Pulumi engine
// (offline CLI + Kubernetes provider, scripts/tools) against the local cluster (kube-apiserver + kwok,
// scripts/cluster). Preconditions, loud when missing: `npm run tools` and `npm run cluster:up`.
//
// What "verified" means here: the Deployment's rollout completes and the Service has ready endpoints,
// both read through the API server. kwok pods run no process, so the HTTP smoke tests cannot reach the
// service: the deploy reports them "not run (no URL reachable)", and the tests assert exactly that; on the
// real node (the default) they run through the Service's ClusterIP and must pass.
// The cluster has no ingress controller either: cluster:up runs a stand-in that fills in Ingress
// load-balancer status, as kwok fills in pod status (simulateIngressController fills in when it is not
// running), or every create would wait 10 min.
//
// RELEASE_E2E_FIXTURES=<dir> saves the previews' engine events, scrubbed, as the fixtures of the unit
// tests of the renderer (test/release/fixtures/).
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
import {
  readReleaseRecord,
  RELEASE_RECORD_TAG,
  recordOf,
  releaseMessage,
  type ReleaseRecord,
  rollbackMessage,
  serializeReleaseRecord,
} from "../../../release/release-record.js";
import { EXIT, ReleaseError } from "../../../release/stack-access.js";
import { setSecretConfig } from "../../../release/stack-config.js";
import {
  createTestStack,
  ensureMonitoringCrds,
  filesUnder,
  kubectl,
  leaks,
  repoRoot,
  rollbackStackFiles,
  runCommandLine,
  sampleProcesses,
  saveFixture,
  SECRETS,
  simulateIngressController,
  type TestStack,
  toolsEnv,
} from "./environment.js";
import { stepTimer } from "../support/timer.js";

const GOOD_IMAGE = "registry.example.com/myapp:v1.4.2";
const NEXT_IMAGE = "registry.example.com/myapp:v1.4.3";
const BROKEN_IMAGE = "registry.example.com/myapp:broken";
/**
 * The stack's own rollout timeout (`go-service:kubernetes.rolloutTimeout`): how long the provider waits
 * for the Deployment before it fails the update. Long enough for a healthy rollout on kwok, short
 * enough to keep the broken-release test quick. The deploy's deadline is a backstop above it.
 */
const STACK_ROLLOUT_TIMEOUT = "20s";
const DEPLOY_DEADLINE = 50;

/** Inserted into infra/program.ts by the older-revision test: its revision B of the program. */
const REVISION_B = `  // Revision B (release e2e): one object more, and a Deployment whose rollout cannot complete.
  objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "revision-b", namespace: config.namespace }, data: { revision: "B" } } as KubernetesObject);
  for (const object of objects as { kind: string; spec?: { template?: { spec?: { containers?: { image?: unknown }[] } } } }[]) {
    for (const container of object.kind === "Deployment" ? (object.spec?.template?.spec?.containers ?? []) : []) container.image = "registry.example.com/myapp:broken";
  }
`;

/**
 * Makes a file unwritable, even for root (chattr +i, which ext4 and tmpfs support), or by mode when
 * not root. Returns how to undo it.
 */
function lockFile(file: string): { unlock: () => void } {
  if (process.getuid?.() !== 0) {
    chmodSync(file, 0o444);
    return { unlock: () => chmodSync(file, 0o644) };
  }
  try {
    execFileSync("chattr", ["+i", file], { stdio: "pipe" });
  } catch (error) {
    throw new Error(`the failing-config-set check makes the stack file immutable (chattr +i) when run as root, and this file system refuses: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
  }
  return { unlock: () => execFileSync("chattr", ["-i", file]) };
}

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
    // Plain values only: a secret on this command line would be in the process list (the tests here
    // change no secret through restoreConfig; those that do use setSecretConfig).
    await t.stack.setAllConfigJson(JSON.stringify(Object.fromEntries(Object.entries(before).filter(([, entry]) => entry.secret !== true))));
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
    // The stack's URL (an Ingress host) does not resolve here. On the real node (cluster:up's default) the
    // smoke tests then run through the Service's ClusterIP and pass; on kwok nodes, whose pods run no
    // server and whose ClusterIPs nothing routes, they are reported as not run, never as passed.
    const smoke = result.checks.filter((c) => c.name === "HTTP smoke tests" || c.name.startsWith("GET "));
    if (smoke.some((c) => c.name === "HTTP smoke tests")) {
      expect(smoke).toEqual([expect.objectContaining({ status: "not run", detail: expect.stringMatching(/^no URL reachable: /) })]);
    } else {
      expect(smoke.map((c) => c.status)).toEqual(["passed", "passed"]);
      expect(smoke.map((c) => c.detail).join(" ")).toContain("through the Service's ClusterIP");
    }

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
    await setSecretConfig(t.stack, "go-service:csrfSecret", "e2e-csrf-ROTATED-SECRET-19a8");
    const outcome = await timed("preview (secret change)", () => previewStack(t.stack)).finally(() =>
      setSecretConfig(t.stack, "go-service:csrfSecret", SECRETS["go-service:csrfSecret"] ?? ""),
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
    expect(result.failure).toMatch(new RegExp(`^the update (failed|did not finish within the rollout deadline of ${DEPLOY_DEADLINE}s and was cancelled):`));
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
    // An empty value: nothing to hide, and `config set` reads it from standard input like any other.
    await setSecretConfig(t.stack, "go-service:encryptionKey", "");
    const result = await timed("deploy (invalid config)", () => deploy(options()));
    await setSecretConfig(t.stack, "go-service:encryptionKey", SECRETS["go-service:encryptionKey"] ?? "");
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
    // The first deploy holds the lock for a while: its pods never become Ready. The stack's 20 s could
    // be shorter than the second deploy's own start (four CLI calls before its preview) takes on a
    // loaded 2-core machine, so the first one waits longer here (still under the deploy's deadline).
    await setImage(BROKEN_IMAGE);
    await t.stack.setConfig("go-service:kubernetes.rolloutTimeout", { value: "35s" }, true);
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
      await t.stack.setConfig("go-service:kubernetes.rolloutTimeout", { value: STACK_ROLLOUT_TIMEOUT }, true);
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
  /** Runs `npm run <command>` as a user does (a child process), capturing everything it prints. */
  const runCli = (command: "preview" | "deploy", args: readonly string[]) => runCommandLine(t, env, command, args);

  it("no secret value leaves the process: a preview, a failed release after a rotation, its rollback and a failing config set", async () => {
    // Sentinels of this run only (other suites on the same machine use the suite's SECRETS): the
    // release recorded as good carries the first four; the failed release carries a rotated one, and
    // the rollback re-applies the old value, read from history. All must stay out of everything.
    const run = Date.now().toString(36);
    const recorded: Record<string, string> = {
      "go-service:jwtSecret": `sentinel-jwt-${run}-4f1c9a7b2d8e6053a1b9`,
      "go-service:encryptionKey": `sentinelENC${run}0123456789abcdef`,
      "go-service:csrfSecret": `sentinel-csrf-${run}-77d0b3e5a9`,
      "go-service:dbPassword": `sentinel-db-${run}-pass-c4e8f2a6`,
    };
    const ROTATED = `sentinel-csrf-ROTATED-${run}-3b7f20c1`;
    const sentinels = [...Object.values(recorded), ROTATED];
    const out = path.join(t.dir, "artifacts");
    mkdirSync(out, { recursive: true });

    const sampler = sampleProcesses(rollbackStackFiles);
    let preview: Awaited<ReturnType<typeof runCli>>;
    let deployRun: Awaited<ReturnType<typeof runCli>>;
    let good: ReleaseRecord | undefined;
    try {
      for (const [key, value] of Object.entries(recorded)) await setSecretConfig(t.stack, key, value);
      const first = await timed("deploy (sentinel secrets)", () => deploy(options()));
      expect(first.outcome, report(first)).toBe("succeeded");
      good = recordOf(await readReleaseRecord(t.stack));
      expect(good?.id).toBe(first.release.id);

      await setSecretConfig(t.stack, "go-service:csrfSecret", ROTATED);
      await setImage(BROKEN_IMAGE);
      preview = await timed("npm run preview (rotated secret, broken image)", () =>
        runCli("preview", ["--out", path.join(out, "preview.md"), "--events", path.join(out, "events.json"), "--save-plan", path.join(out, "plan.json")]),
      );
      deployRun = await timed("npm run deploy (failed release, rollback)", () => runCli("deploy", ["--rollout-timeout", String(DEPLOY_DEADLINE), "--report", path.join(out, "deploy.md")]));
    } finally {
      await setSecretConfig(t.stack, "go-service:csrfSecret", recorded["go-service:csrfSecret"] ?? "");
      await setImage(GOOD_IMAGE);
    }
    const during = sampler.stop();
    expect(preview.code, preview.stderr).toBe(EXIT.ok);
    expect(deployRun.code, deployRun.stdout + deployRun.stderr).toBe(EXIT.rolledBack);
    expect(deployRun.stdout).toContain("FAILED, rolled back to the last good release (verified)");
    expect(recordOf(await readReleaseRecord(t.stack))).toEqual(good);

    // The error path: `pulumi config set --secret` fails on a stack file it cannot write.
    const stackFile = path.join(t.programDir, `Pulumi.${t.stackName}.yaml`);
    const locked = lockFile(stackFile);
    const errorSampler = sampleProcesses();
    let failure: Error | undefined;
    try {
      failure = await setSecretConfig(t.stack, "go-service:jwtSecret", ROTATED).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
    } finally {
      locked.unlock();
    }
    const duringError = errorSampler.stop();
    expect(failure?.message).toBe(
      "could not store the secret config value of go-service:jwtSecret: pulumi config set --secret failed (exit code 1); its output is withheld, as it could hold the value",
    );
    expect(readFileSync(stackFile, "utf8")).not.toContain(ROTATED);

    // Everything written, printed or shown in the process list.
    const written = [...filesUnder(out), ...filesUnder(path.join(t.dir, "state")), stackFile];
    const scanned: [string, string][] = [
      ["preview stdout", preview.stdout],
      ["preview stderr", preview.stderr],
      ["deploy stdout", deployRun.stdout],
      ["deploy stderr", deployRun.stderr],
      ["the failing config set's error", JSON.stringify(failure, Object.getOwnPropertyNames(failure ?? {}))],
      ...written.map((file): [string, string] => [path.relative(t.dir, file), readFileSync(file, "utf8")]),
      ...during.files.map((text, i): [string, string] => [`rollback stack file, sample ${i}`, text]),
      ...[...during.commandLines, ...duringError.commandLines].map((line): [string, string] => [`process ${line.slice(0, 60)}`, line]),
    ];
    const found = scanned.flatMap(([where, text]) => leaks(text, sentinels).map((leak) => `${where}: ${leak}`));
    expect(found).toEqual([]);

    // The scan looked where the secrets are: the state holds them, encrypted; the rollback wrote its
    // stack file (ciphertext only); the process list was read while the CLI ran.
    const state = filesUnder(path.join(t.dir, "state")).map((file) => readFileSync(file, "utf8")).join("\n");
    expect(state).toMatch(/"ciphertext":\s*"v1:/);
    expect(during.files.some((text) => /secure: v1:/.test(text))).toBe(true);
    expect(during.commandLines.some((line) => /\bpulumi\b.* up\b/.test(line))).toBe(true);
    expect(existsSync(path.join(out, "plan.json"))).toBe(true);
    timings["process list samples"] = during.samples;
    for (const [key, value] of Object.entries(SECRETS)) await setSecretConfig(t.stack, key, value);
  });

  it("a record that cannot be verified is refused: exit 2, saying what did not match, nothing re-applied", async () => {
    const good = recordOf(await readReleaseRecord(t.stack));
    const before = (await deployment()).metadata.resourceVersion;
    const missing = "0".repeat(40);
    await t.stack.setTag(RELEASE_RECORD_TAG, serializeReleaseRecord({ ...(good as ReleaseRecord), sha: missing }));
    try {
      const result = await timed("deploy --rollback (unverifiable record)", () => deploy(options({ rollbackOnly: true })));
      expect(result.exitCode).toBe(EXIT.failed);
      expect(result.failure).toBe(
        `the last good release record cannot be trusted, so nothing was re-applied: the id ${good?.id ?? "?"} names commit ${good?.sha.slice(0, 12) ?? "?"}, the record's commit is ${missing}; ` +
          `commit ${missing} is not in the repository at ${t.programDir} (a shallow clone? CI must check out with fetch-depth: 0)`,
      );
    } finally {
      await t.stack.setTag(RELEASE_RECORD_TAG, serializeReleaseRecord(good as ReleaseRecord));
    }
    expect((await deployment()).metadata.resourceVersion).toBe(before);
  });

  it("a rollback to an older program revision re-applies that revision's program, config and image: the cluster is back on its objects", async () => {
    const git = async (...args: string[]): Promise<string> =>
      (await promisify(execFile)("git", ["-C", t.programDir, "-c", "user.name=release-e2e", "-c", "user.email=release-e2e@example.com", ...args])).stdout.trim();
    const revisionA = await git("rev-parse", "HEAD");
    await setImage(GOOD_IMAGE);
    const atA = await timed("deploy (revision A)", () => deploy(options()));
    expect(atA.outcome, report(atA)).toBe("succeeded");
    expect(atA.release.sha).toBe(revisionA);

    // Revision B changes the program: one more object, and a Deployment whose rollout cannot complete
    // (its image is the program's, not the config's, which still names the good image).
    const programFile = path.join(t.programDir, "infra", "program.ts");
    const program = readFileSync(programFile, "utf8");
    const anchor = '  const provider = new k8s.Provider("kubernetes", {';
    expect(program).toContain(anchor);
    writeFileSync(programFile, program.replace(anchor, `${REVISION_B}${anchor}`));
    await git("commit", "-q", "-am", "revision B: a ConfigMap more, and a rollout that cannot complete");
    const revisionB = await git("rev-parse", "HEAD");
    try {
      const result = await timed("deploy (revision B, then rollback to A)", () => deploy(options()));
      expect(result.outcome, report(result)).toBe("rolled-back");
      expect(result.release.sha).toBe(revisionB);
      expect(result.failure).toContain("'myapp' timed out waiting to be Ready");
      expect(result.rollback).toMatchObject({ ok: true, release: { id: atA.release.id, sha: revisionA, image: GOOD_IMAGE } });
      timings["rollback to revision A alone"] = result.timingsMs.rollback ?? 0;

      // B's program ran (its ConfigMap was created), and A's removed it again.
      const history = await t.stack.history();
      expect(history.find((u) => u.message === releaseMessage(result.release.id))?.resourceChanges?.create).toBeGreaterThanOrEqual(1);
      expect(history.find((u) => u.message === rollbackMessage(atA.release.id) && u.result === "succeeded")?.resourceChanges?.delete).toBeGreaterThanOrEqual(1);
      // The cluster runs A's objects: A's image, no init of B, no ConfigMap of B.
      const d = await deployment();
      expect(d.spec.template.spec.containers.map((c) => c.image)).toEqual([GOOD_IMAGE]);
      expect(d.status.conditions?.find((c) => c.type === "Available")?.status).toBe("True");
      expect(await kubectl(env, "-n", t.namespace, "get", "configmap", "revision-b", "--ignore-not-found", "-o", "name")).toBe("");
      const state = (await t.stack.exportStack()).deployment as { resources: { urn: string }[] };
      expect(state.resources.filter((r) => r.urn.includes("revision-b"))).toEqual([]);
      expect(recordOf(await readReleaseRecord(t.stack))?.id).toBe(atA.release.id);
    } finally {
      await git("checkout", "-q", "--detach", revisionA);
    }
  });
});
