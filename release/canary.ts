/**
 * A canary release, driven through the Pulumi program so that state, previews and rollback all see it:
 * for the duration of the release the deploy writes `release.canary: { image, replicas }` into the stack's
 * config, which makes the chart add the Deployment `<name>-canary` (charts/go-service.ts), and applies
 * only that Deployment (and the objects that route and scrape it) with targeted updates. The stable
 * Deployment is never part of them: it keeps its image, its pods and its spec until the promotion.
 *
 * Each step sizes the canary for its share of the pods, waits its pause, then judges it against the
 * stack's Prometheus (release/canary-analysis.ts). A step that fails, or is inconclusive under
 * `inconclusive: abort`, aborts the release: the canary is removed (a targeted update without it) and
 * the stack file is put back as it was. When every step passes, the canary is removed the same way and
 * the deploy's ordinary update promotes the release: the stable Deployment takes the new image.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ConfigMap, EngineEvent, Stack } from "@pulumi/pulumi/automation/index.js";
import type { ResolvedObservability } from "../alerts/observability-props.js";
import { canaryDeploymentName } from "../charts/go-service.js";
import { durationToSeconds } from "../config/duration.js";
import { resolveStackConfig, type ConfigBlock, type ResolvedStack } from "../config/resolve-stack-config.js";
import { buildStackChart } from "../synth/synthesize.js";
import { analyzeStep, canaryPodsFor, type CanaryStepSettings, type Measure, type StepAnalysis, trafficShare } from "./canary-analysis.js";
import { operationControl } from "./operation.js";
import { errorDiagnostics } from "./preview.js";
import { prometheusClient, type PrometheusClient } from "./prometheus-client.js";
import { EXIT, rephrase, ReleaseError } from "./stack-access.js";
import { type Check, checkRollouts, checkServiceEndpoints, type ClusterAccess, kubectl } from "./verify.js";

/** Types of the objects a canary step applies besides the canary itself: what routes requests to it, protects it and scrapes it. */
const PLUMBING_TYPES = [
  "kubernetes:core/v1:Service",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  "kubernetes:policy/v1:PodDisruptionBudget",
  "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
] as const;
const DEPLOYMENT_TYPE = "kubernetes:apps/v1:Deployment";

/** A resource of the stack's state, as `pulumi stack export` gives it. */
interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly delete?: boolean;
  readonly outputs?: {
    readonly metadata?: { readonly name?: string; readonly namespace?: string };
    readonly spec?: { readonly replicas?: number; readonly template?: { readonly spec?: { readonly containers?: readonly { readonly name?: string; readonly image?: string }[] } } };
  };
}

/** What a canary release will do, decided before anything changes. */
export interface CanaryPlan {
  readonly serviceName: string;
  readonly namespace: string;
  /** The image the stable Deployment runs now, and the release's. */
  readonly stableImage: string;
  readonly canaryImage: string;
  readonly steps: readonly CanaryStepSettings[];
  readonly inconclusive: "abort" | "promote";
  readonly maxExtraBurnRate: number;
  /** URNs: the stable Deployment (never targeted), the canary's (targeted), and the objects that route and scrape it. */
  readonly stableUrn: string;
  readonly canaryUrn: string;
  readonly plumbingUrns: readonly string[];
  /** The stack's observability model, as the chart builds it: the analysis' queries and thresholds. */
  readonly observability: ResolvedObservability;
  /** The stack's Prometheus (`monitoring.prometheusUrl`), unless given on the command line. */
  readonly prometheusUrl?: string;
}

/** Why a stack releases without a canary (`undefined` plan), in words for the report. */
export type NoCanary = { readonly reason: string };

/** The stack's config (the engine's config map, as `pulumi config --json` gives it) validated and resolved, as the program would. */
export function resolveConfigMap(config: ConfigMap, project: string, stackName: string): ResolvedStack {
  const block: ConfigBlock = {};
  for (const [key, entry] of Object.entries(config) as [string, ConfigMap[string] & { objectValue?: unknown }][]) {
    block[key] = entry.secret === true ? { secret: true } : (entry.objectValue ?? entry.value);
  }
  return resolveStackConfig(block, { project, stack: stackName, file: `the config of stack ${stackName}` });
}

async function stateResources(stack: Stack): Promise<readonly StateResource[]> {
  const state = (await stack.exportStack()).deployment as { resources?: StateResource[] };
  return (state.resources ?? []).filter((r) => r.delete !== true);
}

const named = (r: StateResource, name: string, namespace: string): boolean => r.outputs?.metadata?.name === name && (r.outputs.metadata.namespace ?? namespace) === namespace;

/**
 * Decides how the release goes out: a {@link CanaryPlan} when the stack's strategy is canary, its stable
 * Deployment exists and the image changes; otherwise why not (rolling, first deploy, same image).
 */
export async function planCanary(stack: Stack, resolved: ResolvedStack): Promise<CanaryPlan | NoCanary> {
  const { config } = resolved;
  if (config.release.strategy !== "canary") return { reason: "release.strategy is rolling" };
  const resources = await stateResources(stack);
  const stable = resources.find((r) => r.type === DEPLOYMENT_TYPE && named(r, config.name, config.namespace));
  if (stable === undefined) return { reason: `no stable Deployment ${config.namespace}/${config.name} in the stack's state yet (a first deploy): nothing to run a canary beside, so it rolls out` };
  const containers = stable.outputs?.spec?.template?.spec?.containers ?? [];
  const stableImage = (containers.find((c) => c.name === "app") ?? containers[0])?.image ?? "";
  if (stableImage === config.image) return { reason: `the image does not change (${config.image}): nothing for a canary to judge, so the release rolls out` };
  const canaryName = canaryDeploymentName(config.name);
  const plumbing = resources.filter((r) => (PLUMBING_TYPES as readonly string[]).includes(r.type) && named(r, config.name, config.namespace)).map((r) => r.urn);
  return {
    serviceName: config.name,
    namespace: config.namespace,
    stableImage,
    canaryImage: config.image,
    steps: config.release.steps,
    inconclusive: config.release.inconclusive,
    maxExtraBurnRate: config.release.maxExtraBurnRate,
    stableUrn: stable.urn,
    canaryUrn: stable.urn.replace(/::[^:]*$/, `::${config.namespace}/${canaryName}`),
    plumbingUrns: plumbing,
    observability: buildStackChart({ ...resolved, config: { ...config, release: { ...config.release, canary: undefined } } }).observability,
    ...(config.monitoring.prometheusUrl === undefined ? {} : { prometheusUrl: config.monitoring.prometheusUrl }),
  };
}

/** How a canary release ended. */
export type CanaryVerdict = "promoted" | "aborted" | "interrupted";

/** What a canary release did: every step's analysis, how it ended, and the canary's removal. */
export interface CanaryResult {
  readonly verdict: CanaryVerdict;
  readonly stableImage: string;
  readonly canaryImage: string;
  readonly canaryName: string;
  readonly stablePods: number;
  readonly steps: readonly StepAnalysis[];
  /** Why it was aborted (or interrupted): the step, the measure, its value and threshold, in one line. */
  readonly reason?: string;
  /** The measure that decided an abort, when a measure did. */
  readonly decisive?: { readonly step: number; readonly measure: Measure };
  /** Steps that were inconclusive and carried on (`inconclusive: promote`). */
  readonly promotedInconclusive: readonly number[];
  /** Whether the canary was removed, and why not. */
  readonly removed: boolean;
  readonly removalFailure?: string;
  readonly timingsMs: Readonly<Record<string, number>>;
}

/** Options of {@link runCanary}. */
export interface CanaryOptions {
  readonly plan: CanaryPlan;
  /** The deploy's release id, for the updates' messages. */
  readonly releaseId: string;
  /** The Prometheus the analysis queries. */
  readonly prometheus: PrometheusClient;
  /** kubectl access to the stack's cluster (the stable Deployment's live pod count). */
  readonly access: ClusterAccess;
  /** The stack's project (`go-service`): the namespace of its config keys. */
  readonly project: string;
  /** Deadline of each targeted update, in seconds (it waits for the canary's rollout). */
  readonly timeoutSeconds: number;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  readonly onCliOutput?: (text: string) => void;
  /** Waits out a step's pause; resolves early when the signal aborts. @default a timer */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called with each step's analysis as it is made (progress, benchmarks). */
  readonly onStep?: (analysis: StepAnalysis, waitedMs: number) => void;
}

const sleepFor = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });

/** The stack settings file the workspace keeps the stack's config in. */
function stackFile(stack: Stack): string | undefined {
  for (const ext of ["yaml", "yml", "json"]) {
    const file = path.join(stack.workspace.workDir, `Pulumi.${stack.name}.${ext}`);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/** The stable Deployment's pods now (its desired count: the HPA's, or the fixed one), read through the API server. */
export async function livePods(access: ClusterAccess, namespace: string, name: string): Promise<number> {
  const out = await kubectl(access, ["get", "deployment", name, "-n", namespace, "-o", "jsonpath={.spec.replicas}"], 30_000);
  const pods = Number(out.trim());
  if (!Number.isInteger(pods) || pods < 1) throw new Error(`Deployment ${namespace}/${name} runs no pod (spec.replicas ${JSON.stringify(out.trim())}): a canary needs stable pods beside it`);
  return pods;
}

interface UpOutcome {
  readonly failure?: string;
  readonly interrupted: boolean;
}

async function targetedUp(stack: Stack, targets: readonly string[], message: string, options: CanaryOptions): Promise<UpOutcome> {
  const control = operationControl(options.signal, options.timeoutSeconds);
  const events: EngineEvent[] = [];
  const onOutput = (text: string): void => {
    control.onCliOutput(text);
    options.onCliOutput?.(text);
  };
  try {
    await stack.up({ message, target: [...targets], onEvent: (event) => events.push(event), onOutput, onError: onOutput, signal: control.signal });
    return { interrupted: false };
  } catch (error) {
    const phrased = rephrase(error, stack.name);
    if (phrased instanceof ReleaseError) throw phrased;
    const why = control.reason();
    if (why === "interrupted") return { interrupted: true };
    const diagnostics = errorDiagnostics(events);
    const detail = diagnostics.length > 0 ? diagnostics.join("\n") : phrased.message;
    return { interrupted: false, failure: why === "timeout" ? `did not finish within ${options.timeoutSeconds}s and was cancelled: ${detail}` : detail };
  } finally {
    control.dispose();
  }
}

/**
 * Runs the canary steps of a release and removes the canary, whatever happens; never touches the stable
 * Deployment. Returns `promoted` when every step passed (or was inconclusive under `inconclusive:
 * promote`): the caller's ordinary update then promotes the release.
 */
export async function runCanary(stack: Stack, options: CanaryOptions): Promise<CanaryResult> {
  const { plan } = options;
  const log = (line: string): void => options.log?.(line);
  const sleep = options.sleep ?? sleepFor;
  const timings: Record<string, number> = {};
  const canaryName = canaryDeploymentName(plan.serviceName);
  const steps: StepAnalysis[] = [];
  const promotedInconclusive: number[] = [];
  const file = stackFile(stack);
  const original = file === undefined ? undefined : readFileSync(file);
  const key = `${options.project}:release`;
  let verdict: CanaryVerdict = "promoted";
  let reason: string | undefined;
  let decisive: CanaryResult["decisive"];
  let stablePods = 0;

  const writeCanary = async (replicas: number): Promise<void> => {
    const settings = await stack.workspace.stackSettings(stack.name);
    const current = settings.config?.[key] as unknown;
    const release = current !== null && typeof current === "object" && !Array.isArray(current) ? (current as Record<string, unknown>) : {};
    await stack.workspace.saveStackSettings(stack.name, { ...settings, config: { ...settings.config, [key]: { ...release, canary: { image: plan.canaryImage, replicas } } } });
  };
  const restoreStackFile = async (): Promise<void> => {
    if (file !== undefined && original !== undefined) {
      writeFileSync(file, original);
      return;
    }
    // No file to put back byte for byte: take the key out.
    const settings = await stack.workspace.stackSettings(stack.name);
    const release = { ...((settings.config?.[key] as Record<string, unknown> | undefined) ?? {}) };
    delete release.canary;
    await stack.workspace.saveStackSettings(stack.name, { ...settings, config: { ...settings.config, [key]: release } });
  };
  const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      timings[label] = (timings[label] ?? 0) + Math.round(performance.now() - start);
    }
  };

  try {
    stablePods = await livePods(options.access, plan.namespace, plan.serviceName);
    let pods = 0;
    for (const [index, settings] of plan.steps.entries()) {
      const step = index + 1;
      const wanted = canaryPodsFor(stablePods, settings.traffic);
      if (wanted !== pods) {
        log(`canary step ${step}/${plan.steps.length}: ${wanted} pod(s) of ${plan.canaryImage} beside ${stablePods} stable (${settings.traffic} % asked, ${trafficShare(wanted, stablePods).toFixed(1)} % of the pods)`);
        await writeCanary(wanted);
        const targets = step === 1 ? [plan.canaryUrn, ...plan.plumbingUrns] : [plan.canaryUrn];
        const up = await time("canary updates", () => targetedUp(stack, targets, `go-service canary ${options.releaseId}: step ${step} (${settings.traffic} %)`, options));
        if (up.interrupted) {
          verdict = "interrupted";
          reason = `interrupted (Ctrl-C) while the canary was being ${pods === 0 ? "created" : "scaled"} at step ${step}`;
          break;
        }
        if (up.failure !== undefined) {
          verdict = "aborted";
          reason = `step ${step} of ${plan.steps.length}: the canary (${wanted} pod(s) of ${plan.canaryImage}) did not become ready: ${up.failure}`;
          break;
        }
        pods = wanted;
      }
      const pauseMs = durationToSeconds(settings.pause) * 1000;
      log(`canary step ${step}/${plan.steps.length}: waiting ${settings.pause} before the analysis`);
      const waitStart = performance.now();
      await sleep(pauseMs, options.signal);
      if (options.signal?.aborted === true) {
        verdict = "interrupted";
        reason = `interrupted (Ctrl-C) during step ${step}'s pause`;
        break;
      }
      const analysisStart = performance.now();
      const analysis = await analyzeStep(
        options.prometheus,
        plan.observability,
        { step, steps: plan.steps.length, settings, canaryPods: pods, stablePods, maxExtraBurnRate: plan.maxExtraBurnRate },
        Math.round(pauseMs / 1000),
      );
      timings.analysis = (timings.analysis ?? 0) + Math.round(performance.now() - analysisStart);
      steps.push(analysis);
      options.onStep?.(analysis, Math.round(analysisStart - waitStart));
      log(`canary ${analysis.summary}`);
      if (analysis.verdict === "pass") continue;
      if (analysis.verdict === "inconclusive" && plan.inconclusive === "promote") {
        promotedInconclusive.push(step);
        log(`canary step ${step}: inconclusive, carried on (release.inconclusive: promote)`);
        continue;
      }
      verdict = "aborted";
      reason = analysis.summary;
      const measure = analysis.measures.find((m) => m.verdict === "fail") ?? analysis.measures.find((m) => m.verdict === "inconclusive");
      if (measure !== undefined) decisive = { step, measure };
      break;
    }
  } catch (error) {
    if (error instanceof ReleaseError) throw error;
    verdict = "aborted";
    reason = `the canary could not run: ${(error as Error).message}`;
  }

  // The canary goes away whatever happened, stack file first (an interrupt leaves it for the next deploy).
  await restoreStackFile();
  let removed = false;
  let removalFailure: string | undefined;
  if (verdict === "interrupted") {
    removalFailure = "not removed after the interrupt: the next deploy (or --rollback) removes it";
  } else if (!(await stateResources(stack)).some((r) => r.urn === plan.canaryUrn)) {
    // Never created (the release stopped before its first update applied it): nothing to remove.
    removed = true;
  } else {
    log(`removing the canary ${plan.namespace}/${canaryName}`);
    const down = await time("canary removal", () => targetedUp(stack, [plan.canaryUrn], `go-service canary ${options.releaseId}: ${verdict === "promoted" ? "promoted" : "aborted"}, canary removed`, options));
    removed = down.failure === undefined && !down.interrupted;
    if (!removed) removalFailure = down.interrupted ? "interrupted (Ctrl-C) while the canary was being removed" : `its removal failed: ${down.failure ?? ""}`;
  }
  return {
    verdict,
    stableImage: plan.stableImage,
    canaryImage: plan.canaryImage,
    canaryName,
    stablePods,
    steps,
    ...(reason === undefined ? {} : { reason }),
    ...(decisive === undefined ? {} : { decisive }),
    promotedInconclusive,
    removed,
    ...(removalFailure === undefined ? {} : { removalFailure }),
    timingsMs: timings,
  };
}

/** The client of the Prometheus a canary release is judged by: the command line's URL, else the stack's. */
export function canaryPrometheus(plan: CanaryPlan, override: string | undefined): PrometheusClient | undefined {
  const url = override ?? plan.prometheusUrl;
  return url === undefined ? undefined : prometheusClient(url);
}

/** Markdown lines that say what a canary release will do, for the preview (before its changes, which are the promotion's). */
export function canaryPreviewLines(plan: CanaryPlan, stablePods: number | undefined): string[] {
  const canaryName = canaryDeploymentName(plan.serviceName);
  const lines = [
    "#### Canary release",
    "",
    `\`release.strategy: canary\`: the image changes from \`${plan.stableImage}\` to \`${plan.canaryImage}\`, so this release goes out as a canary. ` +
      `The changes listed below are the **promotion**, applied only after every step passed; before it:`,
    "",
    "| Step | Deployment `" + canaryName + "` | Share of the pods | Judged after | At least |",
    "|---|---|---|---|---|",
  ];
  for (const [index, step] of plan.steps.entries()) {
    const pods = stablePods === undefined ? undefined : canaryPodsFor(stablePods, step.traffic);
    const share = pods === undefined || stablePods === undefined ? `${step.traffic} % asked` : `${step.traffic} % asked: ${pods} of ${pods + stablePods} pods, ${trafficShare(pods, stablePods).toFixed(1)} %`;
    lines.push(`| ${index + 1} | ${index === 0 ? "🟢 created" : "🟡 scaled"} (\`${plan.canaryImage}\`) | ${share} | ${step.pause} | ${step.minRequests} requests |`);
  }
  lines.push(
    `| promotion | 🔴 deleted | 100 %: Deployment \`${plan.serviceName}\` takes \`${plan.canaryImage}\` | | |`,
    "",
    `Each step is judged against the stack's SLOs (error ratio, P95 latency, slow requests; the stable track beside it). ` +
      `A failed step aborts: the canary is deleted and \`${plan.serviceName}\` keeps \`${plan.stableImage}\`. ` +
      `No data, fewer requests than the step's minimum, or a query error ${plan.inconclusive === "abort" ? "also aborts (fail closed)" : "carries on (`release.inconclusive: promote`)"}.`,
    "",
  );
  return lines;
}

/** How the release went out, for the deploy's result and report. */
export interface CanaryReport {
  /** The stack's `release.strategy`. */
  readonly strategy: "rolling" | "canary";
  /** Why a canary stack released without a canary (first deploy, same image). */
  readonly note?: string;
  /** The Prometheus the canary was judged by. */
  readonly prometheusUrl?: string;
  /** The canary's steps and end, when there was one. */
  readonly result?: CanaryResult;
}

/** What the deploy does after the canary stage: carry on to the promotion (`abort` undefined), or stop with this result. */
export interface CanaryStage {
  readonly report?: CanaryReport;
  readonly abort?: {
    readonly exitCode: number;
    readonly outcome: "aborted" | "failed" | "cancelled";
    readonly failure: string;
    readonly checks: readonly Check[];
  };
}

/** What {@link canaryStage} needs of the deploy. */
export interface CanaryStageOptions {
  readonly releaseId: string;
  readonly access: ClusterAccess;
  readonly timeoutSeconds: number;
  /** `--prometheus-url`, over the stack's `monitoring.prometheusUrl`. */
  readonly prometheusUrl?: string;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
  readonly onCliOutput?: (text: string) => void;
  readonly onStep?: CanaryOptions["onStep"];
}

/**
 * The deploy's canary stage, between its preview and its update: decides whether the release goes out
 * as a canary, runs it, and when it does not end promoted, says how the deploy ends: `aborted` (exit 5)
 * when the canary was removed and the stable track answers as before, `failed` (exit 2) when the canary
 * could not be removed or the stable track is not verified, `cancelled` on Ctrl-C.
 */
export async function canaryStage(stack: Stack, config: ConfigMap, options: CanaryStageOptions): Promise<CanaryStage> {
  const project = (await stack.workspace.projectSettings()).name;
  let resolved: ResolvedStack;
  try {
    resolved = resolveConfigMap(config, project, stack.name);
  } catch {
    // The preview already ran the program on this config: an invalid one never gets here.
    return {};
  }
  const strategy = resolved.config.release.strategy;
  const plan = await planCanary(stack, resolved);
  if ("reason" in plan) {
    if (strategy === "canary") options.log?.(`no canary: ${plan.reason}`);
    return { report: { strategy, ...(strategy === "canary" ? { note: plan.reason } : {}) } };
  }
  const prometheus = canaryPrometheus(plan, options.prometheusUrl);
  if (prometheus === undefined) {
    throw new ReleaseError(
      `the canary analysis needs the stack's Prometheus: set ${project}:monitoring.prometheusUrl, pass --prometheus-url <url>, or choose ${project}:release.strategy rolling; nothing was changed`,
      EXIT.usage,
    );
  }
  options.log?.(`canary release: ${plan.stableImage} -> ${plan.canaryImage}, ${plan.steps.length} step(s), judged by ${prometheus.url}`);
  const result = await runCanary(stack, {
    plan,
    releaseId: options.releaseId,
    prometheus,
    access: options.access,
    project,
    timeoutSeconds: options.timeoutSeconds,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.onCliOutput === undefined ? {} : { onCliOutput: options.onCliOutput }),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  });
  const report: CanaryReport = { strategy, prometheusUrl: prometheus.url, result };
  if (result.verdict === "promoted") return { report };
  const why = `canary ${result.verdict === "interrupted" ? "interrupted" : "aborted"}: ${result.reason ?? "(no reason)"}`;
  if (result.verdict === "interrupted") {
    return { report, abort: { exitCode: EXIT.cancelled, outcome: "cancelled", failure: `${why}\nthe canary Deployment ${plan.namespace}/${result.canaryName} ${result.removalFailure ?? "was removed"}`, checks: [] } };
  }
  if (!result.removed) {
    return { report, abort: { exitCode: EXIT.failed, outcome: "failed", failure: `${why}\nthe canary Deployment ${plan.namespace}/${result.canaryName} is still there: ${result.removalFailure ?? ""}`, checks: [] } };
  }
  // The stable track never changed: check that it still serves as it did.
  const stable = [{ namespace: plan.namespace, name: plan.serviceName }];
  const checks = [...(await checkRollouts(options.access, stable, Math.min(options.timeoutSeconds, 120))), ...(await checkServiceEndpoints(options.access, stable))];
  const broken = checks.filter((c) => c.status === "failed");
  if (broken.length > 0) {
    return { report, abort: { exitCode: EXIT.failed, outcome: "failed", failure: `${why}\nthe canary was removed, but the stable track is not verified: ${broken.map((c) => `${c.name}: ${c.detail}`).join("; ")}`, checks } };
  }
  return { report, abort: { exitCode: EXIT.aborted, outcome: "aborted", failure: `${why}\nthe canary was removed; the stable track (${plan.stableImage}) never changed`, checks } };
}
