import { connect } from "node:net";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { ConfigMap, EngineEvent, Stack } from "@pulumi/pulumi/automation/index.js";
import { canaryStage, type CanaryReport, type CanaryStageOptions } from "./canary.js";
import { buildSlackMessage, type DeployNotice, sendSlackMessage } from "./notify.js";
import { operationControl } from "./operation.js";
import { durationSeconds } from "../config/quantities.js";
import { AwaitProgress, type ObjectWait } from "./await-progress.js";
import { checkDrift, type DriftedObject, driftSummary, fieldList, type RepairPatch } from "./drift.js";
import { errorDiagnostics } from "./preview.js";
import {
  IMAGE_KEY,
  newReleaseId,
  readReleaseRecord,
  recordProblems,
  releaseConfig,
  releaseMessage,
  type ReleaseRecord,
  rollbackMessage,
  serializeReleaseRecord,
  tagValueLimit,
  writeReleaseRecord,
} from "./release-record.js";
import { kindOf, summaryText } from "./markdown-report.js";
import { checkReleaseMigrations, migrationFailureNote, migrationPaths } from "./migration-gate.js";
import { SecretScrubber } from "./secret-mask.js";
import { writeStackConfig } from "./stack-config.js";
import { EXIT, openStack, readStackConfig, rephrase, ReleaseError, secretValuesOf, type StackTarget, stripColor } from "./stack-access.js";
import {
  type Check,
  checkRollouts,
  checkServiceEndpoints,
  type ClusterAccess,
  clusterAccess,
  type ObjectRef,
  serviceClusterUrl,
  smokeTest,
  unreachableReason,
  verificationFailure,
  type VerifyTargets,
} from "./verify.js";

const execFileAsync = promisify(execFile);

/** The config keys holding cluster access and the environment. */
const KUBERNETES_KEY = "go-service:kubernetes";
const ENVIRONMENT_KEY = "go-service:environment";

export interface DeployOptions {
  readonly target: StackTarget;
  /** Apply exactly this saved plan (`preview --save-plan`); the update fails if anything drifted. */
  readonly planFile?: string;
  /**
   * Deadline, in seconds, for the update (which waits for the Deployment rollout) and then for the
   * rollout check. Past it, the update is cancelled and the release counts as failed. @default 600
   */
  readonly rolloutTimeoutSeconds?: number;
  /**
   * Base URL for `GET /health` and `GET /ready`; a failure fails the release. In production, this or
   * `noSmokeReason` is required. @default - the stack's `serviceUrl` output, skipped (and reported
   * "not run") when it cannot be reached from here
   */
  readonly smokeUrl?: string;
  /** Skip the HTTP smoke tests, for this reason (`--no-smoke <reason>`): it goes into the report and the release record. @default - the smoke tests run */
  readonly noSmokeReason?: string;
  /** Seconds the smoke tests retry before failing. @default 60 */
  readonly smokeTimeoutSeconds?: number;
  /** Re-apply the last good release instead of deploying the checkout. @default false */
  readonly rollbackOnly?: boolean;
  /** The Prometheus a canary release is judged by (`--prometheus-url`). @default - the stack's `monitoring.prometheusUrl` */
  readonly prometheusUrl?: string;
  /** Called with each canary step's analysis as it is made. @default - none */
  readonly onCanaryStep?: CanaryStageOptions["onStep"];
  /** Aborted on Ctrl-C: the running operation is cancelled cleanly and nothing else is started. */
  readonly signal?: AbortSignal;
  /** Progress for a person (one line per step). */
  readonly log?: (line: string) => void;
  /** The CLI's own progress output. */
  readonly onCliOutput?: (text: string) => void;
  /** Slack incoming webhook (`SLACK_WEBHOOK_URL`). @default - no notification */
  readonly slackWebhookUrl?: string;
  /** Link to the CI run, for the notification. */
  readonly runUrl?: string;
  readonly now?: () => Date;
  /**
   * Filled in by the deploy with every secret value it handles (the stack's, and those of a release
   * it re-applies), for the caller to scrub what it prints. The deploy scrubs its own result, logs and
   * notification with it. @default - a scrubber of the deploy's own
   */
  readonly scrubber?: SecretScrubber;
}

/** A release as deployed: program revision and image. */
export interface ReleaseRef {
  readonly id: string;
  readonly sha: string;
  readonly image: string;
}

export interface DeployResult {
  readonly exitCode: number;
  readonly outcome: DeployNotice["outcome"];
  readonly stack: string;
  readonly release: ReleaseRef;
  /** The preview's one-line summary. */
  readonly previewSummary?: string;
  /** What failed, in a few lines. */
  readonly failure?: string;
  readonly checks: readonly Check[];
  /** The release re-applied after the failure, and its verification. */
  readonly rollback?: { readonly release: ReleaseRecord; readonly ok: boolean; readonly checks: readonly Check[]; readonly failure?: string };
  /** Stack state after the run: pending operations left by an interrupted operation. */
  readonly pendingOperations: number;
  readonly timingsMs: Readonly<Record<string, number>>;
  readonly notification?: string;
  /** Drift the deploy found before its update (objects changed, deleted or added by hand since the last deploy), and what it put back. */
  readonly drift?: DriftRepair;
  /** How long the update waited for each object to become ready. */
  readonly waits?: readonly ObjectWait[];
  /** How the release went out (`release.strategy`), and the canary's steps when there was one. */
  readonly canary?: CanaryReport;
}

/** The drift found before the update, and how it was put back. */
export interface DriftRepair {
  readonly found: readonly DriftedObject[];
  /** Fields put back by a JSON patch before the update (fields the program does not set, which an update leaves alone), as `Kind name: field`. */
  readonly patched: readonly string[];
  /** Why some or all of it was not put back. */
  readonly notRepaired?: string;
}

class Timer {
  readonly timings: Record<string, number> = {};
  async time<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      this.timings[label] = Math.round(performance.now() - start);
    }
  }
}

/**
 * Preview, update, verify; on failure, re-apply the last good release and verify it. Never throws for
 * a failed release (the result says what happened); throws {@link ReleaseError} for a held lock or an
 * unusable stack before anything was changed.
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const scrubber = options.scrubber ?? new SecretScrubber();
  const { log: printLine, onCliOutput: printCli } = options;
  const log = (line: string): void => printLine?.(scrubber.scrub(line));
  const onCliOutput = printCli === undefined ? undefined : (text: string): void => printCli(scrubber.scrub(text));
  options = { ...options, scrubber, log, ...(onCliOutput === undefined ? {} : { onCliOutput }) };
  const now = options.now ?? (() => new Date());
  const timeout = options.rolloutTimeoutSeconds ?? 600;
  const timer = new Timer();
  const started = performance.now();
  const { target } = options;

  const stack = await openStack(target);
  const config = await readStackConfig(stack);
  scrubber.add(secretValuesOf(config));
  const smokeProblem = smokeRequirement(config[ENVIRONMENT_KEY]?.value, options);
  if (smokeProblem !== undefined) throw new ReleaseError(smokeProblem, EXIT.usage);
  const lastGood = await readReleaseRecord(stack);
  const sha = await gitHead(target.workDir);
  const release: ReleaseRef = { id: newReleaseId(sha, now()), sha, image: config[IMAGE_KEY]?.value ?? "" };

  const finish = async (outcome: Omit<DeployResult, "timingsMs" | "stack" | "release" | "pendingOperations" | "notification">): Promise<DeployResult> => {
    const result = scrubber.scrubDeep(outcome);
    const pendingOperations = await countPendingOperations(stack);
    const notice: DeployNotice = {
      stack: target.stackName,
      outcome: result.outcome,
      sha: release.sha,
      image: release.image,
      durationSeconds: Math.round((performance.now() - started) / 1000),
      ...(result.failure === undefined ? {} : { failure: result.failure }),
      ...(result.rollback?.ok === true ? { rolledBackTo: result.rollback.release } : {}),
      ...(options.runUrl === undefined ? {} : { runUrl: options.runUrl }),
    };
    const notification = options.slackWebhookUrl === undefined ? undefined : await sendSlackMessage(options.slackWebhookUrl, buildSlackMessage(notice, scrubber));
    return { ...result, stack: target.stackName, release, pendingOperations, timingsMs: timer.timings, ...(notification === undefined ? {} : { notification }) };
  };

  if (options.rollbackOnly === true) {
    if (lastGood.kind === "none") return finish({ exitCode: EXIT.failed, outcome: "failed", failure: "no last good release is recorded for this stack", checks: [] });
    if (lastGood.kind === "unreadable") return finish({ exitCode: EXIT.failed, outcome: "failed", failure: untrustedRecord(lastGood.problem), checks: [] });
    const record = lastGood.record;
    log(`re-applying the last good release ${record.id} (${record.sha.slice(0, 12)}, ${record.image})`);
    const rollback = await timer.time("rollback", () => reapplyRelease(stack, record, options, timeout));
    return finish({
      exitCode: rollback.ok ? EXIT.ok : rollback.interrupted ? EXIT.cancelled : EXIT.failed,
      outcome: rollback.ok ? "succeeded" : rollback.interrupted ? "cancelled" : "failed",
      checks: [],
      rollback: rollbackResult(rollback),
      ...(rollback.failure === undefined ? {} : { failure: rollback.failure }),
    });
  }

  log(`release ${release.id}: ${target.stackName} at ${sha.slice(0, 12)}, image ${release.image}`);
  if (await programIsDirty(target.workDir)) log("warning: the program has uncommitted changes; the recorded revision does not include them");
  // The record must fit in its tag: find out now, before anything is changed.
  const limit = tagValueLimit((await stack.workspace.whoAmI()).url);
  try {
    serializeReleaseRecord({ ...release, verifiedAt: verifiedAt(now()), ...(options.noSmokeReason === undefined ? {} : { noSmoke: options.noSmokeReason }) }, limit);
  } catch (error) {
    return finish({ exitCode: EXIT.notApplied, outcome: "not-applied", failure: `the release could not be recorded, so nothing was changed: ${(error as Error).message}`, checks: [] });
  }

  // The release's new migrations must be expand-only against the last good release's code: checked before anything changes.
  const migrations = migrationPaths(config);
  if (migrations !== undefined) {
    const check = checkReleaseMigrations(target.workDir, migrations, lastGood);
    log(check.summary);
    if (check.failure !== undefined) return finish({ exitCode: EXIT.notApplied, outcome: "not-applied", failure: check.failure, checks: [] });
  }

  // 1. Preview, after a refresh (nothing written): what the update will do, and the drift it puts back.
  // A release that cannot even be planned changes nothing.
  const access = clusterAccess(configObject(config, KUBERNETES_KEY), target.workDir, options.target.envVars ?? {});
  const preview = await timer.time("preview", () => checkDrift(stack, { access, ...(options.signal === undefined ? {} : { signal: options.signal }) }));
  const previewOk = preview.refreshed && preview.programErrors.length === 0;
  const previewSummary = previewOk ? summaryText(preview.counts) : "failed (see what failed)";
  log(`preview: ${previewSummary}`);
  if (!previewOk) {
    return finish({ exitCode: EXIT.notApplied, outcome: "not-applied", previewSummary, failure: `preview failed, nothing was changed:\n${[...preview.errors, ...preview.programErrors].join("\n")}`, checks: [] });
  }
  const drift = preview.drifted.length === 0 ? undefined : await putBackDrift(preview.drifted, preview.repairs, access, options);

  // 1b. Canary (release/canary.ts): the new image beside the stable pods, judged step by step against the
  // SLOs, then removed; the update below promotes it. A failed or inconclusive step stops the deploy here.
  const canary = await timer.time("canary", () =>
    canaryStage(stack, config, {
      releaseId: release.id,
      access,
      timeoutSeconds: timeout,
      ...(options.prometheusUrl === undefined ? {} : { prometheusUrl: options.prometheusUrl }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onCanaryStep === undefined ? {} : { onStep: options.onCanaryStep }),
      log,
      ...(onCliOutput === undefined ? {} : { onCliOutput }),
    }),
  );
  const canaryReport = canary.report === undefined ? {} : { canary: canary.report };
  if (canary.abort !== undefined) {
    log(canary.abort.failure.split("\n")[0] ?? "");
    return finish({ ...canary.abort, checks: [...canary.abort.checks], previewSummary, ...(drift === undefined ? {} : { drift }), ...canaryReport });
  }

  // 2. Update (with a refresh when something drifted: the engine must see the live state to put it back).
  const extras: UpdateExtras = { access, objectTimeoutSeconds: rolloutTimeoutOf(config, timeout), refresh: drift !== undefined && options.planFile === undefined };
  log(`update${options.planFile === undefined ? "" : ` (plan ${options.planFile})`}, deadline ${timeout}s`);
  const update = await timer.time("update", () => runUpdate(stack, releaseMessage(release.id), options, timeout, extras));
  const observed = { ...(drift === undefined ? {} : { drift }), waits: update.waits, ...canaryReport };
  if (update.interrupted) {
    return finish({ exitCode: EXIT.cancelled, outcome: "cancelled", previewSummary, failure: "interrupted (Ctrl-C): the update was cancelled cleanly; nothing was rolled back", checks: [], ...observed });
  }

  // 3. Verify.
  let checks: Check[] = [];
  let failure = update.failure;
  // A failed migration Job stopped the update before the Deployment: say so first.
  const migrationNote = failure === undefined ? undefined : migrationFailureNote(failure);
  if (migrationNote !== undefined) failure = `${migrationNote}\n${failure ?? ""}`;
  if (failure === undefined) {
    const verified = await timer.time("verify", () => verifyStack(stack, config, options, timeout));
    checks = verified.checks;
    failure = verified.failure;
  } else {
    // What the cluster says about the rollout the update was waiting for.
    checks = await verifyRolloutsOnly(stack, config, options);
  }
  if (failure === undefined) {
    const record: ReleaseRecord = { ...release, verifiedAt: verifiedAt(now()), ...(options.noSmokeReason === undefined ? {} : { noSmoke: options.noSmokeReason }) };
    await writeReleaseRecord(stack, record, limit);
    log(`verified and recorded as the last good release (${release.id})`);
    return finish({ exitCode: EXIT.ok, outcome: "succeeded", previewSummary, checks, ...observed });
  }

  // 4. Roll back.
  log(`release failed: ${failure}`);
  if (options.signal?.aborted === true) {
    return finish({ exitCode: EXIT.cancelled, outcome: "cancelled", previewSummary, failure, checks, ...observed });
  }
  if (lastGood.kind === "none") {
    return finish({ exitCode: EXIT.failed, outcome: "failed", previewSummary, failure: `${failure}\nno last good release is recorded: nothing to roll back to`, checks, ...observed });
  }
  if (lastGood.kind === "unreadable") {
    return finish({ exitCode: EXIT.failed, outcome: "failed", previewSummary, failure: `${failure}\n${untrustedRecord(lastGood.problem)}`, checks, ...observed });
  }
  const record = lastGood.record;
  log(`rolling back: re-applying the last good release ${record.id} (${record.sha.slice(0, 12)}, ${record.image})`);
  const rollback = await timer.time("rollback", () => reapplyRelease(stack, record, options, timeout));
  log(rollback.ok ? "rollback verified" : `rollback failed: ${rollback.failure ?? ""}`);
  return finish({
    exitCode: rollback.ok ? EXIT.rolledBack : rollback.interrupted ? EXIT.cancelled : EXIT.failed,
    outcome: rollback.ok ? "rolled-back" : rollback.interrupted ? "cancelled" : "failed",
    previewSummary,
    failure,
    checks,
    rollback: rollbackResult(rollback),
    ...observed,
  });
}

/**
 * Before the update: says what drifted, and puts back by a JSON patch the fields the program does not
 * set (an env var or a label added by hand: the update's server-side apply leaves fields of other
 * managers alone). The update, run with a refresh, puts back the rest: changed fields it sets (it takes
 * them back, `pulumi.com/patchForce`), objects deleted by hand (created again). Objects added by hand
 * are left in place: they are in no state, and not the stack's to delete.
 */
async function putBackDrift(found: readonly DriftedObject[], repairs: readonly RepairPatch[], access: ClusterAccess, options: DeployOptions): Promise<DriftRepair> {
  const log = (line: string): void => options.log?.(line);
  log(`drift since the last deploy: ${driftSummary({ drifted: found, compared: found.length }).replace(/ \(.*\)$/, "")}`);
  for (const d of found) log(`  ${kindOf(d.type)} ${d.name}: ${d.state === "modified" ? fieldList(d) : d.state === "deleted" ? "deleted by hand (the update creates it again)" : "added by hand (left in place)"}`);
  if (options.planFile !== undefined) {
    return { found, patched: [], notRepaired: "--plan applies exactly the reviewed plan, so the drift was not put back: deploy without --plan to put it back" };
  }
  const patched: string[] = [];
  const failures: string[] = [];
  for (const repair of repairs) {
    const target = `${repair.kind.toLowerCase()}${repair.apiVersion.includes("/") ? `.${repair.apiVersion.slice(0, repair.apiVersion.lastIndexOf("/"))}` : ""}/${repair.name}`;
    try {
      await execFileAsync(
        "kubectl",
        [
          ...(access.kubeconfig === undefined ? [] : ["--kubeconfig", access.kubeconfig]),
          ...(access.context === undefined ? [] : ["--context", access.context]),
          ...(repair.namespace === undefined ? [] : ["-n", repair.namespace]),
          "patch",
          target,
          "--type=json",
          "--field-manager=go-service-deploy",
          "-p",
          JSON.stringify(repair.operations),
        ],
        { env: { ...process.env, ...access.env }, timeout: 30_000 },
      );
      for (const field of repair.fields) patched.push(`${repair.kind} ${repair.namespace === undefined ? "" : `${repair.namespace}/`}${repair.name}: ${field}`);
      log(`  put back on ${repair.kind} ${repair.name}: ${repair.fields.join(", ")}`);
    } catch (error) {
      const e = error as { stderr?: string; message?: string };
      failures.push(`${repair.kind} ${repair.name} (${repair.fields.join(", ")}): ${((e.stderr ?? "").trim() || (e.message ?? String(error))).split("\n")[0] ?? ""}`);
    }
  }
  const unmanaged = found.filter((d) => d.state === "unmanaged").map((d) => `${kindOf(d.type)} ${d.name}`);
  const notes = [
    ...(failures.length > 0 ? [`could not put back ${failures.join("; ")}`] : []),
    ...(unmanaged.length > 0 ? [`left in place, added by hand and in no state (delete them, or take the stack's labels off): ${unmanaged.join(", ")}`] : []),
  ];
  return { found, patched, ...(notes.length > 0 ? { notRepaired: notes.join("; ") } : {}) };
}

/** The stack's `kubernetes.rolloutTimeout` in seconds (how long the provider waits for one object), at most the deploy's deadline. */
function rolloutTimeoutOf(config: ConfigMap, deadlineSeconds: number): number {
  const settings = configObject(config, KUBERNETES_KEY) as { rolloutTimeout?: unknown } | undefined;
  try {
    return Math.min(deadlineSeconds, durationSeconds(typeof settings?.rolloutTimeout === "string" ? settings.rolloutTimeout : "10m"));
  } catch {
    return deadlineSeconds;
  }
}

/**
 * In production the HTTP smoke tests are mandatory: a smoke URL, or a reason to skip them that goes
 * into the report and the record. Returns the problem, or undefined when the options satisfy the rule.
 */
export function smokeRequirement(environment: string | undefined, options: Pick<DeployOptions, "smokeUrl" | "noSmokeReason">): string | undefined {
  if (options.smokeUrl !== undefined && options.noSmokeReason !== undefined) return "--smoke-url and --no-smoke exclude each other: give one";
  if (options.noSmokeReason !== undefined && options.noSmokeReason.trim() === "") return "--no-smoke needs a reason, recorded with the release: --no-smoke <reason>";
  if (environment === "production" && options.smokeUrl === undefined && options.noSmokeReason === undefined) {
    return "the smoke tests are mandatory in production: pass --smoke-url <base URL> (CI: the environment's SMOKE_URL variable), or --no-smoke <reason> to deploy without them";
  }
  return undefined;
}

/** A verification time as the record keeps it: ISO 8601, UTC, to the second. */
function verifiedAt(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}

/** The words of a refused record: what did not match, and that nothing was re-applied. */
export function untrustedRecord(problem: string): string {
  return `the last good release record cannot be trusted, so nothing was re-applied: ${problem}`;
}

function rollbackResult(outcome: RollbackOutcome): NonNullable<DeployResult["rollback"]> {
  return { release: outcome.release, ok: outcome.ok, checks: outcome.checks, ...(outcome.failure === undefined ? {} : { failure: outcome.failure }) };
}

interface UpdateOutcome {
  readonly failure?: string;
  readonly interrupted: boolean;
  readonly events: readonly EngineEvent[];
  /** How long the update waited for each object. */
  readonly waits: readonly ObjectWait[];
}

/** How an update runs beyond its plan: a refresh first, progress lines while it waits. */
interface UpdateExtras {
  /** Refresh the state from the cluster first (`pulumi up --refresh`): needed to put back drift. */
  readonly refresh?: boolean;
  /** Where to poll the objects the update waits for. */
  readonly access?: ClusterAccess;
  /** The stack's rollout timeout: how long the provider waits for one object, in seconds. */
  readonly objectTimeoutSeconds?: number;
}

async function runUpdate(stack: Stack, message: string, options: DeployOptions, timeoutSeconds: number, extras: UpdateExtras = {}): Promise<UpdateOutcome> {
  const control = operationControl(options.signal, timeoutSeconds);
  const events: EngineEvent[] = [];
  const progress = new AwaitProgress({
    ...(extras.access === undefined ? {} : { access: extras.access }),
    objectTimeoutSeconds: extras.objectTimeoutSeconds ?? timeoutSeconds,
    deadline: Date.now() + timeoutSeconds * 1000,
    log: (line) => options.log?.(line),
  });
  const onOutput = (text: string): void => {
    control.onCliOutput(text);
    options.onCliOutput?.(text);
  };
  progress.start();
  try {
    await stack.up({
      message,
      onEvent: (event) => {
        events.push(event);
        progress.onEvent(event);
      },
      onOutput,
      onError: onOutput,
      signal: control.signal,
      ...(extras.refresh === true ? { refresh: true } : {}),
      ...(options.planFile === undefined ? {} : { plan: options.planFile }),
    });
    progress.stop();
    return { interrupted: false, events, waits: progress.waits() };
  } catch (error) {
    const notReady = progress.notReady();
    progress.stop();
    const waits = progress.waits();
    const phrased = rephrase(error, stack.name);
    if (phrased instanceof ReleaseError) throw phrased;
    const why = control.reason();
    if (why === "interrupted") return { interrupted: true, events, waits };
    const diagnostics = errorDiagnostics(events);
    const detail = [...notReady, ...(diagnostics.length > 0 ? diagnostics : [phrased.message])].join("\n");
    const failure =
      why === "timeout"
        ? `the update did not finish within the rollout deadline of ${timeoutSeconds}s and was cancelled${detail === "" ? "" : `:\n${detail}`}`
        : `the update failed:\n${detail}`;
    return { failure, interrupted: false, events, waits };
  } finally {
    control.dispose();
  }
}

/** The Deployments and Services of the stack, from its state (what the program really registered). */
export async function verifyTargets(stack: Stack): Promise<VerifyTargets> {
  const state = (await stack.exportStack()).deployment as { resources?: { type: string; delete?: boolean; outputs?: { metadata?: { name?: string; namespace?: string } } }[] };
  const refs = (type: string): ObjectRef[] =>
    (state.resources ?? [])
      .filter((r) => r.type === type && r.delete !== true && r.outputs?.metadata?.name !== undefined)
      .map((r) => ({ name: r.outputs?.metadata?.name ?? "", namespace: r.outputs?.metadata?.namespace ?? "default" }));
  return { deployments: refs("kubernetes:apps/v1:Deployment"), services: refs("kubernetes:core/v1:Service") };
}

/** The verification of a release: its checks, and why the release is not verified (undefined when it is). */
export interface Verification {
  readonly checks: Check[];
  readonly failure?: string;
}

async function verifyStack(stack: Stack, config: ConfigMap, options: DeployOptions, timeoutSeconds: number): Promise<Verification> {
  const access = clusterAccess(configObject(config, KUBERNETES_KEY), stack.workspace.workDir, options.target.envVars ?? {});
  const targets = await verifyTargets(stack);
  const checks = [...(await checkRollouts(access, targets.deployments, timeoutSeconds)), ...(await checkServiceEndpoints(access, targets.services))];
  checks.push(...(await smokeChecks(stack, options, access, targets.services)));
  const failure = verificationFailure(targets, checks);
  return { checks, ...(failure === undefined ? {} : { failure }) };
}

async function smokeChecks(stack: Stack, options: DeployOptions, access: ClusterAccess, services: readonly ObjectRef[]): Promise<Check[]> {
  if (options.noSmokeReason !== undefined) return [{ name: "HTTP smoke tests", status: "not run", detail: `skipped (--no-smoke): ${options.noSmokeReason}` }];
  let url = options.smokeUrl;
  if (url === undefined) {
    const outputs = await stack.outputs();
    const derived = outputs.serviceUrl?.value;
    if (typeof derived !== "string") return [{ name: "HTTP smoke tests", status: "not run", detail: "no URL: pass --smoke-url (the stack has no serviceUrl output)" }];
    const reason = await unreachableReason(derived);
    url = derived;
    if (reason !== undefined) {
      // This machine may be on the cluster's network (a runner in the cluster, the local cluster's host):
      // then the Service itself is tested, through its ClusterIP, rather than nothing.
      const inCluster = await firstReachable(await Promise.all(services.map((s) => serviceClusterUrl(access, s))));
      if (inCluster === undefined) return [{ name: "HTTP smoke tests", status: "not run", detail: `no URL reachable: ${reason} (pass --smoke-url to make them mandatory)` }];
      const checks = await smokeTest(inCluster, { timeoutSeconds: options.smokeTimeoutSeconds ?? 60 });
      return checks.map((c) => ({ ...c, detail: `${c.detail ?? ""} (through the Service's ClusterIP ${inCluster}; ${derived} ${reason})`.trim() }));
    }
  }
  return smokeTest(url, { timeoutSeconds: options.smokeTimeoutSeconds ?? 60 });
}

/** The first URL whose host accepts a TCP connection within 2 s: a ClusterIP off the cluster's network does not. */
async function firstReachable(urls: readonly (string | undefined)[]): Promise<string | undefined> {
  for (const url of urls) if (url !== undefined && (await acceptsConnections(url))) return url;
  return undefined;
}

function acceptsConnections(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 80), timeout: 2_000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

/** After a failed update: the rollout state as the API server reports it, without waiting. */
async function verifyRolloutsOnly(stack: Stack, config: ConfigMap, options: DeployOptions): Promise<Check[]> {
  try {
    const access = clusterAccess(configObject(config, KUBERNETES_KEY), stack.workspace.workDir, options.target.envVars ?? {});
    return await checkRollouts(access, (await verifyTargets(stack)).deployments, 5);
  } catch {
    return [];
  }
}

function configObject(config: ConfigMap, key: string): unknown {
  const entry = config[key] as { value: string; objectValue?: unknown } | undefined;
  if (entry === undefined) return undefined;
  if (entry.objectValue !== undefined) return entry.objectValue;
  try {
    return JSON.parse(entry.value) as unknown;
  } catch {
    return undefined;
  }
}

interface RollbackOutcome {
  readonly release: ReleaseRecord;
  readonly ok: boolean;
  readonly interrupted: boolean;
  readonly checks: readonly Check[];
  readonly failure?: string;
}

/** Untracked paths of the checkout a release's program needs at run time (packages, the local cluster's kubeconfig). */
const SHARED_PATHS = ["node_modules", ".cluster"];

/**
 * Re-applies a recorded release, once the record is cross-checked (its commit exists and is the one
 * its id names; the history's update of it ran the recorded image): its program from a git worktree
 * of its commit, its config from the stack's history, then the same verification as a deploy (smoke
 * tests included).
 */
async function reapplyRelease(stack: Stack, record: ReleaseRecord, options: DeployOptions, timeoutSeconds: number): Promise<RollbackOutcome> {
  const repo = options.target.workDir;
  const scrubber = options.scrubber ?? new SecretScrubber();
  const refused = (failure: string): RollbackOutcome => ({ release: record, ok: false, interrupted: false, checks: [], failure });

  // The release's config, from history (decrypted): its secrets are scrubbed from here on.
  let config: ConfigMap;
  try {
    config = await releaseConfig(stack, record);
  } catch (error) {
    return refused(`the last good release cannot be re-applied: ${(error as Error).message}`);
  }
  scrubber.add(secretValuesOf(config));
  const problems = await recordProblems(record, repo, config);
  if (problems.length > 0) return refused(untrustedRecord(problems.join("; ")));

  const dir = mkdtempSync(path.join(tmpdir(), "go-service-release-"));
  const worktree = path.join(dir, "program");
  try {
    await execFileAsync("git", ["-C", repo, "worktree", "add", "--detach", worktree, record.sha]);
    const programDir = path.join(worktree, path.relative(await gitTopLevel(repo), repo));
    for (const shared of SHARED_PATHS) {
      const from = path.join(repo, shared);
      if (existsSync(from) && !existsSync(path.join(programDir, shared))) symlinkSync(from, path.join(programDir, shared));
    }
    const old = await openStack({ ...options.target, workDir: programDir });
    // The secrets provider settings are the stack's current ones; the config is the release's,
    // written with no secret value on a command line (release/stack-config.ts).
    await writeStackConfig(old, config, await stack.workspace.stackSettings(stack.name));
    const access = clusterAccess(configObject(config, KUBERNETES_KEY), programDir, options.target.envVars ?? {});
    // With a refresh: a failed release whose update was cancelled (its deadline, Ctrl-C) left objects
    // in the cluster that the state does not record; the re-apply must see them to put them back.
    const update = await runUpdate(old, rollbackMessage(record.id), { ...options, planFile: undefined }, timeoutSeconds, {
      access,
      objectTimeoutSeconds: rolloutTimeoutOf(config, timeoutSeconds),
      refresh: true,
    });
    if (update.interrupted) return { release: record, ok: false, interrupted: true, checks: [], failure: "interrupted (Ctrl-C) during the rollback" };
    if (update.failure !== undefined) return { release: record, ok: false, interrupted: false, checks: await verifyRolloutsOnly(old, config, options), failure: update.failure };
    const verified = await verifyStack(old, config, options, timeoutSeconds);
    return {
      release: record,
      ok: verified.failure === undefined,
      interrupted: false,
      checks: verified.checks,
      ...(verified.failure === undefined ? {} : { failure: `the re-applied release is not verified: ${verified.failure}` }),
    };
  } catch (error) {
    const phrased = rephrase(error, stack.name);
    return { release: record, ok: false, interrupted: false, checks: [], failure: stripColor(phrased.message) };
  } finally {
    await execFileAsync("git", ["-C", repo, "worktree", "remove", "--force", worktree]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await execFileAsync("git", ["-C", repo, "worktree", "prune"]).catch(() => undefined);
  }
}

async function gitHead(dir: string): Promise<string> {
  const { stdout } = await execFileAsync("git", ["-C", dir, "rev-parse", "HEAD"]);
  return stdout.trim();
}

async function gitTopLevel(dir: string): Promise<string> {
  const { stdout } = await execFileAsync("git", ["-C", dir, "rev-parse", "--show-toplevel"]);
  return stdout.trim();
}

/** Tracked program files with uncommitted changes (a recorded SHA would not reproduce them). */
async function programIsDirty(dir: string): Promise<boolean> {
  const { stdout } = await execFileAsync("git", ["-C", dir, "status", "--porcelain", "--untracked-files=no", "--", "infra", "charts", "Pulumi.yaml", "package.json", "package-lock.json"]);
  return stdout.trim() !== "";
}

/** Operations an interrupted update left pending in the state (0 when it was cancelled cleanly). */
export async function countPendingOperations(stack: Stack): Promise<number> {
  try {
    const state = (await stack.exportStack()).deployment as { pending_operations?: unknown[] };
    return state.pending_operations?.length ?? 0;
  } catch {
    return -1;
  }
}
