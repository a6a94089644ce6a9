/**
 * `npx tsx bench/loadtest.ts [--seconds <n>] [--rounds <n>]`: the throughput the reference service
 * sustains under the stack's pod limits, against the same binary unconstrained on this host as the floor.
 *
 * Cases, interleaved round by round (floor, a, b, floor, a, b, …) so that every case sees the same load
 * from the rest of the machine; each is a load test of `GET /api/items` (static items, no database) with
 * the stack's default loadTest settings but a longer measured phase and no request bound:
 *
 *   floor                 the binary on 127.0.0.1, Go's default GOMAXPROCS (every core of the host)
 *   GOMAXPROCS=1          what the Deployment sets from the CPU limit (500m, rounded up to 1 core)
 *   hardened (cgroup)     GOMAXPROCS=1 and GOMEMLIMIT as the Deployment sets them, in a CPU cgroup with the
 *                         pod's limit (cfs_quota 50 ms per 100 ms period: 500m), the kernel mechanism the
 *                         kubelet uses for a container's CPU limit
 *   pod                   the hardened pod on the local cluster's real node, through its Service's
 *                         ClusterIP: measured only when the cluster has a real node running the service
 *                         image (scripts/cluster/node.sh); otherwise reported as not measured, and why
 *
 * The load generator (autocannon, in this process) shares the host's cores with the service: the floor is
 * what this machine can drive, not the service's ceiling.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { COMMON_DEFAULTS } from "../config/environment-defaults.js";
import { goMemLimit } from "../config/quantities.js";
import { runLoadTest } from "../release/loadtest.js";
import { buildService, freePort, SERVICE_ENV } from "../test/e2e/support/go-service.js";
import { median } from "./measure.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const index = args.indexOf(`--${name}`);
  const value = index < 0 ? undefined : Number(args[index + 1]);
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
};
const SECONDS = option("seconds", 6);
const ROUNDS = option("rounds", 3);

/** The pod's limits, as the staging and production stacks set them (environment-defaults.ts). */
const CPU_LIMIT_MILLICORES = 500;
const MEMORY_LIMIT = "512Mi";
const CGROUP_CPU = "/sys/fs/cgroup/cpu";

interface Case {
  readonly label: string;
  readonly env: Record<string, string>;
  /** A CPU cgroup to start the process in (cgroup v1 `cpu` controller), with its quota. */
  readonly cpuQuotaMillicores?: number;
}

const CASES: readonly Case[] = [
  { label: "floor: host binary, unconstrained", env: {} },
  { label: "GOMAXPROCS=1 (the Deployment's, from 500m)", env: { GOMAXPROCS: "1" } },
  {
    label: "hardened: GOMAXPROCS=1 + 500m CPU quota (cgroup)",
    env: { GOMAXPROCS: "1", GOMEMLIMIT: goMemLimit(MEMORY_LIMIT, COMMON_DEFAULTS.pod.goMemLimitFraction) },
    cpuQuotaMillicores: CPU_LIMIT_MILLICORES,
  },
];

function cgroupAvailable(): string | undefined {
  if (!existsSync(CGROUP_CPU)) return `no cgroup v1 cpu controller at ${CGROUP_CPU}`;
  const probe = path.join(CGROUP_CPU, `gss-bench-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
    return undefined;
  } catch (error) {
    return `cannot create a CPU cgroup (${(error as Error).message.split("\n")[0]}): run as root`;
  }
}

async function start(binary: string, c: Case): Promise<{ url: string; stop: () => Promise<void> }> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...SERVICE_ENV, SERVER_PORT: String(port), METRICS_PORT: String(metricsPort), ...c.env };
  let cgroup: string | undefined;
  let child: ChildProcess;
  if (c.cpuQuotaMillicores !== undefined) {
    cgroup = path.join(CGROUP_CPU, `gss-bench-${process.pid}-${port}`);
    mkdirSync(cgroup);
    writeFileSync(path.join(cgroup, "cpu.cfs_period_us"), "100000");
    writeFileSync(path.join(cgroup, "cpu.cfs_quota_us"), String(c.cpuQuotaMillicores * 100));
    // The shell joins the cgroup, then becomes the service: every thread of it runs under the quota.
    child = spawn("sh", ["-c", `echo $$ > ${path.join(cgroup, "cgroup.procs")} && exec "$0"`, binary], { env, stdio: "ignore" });
  } else {
    child = spawn(binary, [], { env, stdio: "ignore" });
  }
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      if (i > 200) throw new Error(`${c.label}: the service did not start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      if (cgroup !== undefined) rmdirSync(cgroup);
    },
  };
}

/** Why the pod case cannot be measured here, or undefined when the cluster has a real node. */
function podCaseMissing(): string | undefined {
  const kubeconfig = path.join(repoRoot, ".cluster", "kubeconfig");
  if (!existsSync(kubeconfig)) return "no local cluster (npm run cluster:up)";
  try {
    const nodes = execFileSync("bash", ["-c", `source scripts/tools/env.sh >/dev/null 2>&1; kubectl --kubeconfig ${kubeconfig} --context local get nodes -l type=real -o name`], {
      cwd: repoRoot,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
    return nodes === ""
      ? "the local cluster has no real node (kwok nodes run no process): start it with the real node (scripts/cluster/node.sh, GSS_CLUSTER_REAL_NODE=1) to measure the pod"
      : "the local cluster has a real node, but this benchmark does not deploy the pod yet: measure it with npm run loadtest -- --stack local --url http://<Service ClusterIP>";
  } catch {
    return "the local cluster does not answer";
  }
}

console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}; ${ROUNDS} rounds × ${SECONDS} s measured per case, ${COMMON_DEFAULTS.loadTest.concurrency} connections`);
const binary = await buildService();
const noCgroup = cgroupAvailable();
const cases = CASES.filter((c) => c.cpuQuotaMillicores === undefined || noCgroup === undefined);
const settings = { ...COMMON_DEFAULTS.loadTest, rampUp: "1s", duration: `${SECONDS}s`, maxRequests: 100_000_000 };
const results = new Map(cases.map((c) => [c.label, { throughput: [] as number[], p95: [] as number[] }]));
for (let round = 0; round < ROUNDS; round++) {
  for (const c of cases) {
    const service = await start(binary, c);
    try {
      const result = await runLoadTest({ url: service.url, settings });
      results.get(c.label)?.throughput.push(result.throughput);
      results.get(c.label)?.p95.push(result.latency.p95);
      if (result.errors > 0) console.log(`  ${c.label}: ${result.errors} errors in round ${round + 1}`);
    } finally {
      await service.stop();
    }
  }
}
const floor = median(results.get(CASES[0]?.label ?? "")?.throughput ?? []);
console.log("");
console.log(`${"case".padEnd(52)} ${"req/s (median)".padStart(15)} ${"P95 ms".padStart(8)}  vs floor`);
for (const c of cases) {
  const r = results.get(c.label);
  const throughput = median(r?.throughput ?? []);
  console.log(`${c.label.padEnd(52)} ${throughput.toFixed(0).padStart(15)} ${median(r?.p95 ?? []).toFixed(2).padStart(8)}  ${(throughput / floor).toFixed(2)}x   (runs: ${(r?.throughput ?? []).map((t) => t.toFixed(0)).join(", ")})`);
}
if (noCgroup !== undefined) console.log(`hardened (cgroup): not measured: ${noCgroup}`);
console.log(`pod on the real node: not measured: ${podCaseMissing()}`);
console.log(`criterion (loadTest.minThroughput): ≥ ${COMMON_DEFAULTS.loadTest.minThroughput} req/s per stack, with its pods together`);
