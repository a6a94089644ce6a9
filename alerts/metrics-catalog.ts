import { by, num, selector } from "./promql.js";
import type { Matcher, Matchers } from "./promql.js";

/**
 * The metrics the Go service and the cluster expose, and the PromQL "signals" built from them.
 *
 * Alerts and dashboard panels both call the signal builders below, with the same matchers, so an
 * alert and the panel that shows its signal cannot drift apart (different label, different metric
 * name, different aggregation).
 */

/** Prometheus metric type, which decides the functions that make sense on it (`rate` on counters, `histogram_quantile` on histograms). */
export type MetricType = "counter" | "gauge" | "histogram" | "summary";

/** Who exposes the series, which decides the label set available for scoping. */
export type MetricSource =
  | "prometheus" // synthetic series written by Prometheus itself for every target
  | "service" // the Go service's /metrics (client_golang)
  | "cadvisor" // kubelet's embedded cAdvisor
  | "kubelet" // kubelet /metrics (volume stats)
  | "kube-state-metrics";

/** One metric the rules and panels read, as its exporter exposes it. */
export interface MetricDefinition {
  /** Metric name as exposed, without the `_bucket`/`_count`/`_sum` suffixes of histograms. */
  readonly name: string;
  /** Prometheus metric type. */
  readonly type: MetricType;
  /** Exporter of the series, which decides the labels available to scope it to the service. */
  readonly source: MetricSource;
  /** Labels the rules and panels rely on, besides the scoping labels. */
  readonly labels: readonly string[];
  /** What the metric measures, as a person reads it (the exporter's HELP text, shortened). */
  readonly help: string;
}

const metric = (name: string, type: MetricType, source: MetricSource, labels: readonly string[], help: string): MetricDefinition => ({
  name,
  type,
  source,
  labels,
  help,
});

/**
 * Every metric the alerts and the dashboard read, by id. Series names are written only here, so a
 * renamed metric is fixed in one place.
 */
export const METRICS = {
  up: metric("up", "gauge", "prometheus", [], "1 when the last scrape of the target succeeded, 0 otherwise."),
  httpRequestsTotal: metric("http_requests_total", "counter", "service", ["method", "status"], "HTTP requests served, by method and status code."),
  httpRequestDuration: metric("http_request_duration_seconds", "histogram", "service", ["le"], "HTTP request duration."),
  httpRequestsInFlight: metric("http_requests_in_flight", "gauge", "service", [], "HTTP requests being served right now."),
  goGoroutines: metric("go_goroutines", "gauge", "service", [], "Goroutines that currently exist."),
  goMemstatsAllocBytes: metric("go_memstats_alloc_bytes", "gauge", "service", [], "Bytes of allocated heap objects."),
  goMemstatsSysBytes: metric("go_memstats_sys_bytes", "gauge", "service", [], "Bytes of memory obtained from the OS by the Go runtime."),
  goGcDuration: metric("go_gc_duration_seconds", "summary", "service", [], "GC pause durations."),
  goSqlOpenConnections: metric("go_sql_open_connections", "gauge", "service", [], "Established DB connections, in use and idle."),
  goSqlInUseConnections: metric("go_sql_in_use_connections", "gauge", "service", [], "DB connections currently in use."),
  goSqlMaxOpenConnections: metric("go_sql_max_open_connections", "gauge", "service", [], "Pool limit of open DB connections (0 = unlimited)."),
  dbQueryDuration: metric("db_query_duration_seconds", "histogram", "service", ["le"], "DB query duration."),
  containerMemoryWorkingSet: metric(
    "container_memory_working_set_bytes",
    "gauge",
    "cadvisor",
    ["pod", "container"],
    "Container memory the kernel cannot reclaim; what the OOM killer compares with the limit.",
  ),
  volumeAvailableBytes: metric("kubelet_volume_stats_available_bytes", "gauge", "kubelet", ["persistentvolumeclaim"], "Free bytes of a mounted PVC."),
  volumeCapacityBytes: metric("kubelet_volume_stats_capacity_bytes", "gauge", "kubelet", ["persistentvolumeclaim"], "Capacity of a mounted PVC."),
  cronJobLastSuccessfulTime: metric(
    "kube_cronjob_status_last_successful_time",
    "gauge",
    "kube-state-metrics",
    ["cronjob"],
    "Unix time of the last successful run of a CronJob.",
  ),
  cronJobLastScheduleTime: metric(
    "kube_cronjob_status_last_schedule_time",
    "gauge",
    "kube-state-metrics",
    ["cronjob"],
    "Unix time the CronJob last scheduled a Job (the scheduled time, not the Job's start).",
  ),
  cronJobCreated: metric("kube_cronjob_created", "gauge", "kube-state-metrics", ["cronjob"], "Unix time the CronJob was created."),
  jobStartTime: metric("kube_job_status_start_time", "gauge", "kube-state-metrics", ["job_name"], "Unix time the Job controller started the Job."),
  jobComplete: metric("kube_job_complete", "gauge", "kube-state-metrics", ["job_name", "condition"], "1 on condition=\"true\" when the Job has the Complete condition."),
  jobOwner: metric("kube_job_owner", "gauge", "kube-state-metrics", ["job_name", "owner_kind", "owner_name"], "Owner (e.g. CronJob) of a Job."),
} as const satisfies Record<string, MetricDefinition>;

/** Id of a metric in {@link METRICS}. */
export type MetricId = keyof typeof METRICS;

/**
 * Label values that scope every query to one service. Literal values in alerts; Grafana template
 * variables (`$namespace`, `$job`) in the dashboard.
 */
export interface ServiceScope {
  /** Kubernetes namespace of the service. */
  readonly namespace: string;
  /** Prometheus `job` label of the service's scrape targets. */
  readonly job: string;
  /** Container name in the pod, as cAdvisor labels it. */
  readonly container: string;
  /**
   * Name of the backup CronJob, when there is one.
   * @default - no backup CronJob: the backup signals throw
   */
  readonly backupCronJob?: string;
  /**
   * Release track of the pods to read (`"canary"`, or `{ not: "canary" }` for the stable track), from the
   * `track` label the scrape copies from the pods ({@link POD_TARGET_LABELS}); a canary's analysis reads
   * each track on its own.
   * @default - every track
   */
  readonly track?: Matcher;
  /**
   * Name of the restore drill's CronJob, when there is one.
   * @default - no restore drill: its signal throws
   */
  readonly restoreCheckCronJob?: string;
}

/**
 * The pod label, and series label, of a pod's release track: `stable` for the service's Deployment,
 * `canary` for the Deployment of a canary release (charts/go-service.ts).
 */
export const TRACK_LABEL = "track";
/** The values of {@link TRACK_LABEL}. */
export const RELEASE_TRACKS = { stable: "stable", canary: "canary" } as const;
/** The pod label holding the version of the image the pod runs. */
export const VERSION_POD_LABEL = "app.kubernetes.io/version";
/**
 * Pod labels the scrape copies onto every series of a pod (ServiceMonitor `podTargetLabels`; the plain
 * scrape config relabels them from `__meta_kubernetes_pod_label_*`), so that the tracks and versions of a
 * canary release can be told apart: `track`, and `app_kubernetes_io_version` (label names as Prometheus
 * writes them).
 */
export const POD_TARGET_LABELS = [TRACK_LABEL, VERSION_POD_LABEL] as const;

/** Matchers for series scraped from the service itself (of one release track, when the scope names one). */
export const serviceMatchers = (scope: ServiceScope): Matchers => ({
  namespace: scope.namespace,
  job: scope.job,
  ...(scope.track === undefined ? {} : { [TRACK_LABEL]: scope.track }),
});
/** Matchers for cAdvisor series of the service's container. */
export const containerMatchers = (scope: ServiceScope): Matchers => ({ namespace: scope.namespace, container: scope.container });
/** Matchers for kubelet volume series of the namespace's PVCs. */
export const volumeMatchers = (scope: ServiceScope): Matchers => ({ namespace: scope.namespace });

function backupCronJob(scope: ServiceScope): string {
  if (scope.backupCronJob === undefined) throw new Error("backup signals need a backup CronJob name: set backupCronJobName");
  return scope.backupCronJob;
}

function restoreCheckCronJob(scope: ServiceScope): string {
  if (scope.restoreCheckCronJob === undefined) throw new Error("the restore drill signal needs its CronJob name: set restoreCheckCronJobName");
  return scope.restoreCheckCronJob;
}

/** Newest of a CronJob's schedule times or successes, one series per (namespace, cronjob). */
const newest = (metricName: string, matchers: Matchers): string => `max by (namespace, cronjob) (${selector(metricName, matchers)})`;

/** Labels that identify the service in aggregated alert series. */
export const SERVICE_LABELS = ["namespace", "job"] as const;

const rate = (metricName: string, matchers: Matchers, window: string, extra: Matchers = {}, offset?: string): string =>
  `rate(${selector(metricName, matchers, extra)}[${window}]${offset === undefined ? "" : ` offset ${offset}`})`;

const histogramP95 = (histogram: string, matchers: Matchers, window: string, labels: readonly string[]): string =>
  `histogram_quantile(0.95, sum ${by([...labels, "le"])} (${rate(`${histogram}_bucket`, matchers, window)}))`;

/** Options of signals that can be split (e.g. per pod in the dashboard, per service in alerts). */
export interface SignalOptions {
  /** Rate window: "5m" in alerts, "$__rate_interval" in the dashboard. */
  readonly window: string;
  /** Labels kept by the aggregation. */
  readonly by: readonly string[];
}

/** Recording rule names of the SLO error ratios, per SLO and window. */
export const sloErrorRatioRecord = (slo: SloName, window: string): string => `namespace_job:slo_${slo}_errors:ratio_rate${window}`;
/** Recording rule names of the per-SLO request rates (total and bad) over 5m, used for the SLO-window ratio. */
export const sloRequestsRecord = (slo: SloName, kind: "total" | "bad"): string => `namespace_job:slo_${slo}_requests_${kind}:rate5m`;
/** Recording rule name of the remaining error budget over the SLO window (1 = untouched, 0 = spent). */
export const sloBudgetRemainingRecord = (slo: SloName): string => `namespace_job:slo_${slo}_error_budget_remaining:ratio`;

/** The service's two SLOs: requests answered without 5xx, and requests served under the latency threshold. */
export type SloName = "availability" | "latency";

/**
 * PromQL signals. Each alert names the signal it thresholds; the dashboard has a panel for every
 * signal an alert uses (checked by test/alerts/metrics-catalog.test.ts).
 */
export const SIGNALS = {
  /** Number of scrape targets of the service that answered the last scrape. */
  targetsUp: (s: ServiceScope, labels: readonly string[] = SERVICE_LABELS) => `sum ${by(labels)} (${selector(METRICS.up.name, serviceMatchers(s))})`,

  /** Requests per second. */
  requestRate: (s: ServiceScope, o: SignalOptions) => `sum ${by(o.by)} (${rate(METRICS.httpRequestsTotal.name, serviceMatchers(s), o.window)})`,

  /** Share of requests answered with a 5xx status. */
  // A service that answered no 5xx has no 5xx series: `or … * 0` makes that 0 %, not "no data" (found
  // by the real Prometheus of test/e2e/real-pods, where the error panel of a healthy service was empty).
  errorRatio: (s: ServiceScope, o: SignalOptions) =>
    `(\n` +
    `  sum ${by(o.by)} (${rate(METRICS.httpRequestsTotal.name, serviceMatchers(s), o.window, { status: { re: "5.." } })})\n` +
    `  or\n` +
    `  sum ${by(o.by)} (${rate(METRICS.httpRequestsTotal.name, serviceMatchers(s), o.window)}) * 0\n` +
    `)\n` +
    `/\n` +
    `sum ${by(o.by)} (${rate(METRICS.httpRequestsTotal.name, serviceMatchers(s), o.window)})`,

  /** 95th percentile of HTTP request duration, seconds. */
  latencyP95: (s: ServiceScope, o: SignalOptions) => histogramP95(METRICS.httpRequestDuration.name, serviceMatchers(s), o.window, o.by),

  /** Requests being served right now. */
  requestsInFlight: (s: ServiceScope, labels: readonly string[]) => `sum ${by(labels)} (${selector(METRICS.httpRequestsInFlight.name, serviceMatchers(s))})`,

  /** Container working set as a fraction of the memory limit. */
  memoryLimitUsage: (s: ServiceScope, labels: readonly string[], memoryLimitBytes: number) =>
    `max ${by(labels)} (${selector(METRICS.containerMemoryWorkingSet.name, containerMatchers(s))})\n/\n${num(memoryLimitBytes)}`,

  /** Goroutines of the busiest pod (or per pod when split by pod). */
  goroutines: (s: ServiceScope, labels: readonly string[]) => `max ${by(labels)} (${selector(METRICS.goGoroutines.name, serviceMatchers(s))})`,

  /**
   * Open DB connections as a fraction of the pool limit, worst pod. Pods without a limit
   * (max_open = 0) are left out instead of dividing by zero into +Inf.
   */
  dbConnectionUsage: (s: ServiceScope, labels: readonly string[]) =>
    `max ${by(labels)} (\n` +
    `  ${selector(METRICS.goSqlOpenConnections.name, serviceMatchers(s))}\n` +
    `  /\n` +
    `  (${selector(METRICS.goSqlMaxOpenConnections.name, serviceMatchers(s))} > 0)\n` +
    `)`,

  /** 95th percentile of DB query duration, seconds. */
  dbQueryP95: (s: ServiceScope, o: SignalOptions) => histogramP95(METRICS.dbQueryDuration.name, serviceMatchers(s), o.window, o.by),

  /** Request rate now divided by the request rate over the hour ending at the same time yesterday. */
  trafficChange: (s: ServiceScope, labels: readonly string[]) =>
    `sum ${by(labels)} (${rate(METRICS.httpRequestsTotal.name, serviceMatchers(s), "5m")})\n` +
    `/\n` +
    `sum ${by(labels)} (${rate(METRICS.httpRequestsTotal.name, serviceMatchers(s), "1h", {}, "1d")})`,

  /** Free fraction of each PVC of the namespace. */
  volumeFreeRatio: (s: ServiceScope) =>
    `min ${by(["namespace", "persistentvolumeclaim"])} (\n` +
    `  ${selector(METRICS.volumeAvailableBytes.name, volumeMatchers(s))}\n` +
    `  /\n` +
    `  ${selector(METRICS.volumeCapacityBytes.name, volumeMatchers(s))}\n` +
    `)`,

  /**
   * Recovery point age: seconds since the newest successful backup Job started (its snapshot is taken
   * right after, so a restore would lose at most this much). From the start of the Jobs the CronJob keeps
   * in its history; when none is left, from the CronJob's last success (its end: an underestimate by one
   * run). One series per namespace (the selectors name the one backup CronJob).
   */
  backupRecoveryPointAge: (s: ServiceScope) => {
    const ns = { namespace: s.namespace };
    return (
      `time() - max by (namespace) (\n` +
      `  ${selector(METRICS.jobStartTime.name, ns)}\n` +
      `  * on (namespace, job_name) group_left ()\n` +
      `  max by (namespace, job_name) (${selector(METRICS.jobOwner.name, { ...ns, owner_kind: "CronJob", owner_name: backupCronJob(s) })})\n` +
      `  and on (namespace, job_name)\n` +
      `  (${selector(METRICS.jobComplete.name, { ...ns, condition: "true" })} == 1)\n` +
      `  or on (namespace)\n` +
      `  ${selector(METRICS.cronJobLastSuccessfulTime.name, { ...ns, cronjob: backupCronJob(s) })}\n` +
      `)`
    );
  },

  /** Seconds since the backup CronJob was created, for CronJobs that never succeeded. */
  backupNeverSucceededAge: (s: ServiceScope) => {
    const cronJobMatchers = { namespace: s.namespace, cronjob: backupCronJob(s) };
    return (
      `(time() - max by (namespace) (${selector(METRICS.cronJobCreated.name, cronJobMatchers)}))\n` +
      `unless on (namespace)\n` +
      `${selector(METRICS.cronJobLastSuccessfulTime.name, cronJobMatchers)}`
    );
  },

  /**
   * Seconds since the restore drill CronJob last scheduled a run that has not succeeded since (it failed,
   * or is still running); no series while the last scheduled drill succeeded.
   */
  restoreDrillOverdue: (s: ServiceScope) => {
    const m = { namespace: s.namespace, cronjob: restoreCheckCronJob(s) };
    const scheduled = newest(METRICS.cronJobLastScheduleTime.name, m);
    const succeeded = newest(METRICS.cronJobLastSuccessfulTime.name, m);
    return (
      `time() - ${scheduled}\n` +
      `and on (namespace, cronjob)\n` +
      `(\n` +
      `  ${scheduled} > ${succeeded}\n` +
      `  or on (namespace, cronjob)\n` +
      `  ${scheduled} unless on (namespace, cronjob) ${selector(METRICS.cronJobLastSuccessfulTime.name, m)}\n` +
      `)`
    );
  },

  /** SLO error ratio over a window: 5xx share (availability) or share slower than the threshold (latency). */
  sloErrorRatio: (s: ServiceScope, slo: SloName, window: string) => selector(sloErrorRatioRecord(slo, window), serviceMatchers(s)),

  /** SLO burn rate: error ratio over a window divided by the error budget (1 = spending exactly the budget). */
  sloBurnRate: (s: ServiceScope, slo: SloName, window: string, errorBudget: number) => `${selector(sloErrorRatioRecord(slo, window), serviceMatchers(s))} / ${num(errorBudget)}`,

  /** Remaining error budget over the SLO window (1 = untouched, 0 = spent, negative = SLO missed). */
  sloBudgetRemaining: (s: ServiceScope, slo: SloName) => selector(sloBudgetRemainingRecord(slo), serviceMatchers(s)),
} as const;

/** Id of a signal in {@link SIGNALS}; an alert names the signal it watches so the dashboard can be checked to show it. */
export type SignalId = keyof typeof SIGNALS;
