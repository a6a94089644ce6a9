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

  it("awaits every object it applies within the rollout timeout, and every object takes back fields changed by hand", () => {
    const objects = registrations.filter((r) => r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers:"));
    expect(objects.length).toBeGreaterThan(15);
    for (const object of objects) {
      expect(object.customTimeouts, `${object.type} ${object.name}`).toEqual({ create: "2m", update: "2m" });
      expect((object.inputs as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations?.["pulumi.com/patchForce"], `${object.type} ${object.name}`).toBe("true");
    }
  });

  it.each([
    ["kubernetes:core/v1:Namespace", "jsonpath={.status.phase}=Active"],
    // The local cluster has no metrics API (kubernetes.metricsApi: false): the HPA is awaited until it reads its target's scale.
    ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "condition=AbleToScale"],
    ["kubernetes:policy/v1:PodDisruptionBudget", "jsonpath={.status.observedGeneration}"],
    ["kubernetes:monitoring.coreos.com/v1:PrometheusRule", "jsonpath={.spec.groups}"],
    ["kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "jsonpath={.spec.endpoints}"],
    ["kubernetes:apps/v1:Deployment", undefined],
    ["kubernetes:core/v1:Service", undefined],
  ])("awaits a %s with pulumi.com/waitFor %s", (type, waitFor) => {
    const object = registrations.find((r) => r.type === type);
    expect(object, type).toBeDefined();
    expect((object?.inputs as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations?.["pulumi.com/waitFor"]).toBe(waitFor);
  });
});
