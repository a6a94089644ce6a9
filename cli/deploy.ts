/**
 * npm run deploy -- --stack <name> [--plan <file>] [--rollout-timeout <s>] [--smoke-url <url> | --no-smoke]
 *                   [--smoke-timeout <s>] [--rollback] [--report <file>]
 *
 * Preview, update, verify (rollout, ready endpoints, GET /health and /ready); on failure re-apply the
 * last good release and verify it. SLACK_WEBHOOK_URL, when set, gets one message per deploy.
 * Exit codes: 0 deployed (or --rollback done), 1 failed and rolled back, 2 failed and not back to a
 * verified release, 3 the stack is locked by another operation, 4 rejected before any change (the
 * preview failed), 64 bad usage, 130 interrupted.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { deploy } from "../release/deploy.js";
import { renderDeployReport } from "../release/deploy-report.js";
import { EXIT, openStack, ReleaseError, secretConfigValues } from "../release/stack-access.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new ReleaseError(`--${name} must be a whole number of seconds (got ${text})`, EXIT.usage);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      plan: { type: "string" },
      "rollout-timeout": { type: "string" },
      "smoke-url": { type: "string" },
      "no-smoke": { type: "boolean" },
      "smoke-timeout": { type: "string" },
      rollback: { type: "boolean" },
      report: { type: "string" },
      cwd: { type: "string" },
    },
    strict: true,
  });
  const stackName = values.stack;
  if (stackName === undefined || stackName === "") {
    console.error("usage: npm run deploy -- --stack <name> [--plan <file>] [--rollout-timeout <s>] [--smoke-url <url> | --no-smoke] [--rollback]");
    return EXIT.usage;
  }
  if (values["smoke-url"] !== undefined && values["no-smoke"] === true) throw new ReleaseError("--smoke-url and --no-smoke exclude each other", EXIT.usage);
  const workDir = path.resolve(values.cwd ?? repoRoot);
  const reportFile = path.resolve(values.report ?? path.join(workDir, "reports", `deploy-${stackName}.md`));
  const rolloutTimeoutSeconds = seconds("rollout-timeout", values["rollout-timeout"]);
  const smokeTimeoutSeconds = seconds("smoke-timeout", values["smoke-timeout"]);

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

  const env = process.env;
  const runUrl = env.GITHUB_RUN_ID === undefined ? undefined : `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY ?? ""}/actions/runs/${env.GITHUB_RUN_ID}`;
  const result = await deploy({
    target: { stackName, workDir },
    ...(values.plan === undefined ? {} : { planFile: path.resolve(values.plan) }),
    ...(rolloutTimeoutSeconds === undefined ? {} : { rolloutTimeoutSeconds }),
    ...(smokeTimeoutSeconds === undefined ? {} : { smokeTimeoutSeconds }),
    ...(values["smoke-url"] === undefined ? {} : { smokeUrl: values["smoke-url"] }),
    skipSmoke: values["no-smoke"] === true,
    rollbackOnly: values.rollback === true,
    signal: interrupt.signal,
    log: (line) => console.error(`deploy: ${line}`),
    ...(env.SLACK_WEBHOOK_URL ? { slackWebhookUrl: env.SLACK_WEBHOOK_URL } : {}),
    ...(runUrl === undefined ? {} : { runUrl }),
  });

  const secretValues = await secretConfigValues(await openStack({ stackName, workDir })).catch(() => []);
  const report = renderDeployReport(result, secretValues);
  mkdirSync(path.dirname(reportFile), { recursive: true });
  writeFileSync(reportFile, report);
  process.stdout.write(report);
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`deploy: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof ReleaseError ? error.exitCode : EXIT.failed);
  },
);
