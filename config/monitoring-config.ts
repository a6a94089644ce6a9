import { z } from "zod";
import { isPrometheusDuration } from "./duration.js";
import { prometheusUrlProblem } from "./validators.js";

/**
 * Everything about monitoring that may differ between stacks (staging, production, ...).
 *
 * Embedded as the `monitoring` key of the stack config. Severities and teams are fixed by the
 * production practices (they drive paging policy, not tuning); thresholds, SLO targets, scrape
 * settings and dashboard identity are tunable here. Every field has a default, so `{}` is a valid,
 * production-grade config.
 */

const duration = (what: string) =>
  z.string().refine(isPrometheusDuration, {
    message: `${what} must be a Prometheus duration such as "30s", "5m", "26h" or "30d"`,
  });

const fraction = (what: string) =>
  z
    .number()
    .gt(0, { message: `${what} is a fraction: use a number between 0 and 1 (0.05 = 5%)` })
    .lt(1, { message: `${what} is a fraction: use a number between 0 and 1 (0.05 = 5%)` });

const positive = (what: string) => z.number().positive({ message: `${what} must be greater than 0` });

/** Kubernetes label key (optional DNS prefix + name) and value rules. */
const labelKey = z
  .string()
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/, {
    message: "label keys must be valid Kubernetes label keys, e.g. \"release\" or \"app.kubernetes.io/part-of\"",
  });
const labelValue = z.string().regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, {
  message: "label values must be at most 63 characters of letters, digits, '-', '_' or '.', starting and ending with a letter or digit",
});

/** Schema of `monitoring.thresholds`: the alert thresholds, which the dashboard also draws. */
export const thresholdsSchema = z
  .object({
    errorRate: fraction("thresholds.errorRate")
      .default(0.05)
      .describe("HighErrorRate fires when the share of 5xx responses over 5 minutes exceeds this fraction (0.05 = 5%)."),
    latencyP95Seconds: positive("thresholds.latencyP95Seconds")
      .default(1)
      .describe("HighLatency fires when the 95th percentile of HTTP request duration over 5 minutes exceeds this many seconds."),
    goroutines: z
      .number()
      .int({ message: "thresholds.goroutines must be a whole number" })
      .positive({ message: "thresholds.goroutines must be greater than 0" })
      .default(1000)
      .describe("HighGoroutineCount fires when one pod runs more goroutines than this."),
    dbConnectionsUsage: fraction("thresholds.dbConnectionsUsage")
      .default(0.8)
      .describe("DatabaseConnectionsHigh fires when open DB connections exceed this fraction of the pool's max open connections."),
    slowQueryP95Seconds: positive("thresholds.slowQueryP95Seconds")
      .default(0.5)
      .describe("SlowDatabaseQueries fires when the 95th percentile of DB query duration over 5 minutes exceeds this many seconds."),
    trafficIncreaseFactor: z
      .number()
      .gt(1, { message: "thresholds.trafficIncreaseFactor must be greater than 1 (2 = traffic doubled)" })
      .default(2)
      .describe("ModerateTrafficIncrease fires when the request rate is this many times the rate at the same time yesterday."),
    trafficIncreaseMinRequestsPerSecond: z
      .number()
      .nonnegative({ message: "thresholds.trafficIncreaseMinRequestsPerSecond must be 0 or more" })
      .default(1)
      .describe("ModerateTrafficIncrease stays silent below this many requests per second, so that 0.1 → 0.3 req/s at night is not news."),
    diskFreeFraction: fraction("thresholds.diskFreeFraction")
      .default(0.1)
      .describe("DiskSpaceLow fires when a persistent volume of the namespace has less than this fraction of free space (0.1 = 10%)."),
    memoryLimitFraction: fraction("thresholds.memoryLimitFraction")
      .default(0.9)
      .describe("HighMemoryUsage fires when a container's working set exceeds this fraction of its memory limit (the OOM killer acts at 1)."),
  })
  .strict();

/** Schema of `monitoring.slo`: availability and latency targets and the window their error budgets are counted over. */
export const sloSchema = z
  .object({
    availabilityTarget: fraction("slo.availabilityTarget")
      .default(0.999)
      .describe("Availability SLO: fraction of HTTP requests that must not answer 5xx over the SLO window (0.999 = 99.9%)."),
    latencyTarget: fraction("slo.latencyTarget")
      .default(0.99)
      .describe("Latency SLO: fraction of HTTP requests that must complete within latencyThresholdSeconds over the SLO window (0.99 = 99%)."),
    latencyThresholdSeconds: positive("slo.latencyThresholdSeconds")
      .default(0.5)
      .describe("Latency SLO threshold in seconds; must be a bucket boundary (le) of http_request_duration_seconds."),
    window: duration("slo.window")
      .default("30d")
      .describe("SLO window (error budget period); burn-rate factors are derived from it (14.4x/6x/3x/1x for 30d)."),
  })
  .strict();

/** Schema of `monitoring.prometheus`: how the Prometheus of kube-prometheus-stack selects and scrapes the service. */
export const prometheusSchema = z
  .object({
    resourceLabels: z
      .record(labelKey, labelValue)
      .default({ release: "kube-prometheus-stack" })
      .describe(
        "Labels put on the ServiceMonitor and PrometheusRule so that the Prometheus of kube-prometheus-stack selects them (its serviceMonitorSelector/ruleSelector match release=<helm release>).",
      ),
    scrapeInterval: duration("prometheus.scrapeInterval").default("30s").describe("How often Prometheus scrapes /metrics of each pod."),
  })
  .strict();

/** Schema of `monitoring.dashboard`: the Grafana dashboard's uid, title and refresh period. */
export const dashboardSchema = z
  .object({
    uid: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, { message: "dashboard.uid must be 1 to 40 letters, digits, '-' or '_' (Grafana's uid rule)" })
      .optional()
      .describe("Grafana dashboard uid. Default: derived from service name and environment, stable across deployments."),
    title: z
      .string()
      .min(1, { message: "dashboard.title must not be empty" })
      .optional()
      .describe("Grafana dashboard title. Default: \"<service> (<environment>)\"."),
    refresh: duration("dashboard.refresh").default("30s").describe("Dashboard auto-refresh period."),
  })
  .strict();

/**
 * Schema of the `monitoring` key of a stack config. Every field has a default, so `{}` parses to a
 * production-grade config; unknown keys are rejected so that a misspelt threshold is not silently
 * ignored. Use {@link parseMonitoringConfig} for error messages that name the stack file.
 */
export const monitoringConfigSchema = z
  .object({
    runbookBaseUrl: z
      .url({ message: "runbookBaseUrl must be an absolute URL such as https://wiki.example.com/runbooks/go-service" })
      .refine((url) => !url.includes("#"), { message: "runbookBaseUrl must not contain '#': each alert appends its own #anchor" })
      .default("https://wiki.mycompany.com/runbooks/go-service")
      .describe("Base URL of the runbook page; each alert links to <runbookBaseUrl>#<alertname in lower case>."),
    prometheusUrl: z
      .string()
      .superRefine((url, ctx) => {
        const problem = prometheusUrlProblem(url);
        if (problem !== undefined) ctx.addIssue({ code: "custom", message: `prometheusUrl ${problem}`, input: url });
      })
      .optional()
      .describe(
        "Base URL of the HTTP API of the Prometheus that scrapes the stack (e.g. http://prometheus.monitoring.svc:9090), as reachable from where npm run deploy runs: the canary analysis queries it (or --prometheus-url).",
      ),
    thresholds: thresholdsSchema.prefault({}).describe("Alert thresholds; the dashboard draws the same values."),
    slo: sloSchema.prefault({}).describe("Service level objectives, alerted with multi-window multi-burn-rate rules."),
    prometheus: prometheusSchema.prefault({}).describe("How kube-prometheus-stack finds and scrapes the service."),
    dashboard: dashboardSchema.prefault({}).describe("Grafana dashboard identity."),
  })
  .strict()
  .describe("Monitoring settings of one stack: alert thresholds, SLOs, scrape settings and dashboard identity.");

/** Parsed monitoring config, every default applied. */
export type MonitoringConfig = z.infer<typeof monitoringConfigSchema>;
/** What a stack file may contain: every field optional. */
export type MonitoringConfigInput = z.input<typeof monitoringConfigSchema>;

/**
 * Parses a monitoring config, applying defaults. Errors list every problem as
 * `<where>.<key path>: <what to change>`.
 *
 * @param where - how the caller names the config in messages, e.g. "stacks/production.yaml: monitoring"
 */
export function parseMonitoringConfig(input: unknown, where = "monitoring"): MonitoringConfig {
  const result = monitoringConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = [where, ...issue.path.map(String)].join(".");
    const message =
      issue.code === "unrecognized_keys"
        ? `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((key) => `"${key}"`).join(", ")}: check the spelling against alerts/README.md`
        : issue.message;
    return `  - ${path}: ${message}`;
  });
  throw new Error(`invalid monitoring config:\n${problems.join("\n")}`);
}
