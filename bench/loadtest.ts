/**
 * `npx tsx bench/loadtest.ts [--seconds <n>] [--rounds <n>]`: the throughput the reference service
 * sustains under the stack's pod limits, against the same binary unconstrained on this host as the floor.
 *
 * Cases, interleaved round by round (floor, a, b, floor, a, b, …) so that every case sees the same load
 * from the rest of the machine; each is a load test of `GET /api/items` with the stack's default loadTest
 * settings but a longer measured phase and no request bound. Two workloads, each beside its own floor:
 *
 * Static items (no database configured):
 *   floor                 the binary on 127.0.0.1, Go's default GOMAXPROCS (every core of the host)
 *   GOMAXPROCS=1          what the Deployment sets from the CPU limit (500m, rounded up to 1 core)
 *   hardened (cgroup)     GOMAXPROCS=1 and GOMEMLIMIT as the Deployment sets them, in a CPU cgroup with the
 *                         pod's limit (cfs_quota 50 ms per 100 ms period: 500m), the kernel mechanism the
 *                         kubelet uses for a container's CPU limit
 *   hardened + access log the same with the stack's log level (info: a JSON line per request) to /dev/null
 *
 * The pod's configuration (the local stack's ConfigMap and Secret: every request a PostgreSQL query), when
 * `npm run cluster:up` runs with a real node (the default; otherwise reported as not measured, and why):
 *   floor                 the binary on the host with that configuration, unconstrained
 *   hardened (cgroup)     the same in the pod's CPU cgroup, with its GOMAXPROCS and GOMEMLIMIT
 *   pod                   the local stack's hardened pod (bench/hardened-pod.ts: its Deployment as `npm run
 *                         synth` writes it, one replica) on the real node, through its Service's ClusterIP
 *
 * The load generator (autocannon, in this process) shares the host's cores with the service: the floor is
 * what this machine can drive, not the service's ceiling.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { COMMON_DEFAULTS } from "../config/environment-defaults.js";
import { goMemLimit } from "../config/quantities.js";
import { runLoadTest } from "../release/loadtest.js";
import { buildService, freePort, SERVICE_ENV } from "../test/e2e/support/go-service.js";
import { deployHardenedPod, hardenedPodMissing } from "./hardened-pod.js";
import { median } from "./measure.js";

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
  /** `static`: the service's static items (no database); `database`: the pod's configuration, every request a PostgreSQL query. */
  readonly workload: "static" | "database";
  readonly env: Record<string, string>;
  /** A CPU cgroup to start the process in (cgroup v1 `cpu` controller), with its quota. */
  readonly cpuQuotaMillicores?: number;
  /** The pod on the real node rather than a process on this host. */
  readonly pod?: true;
}

const HARDENED_ENV = { GOMAXPROCS: "1", GOMEMLIMIT: goMemLimit(MEMORY_LIMIT, COMMON_DEFAULTS.pod.goMemLimitFraction) };

/** The cases on the static items: the binary alone, then each constraint of the pod added in turn. */
const STATIC_CASES: readonly Case[] = [
  { label: "floor: host binary, unconstrained", workload: "static", env: {} },
  { label: "GOMAXPROCS=1 (the Deployment's, from 500m)", workload: "static", env: { GOMAXPROCS: "1" } },
  { label: "hardened: GOMAXPROCS=1 + 500m CPU quota (cgroup)", workload: "static", env: HARDENED_ENV, cpuQuotaMillicores: CPU_LIMIT_MILLICORES },
  // Logging as the stack's pods do (LOG_LEVEL info: one JSON line per request), to /dev/null.
  { label: "hardened + access log (LOG_LEVEL=info)", workload: "static", env: { ...HARDENED_ENV, LOG_LEVEL: "info" }, cpuQuotaMillicores: CPU_LIMIT_MILLICORES },
];

/**
 * The cases with the pod's own configuration (the local stack's ConfigMap and Secret: PostgreSQL and Redis
 * of the local cluster, every GET /api/items a query): the host binary as the floor, the same in the pod's
 * cgroup, and the pod itself, which adds the container runtime, its log pipe and the Service's network path.
 */
function databaseCases(podEnv: Record<string, string>): Case[] {
  const env = { ...podEnv, SERVER_HOST: "127.0.0.1" };
  return [
    { label: "floor: host binary, the pod's configuration", workload: "database", env },
    { label: "hardened, the pod's configuration (cgroup)", workload: "database", env: { ...env, ...HARDENED_ENV }, cpuQuotaMillicores: CPU_LIMIT_MILLICORES },
    { label: "pod: the stack's hardened pod, via its Service", workload: "database", env: {}, pod: true },
  ];
}

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
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...SERVICE_ENV, ...c.env, SERVER_PORT: String(port), METRICS_PORT: String(metricsPort) };
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

console.log(`node ${process.version}, ${cpus().length} cores, load ${loadavg()[0]?.toFixed(2)}; ${ROUNDS} rounds × ${SECONDS} s measured per case, ${COMMON_DEFAULTS.loadTest.concurrency} connections`);
const binary = await buildService();
const noCgroup = cgroupAvailable();
const noPod = hardenedPodMissing();
// The pod is deployed once and measured in every round, between the host cases, like them.
const pod = noPod === undefined ? deployHardenedPod(`bench-pod-${process.pid}`) : undefined;
const cases = [...STATIC_CASES, ...(pod === undefined ? [] : databaseCases(pod.env))].filter((c) => c.cpuQuotaMillicores === undefined || noCgroup === undefined);
const settings = { ...COMMON_DEFAULTS.loadTest, rampUp: "1s", duration: `${SECONDS}s`, maxRequests: 100_000_000 };
const results = new Map(cases.map((c) => [c.label, { throughput: [] as number[], p95: [] as number[] }]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of cases) {
      const service = c.pod === true && pod !== undefined ? { url: pod.url, stop: async () => undefined } : await start(binary, c);
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
} finally {
  pod?.remove();
}
console.log("");
console.log(`${"case".padEnd(52)} ${"req/s (median)".padStart(15)} ${"P95 ms".padStart(8)}  vs its floor`);
for (const workload of ["static", "database"] as const) {
  const group = cases.filter((c) => c.workload === workload);
  if (group.length === 0) continue;
  console.log(workload === "static" ? "GET /api/items, static items (no database):" : "GET /api/items with the pod's configuration (a PostgreSQL query each):");
  const floor = median(results.get(group[0]?.label ?? "")?.throughput ?? []);
  for (const c of group) {
    const r = results.get(c.label);
    const throughput = median(r?.throughput ?? []);
    console.log(`  ${c.label.padEnd(50)} ${throughput.toFixed(0).padStart(15)} ${median(r?.p95 ?? []).toFixed(2).padStart(8)}  ${(throughput / floor).toFixed(2)}x   (runs: ${(r?.throughput ?? []).map((t) => t.toFixed(0)).join(", ")})`);
  }
}
if (noCgroup !== undefined) console.log(`hardened (cgroup): not measured: ${noCgroup}`);
if (noPod !== undefined) console.log(`pod on the real node: not measured: ${noPod}`);
console.log(`criterion (loadTest.minThroughput): ≥ ${COMMON_DEFAULTS.loadTest.minThroughput} req/s per stack, with its pods together`);
