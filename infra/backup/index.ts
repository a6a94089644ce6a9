export {
  BACKUP_BUCKET_DEFAULTS,
  BACKUP_ENVIRONMENTS,
  BackupBucket,
  backupBucketArgsProblems,
  backupBucketTags,
  bucketNameProblem,
} from "./backup-bucket.js";
export type { BackupBucketArgs, BackupEnvironment, BackupJobAccess } from "./backup-bucket.js";
export { BackupJobRole, backupJobRoleArgsProblems } from "./backup-job-role.js";
export type { BackupJobRoleArgs } from "./backup-job-role.js";
export { backupLifecycleProblems, backupLifecycleRules, STANDARD_IA_MINIMUM_DAYS } from "./backup-lifecycle.js";
export type { BackupLifecycleSettings, LifecycleRule } from "./backup-lifecycle.js";
export { BucketEncryption } from "./bucket-encryption.js";
export type { KmsEncryptionOptions } from "./bucket-encryption.js";
export {
  BACKUP_JOB_KMS_ACTIONS,
  BACKUP_JOB_OBJECT_ACTIONS,
  backupBucketPolicyDocument,
  backupJobPolicyDocument,
  backupPrefixProblem,
  DEFAULT_BACKUP_PREFIX,
  irsaTrustPolicy,
  oidcIssuerFromProviderArn,
  STS_AUDIENCE,
} from "./policy-documents.js";
export type {
  BackupBucketPolicyInput,
  BackupJobPolicyInput,
  IrsaTrustPolicyInput,
  PolicyCondition,
  PolicyDocument,
  PolicyStatement,
} from "./policy-documents.js";
