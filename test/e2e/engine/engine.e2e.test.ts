// End-to-end proof that the offline toolchain works: the real Pulumi engine (CLI built by
// scripts/tools/build.sh, driven through @pulumi/pulumi/automation), the Node.js language host, the
// Kubernetes resource provider plugin and a real kube-apiserver (scripts/cluster/up.sh) with kwok nodes.
//
// Preconditions (failures are loud, never skipped): `npm run tools` and `npm run cluster:up`.
import { execFile, execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as automation from "@pulumi/pulumi/automation/index.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stepTimer } from "../support/timer.js";

const execFileAsync = promisify(execFile);

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const fixtureDir = path.join(here, "fixture");
const kubeconfig = path.join(repoRoot, ".cluster", "kubeconfig");
const stackName = "e2e";

/** The environment `source scripts/tools/env.sh` produces (PATH, PULUMI_HOME, offline settings). */
function toolsEnv(): Record<string, string> {
  let out: string;
  try {
    out = execFileSync("bash", ["-c", 'source scripts/tools/env.sh >&2 && env -0'], {
      cwd: repoRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`offline tools are not available (run \`npm run tools\`):\n${stderr}`);
  }
  const env: Record<string, string> = {};
  for (const entry of out.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

function required(env: Record<string, string>, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set by scripts/tools/env.sh`);
  return value;
}

interface Condition {
  type: string;
  status: string;
}

describe("offline Pulumi engine against the local Kubernetes API server", () => {
  let env: Record<string, string>;
  let workDir: string;
  let stack: automation.Stack | undefined;
  let destroyed = false;
  const namespace = `engine-e2e-${Date.now().toString(36)}`;
  const { timed, timings } = stepTimer("engine-e2e");

  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await execFileAsync("kubectl", ["--kubeconfig", kubeconfig, ...args], { env });
    return stdout;
  };


  beforeAll(async () => {
    env = toolsEnv();
    if (!existsSync(kubeconfig)) {
      throw new Error(`${kubeconfig} does not exist: start the local cluster with \`npm run cluster:up\``);
    }
    try {
      await kubectl("get", "--raw", "/readyz");
    } catch (err) {
      throw new Error(`the local cluster is not reachable (run \`npm run cluster:up\`): ${String(err)}`);
    }

    workDir = mkdtempSync(path.join(tmpdir(), "engine-e2e-"));
    const projectDir = path.join(workDir, "project");
    // Copy the fixture so Pulumi.<stack>.yaml is written outside the repository; node_modules is a
    // symlink to the repository's (Node resolves it to the real path, so one @pulumi/pulumi is loaded).
    cpSync(fixtureDir, projectDir, { recursive: true });
    symlinkSync(path.join(repoRoot, "node_modules"), path.join(projectDir, "node_modules"), "dir");

    const stateDir = path.join(workDir, "state");
    mkdirSync(stateDir);
    const toolsDir = required(env, "GSS_TOOLS_DIR");
    const pulumiCommand = await automation.PulumiCommand.get({ root: toolsDir });
    const envVars: Record<string, string> = {
      ...env,
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_CONFIG_PASSPHRASE: "engine-e2e-passphrase",
    };
    delete envVars.PULUMI_CONFIG_PASSPHRASE_FILE;
    stack = await automation.LocalWorkspace.createStack(
      { stackName, workDir: projectDir },
      { pulumiCommand, envVars, secretsProvider: "passphrase" },
    );
    await stack.setAllConfig({
      kubeconfig: { value: kubeconfig },
      namespace: { value: namespace },
      k8sProviderVersion: { value: required(env, "GSS_K8S_PROVIDER_VERSION") },
    });

    const sdkVersion = (
      JSON.parse(readFileSync(path.join(repoRoot, "node_modules/@pulumi/kubernetes/package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    if (sdkVersion !== env.GSS_K8S_PROVIDER_VERSION) {
      console.warn(
        `[engine-e2e] @pulumi/kubernetes is ${sdkVersion} but the offline provider plugin is ` +
          `${env.GSS_K8S_PROVIDER_VERSION}; the fixture pins the plugin version explicitly (docs/local-engine.md).`,
      );
    }
  });

  afterAll(async () => {
    if (stack && !destroyed) {
      // Best effort: leave the shared cluster clean even when an assertion failed half-way.
      await stack.destroy().catch((err: unknown) => console.error(`[engine-e2e] cleanup destroy failed: ${String(err)}`));
    }
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    console.log(`[engine-e2e] timings (ms): ${JSON.stringify(timings)}`);
  });

  it("preview plans a create for every resource", async () => {
    const steps: automation.StepEventMetadata[] = [];
    const result = await timed("preview", () =>
      stack!.preview({
        onEvent: (event) => {
          if (event.resourcePreEvent) steps.push(event.resourcePreEvent.metadata);
        },
      }),
    );
    const types = steps.map((s) => s.type).sort();
    expect(types).toEqual([
      "kubernetes:apps/v1:Deployment",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:Service",
      "pulumi:providers:kubernetes",
      "pulumi:pulumi:Stack",
    ]);
    for (const step of steps) expect(step.op, step.urn).toBe("create");
    expect(result.changeSummary).toEqual({ create: 5 });
  });

  it("up creates the resources and the Deployment becomes Available in the API server", async () => {
    const result = await timed("up", () => stack!.up());
    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toEqual({ create: 5 });
    expect(result.outputs.namespace?.value).toBe(namespace);

    const deployment = JSON.parse(await kubectl("-n", namespace, "get", "deployment", "echo", "-o", "json")) as {
      status: { readyReplicas?: number; availableReplicas?: number; conditions?: Condition[] };
    };
    expect(deployment.status.readyReplicas).toBe(2);
    expect(deployment.status.availableReplicas).toBe(2);
    expect(deployment.status.conditions?.find((c) => c.type === "Available")?.status).toBe("True");

    const pods = JSON.parse(
      await kubectl("-n", namespace, "get", "pods", "-l", "app.kubernetes.io/name=echo", "-o", "json"),
    ) as { items: { spec: { nodeName?: string }; status: { phase: string } }[] };
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.status.phase).toBe("Running");
      expect(pod.spec.nodeName).toMatch(/^kwok-node-/);
    }

    const service = JSON.parse(await kubectl("-n", namespace, "get", "service", "echo", "-o", "json")) as {
      spec: { clusterIP: string };
    };
    expect(service.spec.clusterIP).toMatch(/^10\.96\./);
  });

  it("a second up is a no-op", async () => {
    const result = await timed("up (no-op)", () => stack!.up());
    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toEqual({ same: 5 });
  });

  it("destroy removes everything from the cluster", async () => {
    const result = await timed("destroy", () => stack!.destroy());
    destroyed = true;
    expect(result.summary.result).toBe("succeeded");
    expect(result.summary.resourceChanges).toEqual({ delete: 5 });

    const deadline = Date.now() + 60_000;
    let gone = false;
    while (!gone && Date.now() < deadline) {
      const out = await kubectl("get", "namespace", namespace, "--ignore-not-found", "-o", "name");
      gone = out.trim() === "";
      if (!gone) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(gone, `namespace ${namespace} still exists`).toBe(true);

    await stack!.workspace.removeStack(stackName);
  });
});
