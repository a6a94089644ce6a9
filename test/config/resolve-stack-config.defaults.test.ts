import { describe, expect, it } from "vitest";
import { ENVIRONMENT_DEFAULTS } from "../../config/environment-defaults.js";
import { committedStack, productionBlock, resolveBlock } from "../support/stacks.js";

describe("environment defaults (seed config.go)", () => {
  it.each([
    ["development", 3000, "debug", "text", 5, 2, "disable", 5, 1000],
    ["staging", 8080, "info", "json", 10, 3, "require", 10, 200],
    ["production", 8080, "warn", "json", 25, 5, "require", 20, 100],
  ] as const)("%s: port %i, log %s/%s, db %i/%i %s, redis pool %i, rate %i/min", (env, port, level, format, open, idle, ssl, pool, rate) => {
    const defaults = ENVIRONMENT_DEFAULTS[env];
    expect(defaults.server.port).toBe(port);
    expect(defaults.logging).toMatchObject({ level, format });
    expect(defaults.database).toMatchObject({ maxOpenConns: open, maxIdleConns: idle, sslMode: ssl, connMaxLifetime: "1h" });
    expect(defaults.redis.poolSize).toBe(pool);
    expect(defaults.security.rateLimitPerMinute).toBe(rate);
    expect(defaults.server).toMatchObject({ readTimeout: "30s", writeTimeout: "30s", shutdownTimeout: "15s", maxHeaderBytes: 1048576 });
  });

  it("CORS origins follow the seed per environment", () => {
    expect(ENVIRONMENT_DEFAULTS.production.security.corsAllowedOrigins).toEqual(["https://monapp.com", "https://www.monapp.com"]);
    expect(ENVIRONMENT_DEFAULTS.staging.security.corsAllowedOrigins).toEqual(["https://staging.monapp.com"]);
    expect(ENVIRONMENT_DEFAULTS.development.security.corsAllowedOrigins).toEqual(["http://localhost:3000", "http://localhost:8080"]);
  });

  it("a minimal production block gets the seed's Helm values", () => {
    const { config } = resolveBlock(productionBlock());
    expect(config.autoscaling).toEqual({
      enabled: true,
      minReplicas: 3,
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 80,
      targetMemoryUtilizationPercentage: 80,
    });
    expect(config.resources).toEqual({ requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
    expect(config.probes.liveness).toEqual({ path: "/health", initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 });
    expect(config.probes.readiness).toEqual({ path: "/ready", initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 });
    expect(config.namespace).toBe("myapp");
    expect(config.secrets.name).toBe("myapp-secrets");
    expect(config.ingress).toMatchObject({ className: "nginx", clusterIssuer: "letsencrypt-prod", tlsSecretName: "myapp-tls" });
  });

  it("a user value overrides one key and keeps the defaults beside it", () => {
    const { config } = resolveBlock(productionBlock({ "go-service:database": { host: "db.internal", maxOpenConns: 40 } }));
    expect(config.database).toMatchObject({ host: "db.internal", maxOpenConns: 40, maxIdleConns: 5, sslMode: "require" });
  });

  it("the name drives the derived names unless they are set", () => {
    const { config } = resolveBlock(productionBlock({ "go-service:name": "orders" }));
    expect(config).toMatchObject({ name: "orders", namespace: "orders", secrets: { name: "orders-secrets" }, ingress: { tlsSecretName: "orders-tls" } });
  });

  it("secret keys are recorded by name only and never parsed as settings", () => {
    const resolved = resolveBlock(productionBlock({ "go-service:jwtSecret": { secure: "v1:abc" }, "go-service:dbPassword": { secure: "v1:def" } }));
    expect(resolved.secretKeys).toEqual(["dbPassword", "jwtSecret"]);
    expect(JSON.stringify(resolved.config)).not.toContain("v1:abc");
  });

  it("keys of other namespaces (aws:, kubernetes:) are left to their providers", () => {
    expect(() => resolveBlock(productionBlock({ "aws:region": "eu-west-1", "kubernetes:context": "x" }))).not.toThrow();
  });
});

describe("committed stacks", () => {
  it("staging and production differ where the seed says they do", () => {
    const staging = committedStack("staging").config;
    const production = committedStack("production").config;
    expect(production.environment).toBe("production");
    expect(staging.environment).toBe("staging");
    expect(production.logging.level).toBe("warn");
    expect(staging.logging.level).toBe("info");
    expect(production.autoscaling).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(staging.autoscaling).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(production.database.maxOpenConns).toBe(25);
    expect(staging.database.maxOpenConns).toBe(10);
    expect(production.security.rateLimitPerMinute).toBe(100);
    expect(staging.security.rateLimitPerMinute).toBe(200);
    expect(production.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(production.database.sslMode).toBe("verify-full");
  });
});
