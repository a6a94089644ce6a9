import { describe, expect, it } from "vitest";
import { backupLifecycleProblems, backupLifecycleRules } from "../../../infra/backup/backup-lifecycle.js";
import type { BackupLifecycleSettings, LifecycleRule } from "../../../infra/backup/backup-lifecycle.js";

const SEED: BackupLifecycleSettings = {
  prefix: "backups",
  expirationDays: 30,
  frequentExpirationDays: 2,
  noncurrentVersionExpirationDays: 7,
  frequentNoncurrentVersionExpirationDays: 1,
  abortIncompleteMultipartUploadDays: 1,
};

/** The rule that expires `key`, as S3 matches prefixes; the rules never overlap on an expiration. */
function expiringRule(rules: readonly LifecycleRule[], key: string): LifecycleRule | undefined {
  const matching = rules.filter((rule) => rule.expiration?.days !== undefined && key.startsWith(rule.filter.prefix ?? ""));
  expect(matching.length, key).toBeLessThanOrEqual(1);
  return matching[0];
}

describe("backupLifecycleRules", () => {
  it("keeps every backup 2 days and one a day 30 days, then cleans versions, delete markers and uploads", () => {
    expect(backupLifecycleRules(SEED)).toEqual([
      {
        id: "expire-frequent-backups",
        status: "Enabled",
        filter: { prefix: "backups/frequent/" },
        expiration: { days: 2 },
        noncurrentVersionExpiration: { noncurrentDays: 1 },
      },
      {
        id: "expire-daily-backups",
        status: "Enabled",
        filter: { prefix: "backups/daily/" },
        expiration: { days: 30 },
        noncurrentVersionExpiration: { noncurrentDays: 7 },
      },
      {
        id: "expire-backups-of-the-previous-layout",
        status: "Enabled",
        filter: { prefix: "backups/2" },
        expiration: { days: 30 },
        noncurrentVersionExpiration: { noncurrentDays: 7 },
      },
      {
        id: "clean-up-delete-markers-and-uploads",
        status: "Enabled",
        filter: {},
        expiration: { expiredObjectDeleteMarker: true },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
    ]);
  });

  it.each<[string, string | undefined, number | undefined]>([
    ["backups/frequent/2026/11/27/db_backup_20261127_003000.dump", "expire-frequent-backups", 2],
    ["backups/frequent/2026/11/27/db_backup_20261127_003000.manifest.tsv.enc", "expire-frequent-backups", 2],
    ["backups/daily/2026/11/27/db_backup_20261127_000000.dump", "expire-daily-backups", 30],
    ["backups/daily/2026/11/27/db_backup_20261127_000000.manifest.tsv", "expire-daily-backups", 30],
    ["backups/2026/11/27/db_backup_20261127_020000.dump", "expire-backups-of-the-previous-layout", 30],
    ["backups/wal/wal_005/000000010000000000000001.br", undefined, undefined],
    ["other/2026/11/27/db_backup_20261127_020000.dump", undefined, undefined],
  ])("%s is expired by %s after %s days", (key, id, days) => {
    const rule = expiringRule(backupLifecycleRules(SEED), key);
    expect([rule?.id, rule?.expiration?.days]).toEqual([id, days]);
  });

  it("keeps about 48 × 2 frequent backups and 30 daily ones with a backup every 30 minutes, not 48 × 30", () => {
    const rules = backupLifecycleRules(SEED);
    const perDay = 48;
    const kept = (rules[0]?.expiration?.days ?? 0) * perDay + (rules[1]?.expiration?.days ?? 0);
    expect(kept).toBe(126);
    expect(kept).toBeLessThan(perDay * 30);
  });

  it("adds a STANDARD_IA transition to the daily backups when the retention leaves room for one", () => {
    const rules = backupLifecycleRules({ ...SEED, expirationDays: 90, infrequentAccessAfterDays: 30 });
    expect(rules[1]).toEqual({
      id: "expire-daily-backups",
      status: "Enabled",
      filter: { prefix: "backups/daily/" },
      expiration: { days: 90 },
      transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
      noncurrentVersionExpiration: { noncurrentDays: 7 },
    });
    expect(rules[0]?.transitions).toBeUndefined();
  });

  it("expires a WAL archive a day after the daily backups, so the oldest base backup keeps its WAL", () => {
    const rules = backupLifecycleRules({ ...SEED, walArchive: true });
    expect(rules[3]).toEqual({
      id: "expire-wal-archive",
      status: "Enabled",
      filter: { prefix: "backups/wal/" },
      expiration: { days: 31 },
      noncurrentVersionExpiration: { noncurrentDays: 7 },
    });
    expect(expiringRule(rules, "backups/wal/basebackups_005/base_000000010000000000000002/metadata.json")?.id).toBe("expire-wal-archive");
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

  it.each<[Partial<BackupLifecycleSettings>, string | string[]]>([
    [{ expirationDays: 0, frequentExpirationDays: 0 }, ["retentionDays must be a positive whole number of days, not 0", "frequentRetentionDays must be a whole number of days, at least 1, not 0"]],
    [{ expirationDays: 1.5, frequentExpirationDays: 1 }, "retentionDays must be a positive whole number of days, not 1.5"],
    [
      { frequentExpirationDays: 31 },
      "frequentRetentionDays (31) must not exceed the retention of the daily backups (30 days): every backup would outlive the daily ones; lower it or raise the retention",
    ],
    [{ frequentExpirationDays: 0 }, "frequentRetentionDays must be a whole number of days, at least 1, not 0"],
    [{ frequentNoncurrentVersionExpirationDays: 0 }, "frequentNoncurrentVersionExpirationDays must be a positive whole number of days, not 0"],
    [{ noncurrentVersionExpirationDays: -1 }, "noncurrentVersionExpirationDays must be a positive whole number of days, not -1"],
    [{ abortIncompleteMultipartUploadDays: 0 }, "abortIncompleteMultipartUploadDays must be a positive whole number of days, not 0"],
  ])("refuses %j", (override, message) => {
    expect(backupLifecycleProblems({ ...SEED, ...override })).toEqual(Array.isArray(message) ? message : [message]);
  });
});
