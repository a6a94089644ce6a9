/**
 * Example: a second HTTP service, "orders", deployed with the package the way another team would
 * (`import … from "go-service-stack"`): its own namespace, image, scaling, sizing, settings and
 * host, plus a nightly backup of its database with a NetworkPolicy for the backup pods.
 */
import { App, Chart } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import {
  BackupCronJob,
  BackupServerSideEncryption,
  ENVIRONMENT_DEFAULTS,
  GoService,
  Replicas,
  type KubernetesObject,
} from "go-service-stack";

const NAMESPACE = "orders";
const DATABASE_CIDR = "10.30.0.0/16";

/** The orders stack's objects, as `cdk8s synth` would write them. */
export function synthOrders(): KubernetesObject[] {
  const app = new App();
  const chart = new Chart(app, "orders", { namespace: NAMESPACE, disableResourceNameHashes: true });

  const production = ENVIRONMENT_DEFAULTS.production;
  const service = new GoService(chart, "orders", {
    name: "orders",
    environment: "production",
    image: "registry.example.com/orders:v2.3.0@sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9",
    replicas: Replicas.autoscale({ min: 2, max: 6, cpuUtilizationPercent: 70 }),
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } },
    settings: {
      ...production,
      server: { ...production.server, port: 8081 },
      database: { ...production.database, host: "orders-db.internal.example.com", name: "orders", user: "orders_app" },
      redis: { ...production.redis, addr: "orders-redis.internal.example.com:6379" },
      security: { rateLimitPerMinute: 600, corsAllowedOrigins: ["https://shop.example.com"] },
    },
    ingress: { hosts: ["orders.example.com"] },
    networkPolicy: { databaseCidrs: [DATABASE_CIDR], redisCidrs: [DATABASE_CIDR] },
    labels: { "app.kubernetes.io/part-of": "shop" },
  });

  const backup = new BackupCronJob(chart, "backup", {
    name: "orders-db-backup",
    image: "registry.example.com/pg-backup-tools:15.8-1@sha256:9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
    database: {
      host: "orders-db.internal.example.com",
      name: "orders",
      user: "orders_backup",
      passwordSecret: { name: "orders-secrets", key: "db-password" },
    },
    storage: {
      bucket: "orders-backups-example",
      region: "eu-west-1",
      serverSideEncryption: BackupServerSideEncryption.s3Managed(),
    },
    roleArn: "arn:aws:iam::123456789012:role/orders-db-backup",
    labels: { "app.kubernetes.io/environment": "production" },
  });

  // The backup pods get their own policy: DNS, the database and HTTPS to S3/STS, nothing inbound.
  new kplus.k8s.KubeNetworkPolicy(chart, "backup-network-policy", {
    metadata: { name: "orders-db-backup" },
    spec: {
      podSelector: { matchLabels: { "app.kubernetes.io/name": "orders-db-backup" } },
      policyTypes: ["Ingress", "Egress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
          ports: [
            { protocol: "UDP", port: kplus.k8s.IntOrString.fromNumber(53) },
            { protocol: "TCP", port: kplus.k8s.IntOrString.fromNumber(53) },
          ],
        },
        { to: [{ ipBlock: { cidr: DATABASE_CIDR } }], ports: [{ protocol: "TCP", port: kplus.k8s.IntOrString.fromNumber(5432) }] },
        { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: kplus.k8s.IntOrString.fromNumber(443) }] },
      ],
    },
  });

  void service;
  void backup;
  return chart.toJson() as KubernetesObject[];
}
