/**
 * Drift detection: the live objects against the stack's state (what the last update left) and
 * program, changing neither. One refresh preview (`pulumi preview --refresh` through the Automation
 * API: the engine reads every resource of the state from the cluster, then diffs the program against
 * what it read, and writes nothing to the state) and, at the same time, one list through the
 * Kubernetes API of the stack's namespace's objects carrying the stack's labels (objects added by
 * hand, which no state knows).
 */
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { type ConfigMap, ConcurrentUpdateError, type EngineEvent, type Stack, type StepEventMetadata } from "@pulumi/pulumi/automation/index.js";
import { type DriftContext, type DriftedField, type DriftSegment, driftPath, type IgnoredDifference, jsonPointer, objectDrift, valueAtDriftPath } from "./drift-diff.js";
import { parsePropertyPath, readablePath } from "./property-path.js";
import { errorDiagnostics } from "./preview.js";
import { type ChangeCounts, countChanges, type ResourceChange, resourceChanges } from "./resource-changes.js";
import { containsSecret, isSecretProperty, isSecretValue, maskSecrets, SECRET_MARK } from "./secret-mask.js";
import { rephrase, ReleaseError } from "./stack-access.js";
import { type ClusterAccess, clusterAccess } from "./verify.js";

const execFileAsync = promisify(execFile);

/** An object whose live state differs from what the last update left. */
export interface DriftedObject {
  readonly type: string;
  /** `namespace/name` for Kubernetes objects, the logical name otherwise. */
  readonly name: string;
  readonly urn?: string;
  /** `modified`: fields differ; `deleted`: gone from the cluster; `unmanaged`: in the cluster with the stack's labels, in no state. */
  readonly state: "modified" | "deleted" | "unmanaged";
  readonly fields: readonly DriftedField[];
}

/** A JSON patch that puts back, on one live object, the drifted fields the program does not set (the update puts back the rest). */
export interface RepairPatch {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** The drifted fields it puts back. */
  readonly fields: readonly string[];
  readonly operations: readonly JsonPatchOperation[];
}

export interface JsonPatchOperation {
  readonly op: "test" | "remove" | "replace" | "add";
  readonly path: string;
  readonly value?: unknown;
}

export interface DriftOptions {
  /** How to reach the cluster for the list of objects added by hand (the stack's `go-service:kubernetes`). */
  readonly access?: ClusterAccess;
  /** Cancels the check (Ctrl-C). */
  readonly signal?: AbortSignal;
  readonly onOutput?: (text: string) => void;
}

/** What a drift check found. */
export interface DriftOutcome {
  /** False when the check could not compare (the refresh failed, the namespace could not be listed): `errors` says why. */
  readonly checked: boolean;
  /** The refresh read every resource of the state (the drift of the state's resources is known). */
  readonly refreshed: boolean;
  /** Resources of the state compared with the cluster. */
  readonly compared: number;
  readonly drifted: readonly DriftedObject[];
  /** Differences that are not drift, and why. */
  readonly ignored: readonly (IgnoredDifference & { readonly type: string; readonly object: string })[];
  /** What putting back the drift takes beyond the update: fields the program does not set. */
  readonly repairs: readonly RepairPatch[];
  /** The program's changes after the refresh (what an update would do: drift repairs and changes not yet deployed). */
  readonly changes: readonly ResourceChange[];
  readonly counts: ChangeCounts;
  /** Program changes to resources that did not drift: not yet deployed, not drift. */
  readonly pending: readonly ResourceChange[];
  /** The preview of the program failed after the refresh (a config error, say): the drift is still known. */
  readonly programErrors: readonly string[];
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly events: readonly EngineEvent[];
  readonly durationMs: number;
}

/** Kubernetes objects with an `ownerReferences` are made by controllers; these kinds too, without one. */
const CONTROLLER_MADE_KINDS = new Set(["Endpoints", "EndpointSlice", "Event", "PodMetrics"]);
const NOT_LISTED_GROUPS = /\.(metrics\.k8s\.io|events\.k8s\.io)$/;

interface ObjectState {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: { readonly scaleTargetRef?: { readonly kind?: string; readonly name?: string } };
}

/**
 * Checks the stack for drift. Never changes the state or the cluster. A held lock or an interruption is
 * thrown as a {@link ReleaseError}; a refresh that fails is an outcome with `checked: false`.
 */
export async function checkDrift(stack: Stack, options: DriftOptions = {}): Promise<DriftOutcome> {
  const started = performance.now();
  // A preview takes no lock in a self-managed backend: the check refuses to run beside an update, and
  // refuses a result an update may have changed under it, as a held lock.
  if (heldLocks(stack) > 0) throw lockedError(stack.name);
  const events: EngineEvent[] = [];
  let failure: Error | undefined;
  // The namespace's labelled objects are listed while the engine refreshes (most of the check's time),
  // from the first refresh step that names the namespace.
  let listing: Promise<LabelledObjects | Error> | undefined;
  const access = options.access;
  try {
    await stack.preview({
      refresh: true,
      onEvent: (event) => {
        events.push(event);
        const pre = event.resourcePreEvent?.metadata;
        const namespace = pre?.op === "refresh" ? (pre.old?.outputs as ObjectState | undefined)?.metadata?.namespace : undefined;
        if (listing === undefined && access !== undefined && typeof namespace === "string" && namespace !== "") {
          listing = listLabelledObjects(access, namespace).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
        }
      },
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onOutput === undefined ? {} : { onOutput: options.onOutput }),
    });
  } catch (error) {
    const phrased = rephrase(error, stack.name);
    if (phrased instanceof ReleaseError) throw phrased;
    if (options.signal?.aborted === true) throw new ReleaseError("drift check interrupted", 130);
    failure = phrased;
  }
  const result = driftFromEvents(events);
  const listed = await listing;
  if (heldLocks(stack) > 0) throw lockedError(stack.name);
  // A preview that failed before any step (the backend, the plugins) refreshed nothing either.
  const refreshed = result.refreshComplete && (failure === undefined || events.some((e) => e.resourcePreEvent !== undefined));
  const errors = [...result.refreshErrors];
  const programErrors = errorDiagnostics(events).filter((e) => !errors.includes(e));
  if (!refreshed) {
    if (errors.length === 0) errors.push(...(programErrors.length > 0 ? programErrors : [failure?.message ?? "the refresh did not complete"]));
  }
  let drifted = result.drifted;
  if (listed instanceof Error) {
    errors.push(`could not list the namespace's objects through the Kubernetes API: ${listed.message}`);
  } else if (listed !== undefined) {
    drifted = [...drifted, ...unmanagedObjects(listed, result)].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  }
  const changes = resourceChanges(events);
  const driftedUrns = new Set(drifted.map((d) => d.urn));
  return {
    checked: errors.length === 0,
    refreshed,
    compared: result.compared,
    drifted,
    ignored: result.ignored,
    repairs: result.repairs,
    changes,
    counts: countChanges(events, changes),
    pending: changes.filter((c) => !driftedUrns.has(c.urn)),
    programErrors: refreshed ? programErrors : [],
    errors,
    warnings: errorDiagnostics(events, "warning"),
    events,
    durationMs: Math.round(performance.now() - started),
  };
}

/** What the refresh events say, before the cluster's list of labelled objects is added. */
export interface EventDrift {
  readonly refreshComplete: boolean;
  readonly refreshErrors: readonly string[];
  readonly compared: number;
  readonly drifted: readonly DriftedObject[];
  readonly ignored: readonly (IgnoredDifference & { readonly type: string; readonly object: string })[];
  readonly repairs: readonly RepairPatch[];
  /** The namespaces of the state's Kubernetes objects, and the values of their `app.kubernetes.io/name` label. */
  readonly namespaces: readonly string[];
  readonly labelNames: readonly string[];
  /** `apiVersion kind namespace/name` of every Kubernetes object of the state. */
  readonly known: ReadonlySet<string>;
}

interface Refreshed {
  readonly metadata: StepEventMetadata;
  readonly deployed: ObjectState & Record<string, unknown>;
  readonly live: (ObjectState & Record<string, unknown>) | undefined;
  readonly inputs: unknown;
}

/** The drift the refresh steps of a refresh preview show (pure: the unit tests run it on captured events). */
export function driftFromEvents(events: readonly EngineEvent[]): EventDrift {
  const started = new Map<string, StepEventMetadata>();
  const done = new Map<string, Refreshed>();
  const failed = new Set<string>();
  // Diagnostics of a resource before its refresh ended are the refresh's; later ones are the program's.
  const refreshDiagnostics: EngineEvent[] = [];
  for (const event of events) {
    const pre = event.resourcePreEvent?.metadata;
    if (pre?.op === "refresh") started.set(pre.urn, pre);
    const out = event.resOutputsEvent?.metadata;
    if (out?.op === "refresh") {
      const live = out.new?.outputs;
      done.set(out.urn, {
        metadata: out,
        deployed: (out.old?.outputs ?? {}) as Refreshed["deployed"],
        live: live === undefined || Object.keys(live).length === 0 ? undefined : (live as Refreshed["live"]),
        inputs: out.old?.inputs,
      });
    }
    const bad = event.resOpFailedEvent?.metadata;
    if (bad?.op === "refresh") failed.add(bad.urn);
    const urn = event.diagnosticEvent?.urn;
    if (urn !== undefined && started.has(urn) && !done.has(urn) && !started.get(urn)?.type.startsWith("pulumi:pulumi:")) refreshDiagnostics.push(event);
  }
  const refreshErrors = errorDiagnostics(refreshDiagnostics);
  const resources = [...done.values()].filter((r) => isComparable(r.metadata));
  // A new stack has nothing to refresh: complete with no step at all.
  const refreshComplete = failed.size === 0 && refreshErrors.length === 0 && [...started.keys()].every((urn) => done.has(urn));

  const k8s = resources.filter((r) => r.metadata.type.startsWith("kubernetes:") && r.deployed.kind !== undefined);
  const autoscaled = new Set(
    k8s
      .filter((r) => r.deployed.kind === "HorizontalPodAutoscaler" && r.deployed.spec?.scaleTargetRef?.kind === "Deployment")
      .map((r) => `${r.deployed.metadata?.namespace ?? ""}/${r.deployed.spec?.scaleTargetRef?.name ?? ""}`),
  );
  const byObject = (r: Refreshed, context: DriftContext) => objectDrift(r.metadata.type, nameOf(r), r.deployed, r.live, context);
  // ConfigMaps first: whether one drifted decides how a Deployment's checksum/config is read.
  const noConfigMapDrift: DriftContext = { autoscaled, driftedConfigMaps: new Set() };
  const driftedConfigMaps = new Set(k8s.filter((r) => r.deployed.kind === "ConfigMap" && (r.live === undefined || withEngineDiff(r, byObject(r, noConfigMapDrift).fields).length > 0)).map(nameOf));
  const context: DriftContext = { autoscaled, driftedConfigMaps };

  const drifted: DriftedObject[] = [];
  const ignored: (IgnoredDifference & { type: string; object: string })[] = [];
  const repairs: RepairPatch[] = [];
  for (const r of resources) {
    const base = { type: r.metadata.type, name: nameOf(r), urn: r.metadata.urn };
    if (r.live === undefined) {
      drifted.push({ ...base, state: "deleted", fields: [] });
      continue;
    }
    const isKubernetes = r.metadata.type.startsWith("kubernetes:");
    const found = isKubernetes ? byObject(r, context) : { fields: [], ignored: [] };
    for (const i of found.ignored) ignored.push({ ...i, type: base.type, object: base.name });
    const fields = withEngineDiff(r, found.fields);
    if (fields.length === 0) continue;
    drifted.push({ ...base, state: "modified", fields });
    if (isKubernetes) {
      const patch = repairPatch(r, fields);
      if (patch !== undefined) repairs.push(patch);
    }
  }
  const namespaces = [...new Set(k8s.map((r) => r.deployed.metadata?.namespace).filter((n): n is string => typeof n === "string" && n !== ""))].sort();
  const labelNames = [...new Set(k8s.map((r) => r.deployed.metadata?.labels?.["app.kubernetes.io/name"]).filter((n): n is string => typeof n === "string" && n !== ""))].sort();
  const known = new Set(k8s.map((r) => objectKey(r.deployed.apiVersion ?? "", r.deployed.kind ?? "", r.deployed.metadata?.namespace, r.deployed.metadata?.name ?? "")));
  drifted.sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
  return { refreshComplete, refreshErrors, compared: resources.length, drifted, ignored, repairs, namespaces, labelNames, known };
}

/** Resources with state of their own: not the stack, not components, not providers. */
function isComparable(metadata: StepEventMetadata): boolean {
  return metadata.old?.custom === true && !metadata.type.startsWith("pulumi:");
}

function nameOf(r: Pick<Refreshed, "deployed" | "metadata">): string {
  const name = r.deployed.metadata?.name;
  if (typeof name === "string" && name !== "") {
    const namespace = r.deployed.metadata?.namespace;
    return typeof namespace === "string" && namespace !== "" ? `${namespace}/${name}` : name;
  }
  return r.metadata.urn.slice(r.metadata.urn.lastIndexOf("::") + 2);
}

function objectKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
  return `${group} ${kind} ${namespace ?? ""}/${name}`;
}

/**
 * The fields found, plus those the engine's own refresh diff names that were not (it compares with the
 * real values: a Secret's data changed by hand shows only there), values masked.
 */
function withEngineDiff(r: Refreshed, fields: readonly DriftedField[]): DriftedField[] {
  const out = [...fields];
  const seen = new Set(fields.map((f) => f.path));
  for (const [path, diff] of Object.entries(r.metadata.detailedDiff ?? {})) {
    let segments: (string | number)[];
    try {
      segments = parsePropertyPath(path);
    } catch {
      segments = [path];
    }
    const label = readablePath(segments, maskSecrets(r.deployed), maskSecrets(r.live));
    if (seen.has(label) || [...seen].some((p) => label.startsWith(`${p}.`) || label.startsWith(`${p}[`))) continue;
    const kind = diff.diffKind.startsWith("add") ? "added" : diff.diffKind.startsWith("delete") ? "removed" : "changed";
    const secret = isSecretProperty(r.metadata.type, segments);
    const at = (root: unknown): unknown => {
      let current: unknown = root;
      for (const s of segments) {
        if (isSecretValue(current)) return SECRET_MARK;
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Record<string | number, unknown>)[s];
      }
      return secret && current !== undefined ? SECRET_MARK : maskSecrets(current);
    };
    out.push({ path: label, segments, kind, deployed: kind === "added" ? undefined : at(r.deployed), live: kind === "removed" ? undefined : at(r.live), owners: [] });
    seen.add(label);
  }
  return out;
}

/**
 * The JSON patch that puts back the drifted fields the program does not set (an env var or a label
 * added by hand: a server-side apply leaves fields of other managers alone, so the update would not
 * remove them). Fields the program sets are put back by the update itself. Secret values are never
 * patched (the update puts a Secret back).
 */
function repairPatch(r: Refreshed, fields: readonly DriftedField[]): RepairPatch | undefined {
  const replaces: JsonPatchOperation[] = [];
  const removes: { pointer: string; ops: JsonPatchOperation[] }[] = [];
  const repaired: string[] = [];
  for (const field of fields) {
    if (inProgram(r.inputs, field.segments) || field.segments.length === 0) continue;
    const live = valueAtDriftPath(r.live, field.segments);
    const deployed = valueAtDriftPath(r.deployed, field.segments);
    if (containsSecret(live) || containsSecret(deployed)) continue;
    if (field.kind === "added" || field.kind === "changed") {
      const pointer = jsonPointer(r.live, field.segments);
      if (pointer === undefined) continue;
      const test: JsonPatchOperation = { op: "test", path: pointer, value: live };
      if (field.kind === "added") removes.push({ pointer, ops: [test, { op: "remove", path: pointer }] });
      else replaces.push(test, { op: "replace", path: pointer, value: deployed });
      repaired.push(field.path);
    } else {
      const last = field.segments[field.segments.length - 1];
      const parent = jsonPointer(r.live, field.segments.slice(0, -1));
      if (typeof last !== "string" || parent === undefined) continue;
      replaces.push({ op: "add", path: `${parent === "/" ? "" : parent}/${last.replace(/~/g, "~0").replace(/\//g, "~1")}`, value: deployed });
      repaired.push(field.path);
    }
  }
  if (repaired.length === 0) return undefined;
  // Removals last, deepest and highest index first: each one leaves the pointers of the next valid.
  removes.sort((a, b) => comparePointers(b.pointer, a.pointer));
  return {
    apiVersion: r.deployed.apiVersion ?? "",
    kind: r.deployed.kind ?? "",
    ...(r.deployed.metadata?.namespace === undefined ? {} : { namespace: r.deployed.metadata.namespace }),
    name: r.deployed.metadata?.name ?? "",
    fields: repaired,
    operations: [...replaces, ...removes.flatMap((r) => r.ops)],
  };
}

function comparePointers(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  for (let i = 0; i < Math.min(pa.length, pb.length); i += 1) {
    const x = pa[i] as string;
    const y = pb[i] as string;
    if (x === y) continue;
    return /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
  }
  return pa.length - pb.length;
}

/** True when the program (the inputs of the last update) sets the field, or a whole value containing it. */
function inProgram(inputs: unknown, segments: readonly DriftSegment[]): boolean {
  let current: unknown = inputs;
  for (const s of segments) {
    if (current === null || typeof current !== "object") return current !== undefined;
    current = valueAtDriftPath(current, [s]);
    if (current === undefined) return false;
  }
  return true;
}

/** Objects of the namespace with the stack's labels, as the API lists them. */
export interface LabelledObjects {
  readonly items: readonly { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; ownerReferences?: unknown[] } }[];
}

async function kubectl(access: ClusterAccess, args: readonly string[]): Promise<string> {
  const global = [...(access.kubeconfig === undefined ? [] : ["--kubeconfig", access.kubeconfig]), ...(access.context === undefined ? [] : ["--context", access.context])];
  try {
    const { stdout } = await execFileAsync("kubectl", [...global, ...args], { env: { ...process.env, ...access.env }, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; message?: string };
    throw new Error((e.stderr ?? "").trim() || (e.message ?? String(error)));
  }
}

/**
 * Every listable namespaced kind (`kubectl api-resources`), then one list of them all: the objects with
 * an `app.kubernetes.io/name` label (which of them carry the stack's is decided once the state is known).
 */
async function listLabelledObjects(access: ClusterAccess, namespace: string): Promise<LabelledObjects> {
  const kinds = (await kubectl(access, ["api-resources", "--verbs=list", "--namespaced", "-o", "name"]))
    .split("\n")
    .map((k) => k.trim())
    .filter((k) => k !== "" && !NOT_LISTED_GROUPS.test(k) && !["events", "endpoints", "endpointslices.discovery.k8s.io"].includes(k));
  if (kinds.length === 0) return { items: [] };
  return JSON.parse(await kubectl(access, ["get", kinds.join(","), "-n", namespace, "-l", "app.kubernetes.io/name", "-o", "json", "--ignore-not-found"])) as LabelledObjects;
}

/** The listed objects with the stack's labels that no state knows: added by hand (or by another tool). */
export function unmanagedObjects(listed: LabelledObjects, state: Pick<EventDrift, "known" | "labelNames" | "namespaces">): DriftedObject[] {
  return listed.items
    .filter((o) => (o.metadata.ownerReferences?.length ?? 0) === 0 && !CONTROLLER_MADE_KINDS.has(o.kind))
    .filter((o) => state.namespaces.includes(o.metadata.namespace ?? "") && state.labelNames.includes(o.metadata.labels?.["app.kubernetes.io/name"] ?? ""))
    .filter((o) => !state.known.has(objectKey(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name)))
    .map((o) => ({ type: typeToken(o.apiVersion, o.kind), name: `${o.metadata.namespace ?? ""}/${o.metadata.name}`, state: "unmanaged" as const, fields: [] }))
    .sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name));
}

/**
 * Locks other operations hold on the stack in a `file://` backend (`.pulumi/locks/<org>/<project>/<stack>/`),
 * where the engine takes none for a preview. Other backends: 0 (Pulumi Cloud refuses the preview itself).
 */
export function heldLocks(stack: Pick<Stack, "name" | "workspace">): number {
  const url = stack.workspace.envVars.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL ?? "";
  if (!url.startsWith("file://")) return 0;
  const root = url.slice("file://".length).replace(/^~(?=$|\/)/, homedir()).replace(/\?.*$/, "");
  const locks = path.join(root, ".pulumi", "locks");
  const entries = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  const stackName = stack.name.split("/").pop() ?? stack.name;
  const dirs = [path.join(locks, stackName), ...entries(locks).flatMap((org) => entries(path.join(locks, org)).map((project) => path.join(locks, org, project, stackName)))];
  return dirs.reduce((count, dir) => count + entries(dir).filter((file) => file.endsWith(".json")).length, 0);
}

/** The error a held lock gives every command, in the words of {@link rephrase}. */
function lockedError(stackName: string): Error {
  return rephrase(Object.create(ConcurrentUpdateError.prototype) as Error, stackName);
}

/** The config key holding the stack's cluster access. */
export const KUBERNETES_CONFIG_KEY = "go-service:kubernetes";

/** The stack's cluster access from its config (`go-service:kubernetes`: kubeconfig and context), relative paths against `workDir`. */
export function clusterAccessOf(config: ConfigMap, workDir: string, env: Readonly<Record<string, string | undefined>>): ClusterAccess {
  const entry = config[KUBERNETES_CONFIG_KEY] as { value: string; objectValue?: unknown } | undefined;
  let settings: unknown;
  if (entry !== undefined) {
    try {
      settings = entry.objectValue ?? (JSON.parse(entry.value) as unknown);
    } catch {
      settings = undefined;
    }
  }
  return clusterAccess(settings, workDir, env);
}

/** `kubernetes:apps/v1:Deployment` from `apps/v1` and `Deployment` (`core/v1` for the core group). */
export function typeToken(apiVersion: string, kind: string): string {
  return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${kind}`;
}

/** `3 objects drifted: 1 modified, 1 deleted, 1 added by hand`, or `no drift`. */
export function driftSummary(outcome: Pick<DriftOutcome, "drifted" | "compared">): string {
  const count = (state: DriftedObject["state"]) => outcome.drifted.filter((d) => d.state === state).length;
  if (outcome.drifted.length === 0) return `no drift (${outcome.compared} resources compared with the cluster)`;
  return `${outcome.drifted.length} drifted: ${count("modified")} modified, ${count("deleted")} deleted, ${count("unmanaged")} added by hand (${outcome.compared} resources compared with the cluster)`;
}

/** `spec.template.spec.containers[app].image` of a field, for one-line lists. */
export function fieldList(object: DriftedObject): string {
  return object.fields.map((f) => f.path).join(", ");
}

export { driftPath };
