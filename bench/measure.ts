import { spawnSync } from "node:child_process";
import { bundleManifest, ensureBundle } from "../scripts/bundle/bundle.mjs";

/** Wall time of one cold process, in milliseconds; throws if the command fails. */
export function timeCommand(command: string, args: readonly string[], cwd: string, env?: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const run = spawnSync(command, args, { cwd, encoding: "utf8", ...(env === undefined ? {} : { env }) });
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

/** One command measured by {@link interleavedMedians}. */
export interface ColdCase {
  readonly label: string;
  readonly args: readonly string[];
  /** Executable; default: this Node.js. */
  readonly command?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Medians of cold processes, the cases taking turns (floor, a, b, floor, a, b, …) after one warm-up
 * each (file cache, bundle and code cache, tsx cache): on a busy machine every case sees the same load,
 * so the ratios to the floor hold even when the absolute times do not.
 */
export function interleavedMedians(cases: readonly ColdCase[], cwd: string, runs: number): Map<string, { median: number; runs: number[] }> {
  const run = (c: ColdCase): number => timeCommand(c.command ?? process.execPath, c.args, cwd, c.env);
  for (const c of cases) run(c);
  const times = new Map(cases.map((c) => [c.label, [] as number[]]));
  for (let round = 0; round < runs; round++) for (const c of cases) times.get(c.label)?.push(run(c));
  return new Map(cases.map((c) => [c.label, { median: median(times.get(c.label) ?? []), runs: times.get(c.label) ?? [] }]));
}

export function report(label: string, ms: number, extra = ""): void {
  console.log(`${label.padEnd(58)} ${ms.toFixed(0).padStart(6)} ms${extra === "" ? "" : `  ${extra}`}`);
}

/** `1.62x floor (target ≤ 2x: holds)`: a figure against the floor measured in the same run. */
export function ratio(ms: number, floor: number, target?: number): string {
  const r = ms / floor;
  const verdict = target === undefined ? "" : ` (target ≤ ${target}x: ${r <= target ? "holds" : "MISSED"})`;
  return `${r.toFixed(2)}x floor${verdict}`;
}

/**
 * Builds the entries' bundles if needed, calls `measure`, then says whether a bundle was rebuilt
 * meanwhile (a source edited during the run): such figures include esbuild builds and first runs
 * without code cache.
 */
export async function watchingRebuilds<T>(entries: readonly string[], measure: () => T): Promise<T> {
  for (const entry of entries) await ensureBundle(entry);
  const builtAt = (): string[] => entries.map((entry) => bundleManifest(entry)?.builtAt ?? "");
  const before = builtAt();
  const result = measure();
  const after = builtAt();
  const rebuilt = entries.filter((_, i) => after[i] !== before[i]);
  if (rebuilt.length > 0) {
    console.log(`WARNING: ${rebuilt.join(", ")} rebuilt during the measurement (sources edited meanwhile): these figures include rebuilds; run again`);
  }
  return result;
}
