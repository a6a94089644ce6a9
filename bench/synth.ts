/**
 * Synthesis speed (issue #2): all stacks, a chart of 100 services, and the floor that no synthesis can
 * beat: a bare node process importing cdk8s-plus-28. Each figure is the median of cold processes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { coldMedian, report } from "./measure.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 7);
const out = mkdtempSync(join(tmpdir(), "bench-synth-"));

export function benchSynth(): void {
  console.log(`# synthesis (median of ${runs} cold runs, ${new Date().toISOString().slice(0, 10)})`);
  const floor = coldMedian(process.execPath, ["--input-type=module", "-e", 'await import("cdk8s-plus-28")'], root, runs);
  report("floor: node importing cdk8s-plus-28", floor.median);
  const all = coldMedian(process.execPath, ["--import", "tsx", "infra/synth-cli.ts", "--out", out], root, runs);
  report("npm run synth, all stacks (tsx)", all.median, `${(all.median / floor.median).toFixed(2)}x floor (target < 1000 ms, < 2x)`);
  const hundred = coldMedian(process.execPath, ["--import", "tsx", "bench/fixtures/hundred-services.ts", "100"], root, runs);
  report("chart of 100 GoServices (tsx)", hundred.median, `${(hundred.median / 100).toFixed(1)} ms/service (target < 3000 ms)`);
  const one = coldMedian(process.execPath, ["--import", "tsx", "bench/fixtures/hundred-services.ts", "1"], root, runs);
  report("chart of 1 GoService (tsx), for the per-service slope", one.median, `${((hundred.median - one.median) / 99).toFixed(1)} ms/extra service`);
}

if (import.meta.url === `file://${process.argv[1]}`) benchSynth();
