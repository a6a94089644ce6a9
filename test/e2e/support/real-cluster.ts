// What the suites on real pods share: polling with a deadline, the Service's address, bounded load to it,
// and a real Prometheus (Debian's, or the one `npm run tools` builds with Kubernetes discovery) that scrapes
// a test stack exactly as its synthesized scrape config says, discovering the pods through the local API
// server, optionally with the stack's rule file and the real node's kubelet (cAdvisor).
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse, stringify } from "yaml";
import { freePort } from "../../support/prometheus.js";
import { kubeconfig, kubectl, repoRoot } from "../release/environment.js";

/** Polls `probe` (every second) until it returns a value other than undefined, or fails after `seconds`, saying what it waited for. */
export async function eventually<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what}${last === undefined ? "" : ` (last error: ${String(last)})`}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The base URL of a namespace's Service through its ClusterIP (port 80), reachable from this host through kube-proxy's rules. */
export async function serviceUrl(env: Record<string, string>, namespace: string, service = "myapp"): Promise<string> {
  return `http://${(await kubectl(env, "-n", namespace, "get", "service", service, "-o", "jsonpath={.spec.clusterIP}")).trim()}`;
}

/**
 * One GET on a connection of its own (no keep-alive): kube-proxy balances connections, not requests, so a
 * single kept-alive connection would reach one pod only; many short connections, like many clients, reach
 * the ready pods in proportion. The status, or 0 when there was no answer within 5 s.
 */
export function getOnce(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent: false, timeout: 5_000 }, (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
      response.on("error", () => resolve(0));
    });
    request.on("timeout", () => request.destroy());
    request.on("error", () => resolve(0));
  });
}

/** Bounds of a {@link loadLoop}: at most `max` requests, for at most `seconds`, one every `intervalMs`. */
export interface LoadBounds {
  readonly max: number;
  readonly seconds: number;
  readonly intervalMs: number;
}

/**
 * Bounded load to one URL (a Service's, on this machine): one GET every `intervalMs`, each on a connection
 * of its own, until stopped or a bound is reached. `done` resolves with the statuses (0 = no answer) once
 * the bounds are reached and every request has ended; `stop` ends it early.
 */
export function loadLoop(url: string, bounds: LoadBounds): { stop: () => Promise<number[]>; done: Promise<number[]> } {
  const statuses: number[] = [];
  const inflight = new Set<Promise<void>>();
  let stopped = false;
  const started = Date.now();
  const loop = (async () => {
    while (!stopped && statuses.length + inflight.size < bounds.max && Date.now() - started < bounds.seconds * 1000) {
      const request = getOnce(url)
        .then((status) => void statuses.push(status))
        .finally(() => inflight.delete(request));
      inflight.add(request);
      await new Promise((resolve) => setTimeout(resolve, bounds.intervalMs));
    }
  })();
  const done = loop.then(async () => {
    await Promise.all(inflight);
    return statuses;
  });
  return {
    stop: async () => {
      stopped = true;
      return done;
    },
    done,
  };
}

/** `count` GETs of `url`, `intervalMs` apart: bounded in count and time; resolves with the statuses. */
export function trickle(url: string, count: number, intervalMs: number): Promise<number[]> {
  return loadLoop(url, { max: count, seconds: (count * intervalMs) / 1000 + 60, intervalMs }).done;
}

/** One series of an instant query's answer. */
export interface PromVector {
  metric: Record<string, string>;
  value: [number, string];
}

/** A Prometheus started by {@link startClusterPrometheus}. */
export interface ClusterPrometheus {
  readonly url: string;
  /** An instant query; throws on a query Prometheus refuses. */
  query(expr: string): Promise<PromVector[]>;
  stop(): void;
}

/** What {@link startClusterPrometheus} loads. */
export interface ClusterPrometheusOptions {
  /** The stack's synthesized files: its `prometheus-scrape-config.yaml`, and its `prometheus-rules.yaml` when `rules` is set. */
  readonly files: Readonly<Record<string, string>>;
  /** The scrape and evaluation interval (short: the stack's own would make a suite wait). */
  readonly interval: string;
  /** Load the stack's rule file. @default false */
  readonly rules?: boolean;
  /**
   * Also scrape the real node's kubelet for its cAdvisor series (the containers' memory), as a cluster's
   * monitoring stack does beside the service's ServiceMonitor (kube-prometheus-stack's kubelet job).
   * @default false
   */
  readonly kubeletCadvisor?: boolean;
  readonly env: Record<string, string>;
}

/** A real Prometheus scraping a test stack as its synthesized scrape config says, discovering pods through the local API server. */
export async function startClusterPrometheus(options: ClusterPrometheusOptions): Promise<ClusterPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), "e2e-prometheus-"));
  const kube = parse(readFileSync(kubeconfig, "utf8")) as { clusters: { cluster: { server: string } }[] };
  const apiServer = kube.clusters[0]?.cluster.server;
  const pki = path.join(repoRoot, ".cluster", "pki");
  // The admin client certificate: the API server (discovery) and the kubelet (which asks the API server) both accept it.
  const tls_config = { ca_file: path.join(pki, "ca.crt"), cert_file: path.join(pki, "admin.crt"), key_file: path.join(pki, "admin.key") };
  const stackJobs = (parse(options.files["prometheus-scrape-config.yaml"] ?? "") as { scrape_configs: Record<string, unknown>[] }).scrape_configs.map((job) => ({
    ...job,
    scrape_interval: options.interval,
    kubernetes_sd_configs: (job.kubernetes_sd_configs as Record<string, unknown>[]).map((sd) => ({ ...sd, api_server: apiServer, tls_config })),
  }));
  const kubeletJob = {
    job_name: "kubelet-cadvisor",
    scheme: "https",
    metrics_path: "/metrics/cadvisor",
    scrape_interval: options.interval,
    tls_config,
    kubernetes_sd_configs: [{ role: "node", api_server: apiServer, tls_config }],
    relabel_configs: [{ source_labels: ["__meta_kubernetes_node_label_type"], regex: "real", action: "keep" }],
  };
  if (options.rules === true) writeFileSync(path.join(dir, "rules.yaml"), options.files["prometheus-rules.yaml"] ?? "");
  const config = {
    global: { scrape_interval: options.interval, evaluation_interval: options.interval },
    ...(options.rules === true ? { rule_files: ["rules.yaml"] } : {}),
    scrape_configs: [...stackJobs, ...(options.kubeletCadvisor === true ? [kubeletJob] : [])],
  };
  writeFileSync(path.join(dir, "prometheus.yml"), stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log: string[] = [];
  const child: ChildProcess = spawn(
    "prometheus",
    [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
    { env: options.env, cwd: dir, stdio: ["ignore", "ignore", "pipe"] },
  );
  child.stderr?.on("data", (chunk: Buffer) => log.push(chunk.toString()));
  const stop = (): void => {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually("Prometheus to be ready", 60, async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${log.join("").slice(-2000)}`);
      const r = await fetch(`${url}/-/ready`).catch(() => undefined);
      return r?.ok === true ? true : undefined;
    });
  } catch (error) {
    stop();
    throw error;
  }
  return {
    url,
    stop,
    query: async (expr) => {
      const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(10_000) });
      const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: PromVector[] } };
      if (body.status !== "success") throw new Error(`query failed: ${body.error ?? response.status}: ${expr}`);
      return body.data?.resultType === "vector" ? body.data.result : [];
    },
  };
}
