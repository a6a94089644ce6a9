/**
 * The examples import the package by its name, which resolves through package.json `exports` to
 * build/. `npm test` builds first (api:check); a lone `vitest run` builds here when build/ is missing.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export function ensureBuild(): void {
  if (existsSync(`${ROOT}/build/index.js`) && existsSync(`${ROOT}/build/charts/backup/backup.sh`)) return;
  execFileSync("npm", ["run", "build"], { cwd: ROOT, stdio: "inherit", timeout: 180_000 });
}
