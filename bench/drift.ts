/**
 * `npm run drift` of the local stack on the real engine and cluster, against `npm run preview` of the
 * same stack plus 2 s (issue #15's target), all in the same run (cases interleaved), with the engine's
 * own `pulumi preview` and `pulumi preview --refresh` beside them. Needs `npm run tools` and a running
 * `npm run cluster:up`; deploys a throwaway stack (a file:// backend in a git worktree of HEAD, as the
 * e2e suites do) in its own namespace and destroys it afterwards.
 *
 *   npx tsx bench/drift.ts            # BENCH_RUNS=5 by default
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createTestStack, ensureMonitoringCrds, kubectl, simulateIngressController, toolsEnv } from "../test/e2e/release/environment.js";
import { interleavedMedians, report } from "./measure.js";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const env = toolsEnv();
await kubectl(env, "get", "--raw", "/readyz").catch((error: unknown) => {
  throw new Error(`the local cluster is not reachable (run \`npm run cluster:up\`): ${String(error)}`);
});
await ensureMonitoringCrds(env);
const t = await createTestStack(env, "bench-drift");
const stopIngress = simulateIngressController(env, () => t.namespace);
try {
  await t.stack.setConfig("go-service:kubernetes.rolloutTimeout", { value: "90s" }, true);
  await t.stack.up({ onOutput: () => undefined });
  const pulumi = path.join(env.GSS_TOOLS_DIR ?? "", "bin", "pulumi");
  const cliEnv = { ...t.envVars, PATH: `${path.join(env.GSS_TOOLS_DIR ?? "", "bin")}:${t.envVars.PATH ?? ""}` };
  const cli = (command: string, extra: readonly string[] = []) => ({
    args: ["--import", "tsx", path.join(repoRoot, `cli/${command}.ts`), "--stack", t.stackName, "--cwd", t.programDir, "--out", path.join(t.dir, `${command}.md`), ...extra],
    env: cliEnv,
  });
  const engine = (extra: readonly string[]) => ({ command: pulumi, args: ["preview", "--stack", t.stackName, "--non-interactive", "--cwd", t.programDir, ...extra], env: t.envVars });
  const m = interleavedMedians(
    [
      { label: "preview", ...cli("preview") },
      { label: "drift", ...cli("drift") },
      { label: "engine preview", ...engine([]) },
      { label: "engine preview --refresh", ...engine(["--refresh"]) },
    ],
    t.programDir,
    runs,
  );
  const at = (label: string): number => m.get(label)?.median ?? Number.NaN;
  const floor = at("preview") + 2_000;
  console.log(`# drift check of the deployed local stack, real engine and cluster (median of ${runs}, interleaved)`);
  report("floor: npm run preview of the same stack, + 2000 ms", floor);
  report("npm run drift (refresh preview + labelled objects listed)", at("drift"), `${(at("drift") / floor).toFixed(2)}x floor (target ≤ 1x: ${at("drift") <= floor ? "holds" : "MISSED"}); ${(at("drift") / at("preview")).toFixed(2)}x the preview`);
  report("  npm run preview", at("preview"));
  report("  pulumi preview (the engine alone)", at("engine preview"));
  report("  pulumi preview --refresh (the engine alone)", at("engine preview --refresh"), `${(at("engine preview --refresh") - at("engine preview")).toFixed(0)} ms for the refresh`);
} finally {
  stopIngress();
  await t.cleanup();
}
