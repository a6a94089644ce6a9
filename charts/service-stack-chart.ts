import { Chart, Duration, JsonPatch, type ChartProps } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import type { Construct } from "constructs";
import { resolveObservabilityProps, type ResolvedObservability } from "../alerts/observability-props.js";
import type { StackConfig } from "../config/schema.js";
import { memoryBytes } from "../config/quantities.js";
import { BackupCronJob } from "./backup/backup-cron-job.js";
import { BackupNetworkPolicy } from "./backup/backup-network-policy.js";
import { BackupServerSideEncryption } from "./backup/backup-settings.js";
import { durationMinutes } from "../config/recovery-targets.js";
import { RestoreCheckCronJob } from "./backup/restore-check-cron-job.js";
import { deferredValue } from "./deferred-value.js";
import { GoService } from "./go-service.js";
import { MigrationJob } from "./migration-job.js";
import { durationToSeconds } from "../config/duration.js";
import { GrafanaDashboardConfigMap } from "./observability/grafana-dashboard-config-map.js";
import { PrometheusRule } from "./observability/prometheus-rule.js";
import { ServiceMonitor } from "./observability/service-monitor.js";
import { addFinalJsonPatch } from "./raw-json-patch.js";
import { Replicas } from "./replicas.js";

/** Props of {@link ServiceStackChart}. */
export interface ServiceStackChartProps extends ChartProps {
  /** The validated configuration of one stack (see `resolveStackConfig`). */
  readonly config: StackConfig;
  /**
   * Secret config keys the stack sets; `backupEncryptionKey` among them turns on the backups'
   * client-side encryption.
   * @default []
   */
  readonly secretKeys?: readonly string[];
}

/** Name of the backup CronJob in every stack. */
export const BACKUP_CRON_JOB_NAME = "db-backup";

/**
 * Everything one stack deploys into its namespace, from its validated config: the namespace itself
 * (restricted Pod Security Standard enforced), the Go service, and its monitoring and backup jobs.
 */
export class ServiceStackChart extends Chart {
  /** The Go service. */
  readonly service: GoService;
  /** The config the chart was built from. */
  readonly config: StackConfig;
  /** The observability model, resolved once: the alerts, the ServiceMonitor and the dashboard are all built from it. */
  readonly observability: ResolvedObservability;
  /** The dashboard ConfigMap (its `dashboardUid` is a stack output). */
  readonly dashboard: GrafanaDashboardConfigMap;
  /** The alert and recording rules. */
  readonly prometheusRule: PrometheusRule;
  /** The backup CronJob, when `backup.enabled`. */
  readonly backup?: BackupCronJob;
  /** The schema migration Job, when `migrations.enabled`: applied before the Deployment, which depends on it. */
  readonly migration?: MigrationJob;

  constructor(scope: Construct, id: string, props: ServiceStackChartProps) {
    const { config } = props;
    super(scope, id, { ...props, namespace: config.namespace, disableResourceNameHashes: true });
    this.config = config;

    const namespace = new kplus.k8s.KubeNamespace(this, "namespace", {
      metadata: {
        name: config.namespace,
        labels: {
          "app.kubernetes.io/part-of": config.name,
          "pod-security.kubernetes.io/enforce": "restricted",
          "pod-security.kubernetes.io/enforce-version": "latest",
        },
      },
    });
    // A Namespace is cluster-scoped; cdk8s stamps the chart's namespace on every object.
    addFinalJsonPatch(namespace, JsonPatch.remove("/metadata/namespace"));

    this.service = new GoService(this, config.name, {
      name: config.name,
      environment: config.environment,
      role: config.role,
      image: config.image,
      replicas: config.autoscaling.enabled
        ? Replicas.autoscale({
            min: config.autoscaling.minReplicas,
            max: config.autoscaling.maxReplicas,
            cpuUtilizationPercent: config.autoscaling.targetCPUUtilizationPercentage,
            memoryUtilizationPercent: config.autoscaling.targetMemoryUtilizationPercentage,
          })
        : Replicas.fixed(config.replicas),
      resources: config.resources,
      settings: config,
      liveness: config.probes.liveness,
      readiness: config.probes.readiness,
      ...(config.ingress.enabled
        ? {
            ingress: {
              hosts: config.ingress.hosts,
              className: config.ingress.className,
              clusterIssuer: config.ingress.clusterIssuer,
              tlsSecretName: config.ingress.tlsSecretName,
            },
          }
        : {}),
      secrets: config.secrets,
      runAsUser: config.pod.runAsUser,
      runAsGroup: config.pod.runAsGroup,
      preStopSleepSeconds: config.pod.preStopSleepSeconds,
      goMemLimitFraction: config.pod.goMemLimitFraction,
      tmpSizeLimit: config.pod.tmpSizeLimit,
      ephemeralStorage: config.pod.ephemeralStorage,
      networkPolicy: config.networkPolicy.enabled ? config.networkPolicy : false,
      ...(config.release.canary === undefined ? {} : { canary: config.release.canary }),
    });

    if (config.migrations.enabled) {
      this.migration = new MigrationJob(this, "migration", {
        serviceName: config.name,
        environment: config.environment,
        image: config.migrations.image ?? config.image,
        args: config.migrations.args,
        configMapName: this.service.configMap.name,
        secrets: config.secrets,
        serviceAccountName: this.service.serviceAccount.name,
        timeoutSeconds: durationToSeconds(config.migrations.timeout),
        backoffLimit: config.migrations.backoffLimit,
        runAsUser: config.pod.runAsUser,
        runAsGroup: config.pod.runAsGroup,
        networkPolicy: config.networkPolicy.enabled ? { databasePort: config.database.port, databaseCidrs: config.networkPolicy.databaseCidrs } : false,
      });
    }

    let restoreCheck: RestoreCheckCronJob | undefined;
    if (config.backup.enabled) [this.backup, restoreCheck] = this.addBackups(config, props.secretKeys ?? []);
    const backup = this.backup;

    this.observability = resolveObservabilityProps({
      serviceName: config.name,
      namespace: config.namespace,
      environment: config.environment,
      containerName: "app",
      containerMemoryLimitBytes: memoryBytes(config.resources.limits.memory),
      monitoring: config.monitoring,
      ...(backup === undefined
        ? {}
        : {
            backupCronJobName: BACKUP_CRON_JOB_NAME,
            backupScheduleInterval: backup.scheduleInterval,
            // With WAL archiving the RPO is the archive's; the dump's own target is then two of its intervals (the default).
            ...(backup.method === "dump" ? { backupRpo: backup.rpo } : {}),
            ...(restoreCheck?.rto === undefined ? {} : { restoreCheckCronJobName: restoreCheck.cronJob.name, restoreCheckRto: restoreCheck.rto }),
          }),
    });
    new ServiceMonitor(this, "service-monitor", { ...this.observability, serviceSelectorLabels: this.service.selectorLabels });
    this.prometheusRule = new PrometheusRule(this, "prometheus-rule", this.observability);
    this.dashboard = new GrafanaDashboardConfigMap(this, "dashboard", this.observability);
  }

  /**
   * The backup on a schedule that meets `backup.rpo` and the weekly restore drill against `backup.rto`.
   * When this stack creates the bucket, its name, key and the jobs' IAM role exist only after
   * `pulumi up`: they appear as deferred values.
   */
  private addBackups(config: StackConfig, secretKeys: readonly string[]): [BackupCronJob, RestoreCheckCronJob] {
    const { backup, database, secrets } = config;
    const create = backup.createBucket;
    const keyArn = create ? deferredValue("backupBucket.kmsKeyArn") : backup.kmsKeyArn;
    const roleArn = create ? deferredValue("backupBucket.roleArn") : backup.roleArn;
    const job = new BackupCronJob(this, "backup", {
      name: BACKUP_CRON_JOB_NAME,
      image: backup.image ?? "",
      method: backup.method,
      rpo: Duration.minutes(durationMinutes(backup.rpo)),
      schedule: backup.schedule,
      database: {
        host: database.host,
        port: database.port,
        name: database.name,
        user: database.user,
        passwordSecret: { name: secrets.name, key: secrets.keys.dbPassword },
        sslMode: database.sslMode,
      },
      storage: {
        bucket: create ? deferredValue("backupBucket.bucketName") : (backup.bucketName ?? ""),
        region: backup.region ?? "",
        ...(backup.endpointUrl === undefined ? {} : { endpointUrl: backup.endpointUrl }),
        serverSideEncryption:
          backup.encryption === "kms" && keyArn !== undefined ? BackupServerSideEncryption.kms(keyArn) : BackupServerSideEncryption.s3Managed(),
      },
      runAsUser: config.pod.runAsUser,
      ...(roleArn === undefined ? {} : { roleArn }),
      ...(secretKeys.includes("backupEncryptionKey")
        ? { encryptionKeySecret: { name: secrets.name, key: secrets.keys.backupEncryptionKey } }
        : {}),
    });
    const restoreCheck = new RestoreCheckCronJob(this, "restore-check", {
      backup: job,
      schedule: backup.restoreCheckSchedule,
      rto: Duration.minutes(durationMinutes(backup.rto)),
    });
    if (config.networkPolicy.enabled) {
      const endpointPort = backup.endpointUrl === undefined ? undefined : new URL(backup.endpointUrl);
      new BackupNetworkPolicy(this, "backup-network-policy", {
        name: "database-backup",
        podSelector: { "app.kubernetes.io/part-of": "database-backup" },
        databasePort: database.port,
        databaseCidrs: config.networkPolicy.databaseCidrs,
        ...(endpointPort === undefined
          ? {}
          : { objectStorePort: Number(endpointPort.port || (endpointPort.protocol === "https:" ? 443 : 80)) }),
      });
    }
    return [job, restoreCheck];
  }
}
