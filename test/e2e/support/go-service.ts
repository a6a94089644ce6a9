// The reference Go service (examples/go-service) as a host process for the end-to-end suites: built once
// per module directory (`CGO_ENABLED=0 go build ./cmd/server`, Go's build cache makes rebuilds cheap), run
// on 127.0.0.1 on free ports with the environment the stack's ConfigMap and Secret would give it, stopped
// by the suite (or, if the test process dies first, at exit).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);
export const SERVICE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../examples/go-service");

/** The settings a pod gets from the ConfigMap and Secret, for a service without Redis; the database optional unless given. */
export const SERVICE_ENV: Readonly<Record<string, string>> = {
  APP_ENV: "staging",
  SERVER_HOST: "127.0.0.1",
  LOG_LEVEL: "error",
  LOG_FORMAT: "json",
  JWT_SECRET: "e2e-only-jwt-secret-0123456789abcdef",
  ENCRYPTION_KEY: "0123456789abcdef0123456789abcdef",
  CSRF_SECRET: "e2e-only-csrf",
  DB_PASSWORD: "e2e-only",
  DB_HOST: "127.0.0.1",
  DB_PORT: "1",
  DB_SSL_MODE: "disable",
  READY_REQUIRES_DB: "false",
  READY_REQUIRES_REDIS: "false",
};

const children = new Set<ChildProcess>();
const builds: string[] = [];
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
  for (const dir of builds) rmSync(dir, { recursive: true, force: true });
});

/** Builds the service binary of `moduleDir` into a temporary directory (removed when the process exits); returns its path. */
export async function buildService(moduleDir = SERVICE_DIR): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), "go-service-bin-"));
  builds.push(dir);
  const out = path.join(dir, "server");
  await execFileAsync("go", ["build", "-o", out, "./cmd/server"], { cwd: moduleDir, env: { ...process.env, CGO_ENABLED: "0" }, timeout: 900_000 });
  return out;
}

/**
 * A copy of the service module with extra migration files (name → SQL), for a "release" whose binary
 * embeds them; removed by the returned cleanup.
 */
export function serviceWithMigrations(extra: Readonly<Record<string, string>>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), "go-service-src-"));
  cpSync(SERVICE_DIR, dir, { recursive: true, filter: (source) => !source.includes(`${path.sep}.git`) });
  for (const [name, sql] of Object.entries(extra)) writeFileSync(path.join(dir, "migrations", name), sql);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export interface RunningService {
  readonly url: string;
  readonly output: () => string;
  readonly stop: () => Promise<void>;
}

/** Starts the binary on free loopback ports and waits until `GET /health` answers. */
export async function startService(binary: string, env: Readonly<Record<string, string>> = {}): Promise<RunningService> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  let output = "";
  const child = spawn(binary, [], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...SERVICE_ENV, SERVER_PORT: String(port), METRICS_PORT: String(metricsPort), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the service did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      children.delete(child);
    },
  };
}

/** Runs `binary migrate <args>` with the service's settings; resolves with its exit code and output. */
export async function runMigrate(binary: string, env: Readonly<Record<string, string>>, ...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(binary, ["migrate", ...args], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...SERVICE_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => resolve({ code: code ?? -1, output }));
  });
}
