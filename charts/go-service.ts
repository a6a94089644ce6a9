import { createHash } from "node:crypto";
import { ApiObject, Duration, JsonPatch, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import { COMMON_DEFAULTS, DEFAULT_SECRET_KEYS, ENVIRONMENT_DEFAULTS, SEED_PROBES, type Environment, type EnvironmentDefaults } from "../config/environment-defaults.js";
import { durationSeconds, goMemLimit, memoryBytes } from "../config/quantities.js";
import {
  canaryRoleProblem,
  dnsLabelProblem,
  hostProblem,
  int32Problem,
  imageReferenceProblem,
  isPinnedImage,
  parseImage,
  productionRules,
  workerIngressProblem,
} from "../config/validators.js";
import { RELEASE_TRACKS, TRACK_LABEL, VERSION_POD_LABEL } from "../alerts/metrics-catalog.js";
import { addFinalJsonPatch } from "./raw-json-patch.js";
import { AutoscaledReplicas, Replicas } from "./replicas.js";
import { ServiceNetworkPolicy, type ServiceNetworkPolicyOptions } from "./service-network-policy.js";

/** Settings the Go service reads from its environment (seed section 1), rendered into its ConfigMap. */
export type AppSettings = Pick<EnvironmentDefaults, "server" | "database" | "redis" | "logging" | "security">;

/** An HTTP GET probe, in the seed's Helm values' terms. */
export interface ProbeSettings {
  /** Absolute path of the endpoint, such as `/health`. */
  readonly path: string;
  /** Seconds after the container starts before the first probe. */
  readonly initialDelaySeconds: number;
  /** Seconds between two probes. */
  readonly periodSeconds: number;
  /** Seconds a probe may take before it counts as failed. */
  readonly timeoutSeconds: number;
  /** Consecutive failures before the kubelet acts (restart for liveness, no traffic for readiness). */
  readonly failureThreshold: number;
}

/** Container resources as Kubernetes quantities, written exactly as configured (`250m`, `512Mi`). */
export interface ResourceSettings {
  /** What the scheduler reserves for the pod; the HPA's utilization is relative to it. */
  readonly requests: { readonly cpu: string; readonly memory: string };
  /** The ceiling: CPU is throttled above it, the container is OOM-killed above the memory limit. */
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/** The service's public HTTPS entry point through ingress-nginx and cert-manager. */
export interface IngressSettings {
  /** Host names served over TLS; at least one, each a DNS name. */
  readonly hosts: readonly string[];
  /** @default "nginx" */
  readonly className?: string;
  /** cert-manager ClusterIssuer that issues the TLS certificate. @default "letsencrypt-prod" */
  readonly clusterIssuer?: string;
  /** @default - "<name>-tls" */
  readonly tlsSecretName?: string;
}

/** Where the Go service finds its secret values: one Kubernetes Secret, one key per value. */
export interface SecretReferences {
  /** Name of the Secret, in the service's namespace. */
  readonly name: string;
  /** The Secret's key for each value the service reads (JWT_SECRET, ENCRYPTION_KEY, …). */
  readonly keys: {
    readonly jwtSecret: string;
    readonly encryptionKey: string;
    readonly csrfSecret: string;
    readonly dbPassword: string;
    readonly redisPassword: string;
  };
}

/**
 * What the service does with its pods' network.
 * - `api`: serves HTTP on the `http` port (Service port 80, optional Ingress); probes on `http`.
 * - `worker`: serves no traffic (a queue consumer, a scheduler); only the `metrics` port, whose
 *   server also answers the probes; the Service exposes only `metrics`, for the ServiceMonitor;
 *   no Ingress, and the NetworkPolicy lets no ingress controller in.
 */
export type ServiceRole = "api" | "worker";

/**
 * A canary release in progress: a second Deployment, `<name>-canary`, running the new image beside the
 * stable pods and behind the same Service, so that it gets its share of the traffic by its share of the
 * ready pods. Set by `npm run deploy` for the duration of a canary release (`release.canary`).
 */
export interface CanarySettings {
  /** Image of the release being judged. */
  readonly image: string;
  /** Pods of the canary; the stable Deployment keeps its own count. */
  readonly replicas: number;
}

/** Name of the canary Deployment of a service. */
export function canaryDeploymentName(serviceName: string): string {
  return `${serviceName}-canary`;
}

/** Props of {@link GoService}. */
export interface GoServiceProps {
  /** Name of every object of the service (Deployment, Service, ConfigMap, …); a DNS label. */
  readonly name: string;
  /** The environment whose defaults apply (seed `config.go`). */
  readonly environment: Environment;
  /**
   * Whether the pods serve HTTP traffic (`api`) or only run work and expose metrics (`worker`).
   * @default "api"
   */
  readonly role?: ServiceRole;
  /** Container image; a digest (`@sha256:…`) is preferred, and production refuses `latest` and untagged images. */
  readonly image: string;
  /**
   * Pod count.
   * @default - the environment's: production `Replicas.autoscale({ min: 3, max: 10 })`, staging `{ min: 2, max: 4 }`, development `Replicas.fixed(1)`
   */
  readonly replicas?: Replicas;
  /** @default - requests 250m/256Mi and limits 500m/512Mi in production and staging (seed Helm values) */
  readonly resources?: ResourceSettings;
  /** @default - the environment's defaults from the seed's config.go */
  readonly settings?: AppSettings;
  /** @default - liveness GET /health (30 s delay, every 10 s, 5 s timeout, 3 failures) */
  readonly liveness?: ProbeSettings;
  /** @default - readiness GET /ready (10 s delay, every 5 s, 3 s timeout, 3 failures) */
  readonly readiness?: ProbeSettings;
  /** Public HTTPS entry point; `api` services only. @default - no Ingress */
  readonly ingress?: IngressSettings;
  /** @default - Secret "<name>-secrets" with keys jwt-secret, encryption-key, csrf-secret, db-password, redis-password */
  readonly secrets?: SecretReferences;
  /** Network isolation; `false` leaves the pods open. @default - ingress from ingress-nginx and monitoring, egress to DNS, PostgreSQL and Redis */
  readonly networkPolicy?: ServiceNetworkPolicyOptions | false;
  /**
   * Seconds the pod keeps serving after it is marked for deletion, so endpoints and the load balancer
   * stop routing to it before the server starts its graceful shutdown.
   * @default 5
   */
  readonly preStopSleepSeconds?: number;
  /** Share of the memory limit given to the Go runtime as GOMEMLIMIT. @default 0.9 */
  readonly goMemLimitFraction?: number;
  /**
   * UID the container runs as. A high ID no node user has: on common node images UID 1000 is the first
   * login user, often with sudo.
   * @default 10001
   */
  readonly runAsUser?: number;
  /** GID the container runs as, and the group of its volumes (fsGroup). @default 10001 */
  readonly runAsGroup?: number;
  /** Size limit of the `/tmp` emptyDir, a Kubernetes quantity. @default "64Mi" */
  readonly tmpSizeLimit?: string;
  /**
   * Ephemeral storage of the container: `/tmp` plus its logs. The kubelet evicts the pod above the limit.
   * @default - request 128Mi, limit 256Mi
   */
  readonly ephemeralStorage?: { readonly request: string; readonly limit: string };
  /** Extra labels on every object. @default {} */
  readonly labels?: Record<string, string>;
  /**
   * The canary of a release in progress: adds the Deployment `<name>-canary` running its image.
   * @default - no canary
   */
  readonly canary?: CanarySettings;
}

const READONLY_ROOT_VOLUME_TMP = "tmp";

/**
 * A Go HTTP service as the seed's Helm chart deploys it: Deployment, Service, ConfigMap, ServiceAccount,
 * optional Ingress and HorizontalPodAutoscaler, PodDisruptionBudget and NetworkPolicy, hardened to the
 * restricted Pod Security Standard.
 */
export class GoService extends Construct {
  /** Name of every object of the service. */
  readonly name: string;
  /** Whether the pods serve HTTP (`api`) or only expose metrics (`worker`). */
  readonly role: ServiceRole;
  /**
   * Labels that select the stable Deployment's pods (also on the Service, for the ServiceMonitor). A canary's
   * pods carry `app.kubernetes.io/instance: <name>-canary` instead, so the two Deployments' selectors never
   * overlap, and the stable selector, which Kubernetes cannot change in place, stays what it always was.
   */
  readonly selectorLabels: Readonly<Record<string, string>>;
  /**
   * Labels every pod of the service carries, whatever its release track: what the Service, the
   * PodDisruptionBudget and the NetworkPolicy select, so a canary's pods are served and protected too.
   */
  readonly appLabels: Readonly<Record<string, string>>;
  /** Labels on every object (the Deployment and its pods also carry `app.kubernetes.io/version`). */
  readonly labels: Readonly<Record<string, string>>;
  /** The Deployment running the pods (the stable track). */
  readonly deployment: kplus.Deployment;
  /** The canary's Deployment, when `canary` is set. */
  readonly canaryDeployment?: kplus.Deployment;
  /** The ClusterIP Service in front of the pods. */
  readonly service: kplus.Service;
  /** The ConfigMap of non-secret settings, read as environment and mounted at /app/config. */
  readonly configMap: kplus.ConfigMap;
  /** The pods' ServiceAccount (no token mounted). */
  readonly serviceAccount: kplus.ServiceAccount;
  /** The pod count in force (props or environment default). */
  readonly replicas: Replicas;
  /** The container resources in force (props or environment default). */
  readonly resources: ResourceSettings;
  /** The settings in force (props or environment default). */
  readonly settings: AppSettings;
  /** SHA-256 of the ConfigMap's data: the pod annotation that rolls the pods on a config change. */
  readonly configChecksum: string;
  /** UID the pods run as. */
  readonly runAsUser: number;
  /** GID the pods run as. */
  readonly runAsGroup: number;

  constructor(scope: Construct, id: string, props: GoServiceProps) {
    super(scope, id);
    validate(props);
    const defaults = ENVIRONMENT_DEFAULTS[props.environment];
    this.name = props.name;
    this.role = props.role ?? COMMON_DEFAULTS.role;
    this.settings = props.settings ?? defaults;
    this.resources = props.resources ?? defaults.resources;
    this.replicas = props.replicas ?? defaultReplicas(defaults);
    this.runAsUser = props.runAsUser ?? COMMON_DEFAULTS.pod.runAsUser;
    this.runAsGroup = props.runAsGroup ?? COMMON_DEFAULTS.pod.runAsGroup;
    this.appLabels = { "app.kubernetes.io/name": props.name };
    this.selectorLabels = { ...this.appLabels, "app.kubernetes.io/instance": props.name };
    this.labels = {
      ...this.selectorLabels,
      "app.kubernetes.io/component": this.role,
      "app.kubernetes.io/managed-by": "go-service-stack",
      "app.kubernetes.io/environment": props.environment,
      ...(props.labels ?? {}),
    };

    const configData = configMapData(props.environment, this.settings);
    this.configChecksum = createHash("sha256").update(JSON.stringify(configData)).digest("hex");
    this.configMap = new kplus.ConfigMap(this, "config", { metadata: this.metadata(`${props.name}-config`), data: configData });
    this.serviceAccount = new kplus.ServiceAccount(this, "service-account", { metadata: this.metadata(props.name), automountToken: false });
    this.deployment = this.createDeployment(props, RELEASE_TRACKS.stable);
    if (props.canary !== undefined) this.canaryDeployment = this.createDeployment(props, RELEASE_TRACKS.canary);
    this.service = this.createService();
    this.addScaling();
    if (props.ingress !== undefined) this.addIngress(props.name, props.ingress, this.metadata(props.name));
    if (props.networkPolicy !== false) this.addNetworkPolicy(props.networkPolicy);
  }

  private get serves(): boolean {
    return this.role === "api";
  }

  private metadata(name: string): { name: string; labels: Record<string, string> } {
    return { name, labels: { ...this.labels } };
  }

  /**
   * A Deployment, its pod template and its one container: the stable track (`<name>`, the service's image
   * and replica count), or the canary (`<name>-canary`, the canary's image and pods).
   */
  private createDeployment(props: GoServiceProps, track: (typeof RELEASE_TRACKS)[keyof typeof RELEASE_TRACKS]): kplus.Deployment {
    const canary = track === RELEASE_TRACKS.canary ? props.canary : undefined;
    const reference = canary?.image ?? props.image;
    const name = canary === undefined ? props.name : canaryDeploymentName(props.name);
    const selector = canary === undefined ? this.selectorLabels : { ...this.selectorLabels, "app.kubernetes.io/instance": name };
    const image = parseImage(reference);
    const version = image?.tag ?? image?.digest?.slice("sha256:".length, "sha256:".length + 12) ?? "unknown";
    // The version label changes with every image: only the Deployment and its pods carry it, so a
    // release is one Deployment update in the preview, not a relabelling of every object. The track
    // label tells a canary's pods from the stable ones in the metrics (alerts/metrics-catalog.ts).
    const versioned = { ...this.labels, ...selector, [VERSION_POD_LABEL]: version, [TRACK_LABEL]: track };
    const preStop = props.preStopSleepSeconds ?? COMMON_DEFAULTS.pod.preStopSleepSeconds;
    const shutdownSeconds = Math.ceil(durationSeconds(this.settings.server.shutdownTimeout));
    const deployment = new kplus.Deployment(this, canary === undefined ? "deployment" : "canary-deployment", {
      metadata: { name, labels: { ...versioned } },
      select: false,
      podMetadata: { labels: { ...versioned }, annotations: { "checksum/config": this.configChecksum } },
      replicas: canary !== undefined ? canary.replicas : this.replicas instanceof AutoscaledReplicas ? undefined : this.replicas.minPods,
      strategy: kplus.DeploymentStrategy.rollingUpdate({
        maxSurge: kplus.PercentOrAbsolute.absolute(1),
        maxUnavailable: kplus.PercentOrAbsolute.absolute(0),
      }),
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      // shutdownTimeout + preStop pause + margin: the kubelet must never SIGKILL a server still draining.
      terminationGracePeriod: Duration.seconds(shutdownSeconds + preStop + 10),
      securityContext: { ensureNonRoot: true, user: this.runAsUser, group: this.runAsGroup, fsGroup: this.runAsGroup },
      containers: [],
    });
    deployment.select(kplus.LabelSelector.of({ labels: { ...selector } }));
    this.addAppContainer(deployment, props, reference, image !== undefined && isPinnedImage(image), canary === undefined ? "" : "canary-");
    this.patchPodSpec(deployment, preStop, props.ephemeralStorage ?? COMMON_DEFAULTS.pod.ephemeralStorage, selector);
    return deployment;
  }

  private addAppContainer(deployment: kplus.Deployment, props: GoServiceProps, reference: string, pinned: boolean, idPrefix: string): void {
    const secrets = props.secrets ?? { name: `${props.name}-secrets`, keys: DEFAULT_SECRET_KEYS };
    const secret = kplus.Secret.fromSecretName(this, `${idPrefix}secret`, secrets.name);
    const secretEnv = (key: string, optional = false) => kplus.EnvValue.fromSecretValue({ secret, key }, { optional });
    const tmp = kplus.Volume.fromEmptyDir(this, `${idPrefix}tmp-volume`, READONLY_ROOT_VOLUME_TMP, {
      sizeLimit: Size.mebibytes(memoryBytes(props.tmpSizeLimit ?? COMMON_DEFAULTS.pod.tmpSizeLimit) / 2 ** 20),
    });
    const configVolume = kplus.Volume.fromConfigMap(this, `${idPrefix}config-volume`, this.configMap, { name: "config" });
    deployment.addContainer({
      name: "app",
      image: reference,
      imagePullPolicy: pinned ? kplus.ImagePullPolicy.IF_NOT_PRESENT : kplus.ImagePullPolicy.ALWAYS,
      ...(this.serves ? { portNumber: this.settings.server.port } : {}),
      ports: [{ name: "metrics", number: this.settings.server.metricsPort, protocol: kplus.Protocol.TCP }],
      envFrom: [kplus.Env.fromConfigMap(this.configMap)],
      envVariables: {
        JWT_SECRET: secretEnv(secrets.keys.jwtSecret),
        ENCRYPTION_KEY: secretEnv(secrets.keys.encryptionKey),
        CSRF_SECRET: secretEnv(secrets.keys.csrfSecret),
        DB_PASSWORD: secretEnv(secrets.keys.dbPassword),
        // Optional like its config key: a Redis without a password leaves the key out of the Secret, and a
        // required key that is missing keeps every pod in CreateContainerConfigError (found on the real node).
        REDIS_PASSWORD: secretEnv(secrets.keys.redisPassword, true),
        // Rounded up to whole cores (the default divisor is 1). Without it Go sizes its scheduler by the node's cores, not the pod's quota, and gets throttled.
        GOMAXPROCS: kplus.EnvValue.fromResource(kplus.ResourceFieldPaths.CPU_LIMIT),
        GOMEMLIMIT: kplus.EnvValue.fromValue(
          goMemLimit(this.resources.limits.memory, props.goMemLimitFraction ?? COMMON_DEFAULTS.pod.goMemLimitFraction),
        ),
      },
      liveness: httpProbe(props.liveness ?? SEED_PROBES.liveness),
      readiness: httpProbe(props.readiness ?? SEED_PROBES.readiness),
      securityContext: {
        ensureNonRoot: true,
        user: this.runAsUser,
        group: this.runAsGroup,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: [kplus.Capability.ALL] },
        seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
      },
      volumeMounts: [
        { path: "/tmp", volume: tmp },
        { path: "/app/config", volume: configVolume, readOnly: true },
      ],
    });
  }

  /** What cdk8s-plus cannot express: named ports, exact quantities, preStop sleep, spreading. */
  private patchPodSpec(
    deployment: kplus.Deployment,
    preStop: number,
    ephemeralStorage: { readonly request: string; readonly limit: string },
    selector: Readonly<Record<string, string>>,
  ): void {
    const container = "/spec/template/spec/containers/0";
    const probePort = this.serves ? "http" : "metrics";
    addFinalJsonPatch(
      ApiObject.of(deployment),
      // Named ports: probes and the Service target names, so a port change is one edit.
      ...(this.serves ? [JsonPatch.replace(`${container}/ports/0`, { name: "http", containerPort: this.settings.server.port, protocol: "TCP" })] : []),
      JsonPatch.add(`${container}/livenessProbe/httpGet/port`, probePort),
      JsonPatch.add(`${container}/readinessProbe/httpGet/port`, probePort),
      // No startup probe: the liveness probe's initial delay already covers start-up (seed values).
      JsonPatch.remove(`${container}/startupProbe`),
      // Quantities exactly as configured (cdk8s-plus would normalise 0.5 to 500m, 1Gi to 1024Mi).
      JsonPatch.replace(`${container}/resources`, {
        // Ephemeral storage covers /tmp and the logs, so the scheduler places the pod where they fit.
        requests: { cpu: this.resources.requests.cpu, memory: this.resources.requests.memory, "ephemeral-storage": ephemeralStorage.request },
        limits: { cpu: this.resources.limits.cpu, memory: this.resources.limits.memory, "ephemeral-storage": ephemeralStorage.limit },
      }),
      // The kubelet's sleep action needs no shell, which distroless Go images lack (Kubernetes >= 1.30).
      JsonPatch.add(`${container}/lifecycle`, { preStop: { sleep: { seconds: preStop } } }),
      JsonPatch.add("/spec/template/spec/securityContext/seccompProfile", { type: "RuntimeDefault" }),
      // cdk8s-plus labels pods with their construct address; the selector labels above already identify them.
      JsonPatch.remove("/spec/template/metadata/labels/cdk8s.io~1metadata.addr"),
      // Spread replicas over nodes (preferred, so a small cluster still schedules) and zones.
      JsonPatch.add("/spec/template/spec/affinity", {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { ...selector } } } },
          ],
        },
      }),
      JsonPatch.add("/spec/template/spec/topologySpreadConstraints", [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: { ...selector } },
        },
      ]),
    );
  }

  /** ClusterIP Service: `http` (port 80) for an api, and `metrics` for the ServiceMonitor. */
  private createService(): kplus.Service {
    const api = this.serves;
    const service = new kplus.Service(this, "service", {
      metadata: this.metadata(this.name),
      type: kplus.ServiceType.CLUSTER_IP,
      selector: this.deployment,
      ports: [
        ...(api ? [{ name: "http", port: 80, targetPort: this.settings.server.port, protocol: kplus.Protocol.TCP }] : []),
        { name: "metrics", port: this.settings.server.metricsPort, targetPort: this.settings.server.metricsPort, protocol: kplus.Protocol.TCP },
      ],
    });
    addFinalJsonPatch(
      ApiObject.of(service),
      ...(api ? [JsonPatch.add("/spec/ports/0/targetPort", "http"), JsonPatch.add("/spec/ports/1/targetPort", "metrics")] : [JsonPatch.add("/spec/ports/0/targetPort", "metrics")]),
      // Every track: a canary's ready pods get their share of the requests.
      JsonPatch.replace("/spec/selector", { ...this.appLabels }),
      JsonPatch.remove("/spec/externalIPs"),
    );
    return service;
  }

  /** The HPA when autoscaled, and a PodDisruptionBudget whenever more than one pod can run. */
  private addScaling(): void {
    if (this.replicas instanceof AutoscaledReplicas) {
      new kplus.HorizontalPodAutoscaler(this, "hpa", {
        metadata: this.metadata(this.name),
        target: this.deployment,
        minReplicas: this.replicas.min,
        maxReplicas: this.replicas.max,
        metrics: [
          kplus.Metric.resourceCpu(kplus.MetricTarget.averageUtilization(this.replicas.cpuUtilizationPercent)),
          kplus.Metric.resourceMemory(kplus.MetricTarget.averageUtilization(this.replicas.memoryUtilizationPercent)),
        ],
      });
    }
    if (this.replicas.maxPods > 1) {
      new kplus.k8s.KubePodDisruptionBudget(this, "pdb", {
        metadata: this.metadata(this.name),
        spec: { maxUnavailable: kplus.k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...this.appLabels } } },
      });
    }
  }

  private addNetworkPolicy(options: ServiceNetworkPolicyOptions | undefined): void {
    new ServiceNetworkPolicy(this, "network-policy", {
      ...(options ?? {}),
      name: this.name,
      labels: this.labels,
      podSelector: this.appLabels,
      ...(this.serves ? { httpPort: this.settings.server.port } : {}),
      metricsPort: this.settings.server.metricsPort,
      databasePort: this.settings.database.port,
      redisPort: Number(this.settings.redis.addr.split(":").pop()),
    });
  }

  private addIngress(name: string, ingress: IngressSettings, metadata: { name: string; labels: Record<string, string> }): void {
    const rpm = this.settings.security.rateLimitPerMinute;
    const origins = this.settings.security.corsAllowedOrigins;
    const annotations: Record<string, string> = {
      "cert-manager.io/cluster-issuer": ingress.clusterIssuer ?? COMMON_DEFAULTS.ingress.clusterIssuer,
      "nginx.ingress.kubernetes.io/ssl-redirect": "true",
      // ingress-nginx's real annotations; the seed's "rate-limit"/"rate-limit-window" do not exist.
      "nginx.ingress.kubernetes.io/limit-rpm": String(rpm),
      "nginx.ingress.kubernetes.io/limit-burst-multiplier": "2",
      ...(origins.length > 0
        ? {
            "nginx.ingress.kubernetes.io/enable-cors": "true",
            "nginx.ingress.kubernetes.io/cors-allow-origin": origins.join(", "),
          }
        : {}),
    };
    new kplus.k8s.KubeIngress(this, "ingress", {
      metadata: { ...metadata, annotations },
      spec: {
        ingressClassName: ingress.className ?? COMMON_DEFAULTS.ingress.className,
        tls: [{ hosts: [...ingress.hosts], secretName: ingress.tlsSecretName ?? `${name}-tls` }],
        rules: ingress.hosts.map((host) => ({
          host,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service: { name, port: { name: "http" } } } }],
          },
        })),
      },
    });
  }
}

function defaultReplicas(defaults: EnvironmentDefaults): Replicas {
  return defaults.autoscaling.enabled
    ? Replicas.autoscale({ min: defaults.autoscaling.minReplicas, max: defaults.autoscaling.maxReplicas })
    : Replicas.fixed(defaults.replicas);
}

function httpProbe(settings: ProbeSettings): kplus.Probe {
  return kplus.Probe.fromHttpGet(settings.path, {
    initialDelaySeconds: Duration.seconds(settings.initialDelaySeconds),
    periodSeconds: Duration.seconds(settings.periodSeconds),
    timeoutSeconds: Duration.seconds(settings.timeoutSeconds),
    failureThreshold: settings.failureThreshold,
  });
}

/** The service's non-secret environment, named as the seed's config.go reads it. */
export function configMapData(environment: Environment, settings: AppSettings): Record<string, string> {
  const { server, database, redis, logging, security } = settings;
  return {
    APP_ENV: environment,
    CORS_ALLOWED_ORIGINS: security.corsAllowedOrigins.join(","),
    DB_CONN_MAX_LIFETIME: database.connMaxLifetime,
    DB_HOST: database.host,
    DB_MAX_IDLE_CONNS: String(database.maxIdleConns),
    DB_MAX_OPEN_CONNS: String(database.maxOpenConns),
    DB_NAME: database.name,
    DB_PORT: String(database.port),
    DB_SSL_MODE: database.sslMode,
    DB_USER: database.user,
    LOG_FORMAT: logging.format,
    LOG_LEVEL: logging.level,
    LOG_OUTPUT: logging.output,
    MAX_HEADER_BYTES: String(server.maxHeaderBytes),
    METRICS_PORT: String(server.metricsPort),
    PROMETHEUS_ENABLED: "true",
    RATE_LIMIT_RPM: String(security.rateLimitPerMinute),
    READ_TIMEOUT: server.readTimeout,
    REDIS_ADDR: redis.addr,
    REDIS_DB: String(redis.db),
    REDIS_POOL_SIZE: String(redis.poolSize),
    SERVER_HOST: server.host,
    SERVER_PORT: String(server.port),
    SHUTDOWN_TIMEOUT: server.shutdownTimeout,
    WRITE_TIMEOUT: server.writeTimeout,
  };
}

function validate(props: GoServiceProps): void {
  // The same rules the stack schema applies (config/validators.ts), worded for props instead of keys.
  const problems: string[] = [];
  const prop = (name: string, reason: string | undefined): void => {
    if (reason !== undefined) problems.push(`${name} ${reason}`);
  };
  prop(`name "${props.name}"`, dnsLabelProblem(props.name));
  prop(`image "${props.image}"`, imageReferenceProblem(props.image));
  prop("image", productionRules.image(props.environment, props.image));
  if (props.replicas !== undefined) prop("replicas", productionRules.minimumPods(props.environment, props.replicas.minPods));
  if (props.canary !== undefined) {
    prop(`canary.image "${props.canary.image}"`, imageReferenceProblem(props.canary.image));
    prop("canary.image", productionRules.image(props.environment, props.canary.image));
    prop("canary.replicas", int32Problem(props.canary.replicas, 1));
    prop("canary", canaryRoleProblem(props.role ?? COMMON_DEFAULTS.role));
  }
  for (const host of props.ingress?.hosts ?? []) prop(`ingress host "${host}"`, hostProblem(host));
  if (props.ingress !== undefined && props.ingress.hosts.length === 0) problems.push("ingress.hosts must list at least one host");
  prop("ingress", workerIngressProblem(props.role, props.ingress !== undefined));
  for (const [name, id] of [["runAsUser", props.runAsUser], ["runAsGroup", props.runAsGroup]] as const) {
    if (id !== undefined) prop(name, int32Problem(id, 1));
  }
  const fraction = props.goMemLimitFraction ?? COMMON_DEFAULTS.pod.goMemLimitFraction;
  if (!(fraction > 0 && fraction <= 1)) problems.push(`goMemLimitFraction must be in (0, 1] (got ${fraction})`);
  if (problems.length > 0) throw new Error(`GoService "${props.name}": ${problems.join("; ")}`);
}
