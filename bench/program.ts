/**
 * Cold start of the Pulumi program under mocks (issues #3 and #11): a fresh process that starts the
 * program as Pulumi.yaml runs it, validates the config, synthesizes the charts and registers every
 * resource, against the floor of a process that only imports what the program cannot do without
 * (@pulumi/pulumi, @pulumi/kubernetes, cdk8s-plus-28 and the AWS modules used), measured in the same run.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { interleavedMedians, ratio, report, watchingRebuilds } from "./measure.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 7);

/** The packages of the floor; the AWS modules are the deep imports of infra/ (aws-provider.ts, backup/). */
const PROGRAM_LIBRARIES = [
  "@pulumi/pulumi",
  "@pulumi/kubernetes",
  "cdk8s-plus-28",
  "@pulumi/aws/provider.js",
  "@pulumi/aws/s3/index.js",
  "@pulumi/aws/kms/index.js",
  "@pulumi/aws/iam/index.js",
];

const FIXTURE = "bench/fixtures/program-under-mocks.mjs";

/** The Node.js options the language host starts the program with (Pulumi.yaml `runtime.options.nodeargs`). */
function nodeargs(): string[] {
  const project = parse(readFileSync(`${root}/Pulumi.yaml`, "utf8")) as { runtime?: { options?: { nodeargs?: string } } };
  return (project.runtime?.options?.nodeargs ?? "").split(/\s+/).filter((arg) => arg !== "");
}

export async function benchProgram(): Promise<void> {
  console.log(`# Pulumi program under mocks (median of ${runs} cold runs, interleaved with the floor)`);
  const floorArgs = ["--input-type=module", "-e", `await Promise.all(${JSON.stringify(PROGRAM_LIBRARIES)}.map((m) => import(m)))`];
  const stacks = ["production", "local"];
  const m = await watchingRebuilds(["infra/index.ts"], () => interleavedMedians(
    [
      { label: "floor", args: floorArgs },
      ...stacks.flatMap((stack) => [
        { label: `${stack}`, args: [...nodeargs(), FIXTURE, stack, "bundle"] },
        { label: `${stack}-default-v8`, args: [FIXTURE, stack, "bundle"] },
        // Before #11: Pulumi.yaml had `nodeargs: "--import tsx"` and `main: infra/index.ts`.
        { label: `${stack}-tsx`, args: ["--import", "tsx", FIXTURE, stack, "tsx"] },
      ]),
    ],
    root,
    runs,
  ));
  const floor = m.get("floor")?.median ?? NaN;
  report("floor: node importing the program's libraries", floor, "@pulumi/{pulumi,kubernetes}, cdk8s-plus-28, @pulumi/aws/{provider,s3,kms,iam}");
  for (const stack of stacks) {
    const count = spawnSync(process.execPath, [FIXTURE, stack, "bundle"], { cwd: root, encoding: "utf8" }).stdout.trim();
    const bundled = m.get(stack)?.median ?? NaN;
    const tsx = m.get(`${stack}-tsx`)?.median ?? NaN;
    report(`program cold start, ${stack} (${count} resources)`, bundled, `${ratio(bundled, floor, 1.5)}, target < 2000 ms: ${bundled < 2000 ? "holds" : "MISSED"}`);
    const plain = m.get(`${stack}-default-v8`)?.median ?? NaN;
    report(`  the same without nodeargs (TurboFan on)`, plain, ratio(plain, floor));
    report(`  the same through tsx (Pulumi.yaml before #11)`, tsx, ratio(tsx, floor));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchProgram();
