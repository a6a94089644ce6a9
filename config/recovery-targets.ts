/**
 * The recovery targets of the database backups (`backup.rpo`, `backup.rto`) and what follows from them:
 * the backup schedule and the key layout in the bucket that the retention rules act on. Pure: no zod,
 * no cdk8s, no Pulumi; the validators of these values are in validators.ts.
 */
import { durationToSeconds, secondsToDuration } from "./duration.js";
import { COMMON_DEFAULTS } from "./environment-defaults.js";

/** How the RPO is met: `dump` (pg_dump on a schedule derived from the RPO) or `wal` (WAL archiving on the database server). */
export type BackupMethod = "dump" | "wal";
/** Every {@link BackupMethod}, for the schema and the constructs' checks. */
export const BACKUP_METHODS = ["dump", "wal"] as const satisfies readonly BackupMethod[];

/**
 * Where objects go under the backup prefix. backup.sh writes every backup under `frequent/` and copies
 * the first one of each UTC day under `daily/`; the bucket's lifecycle rules expire each folder after its
 * own retention; WAL archiving (`backup.method: wal`) writes under `wal/`. A fixed contract between
 * backup.sh, restore-check.sh and the lifecycle rules, not a setting.
 */
export const BACKUP_KEY_LAYOUT = { frequent: "frequent", daily: "daily", wal: "wal" } as const;

/** Runs a failed backup may be followed by before the RPO is at risk: the schedule leaves room for one. */
export const TOLERATED_FAILED_RUNS = 1;

/** Intervals, in minutes, that a five-field cron schedule repeats evenly (minutes dividing an hour, hours dividing a day, a day). */
const EVEN_INTERVALS_MINUTES = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60, 120, 180, 240, 360, 480, 720, 1440] as const;

/** Minutes in a duration string such as "1h" (the validators make sure it is whole minutes). */
export function durationMinutes(duration: string): number {
  return durationToSeconds(duration) / 60;
}

/** "90" → "1h30m": minutes written as people set durations. */
export function formatMinutes(minutes: number): string {
  return secondsToDuration(Math.round(minutes * 60));
}

/**
 * The longest evenly repeating interval whose schedule meets the RPO with room for one failed run:
 * (1 + {@link TOLERATED_FAILED_RUNS}) × interval ≤ RPO. 30 minutes for a 1-hour RPO, a day from a
 * 2-day RPO on. Undefined below a 2-minute RPO (cron runs at most once a minute).
 */
export function backupIntervalForRpo(rpoMinutes: number): number | undefined {
  const budget = rpoMinutes / (1 + TOLERATED_FAILED_RUNS);
  return [...EVEN_INTERVALS_MINUTES].reverse().find((interval) => interval <= budget);
}

/** A cron schedule that runs every `intervalMinutes` (one of the evenly repeating intervals), a day being the daily schedule. */
function everyMinutes(intervalMinutes: number): string {
  if (intervalMinutes >= 1440) return COMMON_DEFAULTS.backup.dailySchedule;
  if (intervalMinutes >= 60) {
    const hours = intervalMinutes / 60;
    return hours === 1 ? "0 * * * *" : `0 */${hours} * * *`;
  }
  return intervalMinutes === 1 ? "* * * * *" : `*/${intervalMinutes} * * * *`;
}

/**
 * The backup schedule that follows from the targets: with `dump`, the longest even interval that meets
 * the RPO with room for one failed run ({@link backupIntervalForRpo}: `*\/30 * * * *` for the 1-hour
 * default); with `wal`, the daily portable copy (the WAL archive meets the RPO).
 */
export function defaultBackupSchedule(method: BackupMethod, rpoMinutes: number): string {
  if (method === "wal") return COMMON_DEFAULTS.backup.dailySchedule;
  return everyMinutes(backupIntervalForRpo(rpoMinutes) ?? 1);
}
