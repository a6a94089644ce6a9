// The real program (infra/index.ts) on the real engine and the local cluster: preview, up, a no-op
// second up, destroy. Preconditions (loud failures, never skips): `npm run tools`, `npm run cluster:up`.
import type * as automation from "@pulumi/pulumi/automation/index.js";
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveStackFile } from "../../../config/resolve-stack-config.js";
import { buildStackObjects } from "../../../synth/synthesize.js";
import { createTestStack, ensureMonitoringCrds, kubectl, repoRoot, SECRETS, simulateIngressController, toolsEnv, type TestStack } from "../release/environment.js";
import { stepTimer } from "../support/timer.js";

const STACK = "stack-e2e";

/** `Kind/name` of every object the charts synthesize for the local stack, in a given namespace. */
function expectedObjects(namespace: string): string[] {
  const text = readFileSync(path.join(repoRoot, "Pulumi.local.yaml"), "utf8").replace(/go-service:namespace: \S+/, `go-service:namespace: ${namespace}`);
  const resolved = resolveStackFile(text, { project: "go-service", stack: "local", file: "Pulumi.local.yaml" });
  return buildStackObjects(resolved).map((o) => `${o.kind}/${o.metadata.name}`);
}

const kindOf = (type: string) => type.split(":").pop() ?? type;

describe("the local stack on the real Pulumi engine and Kubernetes API server", () => {
  let env: Record<string, string>;
  let test: TestStack;
  let stopIngress: () => void = () => undefined;
  const { timed, timings } = stepTimer("stack-e2e");

  beforeAll(async () => {
    env = toolsEnv();
    await kubectl(env, "get", "--raw", "/readyz").catch((error: unknown) => {
      throw new Error(`the local cluster is not reachable (run \`npm run cluster:up\`): ${String(error)}`);
    });
    await ensureMonitoringCrds(env);
    test = await createTestStack(env, STACK);
    stopIngress = simulateIngressController(env, () => test.namespace);
  });

  afterAll(async () => {
    stopIngress();
    await test?.cleanup();
    console.log(`[stack-e2e] timings (ms): ${JSON.stringify(timings)}`);
  });

  it("preview plans a create for every Kubernetes object the charts synthesize, the Secret, and nothing else", async () => {
    const steps: automation.StepEventMetadata[] = [];
    let text = "";
    const result = await timed("preview", () =>
      test.stack.preview({
        onEvent: (event) => {
          text += JSON.stringify(event);
          if (event.resourcePreEvent) steps.push(event.resourcePreEvent.metadata);
        },
        onOutput: (out) => (text += out),
      }),
    );
    for (const step of steps) expect(step.op, step.urn).toBe("create");
    const kubernetes = steps
      .filter((s) => s.type.startsWith("kubernetes:"))
      .map((s) => `${kindOf(s.type)}/${s.urn.split("::").pop()?.split("/").pop()}`)
      .sort();
    expect(kubernetes).toEqual([...expectedObjects(test.namespace), "Secret/myapp-secrets"].sort());
    expect(steps.filter((s) => s.type.startsWith("aws:"))).toEqual([]);
    expect(result.changeSummary.create).toBe(steps.length);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });

  it("up creates them all; the Deployment becomes Available in the API server; the Secret holds the secret config", async () => {
    const result = await timed("up", () => test.stack.up());
    expect(result.summary.result).toBe("succeeded");
    expect(result.outputs.namespace?.value).toBe(test.namespace);
    expect(result.outputs.dashboardUid?.value).toBe("myapp-staging");
    for (const secret of Object.values(SECRETS)) expect(JSON.stringify(result.outputs)).not.toContain(secret);

    type DeploymentStatus = { status: { replicas?: number; availableReplicas?: number; conditions?: { type: string; status: string }[] } };
    const read = async (): Promise<DeploymentStatus> => JSON.parse(await kubectl(env, "-n", test.namespace, "get", "deployment", "myapp", "-o", "json")) as DeploymentStatus;
    // On the real node the HPA (min 2) scales the new Deployment up right after its rollout: its second pod
    // needs a few seconds of real probes before the Deployment is Available again.
    let deployment = await read();
    for (let i = 0; i < 60 && deployment.status.conditions?.find((c) => c.type === "Available")?.status !== "True"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      deployment = await read();
    }
    expect(deployment.status.conditions?.find((c) => c.type === "Available")?.status).toBe("True");
    // The HPA owns the replica count; with no metrics server here it keeps the Deployment's initial one.
    expect(deployment.status.availableReplicas).toBeGreaterThanOrEqual(1);
    expect(deployment.status.availableReplicas).toBe(deployment.status.replicas);

    const secret = JSON.parse(await kubectl(env, "-n", test.namespace, "get", "secret", "myapp-secrets", "-o", "json")) as { data: Record<string, string> };
    expect(Buffer.from(secret.data["db-password"] ?? "", "base64").toString()).toBe(SECRETS["go-service:dbPassword"]);
    const cronJobs = await kubectl(env, "-n", test.namespace, "get", "cronjobs", "-o", "name");
    expect(cronJobs.split("\n").filter(Boolean).sort()).toEqual(["cronjob.batch/db-backup", "cronjob.batch/db-restore-check"]);
  });

  it("a second up changes nothing", async () => {
    const result = await timed("up (no change)", () => test.stack.up());
    expect(result.summary.result).toBe("succeeded");
    expect(Object.keys(result.summary.resourceChanges ?? {})).toEqual(["same"]);
  });

  it("destroy removes everything, the namespace included", async () => {
    const result = await timed("destroy", () => test.stack.destroy());
    expect(result.summary.result).toBe("succeeded");
    const deadline = Date.now() + 60_000;
    let namespaces = "";
    do {
      namespaces = await kubectl(env, "get", "namespaces", "-o", "name");
      if (!namespaces.includes(`namespace/${test.namespace}`)) break;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } while (Date.now() < deadline);
    expect(namespaces).not.toContain(`namespace/${test.namespace}`);
  });
});
