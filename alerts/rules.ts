import { durationToSeconds, secondsToDuration } from "../config/duration.js";
import { METRICS, SERVICE_LABELS, SIGNALS, serviceMatchers } from "./metrics-catalog.js";
import { resolveObservabilityProps } from "./observability-props.js";
import type { ObservabilityProps, ResolvedObservability } from "./observability-props.js";
import { num, selector } from "./promql.js";
import type { AlertRule, RuleGroup } from "./rule-types.js";
import { sloAlertRules, sloRecordingRules } from "./slo.js";

/** Window of the rate-based alerts of the production practices. */
const ALERT_WINDOW = "5m";

/** "536870912" → "512 MiB": limits in alert texts read as people configured them. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${num(Math.round(value * 100) / 100)} ${units[unit]}`;
}

const percent = (fraction: number): string => `${num(fraction * 100)}%`;

/** Runbook link of an alert: the base URL plus the alert name in lower case as anchor (a `## AlertName` heading). */
export function runbookUrl(baseUrl: string, alert: string): string {
  return `${baseUrl}#${alert.toLowerCase()}`;
}

/** The nine alerts of the production practices, scoped to the service and corrected. */
export function serviceAlertRules(o: ResolvedObservability): AlertRule[] {
  const t = o.monitoring.thresholds;
  const s = o.scope;
  const svc = o.serviceName;
  const ns = o.namespace;
  const where = `${svc} in namespace ${ns} (${o.environment})`;
  const dash = `Dashboard "${o.dashboardTitle}"`;
  const logs = `kubectl -n ${ns} logs deploy/${svc} --since=15m`;
  const runbook = (alert: string) => runbookUrl(o.monitoring.runbookBaseUrl, alert);
  const serviceWindow = { window: ALERT_WINDOW, by: SERVICE_LABELS };

  return [
    {
      kind: "alert",
      alert: "ApplicationDown",
      // No target up at all, including the case where every target vanished from discovery
      // (all pods gone or unready), which `up == 0` alone would miss.
      expr: `${SIGNALS.targetsUp(s)} == 0\nor\nabsent(${selector(METRICS.up.name, serviceMatchers(s))})`,
      for: "1m",
      severity: "critical",
      team: "backend",
      summary: `${svc} is down in ${ns}: no pod answers Prometheus scrapes`,
      description:
        `No pod of ${where} has answered a Prometheus scrape (job="${o.jobLabel}") for at least 1 minute, ` +
        `or no pod is discovered at all: users get errors or timeouts. ` +
        `Check the pods (kubectl -n ${ns} get pods; kubectl -n ${ns} describe deploy/${svc}), recent rollouts ` +
        `(kubectl -n ${ns} rollout history deploy/${svc}) and the logs (${logs}).`,
      runbookUrl: runbook("ApplicationDown"),
      signal: "targetsUp",
    },
    {
      kind: "alert",
      alert: "HighErrorRate",
      expr: `${SIGNALS.errorRatio(s, serviceWindow)}\n> ${num(t.errorRate)}`,
      for: "2m",
      severity: "critical",
      team: "backend",
      summary: `${svc}: {{ $value | humanizePercentage }} of requests fail with 5xx`,
      description:
        `More than ${percent(t.errorRate)} of HTTP requests to ${where} answered 5xx over the last 5 minutes, for 2 minutes ` +
        `(now {{ $value | humanizePercentage }}). ${dash}: "Request rate" shows which status codes and methods. ` +
        `Check the logs (${logs}), a recent rollout (kubectl -n ${ns} rollout undo deploy/${svc} if it started with one) and the database.`,
      runbookUrl: runbook("HighErrorRate"),
      signal: "errorRatio",
    },
    {
      kind: "alert",
      alert: "HighLatency",
      expr: `${SIGNALS.latencyP95(s, serviceWindow)}\n> ${num(t.latencyP95Seconds)}`,
      for: "3m",
      severity: "critical",
      team: "backend",
      summary: `${svc}: P95 latency is {{ $value | humanizeDuration }}`,
      description:
        `The slowest 5% of requests to ${where} took longer than ${num(t.latencyP95Seconds)}s over the last 5 minutes, for 3 minutes ` +
        `(P95 now {{ $value | humanizeDuration }}). Users see slow pages and timeouts. ` +
        `${dash}: compare with "DB query P95" (slow database), "In-flight requests" (saturation) and "Goroutines"; check CPU throttling of the pods.`,
      runbookUrl: runbook("HighLatency"),
      signal: "latencyP95",
    },
    {
      kind: "alert",
      alert: "HighMemoryUsage",
      expr: `${SIGNALS.memoryLimitUsage(s, ["namespace", "container"], o.containerMemoryLimitBytes)}\n> ${num(t.memoryLimitFraction)}`,
      for: "5m",
      severity: "warning",
      team: "backend",
      summary: `${svc}: a container uses {{ $value | humanizePercentage }} of its ${formatBytes(o.containerMemoryLimitBytes)} memory limit`,
      description:
        `The busiest "${o.containerName}" container of ${where} has used more than ${percent(t.memoryLimitFraction)} of its ` +
        `${formatBytes(o.containerMemoryLimitBytes)} memory limit for 5 minutes (now {{ $value | humanizePercentage }}). ` +
        `At 100% the kernel OOM-kills it: the pod restarts and drops its requests. ${dash}: "Memory" shows whether the Go heap grows ` +
        `(leak: take a heap profile) or follows traffic (raise the memory limit in the stack config).`,
      runbookUrl: runbook("HighMemoryUsage"),
      signal: "memoryLimitUsage",
    },
    {
      kind: "alert",
      alert: "HighGoroutineCount",
      expr: `${SIGNALS.goroutines(s, SERVICE_LABELS)}\n> ${num(t.goroutines)}`,
      for: "5m",
      severity: "warning",
      team: "backend",
      summary: `${svc}: a pod runs {{ $value }} goroutines`,
      description:
        `A pod of ${where} has run more than ${num(t.goroutines)} goroutines for 5 minutes (busiest pod: {{ $value }}). ` +
        `Usually goroutines pile up waiting on a slow dependency, or leak (missing context cancellation), and memory follows. ` +
        `${dash}: compare "Goroutines" with "In-flight requests" and "DB connections"; take a goroutine dump (pprof) of the busiest pod.`,
      runbookUrl: runbook("HighGoroutineCount"),
      signal: "goroutines",
    },
    {
      kind: "alert",
      alert: "DatabaseConnectionsHigh",
      expr: `${SIGNALS.dbConnectionUsage(s, SERVICE_LABELS)}\n> ${num(t.dbConnectionsUsage)}`,
      for: "3m",
      severity: "warning",
      team: "backend",
      summary: `${svc}: {{ $value | humanizePercentage }} of a pod's DB connection pool is open`,
      description:
        `A pod of ${where} has had more than ${percent(t.dbConnectionsUsage)} of its maximum open DB connections open for 3 minutes ` +
        `(worst pod: {{ $value | humanizePercentage }}). When the pool is full, requests wait for a connection and latency climbs. ` +
        `Look for slow queries and long transactions (${dash}: "DB query P95") and the database's health; ` +
        `raise the pool size only if the database can take more connections.`,
      runbookUrl: runbook("DatabaseConnectionsHigh"),
      signal: "dbConnectionUsage",
    },
    {
      kind: "alert",
      alert: "SlowDatabaseQueries",
      expr: `${SIGNALS.dbQueryP95(s, serviceWindow)}\n> ${num(t.slowQueryP95Seconds)}`,
      for: "5m",
      severity: "warning",
      team: "backend",
      summary: `${svc}: DB query P95 is {{ $value | humanizeDuration }}`,
      description:
        `The slowest 5% of database queries of ${where} took longer than ${num(t.slowQueryP95Seconds)}s over the last 5 minutes, ` +
        `for 5 minutes (P95 now {{ $value | humanizeDuration }}). Check the database (CPU, locks, slow query log), ` +
        `recent schema or query changes, and whether traffic grew (${dash}: "Request rate").`,
      runbookUrl: runbook("SlowDatabaseQueries"),
      signal: "dbQueryP95",
    },
    {
      kind: "alert",
      alert: "ModerateTrafficIncrease",
      // Compared with the hour ending at the same time yesterday, as the text says (daily traffic is
      // seasonal; comparing with one hour earlier fires every morning). The minimum rate keeps
      // night-time noise (0.1 → 0.3 req/s) quiet.
      expr:
        `${SIGNALS.trafficChange(s, SERVICE_LABELS)}\n> ${num(t.trafficIncreaseFactor)}\n` +
        `and on (namespace, job)\n${SIGNALS.requestRate(s, serviceWindow)}\n> ${num(t.trafficIncreaseMinRequestsPerSecond)}`,
      for: "10m",
      severity: "info",
      team: "backend",
      summary: `${svc}: traffic is {{ $value | humanize }}x the same time yesterday`,
      description:
        `Requests per second to ${where} over the last 5 minutes have been more than ${num(t.trafficIncreaseFactor)} times the rate of ` +
        `the same hour yesterday for 10 minutes (now {{ $value | humanize }}x, above ${num(t.trafficIncreaseMinRequestsPerSecond)} req/s). ` +
        `For planning, not an emergency: check that the replicas keep up (CPU, latency) and whether the growth is expected ` +
        `(campaign, release, batch client) or abusive (one client).`,
      runbookUrl: runbook("ModerateTrafficIncrease"),
      signal: "trafficChange",
    },
    {
      kind: "alert",
      alert: "DiskSpaceLow",
      expr: `${SIGNALS.volumeFreeRatio(s)}\n< ${num(t.diskFreeFraction)}`,
      for: "15m",
      severity: "warning",
      team: "ops",
      summary: `PVC {{ $labels.persistentvolumeclaim }} in ${ns} has {{ $value | humanizePercentage }} free`,
      description:
        `Persistent volume claim {{ $labels.persistentvolumeclaim }} in namespace ${ns} (${o.environment}) has had less than ` +
        `${percent(t.diskFreeFraction)} free space for 15 minutes (now {{ $value | humanizePercentage }}). When it is full, writes fail. ` +
        `Free space (old data, logs) or expand the volume (kubectl -n ${ns} edit pvc {{ $labels.persistentvolumeclaim }}, if its storage class allows expansion).`,
      runbookUrl: runbook("DiskSpaceLow"),
      signal: "volumeFreeRatio",
    },
  ];
}

/**
 * Alerts on the recovery targets, from kube-state-metrics: the newest successful backup is older than the
 * RPO, and the last restore drill did not succeed within the RTO. Not on single Job events: the schedule
 * leaves room for one failed backup run, which therefore does not page by itself.
 */
export function backupAlertRules(o: ResolvedObservability): AlertRule[] {
  if (o.backup === undefined) return [];
  const { cronJobName, scheduleIntervalSeconds, rpoSeconds, restoreCheck } = o.backup;
  const ns = o.namespace;
  const runbook = (alert: string) => runbookUrl(o.monitoring.runbookBaseUrl, alert);
  const every = secondsToDuration(Math.round(scheduleIntervalSeconds));
  const rpo = secondsToDuration(Math.round(rpoSeconds));
  const manualRun = `kubectl -n ${ns} create job --from=cronjob/${cronJobName} ${cronJobName}-manual-$(date +%s)`;
  const rules: AlertRule[] = [
    {
      kind: "alert",
      alert: "BackupOlderThanRpo",
      expr:
        `(\n  ${SIGNALS.backupRecoveryPointAge(o.scope).replace(/\n/g, "\n  ")}\n)\n> ${num(rpoSeconds)}\n` +
        `or\n` +
        `(\n  ${SIGNALS.backupNeverSucceededAge(o.scope).replace(/\n/g, "\n  ")}\n)\n> ${num(rpoSeconds)}`,
      for: "5m",
      severity: "critical",
      team: "ops",
      summary: `${o.serviceName}: the newest backup is {{ $value | humanizeDuration }} old, more than the RPO (${rpo})`,
      description:
        `The newest successful run of CronJob ${cronJobName} in namespace ${ns} (${o.environment}) started more than the RPO of ${rpo} ago ` +
        `(or the CronJob never succeeded since it was created): a restore now would lose more data than agreed. The schedule runs every ${every}, ` +
        `so at least two runs in a row failed or did not start. Check the recent Jobs and their logs (kubectl -n ${ns} get jobs; ` +
        `kubectl -n ${ns} logs job/<latest>), whether the CronJob is suspended, then run a backup now: ${manualRun}`,
      runbookUrl: runbook("BackupOlderThanRpo"),
      signal: "backupRecoveryPointAge",
      extraLabels: { cronjob: cronJobName },
    },
  ];
  if (restoreCheck !== undefined) {
    const rto = secondsToDuration(restoreCheck.rtoSeconds);
    const check = restoreCheck.cronJobName;
    rules.push({
      kind: "alert",
      alert: "RestoreDrillFailed",
      expr: `(\n  ${SIGNALS.restoreDrillOverdue(o.scope).replace(/\n/g, "\n  ")}\n)\n> ${num(restoreCheck.rtoSeconds)}`,
      severity: "warning",
      team: "ops",
      summary: `${o.serviceName}: the last restore drill did not succeed within the RTO (${rto})`,
      description:
        `The restore drill CronJob ${check} in namespace ${ns} (${o.environment}) scheduled a full restore of the newest backup ` +
        `{{ $value | humanizeDuration }} ago and it has not succeeded: it failed, or it is slower than the RTO of ${rto} ` +
        `(its Job is stopped at the RTO). Until a drill passes, a restore within the RTO is not proven. Read why ` +
        `(kubectl -n ${ns} logs job/<latest ${check} job>: the "restore drill measured" line has the seconds it took), fix it, ` +
        `then run the drill again: kubectl -n ${ns} create job --from=cronjob/${check} ${check}-manual-$(date +%s)`,
      runbookUrl: runbook("RestoreDrillFailed"),
      signal: "restoreDrillOverdue",
    });
  }
  return rules;
}

/** Group names, stable so that Prometheus keeps rule state across updates. */
export function ruleGroupNames(o: ResolvedObservability): { service: string; sloRecording: string; slo: string; backup: string } {
  return {
    service: `${o.serviceName}.alerts`,
    sloRecording: `${o.serviceName}.slo.recording`,
    slo: `${o.serviceName}.slo.alerts`,
    backup: `${o.serviceName}.backup.alerts`,
  };
}

/**
 * Every rule group of the service: the production alerts, SLO recording rules (before the SLO
 * alerts that read them), SLO burn-rate alerts and, with a backup CronJob, backup alerts.
 */
export function buildRuleGroups(props: ObservabilityProps | ResolvedObservability): RuleGroup[] {
  const o = "scope" in props ? props : resolveObservabilityProps(props);
  const names = ruleGroupNames(o);
  const runbook = (alert: string) => runbookUrl(o.monitoring.runbookBaseUrl, alert);
  // Every alert says which service and environment it is about, for routing and silences.
  const identify = (rules: AlertRule[]): AlertRule[] =>
    rules.map((rule) => ({ ...rule, extraLabels: { ...rule.extraLabels, service: o.serviceName, environment: o.environment } }));
  const groups: RuleGroup[] = [
    { name: names.service, rules: identify(serviceAlertRules(o)) },
    { name: names.sloRecording, rules: sloRecordingRules(o) },
    { name: names.slo, rules: identify(sloAlertRules(o, runbook)) },
  ];
  const backup = backupAlertRules(o);
  if (backup.length > 0) groups.push({ name: names.backup, rules: identify(backup) });
  return groups;
}

/** Seconds of a rule's `for`, 0 when it fires at once. */
export function forSeconds(rule: AlertRule): number {
  return rule.for === undefined ? 0 : durationToSeconds(rule.for);
}
