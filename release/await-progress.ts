/**
 * Progress while an update waits for its objects to become ready: which objects the engine is
 * creating or updating (its step events), and where each stands (polled through the Kubernetes API),
 * as plain lines for CI logs, at most one per waiting object every few seconds:
 *
 *   waiting for Deployment myapp: 1/3 updated, 1/3 ready, 95 s left
 *
 * It also keeps how long each object took, for the report's timings, and says, for an update that
 * failed, which objects never became ready and what they were waiting for.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { EngineEvent } from "@pulumi/pulumi/automation/index.js";
import { describeWait } from "../infra/kubernetes/readiness.js";
import type { ClusterAccess } from "./verify.js";

const execFileAsync = promisify(execFile);

/** How long one object waited, for the report. */
export interface ObjectWait {
  /** `Deployment myapp`. */
  readonly object: string;
  readonly namespace?: string;
  /** What it waited for, in words. */
  readonly waitedFor: string;
  readonly seconds: number;
  readonly outcome: "ready" | "failed" | "unfinished";
  /** Where it stood when last polled (`3/3 updated, 3/3 ready`). */
  readonly last?: string;
}

export interface AwaitProgressOptions {
  /** Where to poll the objects; without it the lines say only what is awaited. */
  readonly access?: ClusterAccess;
  /** The stack's `kubernetes.rolloutTimeout`: how long the provider waits for one object, in seconds. */
  readonly objectTimeoutSeconds: number;
  /** When the whole update is cancelled (the deploy's deadline), epoch milliseconds. */
  readonly deadline: number;
  readonly log: (line: string) => void;
  /** At most one line per waiting object this often. @default 5000 */
  readonly intervalMs?: number;
  /** Objects ready sooner than this are not reported while waiting. @default 2000 */
  readonly quietMs?: number;
  readonly now?: () => number;
  /** Reads the objects (tests replace the Kubernetes API). @default kubectl get -o json */
  readonly read?: (access: ClusterAccess, namespace: string, refs: readonly string[]) => Promise<unknown[]>;
}

interface InFlight {
  readonly urn: string;
  readonly kind: string;
  readonly group: string;
  readonly name: string;
  readonly namespace?: string;
  readonly waitedFor: string;
  readonly startedAt: number;
  last?: string;
}

const WAITING_STEPS = new Set(["create", "update", "replace", "create-replacement"]);

/** Tracks the objects an update is waiting for; {@link AwaitProgress.onEvent} gets every engine event. */
export class AwaitProgress {
  readonly #options: AwaitProgressOptions;
  readonly #inflight = new Map<string, InFlight>();
  readonly #waits: ObjectWait[] = [];
  readonly #failed: InFlight[] = [];
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(options: AwaitProgressOptions) {
    this.#options = options;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  onEvent(event: EngineEvent): void {
    const pre = event.resourcePreEvent?.metadata;
    if (pre !== undefined && WAITING_STEPS.has(pre.op) && pre.type.startsWith("kubernetes:") && !pre.type.startsWith("pulumi:providers:")) {
      const inputs = (pre.new?.inputs ?? {}) as { metadata?: { name?: string; namespace?: string; annotations?: Record<string, unknown> } };
      const [, version = "", kind = ""] = pre.type.split(":");
      this.#inflight.set(pre.urn, {
        urn: pre.urn,
        kind,
        group: version.includes("/") && !version.startsWith("core/") ? version.slice(0, version.lastIndexOf("/")) : "",
        name: inputs.metadata?.name ?? pre.urn.slice(pre.urn.lastIndexOf("/") + 1),
        ...(inputs.metadata?.namespace === undefined ? {} : { namespace: inputs.metadata.namespace }),
        waitedFor: describeWait(pre.type, inputs.metadata?.annotations),
        startedAt: this.#now(),
      });
      return;
    }
    const out = event.resOutputsEvent?.metadata;
    if (out !== undefined && WAITING_STEPS.has(out.op)) this.#finish(out.urn, "ready");
    const failed = event.resOpFailedEvent?.metadata;
    if (failed !== undefined && WAITING_STEPS.has(failed.op)) this.#finish(failed.urn, "failed");
  }

  #finish(urn: string, outcome: ObjectWait["outcome"]): void {
    const item = this.#inflight.get(urn);
    if (item === undefined) return;
    this.#inflight.delete(urn);
    this.#waits.push(waitOf(item, outcome, this.#now()));
    if (outcome === "failed") this.#failed.push(item);
  }

  /** Starts the periodic lines. */
  start(): void {
    this.#timer ??= setInterval(() => void this.tick(), this.#options.intervalMs ?? 5_000);
    this.#timer.unref?.();
  }

  /** Stops the lines; objects still in flight are kept as unfinished. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const item of this.#inflight.values()) this.#waits.push(waitOf(item, "unfinished", this.#now()));
    this.#inflight.clear();
  }

  /** One round: polls the waiting objects and prints one line for each. */
  async tick(): Promise<void> {
    if (this.#polling) return;
    const now = this.#now();
    const waiting = [...this.#inflight.values()].filter((item) => now - item.startedAt >= (this.#options.quietMs ?? 2_000));
    if (waiting.length === 0) return;
    this.#polling = true;
    try {
      await this.#poll(waiting);
    } finally {
      this.#polling = false;
    }
    const at = this.#now();
    for (const item of waiting) {
      if (!this.#inflight.has(item.urn)) continue;
      const left = Math.max(0, Math.round((Math.min(item.startedAt + this.#options.objectTimeoutSeconds * 1000, this.#options.deadline) - at) / 1000));
      this.#options.log(`waiting for ${item.kind} ${item.name}: ${item.last ?? `for ${item.waitedFor}`}, ${left} s left`);
    }
  }

  async #poll(items: readonly InFlight[]): Promise<void> {
    const access = this.#options.access;
    if (access === undefined) return;
    const read = this.#options.read ?? readObjects;
    const byNamespace = new Map<string, InFlight[]>();
    for (const item of items) byNamespace.set(item.namespace ?? "", [...(byNamespace.get(item.namespace ?? "") ?? []), item]);
    for (const [namespace, group] of byNamespace) {
      const refs = group.map((item) => `${item.kind.toLowerCase()}${item.group === "" ? "" : `.${item.group}`}/${item.name}`);
      const services = group.filter((item) => item.kind === "Service").map((item) => item.name);
      if (services.length > 0) refs.push(`endpointslices.discovery.k8s.io`);
      let objects: unknown[];
      try {
        objects = await read(access, namespace, refs);
      } catch {
        continue; // a poll that fails says nothing new; the engine's wait goes on
      }
      for (const item of group) {
        const object = objects.find((o) => isObject(o) && o.kind === item.kind && (o.metadata as { name?: string } | undefined)?.name === item.name);
        const detail = progressOf(item.kind, object, objects);
        if (detail !== undefined) item.last = detail;
      }
    }
  }

  /** How long each object waited, in the order they finished (those still waiting last). */
  waits(): ObjectWait[] {
    const now = this.#now();
    return [...this.#waits, ...[...this.#inflight.values()].map((item) => waitOf(item, "unfinished", now))];
  }

  /**
   * For a failed update: the objects that never became ready, each with what it waited for and where
   * it stood (`PrometheusRule myapp-rules never became ready in 20 s: waited for … (last seen: …)`).
   */
  notReady(): string[] {
    const now = this.#now();
    const items = [...this.#failed, ...this.#inflight.values()];
    return items.map((item) => {
      const seconds = Math.round((now - item.startedAt) / 1000);
      const where = item.namespace === undefined ? "" : ` (namespace ${item.namespace})`;
      return `${item.kind} ${item.name}${where} did not become ready (${seconds} s): it waited for ${item.waitedFor}${item.last === undefined ? "" : `; last seen: ${item.last}`}`;
    });
  }
}

function waitOf(item: InFlight, outcome: ObjectWait["outcome"], now: number): ObjectWait {
  return {
    object: `${item.kind} ${item.name}`,
    ...(item.namespace === undefined ? {} : { namespace: item.namespace }),
    waitedFor: item.waitedFor,
    seconds: Math.round((now - item.startedAt) / 100) / 10,
    outcome,
    ...(item.last === undefined ? {} : { last: item.last }),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
}

function conditionsText(status: unknown): string | undefined {
  const conditions = isObject(status) && Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  if (conditions.length === 0) return undefined;
  return conditions.map((c) => `${c.type ?? "?"}=${c.status ?? "?"}${c.status !== "True" && c.reason ? ` (${c.reason})` : ""}`).join(", ");
}

/** Where an object stands, in a few words, from its live state (`1/3 updated, 1/3 ready`). */
export function progressOf(kind: string, object: unknown, all: readonly unknown[] = []): string | undefined {
  if (!isObject(object)) return "not in the cluster yet";
  const spec = isObject(object.spec) ? object.spec : {};
  const status = isObject(object.status) ? object.status : {};
  const metadata = isObject(object.metadata) ? object.metadata : {};
  switch (kind) {
    case "Deployment": {
      const desired = typeof spec.replicas === "number" ? spec.replicas : 1;
      const stale = typeof status.observedGeneration === "number" && typeof metadata.generation === "number" && status.observedGeneration < metadata.generation;
      const n = (key: string): number => (typeof status[key] === "number" ? (status[key] as number) : 0);
      return `${stale ? "rollout not observed yet, " : ""}${n("updatedReplicas")}/${desired} updated, ${n("readyReplicas")}/${desired} ready${n("availableReplicas") < desired ? `, ${n("availableReplicas")}/${desired} available` : ""}`;
    }
    case "Service": {
      const name = metadata.name;
      const endpoints = all
        .filter((o) => isObject(o) && o.kind === "EndpointSlice" && (o.metadata as { labels?: Record<string, string> } | undefined)?.labels?.["kubernetes.io/service-name"] === name)
        .flatMap((o) => ((o as { endpoints?: { conditions?: { ready?: boolean } }[] }).endpoints ?? []));
      const ready = endpoints.filter((e) => e.conditions?.ready !== false).length;
      return `${ready} of ${endpoints.length} endpoint(s) ready`;
    }
    case "Ingress": {
      const ingress = isObject(status.loadBalancer) && Array.isArray(status.loadBalancer.ingress) ? (status.loadBalancer.ingress as { ip?: string; hostname?: string }[]) : [];
      return ingress.length === 0 ? "no address yet" : `address ${ingress.map((i) => i.ip ?? i.hostname ?? "?").join(", ")}`;
    }
    case "Namespace":
      return `phase ${typeof status.phase === "string" ? status.phase : "unknown"}`;
    case "HorizontalPodAutoscaler": {
      const replicas = typeof status.currentReplicas === "number" ? `${status.currentReplicas} replica(s), ${String(status.desiredReplicas ?? "?")} desired, ` : "";
      return `${replicas}${conditionsText(status) ?? "no conditions yet"}`;
    }
    case "PodDisruptionBudget":
      return typeof status.observedGeneration === "number" ? `observed generation ${status.observedGeneration} of ${String(metadata.generation ?? "?")}` : "not observed yet";
    default: {
      const bindings = Array.isArray(status.bindings) ? status.bindings.length : undefined;
      const conditions = conditionsText(status);
      if (conditions !== undefined) return conditions;
      if (bindings !== undefined) return `${bindings} binding(s), none accepted`;
      return Object.keys(status).length === 0 ? "no status yet" : "no conditions yet";
    }
  }
}

/** `kubectl get <refs> -n <namespace> -o json`, its items. */
async function readObjects(access: ClusterAccess, namespace: string, refs: readonly string[]): Promise<unknown[]> {
  const global = [...(access.kubeconfig === undefined ? [] : ["--kubeconfig", access.kubeconfig]), ...(access.context === undefined ? [] : ["--context", access.context])];
  const names = refs.filter((r) => r.includes("/"));
  const lists = refs.filter((r) => !r.includes("/"));
  const run = async (args: string[]): Promise<unknown[]> => {
    const { stdout } = await execFileAsync("kubectl", [...global, ...args, ...(namespace === "" ? [] : ["-n", namespace]), "-o", "json", "--ignore-not-found"], {
      env: { ...process.env, ...access.env },
      timeout: 15_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    if (stdout.trim() === "") return [];
    const parsed = JSON.parse(stdout) as { kind?: string; items?: unknown[] };
    return parsed.items ?? [parsed];
  };
  const results = await Promise.all([...(names.length === 0 ? [] : [run(["get", ...names])]), ...lists.map((list) => run(["get", list]))]);
  return results.flat();
}
