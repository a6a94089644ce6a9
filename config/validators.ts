import { longestIntervalMinutes, parseCronSchedule } from "./cron-schedule.js";
import { durationToSeconds, isPrometheusDuration } from "./duration.js";
import { backupIntervalForRpo, defaultBackupSchedule, formatMinutes, TOLERATED_FAILED_RUNS } from "./recovery-targets.js";

/**
 * Every field validator of the project, in one place: the stack schema, the constructs and the guardrail
 * policies call these functions, so a rule cannot have two versions. Each returns the reason a value is
 * refused (to follow the offending key or prop in a message), or undefined when the value is valid.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The largest value of a Kubernetes int32 field (replicas, ports, user IDs, seconds): the API server refuses more. */
export const INT32_MAX = 2_147_483_647;

/** A whole number the API server can store in an int32 field, at least `min`. */
export function int32Problem(value: number, min = 0): string | undefined {
  if (!Number.isInteger(value)) return `must be a whole number (got ${value})`;
  if (value < min) return `must be at least ${min} (got ${value})`;
  return value > INT32_MAX ? `must be at most ${INT32_MAX}, the largest value Kubernetes stores in this field (got ${value})` : undefined;
}

/** A DNS-1123 subdomain, optionally with one leading wildcard label (`*.example.com`). */
export function hostProblem(host: string): string | undefined {
  const name = host.startsWith("*.") ? host.slice(2) : host;
  if (name.length === 0 || name.length > 253) return "must be 1 to 253 characters long";
  if (name !== name.toLowerCase()) return "must be lower case";
  const labels = name.split(".");
  if (labels.length < 2) return "must be a fully qualified name such as api.example.com";
  const bad = labels.find((label) => label.length > 63 || !DNS_LABEL.test(label));
  if (bad !== undefined) {
    return `label "${bad}" must be 1 to 63 letters, digits or '-', not starting or ending with '-'`;
  }
  return undefined;
}

/**
 * A DNS-1123 label, the form Kubernetes requires for names of Services, namespaces and most objects.
 * `max` is lower where Kubernetes appends to the name (a CronJob's Jobs get 11 more characters).
 */
export function dnsLabelProblem(name: string, max = 63): string | undefined {
  if (name.length > max) return `must be at most ${max} characters (got ${name.length})`;
  if (!DNS_LABEL.test(name)) return "must be lower-case letters, digits or '-', starting and ending with a letter or digit";
  return undefined;
}

/** A DNS-1123 subdomain: the form of ConfigMap, Secret and custom resource names. */
export function dnsSubdomainProblem(name: string): string | undefined {
  if (name.length > 253) return `must be at most 253 characters (got ${name.length})`;
  if (!DNS_SUBDOMAIN.test(name)) return "must be lower-case letters, digits, '-' or '.', each dot-separated part starting and ending with a letter or digit";
  return undefined;
}

const SECRET_DATA_KEY = /^[-._a-zA-Z0-9]+$/;

/** A key of a Secret's or ConfigMap's data. */
export function dataKeyProblem(key: string): string | undefined {
  if (key.length > 253) return `must be at most 253 characters (got ${key.length})`;
  return SECRET_DATA_KEY.test(key) ? undefined : "must be letters, digits, '-', '_' or '.'";
}

/** The parts of an OCI image reference the rules care about. */
export interface ImageReference {
  /** Registry host (with port, if any) and repository path, e.g. "registry.example.com/team/myapp". */
  readonly repository: string;
  /**
   * Tag, e.g. "v1.4.2"; movable, so a digest pins more firmly.
   * @default - no tag (the registry's "latest" when no digest is given either)
   */
  readonly tag?: string;
  /**
   * Content digest, "sha256:" and 64 hex digits; the immutable way to name an image.
   * @default - no digest
   */
  readonly digest?: string;
}

// A registry host (DNS labels, a port) only before a '/': in "myapp:5000" the 5000 is a tag, as Docker reads it.
const IMAGE =
  /^(?<repository>(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Parses `registry/repo[:tag][@sha256:…]`; undefined when the reference is malformed. */
export function parseImage(reference: string): ImageReference | undefined {
  const match = IMAGE.exec(reference);
  if (!match?.groups) return undefined;
  const { repository, tag, digest } = match.groups;
  if (repository === undefined) return undefined;
  return {
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** An image is pinned when it names a digest, or a tag other than `latest`. */
export function isPinnedImage(image: ImageReference): boolean {
  if (image.digest !== undefined) return true;
  return image.tag !== undefined && image.tag !== "latest";
}

/** Why `reference` is not an image reference (undefined when it parses). */
export function imageReferenceProblem(reference: string): string | undefined {
  return parseImage(reference) === undefined
    ? "is not an image reference; use registry/repository:tag or registry/repository@sha256:<64 hex digits>"
    : undefined;
}

/** The message for an image that floats (`latest` or no tag): what to use instead. */
function floatingImage(reference: string, where: string): string {
  return `must be pinned${where} ("${reference}" floats); use a digest (@sha256:…, preferred) or a release tag such as :v1.4.2`;
}

/** Why `reference` is not a pinned image (undefined for a malformed one: {@link imageReferenceProblem} reports that). */
export function unpinnedImageProblem(reference: string): string | undefined {
  const image = parseImage(reference);
  return image === undefined || isPinnedImage(image) ? undefined : floatingImage(reference, "");
}

/**
 * The rules production adds, written once for the schema (stack files), the GoService construct and the
 * guardrail policies. Each returns the reason, without the key, or undefined.
 */
export const productionRules = {
  /** Production runs pinned images only, so a rollback re-applies exactly what was verified. */
  image(environment: string, reference: string): string | undefined {
    if (environment !== "production" || unpinnedImageProblem(reference) === undefined) return undefined;
    return floatingImage(reference, " in production");
  },
  /** At least two pods, so one can fail or drain. */
  minimumPods(environment: string, pods: number): string | undefined {
    return environment === "production" && pods < 2 ? `must be at least 2 in production (got ${pods}) so one pod can fail or drain` : undefined;
  },
  /** Database traffic is encrypted. */
  databaseSslMode(environment: string, sslMode: string): string | undefined {
    return environment === "production" && sslMode === "disable"
      ? 'must not be "disable" in production: database traffic must be encrypted; use "require" or "verify-full"'
      : undefined;
  },
  /** The seed requires backups in production. */
  backupEnabled(environment: string, enabled: boolean): string | undefined {
    return environment === "production" && !enabled ? "must be true in production: the seed requires database backups" : undefined;
  },
} as const;

/** A worker serves no HTTP traffic, so it has no Ingress. */
export function workerIngressProblem(role: string | undefined, hasIngress: boolean): string | undefined {
  return role === "worker" && hasIngress ? 'must be left out for a worker: it serves no HTTP traffic (or set role: "api")' : undefined;
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/** An S3 bucket name, with S3's reserved prefixes and suffixes. */
export function bucketNameProblem(name: string): string | undefined {
  if (!BUCKET_NAME.test(name)) {
    return "must be 3 to 63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit";
  }
  if (name.includes("..") || IP_ADDRESS.test(name)) return "must not contain '..' nor look like an IP address";
  if (name.startsWith("xn--") || name.startsWith("sthree-") || name.endsWith("-s3alias") || name.endsWith("--ol-s3")) {
    return "must not start with 'xn--' or 'sthree-' nor end with '-s3alias' or '--ol-s3' (reserved by S3)";
  }
  return undefined;
}

const KEY_PREFIX = /^[a-z0-9][a-z0-9._-]*(?:\/[a-z0-9][a-z0-9._-]*)*$/;

/** A key prefix in the backup bucket, such as `backups`: what the IAM policies and lifecycle rules scope to. */
export function backupPrefixProblem(prefix: string): string | undefined {
  return KEY_PREFIX.test(prefix)
    ? undefined
    : `"${prefix}" must be lower-case path segments separated by '/', with no leading or trailing '/' and no wildcard (example: backups)`;
}

const AWS_REGION = /^[a-z]{2,4}(?:-[a-z]+)?-[a-z]+-\d{1,2}$/;

/** An AWS region code such as eu-west-1. */
export function awsRegionProblem(region: string): string | undefined {
  return AWS_REGION.test(region) ? undefined : "must be an AWS region such as eu-west-1";
}

const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/(?<issuer>\S+)$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-zA-Z-]+$/;

/** An IAM role ARN. */
export function iamRoleArnProblem(arn: string): string | undefined {
  return IAM_ROLE_ARN.test(arn) ? undefined : "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)";
}

/** An IAM OIDC provider ARN; its issuer (the part after `oidc-provider/`) is what IRSA trust policies match. */
export function oidcProviderIssuer(arn: string): string | undefined {
  return OIDC_PROVIDER_ARN.exec(arn)?.groups?.issuer;
}

/** An IAM OIDC provider ARN. */
export function oidcProviderArnProblem(arn: string): string | undefined {
  return oidcProviderIssuer(arn) === undefined ? "must be an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer>)" : undefined;
}

/** A KMS key ARN. */
export function kmsKeyArnProblem(arn: string): string | undefined {
  return KMS_KEY_ARN.test(arn) ? undefined : "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)";
}

/** S3 refuses STANDARD_IA transitions earlier than this many days after creation. */
export const STANDARD_IA_MINIMUM_DAYS = 30;

/** The day backups move to STANDARD_IA: late enough for S3, and before they expire. */
export function infrequentAccessProblem(afterDays: number, retentionDays: number): string | undefined {
  if (!Number.isInteger(afterDays) || afterDays < STANDARD_IA_MINIMUM_DAYS) {
    return `must be a whole number of at least ${STANDARD_IA_MINIMUM_DAYS} (S3's minimum for STANDARD_IA), not ${afterDays}`;
  }
  if (afterDays >= retentionDays) {
    return `(${afterDays}) must be less than the retention (${retentionDays} days): a backup that expires first is never moved; leave it out or raise the retention above ${afterDays}`;
  }
  return undefined;
}

/**
 * A schedule Kubernetes CronJobs accept (five fields or a macro such as `@daily`, robfig/cron syntax:
 * see {@link parseCronSchedule}) that comes round at least twice in five years.
 */
export function cronProblem(expression: string): string | undefined {
  try {
    longestIntervalMinutes(parseCronSchedule(expression));
    return undefined;
  } catch (error) {
    // The parser's messages start with the quoted expression, which the key already shows.
    const message = (error as Error).message;
    const quoted = [`"${expression}"`, `"${expression.trim().split(/\s+/).join(" ")}"`].find((prefix) => message.startsWith(prefix));
    return quoted === undefined ? message : message.slice(quoted.length).replace(/^:?\s*/, "");
  }
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** An IPv4 CIDR block such as 10.0.0.0/16. */
export function cidrProblem(cidr: string): string | undefined {
  const match = CIDR.exec(cidr);
  if (!match) return "must be an IPv4 CIDR such as 10.0.0.0/16";
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255) || Number(match[5]) > 32) return "has an octet over 255 or a prefix over 32";
  return undefined;
}

/** The shortest RPO a schedule can meet: cron runs at most once a minute, and one failed run is allowed for. */
export const MINIMUM_RPO_MINUTES = 1 + TOLERATED_FAILED_RUNS;
/** The shortest RTO: a restore drill needs at least a minute (and Kubernetes' activeDeadlineSeconds counts from the pod's start). */
export const MINIMUM_RTO_MINUTES = 1;

/**
 * A recovery target (`backup.rpo`, `backup.rto`): a duration such as 15m, 1h or 2d, in whole minutes,
 * at least `minimumMinutes`, and short enough for a Kubernetes deadline (an int32 of seconds).
 */
export function recoveryTargetProblem(value: string, minimumMinutes: number): string | undefined {
  if (!isPrometheusDuration(value)) return `"${value}" must be a duration such as 15m, 1h or 2d (a whole number and a unit)`;
  const seconds = durationToSeconds(value);
  if (seconds % 60 !== 0) return `"${value}" must be a whole number of minutes (cron and the alerts count in minutes)`;
  if (seconds < minimumMinutes * 60) return `"${value}" must be at least ${formatMinutes(minimumMinutes)}`;
  if (seconds > INT32_MAX) return `"${value}" is longer than Kubernetes can count in seconds (an int32)`;
  return undefined;
}

/**
 * Whether backups every `intervalMinutes` (at the longest) meet an RPO of `rpoMinutes` with room for one
 * failed run: the newest backup is then up to (1 + 1) × interval old, which must not exceed the RPO.
 * The reason gives the arithmetic and what to change.
 */
export function backupIntervalRpoProblem(intervalMinutes: number, rpoMinutes: number): string | undefined {
  const runs = 1 + TOLERATED_FAILED_RUNS;
  const worst = runs * intervalMinutes;
  if (worst <= rpoMinutes) return undefined;
  const interval = backupIntervalForRpo(rpoMinutes);
  const suggestion =
    interval === undefined
      ? ""
      : `run at least every ${formatMinutes(interval)} (e.g. "${defaultBackupSchedule("dump", rpoMinutes)}") or `;
  return (
    `runs every ${formatMinutes(intervalMinutes)} at its longest interval: with room for one failed run the newest backup can be ` +
    `${runs} × ${formatMinutes(intervalMinutes)} = ${formatMinutes(worst)} old, more than the RPO of ${formatMinutes(rpoMinutes)}; ` +
    `${suggestion}raise the RPO to at least ${formatMinutes(worst)}`
  );
}

/**
 * A backup schedule that meets the RPO with room for one failed run ({@link backupIntervalRpoProblem}),
 * its interval measured with `longestIntervalMinutes`. Undefined for a malformed schedule: {@link cronProblem} reports that.
 */
export function backupScheduleRpoProblem(schedule: string, rpoMinutes: number): string | undefined {
  let interval: number;
  try {
    interval = longestIntervalMinutes(parseCronSchedule(schedule));
  } catch {
    return undefined;
  }
  const reason = backupIntervalRpoProblem(interval, rpoMinutes);
  return reason === undefined ? undefined : `"${schedule}" ${reason}`;
}

/** Days every backup is kept (`frequent/`): at least a day, and not longer than the daily backups' retention. */
export function frequentRetentionProblem(frequentDays: number, retentionDays: number): string | undefined {
  if (!Number.isInteger(frequentDays) || frequentDays < 1) return `must be a whole number of days, at least 1, not ${frequentDays}`;
  if (frequentDays > retentionDays) {
    return `(${frequentDays}) must not exceed the retention of the daily backups (${retentionDays} days): every backup would outlive the daily ones; lower it or raise the retention`;
  }
  return undefined;
}

/**
 * `archive_timeout` of WAL archiving (`backup.method: wal`): a Prometheus duration whose double (room for
 * one failed push, which PostgreSQL retries) fits in the RPO.
 */
export function walArchiveTimeoutProblem(timeout: string, rpoMinutes: number): string | undefined {
  if (!isPrometheusDuration(timeout)) return `"${timeout}" must be a duration such as 30s or 1m`;
  const seconds = durationToSeconds(timeout);
  if (!Number.isInteger(seconds) || seconds < 1) return `"${timeout}" must be a whole number of seconds, at least 1s`;
  const runs = 1 + TOLERATED_FAILED_RUNS;
  if (runs * seconds > rpoMinutes * 60) {
    return `"${timeout}" cannot meet the RPO of ${formatMinutes(rpoMinutes)}: with room for one failed push the newest archived WAL can be ${runs} × ${timeout} old; use at most ${formatMinutes(rpoMinutes / runs)}`;
  }
  return undefined;
}

/** A canary step's share of the pods, in percent: 1 to 99 (100 % is the promotion, which follows the last step). */
export function canaryTrafficProblem(traffic: number): string | undefined {
  return Number.isInteger(traffic) && traffic >= 1 && traffic <= 99
    ? undefined
    : `must be a whole percentage from 1 to 99 (got ${traffic}): 100 % is the promotion, which follows the last step`;
}

/** Each canary step gives the canary a larger share of the pods than the step before. */
export function canaryTrafficOrderProblem(previous: number, traffic: number): string | undefined {
  return traffic > previous ? undefined : `(${traffic}) must be above the previous step's (${previous}): each step gives the canary a larger share`;
}

/**
 * A canary step's pause, which is also its analysis window: a Prometheus duration of whole seconds that
 * holds at least two scrapes of the canary's pods (`rate()` needs two samples).
 */
export function canaryPauseProblem(pause: string, scrapeInterval: string): string | undefined {
  if (!isPrometheusDuration(pause)) return `"${pause}" must be a duration such as 30s, 5m or 1h`;
  const seconds = durationToSeconds(pause);
  if (!Number.isInteger(seconds) || seconds < 1) return `"${pause}" must be a whole number of seconds, at least 1s`;
  const interval = isPrometheusDuration(scrapeInterval) ? durationToSeconds(scrapeInterval) : undefined;
  if (interval !== undefined && seconds < 2 * interval) {
    return `"${pause}" must be at least twice the scrape interval (monitoring.prometheus.scrapeInterval ${scrapeInterval}): the analysis needs two scrapes of the canary inside the step`;
  }
  return undefined;
}

/** The base URL of a Prometheus HTTP API (`<url>/api/v1/query`): http or https, no query string or fragment. */
export function prometheusUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" must be an absolute URL such as http://prometheus.monitoring.svc:9090`;
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return `"${url}" must be an http or https URL`;
  if (parsed.search !== "" || parsed.hash !== "") return `"${url}" must not have a query string or fragment: the client appends /api/v1/query`;
  return undefined;
}

/** A canary is judged by the HTTP requests it serves: a worker serves none. */
export function canaryRoleProblem(role: string | undefined): string | undefined {
  return role === "worker"
    ? 'cannot be judged for a worker: it serves no HTTP requests for the canary analysis to measure; use release.strategy: rolling (or role: "api")'
    : undefined;
}

/** A duration between `minSeconds` and `maxSeconds` (load test phases and bounds, the migration Job's deadline). */
export function boundedDurationProblem(value: string, minSeconds: number, maxSeconds: number): string | undefined {
  if (!isPrometheusDuration(value) || value === "") return `"${value}" must be a duration such as 500ms, 30s or 5m`;
  const seconds = durationToSeconds(value);
  if (seconds < minSeconds) return `"${value}" must be at least ${formatSeconds(minSeconds)}`;
  return seconds > maxSeconds ? `"${value}" must be at most ${formatSeconds(maxSeconds)}` : undefined;
}

function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  return seconds % 60 === 0 && seconds >= 60 ? `${seconds / 60}m` : `${seconds}s`;
}

/** A share of requests from 0 (none tolerated) to below 1, e.g. a load test's tolerated error ratio (0.01 = 1 %). */
export function ratioProblem(value: number): string | undefined {
  return Number.isFinite(value) && value >= 0 && value < 1 ? undefined : `must be a fraction from 0 to below 1 (0.01 = 1 %; got ${value})`;
}

/** The load test's ramp-up must leave a measured phase: it is at most the duration of the test. */
export function loadTestRampUpProblem(rampUp: string, duration: string): string | undefined {
  if (!isPrometheusDuration(rampUp) || !isPrometheusDuration(duration)) return undefined;
  return durationToSeconds(rampUp) > durationToSeconds(duration)
    ? `(${rampUp}) must not exceed loadTest.duration (${duration}): the criteria are judged on the phase at full concurrency`
    : undefined;
}

/** An HTTP path the load test requests, relative to the service's URL: absolute, no scheme or host. */
export function requestPathProblem(path: string): string | undefined {
  if (!path.startsWith("/") || path.startsWith("//")) return `"${path}" must be an absolute path such as /api/items`;
  return /\s/.test(path) ? `"${path}" must not contain spaces` : undefined;
}

/**
 * The migration Job's deadline must end before the update stops waiting for it
 * (`kubernetes.rolloutTimeout`): otherwise the update gives up on a migration still running, and the
 * release's outcome would depend on which one ends first.
 */
export function migrationTimeoutProblem(timeout: string, rolloutTimeout: string, rolloutTimeoutSeconds: number): string | undefined {
  if (!isPrometheusDuration(timeout)) return undefined;
  return durationToSeconds(timeout) >= rolloutTimeoutSeconds
    ? `(${timeout}) must be below kubernetes.rolloutTimeout (${rolloutTimeout}): the update waits that long for the migration Job, which must fail on its own deadline first`
    : undefined;
}

/** A path inside the project, relative to the directory of Pulumi.yaml: no absolute path, no `..`. */
export function projectPathProblem(path: string): string | undefined {
  if (path === "" || path.startsWith("/")) return `"${path}" must be a path relative to the project directory, such as examples/go-service/migrations`;
  return path.split("/").includes("..") ? `"${path}" must stay inside the project directory (no ..)` : undefined;
}
