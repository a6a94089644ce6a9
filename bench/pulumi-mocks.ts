/**
 * Cost of testing the BackupBucket under Pulumi mocks (issue #3), in cold processes:
 * importing @pulumi/pulumi, importing the component (deep `@pulumi/aws/<service>/index.js`
 * imports), and registering the component with its 12 resources until the mock monitor has
 * seen them all. For comparison, the import cost of the same AWS classes through the root
 * `@pulumi/aws` module versus the deep modules.
 *
 *   npx tsx bench/pulumi-mocks.ts            # BENCH_RUNS=7 by default
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

type Mode = "component" | "aws-root" | "aws-deep";
type Phases = Record<string, number>;

const root = fileURLToPath(new URL("..", import.meta.url));
const self = fileURLToPath(import.meta.url);

/** Runs in the child process: one cold measurement, printed as JSON. */
async function child(mode: Mode): Promise<Phases> {
  const phases: Phases = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    phases[name] = now - mark;
    mark = now;
  };
  const pulumi = await import("@pulumi/pulumi");
  lap("import @pulumi/pulumi");
  if (mode === "aws-root") {
    const aws = await import("@pulumi/aws");
    const classes = [aws.s3.Bucket, aws.s3.BucketPolicy, aws.s3.BucketVersioning, aws.kms.Key, aws.iam.Role, aws.iam.RolePolicy];
    if (classes.some((c) => typeof c !== "function")) throw new Error("missing class");
    lap("import @pulumi/aws (root) + 6 classes");
  } else if (mode === "aws-deep") {
    const [s3, kms, iam] = await Promise.all([
      import("@pulumi/aws/s3/index.js"),
      import("@pulumi/aws/kms/index.js"),
      import("@pulumi/aws/iam/index.js"),
    ]);
    const classes = [s3.Bucket, s3.BucketPolicy, s3.BucketVersioning, kms.Key, iam.Role, iam.RolePolicy];
    if (classes.some((c) => typeof c !== "function")) throw new Error("missing class");
    lap("import @pulumi/aws/{s3,kms,iam} + 6 classes");
  } else {
    let registered = 0;
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered++;
          const state: Record<string, unknown> = { ...args.inputs };
          if (args.type === "aws:s3/bucket:Bucket") Object.assign(state, { bucket: "b", arn: "arn:aws:s3:::b" });
          if (args.type === "aws:kms/key:Key") state["arn"] = "arn:aws:kms:eu-west-3:123456789012:key/k";
          if (args.type === "aws:iam/role:Role") Object.assign(state, { name: "r", arn: "arn:aws:iam::123456789012:role/r" });
          return { id: `${args.name}-id`, state };
        },
        call: (args) => args.inputs,
      },
      "bench",
      "bench",
      false,
    );
    lap("setMocks");
    const { BackupBucket } = await import("../infra/backup/index.js");
    lap("import infra/backup (deep @pulumi/aws imports)");
    new BackupBucket("db-backups", {
      environment: "production",
      jobAccess: {
        oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-3.amazonaws.com/id/ABC",
        namespace: "app",
        serviceAccountName: "db-backup",
      },
    });
    await pulumi.runtime.disconnect();
    lap(`register BackupBucket (${registered} resources) until settled`);
  }
  return phases;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Import comparison in plain node (no tsx loader hooks, which slow every CommonJS require down). */
function nodeImportScript(mode: "aws-root" | "aws-deep"): string {
  const load =
    mode === "aws-root"
      ? `const aws = await import("@pulumi/aws"); const c = [aws.s3.Bucket, aws.s3.BucketPolicy, aws.s3.BucketVersioning, aws.kms.Key, aws.iam.Role, aws.iam.RolePolicy];`
      : `const [s3, kms, iam] = await Promise.all(["s3", "kms", "iam"].map((m) => import("@pulumi/aws/" + m + "/index.js"))); const c = [s3.Bucket, s3.BucketPolicy, s3.BucketVersioning, kms.Key, iam.Role, iam.RolePolicy];`;
  const label = mode === "aws-root" ? "import @pulumi/aws (root) + 6 classes" : "import @pulumi/aws/{s3,kms,iam} + 6 classes";
  return [
    "let t = performance.now(); const p = {};",
    'await import("@pulumi/pulumi"); p["import @pulumi/pulumi"] = performance.now() - t; t = performance.now();',
    load,
    'if (c.some((x) => typeof x !== "function")) throw new Error("missing class");',
    `p[${JSON.stringify(label)}] = performance.now() - t;`,
    "console.log(JSON.stringify(p));",
  ].join("\n");
}

/** One cold child process: its wall time and its own phase timings. */
function coldRun(mode: Mode, runtime: "tsx" | "node"): { wall: number; phases: Phases } {
  const args =
    runtime === "tsx"
      ? ["--import", "tsx", self, "--child", mode]
      : ["--input-type=module", "-e", nodeImportScript(mode as "aws-root" | "aws-deep")];
  const start = process.hrtime.bigint();
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  if (run.status !== 0) throw new Error(`child ${mode} (${runtime}) failed (${run.status}): ${run.stderr}`);
  const lastLine = run.stdout.trim().split("\n").pop() ?? "{}";
  return { wall, phases: JSON.parse(lastLine) as Phases };
}

function line(label: string, ms: number): void {
  console.log(`  ${label.padEnd(60)} ${ms.toFixed(0).padStart(6)} ms`);
}

/** Prints the medians of `runs` cold runs per case, after one warm-up run each (file cache, tsx cache). */
export function benchPulumiMocks(runs = Number(process.env["BENCH_RUNS"] ?? 5)): void {
  console.log(`# Pulumi mocks: BackupBucket (median of ${runs} cold processes, node ${process.version})`);
  const cases: [Mode, "tsx" | "node"][] = [
    ["component", "tsx"],
    ["aws-root", "node"],
    ["aws-deep", "node"],
    ["aws-root", "tsx"],
    ["aws-deep", "tsx"],
  ];
  for (const [mode, runtime] of cases) {
    coldRun(mode, runtime);
    const results = Array.from({ length: runs }, () => coldRun(mode, runtime));
    console.log(`${mode} (${runtime}):`);
    for (const phase of Object.keys(results[0]?.phases ?? {})) line(phase, median(results.map((r) => r.phases[phase] ?? 0)));
    line("whole process (start-up included)", median(results.map((r) => r.wall)));
  }
}

const modeIndex = process.argv.indexOf("--child");
if (modeIndex >= 0) {
  const phases = await child(process.argv[modeIndex + 1] as Mode);
  console.log(JSON.stringify(phases));
} else if (process.argv[1] === self) {
  benchPulumiMocks();
}
