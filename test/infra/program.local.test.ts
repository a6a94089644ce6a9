import { beforeAll, describe, expect, it } from "vitest";
import { engineConfigOf, installMocks, runInStack, settle, valueOf, type Registration } from "../support/pulumi-mocks.js";

const SECRETS = {
  "go-service:jwtSecret": "local-jwt-secret-value-0123456789abcdef",
  "go-service:encryptionKey": "0123456789abcdef0123456789abcdef",
  "go-service:csrfSecret": "local-csrf-secret",
  "go-service:dbPassword": "local-db-password",
};

let registrations: Registration[];

beforeAll(async () => {
  registrations = await installMocks("local", engineConfigOf("local", SECRETS), Object.keys(SECRETS));
  const { runProgram } = await import("../../infra/program.js");
  const { result, error } = await runInStack(runProgram);
  if (result === undefined) throw error;
  await Promise.all(Object.values(result.stack.resources).map((r) => valueOf(r.urn)));
  await settle();
});

describe("the local stack", () => {
  it("registers no AWS resource and no AWS provider: it runs with nothing outside this machine", () => {
    expect(registrations.filter((r) => r.type.startsWith("aws:") || r.type === "pulumi:providers:aws")).toEqual([]);
  });

  it("points the backup job at the existing bucket and the in-cluster S3 endpoint, without IRSA", () => {
    const cronJob = JSON.stringify(registrations.find((r) => r.type === "kubernetes:batch/v1:CronJob" && r.name === "myapp-local/db-backup")?.inputs);
    expect(cronJob).toContain('"name":"BACKUP_BUCKET","value":"myapp-local-backups"');
    expect(cronJob).toContain('"name":"AWS_ENDPOINT_URL","value":"http://s3.myapp-local.svc.cluster.local:9000"');
    expect(cronJob).toContain('"name":"BACKUP_SSE","value":"AES256"');
    const serviceAccount = registrations.find((r) => r.type === "kubernetes:core/v1:ServiceAccount" && r.name === "myapp-local/db-backup");
    expect(JSON.stringify(serviceAccount?.inputs)).not.toContain("eks.amazonaws.com/role-arn");
  });

  it("uses the project's kubeconfig and the local context", () => {
    // Made absolute against the project directory: the provider plugin runs elsewhere.
    expect(registrations.find((r) => r.type === "pulumi:providers:kubernetes")?.inputs).toMatchObject({
      kubeconfig: `${process.cwd()}/.cluster/kubeconfig`,
      context: "local",
    });
  });

  it("waits for the Deployment's rollout no longer than the stack's rolloutTimeout", () => {
    const deployment = registrations.find((r) => r.type === "kubernetes:apps/v1:Deployment");
    expect(deployment?.customTimeouts).toEqual({ create: "2m", update: "2m" });
  });
});
