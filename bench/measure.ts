import { spawnSync } from "node:child_process";

/** Wall time of one cold process, in milliseconds; throws if the command fails. */
export function timeCommand(command: string, args: readonly string[], cwd: string): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { cwd, encoding: "utf8" });
  const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${run.status}): ${run.stderr}`);
  return elapsed;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Median of `runs` cold runs, after one warm-up that fills the OS file cache and tsx's transform cache. */
export function coldMedian(command: string, args: readonly string[], cwd: string, runs: number): { median: number; runs: number[] } {
  timeCommand(command, args, cwd);
  const times = Array.from({ length: runs }, () => timeCommand(command, args, cwd));
  return { median: median(times), runs: times };
}

export function report(label: string, ms: number, extra = ""): void {
  console.log(`${label.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms${extra === "" ? "" : `  ${extra}`}`);
}
