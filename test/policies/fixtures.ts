/** Known-good objects the policy tests break one field at a time. */
import { App, Chart } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import { BackupCronJob } from "../../charts/backup/backup-cron-job.js";
import { BackupServerSideEncryption } from "../../charts/backup/backup-settings.js";
import type { KubernetesManifest } from "../../policies/types.js";
import { committedStack, objectsOf, type Manifest } from "../support/stacks.js";

/** The production stack's objects, plus a backup CronJob and the NetworkPolicy of its pods in their own namespace. */
export function goodObjects(): Manifest[] {
  const app = new App();
  const chart = new Chart(app, "backup", { namespace: "batch", disableResourceNameHashes: true });
  new BackupCronJob(chart, "backup", {
    name: "fixture-backup",
    image: "registry.example.com/pg-backup-tools:15.8-1@sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
    database: { host: "db.internal", name: "app", user: "backup", passwordSecret: { name: "myapp-secrets", key: "db-password" } },
    storage: { bucket: "myapp-backups", region: "eu-west-1", serverSideEncryption: BackupServerSideEncryption.s3Managed() },
    roleArn: "arn:aws:iam::123456789012:role/db-backup",
    labels: { "app.kubernetes.io/environment": "production" },
  });
  new kplus.k8s.KubeNetworkPolicy(chart, "backup-policy", {
    metadata: { name: "fixture-backup" },
    spec: { podSelector: { matchLabels: { "app.kubernetes.io/name": "fixture-backup" } }, policyTypes: ["Ingress", "Egress"] },
  });
  return structuredClone([...objectsOf(committedStack("production")), ...chart.toJson()]) as Manifest[];
}

export const asManifests = (objects: readonly Manifest[]) => objects as unknown as KubernetesManifest[];

export function find(objects: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found === undefined) throw new Error(`no ${kind} ${name ?? ""}`);
  return found;
}

/** The app container of the Deployment. */
export const appContainer = (objects: readonly Manifest[]) => find(objects, "Deployment").spec.template.spec.containers[0];

/** The container of the fixture's backup CronJob. */
export const backupContainer = (objects: readonly Manifest[]) => find(objects, "CronJob", "fixture-backup").spec.jobTemplate.spec.template.spec.containers[0];
