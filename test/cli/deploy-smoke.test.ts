// `npm run deploy`'s smoke-test options: in production a smoke URL or a reason to skip them, and
// every mistake answered in one line, exit 64, before any stack is opened.
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { PROJECT_DIR, productionBlock, stackFileText } from "../support/stacks.js";

const project = mkdtempSync(join(tmpdir(), "cli-deploy-"));
copyFileSync(join(PROJECT_DIR, "Pulumi.yaml"), join(project, "Pulumi.yaml"));
writeFileSync(join(project, "Pulumi.production.yaml"), stackFileText(productionBlock()));
writeFileSync(join(project, "Pulumi.staging.yaml"), stackFileText({ ...productionBlock(), "go-service:environment": "staging" }));

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function deploy(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // No backend, no CLI: a case that got past the checks would fail differently.
    const child = spawn(process.execPath, ["--import", "tsx", join(PROJECT_DIR, "cli/deploy.ts"), ...args], { cwd: PROJECT_DIR, env: { ...process.env, PATH: "/nonexistent" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const CASES: ReadonlyArray<readonly [string, readonly string[], string]> = [
  ["--no-smoke without its reason", ["--stack", "staging", "--cwd", project, "--no-smoke"], "deploy: option --no-smoke needs a value: --no-smoke <reason> (see --help)"],
  [
    "production without a smoke URL or a reason",
    ["--stack", "production", "--cwd", project],
    "deploy: the smoke tests are mandatory in production: pass --smoke-url <base URL> (CI: the environment's SMOKE_URL variable), or --no-smoke <reason> to deploy without them",
  ],
  ["a smoke URL and a reason to skip", ["--stack", "staging", "--cwd", project, "--smoke-url", "https://staging.monapp.com", "--no-smoke", "down"], "deploy: --smoke-url and --no-smoke exclude each other: give one"],
];

let runs: Run[] = [];
beforeAll(async () => {
  runs = await Promise.all(CASES.map(([, args]) => deploy(args)));
}, 120_000);

describe("npm run deploy: smoke-test options", () => {
  it.each(CASES.map((row, index) => [...row, index] as const))("%s: one line, exit 64", (_case, _args, line, index) => {
    const run = runs[index] as Run;
    expect(run.stderr).toBe(`${line}\n`);
    expect(run.status).toBe(64);
    expect(run.stdout).toBe("");
  });
});
