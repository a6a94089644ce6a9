/**
 * go-service-stack: typed cdk8s constructs and Pulumi components that put a Go web service into
 * production on Kubernetes and AWS, the stack configuration schema, and the guardrails (policies)
 * that stop unsafe manifests and buckets.
 *
 * This is the package's only entry point (`import { GoService } from "go-service-stack"`); the
 * modules behind it are internal and may move between minor versions.
 *
 * @packageDocumentation
 */

// Kubernetes constructs (cdk8s).
export { canaryDeploymentName, GoService } from "./charts/go-service.js";
export type { AppSettings, CanarySettings, GoServiceProps, IngressSettings, ProbeSettings, ResourceSettings, SecretReferences, ServiceRole } from "./charts/go-service.js";
export { AutoscaledReplicas, FixedReplicas, Replicas } from "./charts/replicas.js";
export type { AutoscaleOptions } from "./charts/replicas.js";
export { ServiceNetworkPolicy } from "./charts/service-network-policy.js";
export type { ServiceNetworkPolicyOptions, ServiceNetworkPolicyProps } from "./charts/service-network-policy.js";
export { ServiceStackChart } from "./charts/service-stack-chart.js";
export { MIGRATION_COMPONENT, MigrationJob, migrationJobName } from "./charts/migration-job.js";
export type { MigrationJobProps, MigrationNetworkSettings } from "./charts/migration-job.js";
export type { ServiceStackChartProps } from "./charts/service-stack-chart.js";

// Backup CronJobs (cdk8s).
export {
  BACKUP_CRON_JOB_DEFAULTS,
  BackupCronJob,
  BackupServerSideEncryption,
  DEFAULT_BACKUP_PREFIX,
  RESTORE_CHECK_DEFAULTS,
  RestoreCheckCronJob,
} from "./charts/backup/index.js";
export type {
  BackupCronJobProps,
  BackupJobProps,
  BackupDatabase,
  BackupStorage,
  BackupMethod,
  CronSchedule,
  PgSslMode,
  RestoreCheckCronJobProps,
  SecretKeyRef,
} from "./charts/backup/index.js";

// Backup bucket (Pulumi).
export { BACKUP_BUCKET_DEFAULTS, BACKUP_ENVIRONMENTS, BackupBucket, BackupJobRole, BucketEncryption } from "./infra/backup/index.js";
export type { BackupBucketArgs, BackupEnvironment, BackupJobAccess, BackupJobRoleArgs, KmsEncryptionOptions } from "./infra/backup/index.js";

// Stack configuration.
export { stackConfigSchema, secretKeysSchema, SECRET_CONFIG_KEYS } from "./config/schema.js";
export type { SecretConfigKey, StackConfig } from "./config/schema.js";
export { resolveStackConfig, resolveStackFile } from "./config/resolve-stack-config.js";
export type { ConfigBlock, ResolveOptions, ResolvedStack } from "./config/resolve-stack-config.js";
export { listStackFiles, readProjectName } from "./config/stack-files.js";
export type { StackFile } from "./config/stack-files.js";
export { formatProblems, StackConfigError } from "./config/config-error.js";
export type { ConfigProblem } from "./config/config-error.js";
export { ENVIRONMENT_DEFAULTS, ENVIRONMENTS, RELEASE_STRATEGIES } from "./config/environment-defaults.js";
export type { Environment, EnvironmentDefaults, ReleaseStrategy } from "./config/environment-defaults.js";
export { buildStackObjects, synthesizeStack } from "./synth/synthesize.js";
export type { KubernetesObject, SynthesizedStack } from "./synth/synthesize.js";

// Observability: Prometheus rules, ServiceMonitor and their configuration, from one set of props.
export {
  buildPrometheusRule,
  buildRuleGroups,
  buildScrapeConfig,
  buildServiceMonitor,
  monitoringConfigSchema,
  parseMonitoringConfig,
  POD_TARGET_LABELS,
  RELEASE_TRACKS,
  renderRuleGroups,
  resolveObservabilityProps,
  SIGNALS,
  TRACK_LABEL,
  VERSION_POD_LABEL,
} from "./alerts/index.js";
export type {
  AlertRule,
  KubernetesSdConnection,
  Matcher,
  Matchers,
  MonitoringConfig,
  MonitoringConfigInput,
  ObservabilityProps,
  PrometheusRuleMetadata,
  RecordingRule,
  RelabelConfig,
  ResolvedBackup,
  ResolvedRestoreCheck,
  ResolvedObservability,
  Rule as AlertingOrRecordingRule,
  RuleGroup,
  ScrapeConfig,
  ScrapeConfigOptions,
  ServiceMonitorOptions,
  ServiceScope,
  Severity as AlertSeverity,
  SignalId,
  SignalOptions,
  SloName,
  Team as AlertTeam,
} from "./alerts/index.js";

// Observability constructs (cdk8s) and the Grafana dashboard.
export { GRAFANA_DASHBOARD_LABEL, GrafanaDashboardConfigMap, PrometheusRule, ServiceMonitor } from "./charts/observability/index.js";
export type { GrafanaDashboardConfigMapProps, PrometheusRuleProps, ServiceMonitorProps } from "./charts/observability/index.js";
export { buildServiceDashboard, renderServiceDashboardJson } from "./dashboards/index.js";

// Guardrails.
export {
  checkCloudResources,
  checkKubernetesManifests,
  CLOUD_RULES,
  formatObjectRef,
  formatViolation,
  KUBERNETES_RULES,
  mandatoryViolations,
  runRules,
} from "./policies/index.js";
export type { CloudResource, EnforcementLevel, Finding, KubernetesManifest, ObjectRef, PolicyContext, PolicyRule, Violation } from "./policies/index.js";
