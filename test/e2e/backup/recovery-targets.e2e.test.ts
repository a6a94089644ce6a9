// End to end: the recovery targets measured on a real PostgreSQL and an S3-compatible server (moto).
// Writes arrive continuously (bounded in count and time) while backup.sh runs on a compressed schedule
// (one tick every INTERVAL_S seconds stands for the CronJob's 30 minutes); then the database is destroyed
// at the worst moment (just before the next run), the newest backup is restored with the restore script
// (restore-check.sh, RESTORE_FULL and RESTORE_KEEP) and switched in under the old name. Measured: the
// recovery point (rows lost, the newest backup's age) and the recovery time, against the scaled RPO (two
// intervals: room for one failed run) and the RTO; the figures are printed for docs/disaster-recovery.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_PASSWORD, APP_USER, SEED_SQL, createAppDatabase } from "./fixtures.js";
import { RESTORE_CHECK_SH, BACKUP_SH, aws, listKeys, lastLog, PG_BIN, runJob, s3JobEnv, show, startContinuousWrites, startMoto, startPostgres, stopAll, tempDir } from "./harness.js";
import type { JobEnv, Postgres, S3Server } from "./harness.js";
import { COMMON_DEFAULTS } from "../../../config/environment-defaults.js";
import { durationToSeconds } from "../../../config/duration.js";

/** Seconds between two scheduled backups in this test: stands for the 30 minutes of the 1-hour RPO's schedule. */
const INTERVAL_S = Number(process.env["E2E_BACKUP_INTERVAL_S"] ?? 20);
/** Scheduled runs before the disaster. */
const RUNS = 4;
/** One INSERT every WRITE_EVERY_MS: the rate of the service's writes. */
const WRITE_EVERY_MS = 100;
/** The scaled RPO: room for one failed run, as the stack derives the schedule (2 × 30 min = 1 h). */
const SCALED_RPO_S = 2 * INTERVAL_S;
/** The RTO is not scaled: the restore of this database must fit the stack's 15 minutes as they are. */
const RTO_S = durationToSeconds(COMMON_DEFAULTS.backup.rto);
/** Rows written in one interval, and the margin on rows lost: the backup's own run time (its snapshot is taken after preflight). */
const ROWS_PER_INTERVAL = (INTERVAL_S * 1000) / WRITE_EVERY_MS;

let pg: Postgres;
let s3: S3Server;
let s3Env: JobEnv;
let pgEnv: JobEnv;

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, Math.max(0, ms)));

/** Unix seconds of a backup key's timestamp (db_backup_YYYYMMDD_HHMMSS, UTC). */
function keyTime(key: string): number {
  const m = /db_backup_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})\./.exec(key);
  if (m === null) throw new Error(`not a backup key: ${key}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) / 1000;
}

beforeAll(async () => {
  const work = tempDir("backup-rpo-e2e-");
  [pg, s3] = await Promise.all([startPostgres(), startMoto()]);
  createAppDatabase(pg, "app", SEED_SQL);
  s3Env = s3JobEnv(s3.endpoint, work);
  pgEnv = { PGHOST: pg.host, PGPORT: String(pg.port), PGUSER: APP_USER, PGPASSWORD: APP_PASSWORD, PGSSLMODE: "disable" };
  aws(s3Env, ["s3api", "create-bucket", "--bucket", "e2e-rpo"]);
});

afterAll(() => {
  stopAll();
});

describe("recovery targets, measured: continuous writes, scheduled backups, the database destroyed, the newest backup restored", () => {
  interface Measured {
    runs: { key: string; startedAt: number; seconds: number }[];
    rowsWritten: number;
    rowsRestored: number;
    rowsLost: number;
    recoveryPointAgeS: number;
    lostWindowS: number;
    restoreScriptS: number;
    drillSeconds: number;
    recoveryTimeS: number;
  }
  const m: Partial<Measured> = {};
  /** Unix time of the last write before the disaster. */
  let lastWriteAt = 0;

  it(`takes ${RUNS} backups every ${INTERVAL_S} s while writes arrive, every one under frequent/ and the day's first under daily/`, async () => {
    const writer = startContinuousWrites(pg, {
      db: "app",
      user: APP_USER,
      password: APP_PASSWORD,
      table: "events",
      everyMs: WRITE_EVERY_MS,
      maxRows: Math.ceil(((RUNS + 2) * INTERVAL_S * 1000) / WRITE_EVERY_MS),
      maxMs: (RUNS + 2) * INTERVAL_S * 1000,
    });
    const env = { ...s3Env, ...pgEnv, PGDATABASE: "app", BACKUP_BUCKET: "e2e-rpo" };
    const t0 = Date.now();
    const runs: Measured["runs"] = [];
    let tick = 0;
    while (runs.length < RUNS) {
      // Like the CronJob (concurrencyPolicy Forbid): a run starts at its tick; a tick that comes while a run is going is skipped.
      await sleep(t0 + tick * INTERVAL_S * 1000 - Date.now());
      const r = await runJob(BACKUP_SH, env);
      expect(r.code, show(r)).toBe(0);
      runs.push({ key: String(lastLog(r, (l) => l.msg === "backup complete")["key"]), startedAt: Date.now() - r.durationMs, seconds: r.durationMs / 1000 });
      tick = Math.floor((Date.now() - t0) / (INTERVAL_S * 1000)) + 1;
    }
    m.runs = runs;
    // The disaster strikes at the worst moment: just before the next run would have started.
    await sleep(t0 + tick * INTERVAL_S * 1000 - 1000 - Date.now());
    m.rowsWritten = await writer.stop();
    lastWriteAt = Number(pg.psql("app", "SELECT extract(epoch FROM max(written_at)) FROM events;"));
    expect(Number(pg.psql("app", "SELECT count(*) FROM events;"))).toBe(m.rowsWritten);
    expect(pg.psql("app", "SELECT max(id) = count(*) FROM events;")).toBe("t");

    const dumps = listKeys(s3Env, "e2e-rpo", "backups/").filter((k) => k.endsWith(".dump"));
    const frequent = dumps.filter((k) => k.startsWith("backups/frequent/"));
    const daily = dumps.filter((k) => k.startsWith("backups/daily/"));
    expect(frequent).toEqual(runs.map((r) => r.key).sort());
    // One daily copy per UTC day the runs touched (the first run of each).
    const days = new Set(frequent.map((k) => k.split("/").slice(2, 5).join("/")));
    expect(daily.map((k) => k.split("/").slice(2, 5).join("/"))).toEqual([...days].sort());
    expect(daily).toContain(runs[0]?.key.replace("/frequent/", "/daily/"));

    // The disaster: the database is gone.
    pg.psql("postgres", "DROP DATABASE app WITH (FORCE);");
    const disasterAt = Date.now() / 1000;
    expect(pg.psql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'app';")).toBe("0");
    const newest = frequent.at(-1) ?? "";
    m.recoveryPointAgeS = disasterAt - keyTime(newest);
  });

  it("restores the newest backup with the restore script into a new database, checked, and switches it in under the old name", async () => {
    const started = Date.now();
    const r = await runJob(RESTORE_CHECK_SH, {
      ...s3Env,
      ...pgEnv,
      BACKUP_BUCKET: "e2e-rpo",
      RESTORE_FULL: "true",
      RESTORE_KEEP: "true",
      RESTORE_TARGET_DB: "app_restored",
      RESTORE_MAX_AGE_SECONDS: String(SCALED_RPO_S),
      RESTORE_RTO_SECONDS: String(RTO_S),
    });
    expect(r.code, show(r)).toBe(0);
    m.restoreScriptS = r.durationMs / 1000;
    expect(lastLog(r, (l) => l.step === "find-newest")["key"]).toBe(m.runs?.at(-1)?.key);
    lastLog(r, (l) => l.step === "compare" && /match the backup manifest/.test(l.msg));
    const measured = lastLog(r, (l) => l.msg === "restore drill measured");
    m.drillSeconds = Number(measured["drill_seconds"]);
    expect(measured["rto_seconds"]).toBe(RTO_S);
    expect(lastLog(r, (l) => l.msg.startsWith("restored database kept"))["database"]).toBe("app_restored");
    // Runbook step 8: the restored database takes the old name.
    pg.psql("postgres", "ALTER DATABASE app_restored RENAME TO app;");
    m.recoveryTimeS = (Date.now() - started) / 1000;
    // Nothing marks it as a scratch database any more: no later check can drop it.
    expect(pg.psql("postgres", "SELECT coalesce(shobj_description(oid, 'pg_database'), '<none>') FROM pg_database WHERE datname = 'app';")).toBe("<none>");
  });

  it("holds the RPO: the rows lost are at most one interval of writes (plus the run time), the newest backup younger than the scaled RPO", () => {
    m.rowsRestored = Number(pg.psql("app", "SELECT count(*) FROM events;"));
    // A consistent snapshot: the restored rows are exactly the first ones written, no hole.
    expect(pg.psql("app", "SELECT coalesce(max(id), 0) = count(*) FROM events;")).toBe("t");
    m.rowsLost = (m.rowsWritten ?? 0) - m.rowsRestored;
    const newestRestored = Number(pg.psql("app", "SELECT extract(epoch FROM max(written_at)) FROM events;"));
    m.lostWindowS = lastWriteAt - newestRestored;
    const runSeconds = Math.max(...(m.runs ?? []).map((r) => r.seconds));
    // The seed data came back too.
    expect(pg.psql("app", "SELECT count(*) FROM order_items;")).toBe("10000");

    console.log(`recovery targets measured: ${JSON.stringify({ intervalSeconds: INTERVAL_S, writesPerSecond: 1000 / WRITE_EVERY_MS, ...m })}`);

    expect(m.rowsLost).toBeGreaterThan(0); // the disaster came after the last backup: some writes are lost, as they would be
    expect(m.rowsLost).toBeLessThanOrEqual(ROWS_PER_INTERVAL + Math.ceil((runSeconds * 1000) / WRITE_EVERY_MS));
    expect(m.recoveryPointAgeS).toBeLessThan(INTERVAL_S + runSeconds);
    expect(m.recoveryPointAgeS).toBeLessThan(SCALED_RPO_S);
    expect(m.lostWindowS).toBeLessThan(INTERVAL_S + runSeconds);
  });

  it("holds the RTO: the restore, its checks and the switch take less than the RTO", () => {
    expect(m.drillSeconds).toBeLessThan(RTO_S);
    expect(m.recoveryTimeS).toBeLessThan(RTO_S);
  });

  it("a drill slower than the RTO fails, and says by how much", async () => {
    // A pg_restore that waits 2 s first: the drill is slower than its 1 s RTO on any machine (on a fast
    // idle one the real drill finishes within the second the script counts in).
    const slow = tempDir("backup-rto-slow-");
    writeFileSync(join(slow, "pg_restore"), `#!/bin/sh\nsleep 2\nexec ${join(PG_BIN, "pg_restore")} "$@"\n`, { mode: 0o755 });
    const r = await runJob(RESTORE_CHECK_SH, {
      ...s3Env,
      PATH: `${slow}:${s3Env["PATH"] ?? ""}`,
      ...pgEnv,
      PGDATABASE: "app",
      BACKUP_BUCKET: "e2e-rpo",
      RESTORE_FULL: "true",
      RESTORE_MAX_AGE_SECONDS: "86400",
      RESTORE_RTO_SECONDS: "1",
    });
    expect(r.code, show(r)).not.toBe(0);
    const error = r.logs.find((l) => l.level === "error");
    expect(error?.msg, show(r)).toMatch(/^RESTORE DRILL SLOWER THAN THE RTO: took \d+ s, RTO 1 s/);
    // The drill's scratch database is gone, the restored one untouched.
    expect(pg.psql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'restore_check';")).toBe("0");
    expect(Number(pg.psql("app", "SELECT count(*) FROM events;"))).toBe(m.rowsRestored);
  });

  it("the maximum age is the RPO: a newest backup older than it fails the check", async () => {
    // The newest backup, copied under another prefix with a name two hours old (the layout before frequent/ is read too).
    const at = new Date(Date.now() - 2 * 3600_000).toISOString();
    const ts = `${at.slice(0, 10).replaceAll("-", "")}_${at.slice(11, 19).replaceAll(":", "")}`;
    const aged = `aged/${at.slice(0, 4)}/${at.slice(5, 7)}/${at.slice(8, 10)}/db_backup_${ts}.dump`;
    aws(s3Env, ["s3", "cp", `s3://e2e-rpo/${m.runs?.at(-1)?.key ?? ""}`, `s3://e2e-rpo/${aged}`, "--only-show-errors"]);
    const r = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-rpo", BACKUP_PREFIX: "aged", RESTORE_MAX_AGE_SECONDS: "3600" });
    expect(r.code, show(r)).not.toBe(0);
    expect(r.logs.find((l) => l.level === "error")?.msg ?? "", show(r)).toMatch(/^NEWEST BACKUP IS TOO OLD: 2\.\d\d h old, limit 1 h/);
    const within = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-rpo", BACKUP_PREFIX: "aged", RESTORE_MAX_AGE_SECONDS: String(3 * 3600) });
    expect(within.code, show(within)).toBe(0);
    const refused = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-rpo", RESTORE_RTO_SECONDS: "900" });
    expect(refused.logs.find((l) => l.level === "error")?.msg).toBe("RESTORE_RTO_SECONDS needs RESTORE_FULL=true: only a full restore measures the time to restore");
  });
});
