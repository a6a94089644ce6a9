/**
 * Drift of one Kubernetes object: its live state (read by a refresh) against its state as the last
 * update left it (the stack's state), field by field, with what controllers own and is not drift
 * filtered out:
 *
 * - `status`, and the API server's bookkeeping (`metadata.resourceVersion`, `generation`,
 *   `managedFields`, `uid`, `creationTimestamp`), the Pulumi provider's own keys (`__inputs`…), and
 *   annotations controllers write (`deployment.kubernetes.io/revision`, kubectl's
 *   `last-applied-configuration`);
 * - the replicas of a Deployment an HPA of the stack scales;
 * - the pod template's `checksum/config` when the ConfigMaps it covers did not drift;
 * - fields the API server defaults (owned by no field manager) and fields only controllers own
 *   (`kube-controller-manager`, the kubelet, the scheduler, anything written through the `status`
 *   subresource), read from the live object's `metadata.managedFields`.
 *
 * Everything else counts, whoever changed it (`kubectl`, a dashboard, another tool).
 */
import { isSecretValue, SECRET_MARK, maskSecrets } from "./secret-mask.js";

/** One step of a drift path: an object key, a list index, or a list item named by one of its keys. */
export type DriftSegment = string | number | { readonly key: string; readonly value: string };

/** One field that differs between the deployed and the live object. */
export interface DriftedField {
  /** The path, list items named where they have a name (`spec.template.spec.containers[app].image`). */
  readonly path: string;
  readonly segments: readonly DriftSegment[];
  /** `added`: live has it, the last deploy did not set it; `removed`: the reverse. */
  readonly kind: "changed" | "added" | "removed";
  /** As deployed and as live, secrets as `[secret]`; undefined when absent. */
  readonly deployed: unknown;
  readonly live: unknown;
  /** The field managers that own it live (or owned it when deployed, for a removed field). */
  readonly owners: readonly string[];
}

/** A difference that is not drift, and why (for tests and debugging). */
export interface IgnoredDifference {
  readonly path: string;
  readonly reason: string;
}

/** What the filter needs to know about the rest of the stack. */
export interface DriftContext {
  /** Names of the Deployments an HPA of the stack scales (`namespace/name`). */
  readonly autoscaled: ReadonlySet<string>;
  /** ConfigMaps of the stack that drifted (`namespace/name`). */
  readonly driftedConfigMaps: ReadonlySet<string>;
}

export interface ObjectDrift {
  readonly fields: readonly DriftedField[];
  readonly ignored: readonly IgnoredDifference[];
}

/** Field managers of controllers: what they own is theirs, not drift. */
const CONTROLLER_MANAGERS = [/^kube-controller-manager$/, /^kube-scheduler$/, /^kubelet$/, /^kube-apiserver$/, /^cloud-controller-manager$/];

/** Metadata the API server keeps for itself. */
const BOOKKEEPING = new Set(["resourceVersion", "generation", "managedFields", "uid", "creationTimestamp", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"]);

/** Annotations controllers (or kubectl's client-side apply) write; the changes they record are found elsewhere. */
const CONTROLLER_ANNOTATIONS = new Set([
  "deployment.kubernetes.io/revision",
  "deployment.kubernetes.io/desired-replicas",
  "deployment.kubernetes.io/max-replicas",
  "kubectl.kubernetes.io/last-applied-configuration",
  "endpoints.kubernetes.io/last-change-trigger-time",
]);

/** Keys that name a list item, in the order they are tried. */
const ITEM_NAME_KEYS = ["name", "alert", "record"] as const;

interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly subresource?: string;
  readonly fieldsV1?: Record<string, unknown>;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** `[app]`, `[3]`, `.key` or `["odd/key"]`, joined into a path. */
export function driftPath(segments: readonly DriftSegment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (typeof s === "string") out += /^[A-Za-z_$][\w$-]*$/.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`;
    else out += `[${s.value}]`;
  }
  return out.startsWith(".") ? out.slice(1) : out;
}

/** The key naming every item of both lists, when each has a distinct one. */
function itemKey(a: readonly unknown[], b: readonly unknown[]): string | undefined {
  for (const key of ITEM_NAME_KEYS) {
    const names = (list: readonly unknown[]): string[] | undefined => {
      const out: string[] = [];
      for (const item of list) {
        const name = isObject(item) ? item[key] : undefined;
        if (typeof name !== "string" || name === "") return undefined;
        out.push(name);
      }
      return new Set(out).size === out.length ? out : undefined;
    };
    if (names(a) !== undefined && names(b) !== undefined && (a.length > 0 || b.length > 0)) return key;
  }
  return undefined;
}

interface RawDifference {
  readonly segments: DriftSegment[];
  readonly kind: DriftedField["kind"];
  readonly deployed: unknown;
  readonly live: unknown;
}

/** Every leaf-most difference between two JSON values: lists of named items aligned by name. */
export function structuralDiff(deployed: unknown, live: unknown, at: DriftSegment[] = []): RawDifference[] {
  if (isSecretValue(deployed) || isSecretValue(live)) {
    // Secret payloads never reach the events: two secrets cannot be compared here (the engine's own
    // refresh diff covers them); a value that became or stopped being secret is a change.
    return isSecretValue(deployed) && isSecretValue(live) ? [] : [{ segments: at, kind: "changed", deployed, live }];
  }
  if (deployed === undefined && live === undefined) return [];
  if (deployed === undefined) return [{ segments: at, kind: "added", deployed, live }];
  if (live === undefined) return [{ segments: at, kind: "removed", deployed, live }];
  if (isObject(deployed) && isObject(live)) {
    const keys = [...new Set([...Object.keys(deployed), ...Object.keys(live)])].sort();
    return keys.flatMap((key) => structuralDiff(deployed[key], live[key], [...at, key]));
  }
  if (Array.isArray(deployed) && Array.isArray(live)) {
    const key = itemKey(deployed, live);
    if (key !== undefined) {
      const byName = (list: readonly unknown[]): Map<string, unknown> => new Map(list.map((item) => [(item as Json)[key] as string, item]));
      const d = byName(deployed);
      const l = byName(live);
      const names = [...new Set([...d.keys(), ...l.keys()])];
      return names.flatMap((name) => structuralDiff(d.get(name), l.get(name), [...at, { key, value: name }]));
    }
    const out: RawDifference[] = [];
    for (let i = 0; i < Math.max(deployed.length, live.length); i += 1) out.push(...structuralDiff(deployed[i], live[i], [...at, i]));
    return out;
  }
  return JSON.stringify(deployed) === JSON.stringify(live) ? [] : [{ segments: at, kind: "changed", deployed, live }];
}

/** The value at a drift path, list items found by name. */
export function valueAtDriftPath(root: unknown, segments: readonly DriftSegment[]): unknown {
  let current: unknown = root;
  for (const s of segments) {
    if (typeof s === "object") {
      current = Array.isArray(current) ? current.find((item) => isObject(item) && item[s.key] === s.value) : undefined;
    } else if (typeof s === "number") {
      current = Array.isArray(current) ? current[s] : undefined;
    } else {
      current = isObject(current) ? current[s] : undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

/** The index of each list step of a drift path in `root` (for a JSON patch), or undefined when a step is missing. */
export function jsonPointer(root: unknown, segments: readonly DriftSegment[]): string | undefined {
  let current: unknown = root;
  const parts: string[] = [];
  for (const s of segments) {
    if (typeof s === "object") {
      if (!Array.isArray(current)) return undefined;
      const index = current.findIndex((item) => isObject(item) && item[s.key] === s.value);
      if (index < 0) return undefined;
      parts.push(String(index));
      current = current[index];
    } else if (typeof s === "number") {
      if (!Array.isArray(current) || s >= current.length) return undefined;
      parts.push(String(s));
      current = current[s];
    } else {
      if (!isObject(current) || !(s in current)) return undefined;
      parts.push(s.replace(/~/g, "~0").replace(/\//g, "~1"));
      current = current[s];
    }
  }
  return `/${parts.join("/")}`;
}

/** True when `fields` (a managedFields `fieldsV1` tree) covers the path in `root`. */
function owns(fields: unknown, root: unknown, segments: readonly DriftSegment[]): boolean {
  let node: unknown = fields;
  let current: unknown = root;
  for (const s of segments) {
    if (!isObject(node)) return false;
    if (Object.keys(node).length === 0) return true; // a leaf owns everything below it (an atomic value)
    let next: unknown;
    if (typeof s === "string") {
      next = node[`f:${s}`];
      current = isObject(current) ? current[s] : undefined;
    } else {
      const item = typeof s === "number" ? (Array.isArray(current) ? current[s] : undefined) : valueAtDriftPath(current, [s]);
      next = matchingItem(node, item, typeof s === "number" ? s : undefined);
      current = item;
    }
    if (next === undefined) return false;
    node = next;
  }
  return isObject(node);
}

/** The `k:{…}` (keyed), `v:…` (set) or `i:N` (indexed) entry of a list's fieldsV1 node for one item. */
function matchingItem(node: Json, item: unknown, index: number | undefined): unknown {
  for (const [entry, child] of Object.entries(node)) {
    if (entry.startsWith("k:") && isObject(item)) {
      try {
        const keys = JSON.parse(entry.slice(2)) as Json;
        if (Object.entries(keys).every(([k, v]) => JSON.stringify(item[k]) === JSON.stringify(v))) return child;
      } catch {
        continue;
      }
    } else if (entry.startsWith("v:")) {
      if (entry.slice(2) === JSON.stringify(item)) return child;
    } else if (entry === `i:${index ?? -1}`) {
      return child;
    }
  }
  return undefined;
}

/** The field managers of `object` that own the path (`kubectl-set`, `kube-controller-manager/scale`…). */
export function ownersOf(object: unknown, segments: readonly DriftSegment[]): string[] {
  const entries = (isObject(object) && isObject(object.metadata) && Array.isArray(object.metadata.managedFields) ? object.metadata.managedFields : []) as ManagedFieldsEntry[];
  const out: string[] = [];
  for (const entry of entries) {
    if (owns(entry.fieldsV1, object, segments)) out.push(`${entry.manager ?? "?"}${entry.subresource ? `/${entry.subresource}` : ""}`);
  }
  return [...new Set(out)];
}

function isControllerManager(owner: string): boolean {
  const [manager = "", subresource] = owner.split("/");
  return subresource === "status" || CONTROLLER_MANAGERS.some((pattern) => pattern.test(manager));
}

/** Why a difference is not drift, or undefined when it is. */
function ignoredBecause(type: string, name: string, d: RawDifference, owners: readonly string[], context: DriftContext): string | undefined {
  const [first, second, third] = d.segments;
  if (typeof first === "string" && first.startsWith("__")) return "the provider's own bookkeeping";
  if (first === "status") return "status (written by controllers)";
  if (first === "metadata" && typeof second === "string" && BOOKKEEPING.has(second)) return "API server bookkeeping";
  if (first === "metadata" && second === "annotations" && typeof third === "string" && CONTROLLER_ANNOTATIONS.has(third)) return "an annotation controllers write";
  if (type === "kubernetes:apps/v1:Deployment" && first === "spec" && second === "replicas" && d.segments.length === 2 && context.autoscaled.has(name)) {
    return "replicas of an autoscaled Deployment (the HPA owns them)";
  }
  if (driftPath(d.segments) === 'spec.template.metadata.annotations["checksum/config"]' && context.driftedConfigMaps.size === 0) {
    return "the checksum of an unchanged ConfigMap";
  }
  if (owners.length > 0 && owners.every(isControllerManager)) return `owned by a controller (${owners.join(", ")})`;
  if (owners.length === 0 && d.kind !== "removed") return "defaulted by the API server (no field manager owns it)";
  return undefined;
}

/**
 * The drift of one object: `deployed` is its outputs in the stack's state, `live` what a refresh read.
 * `type` is the Pulumi type token, `name` its `namespace/name`.
 */
export function objectDrift(type: string, name: string, deployed: unknown, live: unknown, context: DriftContext): ObjectDrift {
  const fields: DriftedField[] = [];
  const ignored: IgnoredDifference[] = [];
  for (const d of structuralDiff(deployed, live)) {
    const owners = d.kind === "removed" ? ownersOf(deployed, d.segments) : ownersOf(live, d.segments);
    const path = driftPath(d.segments);
    const reason = ignoredBecause(type, name, d, owners, context);
    if (reason !== undefined) {
      ignored.push({ path, reason });
      continue;
    }
    const secret = type === "kubernetes:core/v1:Secret" && (d.segments[0] === "data" || d.segments[0] === "stringData");
    fields.push({
      path,
      segments: d.segments,
      kind: d.kind,
      deployed: secret && d.deployed !== undefined ? SECRET_MARK : maskSecrets(d.deployed),
      live: secret && d.live !== undefined ? SECRET_MARK : maskSecrets(d.live),
      owners,
    });
  }
  return { fields, ignored };
}
