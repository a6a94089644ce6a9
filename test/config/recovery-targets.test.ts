import { describe, expect, it } from "vitest";
import { StackConfigError } from "../../config/config-error.js";
import { longestIntervalMinutes, parseCronSchedule } from "../../config/cron-schedule.js";
import { backupIntervalForRpo, defaultBackupSchedule } from "../../config/recovery-targets.js";
import { resolveStackFile } from "../../config/resolve-stack-config.js";
import {
  backupScheduleRpoProblem,
  frequentRetentionProblem,
  MINIMUM_RPO_MINUTES,
  MINIMUM_RTO_MINUTES,
  recoveryTargetProblem,
  walArchiveTimeoutProblem,
} from "../../config/validators.js";
import { PROJECT, productionBlock, stackFileText } from "../support/stacks.js";

const base = productionBlock();
const backupOf = (overrides: Record<string, unknown>) => stackFileText({ ...base, "go-service:backup": { ...(base["go-service:backup"] as object), ...overrides } });

function resolve(text: string) {
  return resolveStackFile(text, { project: PROJECT, stack: "production", file: "Pulumi.production.yaml" });
}

function problemsOf(text: string) {
  try {
    resolve(text);
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("the backup schedule follows from backup.rpo", () => {
  it.each<[string, number, string, number]>([
    ["2m", 2, "* * * * *", 1],
    ["5m", 5, "*/2 * * * *", 2],
    ["15m", 15, "*/6 * * * *", 6],
    ["30m", 30, "*/15 * * * *", 15],
    ["1h", 60, "*/30 * * * *", 30],
    ["90m", 90, "*/30 * * * *", 30],
    ["2h", 120, "0 * * * *", 60],
    ["4h", 240, "0 */2 * * *", 120],
    ["1d", 1440, "0 */12 * * *", 720],
    ["2d", 2880, "0 2 * * *", 1440],
    ["7d", 10080, "0 2 * * *", 1440],
  ])("RPO %s (%d min): %s, every %d min, twice of which fits in the RPO", (rpo, rpoMinutes, schedule, interval) => {
    expect(defaultBackupSchedule("dump", rpoMinutes)).toBe(schedule);
    expect(backupIntervalForRpo(rpoMinutes)).toBe(interval);
    expect(longestIntervalMinutes(parseCronSchedule(schedule))).toBe(interval);
    expect(2 * interval).toBeLessThanOrEqual(rpoMinutes);
    expect(backupScheduleRpoProblem(schedule, rpoMinutes)).toBeUndefined();
    const { config } = resolve(backupOf({ rpo }));
    expect(config.backup.schedule).toBe(schedule);
  });

  it("defaults to a 1-hour RPO, a 15-minute RTO and a backup every 30 minutes (the seed's targets)", () => {
    const { config } = resolve(stackFileText(base));
    expect(config.backup).toMatchObject({ method: "dump", rpo: "1h", rto: "15m", schedule: "*/30 * * * *", retentionDays: 30, frequentRetentionDays: 2 });
    expect(config.backup.walArchiveTimeout).toBeUndefined();
  });

  it("with WAL archiving the dump is the daily portable copy, and the archive timeout defaults to a minute", () => {
    const { config } = resolve(backupOf({ method: "wal" }));
    expect(config.backup).toMatchObject({ method: "wal", schedule: "0 2 * * *", walArchiveTimeout: "1m" });
    // The RPO is the archive's: a daily dump schedule is not refused.
    expect(problemsOf(backupOf({ method: "wal", schedule: "0 3 * * *" }))).toEqual([]);
  });
});

describe("a hand-set schedule that cannot meet the RPO is refused, with the arithmetic", () => {
  it.each<[string, string, string]>([
    [
      "0 * * * *",
      "1h",
      '"0 * * * *" runs every 1h at its longest interval: with room for one failed run the newest backup can be 2 × 1h = 2h old, more than the RPO of 1h; run at least every 30m (e.g. "*/30 * * * *") or raise the RPO to at least 2h (backup.rpo "1h"); or leave backup.schedule out to derive it from backup.rpo',
    ],
    [
      "0 2 * * *",
      "1h",
      '"0 2 * * *" runs every 1d at its longest interval: with room for one failed run the newest backup can be 2 × 1d = 2d old, more than the RPO of 1h; run at least every 30m (e.g. "*/30 * * * *") or raise the RPO to at least 2d (backup.rpo "1h"); or leave backup.schedule out to derive it from backup.rpo',
    ],
    [
      "*/45 * * * *",
      "1h",
      '"*/45 * * * *" runs every 45m at its longest interval: with room for one failed run the newest backup can be 2 × 45m = 1h30m old, more than the RPO of 1h; run at least every 30m (e.g. "*/30 * * * *") or raise the RPO to at least 1h30m (backup.rpo "1h"); or leave backup.schedule out to derive it from backup.rpo',
    ],
    [
      "0 9-17 * * *",
      "2h",
      '"0 9-17 * * *" runs every 16h at its longest interval: with room for one failed run the newest backup can be 2 × 16h = 1d8h old, more than the RPO of 2h; run at least every 1h (e.g. "0 * * * *") or raise the RPO to at least 1d8h (backup.rpo "2h"); or leave backup.schedule out to derive it from backup.rpo',
    ],
    [
      "0 2 * * *",
      "1d",
      '"0 2 * * *" runs every 1d at its longest interval: with room for one failed run the newest backup can be 2 × 1d = 2d old, more than the RPO of 1d; run at least every 12h (e.g. "0 */12 * * *") or raise the RPO to at least 2d (backup.rpo "1d"); or leave backup.schedule out to derive it from backup.rpo',
    ],
  ])("%s with an RPO of %s", (schedule, rpo, message) => {
    expect(problemsOf(backupOf({ schedule, rpo }))).toEqual([{ file: "Pulumi.production.yaml", key: "go-service:backup.schedule", message }]);
  });

  it.each<[string, string]>([
    ["*/30 * * * *", "1h"],
    ["0,30 * * * *", "1h"],
    ["0 * * * *", "2h"],
    ["0 2 * * *", "2d"],
  ])("%s meets an RPO of %s", (schedule, rpo) => {
    expect(problemsOf(backupOf({ schedule, rpo }))).toEqual([]);
  });
});

describe("recovery targets and retention: refused values", () => {
  it.each<[string, Record<string, unknown>, string, string]>([
    ["an RPO in seconds", { rpo: "90s" }, "go-service:backup.rpo", '"90s" must be a whole number of minutes (cron and the alerts count in minutes)'],
    ["an RPO under two runs of a minute", { rpo: "1m" }, "go-service:backup.rpo", '"1m" must be at least 2m'],
    ["an RPO without a unit", { rpo: "60" }, "go-service:backup.rpo", '"60" must be a duration such as 15m, 1h or 2d (a whole number and a unit)'],
    ["an RTO of zero", { rto: "0m" }, "go-service:backup.rto", '"0m" must be at least 1m'],
    ["an unknown method", { method: "snapshot" }, "go-service:backup.method", "must be dump (pg_dump on a schedule derived from backup.rpo) or wal (WAL archiving on the database server)"],
    [
      "frequent backups kept longer than the daily ones",
      { frequentRetentionDays: 45 },
      "go-service:backup.frequentRetentionDays",
      "(45) must not exceed the retention of the daily backups (30 days): every backup would outlive the daily ones; lower it or raise the retention",
    ],
    ["frequent backups kept for no day", { frequentRetentionDays: 0 }, "go-service:backup.frequentRetentionDays", "must be greater than 0 (days)"],
    [
      "a WAL archive timeout without WAL archiving",
      { walArchiveTimeout: "1m" },
      "go-service:backup.walArchiveTimeout",
      'only applies with backup.method "wal"; remove it or set the method',
    ],
    [
      "a WAL archive timeout longer than half the RPO",
      { method: "wal", walArchiveTimeout: "45m" },
      "go-service:backup.walArchiveTimeout",
      '"45m" cannot meet the RPO of 1h: with room for one failed push the newest archived WAL can be 2 × 45m old; use at most 30m',
    ],
  ])("%s", (_case, overrides, key, message) => {
    expect(problemsOf(backupOf(overrides))).toEqual([{ file: "Pulumi.production.yaml", key, message }]);
  });

  it.each<[number, number, string | undefined]>([
    [2, 30, undefined],
    [30, 30, undefined],
    [1, 1, undefined],
    [31, 30, "(31) must not exceed the retention of the daily backups (30 days): every backup would outlive the daily ones; lower it or raise the retention"],
    [0, 30, "must be a whole number of days, at least 1, not 0"],
    [1.5, 30, "must be a whole number of days, at least 1, not 1.5"],
  ])("frequent retention of %s days with a daily retention of %s days: %s", (frequent, retention, message) => {
    expect(frequentRetentionProblem(frequent, retention)).toBe(message);
  });

  it.each<[string, number, string | undefined]>([
    ["15m", MINIMUM_RTO_MINUTES, undefined],
    ["1h30m", MINIMUM_RPO_MINUTES, undefined],
    ["2m", MINIMUM_RPO_MINUTES, undefined],
    ["100y", MINIMUM_RPO_MINUTES, '"100y" is longer than Kubernetes can count in seconds (an int32)'],
    ["1.5h", MINIMUM_RPO_MINUTES, '"1.5h" must be a duration such as 15m, 1h or 2d (a whole number and a unit)'],
  ])("recovery target %s (minimum %d min): %s", (value, minimum, message) => {
    expect(recoveryTargetProblem(value, minimum)).toBe(message);
  });

  it.each<[string, number, string | undefined]>([
    ["1m", 60, undefined],
    ["30m", 60, undefined],
    ["31m", 60, '"31m" cannot meet the RPO of 1h: with room for one failed push the newest archived WAL can be 2 × 31m old; use at most 30m'],
    ["500ms", 60, '"500ms" must be a whole number of seconds, at least 1s'],
  ])("WAL archive timeout %s with an RPO of %d min: %s", (timeout, rpoMinutes, message) => {
    expect(walArchiveTimeoutProblem(timeout, rpoMinutes)).toBe(message);
  });
});
