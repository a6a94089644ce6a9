/**
 * npm run deploy -- --stack <name> [--plan <file>] [--rollout-timeout <s>] [--smoke-url <url> | --no-smoke <reason>]
 *                   [--smoke-timeout <s>] [--prometheus-url <url>] [--rollback] [--report <file>]
 *
 * In production the smoke tests are mandatory: --smoke-url, or --no-smoke with the reason (it goes into
 * the report and the release record). Everything printed and written is scrubbed of the secret values.
 *
 * Preview, canary steps judged against the SLOs (release.strategy: canary), update, verify (rollout,
 * ready endpoints, GET /health and /ready); on failure re-apply the last good release and verify it.
 * SLACK_WEBHOOK_URL, when set, gets one message per deploy.
 * Exit codes (`--help`; README.md, "Commands"): 0 deployed (or --rollback done), 1 failed and rolled
 * back, 2 failed and not back to a verified release, 3 the stack is locked by another operation, 4
 * rejected before any change (the preview failed), 5 aborted by the canary analysis, 64 bad usage,
 * 130 interrupted.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { resolveStackFile } from "../config/resolve-stack-config.js";
import { prometheusUrlProblem } from "../config/validators.js";
import { deploy, smokeRequirement } from "../release/deploy.js";
import { renderDeployReport } from "../release/deploy-report.js";
import { scrubProcessOutput } from "../release/scrubbed-output.js";
import { SecretScrubber } from "../release/secret-mask.js";
import { EXIT, ReleaseError } from "../release/stack-access.js";
import { EXIT_CODE, exitOnUsageError, knownStacks, positiveInteger, readCommandLine, UsageError, type CommandSpec } from "./command-line.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function seconds(name: string, text: string | undefined): number | undefined {
  return exitOnUsageError(DEPLOY_COMMAND.name, () => positiveInteger(name, text, "seconds"));
}

const DEPLOY_COMMAND = {
  name: "deploy",
  summary: `Previews, updates and verifies the stack (rollout, ready endpoints, GET /health and /ready); on
failure re-applies the last good release and verifies it. With release.strategy canary (production's
default) the new image first runs beside the stable pods, step by step, judged against the stack's SLOs
by its Prometheus; a failed or inconclusive step aborts (exit 5). Writes a Markdown report to stdout and
reports/deploy-<stack>.md. SLACK_WEBHOOK_URL, when set, gets one message per deploy.`,
  options: {
    stack: { type: "string", required: true, value: "<name>", description: "the stack to deploy (a Pulumi.<name>.yaml)" },
    plan: { type: "string", value: "<file>", description: "apply exactly this plan (npm run preview -- --save-plan <file>)" },
    "rollout-timeout": { type: "string", value: "<s>", description: "deadline of the update and rollout check, in seconds (default: 600)" },
    "smoke-url": { type: "string", value: "<url>", description: "base URL for GET /health and /ready (default: the stack's serviceUrl output)" },
    "no-smoke": { type: "string", value: "<reason>", description: "skip the smoke tests, for this reason (it goes into the report and the release record)" },
    "smoke-timeout": { type: "string", value: "<s>", description: "seconds the smoke tests retry before failing (default: 60)" },
    "prometheus-url": { type: "string", value: "<url>", description: "the Prometheus a canary is judged by (default: the stack's monitoring.prometheusUrl)" },
    rollback: { type: "boolean", description: "only re-apply and verify the last good release" },
    report: { type: "string", value: "<file>", description: "where to write the report (default: reports/deploy-<stack>.md)" },
    cwd: { type: "string", value: "<dir>", description: "the directory holding Pulumi.yaml (default: this repository)" },
  },
  exitCodes: {
    [EXIT_CODE.ok]: "deployed and verified (or --rollback done)",
    [EXIT_CODE.failed]: "failed; the last good release was re-applied and verified",
    [EXIT_CODE.unverified]: "failed and not back to a verified release: no last good release, a record that cannot be trusted, or its re-apply failed (or an unexpected error)",
    [EXIT_CODE.locked]: "the stack is locked by another operation",
    [EXIT_CODE.rejected]: "rejected before any change (the preview failed, or the record would not fit in a tag); the stack is as it was",
    [EXIT_CODE.aborted]: "aborted by the canary analysis (a step failed, or had no verdict): the canary was removed, the stable track never changed",
    [EXIT_CODE.usage]:
      "usage error: unknown option, missing or bad value, unknown stack, production without --smoke-url or --no-smoke <reason>, a canary stack without a Prometheus URL (nothing run)",
    [EXIT_CODE.interrupted]: "interrupted (Ctrl-C): the running operation was cancelled cleanly",
  },
} as const satisfies CommandSpec;

async function main(): Promise<number> {
  const values = readCommandLine(DEPLOY_COMMAND);
  const stackName = values.stack;
  const workDir = path.resolve(values.cwd ?? repoRoot);
  exitOnUsageError(DEPLOY_COMMAND.name, () => knownStacks(workDir, [stackName], "--cwd"));
  const reportFile = path.resolve(values.report ?? path.join(workDir, "reports", `deploy-${stackName}.md`));
  const rolloutTimeoutSeconds = seconds("rollout-timeout", values["rollout-timeout"]);
  const smokeTimeoutSeconds = seconds("smoke-timeout", values["smoke-timeout"]);
  exitOnUsageError(DEPLOY_COMMAND.name, () => {
    const smoke = { ...(values["smoke-url"] === undefined ? {} : { smokeUrl: values["smoke-url"] }), ...(values["no-smoke"] === undefined ? {} : { noSmokeReason: values["no-smoke"] }) };
    const problem = smokeRequirement(stackEnvironment(workDir, stackName), smoke);
    if (problem !== undefined) throw new UsageError(problem, "");
  });
  const prometheusUrl = values["prometheus-url"];
  exitOnUsageError(DEPLOY_COMMAND.name, () => {
    const problem = prometheusUrl === undefined ? undefined : prometheusUrlProblem(prometheusUrl);
    if (problem !== undefined) throw new UsageError(`option --prometheus-url: ${problem}`);
    if (values.rollback !== true && prometheusUrl === undefined && stackNeedsPrometheus(workDir, stackName)) {
      throw new UsageError(
        `stack ${stackName} releases as a canary (release.strategy: canary), judged by its Prometheus: pass --prometheus-url <url> or set monitoring.prometheusUrl in Pulumi.${stackName}.yaml (or choose release.strategy: rolling)`,
        "",
      );
    }
  });

  // Ctrl-C: cancel the running operation cleanly (once); a third one leaves at once.
  const interrupt = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string): void => {
    interrupts += 1;
    if (interrupts === 1) console.error(`${name}: cancelling the running operation cleanly (the stack stays usable)...`);
    else if (interrupts === 2) console.error(`${name}: still cancelling; once more to quit now (the stack may then need \`pulumi refresh\`)`);
    else process.exit(EXIT.cancelled);
    interrupt.abort();
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));

  // Everything this process prints is scrubbed of every secret value the deploy handles.
  const scrubber = new SecretScrubber();
  scrubProcessOutput(scrubber);

  const env = process.env;
  const runUrl = env.GITHUB_RUN_ID === undefined ? undefined : `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY ?? ""}/actions/runs/${env.GITHUB_RUN_ID}`;
  const result = await deploy({
    target: { stackName, workDir },
    ...(values.plan === undefined ? {} : { planFile: path.resolve(values.plan) }),
    ...(rolloutTimeoutSeconds === undefined ? {} : { rolloutTimeoutSeconds }),
    ...(smokeTimeoutSeconds === undefined ? {} : { smokeTimeoutSeconds }),
    ...(values["smoke-url"] === undefined ? {} : { smokeUrl: values["smoke-url"] }),
    ...(values["no-smoke"] === undefined ? {} : { noSmokeReason: values["no-smoke"] }),
    rollbackOnly: values.rollback === true,
    ...(prometheusUrl === undefined ? {} : { prometheusUrl }),
    signal: interrupt.signal,
    log: (line) => console.error(`deploy: ${line}`),
    ...(env.SLACK_WEBHOOK_URL ? { slackWebhookUrl: env.SLACK_WEBHOOK_URL } : {}),
    ...(runUrl === undefined ? {} : { runUrl }),
    scrubber,
  });

  const report = renderDeployReport(result, scrubber);
  mkdirSync(path.dirname(reportFile), { recursive: true });
  writeFileSync(reportFile, report);
  process.stdout.write(report);
  return result.exitCode;
}

/**
 * Whether the stack, as its file resolves, is a canary stack without `monitoring.prometheusUrl` (false when
 * the file cannot be resolved: the deploy's preview then reports why).
 */
function stackNeedsPrometheus(workDir: string, stackName: string): boolean {
  try {
    const project = (parse(readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as { name?: unknown }).name;
    const file = `Pulumi.${stackName}.yaml`;
    const { config } = resolveStackFile(readFileSync(path.join(workDir, file), "utf8"), { project: String(project), stack: stackName, file });
    return config.release.strategy === "canary" && config.monitoring.prometheusUrl === undefined;
  } catch {
    return false;
  }
}

/** The stack's `environment` as its stack file states it (undefined when it cannot be read: the deploy checks again). */
function stackEnvironment(workDir: string, stackName: string): string | undefined {
  try {
    const project = (parse(readFileSync(path.join(workDir, "Pulumi.yaml"), "utf8")) as { name?: unknown }).name;
    const file = parse(readFileSync(path.join(workDir, `Pulumi.${stackName}.yaml`), "utf8")) as { config?: Record<string, unknown> } | null;
    const value = file?.config?.[`${String(project)}:environment`];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`deploy: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ReleaseError ? error.exitCode : EXIT.failed);
  },
);
