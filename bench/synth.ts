/**
 * Synthesis speed (issue #2): all stacks, a chart of 100 services, and the floor that no synthesis can
 * beat: a bare node process importing cdk8s-plus-28. Each figure is the median of cold processes.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { build } from "esbuild";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { coldMedian, report } from "./measure.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 7);
const out = mkdtempSync(join(tmpdir(), "bench-synth-"));

/**
 * The synth CLI with our modules bundled into one file (dependencies stay in node_modules): what
 * `npm run synth` costs without tsx's per-file transform, i.e. the floor of our own code.
 */
async function bundleSynth(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "bench-bundle-"));
  const outfile = join(dir, "infra", "synth-cli.mjs");
  await build({ entryPoints: [join(root, "cli/synth.ts")], bundle: true, packages: "external", platform: "node", format: "esm", outfile, logLevel: "warning" });
  // The backup constructs read their scripts next to their module, which is now the bundle.
  mkdirSync(join(dir, "infra"), { recursive: true });
  for (const file of readdirSync(join(root, "charts/backup")).filter((f) => f.endsWith(".sh"))) copyFileSync(join(root, "charts/backup", file), join(dir, "infra", file));
  // Dependencies resolve from the bundle's location: link the project's node_modules beside it.
  const { symlinkSync } = await import("node:fs");
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return outfile;
}

export async function benchSynth(): Promise<void> {
  console.log(`# synthesis (median of ${runs} cold runs, ${new Date().toISOString().slice(0, 10)})`);
  const floor = coldMedian(process.execPath, ["--input-type=module", "-e", 'await import("cdk8s-plus-28")'], root, runs);
  report("floor: node importing cdk8s-plus-28", floor.median);
  const deps = coldMedian(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      'await Promise.all(["cdk8s-plus-28", "zod", "yaml", "@grafana/grafana-foundation-sdk/dashboard", "@grafana/grafana-foundation-sdk/timeseries", "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule", "kubernetes-models/v1/ConfigMap"].map((m) => import(m)))',
    ],
    root,
    runs,
  );
  report("floor with every library synthesis uses", deps.median, `${(deps.median / floor.median).toFixed(2)}x floor`);
  const all = coldMedian(process.execPath, ["--import", "tsx", "cli/synth.ts", "--out", out], root, runs);
  report("npm run synth, all stacks (tsx)", all.median, `${(all.median / floor.median).toFixed(2)}x floor (target < 1000 ms, < 2x)`);
  const bundled = await bundleSynth();
  const compiled = coldMedian(process.execPath, [bundled, "--out", out], root, runs);
  report("synth, all stacks, our code bundled (no tsx)", compiled.median, `${(compiled.median / floor.median).toFixed(2)}x floor: the cost of a compiled CLI`);
  const hundred = coldMedian(process.execPath, ["--import", "tsx", "bench/fixtures/hundred-services.ts", "100"], root, runs);
  report("chart of 100 GoServices (tsx)", hundred.median, `${(hundred.median / 100).toFixed(1)} ms/service (target < 3000 ms)`);
  const one = coldMedian(process.execPath, ["--import", "tsx", "bench/fixtures/hundred-services.ts", "1"], root, runs);
  report("chart of 1 GoService (tsx), for the per-service slope", one.median, `${((hundred.median - one.median) / 99).toFixed(1)} ms/extra service`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSynth();
