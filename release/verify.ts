import { execFile } from "node:child_process";
import { lookup } from "node:dns/promises";
import path from "node:path";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** How to reach the stack's cluster with kubectl (the stack's `go-service:kubernetes` config). */
export interface ClusterAccess {
  /** Absolute path; the KUBECONFIG environment otherwise. */
  readonly kubeconfig?: string;
  readonly context?: string;
  /** Environment for kubectl (PATH). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A workload or service of the stack, from its state. */
export interface ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

/** One verification step and its result, as the report shows it. */
export interface Check {
  readonly name: string;
  readonly status: "passed" | "failed" | "not run";
  readonly detail: string;
}

export interface VerifyTargets {
  readonly deployments: readonly ObjectRef[];
  readonly services: readonly ObjectRef[];
}

/** The cluster access of a stack config map (`go-service:kubernetes`), relative paths resolved against `workDir`. */
export function clusterAccess(kubernetes: unknown, workDir: string, env: Readonly<Record<string, string | undefined>>): ClusterAccess {
  const settings = (kubernetes ?? {}) as { kubeconfig?: unknown; context?: unknown };
  const kubeconfig = typeof settings.kubeconfig === "string" ? path.resolve(workDir, settings.kubeconfig) : undefined;
  return {
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    ...(typeof settings.context === "string" ? { context: settings.context } : {}),
    env,
  };
}

/** Runs kubectl with the stack's cluster access; its stdout. */
export async function kubectl(access: ClusterAccess, args: readonly string[], timeoutMs: number): Promise<string> {
  const global = [
    ...(access.kubeconfig === undefined ? [] : ["--kubeconfig", access.kubeconfig]),
    ...(access.context === undefined ? [] : ["--context", access.context]),
  ];
  const { stdout } = await execFileAsync("kubectl", [...global, ...args], {
    env: { ...process.env, ...access.env },
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

function failureText(error: unknown): string {
  const e = error as { stderr?: string; message?: string; killed?: boolean };
  const text = (e.stderr ?? "").trim() || (e.message ?? String(error));
  return e.killed === true ? `timed out: ${text}` : text;
}

/** Waits for each Deployment's rollout to complete (`kubectl rollout status`), reading through the API server. */
export async function checkRollouts(access: ClusterAccess, deployments: readonly ObjectRef[], timeoutSeconds: number): Promise<Check[]> {
  const checks: Check[] = [];
  for (const d of deployments) {
    const name = `rollout of Deployment ${d.namespace}/${d.name}`;
    try {
      const out = await kubectl(access, ["rollout", "status", `deployment/${d.name}`, "-n", d.namespace, `--timeout=${timeoutSeconds}s`], (timeoutSeconds + 30) * 1000);
      checks.push({ name, status: "passed", detail: out.trim().split("\n").pop() ?? "complete" });
    } catch (error) {
      checks.push({ name, status: "failed", detail: failureText(error) });
    }
  }
  return checks;
}

interface EndpointSliceList {
  items: { endpoints?: { conditions?: { ready?: boolean } }[] }[];
}

/** Each Service has at least one ready endpoint (its EndpointSlices, read through the API server). */
export async function checkServiceEndpoints(access: ClusterAccess, services: readonly ObjectRef[]): Promise<Check[]> {
  const checks: Check[] = [];
  for (const s of services) {
    const name = `ready endpoints of Service ${s.namespace}/${s.name}`;
    try {
      const out = await kubectl(access, ["get", "endpointslices", "-n", s.namespace, "-l", `kubernetes.io/service-name=${s.name}`, "-o", "json"], 30_000);
      const slices = JSON.parse(out) as EndpointSliceList;
      const endpoints = slices.items.flatMap((slice) => slice.endpoints ?? []);
      // The API leaves `ready` unset when it is unknown, which consumers must treat as ready.
      const ready = endpoints.filter((e) => e.conditions?.ready !== false).length;
      checks.push({ name, status: ready > 0 ? "passed" : "failed", detail: `${ready} of ${endpoints.length} endpoint(s) ready` });
    } catch (error) {
      checks.push({ name, status: "failed", detail: failureText(error) });
    }
  }
  return checks;
}

/**
 * The base URL of a Service's `http` port on its ClusterIP (`http://10.96.4.2:80`), for a deploy that runs on
 * the cluster's network (a runner in the cluster, the local cluster's host): undefined when the Service has
 * no ClusterIP or no `http` port.
 */
export async function serviceClusterUrl(access: ClusterAccess, service: ObjectRef): Promise<string | undefined> {
  try {
    const out = await kubectl(access, ["get", "service", "-n", service.namespace, service.name, "-o", "json"], 30_000);
    const spec = (JSON.parse(out) as { spec?: { clusterIP?: string; ports?: { name?: string; port?: number }[] } }).spec;
    const port = spec?.ports?.find((p) => p.name === "http")?.port;
    if (spec?.clusterIP === undefined || spec.clusterIP === "None" || port === undefined) return undefined;
    return `http://${spec.clusterIP}:${port}`;
  } catch {
    return undefined;
  }
}

export interface SmokeOptions {
  /** Total time to wait for both endpoints to answer 2xx. @default 60 */
  readonly timeoutSeconds?: number;
  /** Delay between attempts. @default 2 */
  readonly intervalSeconds?: number;
  /** Timeout of one request. @default 5 */
  readonly requestTimeoutSeconds?: number;
}

export const SMOKE_PATHS = ["/health", "/ready"] as const;

/** `GET /health` and `GET /ready` on `baseUrl` answer 2xx, retried until the timeout. */
export async function smokeTest(baseUrl: string, options: SmokeOptions = {}): Promise<Check[]> {
  const deadline = Date.now() + (options.timeoutSeconds ?? 60) * 1000;
  const interval = (options.intervalSeconds ?? 2) * 1000;
  const checks: Check[] = [];
  for (const probe of SMOKE_PATHS) {
    const url = new URL(probe, baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`).toString();
    let last = "";
    let passed = false;
    for (;;) {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout((options.requestTimeoutSeconds ?? 5) * 1000), redirect: "manual" });
        await response.body?.cancel();
        last = `HTTP ${response.status}`;
        passed = response.status >= 200 && response.status < 300;
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        last = cause?.code ?? cause?.message ?? (error as Error).message;
      }
      if (passed || Date.now() + interval > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
    checks.push({ name: `GET ${url}`, status: passed ? "passed" : "failed", detail: last });
  }
  return checks;
}

/**
 * Whether a smoke URL derived from the stack (not given explicitly) can be reached from this machine:
 * an in-cluster address never can, a host that does not resolve cannot. The reason is reported as
 * "not run", never as a pass.
 */
export async function unreachableReason(url: string): Promise<string | undefined> {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return `${url} is not a URL`;
  }
  if (host.endsWith(".svc.cluster.local") || host.endsWith(".svc")) return `${host} is an in-cluster address`;
  try {
    await lookup(host);
    return undefined;
  } catch {
    return `${host} does not resolve from here`;
  }
}

/**
 * Why a release is not verified, or undefined when it is. A verification that ran no check is not a
 * verification: the release is verified only when every check that ran passed, at least one check
 * passed, and the stack's state has the Deployment to check (a stack of this program always has one).
 */
export function verificationFailure(targets: VerifyTargets, checks: readonly Check[]): string | undefined {
  const failed = checks.filter((c) => c.status === "failed");
  if (failed.length > 0) return `verification failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join("; ")}`;
  if (targets.deployments.length === 0) {
    const what = targets.services.length === 0 ? "no Deployment or Service" : "no Deployment";
    return `verification found ${what} of the stack in its state: nothing was verified, so the release is not recorded as good`;
  }
  if (!checks.some((c) => c.status === "passed")) return "every verification check was skipped: nothing was verified, so the release is not recorded as good";
  return undefined;
}
