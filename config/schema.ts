import { z } from "zod";
import { monitoringConfigSchema } from "./monitoring-config.js";
import { loadTestConfigSchema, loadTestViolations } from "./load-test-config.js";
import { migrationsConfigSchema, migrationsViolations } from "./migrations-config.js";
import { releaseConfigSchema, releaseViolations } from "./release-config.js";
import { ENVIRONMENTS } from "./environment-defaults.js";
import { cpuMillicores, isCpuQuantity, isGoDuration, isMemoryQuantity, durationSeconds, memoryBytes } from "./quantities.js";
import { BACKUP_METHODS, durationMinutes } from "./recovery-targets.js";
import {
  INT32_MAX,
  int32Problem,
  awsRegionProblem,
  backupScheduleRpoProblem,
  bucketNameProblem,
  cidrProblem,
  cronProblem,
  dnsLabelProblem,
  frequentRetentionProblem,
  hostProblem,
  iamRoleArnProblem,
  imageReferenceProblem,
  infrequentAccessProblem,
  kmsKeyArnProblem,
  MINIMUM_RPO_MINUTES,
  MINIMUM_RTO_MINUTES,
  oidcProviderArnProblem,
  productionRules,
  recoveryTargetProblem,
  walArchiveTimeoutProblem,
  workerIngressProblem,
} from "./validators.js";

/**
 * The stack configuration schema: the `config:` block of `Pulumi.<stack>.yaml`, keys under the
 * project's namespace, after environment defaults were merged in (see `resolveStackConfig`).
 * Every object is strict so a typo is an error rather than a silently ignored key.
 */

const withReason = (problem: (value: string) => string | undefined) => (value: string, ctx: z.core.$RefinementCtx<string>) => {
  const reason = problem(value);
  if (reason !== undefined) ctx.addIssue({ code: "custom", message: reason, input: value });
};

const positiveInt = (what: string) =>
  z
    .int({ error: `must be a whole number (${what})` })
    .positive({ error: `must be greater than 0 (${what})` })
    .max(INT32_MAX, { error: `must be at most ${INT32_MAX} (${what}): Kubernetes stores it as an int32` });
const userId = z.int({ error: "must be a whole number (a numeric user or group ID)" }).superRefine((value, ctx) => {
  const reason = int32Problem(value, 1);
  const root = value < 1 ? "; 0 would be root, which the restricted Pod Security Standard refuses" : "";
  if (reason !== undefined) ctx.addIssue({ code: "custom", message: `${reason}${root}`, input: value });
});
const port = z.int({ error: "must be a whole port number" }).min(1, { error: "must be 1 to 65535" }).max(65535, { error: "must be 1 to 65535" });

const goDuration = z.string({ error: "must be a Go duration string such as 30s or 1h" }).refine(isGoDuration, {
  error: "must be a Go duration such as 30s, 1m30s or 1h (a number needs a unit)",
});
const atLeastOneSecond = goDuration.refine((v) => !isGoDuration(v) || durationSeconds(v) >= 1, {
  error: "must be at least 1s: a shorter timeout cuts off ordinary requests (seed validateConfig)",
});

const cpu = z.string({ error: "must be a CPU quantity string such as \"250m\" or \"1\"" }).refine(isCpuQuantity, {
  error: "must be a Kubernetes CPU quantity such as 250m, 0.5 or 2",
});
const memory = z.string({ error: "must be a memory quantity string such as \"512Mi\"" }).refine(isMemoryQuantity, {
  error: "must be a Kubernetes memory quantity such as 256Mi, 1Gi or 800M",
});

const resourcePair = z.strictObject({ cpu, memory });

const probe = z.strictObject({
  path: z.string().startsWith("/", { error: "must be an absolute HTTP path such as /health" }),
  initialDelaySeconds: z.int().min(0).max(INT32_MAX, { error: `must be at most ${INT32_MAX}: Kubernetes stores it as an int32` }),
  periodSeconds: positiveInt("seconds"),
  timeoutSeconds: positiveInt("seconds"),
  failureThreshold: positiveInt("attempts"),
});

const dnsLabel = z.string().superRefine(withReason(dnsLabelProblem));
const image = z
  .string({ error: "is required: the container image, e.g. registry.example.com/myapp@sha256:<digest> or :v1.2.3" })
  .superRefine(withReason(imageReferenceProblem));

/**
 * Config keys whose values are secrets: a stack file must hold them encrypted
 * (`pulumi config set --secret`), and synthesis never reads their values, only that they are set.
 */
export const SECRET_CONFIG_KEYS = [
  "jwtSecret",
  "encryptionKey",
  "csrfSecret",
  "dbPassword",
  "redisPassword",
  "backupEncryptionKey",
] as const;
/** One of {@link SECRET_CONFIG_KEYS}. */
export type SecretConfigKey = (typeof SECRET_CONFIG_KEYS)[number];

/** Which Kubernetes Secret key holds each secret value. Values come from `pulumi config set --secret`. */
export const secretKeysSchema = z.strictObject({
  jwtSecret: z.string(),
  encryptionKey: z.string(),
  csrfSecret: z.string(),
  dbPassword: z.string(),
  redisPassword: z.string(),
  backupEncryptionKey: z.string(),
});

/**
 * Schema of a stack's configuration once environment defaults are merged in, keys without the
 * project namespace. Objects are strict, so a misspelt key is an error; secret values are not part
 * of it (see {@link SECRET_CONFIG_KEYS}). Cross-key and production-only rules run separately, in
 * `resolveStackConfig`.
 */
export const stackConfigSchema = z.strictObject({
  environment: z.enum(ENVIRONMENTS, { error: `must be one of ${ENVIRONMENTS.join(", ")}` }),
  name: dnsLabel,
  namespace: dnsLabel,
  role: z.enum(["api", "worker"], { error: "must be api (serves HTTP) or worker (no HTTP traffic)" }),
  image,
  replicas: positiveInt("pods"),
  autoscaling: z.strictObject({
    enabled: z.boolean(),
    minReplicas: positiveInt("pods"),
    maxReplicas: positiveInt("pods"),
    targetCPUUtilizationPercentage: z.int().min(1).max(100),
    targetMemoryUtilizationPercentage: z.int().min(1).max(100),
  }),
  resources: z.strictObject({ requests: resourcePair, limits: resourcePair }),
  probes: z.strictObject({ liveness: probe, readiness: probe }),
  pod: z.strictObject({
    runAsUser: userId,
    runAsGroup: userId,
    preStopSleepSeconds: z.int().min(0).max(300, { error: "must be at most 300 (seconds): every rollout waits for it" }),
    goMemLimitFraction: z.number().gt(0, { error: "must be in (0, 1]" }).lte(1, { error: "must be in (0, 1]" }),
    tmpSizeLimit: memory,
    ephemeralStorage: z.strictObject({ request: memory, limit: memory }),
  }),
  server: z.strictObject({
    host: z.string().min(1),
    port,
    metricsPort: port,
    readTimeout: atLeastOneSecond,
    writeTimeout: atLeastOneSecond,
    shutdownTimeout: goDuration,
    maxHeaderBytes: positiveInt("bytes"),
  }),
  database: z.strictObject({
    host: z.string().min(1),
    port,
    user: z.string().min(1),
    name: z.string().min(1),
    maxOpenConns: positiveInt("connections"),
    maxIdleConns: z.int().min(0),
    connMaxLifetime: goDuration,
    sslMode: z.enum(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"], {
      error: "must be one of disable, allow, prefer, require, verify-ca, verify-full",
    }),
  }),
  redis: z.strictObject({
    addr: z.string().regex(/^[^:\s]+:\d{1,5}$/, { error: "must be host:port, e.g. redis.internal:6379" }),
    db: z.int().min(0).max(15),
    poolSize: positiveInt("connections"),
  }),
  logging: z.strictObject({
    level: z.enum(["debug", "info", "warn", "error"], { error: "must be one of debug, info, warn, error" }),
    format: z.enum(["json", "text"], { error: "must be json or text" }),
    output: z.string().min(1),
  }),
  security: z.strictObject({
    rateLimitPerMinute: positiveInt("requests per minute per client"),
    corsAllowedOrigins: z.array(
      z.string().regex(/^https?:\/\/[^/\s]+$/, { error: "must be an origin such as https://app.example.com (no path)" }),
    ),
  }),
  ingress: z.strictObject({
    enabled: z.boolean(),
    className: z.string().min(1),
    hosts: z.array(z.string().superRefine(withReason(hostProblem))),
    clusterIssuer: z.string().min(1),
    tlsSecretName: dnsLabel,
  }),
  secrets: z.strictObject({ name: dnsLabel, keys: secretKeysSchema }),
  networkPolicy: z.strictObject({
    enabled: z.boolean(),
    ingressControllerNamespace: dnsLabel,
    monitoringNamespace: dnsLabel,
    databaseCidrs: z.array(z.string().superRefine(withReason(cidrProblem))).min(1),
    redisCidrs: z.array(z.string().superRefine(withReason(cidrProblem))).min(1),
  }),
  backup: z.strictObject({
    enabled: z.boolean(),
    method: z.enum(BACKUP_METHODS, { error: "must be dump (pg_dump on a schedule derived from backup.rpo) or wal (WAL archiving on the database server)" }),
    rpo: z.string().superRefine(withReason((value) => recoveryTargetProblem(value, MINIMUM_RPO_MINUTES))),
    rto: z.string().superRefine(withReason((value) => recoveryTargetProblem(value, MINIMUM_RTO_MINUTES))),
    schedule: z.string().superRefine(withReason(cronProblem)),
    restoreCheckSchedule: z.string().superRefine(withReason(cronProblem)),
    image: image.optional(),
    createBucket: z.boolean(),
    bucketName: z.string().superRefine(withReason(bucketNameProblem)).optional(),
    encryption: z.enum(["kms", "s3"], { error: "must be kms (SSE-KMS with its own key) or s3 (SSE-S3)" }),
    retentionDays: positiveInt("days"),
    frequentRetentionDays: positiveInt("days"),
    noncurrentVersionExpirationDays: positiveInt("days"),
    walArchiveTimeout: z.string().optional(),
    infrequentAccessAfterDays: z.int().optional(),
    oidcProviderArn: z.string().superRefine(withReason(oidcProviderArnProblem)).optional(),
    endpointUrl: z.url({ error: "must be a URL such as http://127.0.0.1:9000" }).optional(),
    region: z.string().superRefine(withReason(awsRegionProblem)).optional(),
    roleArn: z.string().superRefine(withReason(iamRoleArnProblem)).optional(),
    kmsKeyArn: z.string().superRefine(withReason(kmsKeyArnProblem)).optional(),
  }),
  kubernetes: z.strictObject({
    context: z.string().min(1).optional(),
    kubeconfig: z.string().min(1).optional(),
    rolloutTimeout: goDuration,
    metricsApi: z.boolean(),
    prometheusOperatorStatus: z.boolean(),
  }),
  /** Alert thresholds, SLOs, scrape settings and dashboard identity (alerts/README.md). */
  monitoring: monitoringConfigSchema,
  /** The load test `npm run loadtest` runs against the stack, and the criteria it must meet (README, "Load tests"). */
  loadTest: loadTestConfigSchema,
  /** The schema migrations Job that runs before a release's pods change (README, "Database migrations"). */
  migrations: migrationsConfigSchema,
  /** How a release reaches the pods: rolling, or canary steps judged against the SLOs (README, "Releases"). */
  release: releaseConfigSchema,
});

/** The validated, fully resolved configuration of one stack. */
export type StackConfig = z.infer<typeof stackConfigSchema>;

/** Production-only and cross-field rules, which zod's per-field checks cannot express. */
export interface RuleViolation {
  /** Path of the offending key in the config, e.g. `["database", "sslMode"]`; reported as `<project>:database.sslMode`. */
  readonly path: readonly (string | number)[];
  /** What is wrong and what to change. */
  readonly message: string;
}

const get = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined), value);

/**
 * Rules that span several keys or depend on the environment. They run on the merged input even when
 * some fields are malformed, so that one run reports every problem; each rule skips values it cannot read.
 */
export function crossFieldViolations(input: unknown): RuleViolation[] {
  const violations: RuleViolation[] = [];
  const environment = get(input, "environment");

  const autoscalingEnabled = get(input, "autoscaling", "enabled");
  const min = get(input, "autoscaling", "minReplicas");
  const max = get(input, "autoscaling", "maxReplicas");
  if (typeof min === "number" && typeof max === "number" && min > max) {
    violations.push({
      path: ["autoscaling", "minReplicas"],
      message: `must not exceed autoscaling.maxReplicas (${min} > ${max}); lower minReplicas or raise maxReplicas`,
    });
  }

  const env = typeof environment === "string" ? environment : "";
  const add = (path: readonly (string | number)[], message: string | undefined): void => {
    if (message !== undefined) violations.push({ path, message });
  };
  const sslMode = get(input, "database", "sslMode");
  if (typeof sslMode === "string") add(["database", "sslMode"], productionRules.databaseSslMode(env, sslMode));
  const imageRef = get(input, "image");
  if (typeof imageRef === "string") add(["image"], productionRules.image(env, imageRef));
  if (autoscalingEnabled === true && typeof min === "number") add(["autoscaling", "minReplicas"], productionRules.minimumPods(env, min));
  const replicas = get(input, "replicas");
  if (autoscalingEnabled === false && typeof replicas === "number") add(["replicas"], productionRules.minimumPods(env, replicas));
  const backupEnabled = get(input, "backup", "enabled");
  if (typeof backupEnabled === "boolean") add(["backup", "enabled"], productionRules.backupEnabled(env, backupEnabled));

  for (const kind of ["cpu", "memory"] as const) {
    const request = get(input, "resources", "requests", kind);
    const limit = get(input, "resources", "limits", kind);
    if (typeof request !== "string" || typeof limit !== "string") continue;
    const measure = kind === "cpu" ? (q: string) => (isCpuQuantity(q) ? cpuMillicores(q) : Number.NaN) : (q: string) => (isMemoryQuantity(q) ? memoryBytes(q) : Number.NaN);
    if (measure(request) > measure(limit)) {
      violations.push({ path: ["resources", "requests", kind], message: `must not exceed resources.limits.${kind} (${request} > ${limit})` });
    }
  }

  const tmp = get(input, "pod", "tmpSizeLimit");
  const storageLimit = get(input, "pod", "ephemeralStorage", "limit");
  const storageRequest = get(input, "pod", "ephemeralStorage", "request");
  if (typeof tmp === "string" && typeof storageLimit === "string" && isMemoryQuantity(tmp) && isMemoryQuantity(storageLimit) && memoryBytes(tmp) >= memoryBytes(storageLimit)) {
    add(["pod", "tmpSizeLimit"], `must be below pod.ephemeralStorage.limit (${tmp} >= ${storageLimit}): the limit also covers the container's logs`);
  }
  if (typeof storageRequest === "string" && typeof storageLimit === "string" && isMemoryQuantity(storageRequest) && isMemoryQuantity(storageLimit) && memoryBytes(storageRequest) > memoryBytes(storageLimit)) {
    add(["pod", "ephemeralStorage", "request"], `must not exceed pod.ephemeralStorage.limit (${storageRequest} > ${storageLimit})`);
  }

  const shutdown = get(input, "server", "shutdownTimeout");
  if (typeof shutdown === "string" && isGoDuration(shutdown) && durationSeconds(shutdown) > 300) {
    violations.push({ path: ["server", "shutdownTimeout"], message: "must be at most 5m: Kubernetes would wait that long on every rollout" });
  }

  const maxIdle = get(input, "database", "maxIdleConns");
  const maxOpen = get(input, "database", "maxOpenConns");
  if (typeof maxIdle === "number" && typeof maxOpen === "number" && maxIdle > maxOpen) {
    violations.push({ path: ["database", "maxIdleConns"], message: `must not exceed database.maxOpenConns (${maxIdle} > ${maxOpen})` });
  }

  const hosts = get(input, "ingress", "hosts");
  const role = get(input, "role");
  add(["ingress"], workerIngressProblem(typeof role === "string" ? role : undefined, get(input, "ingress", "enabled") === true || (Array.isArray(hosts) && hosts.length > 0)));
  if (get(input, "ingress", "enabled") === true && get(input, "role") !== "worker") {
    const hosts = get(input, "ingress", "hosts");
    if (Array.isArray(hosts) && hosts.length === 0) {
      violations.push({ path: ["ingress", "hosts"], message: "must list at least one host when ingress.enabled is true (or set ingress.enabled: false)" });
    }
  }

  if (get(input, "backup", "enabled") === true) {
    if (get(input, "backup", "image") === undefined) {
      violations.push({ path: ["backup", "image"], message: "is required when backup.enabled is true: an image with bash, pg_dump/pg_restore, the AWS CLI and openssl" });
    }
    const create = get(input, "backup", "createBucket");
    if (create === false && get(input, "backup", "bucketName") === undefined) {
      violations.push({ path: ["backup", "bucketName"], message: "is required when backup.createBucket is false: name the existing bucket the job writes to" });
    }
    if (create === true && get(input, "backup", "oidcProviderArn") === undefined) {
      violations.push({
        path: ["backup", "oidcProviderArn"],
        message: "is required when backup.createBucket is true: the cluster's IAM OIDC provider ARN, for the backup job's IRSA role",
      });
    }
    if (get(input, "backup", "region") === undefined) {
      violations.push({ path: ["backup", "region"], message: "is required when backup.enabled is true: set aws:region in the stack file (or go-service:backup.region)" });
    }
    if (create === false && get(input, "backup", "encryption") === "kms" && get(input, "backup", "kmsKeyArn") === undefined) {
      violations.push({
        path: ["backup", "kmsKeyArn"],
        message: 'is required when backup.createBucket is false and backup.encryption is "kms": the existing bucket\'s key ARN (or set encryption: s3)',
      });
    }
    const retention = get(input, "backup", "retentionDays");
    const transition = get(input, "backup", "infrequentAccessAfterDays");
    if (typeof retention === "number" && typeof transition === "number") {
      add(["backup", "infrequentAccessAfterDays"], infrequentAccessProblem(transition, retention));
    }
    const frequent = get(input, "backup", "frequentRetentionDays");
    // A frequent retention that is not a whole number of days is reported by the schema.
    if (typeof retention === "number" && typeof frequent === "number" && Number.isInteger(frequent) && frequent >= 1) {
      add(["backup", "frequentRetentionDays"], frequentRetentionProblem(frequent, retention));
    }
    // The schedule and the WAL settings are checked against a valid RPO only (an invalid one is reported on its own key).
    const rpo = get(input, "backup", "rpo");
    const rpoMinutes = typeof rpo === "string" && recoveryTargetProblem(rpo, MINIMUM_RPO_MINUTES) === undefined ? durationMinutes(rpo) : undefined;
    const method = get(input, "backup", "method");
    const schedule = get(input, "backup", "schedule");
    if (method === "dump" && typeof schedule === "string" && rpoMinutes !== undefined) {
      const reason = backupScheduleRpoProblem(schedule, rpoMinutes);
      if (reason !== undefined) add(["backup", "schedule"], `${reason} (backup.rpo "${String(rpo)}"); or leave backup.schedule out to derive it from backup.rpo`);
    }
    const walTimeout = get(input, "backup", "walArchiveTimeout");
    if (walTimeout !== undefined && method !== "wal") {
      add(["backup", "walArchiveTimeout"], 'only applies with backup.method "wal"; remove it or set the method');
    } else if (typeof walTimeout === "string" && rpoMinutes !== undefined) {
      add(["backup", "walArchiveTimeout"], walArchiveTimeoutProblem(walTimeout, rpoMinutes));
    }
  }
  violations.push(...releaseViolations(input));
  violations.push(...loadTestViolations(input), ...migrationsViolations(input));
  return violations;
}
