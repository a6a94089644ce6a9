/**
 * Synthesis speed (issues #2 and #11): `npm run synth` of every stack against the floor no synthesis can
 * beat, a bare node process importing cdk8s-plus-28, measured in the same run (cases interleaved), and
 * the cost of a chart of 100 services. Each figure is the median of cold processes.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureBundle } from "../scripts/bundle/bundle.mjs";
import { interleavedMedians, median, ratio, report, timeCommand, watchingRebuilds, type ColdCase } from "./measure.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 7);
const out = mkdtempSync(join(tmpdir(), "bench-synth-"));

/** What `npm run synth` runs (package.json's script, `node` being this Node.js), minus npm's own start-up. */
const SYNTH = npmScriptArgs("synth");

function npmScriptArgs(name: string): string[] {
  const scripts = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
  const [command, ...args] = (scripts[name] ?? "").split(/\s+/);
  if (command !== "node") throw new Error(`npm run ${name} is not a node command: ${scripts[name]}`);
  return args;
}

/** Libraries every synthesis loads (what the bundle holds besides our code). */
const SYNTH_LIBRARIES = [
  "cdk8s-plus-28",
  "zod",
  "yaml",
  "@grafana/grafana-foundation-sdk/dashboard",
  "@grafana/grafana-foundation-sdk/timeseries",
  "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule",
  "kubernetes-models/v1/ConfigMap",
];

const importing = (modules: readonly string[]): readonly string[] => [
  "--input-type=module",
  "-e",
  `await Promise.all(${JSON.stringify(modules)}.map((m) => import(m)))`,
];

export async function benchSynth(): Promise<void> {
  console.log(`# synthesis (median of ${runs} cold runs, interleaved with the floor, ${new Date().toISOString().slice(0, 10)})`);
  const cases: ColdCase[] = [
    { label: "floor", args: importing(["cdk8s-plus-28"]) },
    { label: "libraries", args: importing(SYNTH_LIBRARIES) },
    { label: "synth", args: [...SYNTH, "--out", out] },
    { label: "synth-default-v8", args: [...SYNTH.filter((arg) => !arg.startsWith("--")), "--out", out] },
    { label: "synth-tsx", args: ["--import", "tsx", "cli/synth.ts", "--out", out] },
  ];
  const m = await watchingRebuilds(["cli/synth.ts"], () => interleavedMedians(cases, root, runs));
  const floor = m.get("floor")?.median ?? NaN;
  const at = (label: string): number => m.get(label)?.median ?? NaN;
  report("floor: node importing cdk8s-plus-28", floor);
  report("floor with every library synthesis uses", at("libraries"), ratio(at("libraries"), floor));
  report("npm run synth, all stacks (bundle, code cache)", at("synth"), ratio(at("synth"), floor, 2));
  report("  the same without its V8 options (TurboFan on)", at("synth-default-v8"), ratio(at("synth-default-v8"), floor));
  report("  the same through tsx (the command before #11)", at("synth-tsx"), ratio(at("synth-tsx"), floor));

  // The price of keeping the bundle in sync: a hash of its sources on every run, a rebuild after a change.
  await ensureBundle("cli/synth.ts");
  const checks: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    await ensureBundle("cli/synth.ts");
    checks.push(performance.now() - start);
  }
  const check = median(checks);
  report("  of which: freshness check (hash of the sources)", check, "in process, every run");
  const scratch = mkdtempSync(join(tmpdir(), "bench-bundle-"));
  const rebuilds = Array.from({ length: 3 }, () =>
    timeCommand(process.execPath, ["scripts/bundle/bundle.mjs", "--force", "cli/synth.ts"], root, { ...process.env, GSS_BUNDLE_DIR: scratch }),
  );
  report("first run after a source change: bundle rebuild", median(rebuilds), "esbuild, once per change (added to that run)");

  console.log(`# a chart of N GoServices, bundled, run like npm run synth (median of ${runs} cold runs)`);
  const charts = await watchingRebuilds(["bench/fixtures/hundred-services.ts"], () => interleavedMedians(
    [
      { label: "floor", args: importing(["cdk8s-plus-28"]) },
      { label: "100", args: [...SYNTH.slice(0, -1), "bench/fixtures/hundred-services.ts", "100"] },
      { label: "1", args: [...SYNTH.slice(0, -1), "bench/fixtures/hundred-services.ts", "1"] },
      { label: "100-default-v8", args: ["scripts/bundle/run.mjs", "bench/fixtures/hundred-services.ts", "100"] },
      { label: "1-default-v8", args: ["scripts/bundle/run.mjs", "bench/fixtures/hundred-services.ts", "1"] },
    ],
    root,
    runs,
  ));
  const chartFloor = charts.get("floor")?.median ?? NaN;
  const hundred = charts.get("100")?.median ?? NaN;
  const one = charts.get("1")?.median ?? NaN;
  report("floor: node importing cdk8s-plus-28", chartFloor);
  report("chart of 100 GoServices", hundred, `${ratio(hundred, chartFloor)}, target < 3000 ms: ${hundred < 3000 ? "holds" : "MISSED"}`);
  report("chart of 1 GoService, for the per-service slope", one, `${ratio(one, chartFloor)}, ${((hundred - one) / 99).toFixed(1)} ms per extra service`);
  // What the V8 options cost a long synthesis: optimized code pays back after a few hundred milliseconds.
  const hundredOpt = charts.get("100-default-v8")?.median ?? NaN;
  const oneOpt = charts.get("1-default-v8")?.median ?? NaN;
  report("  100 GoServices without the V8 options (TurboFan on)", hundredOpt, `${ratio(hundredOpt, chartFloor)}, ${((hundredOpt - oneOpt) / 99).toFixed(1)} ms per extra service`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSynth();
