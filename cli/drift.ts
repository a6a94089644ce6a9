/**
 * npm run drift -- --stack <name> [--out <file>] [--max-chars <n>] [--events <file>] [--cwd <dir>]
 *
 * Compares the live objects with the stack's state and program, changing neither (a refresh preview:
 * nothing is written to the state, nothing applied), and writes a Markdown report: to stdout and
 * `reports/drift-<stack>.md` (sized for a GitHub issue), the complete one to
 * `reports/drift-<stack>.full.md`. Exit codes (`--help`; README.md, "Commands"): 0 no drift, 1 drift
 * found, 2 could not check, 3 the stack is locked, 64 bad usage, 130 interrupted.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkDrift, clusterAccessOf } from "../release/drift.js";
import { renderDriftMarkdown } from "../release/drift-report.js";
import { exportableEvents } from "../release/preview.js";
import { scrubProcessOutput } from "../release/scrubbed-output.js";
import { SecretScrubber } from "../release/secret-mask.js";
import { EXIT, openStack, readStackConfig, ReleaseError, secretValuesOf } from "../release/stack-access.js";
import { EXIT_CODE, exitOnUsageError, knownStacks, positiveInteger, readCommandLine, type CommandSpec } from "./command-line.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const DRIFT_COMMAND = {
  name: "drift",
  summary: `Compares the live objects with the stack's state and program without changing either (a refresh
preview: nothing is written to the state, nothing applied), and lists the objects added by hand with the
stack's labels. Writes a Markdown report to stdout and reports/drift-<stack>.md (sized for a GitHub issue),
the complete one to reports/drift-<stack>.full.md.`,
  options: {
    stack: { type: "string", required: true, value: "<name>", description: "the stack to check (a Pulumi.<name>.yaml)" },
    out: { type: "string", value: "<file>", description: "the report's path (default: reports/drift-<stack>.md)" },
    "max-chars": { type: "string", value: "<n>", description: "size limit of the report, in characters (default: 60000, fits a GitHub issue)" },
    events: { type: "string", value: "<file>", description: "also write the engine events as JSON, secrets scrubbed" },
    cwd: { type: "string", value: "<dir>", description: "the directory holding Pulumi.yaml (default: this repository)" },
  },
  exitCodes: {
    [EXIT_CODE.ok]: "no drift: the cluster holds what the stack deployed",
    [EXIT_CODE.failed]: "drift found (the report lists every drifted object and field)",
    [EXIT_CODE.unverified]: "could not check (the report says why), or an unexpected error",
    [EXIT_CODE.locked]: "the stack is locked by another operation",
    [EXIT_CODE.usage]: "usage error: unknown option, missing or bad value, unknown stack (nothing run)",
    [EXIT_CODE.interrupted]: "interrupted (Ctrl-C): the check was cancelled",
  },
} as const satisfies CommandSpec;

async function main(): Promise<number> {
  const values = readCommandLine(DRIFT_COMMAND);
  const stackName = values.stack;
  const workDir = path.resolve(values.cwd ?? repoRoot);
  exitOnUsageError(DRIFT_COMMAND.name, () => knownStacks(workDir, [stackName], "--cwd"));
  const out = path.resolve(values.out ?? path.join(workDir, "reports", `drift-${stackName}.md`));
  const full = out.replace(/\.md$/, "") + ".full.md";
  const maxChars = exitOnUsageError(DRIFT_COMMAND.name, () => positiveInteger("max-chars", values["max-chars"]));

  // Ctrl-C: cancel the check cleanly (once); a third one leaves at once.
  const interrupt = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string): void => {
    interrupts += 1;
    if (interrupts === 1) console.error(`${name}: cancelling the drift check...`);
    else if (interrupts >= 3) process.exit(EXIT.cancelled);
    interrupt.abort();
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  // Everything this process prints or writes is scrubbed of the stack's secret values.
  const scrubber = new SecretScrubber();
  scrubProcessOutput(scrubber);
  const stack = await openStack({ stackName, workDir });
  const config = await readStackConfig(stack);
  scrubber.add(secretValuesOf(config));
  console.error(`drift: checking ${stackName} (refresh preview; nothing is written)...`);
  const outcome = await checkDrift(stack, { access: clusterAccessOf(config, workDir, process.env), signal: interrupt.signal });

  const sha = execFileSync("git", ["-C", workDir, "rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  const notes = [`Checked ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}, program \`${sha}\`, in ${(outcome.durationMs / 1000).toFixed(1)}s.`];
  const input = { stack: stackName, outcome, notes, secretValues: scrubber };
  const report = renderDriftMarkdown(input, { ...(maxChars === undefined ? {} : { maxChars }), fullReportName: `the full report (\`${path.basename(full)}\`)` });
  const complete = renderDriftMarkdown(input, { maxChars: Number.MAX_SAFE_INTEGER });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, report.markdown);
  writeFileSync(full, complete.markdown);
  if (values.events !== undefined) writeFileSync(path.resolve(values.events), exportableEvents(outcome.events, scrubber));
  process.stdout.write(report.markdown);
  const verdict = !outcome.checked ? "could NOT check" : outcome.drifted.length > 0 ? `DRIFT: ${outcome.drifted.length} object(s)` : "no drift";
  console.error(`drift: ${verdict} (${(outcome.durationMs / 1000).toFixed(1)}s); report: ${path.relative(process.cwd(), out)} (full: ${path.relative(process.cwd(), full)})`);
  return !outcome.checked ? EXIT_CODE.unverified : outcome.drifted.length > 0 ? EXIT_CODE.failed : EXIT_CODE.ok;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`drift: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ReleaseError ? error.exitCode : EXIT_CODE.unverified);
  },
);
