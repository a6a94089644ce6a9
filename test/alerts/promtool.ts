import { spawn, spawnSync } from "node:child_process";

/** Path of promtool; throws (the tests must fail, not skip) when it is not installed. */
export function promtoolPath(): string {
  const found = spawnSync("sh", ["-c", "command -v promtool"], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === "") {
    throw new Error("promtool is not installed: run `bash scripts/ci/install-promtool.sh` (Debian package \"prometheus\")");
  }
  return path;
}

export interface PromtoolResult {
  readonly code: number | null;
  readonly output: string;
}

/** Runs promtool asynchronously (so that several runs use both cores). */
export function runPromtool(args: readonly string[], cwd: string): Promise<PromtoolResult> {
  const bin = promtoolPath();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}
