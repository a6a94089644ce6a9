// The order a migration imposes on a release, as the engine receives it: the migration Job after what it
// reads (ConfigMap, Secret, ServiceAccount) and its NetworkPolicy, and every Deployment after the Job.
import { beforeAll, describe, expect, it } from "vitest";
import { engineConfigOf, installMocks, runInStack, settle, valueOf, type Registration } from "../support/pulumi-mocks.js";

const SECRETS = {
  "go-service:jwtSecret": "staging-jwt-secret-value-0123456789abcdef",
  "go-service:encryptionKey": "0123456789abcdef0123456789abcdef",
  "go-service:csrfSecret": "staging-csrf-secret-value",
  "go-service:dbPassword": "staging-db-password-value",
};

let registrations: Registration[];

beforeAll(async () => {
  // Staging turns migrations on (Pulumi.staging.yaml `migrations.enabled`).
  registrations = await installMocks("staging", engineConfigOf("staging", SECRETS), Object.keys(SECRETS));
  const { runProgram } = await import("../../infra/program.js");
  const { result, error } = await runInStack(runProgram);
  if (result === undefined) throw error;
  await Promise.all(Object.values(result.stack.resources).map((r) => valueOf(r.urn)));
  await settle();
});

const jobs = () => registrations.filter((r) => r.type === "kubernetes:batch/v1:Job");

describe("the schema migration Job in the Pulumi program", () => {
  it("is one Job, awaited within the rollout timeout, after the ConfigMap, the Secret, the ServiceAccount and its NetworkPolicy", () => {
    expect(jobs()).toHaveLength(1);
    const job = jobs()[0] as Registration;
    expect(job.name).toMatch(/^myapp\/myapp-migrate-[0-9a-f]{10}$/);
    expect(job.customTimeouts).toMatchObject({ create: "10m", update: "10m" });
    expect(job.dependsOn).toEqual(expect.arrayContaining(["myapp", "myapp/myapp-config", "myapp/myapp", "myapp/myapp-secrets", "myapp/myapp-migration"]));
  });

  it("gates the Deployment: the Deployment depends on it, so a failed migration changes no pod", () => {
    const job = jobs()[0] as Registration;
    const deployment = registrations.find((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "myapp/myapp");
    expect(deployment?.dependsOn).toContain(job.name);
  });

  it("gates nothing else: the Service, the HPA, the backups do not wait for it", () => {
    const job = (jobs()[0] as Registration).name;
    const waiting = registrations.filter((r) => r.dependsOn.includes(job)).map((r) => r.type);
    expect(waiting).toEqual(["kubernetes:apps/v1:Deployment"]);
  });
});
