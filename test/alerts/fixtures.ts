import { Duration } from "cdk8s";
import type { ObservabilityProps } from "../../alerts/index.js";

/** Production-like props: defaults of the monitoring config, a backup every 30 minutes for a 1-hour RPO, a restore drill against a 15-minute RTO. */
export const PRODUCTION: ObservabilityProps = {
  serviceName: "go-service",
  namespace: "production",
  environment: "production",
  containerMemoryLimitBytes: 512 * 1024 * 1024,
  backupCronJobName: "go-service-backup",
  backupScheduleInterval: Duration.minutes(30),
  backupRpo: Duration.hours(1),
  restoreCheckCronJobName: "go-service-restore-check",
  restoreCheckRto: Duration.minutes(15),
  monitoring: { runbookBaseUrl: "https://runbooks.example.com/go-service" },
};

/** Staging-like props: looser thresholds and SLOs, another job label, no backup. */
export const STAGING: ObservabilityProps = {
  serviceName: "go-service",
  namespace: "staging",
  environment: "staging",
  jobLabel: "go-service-staging",
  containerName: "app",
  containerMemoryLimitBytes: 256 * 1024 * 1024,
  monitoring: {
    thresholds: { errorRate: 0.1, latencyP95Seconds: 2, goroutines: 500, memoryLimitFraction: 0.95, trafficIncreaseFactor: 3 },
    slo: { availabilityTarget: 0.99, latencyTarget: 0.95, latencyThresholdSeconds: 1, window: "28d" },
    prometheus: { resourceLabels: { release: "monitoring" }, scrapeInterval: "1m" },
  },
};
