import { describe, expect, it } from "vitest";
import type { KubernetesObject } from "../../synth/synthesize.js";
import { committedStack, findObject, objectsOf, type Manifest } from "../support/stacks.js";

type Json = Manifest;

const production = objectsOf(committedStack("production"));
const staging = objectsOf(committedStack("staging"));
const container = (objects: KubernetesObject[]) => findObject(objects, "Deployment").spec.template.spec.containers[0] as Json;
const podSpec = (objects: KubernetesObject[]) => findObject(objects, "Deployment").spec.template.spec as Json;

describe("GoService in production (seed Helm values)", () => {
  it("has every object of a production service, in the stack's namespace", () => {
    expect(production.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/myapp",
      "ConfigMap/myapp-config",
      "ServiceAccount/myapp",
      "Deployment/myapp",
      "Service/myapp",
      "HorizontalPodAutoscaler/myapp",
      "PodDisruptionBudget/myapp",
      "Ingress/myapp",
      "NetworkPolicy/myapp",
      // The schema migration Job (migrations.enabled in Pulumi.production.yaml), named after its image.
      expect.stringMatching(/^Job\/myapp-migrate-[0-9a-f]{10}$/),
      "NetworkPolicy/myapp-migration",
      "ServiceAccount/db-backup",
      "ConfigMap/db-backup-scripts",
      "CronJob/db-backup",
      "ConfigMap/db-restore-check-scripts",
      "CronJob/db-restore-check",
      "NetworkPolicy/database-backup",
      "ServiceMonitor/myapp",
      "PrometheusRule/myapp-rules",
      "ConfigMap/myapp-dashboard",
    ]);
    for (const object of production.filter((o) => o.kind !== "Namespace")) expect(object.metadata.namespace).toBe("myapp");
    expect(findObject(production, "Namespace").metadata.namespace).toBeUndefined();
  });

  it("names ports http 8080 and metrics 9090", () => {
    expect(container(production).ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
  });

  it("probes /health and /ready on the http port with the seed's timings, and no startup probe", () => {
    const c = container(production);
    expect(c.livenessProbe).toEqual({
      httpGet: { path: "/health", port: "http", scheme: "HTTP" },
      initialDelaySeconds: 30,
      periodSeconds: 10,
      timeoutSeconds: 5,
      failureThreshold: 3,
    });
    expect(c.readinessProbe).toEqual({
      httpGet: { path: "/ready", port: "http", scheme: "HTTP" },
      initialDelaySeconds: 10,
      periodSeconds: 5,
      timeoutSeconds: 3,
      failureThreshold: 3,
    });
    expect(c.startupProbe).toBeUndefined();
  });

  it("requests 250m/256Mi and limits 500m/512Mi", () => {
    expect(container(production).resources).toEqual({
      requests: { cpu: "250m", memory: "256Mi", "ephemeral-storage": "128Mi" },
      limits: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "256Mi" },
    });
  });

  it("sizes the Go runtime from the limits: GOMAXPROCS from the CPU limit, GOMEMLIMIT at 90% of memory", () => {
    const env = container(production).env as Json[];
    expect(env.find((e) => e.name === "GOMAXPROCS")).toEqual({ name: "GOMAXPROCS", valueFrom: { resourceFieldRef: { resource: "limits.cpu" } } });
    expect(env.find((e) => e.name === "GOMEMLIMIT")).toEqual({ name: "GOMEMLIMIT", value: "460MiB" });
  });

  it("reads settings from the ConfigMap and secrets through secretKeyRef only", () => {
    const c = container(production);
    expect(c.envFrom).toEqual([{ configMapRef: { name: "myapp-config" } }]);
    const secretRefs = (c.env as Json[]).filter((e) => e.valueFrom?.secretKeyRef !== undefined);
    expect(secretRefs.map((e) => [e.name, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key])).toEqual([
      ["JWT_SECRET", "myapp-secrets", "jwt-secret"],
      ["ENCRYPTION_KEY", "myapp-secrets", "encryption-key"],
      ["CSRF_SECRET", "myapp-secrets", "csrf-secret"],
      ["DB_PASSWORD", "myapp-secrets", "db-password"],
      ["REDIS_PASSWORD", "myapp-secrets", "redis-password"],
    ]);
    // Required keys fail the pod if missing; REDIS_PASSWORD is optional, like its config key.
    expect(secretRefs.map((e) => [e.name, e.valueFrom.secretKeyRef.optional])).toEqual([
      ["JWT_SECRET", false],
      ["ENCRYPTION_KEY", false],
      ["CSRF_SECRET", false],
      ["DB_PASSWORD", false],
      ["REDIS_PASSWORD", true],
    ]);
    expect((c.env as Json[]).every((e) => e.value === undefined || ["GOMEMLIMIT"].includes(e.name))).toBe(true);
    const data = findObject(production, "ConfigMap").data as Json;
    expect(data).toMatchObject({
      APP_ENV: "production",
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
      SERVER_PORT: "8080",
      READ_TIMEOUT: "30s",
      WRITE_TIMEOUT: "30s",
      SHUTDOWN_TIMEOUT: "15s",
      MAX_HEADER_BYTES: "1048576",
      DB_MAX_OPEN_CONNS: "25",
      DB_MAX_IDLE_CONNS: "5",
      DB_CONN_MAX_LIFETIME: "1h",
      DB_SSL_MODE: "verify-full",
      REDIS_POOL_SIZE: "20",
      RATE_LIMIT_RPM: "100",
      CORS_ALLOWED_ORIGINS: "https://monapp.com,https://www.monapp.com",
    });
  });

  it("mounts /tmp as an emptyDir and the ConfigMap read-only at /app/config", () => {
    expect(container(production).volumeMounts).toEqual([
      { mountPath: "/tmp", name: "tmp" },
      { mountPath: "/app/config", name: "config", readOnly: true },
    ]);
    expect(podSpec(production).volumes).toEqual([
      { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
      { name: "config", configMap: { name: "myapp-config" } },
    ]);
  });

  it("rolls the pods when the config changes (checksum annotation)", () => {
    const annotation = findObject(production, "Deployment").spec.template.metadata.annotations["checksum/config"];
    expect(annotation).toMatch(/^[0-9a-f]{64}$/);
    const stagingAnnotation = findObject(staging, "Deployment").spec.template.metadata.annotations["checksum/config"];
    expect(stagingAnnotation).not.toBe(annotation);
  });

  it("drains before shutdown: preStop sleep and a grace period longer than the shutdown timeout", () => {
    expect(container(production).lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(podSpec(production).terminationGracePeriodSeconds).toBe(30);
    expect(podSpec(production).terminationGracePeriodSeconds).toBeGreaterThan(15 + 5);
  });

  it("spreads pods: preferred anti-affinity by hostname and a zone topology spread", () => {
    const selector = { matchLabels: { "app.kubernetes.io/name": "myapp", "app.kubernetes.io/instance": "myapp" } };
    expect(podSpec(production).affinity).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: selector } }],
      },
    });
    expect(podSpec(production).topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector },
    ]);
  });

  it("pulls pinned images only when missing", () => {
    expect(container(production).imagePullPolicy).toBe("IfNotPresent");
    expect(container(production).image).toMatch(/@sha256:/);
  });

  it("autoscales 3-10 on CPU and memory at 80%, with no fixed replica count", () => {
    const hpa = findObject(production, "HorizontalPodAutoscaler");
    expect(hpa.apiVersion).toBe("autoscaling/v2");
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10, scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "myapp" } });
    expect(hpa.spec.metrics).toEqual([
      { type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } },
      { type: "Resource", resource: { name: "memory", target: { type: "Utilization", averageUtilization: 80 } } },
    ]);
    expect(findObject(production, "Deployment").spec.replicas).toBeUndefined();
  });

  it("exposes port 80 to the http port on a ClusterIP Service", () => {
    const service = findObject(production, "Service");
    expect(service.spec.type).toBe("ClusterIP");
    expect(service.spec.ports[0]).toEqual({ name: "http", port: 80, targetPort: "http", protocol: "TCP" });
    // Every release track: a canary's pods (instance myapp-canary) get their share of the requests.
    expect(service.spec.selector).toEqual({ "app.kubernetes.io/name": "myapp" });
  });

  it("serves every host over TLS through nginx, with rate limit and CORS from the config", () => {
    const ingress = findObject(production, "Ingress");
    expect(ingress.spec.ingressClassName).toBe("nginx");
    expect(ingress.spec.tls).toEqual([{ hosts: ["monapp.com", "www.monapp.com"], secretName: "myapp-tls" }]);
    expect(ingress.spec.rules.map((r: Json) => r.host)).toEqual(["monapp.com", "www.monapp.com"]);
    expect(ingress.metadata.annotations).toMatchObject({
      "cert-manager.io/cluster-issuer": "letsencrypt-prod",
      "nginx.ingress.kubernetes.io/limit-rpm": "100",
      "nginx.ingress.kubernetes.io/enable-cors": "true",
      "nginx.ingress.kubernetes.io/cors-allow-origin": "https://monapp.com, https://www.monapp.com",
    });
  });

  it("has a PodDisruptionBudget of one pod at a time, over every release track", () => {
    expect(findObject(production, "PodDisruptionBudget").spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { "app.kubernetes.io/name": "myapp" } },
    });
  });

  it("limits traffic: HTTP from ingress-nginx, metrics from monitoring; egress only DNS, PostgreSQL and Redis", () => {
    const policy = findObject(production, "NetworkPolicy").spec;
    expect(policy.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(policy.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ingress-nginx" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
      { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 9090 }] },
    ]);
    expect(policy.egress.map((rule: Json) => rule.ports.map((p: Json) => `${p.protocol}/${p.port}`).join(","))).toEqual(["UDP/53,TCP/53", "TCP/5432", "TCP/6379"]);
    expect(policy.egress[1].to).toEqual([{ ipBlock: { cidr: "10.10.0.0/16" } }]);
  });
});

describe("staging differs from production", () => {
  it("autoscales 2-4, logs at info, allows twice the rate, and uses the staging issuer", () => {
    expect(findObject(staging, "HorizontalPodAutoscaler").spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(findObject(staging, "ConfigMap").data).toMatchObject({ APP_ENV: "staging", LOG_LEVEL: "info", DB_MAX_OPEN_CONNS: "10", RATE_LIMIT_RPM: "200" });
    expect(findObject(staging, "Ingress").metadata.annotations).toMatchObject({
      "cert-manager.io/cluster-issuer": "letsencrypt-staging",
      "nginx.ingress.kubernetes.io/limit-rpm": "200",
    });
  });
});

describe("a release changes only what it must", () => {
  it("an image change touches the Deployment and nothing else", async () => {
    const { resolveBlock, productionBlock } = await import("../support/stacks.js");
    const before = objectsOf(resolveBlock(productionBlock({ "go-service:image": "registry.example.com/myapp:v1.0.0" })));
    const after = objectsOf(resolveBlock(productionBlock({ "go-service:image": "registry.example.com/myapp:v1.1.0" })));
    const changed = after.filter((o, i) => JSON.stringify(o) !== JSON.stringify(before[i])).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(changed).toEqual(["Deployment/myapp"]);
    expect(findObject(after, "Deployment").spec.template.metadata.labels["app.kubernetes.io/version"]).toBe("v1.1.0");
  });
});
