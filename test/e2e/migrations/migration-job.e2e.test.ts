// The migration Job's place in a release, on the real Pulumi engine and the local cluster: `npm run
// deploy`'s library applies the Job, waits for it, and only then updates the Deployment. A release whose
// migration fails stops there: the Deployment is never updated (no new ReplicaSet, its generation
// unchanged, the old pods serving), the deploy says the migration failed, and the last good release is
// re-applied.
//
// What is real: the engine, the Kubernetes provider's Job await (it fails the update when the Job fails),
// the dependency of the Deployment on the Job, the Job controller (activeDeadlineSeconds), the deploy's
// report. On kwok nodes the Job's pod runs no process (kwok completes it); with the real node
// (scripts/cluster/node.sh) the first release's Job runs `server migrate up` against the node's
// PostgreSQL. The failing release uses an image that cannot be pulled (`:broken`, on kwok and on the real
// node alike), so its Job fails on its deadline; the schema side of a failing migration is proved on a
// real PostgreSQL by test/e2e/migrations/migrations.e2e.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploy, type DeployOptions } from "../../../release/deploy.js";
import { EXIT } from "../../../release/stack-access.js";
import { createTestStack, ensureMonitoringCrds, kubectl, simulateIngressController, type TestStack, toolsEnv } from "../release/environment.js";
import { stepTimer } from "../support/timer.js";

const GOOD_IMAGE = "registry.example.com/myapp:v1.4.2";
const NEXT_IMAGE = "registry.example.com/myapp:v1.4.3";
const UNPULLABLE = "registry.example.com/myapp:broken";
const DEPLOY_DEADLINE = 240;

interface Deployment {
  metadata: { generation: number };
  spec: { template: { spec: { containers: { image: string }[] } } };
}
interface Job {
  metadata: { name: string; creationTimestamp: string };
  spec: { template: { spec: { containers: { image: string; args: string[] }[] } } };
  status: { conditions?: { type: string; status: string; reason?: string }[]; succeeded?: number };
}

describe("the migration Job in a release, on the real engine and the local cluster", () => {
  let env: Record<string, string>;
  let t: TestStack;
  let stopIngress: (() => void) | undefined;
  let realNode = false;
  const { timed } = stepTimer("migration-job", (ms) => `${(ms / 1000).toFixed(1)}s`);
  const options = (): DeployOptions => ({
    target: { stackName: t.stackName, workDir: t.programDir, envVars: t.envVars, pulumiCommand: t.stack.workspace.pulumiCommand },
    rolloutTimeoutSeconds: DEPLOY_DEADLINE,
    log: (line) => console.log(`[migration-job] deploy: ${line}`),
  });
  const get = async <T>(...args: string[]): Promise<T> => JSON.parse(await kubectl(env, "-n", t.namespace, "get", "-o", "json", ...args)) as T;
  const jobs = async (): Promise<Job[]> => (await get<{ items: Job[] }>("jobs", "-l", "app.kubernetes.io/component=migration")).items;
  const replicaSets = async (): Promise<string[]> =>
    (await get<{ items: { spec: { template: { spec: { containers: { image: string }[] } } } }[] }>("replicasets", "-l", "app.kubernetes.io/instance=myapp")).items.map((rs) => rs.spec.template.spec.containers[0]?.image ?? "");

  beforeAll(async () => {
    env = toolsEnv();
    await ensureMonitoringCrds(env);
    realNode = (await kubectl(env, "get", "nodes", "-l", "type=real", "-o", "name")).trim() !== "";
    console.log(`[migration-job] ${realNode ? "the cluster has a real node: the first Job runs migrate up for real" : "kwok nodes only: the Jobs' pods run no process"}`);
    t = await createTestStack(env, `migration-e2e-${Date.now().toString(36)}`);
    stopIngress = simulateIngressController(env, () => t.namespace);
    await t.stack.setConfig("go-service:migrations.enabled", { value: "true" }, true);
    // Fails on its own deadline well before the update stops waiting (kubernetes.rolloutTimeout 2m).
    await t.stack.setConfig("go-service:migrations.timeout", { value: "25s" }, true);
    await t.stack.setConfig("go-service:image", { value: GOOD_IMAGE });
  });

  afterAll(async () => {
    stopIngress?.();
    await t?.cleanup();
  });

  it("a release with migrations runs its Job to completion before the Deployment, and is verified", async () => {
    const result = await timed("deploy release 1", () => deploy(options()));
    expect(result.failure).toBeUndefined();
    expect(result.exitCode).toBe(EXIT.ok);
    const [job, ...others] = await jobs();
    expect(others).toEqual([]);
    expect(job?.metadata.name).toMatch(/^myapp-migrate-[0-9a-f]{10}$/);
    expect(job?.spec.template.spec.containers[0]).toMatchObject({ image: GOOD_IMAGE, args: ["migrate", "up"] });
    expect(job?.status.conditions?.find((c) => c.type === "Complete")?.status).toBe("True");
    const deployment = await get<Deployment>("deployment", "myapp");
    expect(deployment.spec.template.spec.containers[0]?.image).toBe(GOOD_IMAGE);
  });

  it("a release whose migration fails changes no pod: the Deployment is never updated, the deploy says why, and the last good release is re-applied", async () => {
    const before = await get<Deployment>("deployment", "myapp");
    const setsBefore = await replicaSets();
    await t.stack.setConfig("go-service:image", { value: NEXT_IMAGE });
    await t.stack.setConfig("go-service:migrations.image", { value: UNPULLABLE }, true);
    const result = await timed("deploy release 2 (failing migration)", () => deploy(options()));
    console.log(`[migration-job] failure: ${result.failure ?? ""}`);
    expect(result.exitCode).toBe(EXIT.rolledBack);
    expect(result.failure).toMatch(/^the schema migration \(Job myapp-migrate-[0-9a-f]{10}\) failed: the Deployment waits for it, so no pod was changed/);
    expect(result.rollback?.ok).toBe(true);
    const after = await get<Deployment>("deployment", "myapp");
    expect(after.spec.template.spec.containers[0]?.image).toBe(GOOD_IMAGE);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(await replicaSets()).toEqual(setsBefore);
    expect(setsBefore).not.toContain(NEXT_IMAGE);
    // The failed release's Job is gone with the rollback; the last good release's Job is still there.
    expect((await jobs()).map((j) => j.spec.template.spec.containers[0]?.image)).toEqual([GOOD_IMAGE]);
  });
});
