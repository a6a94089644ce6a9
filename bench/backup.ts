// Benchmark of the backup jobs on a ~100 MB database: charts/backup/backup.sh (dump, verify, upload) and a
// full restore (the runbook's download + pg_restore, and restore-check.sh RESTORE_FULL=true), against a
// throwaway PostgreSQL (default, durable settings: fsync on) and a moto S3 server on loopback. Run: npx tsx bench/backup.ts
// Env: BENCH_RUNS (default 3) runs of each measurement, medians reported; BENCH_TARGET_MB (default 100).
// Needs: bash scripts/e2e/install-backup-deps.sh. Figures go to docs/disaster-recovery.md.
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BACKUP_SH,
  PG_BIN,
  RESTORE_CHECK_SH,
  aws,
  jobEnv,
  runJob,
  startMoto,
  startPostgres,
  stopAll,
  tempDir,
} from "../test/e2e/backup/harness.js";
import type { JobEnv, RunResult } from "../test/e2e/backup/harness.js";

const RUNS = Number(process.env["BENCH_RUNS"] ?? "3");
const TARGET_MB = Number(process.env["BENCH_TARGET_MB"] ?? "100");
const PASSWORD = "bench-pw";

function defaultAwsConfig(dir: string): string {
  const file = join(dir, "aws-config");
  writeFileSync(file, "[default]\nregion = us-east-1\n");
  return file;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function secs(ms: number): string {
  return (ms / 1000).toFixed(1);
}

function timed(what: string, cmd: string, args: string[], env: JobEnv): number {
  const t0 = performance.now();
  const res = spawnSync(cmd, args, { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`${what} failed: ${res.stderr}${res.stdout}`);
  return performance.now() - t0;
}

function ok(r: RunResult, what: string): RunResult {
  if (r.code !== 0) throw new Error(`${what} failed\n${r.stdout}\n${r.stderr}`);
  return r;
}

async function main(): Promise<void> {
  const work = tempDir("backup-bench-");
  const [pg, s3] = await Promise.all([startPostgres({ durable: true }), startMoto()]);
  const s3Env = jobEnv({
    AWS_ACCESS_KEY_ID: "bench",
    AWS_SECRET_ACCESS_KEY: "bench-secret",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL: s3.endpoint,
    AWS_CONFIG_FILE: defaultAwsConfig(work), // the AWS CLI's own multipart defaults, as in production
    AWS_SHARED_CREDENTIALS_FILE: join(work, "none"),
  });
  aws(s3Env, ["s3api", "create-bucket", "--bucket", "bench-backups"]);

  // ~100 MB of ordinary application data: compressible text, numbers, jsonb, indexes, foreign keys.
  const rows = Math.round((TARGET_MB / 100) * 340_000);
  const t0 = performance.now();
  pg.psql("postgres", `CREATE ROLE app LOGIN CREATEDB PASSWORD '${PASSWORD}'; CREATE DATABASE app OWNER app;`);
  pg.psql(
    "app",
    `CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL UNIQUE, country text NOT NULL);
     INSERT INTO customers (name, email, country)
       SELECT 'Client n°' || g || ' Zoë Ñúñez', 'c' || g || '@exämple.test', (ARRAY['FR','DE','JP','PL'])[1 + g % 4]
       FROM generate_series(1, 50000) g;
     CREATE TABLE events (
       id bigserial PRIMARY KEY,
       customer_id int NOT NULL REFERENCES customers (id),
       created_at timestamptz NOT NULL,
       kind text NOT NULL,
       payload jsonb NOT NULL,
       note text
     );
     INSERT INTO events (customer_id, created_at, kind, payload, note)
       SELECT 1 + g % 50000, timestamptz '2025-01-01' + g * interval '1 second',
              (ARRAY['login','purchase','refund','view','logout'])[1 + g % 5],
              jsonb_build_object('amount', (g % 1000) * 1.5, 'currency', 'EUR', 'items', g % 7, 'ref', md5(g::text)),
              'événement ' || g || ' ' || repeat(chr(97 + g % 26), 20 + g % 40)
       FROM generate_series(1, ${rows}) g;
     CREATE INDEX events_customer_idx ON events (customer_id);
     ANALYZE;`,
    "app",
    PASSWORD,
  );
  const seedMs = performance.now() - t0;
  console.error(`seeded in ${secs(seedMs)} s`);
  const dbBytes = Number(pg.psql("app", "SELECT pg_database_size('app');"));

  const pgEnv: JobEnv = { PGHOST: pg.host, PGPORT: String(pg.port), PGDATABASE: "app", PGUSER: "app", PGPASSWORD: PASSWORD, PGSSLMODE: "disable" };
  const env: JobEnv = { ...s3Env, ...pgEnv, BACKUP_BUCKET: "bench-backups" };

  const backupMs: number[] = [];
  let key = "";
  let dumpBytes = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = ok(await runJob(BACKUP_SH, env), "backup.sh");
    backupMs.push(r.durationMs);
    console.error(`backup run ${i + 1}: ${secs(r.durationMs)} s`);
    const done = r.logs.find((l) => l.msg === "backup complete");
    key = String(done?.["key"] ?? "");
    dumpBytes = Number(done?.["bytes"] ?? 0);
    await new Promise((res) => setTimeout(res, 1100)); // distinct timestamps in the keys
  }
  const encrypted = ok(
    await runJob(BACKUP_SH, { ...env, BACKUP_PREFIX: "encrypted", BACKUP_ENCRYPTION_KEY: "bench-passphrase-0123456789abcdef" }),
    "backup.sh (encrypted)",
  );

  // The runbook's restore: download the newest plain backup, pg_restore into a fresh database.
  const downloadMs: number[] = [];
  const restoreMs: number[] = [];
  const restoreJ2Ms: number[] = [];
  const file = join(work, "restore.dump");
  const toolEnv: JobEnv = { ...s3Env, PGHOST: pg.host, PGPORT: String(pg.port), PGUSER: "postgres", PGPASSWORD: pg.superPassword };
  for (let i = 0; i < RUNS; i++) {
    downloadMs.push(timed("download", "aws", ["--endpoint-url", s3.endpoint, "s3", "cp", `s3://bench-backups/${key}`, file, "--only-show-errors"], toolEnv));
    pg.psql("postgres", `CREATE DATABASE restored_${i}; CREATE DATABASE restored_j2_${i};`);
    restoreMs.push(timed("pg_restore", join(PG_BIN, "pg_restore"), ["--exit-on-error", "--no-owner", "-d", `restored_${i}`, file], toolEnv));
    restoreJ2Ms.push(timed("pg_restore -j2", join(PG_BIN, "pg_restore"), ["--exit-on-error", "--no-owner", "--jobs=2", "-d", `restored_j2_${i}`, file], toolEnv));
    const n = pg.psql(`restored_${i}`, "SELECT count(*) FROM events;");
    if (Number(n) !== rows) throw new Error(`restored ${n} events, expected ${rows}`);
    pg.psql("postgres", `DROP DATABASE restored_${i}; DROP DATABASE restored_j2_${i};`);
  }
  const checkMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    checkMs.push(ok(await runJob(RESTORE_CHECK_SH, { ...env, RESTORE_FULL: "true", RESTORE_TARGET_DB: "bench_restore_check" }), "restore-check").durationMs);
  }

  const mb = (b: number): string => (b / 1024 / 1024).toFixed(1);
  const results = {
    runs: RUNS,
    database_mb: Number(mb(dbBytes)),
    rows: { events: rows, customers: 50000 },
    dump_mb: Number(mb(dumpBytes || statSync(file).size)),
    seed_s: Number(secs(seedMs)),
    backup_job_s: Number(secs(median(backupMs))),
    backup_job_encrypted_s: Number(secs(encrypted.durationMs)),
    download_s: Number(secs(median(downloadMs))),
    pg_restore_s: Number(secs(median(restoreMs))),
    pg_restore_jobs2_s: Number(secs(median(restoreJ2Ms))),
    runbook_restore_total_s: Number(secs(median(downloadMs) + median(restoreMs))),
    restore_check_full_s: Number(secs(median(checkMs))),
  };
  console.log("");
  console.log(`backup benchmark (${RUNS} runs each, medians; PostgreSQL ${pg.psql("postgres", "SHOW server_version;")}, moto S3 on loopback, ${process.env["HOSTNAME"] ?? "this machine"})`);
  console.log(`  database size (pg_database_size)     ${results.database_mb} MB  (${rows} events + 50000 customers)`);
  console.log(`  dump size (pg_dump -Fc)              ${results.dump_mb} MB`);
  console.log(`  backup.sh end to end                 ${results.backup_job_s} s   (all runs: ${backupMs.map(secs).join(", ")})`);
  console.log(`  backup.sh with client-side AES-256   ${results.backup_job_encrypted_s} s   (one run)`);
  console.log(`  download (aws s3 cp)                 ${results.download_s} s`);
  console.log(`  pg_restore into a fresh database     ${results.pg_restore_s} s   (--jobs=2: ${results.pg_restore_jobs2_s} s)`);
  console.log(`  runbook restore (download + restore) ${results.runbook_restore_total_s} s`);
  console.log(`  restore-check.sh RESTORE_FULL=true   ${results.restore_check_full_s} s   (download, verify, restore, compare)`);
  console.log(JSON.stringify(results));
}

try {
  await main();
} finally {
  stopAll();
}
