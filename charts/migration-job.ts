import { createHash } from "node:crypto";
import * as kplus from "cdk8s-plus-28";
import { Construct } from "constructs";
import { COMMON_DEFAULTS, type Environment } from "../config/environment-defaults.js";
import { durationToSeconds } from "../config/duration.js";
import { boundedDurationProblem, dnsLabelProblem, imageReferenceProblem, int32Problem, isPinnedImage, parseImage, productionRules } from "../config/validators.js";
import type { ResourceSettings, SecretReferences } from "./go-service.js";

/** The label value that marks a migration Job and its pods (`app.kubernetes.io/component`). */
export const MIGRATION_COMPONENT = "migration";

/** Where the migration Job may connect: PostgreSQL (and DNS); nothing may connect to it. */
export interface MigrationNetworkSettings {
  /** PostgreSQL's port. */
  readonly databasePort: number;
  /**
   * Where PostgreSQL runs.
   * @default ["0.0.0.0/0"] - any address, on the database port only
   */
  readonly databaseCidrs?: readonly string[];
}

/** Props of {@link MigrationJob}. */
export interface MigrationJobProps {
  /** The service whose schema the Job migrates; the Job is named after it (`<serviceName>-migrate-<hash>`). */
  readonly serviceName: string;
  /** The environment, for the `app.kubernetes.io/environment` label and the production rules (a pinned image). */
  readonly environment: Environment;
  /** The image whose entrypoint applies the migrations: the service's own image, with its `migrate` command. */
  readonly image: string;
  /**
   * Arguments of the image's entrypoint.
   * @default ["migrate", "up"]
   */
  readonly args?: readonly string[];
  /** The service's ConfigMap (`<name>-config`): the Job reads the same settings as the pods, with `envFrom`. */
  readonly configMapName: string;
  /** The service's Secret and its keys: the Job gets the same secret environment as the pods. */
  readonly secrets: SecretReferences;
  /**
   * ServiceAccount of the Job's pod (its token is not mounted).
   * @default - the namespace's `default` ServiceAccount
   */
  readonly serviceAccountName?: string;
  /**
   * How long the migration may run, in seconds, before Kubernetes stops it and the Job fails (its
   * `activeDeadlineSeconds`). Keep it below the update's wait (`kubernetes.rolloutTimeout`).
   * @default 300 - the stack's `migrations.timeout` default, 5m
   */
  readonly timeoutSeconds?: number;
  /**
   * Retries of a failed migration.
   * @default 0
   */
  readonly backoffLimit?: number;
  /**
   * UID the container runs as.
   * @default 10001 - `pod.runAsUser`
   */
  readonly runAsUser?: number;
  /**
   * GID the container runs as.
   * @default 10001 - `pod.runAsGroup`
   */
  readonly runAsGroup?: number;
  /**
   * CPU and memory of the container.
   * @default - CPU 50m request / 500m limit, memory 64Mi request / 256Mi limit
   */
  readonly resources?: ResourceSettings;
  /**
   * Ephemeral storage of the container: its logs (the root filesystem is read-only).
   * @default - request 16Mi, limit 64Mi
   */
  readonly ephemeralStorage?: { readonly request: string; readonly limit: string };
  /**
   * The Job's NetworkPolicy (nothing in; out to DNS and PostgreSQL), or `false` for none.
   * @default false
   */
  readonly networkPolicy?: MigrationNetworkSettings | false;
  /**
   * Extra labels on the Job and its pod.
   * @default {}
   */
  readonly labels?: Readonly<Record<string, string>>;
}

/** The name of the migration Job of `serviceName` for `image` and `args`: a new image is a new Job (a Job's pod template cannot change). */
export function migrationJobName(serviceName: string, image: string, args: readonly string[]): string {
  const hash = createHash("sha256").update(JSON.stringify([image, ...args])).digest("hex").slice(0, 10);
  return `${serviceName}-migrate-${hash}`;
}

const port = (protocol: "TCP" | "UDP", number: number) => ({ protocol, port: kplus.k8s.IntOrString.fromNumber(number) });

/**
 * The Job that applies the service's schema migrations before a release's pods change: the service's
 * image with its `migrate up` command, the pods' own configuration and secrets, under the restricted Pod
 * Security Standard. The Pulumi program applies it before the Deployment, which depends on it: a failed
 * migration fails the update before any pod is replaced (README, "Database migrations").
 *
 * The Job is named after a hash of its image and arguments, so each release's migration is a new Job;
 * it is never deleted by a TTL, so Pulumi's state and the cluster agree until the next release replaces it.
 */
export class MigrationJob extends Construct {
  /** The Job's name, `<serviceName>-migrate-<10 hex digits>`. */
  readonly jobName: string;
  /** Labels of the Job and its pod. */
  readonly labels: Readonly<Record<string, string>>;
  /** The Job object. */
  readonly job: kplus.k8s.KubeJob;

  constructor(scope: Construct, id: string, props: MigrationJobProps) {
    super(scope, id);
    const defaults = COMMON_DEFAULTS.migrations;
    const args = props.args ?? defaults.args;
    this.jobName = migrationJobName(props.serviceName, props.image, args);
    validate(props, this.jobName);
    const runAsUser = props.runAsUser ?? COMMON_DEFAULTS.pod.runAsUser;
    const runAsGroup = props.runAsGroup ?? COMMON_DEFAULTS.pod.runAsGroup;
    const resources = props.resources ?? defaults.resources;
    const storage = props.ephemeralStorage ?? defaults.ephemeralStorage;
    // Not the service's selector labels (name + instance): the Service, its PDB and its NetworkPolicy must not select these pods.
    this.labels = {
      "app.kubernetes.io/name": props.serviceName,
      "app.kubernetes.io/instance": `${props.serviceName}-${MIGRATION_COMPONENT}`,
      "app.kubernetes.io/component": MIGRATION_COMPONENT,
      "app.kubernetes.io/managed-by": "go-service-stack",
      "app.kubernetes.io/environment": props.environment,
      ...(props.labels ?? {}),
    };
    const secretEnv = (name: string, key: string, optional = false) => ({ name, valueFrom: { secretKeyRef: { name: props.secrets.name, key, optional } } });
    const image = parseImage(props.image);

    this.job = new kplus.k8s.KubeJob(this, "job", {
      metadata: { name: this.jobName, labels: { ...this.labels } },
      spec: {
        backoffLimit: props.backoffLimit ?? defaults.backoffLimit,
        activeDeadlineSeconds: props.timeoutSeconds ?? durationToSeconds(defaults.timeout),
        template: {
          metadata: { labels: { ...this.labels } },
          spec: {
            restartPolicy: "Never",
            ...(props.serviceAccountName === undefined ? {} : { serviceAccountName: props.serviceAccountName }),
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser, runAsGroup, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: MIGRATION_COMPONENT,
                image: props.image,
                imagePullPolicy: image !== undefined && isPinnedImage(image) ? "IfNotPresent" : "Always",
                args: [...args],
                envFrom: [{ configMapRef: { name: props.configMapName } }],
                env: [
                  secretEnv("JWT_SECRET", props.secrets.keys.jwtSecret),
                  secretEnv("ENCRYPTION_KEY", props.secrets.keys.encryptionKey),
                  secretEnv("CSRF_SECRET", props.secrets.keys.csrfSecret),
                  secretEnv("DB_PASSWORD", props.secrets.keys.dbPassword),
                  // The migration never talks to Redis; the service's configuration only checks the value's form.
                  secretEnv("REDIS_PASSWORD", props.secrets.keys.redisPassword, true),
                ],
                resources: {
                  requests: {
                    cpu: kplus.k8s.Quantity.fromString(resources.requests.cpu),
                    memory: kplus.k8s.Quantity.fromString(resources.requests.memory),
                    "ephemeral-storage": kplus.k8s.Quantity.fromString(storage.request),
                  },
                  limits: {
                    cpu: kplus.k8s.Quantity.fromString(resources.limits.cpu),
                    memory: kplus.k8s.Quantity.fromString(resources.limits.memory),
                    "ephemeral-storage": kplus.k8s.Quantity.fromString(storage.limit),
                  },
                },
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser,
                  runAsGroup,
                  privileged: false,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                  seccompProfile: { type: "RuntimeDefault" },
                },
              },
            ],
          },
        },
      },
    });

    const network = props.networkPolicy ?? false;
    if (network !== false) {
      new kplus.k8s.KubeNetworkPolicy(this, "network-policy", {
        metadata: { name: `${props.serviceName}-${MIGRATION_COMPONENT}`, labels: { ...this.labels } },
        spec: {
          podSelector: { matchLabels: { "app.kubernetes.io/instance": this.labels["app.kubernetes.io/instance"] ?? "", "app.kubernetes.io/component": MIGRATION_COMPONENT } },
          policyTypes: ["Ingress", "Egress"],
          ingress: [],
          egress: [
            {
              to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
              ports: [port("UDP", 53), port("TCP", 53)],
            },
            { to: (network.databaseCidrs ?? ["0.0.0.0/0"]).map((cidr) => ({ ipBlock: { cidr } })), ports: [port("TCP", network.databasePort)] },
          ],
        },
      });
    }
  }
}

function validate(props: MigrationJobProps, jobName: string): void {
  // The stack schema's rules (config/validators.ts), worded for props.
  const problems: string[] = [];
  const prop = (name: string, reason: string | undefined): void => {
    if (reason !== undefined) problems.push(`${name} ${reason}`);
  };
  prop(`job name "${jobName}" (from serviceName)`, dnsLabelProblem(jobName));
  prop(`image "${props.image}"`, imageReferenceProblem(props.image));
  prop("image", productionRules.image(props.environment, props.image));
  if ((props.args ?? ["x"]).length === 0) problems.push("args must list at least one argument");
  if (props.timeoutSeconds !== undefined) prop("timeoutSeconds", boundedDurationProblem(`${props.timeoutSeconds}s`, 1, 24 * 3600));
  if (props.backoffLimit !== undefined) prop("backoffLimit", int32Problem(props.backoffLimit));
  for (const [name, value] of [["runAsUser", props.runAsUser], ["runAsGroup", props.runAsGroup]] as const) {
    if (value !== undefined) prop(name, int32Problem(value, 1));
  }
  if (problems.length > 0) throw new Error(`MigrationJob "${props.serviceName}": ${problems.join("; ")}`);
}
