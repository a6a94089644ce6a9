/**
 * Per-environment defaults, from the seed's `config.go` (section 1: `getDefault*` functions)
 * and its Helm values (section 4). A stack file only states what differs from these.
 */

/** The environments a stack may deploy to; each has its own defaults, and production its own rules. */
export const ENVIRONMENTS = ["development", "staging", "production"] as const;
/** One of {@link ENVIRONMENTS}: the `environment` key of a stack, which picks its defaults. */
export type Environment = (typeof ENVIRONMENTS)[number];

/**
 * How a release reaches the pods: `rolling` replaces them a few at a time (Kubernetes' rolling update);
 * `canary` first runs the new image beside them, judges it against the service's SLOs, then promotes it.
 */
export const RELEASE_STRATEGIES = ["rolling", "canary"] as const;
/** One of {@link RELEASE_STRATEGIES}: the `release.strategy` key of a stack. */
export type ReleaseStrategy = (typeof RELEASE_STRATEGIES)[number];

/** The shape of the defaults: every settable key except those that have no sensible default. */
export interface EnvironmentDefaults {
  /** The Go service's HTTP server, passed to it as environment variables. */
  readonly server: {
    /** Address the server listens on; "0.0.0.0" so that the kubelet and the Service reach it. */
    readonly host: string;
    /** Port of the HTTP API, also the container port the Service targets. */
    readonly port: number;
    /** Port of the Prometheus `/metrics` endpoint, which the ServiceMonitor scrapes; a port of its own keeps metrics off the Ingress. */
    readonly metricsPort: number;
    /** Longest time to read a whole request, a Go duration such as "30s". */
    readonly readTimeout: string;
    /** Longest time to write a response, a Go duration such as "30s". */
    readonly writeTimeout: string;
    /** How long the server drains in-flight requests after SIGTERM, a Go duration; the pod's grace period is derived from it. */
    readonly shutdownTimeout: string;
    /** Largest request header block the server accepts, in bytes. */
    readonly maxHeaderBytes: number;
  };
  /** The PostgreSQL connection and pool of the Go service. */
  readonly database: {
    /** Host name or IP address of the PostgreSQL server. */
    readonly host: string;
    /** TCP port of the PostgreSQL server. */
    readonly port: number;
    /** Database role the service logs in as; its password is the `dbPassword` secret. */
    readonly user: string;
    /** Name of the database. */
    readonly name: string;
    /** Most connections the pool opens, per pod; pods × this must stay under the server's max_connections. */
    readonly maxOpenConns: number;
    /** Idle connections kept open per pod for reuse; at most `maxOpenConns`. */
    readonly maxIdleConns: number;
    /** Age after which a connection is closed and replaced, a Go duration such as "1h". */
    readonly connMaxLifetime: string;
    /** libpq `sslmode`; production refuses "disable" so that database traffic is encrypted. */
    readonly sslMode: "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";
  };
  /** The Redis connection of the Go service. */
  readonly redis: {
    /** Address of the Redis server as host:port; the NetworkPolicy opens this port. */
    readonly addr: string;
    /** Redis logical database index, 0 to 15. */
    readonly db: number;
    /** Most connections the client opens, per pod. */
    readonly poolSize: number;
  };
  /** The Go service's logs. */
  readonly logging: {
    /** Least severe level written. */
    readonly level: "debug" | "info" | "warn" | "error";
    /** "json" for log collectors, "text" for people reading a terminal. */
    readonly format: "json" | "text";
    /** Where logs go, e.g. "stdout", which the container runtime collects. */
    readonly output: string;
  };
  /** Request limits the Ingress enforces in front of the service. */
  readonly security: {
    /** Requests per minute allowed per client IP (ingress-nginx `limit-rpm`). */
    readonly rateLimitPerMinute: number;
    /** Origins allowed by CORS, e.g. "https://app.example.com" (scheme and host, no path); empty = CORS off. */
    readonly corsAllowedOrigins: readonly string[];
  };
  /** Number of pods when autoscaling is off. */
  readonly replicas: number;
  /** The HorizontalPodAutoscaler; when enabled it owns the replica count. */
  readonly autoscaling: {
    /** Whether an HPA scales the Deployment; `replicas` applies otherwise. */
    readonly enabled: boolean;
    /** Fewest pods the HPA keeps. */
    readonly minReplicas: number;
    /** Most pods the HPA creates. */
    readonly maxReplicas: number;
    /** Average CPU use the HPA aims for, in percent of the CPU request. */
    readonly targetCPUUtilizationPercentage: number;
    /** Average memory use the HPA aims for, in percent of the memory request. */
    readonly targetMemoryUtilizationPercentage: number;
  };
  /** How a release reaches the pods (the rest of `release`, the canary's steps, is the same in every environment). */
  readonly release: {
    /** `rolling` (Kubernetes replaces the pods a few at a time) or `canary` (steps judged against the SLOs, then promotion). */
    readonly strategy: ReleaseStrategy;
  };
  /** CPU and memory of the service container. */
  readonly resources: {
    /** What the scheduler reserves for the container. */
    readonly requests: {
      /** CPU request, a Kubernetes quantity such as "250m" (millicores) or "1". */
      readonly cpu: string;
      /** Memory request, a Kubernetes quantity such as "256Mi". */
      readonly memory: string;
    };
    /** Most the container may use: CPU above it is throttled, memory above it is OOM-killed. */
    readonly limits: {
      /** CPU limit, a Kubernetes quantity such as "500m" (millicores) or "2". */
      readonly cpu: string;
      /** Memory limit, a Kubernetes quantity such as "512Mi"; GOMEMLIMIT is derived from it. */
      readonly memory: string;
    };
  };
}

const SEED_RESOURCES = {
  requests: { cpu: "250m", memory: "256Mi" },
  limits: { cpu: "500m", memory: "512Mi" },
} as const;

const COMMON_SERVER = {
  host: "0.0.0.0",
  metricsPort: 9090,
  readTimeout: "30s",
  writeTimeout: "30s",
  shutdownTimeout: "15s",
  maxHeaderBytes: 1 << 20,
} as const;

const COMMON_DATABASE = { host: "localhost", port: 5432, user: "postgres", name: "myapp", connMaxLifetime: "1h" } as const;

/** The defaults of each environment, merged under a stack's own values by `resolveStackConfig`. */
export const ENVIRONMENT_DEFAULTS: Readonly<Record<Environment, EnvironmentDefaults>> = {
  development: {
    server: { ...COMMON_SERVER, port: 3000 },
    database: { ...COMMON_DATABASE, maxOpenConns: 5, maxIdleConns: 2, sslMode: "disable" },
    redis: { addr: "localhost:6379", db: 0, poolSize: 5 },
    logging: { level: "debug", format: "text", output: "stdout" },
    security: { rateLimitPerMinute: 1000, corsAllowedOrigins: ["http://localhost:3000", "http://localhost:8080"] },
    replicas: 1,
    autoscaling: {
      enabled: false,
      minReplicas: 1,
      maxReplicas: 2,
      targetCPUUtilizationPercentage: 80,
      targetMemoryUtilizationPercentage: 80,
    },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    release: { strategy: "rolling" },
  },
  staging: {
    server: { ...COMMON_SERVER, port: 8080 },
    database: { ...COMMON_DATABASE, maxOpenConns: 10, maxIdleConns: 3, sslMode: "require" },
    redis: { addr: "localhost:6379", db: 0, poolSize: 10 },
    logging: { level: "info", format: "json", output: "stdout" },
    security: { rateLimitPerMinute: 200, corsAllowedOrigins: ["https://staging.monapp.com"] },
    replicas: 2,
    // Staging keeps production's resources so that load tests there predict production.
    autoscaling: {
      enabled: true,
      minReplicas: 2,
      maxReplicas: 4,
      targetCPUUtilizationPercentage: 80,
      targetMemoryUtilizationPercentage: 80,
    },
    resources: SEED_RESOURCES,
    release: { strategy: "rolling" },
  },
  production: {
    server: { ...COMMON_SERVER, port: 8080 },
    database: { ...COMMON_DATABASE, maxOpenConns: 25, maxIdleConns: 5, sslMode: "require" },
    redis: { addr: "localhost:6379", db: 0, poolSize: 20 },
    logging: { level: "warn", format: "json", output: "stdout" },
    security: { rateLimitPerMinute: 100, corsAllowedOrigins: ["https://monapp.com", "https://www.monapp.com"] },
    replicas: 3,
    autoscaling: {
      enabled: true,
      minReplicas: 3,
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 80,
      targetMemoryUtilizationPercentage: 80,
    },
    resources: SEED_RESOURCES,
    // Every production release is a canary gated by the SLOs (README, "Releases"); `release.strategy: rolling` opts out.
    release: { strategy: "canary" },
  },
};

/** The seed's probes (Helm values `healthCheck` and `readinessProbe`), the same in every environment. */
export const SEED_PROBES = {
  liveness: { path: "/health", initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  readiness: { path: "/ready", initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
} as const;

/** The key of each secret value in the service's Kubernetes Secret (seed Helm values `secrets`). */
export const DEFAULT_SECRET_KEYS = {
  jwtSecret: "jwt-secret",
  encryptionKey: "encryption-key",
  csrfSecret: "csrf-secret",
  dbPassword: "db-password",
  redisPassword: "redis-password",
  backupEncryptionKey: "backup-encryption-key",
} as const;

/**
 * Defaults that are the same in every environment: the one home of each, read by the stack schema's
 * resolution (`resolveStackConfig`) and by the constructs' own defaults (`GoService`, `BackupCronJob`,
 * `RestoreCheckCronJob`, `BackupBucket`), so a stack and a construct used directly cannot disagree.
 */
export const COMMON_DEFAULTS = {
  /** @default "myapp" - the seed's service name */
  name: "myapp",
  /** @default "api" */
  role: "api",
  ingress: {
    /** @default "nginx" */
    className: "nginx",
    /** @default "letsencrypt-prod" */
    clusterIssuer: "letsencrypt-prod",
  },
  networkPolicy: {
    /** @default true */
    enabled: true,
    /** @default "ingress-nginx" */
    ingressControllerNamespace: "ingress-nginx",
    /** @default "monitoring" */
    monitoringNamespace: "monitoring",
    /** @default ["0.0.0.0/0"] - any address, on the database port only; narrow it to the database's CIDR */
    databaseCidrs: ["0.0.0.0/0"],
    /** @default ["0.0.0.0/0"] - any address, on the Redis port only */
    redisCidrs: ["0.0.0.0/0"],
  },
  pod: {
    /**
     * UID and GID the containers run as. A high ID that no node user has: on common node images UID 1000
     * is the first login user (often with sudo), and a container escape as 1000 would act as that user.
     * The seed's 1000 is one setting away (`pod.runAsUser: 1000`).
     * @default 10001
     */
    runAsUser: 10001,
    /** GID the containers run as, and the group of mounted volumes (fsGroup). @default 10001 */
    runAsGroup: 10001,
    /** Seconds the pod keeps serving after deletion starts, while endpoints stop routing to it. @default 5 */
    preStopSleepSeconds: 5,
    /** Share of the memory limit given to the Go runtime as GOMEMLIMIT. @default 0.9 */
    goMemLimitFraction: 0.9,
    /** Size limit of the service's `/tmp` emptyDir. @default "64Mi" */
    tmpSizeLimit: "64Mi",
    /**
     * Ephemeral storage of the service container: `/tmp` plus the container's logs (the kubelet rotates
     * them at 10Mi × 5 by default) and a margin.
     * @default - request 128Mi, limit 256Mi
     */
    ephemeralStorage: { request: "128Mi", limit: "256Mi" },
  },
  backup: {
    /** @default "db-backup" */
    cronJobName: "db-backup",
    /** @default "db-restore-check" */
    restoreCheckName: "db-restore-check",
    /** Key prefix of the backups in the bucket (the seed writes `backups/YYYY/MM/DD/…`). @default "backups" */
    prefix: "backups",
    /**
     * Recovery point objective: the most data, in time, a restore may lose (seed: "RPO < 1h"). The backup
     * schedule, the restore check's maximum backup age and the alert threshold follow from it.
     * @default "1h"
     */
    rpo: "1h",
    /**
     * Recovery time objective: the longest a restore may take (seed: "RTO < 15min"). The restore drill's
     * deadline and the alert threshold follow from it.
     * @default "15m"
     */
    rto: "15m",
    /**
     * How the RPO is met: `dump` (pg_dump on a schedule derived from the RPO) or `wal` (continuous WAL
     * archiving on the database server, the dump then runs daily as the portable copy).
     * @default "dump"
     */
    method: "dump",
    /**
     * Schedule of the backup when it runs once a day: with `method: wal`, or with `method: dump` when the
     * RPO is 2 days or more.
     * @default "0 2 * * *" - every day at 02:00
     */
    dailySchedule: "0 2 * * *",
    /** WAL segment switch interval (`archive_timeout`) with `method: wal`. @default "1m" */
    walArchiveTimeout: "1m",
    /** @default "0 4 * * 0" - Sundays at 04:00 */
    restoreCheckSchedule: "0 4 * * 0",
    /** @default "Etc/UTC" */
    timeZone: "Etc/UTC",
    /** @default true */
    createBucket: true,
    /** @default "kms" */
    encryption: "kms",
    /** Days one backup a day is kept, under `<prefix>/daily/` (seed: 30). @default 30 */
    retentionDays: 30,
    /** Days every backup is kept, under `<prefix>/frequent/` (S3 expires at the next midnight UTC after it). @default 2 */
    frequentRetentionDays: 2,
    /** Days an overwritten or deleted backup version is kept (daily backups). @default 7 */
    noncurrentVersionExpirationDays: 7,
    /** Days an expired frequent backup's version is kept: the daily copies are the long-term protection. @default 1 */
    frequentNoncurrentVersionExpirationDays: 1,
    /** @default 1 */
    abortIncompleteMultipartUploadDays: 1,
    /** PostgreSQL port the jobs connect to. @default 5432 */
    databasePort: 5432,
    /** @default "require" */
    databaseSslMode: "require",
    /** How late a missed backup may still start, in seconds. @default 3600 */
    startingDeadlineSeconds: 3600,
    /** How long a backup may run, in seconds. @default 7200 */
    activeDeadlineSeconds: 7200,
    /** @default 1 */
    backoffLimit: 1,
    /** @default 3 */
    successfulJobsRetained: 3,
    /** @default 3 */
    failedJobsRetained: 3,
    /** Scratch volume for the dump (twice the dump when encrypting client-side). @default "10Gi" */
    scratchSpace: "10Gi",
    /** @default - CPU 100m request / 1 limit, memory 256Mi request / 1Gi limit */
    resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
    /** Ephemeral storage beyond the scratch volume (the job's logs), added to its request and limit. @default "64Mi" */
    ephemeralStorageOverhead: "64Mi",
  },
  restoreCheck: {
    /** @default "restore_check" */
    targetDatabase: "restore_check",
    /** @default 3600 */
    startingDeadlineSeconds: 3600,
    /** Restore the newest backup in full into a scratch database (the drill that measures the RTO). @default true */
    fullRestore: true,
    /** @default 3600 - without a full restore; with one, the RTO */
    activeDeadlineSeconds: 3600,
    /** @default 0 - a failed check is reported, not retried */
    backoffLimit: 0,
    /** @default 3 */
    successfulJobsRetained: 3,
    /** @default 3 */
    failedJobsRetained: 3,
  },
  loadTest: {
    /** The route the load test requests, relative to the service's URL (the seed's API route; `/api/*` is what the faults slow down). @default "/api/items" */
    path: "/api/items",
    /**
     * Connections kept open at full load. Small enough for CI on two cores; the staging profile (README,
     * "Load tests") uses the seed's 50 to 200.
     * @default 10
     */
    concurrency: 10,
    /** Time over which the connections are opened, in up to 4 waves, before the measured phase; "0s" for none. @default "2s" */
    rampUp: "2s",
    /** The measured phase at full concurrency, on which latency and throughput are judged (seed: 60 to 300 s in staging). @default "10s" */
    duration: "10s",
    /** Most requests one run sends, ramp-up included: the test stops there even before its duration. @default 100000 */
    maxRequests: 100000,
    /** A request that has no answer after this counts as an error. @default "10s" */
    requestTimeout: "10s",
    /** Largest share of failed requests (non-2xx/3xx answers, timeouts, connection errors), ramp-up included (seed: 1 %). @default 0.01 */
    maxErrorRatio: 0.01,
    /** Largest 95th percentile of the response time in the measured phase (seed: 500 ms). @default "500ms" */
    maxP95: "500ms",
    /** Fewest requests per second in the measured phase (seed: 100 req/s). @default 100 */
    minThroughput: 100,
  },
  migrations: {
    /**
     * Run the service's schema migrations as a Job before every release's pods change (`server migrate up`
     * in the service's image). Off unless the stack turns it on: the image must have the `migrate` command.
     * @default false
     */
    enabled: false,
    /** Arguments of the image's entrypoint that apply the pending migrations. @default ["migrate", "up"] */
    args: ["migrate", "up"],
    /** How long the migration Job may run before Kubernetes stops it and the release fails; below `kubernetes.rolloutTimeout`. @default "5m" */
    timeout: "5m",
    /** Retries of a failed migration (a failure is a release problem to read, not a glitch to retry). @default 0 */
    backoffLimit: 0,
    /** The migration files in this repository, for the expand-only policy (relative to Pulumi.yaml). @default "examples/go-service/migrations" */
    directory: "examples/go-service/migrations",
    /** The service's Go code in this repository, which the policy searches for uses of what a migration drops. @default "examples/go-service" */
    codeDirectory: "examples/go-service",
    /** @default - CPU 50m request / 500m limit, memory 64Mi request / 256Mi limit */
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    /** Ephemeral storage of the Job's container (its logs only: the root filesystem is read-only). @default - request 16Mi, limit 64Mi */
    ephemeralStorage: { request: "16Mi", limit: "64Mi" },
  },
  kubernetes: {
    /** How long `pulumi up` waits for an object to be ready (a rollout, endpoints, ...) before it fails (and the release rolls back). @default "10m" */
    rolloutTimeout: "10m",
    /**
     * The cluster serves the resource metrics API (metrics-server): the HPA is awaited until it reads its
     * metrics, and an update fails when it cannot (an HPA without metrics never scales). @default true
     */
    metricsApi: true,
    /**
     * The Prometheus Operator writes the status of ServiceMonitors and PrometheusRules (its
     * `StatusForConfigurationResources` feature gate): they are awaited until a Prometheus accepted them. @default false
     */
    prometheusOperatorStatus: false,
  },
  release: {
    /**
     * The canary steps (`release.strategy: canary`): the share of the pods that run the new image, how
     * long each share runs before it is judged (the analysis window), and the fewest canary requests that
     * window must hold for a verdict. 100 % is the promotion, after the last step. One error in
     * `minRequests` must stay under the gate (README, "Releases"): 1000 requests leave room for one with a
     * 99.9 % availability SLO.
     * @default - 10 % of the pods for 5m (at least 1000 requests), then 50 % for 10m (at least 5000)
     */
    steps: [
      { traffic: 10, pause: "5m", minRequests: 1000 },
      { traffic: 50, pause: "10m", minRequests: 5000 },
    ],
    /**
     * What a step without a verdict does (no data, fewer requests than `minRequests`, a failed query):
     * `abort` (fail closed) or `promote` (carry on as if it passed).
     * @default "abort"
     */
    inconclusive: "abort",
    /**
     * How much faster than the stable track the canary may spend each SLO's error budget: a step fails when
     * the canary's bad-request ratio exceeds the stable track's by more than this × the error budget. 3 is
     * the burn rate of the SLO's slow-burn (ticket) alert over a day.
     * @default 3
     */
    maxExtraBurnRate: 3,
  },
} as const;
