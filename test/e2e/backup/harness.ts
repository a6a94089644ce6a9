// Test harness for the backup jobs: a throwaway PostgreSQL cluster, a moto S3 server, a TCP proxy that can
// "pull the plug" on S3 mid-upload, and helpers to run charts/backup/*.sh exactly as the CronJobs would.
// Everything listens on 127.0.0.1, on free ports, in temp dirs, and is stopped by stop() or, if the test
// process dies first, by the process exit handlers registered here.
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess, SpawnSyncReturns } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const BACKUP_SH = join(REPO_ROOT, "charts/backup/backup.sh");
export const RESTORE_CHECK_SH = join(REPO_ROOT, "charts/backup/restore-check.sh");

/** Venv made by scripts/e2e/install-backup-deps.sh (moto + awscli); falls back to PATH. */
const VENV_BIN = join(process.env["BACKUP_E2E_VENV"] ?? join(REPO_ROOT, ".tools/backup-e2e-venv"), "bin");

function pgBinDir(): string {
  const fromEnv = process.env["PG_BIN"];
  if (fromEnv) return fromEnv;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, "bin/initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) throw new Error("no PostgreSQL server found: run scripts/e2e/install-backup-deps.sh");
  return join(root, newest, "bin");
}

export const PG_BIN = pgBinDir();

/** PATH for every child: the venv (aws, moto_server), the PostgreSQL binaries, then the inherited PATH. */
export function basePath(extraFirst: string[] = []): string {
  const parts = [...extraFirst];
  if (existsSync(VENV_BIN)) parts.push(VENV_BIN);
  parts.push(PG_BIN, process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin");
  return parts.join(":");
}

// ------------------------------------------------------------------------------------------ cleanup
const cleanups: (() => void)[] = [];
let handlersInstalled = false;
function runCleanups(): void {
  while (cleanups.length > 0) {
    const fn = cleanups.pop();
    try {
      fn?.();
    } catch {
      // best effort: keep stopping the rest
    }
  }
}
function onCleanup(fn: () => void): void {
  cleanups.push(fn);
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", runCleanups);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      runCleanups();
      process.exit(128 + (sig === "SIGINT" ? 2 : sig === "SIGTERM" ? 15 : 1));
    });
  }
}
export function stopAll(): void {
  runCleanups();
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

function check(res: SpawnSyncReturns<string>, what: string): string {
  if (res.error) throw new Error(`${what}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${what} exited ${String(res.status)}: ${res.stderr}${res.stdout}`);
  return res.stdout;
}

// ------------------------------------------------------------------------------------------ PostgreSQL
export interface Postgres {
  host: string;
  port: number;
  superuser: string;
  superPassword: string;
  /** psql as superuser (or as `user`/`password`) against `db`; throws on error, returns unaligned tuples. */
  psql(db: string, sql: string, user?: string, password?: string): string;
  stop(): void;
}

/** durable: keep fsync/full_page_writes on (benchmarks); tests turn them off for speed. */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<Postgres> {
  const dir = tempDir("backup-e2e-pg-");
  const data = join(dir, "data");
  const asRoot = userInfo().uid === 0;
  const pgUser = asRoot ? "postgres" : userInfo().username;
  if (asRoot) {
    const ids = check(spawnSync("id", ["-u", pgUser], { encoding: "utf8" }), "id -u postgres").trim();
    const gid = check(spawnSync("id", ["-g", pgUser], { encoding: "utf8" }), "id -g postgres").trim();
    chownSync(dir, Number(ids), Number(gid));
  }
  // root cannot run postgres: run the server binaries as the postgres user.
  const asPg = (cmd: string, args: string[]): SpawnSyncReturns<string> =>
    asRoot
      ? spawnSync("runuser", ["-u", pgUser, "--", join(PG_BIN, cmd), ...args], { encoding: "utf8", cwd: dir })
      : spawnSync(join(PG_BIN, cmd), args, { encoding: "utf8", cwd: dir });

  const superPassword = "su-pw-e2e";
  const pwfile = join(dir, "pwfile");
  writeFileSync(pwfile, `${superPassword}\n`);
  check(
    asPg("initdb", [
      "-D", data, "-U", "postgres", "--pwfile", pwfile, "--auth-local=trust", "--auth-host=scram-sha-256",
      "--encoding=UTF8", "--locale=C.UTF-8",
    ]),
    "initdb",
  );
  const port = await freePort();
  const fast = options.durable === true ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${fast}`;
  check(asPg("pg_ctl", ["-D", data, "-o", opts, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]), "pg_ctl start");
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    asPg("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
  };
  onCleanup(stop);

  const host = "127.0.0.1";
  const psql = (db: string, sql: string, user = "postgres", password = superPassword): string =>
    check(
      spawnSync(join(PG_BIN, "psql"), ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", String(port), "-U", user, "-d", db], {
        input: sql,
        encoding: "utf8",
        env: { PATH: basePath(), PGPASSWORD: password, PGCONNECT_TIMEOUT: "5" },
        maxBuffer: 256 * 1024 * 1024,
      }),
      `psql ${db}`,
    ).trim();
  return { host, port, superuser: "postgres", superPassword, psql, stop };
}

// ------------------------------------------------------------------------------------------ S3 (moto)
export interface S3Server {
  endpoint: string;
  port: number;
  stop(): void;
}

export async function startMoto(): Promise<S3Server> {
  const port = await freePort();
  const bin = existsSync(join(VENV_BIN, "moto_server")) ? join(VENV_BIN, "moto_server") : "moto_server";
  const child: ChildProcess = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, PATH: basePath() },
  });
  let stderr = "";
  let spawnError: Error | undefined;
  child.on("error", (e) => {
    spawnError = e;
  });
  child.stderr?.on("data", (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const stop = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  onCleanup(stop);
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawnError) throw new Error(`cannot start moto_server (${spawnError.message}): run bash scripts/e2e/install-backup-deps.sh`);
    if (child.exitCode !== null) throw new Error(`moto_server exited: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/`);
      if (res.status < 500) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not start: ${stderr}`);
    await sleep(200);
  }
  return { endpoint, port, stop };
}

// ------------------------------------------------------------------------------------------ plug-pulling proxy
/** TCP proxy in front of S3 that shuts itself down (like a server that stops) once `cutAfterBytes` were sent upstream. */
export interface CuttingProxy {
  endpoint: string;
  /** bytes forwarded client -> server when the plug was pulled (undefined if it never was) */
  cutAt(): number | undefined;
  close(): Promise<void>;
}

export async function startCuttingProxy(targetPort: number, cutAfterBytes: number): Promise<CuttingProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let upstreamBytes = 0;
  let cut: number | undefined;
  const server: Server = createServer((client) => {
    if (cut !== undefined) {
      client.destroy();
      return;
    }
    const upstream = createConnection({ host: "127.0.0.1", port: targetPort });
    sockets.add(client);
    sockets.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop);
    upstream.on("error", drop);
    client.on("close", drop);
    upstream.on("close", drop);
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("data", (chunk: Buffer) => {
      upstreamBytes += chunk.length;
      upstream.write(chunk);
      if (cut === undefined && upstreamBytes >= cutAfterBytes) {
        cut = upstreamBytes;
        // the "server" stops: stop accepting, reset every open connection
        server.close();
        for (const s of sockets) s.resetAndDestroy();
        sockets.clear();
      }
    });
  });
  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  const close = async (): Promise<void> => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((ok) => server.close(() => ok()));
  };
  onCleanup(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { endpoint: `http://127.0.0.1:${port}`, cutAt: () => cut, close };
}

// ------------------------------------------------------------------------------------------ running the jobs
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's JSON log lines, parsed */
  logs: LogLine[];
  durationMs: number;
}

export interface LogLine {
  ts: string;
  level: "info" | "warn" | "error";
  job: string;
  step: string;
  msg: string;
  [field: string]: string | number | boolean;
}

/** Environment variables the job containers would get; nothing is inherited but PATH/HOME/PYENV_*. */
export type JobEnv = Record<string, string>;

export function awsConfigFile(dir: string): string {
  // Small multipart parts so a ~12 MB dump is a real multipart upload; few retries so faults fail fast.
  const file = join(dir, "aws-config");
  writeFileSync(
    file,
    [
      "[default]",
      "region = us-east-1",
      "retry_mode = standard",
      "max_attempts = 2",
      "s3 =",
      "  multipart_threshold = 5MB",
      "  multipart_chunksize = 5MB",
      "  max_concurrent_requests = 2",
      "",
    ].join("\n"),
  );
  return file;
}

export function jobEnv(extra: JobEnv, pathFirst: string[] = []): JobEnv {
  const env: JobEnv = { PATH: basePath(pathFirst), LANG: "C.UTF-8", TZ: "UTC" };
  for (const k of ["HOME", "PYENV_ROOT", "PYENV_VERSION", "TMPDIR"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, ...extra };
}

/**
 * The environment a backup or restore job gets to reach the S3 server at `endpoint`: test credentials, the
 * small-part AWS config written in `work`, and no shared credentials file (nothing of this machine's).
 */
export function s3JobEnv(endpoint: string, work: string): JobEnv {
  return jobEnv({
    AWS_ACCESS_KEY_ID: "e2e-access-key",
    AWS_SECRET_ACCESS_KEY: "e2e-secret-access-key",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL: endpoint,
    AWS_CONFIG_FILE: awsConfigFile(work),
    AWS_SHARED_CREDENTIALS_FILE: join(work, "no-credentials-file"),
  });
}

export function runJob(script: string, env: JobEnv, timeoutMs = 300_000): Promise<RunResult> {
  const started = Date.now();
  return new Promise((ok, fail) => {
    const child = spawn("bash", [script], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    onCleanup(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      const logs: LogLine[] = [];
      for (const line of stdout.split("\n")) {
        if (line.trim() === "") continue;
        logs.push(JSON.parse(line) as LogLine); // every stdout line must be JSON: this throws otherwise
      }
      ok({ code, stdout, stderr, logs, durationMs: Date.now() - started });
    });
  });
}

/** Runs the AWS CLI (the same one the jobs use) and returns stdout; throws on failure unless allowFail. */
export function aws(env: JobEnv, args: string[], allowFail = false): SpawnSyncReturns<string> {
  const endpointArgs = env["AWS_ENDPOINT_URL"] ? ["--endpoint-url", env["AWS_ENDPOINT_URL"]] : [];
  const res = spawnSync("aws", [...endpointArgs, ...args], { env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  if (!allowFail) check(res, `aws ${args.join(" ")}`);
  return res;
}

export function listKeys(env: JobEnv, bucket: string, prefix = ""): string[] {
  const out = aws(env, ["s3api", "list-objects-v2", "--bucket", bucket, "--prefix", prefix, "--query", "Contents[].Key", "--output", "json"]).stdout;
  const keys = JSON.parse(out.trim() === "" ? "null" : out) as string[] | null;
  return (keys ?? []).sort();
}

/** A fake pg_dump, first on PATH, that runs the real one and then truncates the archive (data lost, TOC intact). */
export function corruptingPgDump(dir: string): string {
  const bin = join(dir, "fakebin");
  spawnSync("mkdir", ["-p", bin]);
  const file = join(bin, "pg_dump");
  writeFileSync(
    file,
    [
      "#!/usr/bin/env bash",
      "set -euo pipefail",
      `"${join(PG_BIN, "pg_dump")}" "$@"`,
      'for a in "$@"; do case $a in --file=*) f=${a#--file=} ;; esac; done',
      'size=$(stat -c %s "$f")',
      'truncate -s $((size / 2)) "$f"',
      "",
    ].join("\n"),
  );
  chmodSync(file, 0o755);
  return bin;
}

// ------------------------------------------------------------------------------------------ continuous writes
/** Rows written by {@link startContinuousWrites}: one INSERT per tick, each committed on its own, as a service writes. */
export interface ContinuousWrites {
  /** INSERT statements sent so far. */
  sent(): number;
  /** Stops sending, lets psql finish what it has, and resolves once it exited (with the number of statements sent). */
  stop(): Promise<number>;
}

/**
 * Writes continuously into `table` (created here: id bigserial, written_at = clock_timestamp() of the
 * commit's statement, payload), one autocommitted INSERT every `everyMs`, through one psql session, until
 * stop() or until `maxRows` rows or `maxMs` milliseconds, whichever comes first: bounded in count and time.
 */
export function startContinuousWrites(
  pg: Postgres,
  options: { db: string; user: string; password: string; table: string; everyMs: number; maxRows: number; maxMs: number },
): ContinuousWrites {
  pg.psql(
    options.db,
    `CREATE TABLE ${options.table} (id bigserial PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT clock_timestamp(), payload text NOT NULL);`,
    options.user,
    options.password,
  );
  const child = spawn(
    join(PG_BIN, "psql"),
    ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", pg.host, "-p", String(pg.port), "-U", options.user, "-d", options.db],
    { env: { PATH: basePath(), PGPASSWORD: options.password, PGCONNECT_TIMEOUT: "5" }, stdio: ["pipe", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  onCleanup(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let sent = 0;
  const started = Date.now();
  const exited = new Promise<void>((ok, fail) => {
    child.on("error", fail);
    child.on("close", (code) => (code === 0 ? ok() : fail(new Error(`the writer's psql exited ${String(code)}: ${stderr}`))));
  });
  let timer: NodeJS.Timeout | undefined = setInterval(() => {
    if (sent >= options.maxRows || Date.now() - started >= options.maxMs) {
      end();
      return;
    }
    sent += 1;
    child.stdin?.write(`INSERT INTO ${options.table} (payload) VALUES ('order ${sent}: ${"x".repeat(64)}');\n`);
  }, options.everyMs);
  const end = (): void => {
    if (timer === undefined) return;
    clearInterval(timer);
    timer = undefined;
    child.stdin?.end();
  };
  return {
    sent: () => sent,
    stop: async () => {
      end();
      await exited;
      return sent;
    },
  };
}

/** A run as a failure message shows it: exit code, then everything it printed. */
export function show(r: RunResult): string {
  return `exit ${String(r.code)}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** The last JSON log line of a run that matches; throws with the whole run when none does. */
export function lastLog(r: RunResult, predicate: (l: LogLine) => boolean): LogLine {
  const found = [...r.logs].reverse().find(predicate);
  if (found === undefined) throw new Error(`no matching log line\n${show(r)}`);
  return found;
}
