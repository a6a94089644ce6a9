/**
 * Cold start of the Pulumi program under mocks (issue #3): a fresh process that imports the program,
 * validates the config, synthesizes the charts and registers every resource. Target: under 2 s.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { coldMedian, report } from "./measure.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 7);

export function benchProgram(): void {
  console.log(`# Pulumi program under mocks (median of ${runs} cold runs)`);
  for (const stack of ["production", "local"]) {
    const args = ["--import", "tsx", "bench/fixtures/program-under-mocks.ts", stack];
    const count = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" }).stdout.trim();
    const { median } = coldMedian(process.execPath, args, root, runs);
    report(`program cold start, ${stack} (${count} resources)`, median, "target < 2000 ms");
  }
}

if (import.meta.url === `file://${process.argv[1]}`) benchProgram();
