import { createHash } from "node:crypto";
import type { Duration } from "cdk8s";
import { durationToSeconds, secondsToDuration } from "../config/duration.js";
import { COMMON_DEFAULTS } from "../config/environment-defaults.js";
import { TOLERATED_FAILED_RUNS } from "../config/recovery-targets.js";
import { backupIntervalRpoProblem, dnsLabelProblem, MINIMUM_RTO_MINUTES, recoveryTargetProblem } from "../config/validators.js";
import type { ServiceScope } from "./metrics-catalog.js";
import { parseMonitoringConfig } from "../config/monitoring-config.js";
import type { MonitoringConfig, MonitoringConfigInput } from "../config/monitoring-config.js";

/**
 * What the observability bundle (rules, ServiceMonitor, dashboard) needs to know about one
 * deployment of the Go service. Plain typed values: the stack config is mapped onto these by the
 * caller.
 */
export interface ObservabilityProps {
  /** Name of the service (Kubernetes Service/Deployment name), a DNS-1123 label such as "go-service". */
  readonly serviceName: string;
  /** Kubernetes namespace the service runs in. */
  readonly namespace: string;
  /** Environment name, e.g. "production" or "staging"; part of the dashboard uid and of every alert's labels. */
  readonly environment: string;
  /** Memory limit of the service container in bytes; HighMemoryUsage is a fraction of it. */
  readonly containerMemoryLimitBytes: number;
  /**
   * Value of the Prometheus `job` label of the service's targets. The ServiceMonitor sets it, so
   * alerts and scrape config agree.
   * @default - the service name
   */
  readonly jobLabel?: string;
  /**
   * Name of the service's container in the pod, as cAdvisor labels its memory series.
   * @default - the service name
   */
  readonly containerName?: string;
  /**
   * Monitoring settings of the stack (the `monitoring` key of the stack config), parsed or not.
   * @default - every setting at its default (production values)
   */
  readonly monitoring?: MonitoringConfigInput;
  /**
   * Name of the CronJob that backs up the service's data, in the same namespace.
   * @default - no backup alerts and no backup panel
   */
  readonly backupCronJobName?: string;
  /**
   * Longest interval between two scheduled backups (e.g. `Duration.minutes(30)` for `*\/30 * * * *`).
   * Required with `backupCronJobName`.
   * @default - none; required when backupCronJobName is set
   */
  readonly backupScheduleInterval?: Duration;
  /**
   * Recovery point objective: BackupOlderThanRpo fires when the newest successful backup started longer
   * ago than this. Must leave room for one failed run: at least twice `backupScheduleInterval`.
   * @default - twice backupScheduleInterval
   */
  readonly backupRpo?: Duration;
  /**
   * Name of the CronJob of the restore drill (the full restore check), in the same namespace.
   * @default - no restore drill alert and panel
   */
  readonly restoreCheckCronJobName?: string;
  /**
   * Recovery time objective: RestoreDrillFailed fires when the last scheduled restore drill has not
   * succeeded this long after it was scheduled (it failed, or is slower than the RTO).
   * @default - the stack default, 15 minutes (config/environment-defaults.ts)
   */
  readonly restoreCheckRto?: Duration;
}

/** The restore drill's settings once validated. */
export interface ResolvedRestoreCheck {
  /** Name of the restore check CronJob, a valid Kubernetes name in the service's namespace. */
  readonly cronJobName: string;
  /** Recovery time objective, in seconds: the drill must succeed within it. */
  readonly rtoSeconds: number;
}

/** Backup settings once validated. */
export interface ResolvedBackup {
  /** Name of the backup CronJob, a valid Kubernetes name in the service's namespace. */
  readonly cronJobName: string;
  /** Longest interval between two scheduled backups, in seconds. */
  readonly scheduleIntervalSeconds: number;
  /** Recovery point objective, in seconds: BackupOlderThanRpo fires past it; at least twice the schedule interval. */
  readonly rpoSeconds: number;
  /** The restore drill; `undefined` without `restoreCheckCronJobName`. */
  readonly restoreCheck: ResolvedRestoreCheck | undefined;
}

/** ObservabilityProps with defaults applied and every value validated. */
export interface ResolvedObservability {
  /** Name of the service, a valid DNS-1123 label. */
  readonly serviceName: string;
  /** Kubernetes namespace the service runs in, a valid DNS-1123 label. */
  readonly namespace: string;
  /** Environment name, e.g. "production"; part of the dashboard uid and of alert texts. */
  readonly environment: string;
  /** Value of the Prometheus `job` label of the service's targets: the configured one, or the service name. */
  readonly jobLabel: string;
  /** Name of the service's container, as cAdvisor labels its series: the configured one, or the service name. */
  readonly containerName: string;
  /** Memory limit of the service container, in bytes (a positive safe integer). */
  readonly containerMemoryLimitBytes: number;
  /** Monitoring config with every default applied. */
  readonly monitoring: MonitoringConfig;
  /** Backup settings; `undefined` when the service has no backup CronJob, which leaves out the backup alerts and panel. */
  readonly backup: ResolvedBackup | undefined;
  /** Selectors of the service's own series, with literal values. */
  readonly scope: ServiceScope;
  /** Grafana dashboard uid: the configured one, or derived from service and environment. */
  readonly dashboardUid: string;
  /** Grafana dashboard title: the configured one, or "<service> (<environment>)". */
  readonly dashboardTitle: string;
}

/** Grafana limits dashboard uids to 40 characters. */
export const MAX_DASHBOARD_UID_LENGTH = 40;

/**
 * Stable dashboard uid for a service in an environment: "<service>-<environment>", or, when that is
 * longer than Grafana's 40 characters, its first 31 characters plus 8 hex characters of its SHA-256
 * so two long names still get different uids.
 */
export function deriveDashboardUid(serviceName: string, environment: string): string {
  const full = `${serviceName}-${environment}`;
  if (full.length <= MAX_DASHBOARD_UID_LENGTH) return full;
  const hash = createHash("sha256").update(full).digest("hex").slice(0, 8);
  return `${full.slice(0, MAX_DASHBOARD_UID_LENGTH - 9).replace(/-+$/, "")}-${hash}`;
}

/** The slowest burn-rate alert looks back 3 days; the SLO window must be longer. */
const MIN_SLO_WINDOW_SECONDS = 3 * 86_400;

function requireDnsLabel(prop: string, value: string): void {
  const reason = dnsLabelProblem(value);
  if (reason !== undefined) throw new Error(`${prop} "${value}" is not a valid Kubernetes name: it ${reason}`);
}

/**
 * Applies defaults and validates; every error names the prop and says what to change.
 * Idempotent on its own `monitoring` output, so callers may pass an already parsed config.
 */
export function resolveObservabilityProps(props: ObservabilityProps): ResolvedObservability {
  requireDnsLabel("serviceName", props.serviceName);
  requireDnsLabel("namespace", props.namespace);
  if (!/^[a-z0-9][-a-z0-9]*$/.test(props.environment) || props.environment.length > 30) {
    throw new Error(`environment "${props.environment}" must be 1 to 30 lower-case letters, digits or '-', e.g. "production" or "staging"`);
  }
  if (!Number.isSafeInteger(props.containerMemoryLimitBytes) || props.containerMemoryLimitBytes <= 0) {
    throw new Error(
      `containerMemoryLimitBytes must be the container's memory limit as a positive whole number of bytes (512 MiB = 536870912), got ${props.containerMemoryLimitBytes}`,
    );
  }
  const jobLabel = props.jobLabel ?? props.serviceName;
  if (jobLabel.trim() === "" || jobLabel !== jobLabel.trim()) {
    throw new Error(`jobLabel "${jobLabel}" must be a non-empty value without surrounding spaces, or be left out to use the service name`);
  }
  const containerName = props.containerName ?? props.serviceName;
  requireDnsLabel("containerName", containerName);

  const monitoring = parseMonitoringConfig(props.monitoring ?? {});
  if (durationToSeconds(monitoring.slo.window) <= MIN_SLO_WINDOW_SECONDS) {
    throw new Error(`monitoring.slo.window "${monitoring.slo.window}" must be longer than the 3d look-back of the slow burn-rate alert: use "28d" or "30d"`);
  }

  let backup: ResolvedBackup | undefined;
  const backupProps = [props.backupCronJobName, props.backupScheduleInterval, props.backupRpo, props.restoreCheckCronJobName, props.restoreCheckRto];
  if (backupProps.some((value) => value !== undefined)) {
    if (props.backupCronJobName === undefined || props.backupScheduleInterval === undefined) {
      throw new Error(
        "backupCronJobName and backupScheduleInterval go together, and backupRpo, restoreCheckCronJobName and restoreCheckRto need them: " +
          "set both to get backup alerts (e.g. backupScheduleInterval: Duration.minutes(30)), or none of these",
      );
    }
    requireDnsLabel("backupCronJobName", props.backupCronJobName);
    const scheduleIntervalSeconds = props.backupScheduleInterval.toSeconds();
    if (!(scheduleIntervalSeconds > 0)) {
      throw new Error(`backupScheduleInterval must be longer than 0 seconds, got ${scheduleIntervalSeconds}`);
    }
    const rpoSeconds = props.backupRpo?.toSeconds() ?? (1 + TOLERATED_FAILED_RUNS) * scheduleIntervalSeconds;
    const rpoProblem = backupIntervalRpoProblem(scheduleIntervalSeconds / 60, rpoSeconds / 60);
    if (rpoProblem !== undefined) throw new Error(`backupRpo: a backup that ${rpoProblem}`);
    let restoreCheck: ResolvedRestoreCheck | undefined;
    if (props.restoreCheckCronJobName !== undefined) {
      requireDnsLabel("restoreCheckCronJobName", props.restoreCheckCronJobName);
      const rtoSeconds = props.restoreCheckRto?.toSeconds() ?? durationToSeconds(COMMON_DEFAULTS.backup.rto);
      const rtoProblem =
        Number.isInteger(rtoSeconds) && rtoSeconds > 0
          ? recoveryTargetProblem(secondsToDuration(rtoSeconds), MINIMUM_RTO_MINUTES)
          : `must be a positive whole number of minutes, not ${rtoSeconds} s`;
      if (rtoProblem !== undefined) throw new Error(`restoreCheckRto ${rtoProblem}`);
      restoreCheck = { cronJobName: props.restoreCheckCronJobName, rtoSeconds };
    } else if (props.restoreCheckRto !== undefined) {
      throw new Error("restoreCheckRto needs restoreCheckCronJobName: the RestoreDrillFailed alert watches that CronJob");
    }
    backup = { cronJobName: props.backupCronJobName, scheduleIntervalSeconds, rpoSeconds, restoreCheck };
  }

  return {
    serviceName: props.serviceName,
    namespace: props.namespace,
    environment: props.environment,
    jobLabel,
    containerName,
    containerMemoryLimitBytes: props.containerMemoryLimitBytes,
    monitoring,
    backup,
    scope: {
      namespace: props.namespace,
      job: jobLabel,
      container: containerName,
      ...(backup === undefined ? {} : { backupCronJob: backup.cronJobName }),
      ...(backup?.restoreCheck === undefined ? {} : { restoreCheckCronJob: backup.restoreCheck.cronJobName }),
    },
    dashboardUid: monitoring.dashboard.uid ?? deriveDashboardUid(props.serviceName, props.environment),
    dashboardTitle: monitoring.dashboard.title ?? `${props.serviceName} (${props.environment})`,
  };
}
