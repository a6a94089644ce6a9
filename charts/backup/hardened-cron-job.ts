/**
 * The CronJob both backup constructs share: one container running a script mounted from a
 * ConfigMap, under the restricted Pod Security Standard, with a size-capped scratch volume
 * as the only writable path.
 */
import { ApiObject, Cron, JsonPatch } from "cdk8s";
import type { Duration, Size } from "cdk8s";
import * as kplus from "cdk8s-plus-28";
import type { Construct } from "constructs";
import type { CronSchedule } from "./cron-schedule.js";

/** UID and GID the scripts run as; the image needs no user of that ID (HOME points to /tmp). */
export const JOB_USER_ID = 1000;
/** Where the scripts are mounted. */
export const SCRIPTS_MOUNT_PATH = "/scripts";
/** The scratch volume, the only writable path: the dump, its encrypted copy, AWS CLI and psql temp files. */
export const SCRATCH_MOUNT_PATH = "/tmp";

/** Everything that differs between the backup and the restore-check CronJobs. */
export interface HardenedCronJobSpec {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly containerName: string;
  readonly schedule: CronSchedule;
  readonly timeZone: string;
  readonly image: string;
  readonly imagePullPolicy: kplus.ImagePullPolicy;
  readonly serviceAccount: kplus.IServiceAccount;
  readonly scripts: kplus.IConfigMap;
  readonly scriptFileName: string;
  /** Environment variables, in the order they appear in the manifest. */
  readonly env: ReadonlyArray<readonly [string, kplus.EnvValue]>;
  readonly resources: kplus.ContainerResources;
  readonly scratchSpace: Size;
  readonly startingDeadline: Duration;
  readonly activeDeadline: Duration;
  readonly backoffLimit: number;
  readonly successfulJobsRetained: number;
  readonly failedJobsRetained: number;
}

/** Builds the CronJob of `spec` in `scope`. */
export function createHardenedCronJob(scope: Construct, id: string, spec: HardenedCronJobSpec): kplus.CronJob {
  const [minute, hour, day, month, weekDay] = spec.schedule.expression.split(" ");
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
      user: JOB_USER_ID,
      group: JOB_USER_ID,
      fsGroup: JOB_USER_ID,
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
          user: JOB_USER_ID,
          group: JOB_USER_ID,
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
  return cronJob;
}
