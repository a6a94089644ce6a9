/** Small PromQL text helpers: every selector and number in rules and dashboards goes through here. */

/** A label matcher: `"value"` means `=`, `{ re: "..." }` means `=~`, `{ not: "..." }` means `!=`. */
export type Matcher = string | { readonly re: string } | { readonly not: string };

/** Label name → matcher. Rendered in key order, so build them in a fixed order. */
export type Matchers = Readonly<Record<string, Matcher>>;

/** Escapes a label value for a double-quoted PromQL string. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function renderMatcher(label: string, matcher: Matcher): string {
  if (typeof matcher === "string") return `${label}=${quote(matcher)}`;
  if ("re" in matcher) return `${label}=~${quote(matcher.re)}`;
  return `${label}!=${quote(matcher.not)}`;
}

/** `metric{a="b", c=~"d"}`; a metric without matchers renders without braces. */
export function selector(metric: string, ...matcherSets: Matchers[]): string {
  const merged: Record<string, Matcher> = {};
  for (const set of matcherSets) Object.assign(merged, set);
  const parts = Object.entries(merged).map(([label, matcher]) => renderMatcher(label, matcher));
  return parts.length === 0 ? metric : `${metric}{${parts.join(", ")}}`;
}

/**
 * A number as PromQL and YAML should show it: no binary floating-point noise
 * (1 - 0.999 → "0.001", not "0.0010000000000000009").
 */
export function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} in PromQL: use a finite number`);
  return String(Number(value.toPrecision(12)));
}

/**
 * Matcher for a classic histogram bucket boundary. Prometheus 3 normalises `le="1"` to `le="1.0"`
 * on ingestion while Prometheus 2 keeps the client's text, so whole numbers match both spellings.
 */
export function leMatcher(boundary: number): Matcher {
  const text = num(boundary);
  return Number.isInteger(boundary) ? { re: `${text}|${text}\\.0` } : text;
}

/** `by (a, b)` clause. */
export function by(labels: readonly string[]): string {
  return `by (${labels.join(", ")})`;
}
