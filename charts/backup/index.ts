export {
  BACKUP_CRON_JOB_DEFAULTS,
  BackupCronJob,
  backupCronJobProblems,
  backupLabels,
  CRON_JOB_NAME_MAX_LENGTH,
  timeZoneProblem,
} from "./backup-cron-job.js";
export type { BackupCronJobProps } from "./backup-cron-job.js";
export type { BackupJobProps } from "./backup-job-props.js";
export {
  RESTORE_CHECK_DEFAULTS,
  RestoreCheckCronJob,
  restoreCheckCronJobProblems,
  restoreMaxAgeHours,
} from "./restore-check-cron-job.js";
export type { RestoreCheckCronJobProps, RestoreMaxAgeInput } from "./restore-check-cron-job.js";
export { BackupServerSideEncryption, DEFAULT_BACKUP_PREFIX, imageProblem, readBundledScript } from "./backup-settings.js";
export type { BackupDatabase, BackupStorage, PgSslMode, SecretKeyRef } from "./backup-settings.js";
export { longestIntervalMinutes, parseCronSchedule } from "../../config/cron-schedule.js";
export type { BackupMethod } from "../../config/recovery-targets.js";
export type { CronSchedule } from "../../config/cron-schedule.js";
export { JOB_USER_ID, SCRATCH_MOUNT_PATH, SCRIPTS_MOUNT_PATH } from "./hardened-cron-job.js";
