// A real Prometheus on deterministic data, for the canary analysis' tests and benchmark: the series are
// written as OpenMetrics, turned into TSDB blocks by `promtool tsdb create-blocks-from openmetrics`, and
// served by `prometheus` started on that data directory, on a free loopback port, with no scrape target.
// Both binaries come from Debian's "prometheus" package (scripts/ci/install-promtool.sh); the tests fail,
// they do not skip, when it is missing.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

/** One series: its name, its labels and its samples (`[unix seconds, value]`, oldest first). */
export interface Series {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly (readonly [number, number])[];
}

/** A binary of the "prometheus" package; throws (the suite fails) when it is not installed. */
export function prometheusBinary(name: "prometheus" | "promtool", override = process.env.GSS_PROMETHEUS_BIN): string {
  if (name === "prometheus" && override !== undefined && override !== "") return override;
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  const file = found.stdout.trim();
  if (found.status !== 0 || file === "") throw new Error(`${name} is not installed: run \`bash scripts/ci/install-promtool.sh\` (Debian package "prometheus")`);
  return file;
}

const escapeLabel = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/**
 * The series as OpenMetrics text, as `promtool tsdb create-blocks-from openmetrics` reads it: no TYPE
 * lines (every family "unknown"), each name's series together, each series' samples in time order, `# EOF`.
 */
export function openMetricsText(series: readonly Series[]): string {
  const byName = new Map<string, Series[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const lines: string[] = [];
  for (const [name, group] of byName) {
    for (const s of group) {
      const labels = Object.entries(s.labels)
        .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
        .join(",");
      for (const [t, v] of s.samples) lines.push(`${name}{${labels}} ${v} ${t}`);
    }
  }
  return `${lines.join("\n")}\n# EOF\n`;
}

/** A TCP port nothing listens on right now, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A running Prometheus and how to stop it. */
export interface RunningPrometheus {
  /** Its HTTP API's base URL, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** Milliseconds from start to ready (`/-/ready`). */
  readonly startupMs: number;
  /** Stops the process and removes its data. */
  stop(): Promise<void>;
}

/** Options of {@link startPrometheus}. */
export interface StartOptions {
  /** `--query.max-samples`: a query loading more samples fails (how the tests get a real query error). @default 50_000_000 (Prometheus' default) */
  readonly maxSamples?: number;
  /** Extra arguments. @default [] */
  readonly args?: readonly string[];
}

/**
 * Writes `series` into TSDB blocks with promtool, then starts `prometheus` on them (empty scrape config,
 * loopback only) and waits until it is ready.
 */
export async function startPrometheus(series: readonly Series[], options: StartOptions = {}): Promise<RunningPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), "canary-prometheus-"));
  const data = path.join(dir, "data");
  const input = path.join(dir, "series.om");
  writeFileSync(input, openMetricsText(series));
  // No series: an empty data directory (promtool refuses an input without samples).
  const created = series.length === 0 ? { status: 0, stderr: "", stdout: "" } : spawnSync(prometheusBinary("promtool"), ["tsdb", "create-blocks-from", "openmetrics", input, data], { encoding: "utf8" });
  if (created.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`promtool tsdb create-blocks-from openmetrics failed (exit ${String(created.status)}):\n${created.stderr}${created.stdout}`);
  }
  const config = path.join(dir, "prometheus.yml");
  writeFileSync(config, "global:\n  scrape_interval: 1m\nscrape_configs: []\n");
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const started = performance.now();
    const child = spawn(
      prometheusBinary("prometheus"),
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--storage.tsdb.retention.time=30d",
        `--query.max-samples=${options.maxSamples ?? 50_000_000}`,
        ...(options.args ?? []),
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    child.stderr?.on("data", (chunk: Buffer) => (log = (log + chunk.toString()).slice(-8000)));
    const url = `http://127.0.0.1:${port}`;
    const ready = await waitReady(url, child, 30_000);
    if (ready) {
      return { url, startupMs: Math.round(performance.now() - started), stop: () => stop(child, dir) };
    }
    await stop(child, undefined);
    // Another process took the port between freePort() and the bind: try another one.
    if (attempt >= 3 || !/address already in use/.test(log)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`prometheus did not become ready:\n${log}`);
    }
  }
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function stop(child: ChildProcess, dir: string | undefined): Promise<void> {
  if (child.exitCode === null) {
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill("SIGKILL");
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}
