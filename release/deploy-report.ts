import type { DeployResult, DriftRepair } from "./deploy.js";
import type { ObjectWait } from "./await-progress.js";
import { kindOf, value } from "./markdown-report.js";
import type { Check } from "./verify.js";
import { scrubFunction, type SecretSource } from "./secret-mask.js";
import { canarySection } from "./canary-report.js";

const HEADLINE: Readonly<Record<DeployResult["outcome"], string>> = {
  succeeded: "✅ deployed and verified",
  "rolled-back": "↩️ FAILED, rolled back to the last good release (verified)",
  aborted: "🐤 ABORTED by the canary analysis: the canary was removed, the stable track never changed",
  failed: "❌ FAILED, and the stack is NOT back to a verified release",
  "not-applied": "⛔ rejected before any change (the preview failed)",
  cancelled: "🛑 cancelled",
};

/**
 * The deploy's report, Markdown: outcome first, then what failed, what was rolled back, the final
 * state of the stack and the timings. Secret values of the stack are scrubbed from it.
 */
export function renderDeployReport(result: DeployResult, secrets: SecretSource = []): string {
  const lines: string[] = [];
  const r = result.release;
  lines.push(`**Deploy of \`${result.stack}\`: ${HEADLINE[result.outcome]}** (exit code ${result.exitCode})`, "");
  lines.push(`- release: \`${r.id}\`, program \`${r.sha}\`, image \`${r.image}\``);
  if (result.previewSummary !== undefined) lines.push(`- preview: ${result.previewSummary}`);
  lines.push("");
  if (result.failure !== undefined) lines.push("#### What failed", "", "```text", result.failure.replace(/```/g, "'''"), "```", "");
  if (result.drift !== undefined) lines.push(...driftSection(result.drift, result.outcome), "");
  if (result.canary !== undefined) lines.push(...canarySection(result.canary), "");
  if (result.checks.length > 0) lines.push(result.outcome === "aborted" ? "#### Verification of the stable track" : "#### Verification of the release", "", ...checkTable(result.checks), "");
  if (result.rollback !== undefined) {
    const rb = result.rollback;
    lines.push(
      "#### Rollback",
      "",
      `Re-applied the last good release \`${rb.release.id}\` (program \`${rb.release.sha}\`, image \`${rb.release.image}\`, verified at ${rb.release.verifiedAt}${rb.release.noSmoke === undefined ? "" : `, smoke tests skipped: ${rb.release.noSmoke}`}): ${rb.ok ? "**verified**" : "**FAILED**"}.`,
      "",
    );
    if (rb.failure !== undefined) lines.push("```text", rb.failure.replace(/```/g, "'''"), "```", "");
    if (rb.checks.length > 0) lines.push(...checkTable(rb.checks), "");
  }
  lines.push("#### Final state", "", finalState(result), "");
  const timings = Object.entries(result.timingsMs).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)}s`);
  if (timings.length > 0) lines.push(`Timings: ${timings.join(", ")}.`, "");
  const waits = (result.waits ?? []).filter((w) => w.seconds >= 1 || w.outcome !== "ready");
  if (waits.length > 0) lines.push(`Waited for: ${waits.map(waitText).join("; ")}.`, "");
  if (result.notification !== undefined) lines.push(`Notification: ${result.notification}.`, "");
  return scrubFunction(secrets)(lines.join("\n"));
}

function finalState(result: DeployResult): string {
  const pending =
    result.pendingOperations > 0
      ? ` The state records ${result.pendingOperations} pending operation(s) of an interrupted step: run \`pulumi refresh --stack ${result.stack}\` to reconcile them.`
      : result.pendingOperations === 0
        ? " The state has no pending operation."
        : "";
  switch (result.outcome) {
    case "succeeded":
      return `The stack runs release \`${result.release.id}\`, recorded as the last good release.${pending}`;
    case "rolled-back":
      return `The stack runs the last good release \`${result.rollback?.release.id ?? "?"}\` again. Release \`${result.release.id}\` is not recorded.${pending}`;
    case "aborted":
      return `The stack runs what it ran before this deploy: the canary was removed and the stable Deployment never changed. Release \`${result.release.id}\` is not recorded.${pending}`;
    case "failed":
      return `The stack is in whatever state the failed step left: look at it before the next deploy.${pending}`;
    case "not-applied":
      return `Nothing was changed: the stack runs what it ran before this deploy.${pending}`;
    case "cancelled":
      return `The operation was cancelled cleanly; run the deploy again, or \`npm run deploy -- --stack ${result.stack} --rollback\` to re-apply the last good release.${pending}`;
  }
}

function checkTable(checks: readonly Check[]): string[] {
  const icon = { passed: "✅", failed: "❌", "not run": "➖" } as const;
  return ["| Check | Result | Detail |", "|---|---|---|", ...checks.map((c) => `| ${c.name} | ${icon[c.status]} ${c.status} | ${c.detail.replace(/\|/g, "\\|").replace(/\r?\n/g, " ")} |`)];
}

function waitText(wait: ObjectWait): string {
  const outcome = wait.outcome === "ready" ? "" : wait.outcome === "failed" ? ", NOT ready" : ", still waiting";
  return `${wait.object} ${wait.seconds.toFixed(0)} s (${wait.last ?? wait.waitedFor}${outcome})`;
}

/**
 * What the deploy found drifted before its update, and what it put back: each field's live value
 * before the deploy and the value it put back, objects deleted by hand (created again), objects added
 * by hand (left in place).
 */
function driftSection(drift: DriftRepair, outcome: DeployResult["outcome"]): string[] {
  const repaired = outcome === "succeeded" && drift.notRepaired === undefined;
  const lines = [
    outcome === "succeeded" ? "#### Drift repaired" : "#### Drift found before the update",
    "",
    outcome === "succeeded"
      ? `The cluster had drifted from the last deploy; this deploy put back what the stack deployed${repaired ? "" : " (except what is said below)"}:`
      : "The cluster had drifted from the last deploy; the update that was to put it back did not succeed (see what failed):",
    "",
    "| Object | Field | Live before the deploy | Put back |",
    "|---|---|---|---|",
  ];
  for (const object of drift.found) {
    const name = `\`${kindOf(object.type)} ${object.name}\``;
    if (object.state === "deleted") lines.push(`| ${name} | _(deleted by hand)_ | _(absent)_ | created again |`);
    else if (object.state === "unmanaged") lines.push(`| ${name} | _(added by hand, in no state)_ | present | _left in place_ |`);
    for (const field of object.fields) {
      const live = field.kind === "removed" ? "_(removed)_" : value(field.live);
      const back = field.kind === "added" ? "_(removed)_" : value(field.deployed);
      lines.push(`| ${name} | ${value(field.path)} | ${live} | ${back} |`);
    }
  }
  if (drift.patched.length > 0) lines.push("", `Put back by a JSON patch before the update (fields the program does not set): ${drift.patched.map((p) => `\`${p}\``).join(", ")}.`);
  if (drift.notRepaired !== undefined) lines.push("", `Not put back: ${drift.notRepaired}.`);
  return lines;
}
