/**
 * Example: a background worker (it consumes a queue and serves no traffic): `role: "worker"` gives
 * it no HTTP port, no Ingress and probes on the metrics port (whose server answers /health and
 * /ready); the Service only exposes `metrics` for the ServiceMonitor, and the NetworkPolicy lets
 * only Prometheus in. A fixed pod count (`Replicas.fixed`) means no HorizontalPodAutoscaler.
 */
import { App, Chart } from "cdk8s";
import { ENVIRONMENT_DEFAULTS, GoService, Replicas, type KubernetesObject } from "go-service-stack";

/** The worker stack's objects, as `cdk8s synth` would write them. */
export function synthWorker(): KubernetesObject[] {
  const app = new App();
  const chart = new Chart(app, "report-worker", { namespace: "reports", disableResourceNameHashes: true });
  const staging = ENVIRONMENT_DEFAULTS.staging;
  new GoService(chart, "report-worker", {
    name: "report-worker",
    environment: "staging",
    role: "worker",
    image: "registry.example.com/report-worker:v0.9.1",
    replicas: Replicas.fixed(2),
    resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
    settings: {
      ...staging,
      database: { ...staging.database, host: "reports-db.internal.example.com", name: "reports", user: "report_worker" },
      redis: { ...staging.redis, addr: "reports-redis.internal.example.com:6379", db: 2 },
      logging: { ...staging.logging, level: "debug" },
    },
    liveness: { path: "/health", initialDelaySeconds: 15, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 3 },
    readiness: { path: "/ready", initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
    networkPolicy: { databaseCidrs: ["10.40.0.0/16"], redisCidrs: ["10.40.0.0/16"] },
  });
  return chart.toJson() as KubernetesObject[];
}
