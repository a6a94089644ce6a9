/**
 * The examples import the package by its name, which resolves through package.json `exports` to
 * build/. `npm test` builds first (api:check); a lone `vitest run` builds here when build/ is missing
 * or older than a source file of the package.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const SOURCES = ["index.ts", "charts", "infra", "alerts", "dashboards", "policies"];

function newestSource(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return /\.(ts|sh)$/.test(path) ? stat.mtimeMs : 0;
  return Math.max(0, ...readdirSync(path).map((entry) => newestSource(join(path, entry))));
}

function isFresh(): boolean {
  const built = join(ROOT, "build", "index.js");
  return existsSync(built) && existsSync(join(ROOT, "build/charts/backup/backup.sh")) && statSync(built).mtimeMs >= Math.max(...SOURCES.map((s) => newestSource(join(ROOT, s))));
}

/** Builds unless fresh; test files run in parallel, so one builds while the others wait for it. */
export function ensureBuild(): void {
  if (isFresh()) return;
  const lock = join(ROOT, "node_modules", ".cache", "go-service-stack-build.lock");
  mkdirSync(join(lock, ".."), { recursive: true });
  try {
    mkdirSync(lock);
  } catch {
    const deadline = Date.now() + 180_000;
    while (existsSync(lock) && Date.now() < deadline) execFileSync("sleep", ["0.5"]);
    return;
  }
  try {
    execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit", timeout: 180_000 });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
