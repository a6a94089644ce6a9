import { boundedSections } from "./bounded-sections.js";
import type { DriftedField } from "./drift-diff.js";
import { type DriftedObject, type DriftOutcome, driftSummary } from "./drift.js";
import { DEFAULT_REPORT_LIMIT, kindOf, type RenderedReport, type RenderOptions, textDiff, value } from "./markdown-report.js";
import { scrubDeep, scrubFunction, type SecretSource } from "./secret-mask.js";

/** The hidden marker the drift workflow uses to find this environment's issue. */
export function driftMarker(stack: string): string {
  return `<!-- drift:${stack} -->`;
}

export interface DriftReportInput {
  readonly stack: string;
  readonly outcome: Pick<DriftOutcome, "checked" | "compared" | "drifted" | "pending" | "programErrors" | "errors" | "warnings">;
  /** Lines under the summary (program revision, time). */
  readonly notes?: readonly string[];
  /** Secret values scrubbed from every value before it is cut or escaped, and from the text. */
  readonly secretValues?: SecretSource;
}

const STATE_ICON: Readonly<Record<DriftedObject["state"], string>> = { modified: "🟡", deleted: "🔴", unmanaged: "🟣" };
const STATE_WORDS: Readonly<Record<DriftedObject["state"], string>> = { modified: "modified", deleted: "deleted by hand", unmanaged: "added by hand" };

/**
 * The drift check as Markdown, in the style of the preview report: the one-line summary first, then
 * each drifted object grouped by kind with the fields that differ (deployed vs live), secrets as
 * `[secret]`. Resources are condensed, then left out, when the whole does not fit in `maxChars`.
 */
export function renderDriftMarkdown(input: DriftReportInput, options: RenderOptions = {}): RenderedReport {
  const maxChars = options.maxChars ?? DEFAULT_REPORT_LIMIT;
  const scrub = scrubFunction(input.secretValues ?? []);
  const outcome = scrubDeep(
    { drifted: input.outcome.drifted, pending: input.outcome.pending.map((c) => ({ type: c.type, name: c.name, op: c.op })), errors: input.outcome.errors, warnings: input.outcome.warnings, programErrors: input.outcome.programErrors, notes: input.notes ?? [] },
    scrub,
  );
  const head: string[] = [];
  if (!input.outcome.checked) {
    head.push(`**Drift check of \`${input.stack}\` failed**: could not compare the cluster with the stack`, "");
  } else {
    head.push(`**Drift of \`${input.stack}\`**: ${driftSummary(input.outcome)}`, "");
  }
  for (const note of outcome.notes) head.push(`${note}  `);
  if (outcome.notes.length > 0) head.push("");
  if (!input.outcome.checked) {
    head.push("#### Errors", "", "```text", ...outcome.errors.map((e) => e.replace(/```/g, "'''").trimEnd()), "```", "");
  } else if (outcome.drifted.length > 0) {
    const unmanaged = outcome.drifted.some((d) => d.state === "unmanaged");
    head.push(
      "> [!WARNING]",
      `> The cluster no longer matches the last deploy. \`npm run deploy -- --stack ${input.stack}\` puts back what the stack deployed${unmanaged ? "; objects added by hand are left in place (delete them, or take the stack's labels off)" : ""}.`,
      "",
    );
  }
  if (outcome.programErrors.length > 0) {
    head.push("#### The program's preview failed after the refresh (the drift above is still what the cluster holds)", "", "```text", ...outcome.programErrors.map((e) => e.replace(/```/g, "'''").trimEnd()), "```", "");
  }
  if (outcome.pending.length > 0) {
    const listed = outcome.pending.slice(0, 10).map((c) => `\`${kindOf(c.type)} ${c.name}\` (${c.op})`);
    head.push(
      `The program also differs from the state in ${outcome.pending.length} resource(s) that did not drift: changes not yet deployed, not drift (\`npm run preview -- --stack ${input.stack}\`): ${listed.join(", ")}${outcome.pending.length > 10 ? ", …" : ""}.`,
      "",
    );
  }
  const warnings = outcome.warnings;
  if (warnings.length > 0) {
    head.push("#### Warnings", "");
    for (const w of warnings.slice(0, 20)) head.push(`- ${w.replace(/\s*\n\s*/g, " ").trim().slice(0, 300)}`);
    head.push("");
  }

  const tail = ["", driftMarker(input.stack), ""].join("\n");
  const headText = scrub(`${head.join("\n")}\n`);
  const { body, omitted } = boundedSections(outcome.drifted, maxChars - headText.length - tail.length, {
    heading: (type) => `#### ${kindOf(type)} (\`${type}\`)\n\n`,
    render: renderObject,
    note: (count) => `\n> [!NOTE]\n> ${count} more drifted object(s) are not shown: the report has a size limit. See ${options.fullReportName ?? "the full report"}.\n`,
    scrub,
  });
  return { markdown: headText + body + tail, omitted };
}

function renderObject(object: DriftedObject, condensed: boolean): string {
  const lines = [`${STATE_ICON[object.state]} **${STATE_WORDS[object.state]}** \`${object.name}\``];
  if (object.state === "deleted") lines.push("", "Gone from the cluster; the stack's state still has it (the next deploy creates it again).");
  if (object.state === "unmanaged") lines.push("", "In the stack's namespace with the stack's labels, and in no state.");
  if (object.fields.length > 0) {
    if (condensed) {
      lines.push("", `_${object.fields.length} field(s) differ, shown in the full report._`);
    } else {
      lines.push("", "| Field | Deployed | Live |", "|---|---|---|");
      for (const field of object.fields) lines.push(fieldRow(field));
    }
  }
  return `${lines.join("\n")}\n\n`;
}

function fieldRow(field: DriftedField): string {
  const label = value(field.path);
  const text = textDiff(field.deployed, field.live);
  if (text !== undefined) return `| ${label} | ${text.before} | ${text.after} |`;
  const deployed = field.kind === "added" ? "_(absent)_" : value(field.deployed);
  const live = field.kind === "removed" ? "_(removed)_" : value(field.live);
  return `| ${label} | ${deployed} | ${live} |`;
}
