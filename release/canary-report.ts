import { formatValue, type Measure, type StepAnalysis, type Verdict } from "./canary-analysis.js";
import type { CanaryReport } from "./canary.js";

const ICON: Readonly<Record<Verdict, string>> = { pass: "✅ pass", fail: "❌ fail", inconclusive: "➖ inconclusive" };

const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
const code = (text: string): string => `\`${cell(text)}\``;

function measureRow(m: Measure): string {
  const value = m.value === undefined ? "_no value_" : formatValue(m.value, m.unit);
  const stable = m.stableValue === undefined ? (m.stableQuery === undefined ? "" : "_no value_") : formatValue(m.stableValue, m.unit);
  const threshold = m.threshold === undefined ? `_none_ (${cell(m.thresholdBasis)})` : `${m.comparison} ${formatValue(m.threshold, m.unit)} (${cell(m.thresholdBasis)})`;
  return `| ${m.name} | ${value} | ${stable} | ${threshold} | ${ICON[m.verdict]}: ${cell(m.reason)} |`;
}

function stepSection(step: StepAnalysis): string[] {
  const lines = [
    `**Step ${step.step} of ${step.steps}**: ${step.canaryPods} canary pod(s) beside ${step.stablePods} stable, ${step.trafficShare.toFixed(1)} % of the pods (${step.trafficAsked} % asked); ` +
      `window ${step.window} ending ${step.at.replace(/\.\d+Z$/, "Z")}; queries ${step.queryMs} ms. ${ICON[step.verdict]}.`,
    "",
    "| Measure | Canary | Stable track | Threshold | Verdict |",
    "|---|---|---|---|---|",
    ...step.measures.map(measureRow),
    "",
    `<details><summary>PromQL of step ${step.step}</summary>`,
    "",
  ];
  for (const m of step.measures) {
    lines.push(`${m.name}, canary:`, "", "```promql", m.query, "```", "");
    if (m.stableQuery !== undefined && m.stableQuery !== "") lines.push(`${m.name}, stable track:`, "", "```promql", m.stableQuery, "```", "");
  }
  lines.push("</details>", "");
  return lines;
}

/**
 * The deploy report's canary section: how the release went out, every step with its share of the
 * pods, its window, and each measure with its value, the stable track's, the threshold, the verdict and
 * the PromQL; then how it ended. Nothing for a rolling stack.
 */
export function canarySection(report: CanaryReport): string[] {
  if (report.strategy === "rolling") return [];
  const lines = ["#### Canary release", ""];
  const result = report.result;
  if (result === undefined) {
    lines.push(`\`release.strategy: canary\`, but no canary ran: ${report.note ?? "the release was stopped before it"}.`);
    return lines;
  }
  const end =
    result.verdict === "promoted"
      ? `**promoted**: every step passed${result.promotedInconclusive.length > 0 ? ` (step(s) ${result.promotedInconclusive.join(", ")} inconclusive, carried on: \`release.inconclusive: promote\`)` : ""}; the canary was ${result.removed ? "removed" : `not removed (${result.removalFailure ?? ""})`} and the stable Deployment takes the image in the update that follows`
      : result.verdict === "aborted"
        ? `**aborted**: ${result.reason ?? ""}. The canary was ${result.removed ? "removed" : `**not** removed (${result.removalFailure ?? ""})`}; the stable Deployment kept \`${result.stableImage}\``
        : `**interrupted**: ${result.reason ?? ""}; the canary Deployment ${result.removalFailure ?? "was removed"}`;
  lines.push(
    `\`${result.stableImage}\` → \`${result.canaryImage}\` as Deployment \`${result.canaryName}\` beside ${result.stablePods} stable pod(s), judged by ${code(report.prometheusUrl ?? "?")} against the stack's SLOs: ${end}.`,
    "",
  );
  if (result.decisive !== undefined) {
    const m = result.decisive.measure;
    lines.push(
      `Decided at step ${result.decisive.step} by **${m.name}**: ${m.value === undefined ? "no value" : formatValue(m.value, m.unit)}, threshold ${m.threshold === undefined ? "none" : `${m.comparison} ${formatValue(m.threshold, m.unit)}`} (${m.reason}).`,
      "",
    );
  }
  for (const step of result.steps) lines.push(...stepSection(step));
  return lines;
}
