// Engine events of drift checks as unit-test fixtures (test/release/fixtures/drift-*.events.json):
// what the drift diff reads (the refresh steps' deployed and live objects, managedFields included,
// the program's steps, the diagnostics), with what is machine- or run-specific replaced and long
// texts (scripts, dashboards) replaced by a hash of themselves, so equal texts stay equal.
import { createHash } from "node:crypto";

type Json = Record<string, unknown>;

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function shrink(value: unknown): unknown {
  if (typeof value === "string") return value.length > 600 ? `sha256:${createHash("sha256").update(value).digest("hex").slice(0, 16)} (${value.length} chars)` : value;
  if (Array.isArray(value)) return value.map(shrink);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value as Json).filter(([key]) => key !== "__inputs").map(([key, v]) => [key, shrink(v)]));
  }
  return value;
}

const state = (s: Json | undefined | null, keep: readonly string[]): Json | undefined =>
  s === undefined || s === null ? undefined : Object.fromEntries(Object.entries(s).filter(([key]) => ["type", "urn", "custom", ...keep].includes(key)).map(([key, v]) => [key, shrink(v)]));

/** The events a drift check reads, trimmed and scrubbed, as the text of a fixture file. */
export function driftFixture(events: readonly object[], replace: { readonly namespace: string; readonly stack: string; readonly dirs: readonly string[] }): string {
  const kept: Json[] = [];
  for (const raw of events as Json[]) {
    const diagnostic = raw.diagnosticEvent as { severity?: string } | undefined;
    if (diagnostic !== undefined && (diagnostic.severity === "error" || diagnostic.severity === "warning")) kept.push({ diagnosticEvent: diagnostic });
    for (const kind of ["resourcePreEvent", "resOutputsEvent", "resOpFailedEvent"] as const) {
      const event = raw[kind] as { metadata?: Json } | undefined;
      const m = event?.metadata;
      if (m === undefined || m.op === "same") continue;
      const refresh = m.op === "refresh";
      const full = refresh && kind !== "resourcePreEvent";
      kept.push({
        [kind]: {
          ...event,
          metadata: {
            op: m.op,
            urn: m.urn,
            type: m.type,
            ...(m.detailedDiff === undefined ? {} : { detailedDiff: m.detailedDiff }),
            ...(m.diffs === undefined ? {} : { diffs: m.diffs }),
            ...(m.keys === undefined ? {} : { keys: m.keys }),
            old: state(m.old as Json | undefined, full ? ["inputs", "outputs"] : refresh ? ["outputs"] : ["inputs"]),
            new: state(m.new as Json | undefined, full ? ["outputs"] : refresh ? [] : ["inputs"]),
          },
        },
      });
    }
  }
  let text = JSON.stringify(kept, null, 1);
  for (const dir of replace.dirs) text = text.split(dir).join("/tmp/drift-e2e");
  text = text
    .split(replace.namespace).join("myapp-local")
    .split(`::${replace.stack}::`).join("::drift-e2e::")
    .replace(/"(creationTimestamp|time|lastTransitionTime|lastUpdateTime|lastScheduleTime)": "[^"]*"/g, '"$1": "2026-01-01T00:00:00Z"')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (uuid) => (uuid === UNKNOWN ? uuid : "00000000-0000-0000-0000-000000000000"))
    .replace(/"clusterIP(s?)": (\[?)"[\d.]+"/g, '"clusterIP$1": $2"10.96.0.10"')
    .replace(/"(ip|podIP|hostIP)": "[\d.]+"/g, '"$1": "10.244.0.1"');
  return `${text}\n`;
}
