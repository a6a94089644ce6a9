/**
 * npm run checklist -- --stack <name> [--live] [--load-test-stack <name>] [--out <file>]
 *
 * Prints the seed's production checklist (section 10) for the stack, item by item: enforced (the policy
 * or schema rule that guarantees it), verified (the test, alert or job that proves it, with its last result
 * where it is known), or manual (what a person must confirm). Writes it to stdout and
 * `reports/checklist-<stack>.md`, and its one-line summary to `reports/checklist-<stack>.summary.txt`.
 * Exit codes (`--help`; README.md, "Commands"): 0 printed, 1 the stack's configuration is invalid,
 * 2 an unexpected error, 64 bad usage.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StackConfigError } from "../config/config-error.js";
import { resolveStackFile, type ResolvedStack } from "../config/resolve-stack-config.js";
import { readProjectName } from "../config/stack-files.js";
import { buildStackChart } from "../synth/synthesize.js";
import { BACKUP_CRON_JOB_NAME } from "../charts/service-stack-chart.js";
import { assessChecklist, renderChecklistMarkdown, summarize, summaryLine, type ChecklistResults } from "../release/checklist.js";
import { loadTestReport, readCronJobLastRun, recordsFromTags } from "../release/checklist-results.js";
import { openStack } from "../release/stack-access.js";
import { clusterAccess } from "../release/verify.js";
import { EXIT_CODE, exitOnUsageError, knownStacks, readCommandLine, type CommandSpec } from "./command-line.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const CHECKLIST_COMMAND = {
  name: "checklist",
  summary: `Prints the seed's production checklist (section 10) for the stack, item by item: enforced (the
policy or schema rule that guarantees it), verified (the test, alert or job that proves it, with its last
result where known), or manual (what a person must confirm). Writes reports/checklist-<stack>.md and
its one-line summary to reports/checklist-<stack>.summary.txt.`,
  options: {
    stack: { type: "string", required: true, value: "<name>", description: "the stack to assess (a Pulumi.<name>.yaml)" },
    live: { type: "boolean", description: "also read the last backup and restore drill from the cluster, and the stack's records from the Pulumi backend" },
    "load-test-stack": { type: "string", value: "<name>", description: "the stack whose load test gates this one (default: staging for production, else the stack itself)" },
    out: { type: "string", value: "<file>", description: "the report's path (default: reports/checklist-<stack>.md)" },
    cwd: { type: "string", value: "<dir>", description: "the directory holding Pulumi.yaml (default: this repository)" },
  },
  exitCodes: {
    [EXIT_CODE.ok]: "the checklist was printed",
    [EXIT_CODE.failed]: "the stack's configuration is invalid (nothing is assessed)",
    [EXIT_CODE.unverified]: "an unexpected error",
    [EXIT_CODE.usage]: "usage error: unknown option, missing value, unknown stack (nothing run)",
  },
} as const satisfies CommandSpec;

function resolve(workDir: string, stack: string): ResolvedStack {
  const file = `Pulumi.${stack}.yaml`;
  return resolveStackFile(readFileSync(path.join(workDir, file), "utf8"), { project: readProjectName(workDir), stack, file });
}

/** What `--live` can read; each source that cannot be read is left out (the report then says "not known here"). */
async function liveResults(workDir: string, resolved: ResolvedStack, loadTestStack: string, log: (line: string) => void): Promise<ChecklistResults> {
  const { config } = resolved;
  const access = clusterAccess(config.kubernetes, workDir, process.env);
  const results: { -readonly [K in keyof ChecklistResults]: ChecklistResults[K] } = {};
  if (config.backup.enabled) {
    const backup = await readCronJobLastRun(access, config.namespace, BACKUP_CRON_JOB_NAME);
    const drill = await readCronJobLastRun(access, config.namespace, "db-restore-check");
    if (backup === undefined || drill === undefined) log("the backup CronJobs could not be read from the cluster");
    if (backup !== undefined) results.lastBackup = backup;
    if (drill !== undefined) results.lastRestoreDrill = drill;
  }
  for (const stackName of [...new Set([resolved.stack, loadTestStack])]) {
    try {
      const records = recordsFromTags(await (await openStack({ stackName, workDir })).listTags());
      if (stackName === resolved.stack && records.lastGoodRelease !== undefined) results.lastGoodRelease = records.lastGoodRelease;
      if (stackName === loadTestStack && records.lastLoadTest !== undefined) results.lastLoadTest = { stack: stackName, source: `stack tag of ${stackName}`, record: records.lastLoadTest };
    } catch (error) {
      log(`the records of stack ${stackName} could not be read: ${error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error)}`);
    }
  }
  return results;
}

async function main(): Promise<number> {
  const values = readCommandLine(CHECKLIST_COMMAND);
  const workDir = path.resolve(values.cwd ?? repoRoot);
  const stacks = exitOnUsageError(CHECKLIST_COMMAND.name, () => knownStacks(workDir, [values.stack, ...(values["load-test-stack"] === undefined ? [] : [values["load-test-stack"]])], "--cwd"));
  let resolved: ResolvedStack;
  try {
    resolved = resolve(workDir, values.stack);
  } catch (error) {
    if (error instanceof StackConfigError) {
      console.error(error.message);
      return EXIT_CODE.failed;
    }
    throw error;
  }
  const loadTestStack = values["load-test-stack"] ?? (resolved.config.environment === "production" && stacks.includes("staging") ? "staging" : values.stack);
  const log = (line: string): void => console.error(`checklist: ${line}`);

  const live = values.live === true ? await liveResults(workDir, resolved, loadTestStack, log) : {};
  // A load test report on disk (npm run loadtest) when the stack's record was not read.
  const reportFile = path.join(workDir, "reports", `loadtest-${loadTestStack}.json`);
  const report = live.lastLoadTest === undefined ? loadTestReport(reportFile) : undefined;
  const results: ChecklistResults = { ...live, ...(report === undefined ? {} : { lastLoadTest: { stack: loadTestStack, source: path.relative(workDir, reportFile), record: report } }) };

  const chart = buildStackChart(resolved);
  const alerts = chart.prometheusRule.groups.flatMap((group) => group.rules.flatMap((rule) => (rule.kind === "alert" ? [rule.alert] : [])));
  const items = assessChecklist({ resolved, alerts, results });
  const markdown = renderChecklistMarkdown(values.stack, items, results);
  const out = path.resolve(values.out ?? path.join(workDir, "reports", `checklist-${values.stack}.md`));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, markdown);
  const summary = summaryLine(summarize(items, results));
  writeFileSync(`${out.replace(/\.md$/, "")}.summary.txt`, `${summary}\n`);
  process.stdout.write(markdown);
  console.error(`checklist of ${values.stack}: ${summary}; report: ${path.relative(process.cwd(), out)}`);
  return EXIT_CODE.ok;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`checklist: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(EXIT_CODE.unverified);
    },
  );
}
