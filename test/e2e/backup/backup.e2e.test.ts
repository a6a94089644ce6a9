// End to end: charts/backup/backup.sh and restore-check.sh against a real PostgreSQL and an S3-compatible
// server (moto), both on loopback. Proves the round trip gives identical data, client-side encryption, and
// that every fault fails loudly without losing the previous good backup or presenting a partial one.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_PASSWORD, APP_USER, BULK_SQL, SEED_SQL, createAppDatabase, fingerprint } from "./fixtures.js";
import {
  BACKUP_SH,
  PG_BIN,
  RESTORE_CHECK_SH,
  aws,
  corruptingPgDump,
  freePort,
  s3JobEnv,
  listKeys,
  runJob,
  startCuttingProxy,
  startMoto,
  startPostgres,
  stopAll,
  tempDir,
  lastLog,
  show,
} from "./harness.js";
import type { JobEnv, LogLine, Postgres, RunResult, S3Server } from "./harness.js";

const KEY_RE = /^backups\/frequent\/(\d{4})\/(\d{2})\/(\d{2})\/db_backup_(\d{8})_(\d{6})\.dump$/;
const ENCRYPTION_KEY = "e2e-client-side-passphrase-7f3a9c";

let pg: Postgres;
let s3: S3Server;
let work: string;
let s3Env: JobEnv;
let pgEnv: JobEnv;

function finalKey(r: RunResult): string {
  return String(lastLog(r, (l) => l.msg === "backup starting")["key"]);
}

function firstError(r: RunResult): LogLine {
  const found = r.logs.find((l) => l.level === "error");
  if (found === undefined) throw new Error(`no error log line\n${show(r)}`);
  return found;
}

function expectOk(r: RunResult): void {
  expect(r.code, show(r)).toBe(0);
  for (const l of r.logs) {
    expect(l.level, show(r)).not.toBe("error");
    expect(typeof l.ts).toBe("string");
    expect(typeof l.step).toBe("string");
  }
}

function expectFailure(r: RunResult, message: RegExp): LogLine {
  expect(r.code, show(r)).not.toBe(0);
  const err = firstError(r);
  expect(`${err.msg} ${String(err["detail"] ?? "")}`, show(r)).toMatch(message);
  // the last line always says plainly that the run failed
  expect(r.logs.at(-1)?.msg ?? "", show(r)).toMatch(/FAILED/);
  return err;
}

function expectNoSecrets(r: RunResult, ...secrets: string[]): void {
  for (const s of secrets) {
    expect(r.stdout.includes(s) || r.stderr.includes(s), `secret leaked in output\n${show(r)}`).toBe(false);
  }
}

function headObject(bucket: string, key: string): Record<string, unknown> {
  return JSON.parse(aws(s3Env, ["s3api", "head-object", "--bucket", bucket, "--key", key]).stdout) as Record<string, unknown>;
}

function download(bucket: string, key: string, file: string): Buffer {
  aws(s3Env, ["s3", "cp", `s3://${bucket}/${key}`, file, "--only-show-errors"]);
  return readFileSync(file);
}

function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

function pgRestoreInto(db: string, file: string): void {
  pg.psql("postgres", `CREATE DATABASE ${db};`);
  const res = spawnSync(join(PG_BIN, "pg_restore"), ["--exit-on-error", "-h", pg.host, "-p", String(pg.port), "-U", "postgres", "-d", db, file], {
    encoding: "utf8",
    env: { PATH: process.env["PATH"] ?? "", PGPASSWORD: pg.superPassword },
  });
  expect(res.status, res.stderr).toBe(0);
}

/** Key of a backup object named like backup.sh names them, for a given date. */
function backupKey(prefix: string, d: Date, suffix = ".dump"): string {
  const iso = d.toISOString(); // 2026-11-27T22:27:42.000Z
  const ymd = iso.slice(0, 10).replaceAll("-", "");
  const hms = iso.slice(11, 19).replaceAll(":", "");
  return `${prefix}/${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/db_backup_${ymd}_${hms}${suffix}`;
}

function backupEnv(bucket: string, extra: JobEnv = {}): JobEnv {
  return { ...s3Env, ...pgEnv, BACKUP_BUCKET: bucket, ...extra };
}

beforeAll(async () => {
  work = tempDir("backup-e2e-");
  [pg, s3] = await Promise.all([startPostgres(), startMoto()]);
  createAppDatabase(pg, "app", SEED_SQL);
  createAppDatabase(pg, "bulk", BULK_SQL);
  s3Env = s3JobEnv(s3.endpoint, work);
  pgEnv = {
    PGHOST: pg.host,
    PGPORT: String(pg.port),
    PGDATABASE: "app",
    PGUSER: APP_USER,
    PGPASSWORD: APP_PASSWORD,
    PGSSLMODE: "disable",
  };
  for (const bucket of ["e2e-roundtrip", "e2e-encrypted", "e2e-faults", "e2e-empty"]) {
    aws(s3Env, ["s3api", "create-bucket", "--bucket", bucket]);
  }
});

afterAll(() => {
  stopAll();
});

describe("round trip", () => {
  let key = "";

  it("backs up to backups/frequent/YYYY/MM/DD/db_backup_<timestamp>.dump with server-side encryption, and copies the day's first to daily/", async () => {
    const r = await runJob(BACKUP_SH, backupEnv("e2e-roundtrip"));
    expectOk(r);
    expectNoSecrets(r, APP_PASSWORD, "e2e-secret-access-key");
    key = String(lastLog(r, (l) => l.msg === "backup complete")["key"]);
    const m = KEY_RE.exec(key);
    expect(m, key).not.toBeNull();
    // the date folders are the timestamp's date
    expect(`${m?.[1]}${m?.[2]}${m?.[3]}`).toBe(m?.[4]);
    const daily = key.replace("/frequent/", "/daily/");
    expect(listKeys(s3Env, "e2e-roundtrip")).toEqual([key, key.replace(/\.dump$/, ".manifest.tsv"), daily, daily.replace(/\.dump$/, ".manifest.tsv")].sort());
    // one JSON line per step
    expect(new Set(r.logs.map((l) => l.step))).toEqual(
      new Set(["preflight", "snapshot", "dump", "verify", "upload", "confirm", "daily", "finish"]),
    );
    // the daily copy carries the same bytes, checksum and encryption
    const dailyHead = headObject("e2e-roundtrip", daily);
    expect([dailyHead["ContentLength"], dailyHead["ServerSideEncryption"], (dailyHead["Metadata"] as Record<string, string>)["sha256"]]).toEqual([
      headObject("e2e-roundtrip", key)["ContentLength"],
      "aws:kms",
      (headObject("e2e-roundtrip", key)["Metadata"] as Record<string, string>)["sha256"],
    ]);

    const head = headObject("e2e-roundtrip", key);
    expect(head["ServerSideEncryption"]).toBe("aws:kms");
    const body = download("e2e-roundtrip", key, join(work, "roundtrip.dump"));
    expect(body.subarray(0, 5).toString("latin1")).toBe("PGDMP");
    expect((head["Metadata"] as Record<string, string>)["sha256"]).toBe(sha256(body));
    expect(head["ContentLength"]).toBe(body.length);
  });

  it("restore-check finds that backup as the newest and passes", async () => {
    const r = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-roundtrip" });
    expectOk(r);
    expect(lastLog(r, (l) => l.msg === "newest backup found")["key"]).toBe(key);
    expect(r.logs.at(-1)?.msg).toBe("restore check passed");
  });

  it("a full restore into a fresh database gives identical data (row counts, checksums, large objects)", () => {
    pgRestoreInto("restored_plain", join(work, "roundtrip.dump"));
    const source = fingerprint(pg, "app");
    const restored = fingerprint(pg, "restored_plain");
    expect(Object.keys(source).filter((k) => k.startsWith("table ")).length).toBe(5);
    expect(source["table public.order_items"]).toMatch(/^10000 rows/);
    expect(source["large objects"]?.split(",").length).toBe(2);
    expect(restored).toEqual(source);
    // the non-ASCII text survived byte for byte
    expect(pg.psql("restored_plain", "SELECT name FROM customers WHERE id = 2;")).toBe("山田 太郎 #2");
  });

  it("restore-check RESTORE_FULL=true restores into a scratch database and matches the manifest's row counts", async () => {
    const r = await runJob(RESTORE_CHECK_SH, {
      ...s3Env,
      ...pgEnv,
      BACKUP_BUCKET: "e2e-roundtrip",
      RESTORE_FULL: "true",
      RESTORE_TARGET_DB: "restore_check_e2e",
    });
    expectOk(r);
    const cmp = lastLog(r, (l) => l.step === "compare");
    expect(cmp.msg).toMatch(/match the backup manifest/);
    expect(cmp["rows"]).toBe(2000 + 300 + 5000 + 10000 + 3000);
    // the scratch database is dropped after a successful check
    expect(pg.psql("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'restore_check_e2e';")).toBe("0");
  });

  it("refuses to use the production database as the scratch database", async () => {
    const r = await runJob(RESTORE_CHECK_SH, { ...s3Env, ...pgEnv, BACKUP_BUCKET: "e2e-roundtrip", RESTORE_FULL: "true", RESTORE_TARGET_DB: "app" });
    expectFailure(r, /must not be PGDATABASE/);
    expect(pg.psql("app", "SELECT count(*) FROM customers;")).toBe("2000");
  });

  it("honours BACKUP_SSE=AES256 and BACKUP_KMS_KEY_ID, and restore-check picks the newest of several", async () => {
    const aes = await runJob(BACKUP_SH, backupEnv("e2e-roundtrip", { BACKUP_SSE: "AES256" }));
    expectOk(aes);
    expect(headObject("e2e-roundtrip", finalKey(aes))["ServerSideEncryption"]).toBe("AES256");
    const kms = await runJob(BACKUP_SH, backupEnv("e2e-roundtrip", { BACKUP_KMS_KEY_ID: "alias/e2e-backups" }));
    expectOk(kms);
    const head = headObject("e2e-roundtrip", finalKey(kms));
    expect(head["ServerSideEncryption"]).toBe("aws:kms");
    expect(head["SSEKMSKeyId"]).toBe("alias/e2e-backups");
    const check = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-roundtrip" });
    expectOk(check);
    const found = lastLog(check, (l) => l.msg === "newest backup found");
    expect(found["key"]).toBe(finalKey(kms));
    // three under frequent/, and the first of the day also under daily/ (the later two were not copied)
    expect(found["backups_found"]).toBe(4);
    expect(lastLog(kms, (l) => l.step === "daily").msg).toMatch(/today already has a daily backup/);
  });
});

describe("client-side encryption", () => {
  let key = "";

  it("uploads an AES-256 encrypted object that is not a readable dump", async () => {
    const r = await runJob(BACKUP_SH, backupEnv("e2e-encrypted", { BACKUP_ENCRYPTION_KEY: ENCRYPTION_KEY }));
    expectOk(r);
    expectNoSecrets(r, ENCRYPTION_KEY, APP_PASSWORD);
    key = finalKey(r);
    expect(key).toMatch(/^backups\/frequent\/\d{4}\/\d{2}\/\d{2}\/db_backup_\d{8}_\d{6}\.dump\.enc$/);
    const daily = key.replace("/frequent/", "/daily/");
    expect(listKeys(s3Env, "e2e-encrypted")).toEqual(
      [key, key.replace(/\.dump\.enc$/, ".manifest.tsv.enc"), daily, daily.replace(/\.dump\.enc$/, ".manifest.tsv.enc")].sort(),
    );
    const body = download("e2e-encrypted", key, join(work, "encrypted.dump.enc"));
    expect(body.subarray(0, 5).toString("latin1")).not.toBe("PGDMP");
    expect(body.subarray(0, 8).toString("latin1")).toBe("Salted__"); // openssl enc: salt header, then ciphertext
    const listing = spawnSync(join(PG_BIN, "pg_restore"), ["--list", join(work, "encrypted.dump.enc")], { encoding: "utf8" });
    expect(listing.status).not.toBe(0);
    const manifest = download("e2e-encrypted", key.replace(/\.dump\.enc$/, ".manifest.tsv.enc"), join(work, "m.enc"));
    expect(manifest.toString("latin1")).not.toContain("public.customers");
    expect(headObject("e2e-encrypted", key)["ServerSideEncryption"]).toBe("aws:kms");
  });

  it("restore-check fails without the key or with a wrong key", async () => {
    const none = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-encrypted" });
    expectFailure(none, /BACKUP_ENCRYPTION_KEY is not set/);
    const wrong = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-encrypted", BACKUP_ENCRYPTION_KEY: "not-the-key" });
    expectFailure(wrong, /CANNOT DECRYPT|differs from the dump/);
    expectNoSecrets(wrong, "not-the-key");
  });

  it("restore-check with the key decrypts, restores and matches; a manual restore gives identical data", async () => {
    const r = await runJob(RESTORE_CHECK_SH, {
      ...s3Env,
      ...pgEnv,
      BACKUP_BUCKET: "e2e-encrypted",
      BACKUP_ENCRYPTION_KEY: ENCRYPTION_KEY,
      RESTORE_FULL: "true",
    });
    expectOk(r);
    expectNoSecrets(r, ENCRYPTION_KEY);
    expect(lastLog(r, (l) => l.step === "compare").msg).toMatch(/match the backup manifest/);

    // the runbook's manual path: openssl decrypt, then pg_restore into a fresh database
    const plain = join(work, "decrypted.dump");
    const dec = spawnSync(
      "openssl",
      ["enc", "-d", "-aes-256-cbc", "-pbkdf2", "-iter", "600000", "-md", "sha256", "-pass", "env:BACKUP_ENCRYPTION_KEY", "-in", join(work, "encrypted.dump.enc"), "-out", plain],
      { encoding: "utf8", env: { PATH: process.env["PATH"] ?? "", BACKUP_ENCRYPTION_KEY: ENCRYPTION_KEY } },
    );
    expect(dec.status, dec.stderr).toBe(0);
    expect(readFileSync(plain).subarray(0, 5).toString("latin1")).toBe("PGDMP");
    pgRestoreInto("restored_encrypted", plain);
    expect(fingerprint(pg, "restored_encrypted")).toEqual(fingerprint(pg, "app"));
  });
});

describe("faults: non-zero exit, clear message, previous good backup kept, nothing partial presented", () => {
  let goodKey = "";
  let keysBefore: string[] = [];

  beforeAll(async () => {
    const good = await runJob(BACKUP_SH, backupEnv("e2e-faults"));
    expectOk(good);
    goodKey = finalKey(good);
    keysBefore = listKeys(s3Env, "e2e-faults", "backups/");
  });

  async function expectGoodBackupStillNewest(): Promise<void> {
    expect(listKeys(s3Env, "e2e-faults", "backups/")).toEqual(keysBefore);
    const check = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-faults" });
    expectOk(check);
    expect(lastLog(check, (l) => l.msg === "newest backup found")["key"]).toBe(goodKey);
  }

  it("database unreachable", async () => {
    const r = await runJob(BACKUP_SH, backupEnv("e2e-faults", { PGPORT: String(await freePort()) }));
    const err = expectFailure(r, /cannot connect to the database/);
    expect(String(err["detail"])).toMatch(/Connection refused/);
    await expectGoodBackupStillNewest();
  });

  it("wrong password", async () => {
    const r = await runJob(BACKUP_SH, backupEnv("e2e-faults", { PGPASSWORD: "wrong-password-e2e" }));
    const err = expectFailure(r, /cannot connect to the database/);
    expect(String(err["detail"])).toMatch(/password authentication failed for user "app"/);
    expectNoSecrets(r, "wrong-password-e2e");
    await expectGoodBackupStillNewest();
  });

  it("bucket missing (backup and restore-check)", async () => {
    const r = await runJob(BACKUP_SH, backupEnv("e2e-no-such-bucket"));
    expectFailure(r, /bucket not reachable/);
    expect(r.logs.some((l) => l.step === "dump")).toBe(false); // failed fast, before dumping
    const check = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-no-such-bucket" });
    expectFailure(check, /cannot list backups.*NoSuchBucket/s);
  });

  it("corrupted dump: caught before upload, nothing uploaded", async () => {
    const fakeBin = corruptingPgDump(work);
    const env = backupEnv("e2e-faults");
    const r = await runJob(BACKUP_SH, { ...env, PATH: `${fakeBin}:${env["PATH"] ?? ""}` });
    expectFailure(r, /data is unreadable \(truncated or corrupted\); nothing uploaded/);
    expect(r.logs.some((l) => l.step === "upload")).toBe(false);
    await expectGoodBackupStillNewest();
  });

  it("the S3 server stops in the middle of a (multipart) upload: no partial object is ever visible", async () => {
    const bulkEnv = (endpoint: string): JobEnv =>
      backupEnv("e2e-faults", { PGDATABASE: "bulk", BACKUP_PREFIX: "bulk", AWS_ENDPOINT_URL: endpoint });
    const good = await runJob(BACKUP_SH, bulkEnv(s3.endpoint));
    expectOk(good);
    const goodBulk = finalKey(good);
    const goodHead = headObject("e2e-faults", goodBulk);
    expect(String(goodHead["ETag"])).toMatch(/-\d+"$/); // a multipart upload (ETag "<md5>-<parts>")
    const size = Number(goodHead["ContentLength"]);
    expect(size).toBeGreaterThan(10 * 1024 * 1024);

    // the job talks to S3 through a proxy that goes away, resetting every connection, after 6 MB:
    // mid-way through the dump's multipart upload. moto keeps running behind it so we can look at what is visible.
    const proxy = await startCuttingProxy(s3.port, 6 * 1024 * 1024);
    const r = await runJob(BACKUP_SH, bulkEnv(proxy.endpoint));
    await proxy.close();
    const cutAt = proxy.cutAt();
    expect(cutAt, show(r)).toBeDefined();
    expect(cutAt ?? 0).toBeLessThan(size);
    expectFailure(r, /upload failed; no object was created under the final key/);
    const partialKey = finalKey(r);

    const keys = listKeys(s3Env, "e2e-faults", "bulk/");
    expect(keys).toContain(goodBulk);
    expect(keys).not.toContain(partialKey);
    expect(keys.filter((k) => k.endsWith(".dump") && k.startsWith("bulk/frequent/"))).toEqual([goodBulk]);
    // the interrupted upload exists only as an incomplete multipart upload, which S3 never lists as an object
    const uploads = JSON.parse(
      aws(s3Env, ["s3api", "list-multipart-uploads", "--bucket", "e2e-faults", "--prefix", partialKey, "--output", "json"]).stdout,
    ) as { Uploads?: { Key: string }[] };
    expect((uploads.Uploads ?? []).map((u) => u.Key)).toContain(partialKey);

    const check = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-faults", BACKUP_PREFIX: "bulk" });
    expectOk(check);
    expect(lastLog(check, (l) => l.msg === "newest backup found")["key"]).toBe(goodBulk);
  });

  it("never overwrites an existing backup (same timestamp)", async () => {
    // occupy every key the next run could pick in the coming 30 s (moto accepts unsigned PUTs)
    const start = Date.now();
    const occupied = Array.from({ length: 31 }, (_, i) => backupKey("clash/frequent", new Date(start + i * 1000)));
    for (const key of occupied) {
      const res = await fetch(`${s3.endpoint}/e2e-faults/${key}`, { method: "PUT", body: "existing backup" });
      expect(res.status).toBe(200);
    }
    const r = await runJob(BACKUP_SH, backupEnv("e2e-faults", { BACKUP_PREFIX: "clash" }));
    expectFailure(r, /refusing to overwrite an existing backup/);
    const clash = finalKey(r);
    expect(occupied).toContain(clash);
    expect(download("e2e-faults", clash, join(work, "clash.bin")).toString("utf8")).toBe("existing backup");
  });

  it("corrupted backup in the bucket: restore-check fails loudly", async () => {
    const good = download("e2e-faults", goodKey, join(work, "good.dump"));
    const goodSha = (headObject("e2e-faults", goodKey)["Metadata"] as Record<string, string>)["sha256"] ?? "";
    const t = Date.now();
    const put = (key: string, body: Buffer, metadata?: string): void => {
      const file = join(work, "upload.bin");
      writeFileSync(file, body);
      aws(s3Env, ["s3", "cp", file, `s3://e2e-faults/${key}`, "--only-show-errors", ...(metadata ? ["--metadata", metadata] : [])]);
    };
    // 1. bit rot with the original checksum recorded: the sha256 check catches it
    const flipped = Buffer.from(good);
    const at = Math.floor(flipped.length / 2);
    flipped.writeUInt8(flipped.readUInt8(at) ^ 0xff, at);
    put(backupKey("corrupt", new Date(t)), flipped, `sha256=${goodSha}`);
    let r = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-faults", BACKUP_PREFIX: "corrupt" });
    expectFailure(r, /BACKUP CORRUPTED: sha256/);
    // 2. a truncated archive with no checksum: its TOC lists fine, reading the data blocks fails
    put(backupKey("corrupt", new Date(t + 1000)), good.subarray(0, Math.floor(good.length * 0.6)));
    r = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-faults", BACKUP_PREFIX: "corrupt" });
    expectFailure(r, /BACKUP UNREADABLE: its data blocks cannot be read/);
    // 3. not an archive at all
    put(backupKey("corrupt", new Date(t + 2000)), Buffer.from("this is not a pg_dump archive\n".repeat(100)));
    r = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-faults", BACKUP_PREFIX: "corrupt" });
    expectFailure(r, /BACKUP UNREADABLE: pg_restore --list rejects it/);
  });

  it("no backup at all", async () => {
    const r = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-empty" });
    expectFailure(r, /NO BACKUP FOUND under s3:\/\/e2e-empty\/backups\//);
  });

  it("newest backup too old", async () => {
    const good = join(work, "good.dump");
    aws(s3Env, ["s3", "cp", good, `s3://e2e-faults/${backupKey("old", new Date(Date.now() - 72 * 3600_000))}`, "--only-show-errors"]);
    const r = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-faults", BACKUP_PREFIX: "old" });
    expectFailure(r, /NEWEST BACKUP IS TOO OLD: 72\.\d\d h old, limit 26 h/);
    const relaxed = await runJob(RESTORE_CHECK_SH, { ...s3Env, BACKUP_BUCKET: "e2e-faults", BACKUP_PREFIX: "old", RESTORE_MAX_AGE_HOURS: "96" });
    expectOk(relaxed);
  });
});
