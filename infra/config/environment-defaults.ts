/**
 * Per-environment defaults, from the seed's `config.go` (section 1: `getDefault*` functions)
 * and its Helm values (section 4). A stack file only states what differs from these.
 */

export const ENVIRONMENTS = ["development", "staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** The shape of the defaults: every settable key except those that have no sensible default. */
export interface EnvironmentDefaults {
  readonly server: {
    readonly host: string;
    readonly port: number;
    readonly metricsPort: number;
    readonly readTimeout: string;
    readonly writeTimeout: string;
    readonly shutdownTimeout: string;
    readonly maxHeaderBytes: number;
  };
  readonly database: {
    readonly host: string;
    readonly port: number;
    readonly user: string;
    readonly name: string;
    readonly maxOpenConns: number;
    readonly maxIdleConns: number;
    readonly connMaxLifetime: string;
    readonly sslMode: "disable" | "allow" | "prefer" | "require" | "verify-ca" | "verify-full";
  };
  readonly redis: { readonly addr: string; readonly db: number; readonly poolSize: number };
  readonly logging: {
    readonly level: "debug" | "info" | "warn" | "error";
    readonly format: "json" | "text";
    readonly output: string;
  };
  readonly security: { readonly rateLimitPerMinute: number; readonly corsAllowedOrigins: readonly string[] };
  readonly replicas: number;
  readonly autoscaling: {
    readonly enabled: boolean;
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly targetCPUUtilizationPercentage: number;
    readonly targetMemoryUtilizationPercentage: number;
  };
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
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
  },
};
