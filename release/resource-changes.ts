import type { EngineEvent, StepEventMetadata, StepEventStateMetadata } from "@pulumi/pulumi/automation/index.js";
import { type PathSegment, parsePropertyPath, readablePath } from "./property-path.js";
import { isSecretProperty, isSecretValue, maskSecrets, SECRET_MARK } from "./secret-mask.js";

/** What happens to a resource, as a reviewer reads it (the engine's replacement steps collapse into one). */
export type ChangeOp = "create" | "update" | "replace" | "delete";

/** One property that differs between the current state and the program. */
export interface PropertyChange {
  /** The engine's path (`spec.template.spec.containers[0].image`). */
  readonly path: string;
  /** The same path with list items named (`spec.template.spec.containers[app].image`). */
  readonly label: string;
  readonly kind: "add" | "update" | "delete";
  /** True when this property forces a replacement. */
  readonly replaces: boolean;
  /** Old and new values, secrets already replaced by `[secret]`; undefined when absent. */
  readonly before: unknown;
  readonly after: unknown;
}

/** One changed resource of a preview or update. */
export interface ResourceChange {
  readonly urn: string;
  /** The type token (`kubernetes:apps/v1:Deployment`). */
  readonly type: string;
  /** `namespace/name` for Kubernetes objects, the logical name otherwise. */
  readonly name: string;
  readonly op: ChangeOp;
  /** `protect` is set on the current or the new resource. */
  readonly protect: boolean;
  /** The resource is only removed from the state on delete, not from the cloud. */
  readonly retainOnDelete: boolean;
  /** The properties whose change forces the replacement (replace only). */
  readonly replaceKeys: readonly string[];
  /** Property-level diff (update and replace). */
  readonly properties: readonly PropertyChange[];
  /** What a reviewer wants to see of a created or deleted resource (images, replicas), by label. */
  readonly highlights: readonly PropertyChange[];
}

const OP_OF_STEP: Readonly<Record<string, ChangeOp | undefined>> = {
  create: "create",
  import: "create",
  update: "update",
  replace: "replace",
  "create-replacement": "replace",
  "delete-replaced": "replace",
  delete: "delete",
};

/** Priority when several steps concern one resource (a replacement emits three). */
const OP_RANK: Readonly<Record<ChangeOp, number>> = { create: 0, update: 1, delete: 2, replace: 3 };

/**
 * The changed resources of an operation, from its engine events: one entry per resource, providers
 * included, the stack itself and component resources (which have no state of their own) left out.
 * Ordered by type, then name, so the same preview always renders the same report.
 */
export function resourceChanges(events: readonly EngineEvent[]): ResourceChange[] {
  const byUrn = new Map<string, ResourceChange>();
  for (const event of events) {
    const metadata = event.resourcePreEvent?.metadata;
    if (metadata === undefined) continue;
    const op = OP_OF_STEP[metadata.op];
    if (op === undefined || !isReviewable(metadata)) continue;
    const change = toChange(metadata, op);
    const previous = byUrn.get(change.urn);
    if (previous === undefined || OP_RANK[op] > OP_RANK[previous.op]) {
      byUrn.set(change.urn, mergeReplacement(previous, change));
    } else if (previous.op === "replace" && previous.properties.length === 0 && change.properties.length > 0) {
      byUrn.set(change.urn, { ...previous, properties: change.properties, replaceKeys: unique([...previous.replaceKeys, ...change.replaceKeys]) });
    }
  }
  return [...byUrn.values()].sort((a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.urn.localeCompare(b.urn));
}

/** Counts per operation, plus resources the operation leaves as they are. */
export interface ChangeCounts {
  readonly create: number;
  readonly update: number;
  readonly replace: number;
  readonly delete: number;
  readonly same: number;
}

export function countChanges(events: readonly EngineEvent[], changes: readonly ResourceChange[]): ChangeCounts {
  const counts = { create: 0, update: 0, replace: 0, delete: 0 };
  for (const change of changes) counts[change.op] += 1;
  let same = 0;
  for (const event of events) {
    const metadata = event.resourcePreEvent?.metadata;
    if (metadata !== undefined && metadata.op === "same" && isReviewable(metadata)) same += 1;
  }
  return { ...counts, same };
}

function isReviewable(metadata: StepEventMetadata): boolean {
  if (metadata.type === "pulumi:pulumi:Stack") return false;
  const state = metadata.new ?? metadata.old;
  // Components (custom unset) change nothing by themselves; providers and resources are custom.
  return state?.custom === true || metadata.type.startsWith("pulumi:providers:");
}

function mergeReplacement(previous: ResourceChange | undefined, next: ResourceChange): ResourceChange {
  if (previous === undefined || next.op !== "replace") return next;
  return {
    ...next,
    properties: next.properties.length > 0 ? next.properties : previous.properties,
    replaceKeys: unique([...previous.replaceKeys, ...next.replaceKeys]),
  };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function toChange(metadata: StepEventMetadata, op: ChangeOp): ResourceChange {
  const { old: before, new: after } = metadata;
  const properties = op === "update" || op === "replace" ? propertyChanges(metadata) : [];
  return {
    urn: metadata.urn,
    type: metadata.type,
    name: displayName(metadata),
    op,
    protect: before?.protect === true || after?.protect === true,
    retainOnDelete: before?.retainOnDelete === true || after?.retainOnDelete === true,
    replaceKeys: op === "replace" ? unique(metadata.keys ?? properties.filter((p) => p.replaces).map((p) => p.path)) : [],
    properties,
    highlights: op === "create" ? highlights(metadata.type, after) : op === "delete" ? highlights(metadata.type, before) : [],
  };
}

/** The name a person knows the resource by: the Kubernetes object's, else the Pulumi logical name. */
function displayName(metadata: StepEventMetadata): string {
  for (const state of [metadata.new, metadata.old]) {
    const meta = objectAt(state?.inputs, ["metadata"]) ?? objectAt(state?.outputs, ["metadata"]);
    const name = meta?.name;
    if (typeof name === "string" && name !== "") {
      const namespace = meta?.namespace;
      return typeof namespace === "string" && namespace !== "" ? `${namespace}/${name}` : name;
    }
  }
  return metadata.urn.slice(metadata.urn.lastIndexOf("::") + 2);
}

function objectAt(root: unknown, segments: readonly PathSegment[]): Record<string, unknown> | undefined {
  const value = lookup(root, segments).value;
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

interface Lookup {
  readonly value: unknown;
  /** The value, or one of the objects on the way to it, is a secret. */
  readonly secret: boolean;
}

function lookup(root: unknown, segments: readonly PathSegment[]): Lookup {
  let current: unknown = root;
  for (const segment of segments) {
    if (isSecretValue(current)) return { value: SECRET_MARK, secret: true };
    if (current === null || typeof current !== "object") return { value: undefined, secret: false };
    current = (current as Record<string | number, unknown>)[segment];
  }
  return isSecretValue(current) ? { value: SECRET_MARK, secret: true } : { value: current, secret: false };
}

const DIFF_KIND: Readonly<Record<string, { kind: PropertyChange["kind"]; replaces: boolean }>> = {
  add: { kind: "add", replaces: false },
  "add-replace": { kind: "add", replaces: true },
  update: { kind: "update", replaces: false },
  "update-replace": { kind: "update", replaces: true },
  delete: { kind: "delete", replaces: false },
  "delete-replace": { kind: "delete", replaces: true },
};

function propertyChanges(metadata: StepEventMetadata): PropertyChange[] {
  const detailed = metadata.detailedDiff ?? {};
  const entries: [string, { diffKind: string; inputDiff: boolean }][] = Object.entries(detailed);
  if (entries.length === 0) {
    // A provider without detailed diff only names the top-level keys that changed.
    const replaceKeys = new Set(metadata.keys ?? []);
    for (const key of metadata.diffs ?? []) entries.push([key, { diffKind: replaceKeys.has(key) ? "update-replace" : "update", inputDiff: true }]);
  }
  const changes = entries.map(([path, diff]) => propertyChange(metadata, path, diff));
  return changes.sort((a, b) => a.label.localeCompare(b.label) || a.path.localeCompare(b.path));
}

function propertyChange(metadata: StepEventMetadata, path: string, diff: { diffKind: string; inputDiff: boolean }): PropertyChange {
  let segments: PathSegment[];
  try {
    segments = parsePropertyPath(path);
  } catch {
    segments = [path];
  }
  const { kind, replaces } = DIFF_KIND[diff.diffKind] ?? { kind: "update" as const, replaces: false };
  const oldState = metadata.old;
  const primary = diff.inputDiff ? oldState?.inputs : oldState?.outputs;
  const fallback = diff.inputDiff ? oldState?.outputs : oldState?.inputs;
  let before = lookup(primary, segments);
  if (before.value === undefined && !before.secret) before = lookup(fallback, segments);
  const after = lookup(metadata.new?.inputs, segments);
  const secret = before.secret || after.secret || isSecretProperty(metadata.type, segments);
  const shown = (l: Lookup, present: boolean): unknown => (!present ? undefined : secret && l.value !== undefined ? SECRET_MARK : maskSecrets(l.value));
  return {
    path,
    label: readablePath(segments, maskSecrets(metadata.new?.inputs), maskSecrets(oldState?.inputs ?? oldState?.outputs)),
    kind,
    replaces,
    before: shown(before, kind !== "add"),
    after: shown(after, kind !== "delete"),
  };
}

/** Paths worth showing when a whole object appears or disappears, by type. */
const HIGHLIGHTS: Readonly<Record<string, readonly string[]>> = {
  "kubernetes:apps/v1:Deployment": ["spec.replicas"],
  "kubernetes:apps/v1:StatefulSet": ["spec.replicas"],
  "kubernetes:batch/v1:CronJob": ["spec.schedule"],
};

/** The container lists of the pod templates a workload kind carries. */
const CONTAINER_LISTS: readonly (readonly string[])[] = [
  ["spec", "template", "spec", "containers"],
  ["spec", "template", "spec", "initContainers"],
  ["spec", "jobTemplate", "spec", "template", "spec", "containers"],
];

function highlights(type: string, state: StepEventStateMetadata | undefined): PropertyChange[] {
  if (state === undefined) return [];
  const inputs = state.inputs ?? state.outputs;
  const out: PropertyChange[] = [];
  for (const path of HIGHLIGHTS[type] ?? []) {
    const value = lookup(inputs, parsePropertyPath(path));
    if (value.value !== undefined) out.push({ path, label: path, kind: "update", replaces: false, before: undefined, after: maskSecrets(value.value) });
  }
  if (type.startsWith("kubernetes:")) {
    for (const list of CONTAINER_LISTS) {
      const containers = lookup(inputs, list).value;
      if (!Array.isArray(containers)) continue;
      containers.forEach((container: unknown, index) => {
        const image = lookup(container, ["image"]);
        if (image.value === undefined) return;
        const segments = [...list, index, "image"];
        out.push({
          path: segments.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("").slice(1),
          label: readablePath(segments, maskSecrets(inputs), undefined),
          kind: "update",
          replaces: false,
          before: undefined,
          after: image.secret ? SECRET_MARK : image.value,
        });
      });
    }
  }
  return out;
}
