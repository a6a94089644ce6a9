import { Testing } from "cdk8s";
import { describe, expect, it } from "vitest";
import { MigrationJob, migrationJobName, type MigrationJobProps } from "../../charts/migration-job.js";
import { checkKubernetesManifests, mandatoryViolations } from "../../policies/run.js";
import type { KubernetesManifest } from "../../policies/types.js";
import { validateAgainstSchema } from "../support/kubernetes-schema.js";

const PROPS: MigrationJobProps = {
  serviceName: "myapp",
  environment: "production",
  image: "registry.example.com/myapp:v1.4.2@sha256:3f1d5c7a9b2e4f6081a3c5e7f9b1d3a5c7e9f1b3d5a7c9e1f3b5d7a9c1e3f5b7",
  configMapName: "myapp-config",
  secrets: {
    name: "myapp-secrets",
    keys: { jwtSecret: "jwt-secret", encryptionKey: "encryption-key", csrfSecret: "csrf-secret", dbPassword: "db-password", redisPassword: "redis-password" },
  },
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- synthesized manifests are untyped JSON
type Manifest = Record<string, any>;

function synth(props: Partial<MigrationJobProps> = {}): Manifest[] {
  const chart = Testing.chart();
  new MigrationJob(chart, "migration", { ...PROPS, ...props });
  return Testing.synth(chart) as Manifest[];
}

const job = (objects: Manifest[]): Manifest => objects.find((o) => o.kind === "Job") as Manifest;

describe("MigrationJob", () => {
  it("runs the service's image with `migrate up`, the pods' ConfigMap and Secret, no retry, a 5 minute deadline", () => {
    const objects = synth();
    expect(objects.map((o) => o.kind)).toEqual(["Job"]);
    const { spec } = job(objects);
    expect(spec.backoffLimit).toBe(0);
    expect(spec.activeDeadlineSeconds).toBe(300);
    expect(spec.ttlSecondsAfterFinished).toBeUndefined();
    const pod = spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.automountServiceAccountToken).toBe(false);
    const [container] = pod.containers;
    expect(container.image).toBe(PROPS.image);
    expect(container.imagePullPolicy).toBe("IfNotPresent");
    expect(container.args).toEqual(["migrate", "up"]);
    expect(container.envFrom).toEqual([{ configMapRef: { name: "myapp-config" } }]);
    expect(container.env.map((e: Manifest) => [e.name, e.valueFrom.secretKeyRef.key])).toEqual([
      ["JWT_SECRET", "jwt-secret"],
      ["ENCRYPTION_KEY", "encryption-key"],
      ["CSRF_SECRET", "csrf-secret"],
      ["DB_PASSWORD", "db-password"],
      ["REDIS_PASSWORD", "redis-password"],
    ]);
  });

  it("is named after its image: a new release is a new Job, the same image the same one", () => {
    const first = job(synth()).metadata.name;
    expect(first).toMatch(/^myapp-migrate-[0-9a-f]{10}$/);
    expect(job(synth()).metadata.name).toBe(first);
    expect(job(synth({ image: "registry.example.com/myapp:v1.4.3" })).metadata.name).not.toBe(first);
    expect(migrationJobName("myapp", PROPS.image, ["migrate", "up"])).toBe(first);
  });

  it("is labelled apart from the service: its pods are not the Service's endpoints", () => {
    const labels = job(synth()).spec.template.metadata.labels;
    expect(labels["app.kubernetes.io/component"]).toBe("migration");
    expect(labels["app.kubernetes.io/instance"]).toBe("myapp-migration");
  });

  it("passes the restricted Pod Security Standard and every mandatory guardrail, with its NetworkPolicy", async () => {
    const objects = synth({ networkPolicy: { databasePort: 5432, databaseCidrs: ["10.10.0.0/16"] } });
    expect(objects.map((o) => o.kind).sort()).toEqual(["Job", "NetworkPolicy"]);
    for (const object of objects) await validateAgainstSchema(object as { apiVersion: string; kind: string });
    expect(mandatoryViolations(checkKubernetesManifests(objects as KubernetesManifest[], { environment: "production" }))).toEqual([]);
    const policy = objects.find((o) => o.kind === "NetworkPolicy") as Manifest;
    expect(policy.spec.ingress).toEqual([]);
    expect(policy.spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: "10.10.0.0/16" } }], ports: [{ protocol: "TCP", port: 5432 }] });
  });

  it("without its NetworkPolicy, the coverage guardrail finds the Job", () => {
    const violations = checkKubernetesManifests(synth() as KubernetesManifest[], { environment: "production" });
    expect(violations.map((v) => v.ruleId)).toContain("network-policy-coverage");
  });

  it("refuses what the stack schema refuses, naming each prop", () => {
    expect(() => synth({ image: "registry.example.com/myapp:latest" })).toThrow(/MigrationJob "myapp": image must be pinned in production/);
    expect(() => synth({ serviceName: "a".repeat(60) })).toThrow(/job name .* must be at most 63 characters/);
    expect(() => synth({ runAsUser: 0, backoffLimit: -1 })).toThrow(/backoffLimit must be at least 0.*runAsUser must be at least 1/);
  });
});
