/**
 * npm run loadtest -- --stack <name> [--url <base URL>] [--concurrency <n>] [--ramp-up <d>] [--duration <d>] [--out <file>] [--record]
 *
 * Load-tests the stack's service (seed section 9) and judges the run on the stack's `loadTest` criteria:
 * error ratio, P95 latency, throughput. Writes a Markdown report to stdout and `reports/loadtest-<stack>.md`,
 * and the run's summary to `reports/loadtest-<stack>.json`. Exit codes (`--help`; README.md, "Commands"):
 * 0 every criterion met, 1 a criterion failed, 2 the test could not run, 64 bad usage, 130 interrupted.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { StackConfigError } from "../config/config-error.js";
import { loadTestConfigSchema } from "../config/load-test-config.js";
import { loadTestRampUpProblem } from "../config/validators.js";
import { resolveStackFile } from "../config/resolve-stack-config.js";
import { readProjectName } from "../config/stack-files.js";
import { serviceUrl } from "../infra/program.js";
import { LOAD_TEST_TAG, loadTestRecord, renderLoadTestMarkdown, runLoadTest } from "../release/loadtest.js";
import { openStack } from "../release/stack-access.js";
import { unreachableReason } from "../release/verify.js";
import { EXIT_CODE, exitOnUsageError, knownStacks, positiveInteger, readCommandLine, UsageError, type CommandSpec } from "./command-line.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export const LOADTEST_COMMAND = {
  name: "loadtest",
  summary: `Load-tests the stack's service with autocannon and judges the run on the stack's loadTest criteria
(error ratio, P95 latency, throughput; seed section 9). Writes a Markdown report to stdout and
reports/loadtest-<stack>.md, and the run's summary to reports/loadtest-<stack>.json.`,
  options: {
    stack: { type: "string", required: true, value: "<name>", description: "the stack whose service and criteria to use (a Pulumi.<name>.yaml)" },
    url: { type: "string", value: "<url>", description: "the service's base URL (default: the stack's serviceUrl, its first ingress host)" },
    concurrency: { type: "string", value: "<n>", description: "connections at full load (default: the stack's loadTest.concurrency)" },
    "ramp-up": { type: "string", value: "<duration>", description: "time to open the connections, e.g. 15s (default: loadTest.rampUp)" },
    duration: { type: "string", value: "<duration>", description: "the measured phase, e.g. 120s (default: loadTest.duration)" },
    out: { type: "string", value: "<file>", description: "the report's path (default: reports/loadtest-<stack>.md; the summary goes beside it as .json)" },
    record: { type: "boolean", description: `also keep the summary on the stack, as tag ${LOAD_TEST_TAG} (needs the Pulumi backend)` },
    cwd: { type: "string", value: "<dir>", description: "the directory holding Pulumi.yaml (default: this repository)" },
  },
  exitCodes: {
    [EXIT_CODE.ok]: "every criterion was met",
    [EXIT_CODE.failed]: "a criterion failed (the report says which and by how much)",
    [EXIT_CODE.unverified]: "the test could not run: invalid stack configuration, no reachable URL, the load generator failed",
    [EXIT_CODE.usage]: "usage error: unknown option, missing or bad value, unknown stack (nothing run)",
    [EXIT_CODE.interrupted]: "interrupted (Ctrl-C): what was measured is reported, and the run counts as failed",
  },
} as const satisfies CommandSpec;

async function main(): Promise<number> {
  const values = readCommandLine(LOADTEST_COMMAND);
  const stackName = values.stack;
  const workDir = path.resolve(values.cwd ?? repoRoot);
  exitOnUsageError(LOADTEST_COMMAND.name, () => knownStacks(workDir, [stackName], "--cwd"));
  const out = path.resolve(values.out ?? path.join(workDir, "reports", `loadtest-${stackName}.md`));

  const file = `Pulumi.${stackName}.yaml`;
  let resolved;
  try {
    resolved = resolveStackFile(readFileSync(path.join(workDir, file), "utf8"), { project: readProjectName(workDir), stack: stackName, file });
  } catch (error) {
    if (error instanceof StackConfigError) {
      console.error(error.message);
      return EXIT_CODE.unverified;
    }
    throw error;
  }
  // Overrides from the command line, validated as the stack file's values are.
  const overrides = exitOnUsageError(LOADTEST_COMMAND.name, () => ({
    ...resolved.config.loadTest,
    ...(values.concurrency === undefined ? {} : { concurrency: positiveInteger("concurrency", values.concurrency, "connections") }),
    ...(values["ramp-up"] === undefined ? {} : { rampUp: values["ramp-up"] }),
    ...(values.duration === undefined ? {} : { duration: values.duration }),
  }));
  const parsed = loadTestConfigSchema.safeParse(overrides);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const option = { concurrency: "--concurrency", rampUp: "--ramp-up", duration: "--duration" }[String(issue?.path[0])] ?? `loadTest.${String(issue?.path[0])}`;
    exitOnUsageError(LOADTEST_COMMAND.name, () => {
      throw new UsageError(`${option} ${issue?.message ?? "is invalid"}`);
    });
    return EXIT_CODE.usage;
  }
  const settings = parsed.data;
  const rampProblem = loadTestRampUpProblem(settings.rampUp, settings.duration);
  if (rampProblem !== undefined) {
    exitOnUsageError(LOADTEST_COMMAND.name, () => {
      throw new UsageError(`the ramp-up ${rampProblem.replace("loadTest.duration", "the duration")}`, "see --ramp-up and --duration");
    });
  }

  const url = values.url ?? serviceUrl(resolved);
  if (values.url !== undefined) {
    try {
      const parsedUrl = new URL(values.url);
      if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:") throw new Error("scheme");
    } catch {
      exitOnUsageError(LOADTEST_COMMAND.name, () => {
        throw new UsageError(`--url ${values.url} is not an http(s) URL`, "e.g. --url https://staging.monapp.com");
      });
    }
  } else {
    const unreachable = await unreachableReason(url);
    if (unreachable !== undefined) {
      console.error(`loadtest: the stack's URL ${url} cannot be reached from here (${unreachable}); give --url`);
      return EXIT_CODE.unverified;
    }
  }

  const interrupt = new AbortController();
  process.once("SIGINT", () => {
    console.error("interrupted: stopping the load test...");
    interrupt.abort();
  });
  console.error(`load-testing ${stackName} at ${url}...`);
  let result;
  try {
    result = await runLoadTest({ url, settings, signal: interrupt.signal, log: (line) => console.error(line) });
  } catch (error) {
    console.error(`loadtest: the load generator failed: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_CODE.unverified;
  }
  const markdown = renderLoadTestMarkdown(result, stackName);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, markdown);
  const summaryFile = `${out.replace(/\.md$/, "")}.json`;
  writeFileSync(summaryFile, `${JSON.stringify({ stack: stackName, target: result.target, record: loadTestRecord(result), result }, null, 2)}\n`);
  process.stdout.write(markdown);
  if (values.record === true) {
    try {
      const stack = await openStack({ stackName, workDir });
      await stack.setTag(LOAD_TEST_TAG, JSON.stringify(loadTestRecord(result)));
      console.error(`recorded on the stack as tag ${LOAD_TEST_TAG}`);
    } catch (error) {
      console.error(`loadtest: the result could not be recorded on the stack: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
      return EXIT_CODE.unverified;
    }
  }
  console.error(`load test ${result.ok ? "passed" : "FAILED"}; report: ${path.relative(process.cwd(), out)} (summary: ${path.relative(process.cwd(), summaryFile)})`);
  if (interrupt.signal.aborted) return EXIT_CODE.interrupted;
  return result.ok ? EXIT_CODE.ok : EXIT_CODE.failed;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`loadtest: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(EXIT_CODE.unverified);
    },
  );
}
