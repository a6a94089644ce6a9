import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import * as api from "../index.js";
import { ensureBuild, ROOT } from "./examples/ensure-build.js";

describe("public API (index.ts)", () => {
  it("exports the constructs, the components, the config schema and the guardrails", () => {
    for (const name of [
      "GoService",
      "Replicas",
      "ServiceStackChart",
      "BackupCronJob",
      "RestoreCheckCronJob",
      "BackupBucket",
      "BucketEncryption",
      "stackConfigSchema",
      "resolveStackConfig",
      "resolveStackFile",
      "buildStackObjects",
      "buildRuleGroups",
      "buildServiceMonitor",
      "ServiceMonitor",
      "PrometheusRule",
      "GrafanaDashboardConfigMap",
      "checkKubernetesManifests",
      "checkCloudResources",
    ]) {
      expect(api, name).toHaveProperty(name);
    }
  });

  it("only exposes the root entry point and package.json", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { exports: Record<string, unknown> };
    expect(Object.keys(pkg.exports)).toEqual([".", "./package.json"]);
  });

  describe("built package", () => {
    it("resolves by name, refuses deep imports and finds its bundled scripts", async () => {
      ensureBuild();
      const built = (await import("go-service-stack")) as typeof api;
      expect(Object.keys(built).sort()).toEqual(Object.keys(api).sort());
      await expect(import(/* @vite-ignore */ ["go-service-stack", "build", "charts", "go-service.js"].join("/"))).rejects.toThrow();
      const { App, Chart } = await import("cdk8s");
      const chart = new Chart(new App(), "test", { namespace: "test" });
      new built.BackupCronJob(chart, "backup", {
        image: "registry.example.com/pg-backup-tools:15.8-1",
        database: { host: "db", name: "app", user: "backup", passwordSecret: { name: "s", key: "k" } },
        storage: { bucket: "bucket-name", region: "eu-west-1", serverSideEncryption: built.BackupServerSideEncryption.s3Managed() },
        roleArn: "arn:aws:iam::123456789012:role/backup",
      });
      const configMap = chart.toJson().find((o: { kind: string }) => o.kind === "ConfigMap") as { data: Record<string, string> };
      expect(configMap.data["backup.sh"]).toBe(readFileSync(`${ROOT}/charts/backup/backup.sh`, "utf8"));
    }, 200_000);
  });
});
