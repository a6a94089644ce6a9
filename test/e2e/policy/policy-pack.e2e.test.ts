// The guardrails as a Pulumi policy pack, run by the real engine: `pulumi preview --policy-pack
// policies/pack` passes on the local stack and refuses a non-compliant Deployment, naming the rules.
// Preconditions (loud failures): `npm run tools`, `npm run cluster:up`.
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestStack, kubeconfig, repoRoot, toolsEnv, type TestStack } from "../release/environment.js";

const execFileAsync = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const pack = path.join(repoRoot, "policies", "pack");

interface Run {
  readonly code: number;
  readonly output: string;
}

async function pulumi(args: readonly string[], cwd: string, env: Record<string, string>): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileAsync("pulumi", [...args], { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("the guardrails policy pack on the real engine", () => {
  let env: Record<string, string>;
  let stack: TestStack | undefined;
  let fixtureDir = "";

  beforeAll(async () => {
    env = toolsEnv();
    stack = await createTestStack(env, "policy-e2e");
    fixtureDir = mkdtempSync(path.join(tmpdir(), "policy-fixture-"));
    cpSync(path.join(here, "fixture"), fixtureDir, { recursive: true });
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(fixtureDir, "node_modules"), "dir");
    mkdirSync(path.join(fixtureDir, "state"));
  });

  afterAll(async () => {
    await stack?.cleanup();
    if (fixtureDir !== "") rmSync(fixtureDir, { recursive: true, force: true });
  });

  it("passes the local stack: every mandatory rule holds", async () => {
    const t = stack as TestStack;
    const run = await pulumi(["preview", "--stack", t.stackName, "--policy-pack", pack, "--non-interactive"], t.programDir, t.envVars);
    expect(run.output, run.output).toMatch(/Policies:\s*\n\s*✅ go-service-stack-guardrails@v[\d.]+ \(local: /);
    expect(run.code, run.output).toBe(0);
  });

  it("refuses a privileged Deployment without probes or resources, naming each rule", async () => {
    const fixtureEnv: Record<string, string> = { ...env, PULUMI_BACKEND_URL: `file://${path.join(fixtureDir, "state")}`, PULUMI_CONFIG_PASSPHRASE: "policy-e2e" };
    delete fixtureEnv.PULUMI_CONFIG_PASSPHRASE_FILE;
    await pulumi(["stack", "init", "policy-fixture", "--secrets-provider", "passphrase", "--non-interactive"], fixtureDir, fixtureEnv);
    await pulumi(["config", "set", "kubeconfig", kubeconfig], fixtureDir, fixtureEnv);
    await pulumi(["config", "set", "k8sProviderVersion", env.GSS_K8S_PROVIDER_VERSION ?? ""], fixtureDir, fixtureEnv);
    const run = await pulumi(["preview", "--policy-pack", pack, "--non-interactive"], fixtureDir, fixtureEnv);
    expect(run.code, run.output).not.toBe(0);
    for (const rule of ["pss-privileged", "probes-liveness-readiness", "resources-requests-limits"]) expect(run.output, rule).toContain(rule);
    expect(run.output).toMatch(/mandatory/);
  });
});
