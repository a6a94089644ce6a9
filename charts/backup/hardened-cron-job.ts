/**
 * The CronJob both backup constructs share: one container running a script mounted from a
 * ConfigMap, under the restricted Pod Security Standard, with a size-capped scratch volume
 * as the only writable path.
 */
import { ApiObject, Cron, JsonPatch } from "cdk8s";
import { Size } from "cdk8s";
import type { Duration } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import type { Construct } from "constructs";
import type { CronSchedule } from "../../config/cron-schedule.js";
import { COMMON_DEFAULTS } from "../../config/environment-defaults.js";
import { memoryBytes } from "../../config/quantities.js";
import { addFinalJsonPatch } from "../raw-json-patch.js";

/**
 * Default UID and GID the scripts run as (config's `pod.runAsUser`); the image needs no user of that ID
 * (HOME points to /tmp).
 */
export const JOB_USER_ID: number = COMMON_DEFAULTS.pod.runAsUser;
/** Ephemeral storage the job needs beyond its scratch volume: its logs. */
const EPHEMERAL_STORAGE_OVERHEAD = Size.mebibytes(memoryBytes(COMMON_DEFAULTS.backup.ephemeralStorageOverhead) / 2 ** 20);
/** Where the scripts are mounted. */
export const SCRIPTS_MOUNT_PATH = "/scripts";
/** The scratch volume, the only writable path: the dump, its encrypted copy, AWS CLI and psql temp files. */
export const SCRATCH_MOUNT_PATH = "/tmp";

/** Everything that differs between the backup and the restore-check CronJobs. */
export interface HardenedCronJobSpec {
  /** Name of the CronJob object. */
  readonly name: string;
  /** Namespace of the CronJob; `undefined` = the chart's namespace. */
  readonly namespace: string | undefined;
  /** Labels of the CronJob and of its pods. */
  readonly labels: Readonly<Record<string, string>>;
  /** Name of the single container, e.g. "backup". */
  readonly containerName: string;
  /** When the job runs; its normalized expression becomes the CronJob's schedule. */
  readonly schedule: CronSchedule;
  /** IANA time zone the schedule is read in, e.g. "Etc/UTC". */
  readonly timeZone: string;
  /** Container image with the tools the script needs, pinned by tag or digest. */
  readonly image: string;
  /** When the kubelet pulls the image. */
  readonly imagePullPolicy: kplus.ImagePullPolicy;
  /** Service account of the pods; its IRSA annotation, if any, gives the AWS credentials. */
  readonly serviceAccount: kplus.IServiceAccount;
  /** ConfigMap holding the scripts, mounted read-only at {@link SCRIPTS_MOUNT_PATH}. */
  readonly scripts: kplus.IConfigMap;
  /** Key of the script in `scripts` that the container runs with bash. */
  readonly scriptFileName: string;
  /** Environment variables, in the order they appear in the manifest. */
  readonly env: ReadonlyArray<readonly [string, kplus.EnvValue]>;
  /** CPU and memory requests and limits of the container; ephemeral storage is derived from `scratchSpace`. */
  readonly resources: Pick<kplus.ContainerResources, "cpu" | "memory">;
  /** UID and GID the container runs as. */
  readonly runAsUser: number;
  /** Size limit of the scratch volume at {@link SCRATCH_MOUNT_PATH}; the pod is evicted past it. */
  readonly scratchSpace: Size;
  /** How late after its scheduled time a run may still start; later runs are skipped. */
  readonly startingDeadline: Duration;
  /** How long a run may take before Kubernetes kills it. */
  readonly activeDeadline: Duration;
  /** Retries of a failed run (pods), within `activeDeadline`. */
  readonly backoffLimit: number;
  /** Finished successful Jobs kept for their logs. */
  readonly successfulJobsRetained: number;
  /** Finished failed Jobs kept for their logs. */
  readonly failedJobsRetained: number;
}

/** Builds the CronJob of `spec` in `scope`. */
export function createHardenedCronJob(scope: Construct, id: string, spec: HardenedCronJobSpec): kplus.CronJob {
  const [minute, hour, day, month, weekDay] = spec.schedule.expression.split(" ");
  const ephemeral = `${spec.scratchSpace.toMebibytes() + EPHEMERAL_STORAGE_OVERHEAD.toMebibytes()}Mi`;
  const scriptsVolume = kplus.Volume.fromConfigMap(scope, `${id}-scripts-volume`, spec.scripts, {
    name: "scripts",
    // r-x for everyone: the container user is not the file owner.
    defaultMode: 0o555,
  });
  const scratchVolume = kplus.Volume.fromEmptyDir(scope, `${id}-scratch-volume`, "scratch", {
    sizeLimit: spec.scratchSpace,
  });
  const env: Record<string, kplus.EnvValue> = {
    // Read-only root file system: tools that write to $HOME (AWS CLI cache, psql history) use the scratch volume.
    HOME: kplus.EnvValue.fromValue(SCRATCH_MOUNT_PATH),
    TMPDIR: kplus.EnvValue.fromValue(SCRATCH_MOUNT_PATH),
  };
  for (const [name, value] of spec.env) env[name] = value;

  const cronJob = new kplus.CronJob(scope, id, {
    metadata: { name: spec.name, namespace: spec.namespace, labels: { ...spec.labels } },
    podMetadata: { labels: { ...spec.labels } },
    schedule: Cron.schedule({ minute, hour, day, month, weekDay }),
    timeZone: spec.timeZone,
    concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
    startingDeadline: spec.startingDeadline,
    activeDeadline: spec.activeDeadline,
    backoffLimit: spec.backoffLimit,
    successfulJobsRetained: spec.successfulJobsRetained,
    failedJobsRetained: spec.failedJobsRetained,
    serviceAccount: spec.serviceAccount,
    // IRSA does not use this token: the EKS pod identity webhook projects its own, for the STS audience.
    automountServiceAccountToken: false,
    securityContext: {
      ensureNonRoot: true,
      user: spec.runAsUser,
      group: spec.runAsUser,
      fsGroup: spec.runAsUser,
      fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
    },
    containers: [
      {
        name: spec.containerName,
        image: spec.image,
        imagePullPolicy: spec.imagePullPolicy,
        command: ["bash", `${SCRIPTS_MOUNT_PATH}/${spec.scriptFileName}`],
        envVariables: env,
        resources: spec.resources,
        securityContext: {
          ensureNonRoot: true,
          user: spec.runAsUser,
          group: spec.runAsUser,
          privileged: false,
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: [kplus.Capability.ALL] },
          seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
        },
        volumeMounts: [
          { path: SCRIPTS_MOUNT_PATH, volume: scriptsVolume, readOnly: true },
          { path: SCRATCH_MOUNT_PATH, volume: scratchVolume },
        ],
      },
    ],
  });

  const podPath = "/spec/jobTemplate/spec/template";
  ApiObject.of(cronJob).addJsonPatch(
    // cdk8s-plus labels every pod with a hash of its construct path; the app.kubernetes.io labels
    // identify these pods, and a label that changes when the construct moves would churn the template.
    JsonPatch.remove(`${podPath}/metadata/labels/cdk8s.io~1metadata.addr`),
    // cdk8s-plus sets seccomp on containers only; the pod-level profile also covers injected containers.
    JsonPatch.add(`${podPath}/spec/securityContext/seccompProfile`, { type: "RuntimeDefault" }),
  );
  addFinalJsonPatch(
    ApiObject.of(cronJob),
    // The scratch volume and the logs, requested and capped, so the scheduler places the pod where they
    // fit (cdk8s-plus would round the quantity to whole gibibytes).
    JsonPatch.add(`${podPath}/spec/containers/0/resources/requests/ephemeral-storage`, ephemeral),
    JsonPatch.add(`${podPath}/spec/containers/0/resources/limits/ephemeral-storage`, ephemeral),
  );
  return cronJob;
}
