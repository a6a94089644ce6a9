import { describe, expect, it } from "vitest";
import { backupLifecycleProblems, backupLifecycleRules } from "../../../infra/backup/backup-lifecycle.js";
import type { BackupLifecycleSettings } from "../../../infra/backup/backup-lifecycle.js";

const SEED: BackupLifecycleSettings = {
  prefix: "backups",
  expirationDays: 30,
  noncurrentVersionExpirationDays: 7,
  abortIncompleteMultipartUploadDays: 1,
};

describe("backupLifecycleRules", () => {
  it("expires backups after the seed's 30 days, then cleans versions, delete markers and uploads", () => {
    expect(backupLifecycleRules(SEED)).toEqual([
      { id: "expire-backups", status: "Enabled", filter: { prefix: "backups/" }, expiration: { days: 30 } },
      {
        id: "clean-up-versions-and-uploads",
        status: "Enabled",
        filter: {},
        expiration: { expiredObjectDeleteMarker: true },
        noncurrentVersionExpiration: { noncurrentDays: 7 },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
    ]);
  });

  it("adds a STANDARD_IA transition when the retention leaves room for one", () => {
    const rules = backupLifecycleRules({ ...SEED, expirationDays: 90, infrequentAccessAfterDays: 30 });
    expect(rules[0]).toEqual({
      id: "expire-backups",
      status: "Enabled",
      filter: { prefix: "backups/" },
      expiration: { days: 90 },
      transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
    });
  });

  it.each([
    [30, 30, "infrequentAccessAfterDays (30) must be less than the retention (30 days): a backup that expires first is never moved; leave it out or raise the retention above 30"],
    [90, 29, "infrequentAccessAfterDays must be a whole number of at least 30 (S3's minimum for STANDARD_IA), not 29"],
    [90, 0, "infrequentAccessAfterDays must be a whole number of at least 30 (S3's minimum for STANDARD_IA), not 0"],
    [90, 45.5, "infrequentAccessAfterDays must be a whole number of at least 30 (S3's minimum for STANDARD_IA), not 45.5"],
    [60, 90, "infrequentAccessAfterDays (90) must be less than the retention (60 days): a backup that expires first is never moved; leave it out or raise the retention above 90"],
  ])("retention %i with a transition at day %d is refused", (expirationDays, transition, message) => {
    const settings = { ...SEED, expirationDays, infrequentAccessAfterDays: transition };
    expect(backupLifecycleProblems(settings)).toEqual([message]);
    expect(() => backupLifecycleRules(settings)).toThrow(message);
  });

  it.each([
    [{ expirationDays: 0 }, "retentionDays must be a positive whole number of days, not 0"],
    [{ expirationDays: 1.5 }, "retentionDays must be a positive whole number of days, not 1.5"],
    [{ noncurrentVersionExpirationDays: -1 }, "noncurrentVersionExpirationDays must be a positive whole number of days, not -1"],
    [{ abortIncompleteMultipartUploadDays: 0 }, "abortIncompleteMultipartUploadDays must be a positive whole number of days, not 0"],
  ])("refuses %j", (override, message) => {
    expect(backupLifecycleProblems({ ...SEED, ...override })).toEqual([message]);
  });
});
