import { beforeAll, describe, expect, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import { engineConfigOf, installMocks, runInStack, settle, valueOf, type Registration } from "../support/pulumi-mocks.js";

const SECRETS = {
  "go-service:jwtSecret": "staging-jwt-secret-value-0123456789abcdef",
  "go-service:encryptionKey": "0123456789abcdef0123456789abcdef",
  "go-service:csrfSecret": "staging-csrf-secret-value",
  "go-service:dbPassword": "staging-db-password-value",
};

let registrations: Registration[];
let outputs: Record<string, pulumi.Output<unknown>>;
let secretResource: { stringData: pulumi.Output<unknown>; data: pulumi.Output<unknown> };

beforeAll(async () => {
  registrations = await installMocks("staging", engineConfigOf("staging", SECRETS), Object.keys(SECRETS));
  const { runProgram } = await import("../../infra/program.js");
  const { result, error } = await runInStack(runProgram);
  if (result === undefined) throw error;
  outputs = result as unknown as Record<string, pulumi.Output<unknown>>;
  secretResource = result.stack.secret as unknown as typeof secretResource;
  await Promise.all(Object.values(result.stack.resources).map((r) => valueOf(r.urn)));
  await settle();
});

const kubernetes = () => registrations.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes");

describe("the Pulumi program on staging, under mocks", () => {
  it("registers one typed resource per Kubernetes object, plus the Secret", () => {
    expect(kubernetes().map((r) => `${r.type} ${r.name}`).sort()).toEqual(
      expect.arrayContaining([
        "kubernetes:core/v1:Namespace myapp",
        "kubernetes:core/v1:ConfigMap myapp/myapp-config",
        "kubernetes:core/v1:ServiceAccount myapp/myapp",
        "kubernetes:core/v1:Secret myapp/myapp-secrets",
        "kubernetes:apps/v1:Deployment myapp/myapp",
        "kubernetes:core/v1:Service myapp/myapp",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler myapp/myapp",
        "kubernetes:policy/v1:PodDisruptionBudget myapp/myapp",
        "kubernetes:networking.k8s.io/v1:Ingress myapp/myapp",
        "kubernetes:networking.k8s.io/v1:NetworkPolicy myapp/myapp",
      ]),
    );
  });

  it("uses one explicit Kubernetes provider with the stack's context and namespace", () => {
    const providers = registrations.filter((r) => r.type === "pulumi:providers:kubernetes");
    expect(providers).toHaveLength(1);
    expect(providers[0]?.inputs).toMatchObject({ context: "staging", namespace: "myapp" });
  });

  it("applies in dependency order: Namespace, then ServiceAccount/ConfigMap/Secret, then workloads", () => {
    const byName = (type: string, name: string) => registrations.find((r) => r.type === type && r.name === name);
    expect(byName("kubernetes:core/v1:Namespace", "myapp")?.dependsOn).toEqual([]);
    for (const [type, name] of [
      ["kubernetes:core/v1:ConfigMap", "myapp/myapp-config"],
      ["kubernetes:core/v1:ServiceAccount", "myapp/myapp"],
      ["kubernetes:core/v1:Secret", "myapp/myapp-secrets"],
    ] as const) {
      expect(byName(type, name)?.dependsOn, `${type} ${name}`).toEqual(["myapp"]);
    }
    const deployment = byName("kubernetes:apps/v1:Deployment", "myapp/myapp");
    expect(deployment?.dependsOn).toEqual(expect.arrayContaining(["myapp", "myapp/myapp-config", "myapp/myapp", "myapp/myapp-secrets"]));
  });

  it("parents every Kubernetes resource to the GoServiceStack component", () => {
    expect(registrations.find((r) => r.type === "seed:stack:GoServiceStack")).toBeDefined();
    for (const resource of kubernetes()) expect(resource.parent, resource.name).toBe("myapp");
  });

  it("builds the Secret from secret config, under the chart's key names, sent to the engine as a secret", () => {
    const secret = registrations.find((r) => r.type === "kubernetes:core/v1:Secret");
    // Pulumi's wire format for a secret value: { <special signature key>: <secret signature>, value }.
    const wrapped = secret?.inputs.stringData as Record<string, unknown>;
    expect(wrapped["4dabf18193072939515e22adb298388d"]).toBe("1b47061264138c4ac30d75fd1eb44270");
    expect(Object.keys(wrapped.value as object).sort()).toEqual(["csrf-secret", "db-password", "encryption-key", "jwt-secret"]);
  });

  it("keeps the Secret's values secret in its outputs", async () => {
    expect(await pulumi.isSecret(secretResource.stringData)).toBe(true);
  });

  it("exports the outputs a reviewer needs and no secret value", async () => {
    const values: Record<string, unknown> = {};
    for (const key of ["namespace", "serviceUrl", "image", "backupBucketName", "backupBucketArn", "dashboardUid"]) {
      values[key] = await valueOf(outputs[key] as pulumi.Output<unknown>);
    }
    expect(values).toMatchObject({ namespace: "myapp", serviceUrl: "https://staging.monapp.com", image: "registry.example.com/myapp:v1.4.2" });
    const text = JSON.stringify(values);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });

  it("registers the staging retention on the bucket: every backup 2 days, one a day for its 7 days", () => {
    const lifecycle = registrations.find((r) => r.type === "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
    const rules = lifecycle?.inputs["rules"] as { id: string; expiration?: { days?: number } }[];
    expect(rules.slice(0, 3).map((rule) => [rule.id, rule.expiration?.days])).toEqual([
      ["expire-frequent-backups", 2],
      ["expire-daily-backups", 7],
      ["expire-backups-of-the-previous-layout", 7],
    ]);
  });

  it("no plain input of any non-Secret resource carries a secret value", () => {
    const text = JSON.stringify(registrations.filter((r) => r.type !== "kubernetes:core/v1:Secret").map((r) => r.inputs));
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });
});
