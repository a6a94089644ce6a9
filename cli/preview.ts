/**
 * npm run preview -- --stack <name> [--save-plan <file>] [--out <file>] [--max-chars <n>] [--events <file>]
 *
 * Previews the stack and writes a Markdown report: to stdout and `reports/preview-<stack>.md` (sized
 * for a GitHub comment), the complete one to `reports/preview-<stack>.full.md`. Exit codes (`--help`;
 * README.md, "Commands"): 0 the preview ran, 2 it failed (the report says why), 3 the stack is locked,
 * 64 bad usage, 130 interrupted.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { canaryPreviewLines, livePods, planCanary, resolveConfigMap } from "../release/canary.js";
import { clusterAccess } from "../release/verify.js";
import { renderPreviewMarkdown } from "../release/markdown-report.js";
import { exportableEvents, previewStack } from "../release/preview.js";
import { scrubFileInPlace, scrubProcessOutput } from "../release/scrubbed-output.js";
import { SecretScrubber } from "../release/secret-mask.js";
import { EXIT, openStack, readStackConfig, ReleaseError, secretValuesOf } from "../release/stack-access.js";
import { EXIT_CODE, exitOnUsageError, knownStacks, positiveInteger, readCommandLine, type CommandSpec } from "./command-line.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const PREVIEW_COMMAND = {
  name: "preview",
  summary: `Previews the stack and writes a Markdown report: to stdout and reports/preview-<stack>.md (sized
for a GitHub comment), the complete one to reports/preview-<stack>.full.md.`,
  options: {
    stack: { type: "string", required: true, value: "<name>", description: "the stack to preview (a Pulumi.<name>.yaml)" },
    "save-plan": { type: "string", value: "<file>", description: "also save the update plan, for npm run deploy -- --plan <file>" },
    out: { type: "string", value: "<file>", description: "the report's path (default: reports/preview-<stack>.md)" },
    "max-chars": { type: "string", value: "<n>", description: "size limit of the report, in characters (default: 60000, fits a GitHub comment)" },
    events: { type: "string", value: "<file>", description: "also write the engine events as JSON, secrets scrubbed" },
    cwd: { type: "string", value: "<dir>", description: "the directory holding Pulumi.yaml (default: this repository)" },
  },
  exitCodes: {
    [EXIT_CODE.ok]: "the preview ran",
    [EXIT_CODE.unverified]: "the preview failed (the report says why), or an unexpected error",
    [EXIT_CODE.locked]: "the stack is locked by another operation",
    [EXIT_CODE.usage]: "usage error: unknown option, missing or bad value, unknown stack (nothing run)",
    [EXIT_CODE.interrupted]: "interrupted (Ctrl-C): the preview was cancelled",
  },
} as const satisfies CommandSpec;

async function main(): Promise<number> {
  const values = readCommandLine(PREVIEW_COMMAND);
  const stackName = values.stack;
  const workDir = path.resolve(values.cwd ?? repoRoot);
  exitOnUsageError(PREVIEW_COMMAND.name, () => knownStacks(workDir, [stackName], "--cwd"));
  const out = path.resolve(values.out ?? path.join(workDir, "reports", `preview-${stackName}.md`));
  const full = out.replace(/\.md$/, "") + ".full.md";
  const maxChars = exitOnUsageError(PREVIEW_COMMAND.name, () => positiveInteger("max-chars", values["max-chars"]));

  const interrupt = new AbortController();
  process.once("SIGINT", () => {
    console.error("interrupted: cancelling the preview...");
    interrupt.abort();
  });

  // Everything this process prints or writes is scrubbed of the stack's secret values.
  const scrubber = new SecretScrubber();
  scrubProcessOutput(scrubber);
  const stack = await openStack({ stackName, workDir });
  const config = await readStackConfig(stack);
  scrubber.add(secretValuesOf(config));
  const planFile = values["save-plan"] === undefined ? undefined : path.resolve(values["save-plan"]);
  console.error(`previewing ${stackName}...`);
  const outcome = await previewStack(stack, { signal: interrupt.signal, ...(planFile === undefined ? {} : { planFile }) });
  // The engine encrypts secrets in a saved plan; a value it did not know to be secret is scrubbed
  // here, which also makes the plan fail to apply rather than apply a value nobody reviewed.
  const planScrubbed = planFile !== undefined && existsSync(planFile) && scrubFileInPlace(planFile, scrubber);

  const sha = execFileSync("git", ["-C", workDir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  const notes = [`Program \`${sha}\`.`];
  if (planFile !== undefined && outcome.ok) notes.push(`Plan saved: \`${path.basename(planFile)}\`; \`npm run deploy -- --stack ${stackName} --plan <file>\` applies exactly this.`);
  if (planScrubbed) notes.push("⚠️ The saved plan held secret values in plain text: they were replaced by `[secret]`, so that plan will not apply; mark those values secret in the program.");
  const sections = outcome.ok ? await canarySections(stack, config) : [];
  const input = { stack: stackName, counts: outcome.counts, changes: outcome.changes, errors: outcome.errors, warnings: outcome.warnings, notes, sections, secretValues: scrubber };
  const comment = renderPreviewMarkdown(input, { ...(maxChars === undefined ? {} : { maxChars }), fullReportName: `the full report (\`${path.basename(full)}\`)` });
  const complete = renderPreviewMarkdown(input, { maxChars: Number.MAX_SAFE_INTEGER });

  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, comment.markdown);
  writeFileSync(full, complete.markdown);
  if (values.events !== undefined) writeFileSync(path.resolve(values.events), exportableEvents(outcome.events, scrubber));
  process.stdout.write(comment.markdown);
  console.error(`preview ${outcome.ok ? "done" : "FAILED"} in ${(outcome.durationMs / 1000).toFixed(1)}s; report: ${path.relative(process.cwd(), out)} (full: ${path.relative(process.cwd(), full)})`);
  return outcome.ok ? EXIT.ok : EXIT.failed;
}

/**
 * A canary release shown as what it is (release/canary.ts): the canary Deployment created and judged
 * step by step, then the promotion, which the changes of the preview are. Nothing for a rolling release.
 */
async function canarySections(stack: Awaited<ReturnType<typeof openStack>>, config: Awaited<ReturnType<typeof readStackConfig>>): Promise<string[]> {
  try {
    const resolved = resolveConfigMap(config, (await stack.workspace.projectSettings()).name, stack.name);
    const plan = await planCanary(stack, resolved);
    if ("reason" in plan) return resolved.config.release.strategy === "canary" ? [`\`release.strategy: canary\`, but no canary: ${plan.reason}.`, ""] : [];
    // The stable pods now (the HPA's count), else the fewest the stack runs.
    const { config: c } = resolved;
    const access = clusterAccess(c.kubernetes, stack.workspace.workDir, process.env);
    const stablePods = await livePods(access, c.namespace, c.name).catch(() => (c.autoscaling.enabled ? c.autoscaling.minReplicas : c.replicas));
    return canaryPreviewLines(plan, stablePods);
  } catch {
    // The preview itself says what is wrong with the config.
    return [];
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`preview: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ReleaseError ? error.exitCode : EXIT.failed);
  },
);
