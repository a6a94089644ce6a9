/**
 * `pulumi preview` of the local stack on the real engine against the local cluster (issue #11: under
 * 3 s), with the program as Pulumi.yaml runs it (bundle) and as it ran before (tsx), and the floor of a
 * process importing the program's libraries, all in the same run (cases interleaved). Needs
 * `npm run tools` and a running `npm run cluster:up`; creates nothing (a throwaway file:// stack in a
 * git worktree of HEAD, as the e2e suites do).
 *
 *   npx tsx bench/preview.ts            # BENCH_RUNS=5 by default; GSS_TOOLS_DIR=<dir> to use built tools as they are
 */
import { writeFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { createTestStack, kubectl, toolsEnv } from "../test/e2e/release/environment.js";
import { interleavedMedians, ratio, report } from "./measure.js";

const runs = Number(process.env.BENCH_RUNS ?? 5);
const PROGRAM_LIBRARIES = [
  "@pulumi/pulumi",
  "@pulumi/kubernetes",
  "cdk8s-plus-28",
  "@pulumi/aws/provider.js",
  "@pulumi/aws/s3/index.js",
  "@pulumi/aws/kms/index.js",
  "@pulumi/aws/iam/index.js",
];

/**
 * `source scripts/tools/env.sh`, or, with GSS_TOOLS_DIR set, that tools directory as it is (for a
 * checkout whose scripts/tools changed since the tools were built: the engine is the same).
 */
function benchEnv(): Record<string, string> {
  const dir = process.env.GSS_TOOLS_DIR;
  if (dir === undefined || dir === "") return toolsEnv();
  return {
    ...(process.env as Record<string, string>),
    PATH: `${dir}/bin:${process.env.PATH ?? ""}`,
    PULUMI_HOME: `${dir}/pulumi-home`,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "false",
  };
}

const env = benchEnv();
await kubectl(env, "get", "--raw", "/readyz").catch((error: unknown) => {
  throw new Error(`the local cluster is not reachable (run \`npm run cluster:up\`): ${String(error)}`);
});
const bundled = await createTestStack(env, "bench-preview");
const tsx = await createTestStack(env, "bench-preview-tsx");
try {
  // The second worktree runs the program the way Pulumi.yaml did before #11.
  const projectFile = path.join(tsx.programDir, "Pulumi.yaml");
  const before = readFileSync(projectFile, "utf8")
    .replace(/^\s*nodeargs:.*\n/m, "")
    .replace(/^(\s*)typescript: false\n/m, '$1typescript: false\n$1nodeargs: "--import tsx"\n')
    .replace(/^main: .*$/m, "main: infra/index.ts");
  writeFileSync(projectFile, before);

  const pulumi = path.join(env.GSS_TOOLS_DIR ?? "", "bin", "pulumi");
  const preview = (t: typeof bundled) => ({
    command: pulumi,
    args: ["preview", "--stack", t.stackName, "--non-interactive", "--cwd", t.programDir],
    env: t.envVars,
  });
  const m = interleavedMedians(
    [
      { label: "floor", args: ["--input-type=module", "-e", `await Promise.all(${JSON.stringify(PROGRAM_LIBRARIES)}.map((m) => import(m)))`] },
      { label: "bundle", ...preview(bundled) },
      { label: "tsx", ...preview(tsx) },
    ],
    bundled.programDir,
    runs,
  );
  const floor = m.get("floor")?.median ?? NaN;
  const at = (label: string): number => m.get(label)?.median ?? NaN;
  console.log(`# pulumi preview of the local stack, real engine and cluster (median of ${runs}, interleaved with the floor)`);
  report("floor: node importing the program's libraries", floor);
  report("pulumi preview, local stack (program bundled)", at("bundle"), `${ratio(at("bundle"), floor)}, target < 3000 ms: ${at("bundle") < 3000 ? "holds" : "MISSED"}`);
  report("  the same with the program through tsx (before #11)", at("tsx"), ratio(at("tsx"), floor));
} finally {
  await bundled.cleanup();
  await tsx.cleanup();
}
