/**
 * Property paths as the Pulumi engine writes them in `detailedDiff` keys
 * (`spec.template.spec.containers[0].image`, `metadata.annotations["pulumi.com/timeoutSeconds"]`),
 * and a readable form for Kubernetes manifests where list items are named, not numbered
 * (`spec.template.spec.containers[app].env[LOG_LEVEL].value`).
 */

/** One step of a property path: an object key or a list index. */
export type PathSegment = string | number;

/** Parses an engine property path. Throws on a malformed path, naming it. */
export function parsePropertyPath(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`malformed property path ${JSON.stringify(path)} at ${i}: ${why}`);
  };
  while (i < path.length) {
    const ch = path[i];
    if (ch === ".") {
      if (segments.length === 0) fail("leading '.'");
      i += 1;
      continue;
    }
    if (ch === "[") {
      const close = path[i + 1] === '"' ? closingQuote(path, i + 2) : path.indexOf("]", i);
      if (close < 0) fail("unterminated '['");
      if (path[i + 1] === '"') {
        segments.push(JSON.parse(path.slice(i + 1, close + 1)) as string);
        if (path[close + 1] !== "]") fail("expected ']' after a quoted key");
        i = close + 2;
      } else {
        const inner = path.slice(i + 1, close);
        if (inner === "*") segments.push("*");
        else if (/^\d+$/.test(inner)) segments.push(Number(inner));
        else fail(`bad index ${JSON.stringify(inner)}`);
        i = close + 1;
      }
      continue;
    }
    let end = i;
    while (end < path.length && path[end] !== "." && path[end] !== "[") end += 1;
    segments.push(path.slice(i, end));
    i = end;
  }
  return segments;
}

function closingQuote(path: string, from: number): number {
  for (let j = from; j < path.length; j += 1) {
    if (path[j] === "\\") j += 1;
    else if (path[j] === '"') return j;
  }
  return -1;
}

/** The value at `segments` in `root`, or undefined when any step is missing. */
export function valueAt(root: unknown, segments: readonly PathSegment[]): unknown {
  let current: unknown = root;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** A plain key can be written after a dot; anything else is quoted in brackets. */
function formatKey(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * The path with every list index replaced by the item's `name` when the item has one (containers,
 * env, ports, volumes...), looked up in `after` first and `before` otherwise; plain indices remain.
 */
export function readablePath(segments: readonly PathSegment[], before: unknown, after: unknown): string {
  let out = "";
  for (let k = 0; k < segments.length; k += 1) {
    const segment = segments[k] as PathSegment;
    if (typeof segment === "number") {
      const prefix = segments.slice(0, k + 1);
      const name = itemName(valueAt(after, prefix)) ?? itemName(valueAt(before, prefix));
      out += name === undefined ? `[${segment}]` : `[${name}]`;
    } else {
      out += formatKey(segment);
    }
  }
  return out.startsWith(".") ? out.slice(1) : out;
}

/** Keys that name a list item: Kubernetes' `name`, Prometheus rules' `alert` and `record`. */
const NAME_KEYS = ["name", "alert", "record"] as const;

function itemName(item: unknown): string | undefined {
  if (item === null || typeof item !== "object") return undefined;
  for (const key of NAME_KEYS) {
    const name = (item as Record<string, unknown>)[key];
    if (typeof name === "string" && name !== "") return name;
  }
  return undefined;
}
