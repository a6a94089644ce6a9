import { boundedSections } from "./bounded-sections.js";
import type { ChangeCounts, PropertyChange, ResourceChange } from "./resource-changes.js";
import { riskyChanges } from "./risky-changes.js";
import { SECRET_MARK, scrubDeep, scrubFunction, type SecretSource, UNKNOWN_VALUE } from "./secret-mask.js";

/** GitHub rejects comments over 65,536 characters; the margin leaves room for the workflow's own lines. */
export const GITHUB_COMMENT_LIMIT = 65_536;
export const DEFAULT_REPORT_LIMIT = 60_000;

/** Everything a preview report shows. */
export interface PreviewReportInput {
  /** The stack name (`staging`). */
  readonly stack: string;
  readonly counts: ChangeCounts;
  readonly changes: readonly ResourceChange[];
  /** Error diagnostics of the operation (a failed preview explains itself here). */
  readonly errors?: readonly string[];
  /** Warning diagnostics of the program and the providers. */
  readonly warnings?: readonly string[];
  /** Lines shown under the summary (program revision, plan file...). */
  readonly notes?: readonly string[];
  /**
   * Markdown shown before the changes: what the release does besides them (a canary release's steps,
   * which come before the changes listed, its promotion).
   */
  readonly sections?: readonly string[];
  /**
   * Secret values to scrub from the text whatever happens (the stack's secret config values): from
   * every value before it is cut or escaped, and from the final text.
   */
  readonly secretValues?: SecretSource;
}

export interface RenderOptions {
  /** Maximum length of the Markdown, in UTF-16 code units as GitHub counts them. @default 60_000 */
  readonly maxChars?: number;
  /** Where the full report is, named in the truncation note. @default "the full report artifact" */
  readonly fullReportName?: string;
}

export interface RenderedReport {
  readonly markdown: string;
  /** Changed resources left out to stay under the limit. */
  readonly omitted: number;
}

/** The hidden marker CI uses to find and update this stack's comment instead of adding one. */
export function commentMarker(stack: string): string {
  return `<!-- preview:${stack} -->`;
}

/** `0 to create, 1 to update, 0 to replace, 0 to delete (14 unchanged)`. */
export function summaryText(counts: ChangeCounts): string {
  return `${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ${counts.delete} to delete (${counts.same} unchanged)`;
}

const OP_ICON: Readonly<Record<ResourceChange["op"], string>> = { create: "🟢", update: "🟡", replace: "🟠", delete: "🔴" };
const SEVERITY_ICON = { blocked: "🛑", "data-loss": "🚨", downtime: "⚠️" } as const;

/**
 * The preview as Markdown: the one-line summary first, then the risky changes called out, errors,
 * and the changed resources grouped by kind with their property-level diff. When the whole does not
 * fit in `maxChars`, resources are condensed, then left out, with a note pointing to the full report.
 */
export function renderPreviewMarkdown(input: PreviewReportInput, options: RenderOptions = {}): RenderedReport {
  const maxChars = options.maxChars ?? DEFAULT_REPORT_LIMIT;
  const scrub = scrubFunction(input.secretValues ?? []);
  // Scrubbed first, before any value is cut to length or escaped (a cut through a secret, or a pipe
  // escaped inside one, would leave text no later scrub recognizes); the sections again at the end.
  input = { ...input, ...scrubDeep({ changes: input.changes, errors: input.errors, warnings: input.warnings, notes: input.notes, sections: input.sections }, scrub) };

  const head: string[] = [];
  const failed = (input.errors?.length ?? 0) > 0;
  head.push(`**Preview of \`${input.stack}\`${failed ? " failed" : ""}**: ${summaryText(input.counts)}`, "");
  for (const note of input.notes ?? []) head.push(`${note}  `);
  if ((input.notes?.length ?? 0) > 0) head.push("");
  if (!failed) head.push(...(input.sections ?? []));

  const risky = riskyChanges(input.changes);
  if (risky.length > 0) {
    head.push("> [!CAUTION]", "> **Read before merging: this change deletes or replaces resources.**", ">");
    for (const r of risky) head.push(`> ${SEVERITY_ICON[r.severity]} \`${r.change.type}\` \`${r.change.name}\` ${r.reason}.`);
    head.push("");
  }
  if (failed) {
    head.push("#### Errors", "", "```text", ...(input.errors ?? []).map((e) => e.replace(/```/g, "'''").trimEnd()), "```", "");
  }
  const warnings = input.warnings ?? [];
  if (warnings.length > 0) {
    head.push("#### Warnings", "");
    for (const w of warnings.slice(0, MAX_WARNINGS)) head.push(`- ${oneLine(w)}`);
    if (warnings.length > MAX_WARNINGS) head.push(`- … and ${warnings.length - MAX_WARNINGS} more`);
    head.push("");
  }
  if (input.changes.length === 0 && !failed) head.push("No changes.", "");

  const tail = ["", commentMarker(input.stack), ""];
  const headText = scrub(`${head.join("\n")}\n`);
  const tailText = tail.join("\n");
  const { body, omitted } = boundedSections(input.changes, maxChars - headText.length - tailText.length, {
    heading: (type) => `#### ${kindOf(type)} (\`${type}\`)\n\n`,
    render: renderResource,
    note: (count) => truncationNote(count, options.fullReportName),
    scrub,
  });
  return { markdown: headText + body + tailText, omitted };
}

const MAX_WARNINGS = 20;

function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, " ").trim();
  return line.length > MAX_VALUE_CHARS ? `${line.slice(0, MAX_VALUE_CHARS)}…` : line;
}

function truncationNote(count: number, fullReportName = "the full report artifact"): string {
  return `\n> [!NOTE]\n> ${count} more changed resource(s) are not shown: the comment has a size limit. See ${fullReportName}.\n`;
}

/** `Deployment` from `kubernetes:apps/v1:Deployment`. */
export function kindOf(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

function renderResource(change: ResourceChange, condensed: boolean): string {
  const lines: string[] = [];
  const flags = [change.protect ? "🔒 protected" : "", change.retainOnDelete ? "retainOnDelete" : ""].filter((f) => f !== "");
  lines.push(`${OP_ICON[change.op]} **${change.op}** \`${change.name}\`${flags.length > 0 ? ` (${flags.join(", ")})` : ""}`);
  if (change.op === "replace" && change.replaceKeys.length > 0) {
    lines.push("", `Replaced because ${change.replaceKeys.map((k) => `\`${k}\``).join(", ")} changed.`);
  }
  const rows = change.op === "create" || change.op === "delete" ? change.highlights : change.properties;
  if (condensed && rows.length > 0) {
    lines.push("", `_${rows.length} property change(s), shown in the full report._`);
  } else if (rows.length > 0) {
    if (change.op === "create" || change.op === "delete") {
      lines.push("", "| Property | Value |", "|---|---|");
      for (const row of rows) lines.push(`| ${cell(row.label)} | ${value(row.after)} |`);
    } else {
      lines.push("", "| Property | Before | After |", "|---|---|---|");
      for (const row of rows) lines.push(propertyRow(row));
    }
  }
  return `${lines.join("\n")}\n\n`;
}

function propertyRow(row: PropertyChange): string {
  const label = `${cell(row.label)}${row.replaces ? " ⚠️ _forces replacement_" : ""}`;
  const text = textDiff(row.before, row.after) ?? longStringDiff(row.before, row.after);
  if (text !== undefined) return `| ${label} | ${text.before} | ${text.after} |`;
  const before = row.kind === "add" ? "_(absent)_" : value(row.before);
  const after = row.kind === "delete" ? "_(removed)_" : value(row.after);
  return `| ${label} | ${before} | ${after} |`;
}

/** Two long one-line strings, both cut to the same window around their first difference. */
function longStringDiff(before: unknown, after: unknown): { before: string; after: string } | undefined {
  if (typeof before !== "string" || typeof after !== "string" || Math.max(before.length, after.length) <= MAX_VALUE_CHARS) return undefined;
  if (before === SECRET_MARK || after === SECRET_MARK) return undefined;
  let first = 0;
  while (first < before.length && before[first] === after[first]) first += 1;
  const start = Math.max(0, first - 80);
  const cut = (text: string): string => {
    const window = text.slice(start, start + MAX_VALUE_CHARS);
    return code(`${start > 0 ? "…" : ""}${window}${start + MAX_VALUE_CHARS < text.length ? "…" : ""}`);
  };
  return { before: cut(before), after: cut(after) };
}

/**
 * Two multi-line texts (a script, a dashboard's JSON in a ConfigMap) shown by their first differing
 * line, with how many lines differ, instead of two truncated blobs that look the same.
 */
export function textDiff(before: unknown, after: unknown): { before: string; after: string } | undefined {
  if (typeof before !== "string" || typeof after !== "string" || (!before.includes("\n") && !after.includes("\n"))) return undefined;
  if (before === SECRET_MARK || after === SECRET_MARK) return undefined;
  const a = before.split("\n");
  const b = after.split("\n");
  let first = 0;
  while (first < a.length && first < b.length && a[first] === b[first]) first += 1;
  let changed = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) if (a[i] !== b[i]) changed += 1;
  const more = changed > 1 ? ` _(${changed} lines differ, ${a.length} → ${b.length} lines)_` : "";
  const line = (lines: string[]): string => (first < lines.length ? `line ${first + 1}: ${value((lines[first] as string).trim())}` : "_(no such line)_");
  return { before: line(a), after: `${line(b)}${more}` };
}

const MAX_VALUE_CHARS = 300;

/** A value as a table cell: code for data, words for what is not data (absent, secret, unknown). */
export function value(v: unknown): string {
  if (v === undefined) return "_(absent)_";
  if (v === SECRET_MARK) return "`[secret]`";
  if (v === UNKNOWN_VALUE) return "_(known after update)_";
  let text = typeof v === "string" ? v : JSON.stringify(v, (_key, inner: unknown) => (inner === UNKNOWN_VALUE ? "(known after update)" : inner));
  if (text.length > MAX_VALUE_CHARS) text = `${text.slice(0, MAX_VALUE_CHARS)}…`;
  return code(text);
}

/** Text in a table cell: pipes escaped, line breaks kept visible. */
function cell(text: string): string {
  return code(text);
}

function code(text: string): string {
  const escaped = text.replace(/\|/g, "\\|").replace(/\r?\n/g, "⏎");
  const fence = escaped.includes("`") ? "``" : "`";
  const pad = fence === "``" ? " " : "";
  return `${fence}${pad}${escaped}${pad}${fence}`;
}
