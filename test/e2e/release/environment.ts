// Test environment of the release e2e suite: the offline tools, a throwaway file:// backend, a git
// worktree of the committed program, and a temporary stack with the local stack's config.
import { execFile, execFileSync, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as automation from "@pulumi/pulumi/automation/index.js";
import { secretForms } from "../../../release/secret-mask.js";
import { setSecretConfig } from "../../../release/stack-config.js";

const execFileAsync = promisify(execFile);

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const kubeconfig = path.join(repoRoot, ".cluster", "kubeconfig");

/** Test values of the required secrets: distinctive, so a leak is found by searching for them. */
export const SECRETS: Readonly<Record<string, string>> = {
  "go-service:jwtSecret": "e2e-jwt-SECRET-4f1c9a7b2d8e6053a1b9",
  "go-service:encryptionKey": "e2eENCkey0123456789abcdefSECRET!",
  "go-service:csrfSecret": "e2e-csrf-SECRET-77d0b3e5a9",
  "go-service:dbPassword": "e2e-db-SECRET-pass-c4e8f2a6",
};

/** The environment `source scripts/tools/env.sh` produces (PATH, PULUMI_HOME, offline settings). */
export function toolsEnv(): Record<string, string> {
  let out: string;
  try {
    out = execFileSync("bash", ["-c", "source scripts/tools/env.sh >&2 && env -0"], { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    throw new Error(`offline tools are not available (run \`npm run tools\`):\n${(err as { stderr?: string }).stderr ?? String(err)}`);
  }
  const env: Record<string, string> = {};
  for (const entry of out.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

export async function kubectl(env: Record<string, string>, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("kubectl", ["--kubeconfig", kubeconfig, "--context", "local", ...args], { env });
  return stdout;
}

export interface TestStack {
  readonly stackName: string;
  readonly namespace: string;
  readonly dir: string;
  /** A git worktree of HEAD: the committed program, which is what a release records. */
  readonly programDir: string;
  readonly envVars: Record<string, string>;
  readonly stack: automation.Stack;
  readonly cleanup: () => Promise<void>;
}

/** The real prometheus-operator CRDs `npm run cluster:up` applies (scripts/crds/prometheus-operator-crds.sh). */
export const MONITORING_CRDS_FILE = path.join(repoRoot, "scripts", "cluster", "crds", "monitoring.coreos.com.yaml");

/**
 * The local cluster runs no Prometheus Operator; the stack's ServiceMonitor and PrometheusRule need
 * their CRDs. `npm run cluster:up` applies the operator's real ones (with their schemas, so that strict
 * validation checks those objects too); a cluster started without them, or with the schema-less
 * stand-ins of earlier versions, gets the same file applied the same way (server-side apply).
 */
export async function ensureMonitoringCrds(env: Record<string, string>): Promise<void> {
  const names = ["servicemonitors.monitoring.coreos.com", "prometheusrules.monitoring.coreos.com"];
  const versions = await kubectl(env, "get", "crd", ...names, "--ignore-not-found", "-o", "jsonpath={range .items[*]}{.metadata.annotations.operator\\.prometheus\\.io/version}{\"\\n\"}{end}");
  const wanted = /operator\.prometheus\.io\/version: (\S+)/.exec(readFileSync(MONITORING_CRDS_FILE, "utf8"))?.[1];
  if (wanted !== undefined && versions.split("\n").filter((v) => v === wanted).length === names.length) return;
  await kubectl(env, "apply", "--server-side", "--force-conflicts", "-f", MONITORING_CRDS_FILE);
  await kubectl(env, "wait", "--for=condition=Established", "--timeout=60s", ...names.map((n) => `crd/${n}`));
}

/** Creates the temporary stack: the local stack's config, a unique namespace, the required secrets. */
export async function createTestStack(env: Record<string, string>, stackName: string): Promise<TestStack> {
  const dir = mkdtempSync(path.join(tmpdir(), "release-e2e-"));
  const programDir = path.join(dir, "program");
  await execFileAsync("git", ["-C", repoRoot, "worktree", "add", "--detach", programDir, "HEAD"]);
  symlinkSync(path.join(repoRoot, "node_modules"), path.join(programDir, "node_modules"), "dir");
  const namespace = `rel-e2e-${Date.now().toString(36)}`;
  const envVars: Record<string, string> = {
    ...env,
    PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "release-e2e-passphrase",
  };
  delete envVars.PULUMI_CONFIG_PASSPHRASE_FILE;
  mkdirSync(path.join(dir, "state"));
  cpSync(path.join(programDir, "Pulumi.local.yaml"), path.join(programDir, `Pulumi.${stackName}.yaml`));
  const pulumiCommand = await automation.PulumiCommand.get({ root: env.GSS_TOOLS_DIR ?? "", skipVersionCheck: false });
  const stack = await automation.LocalWorkspace.createStack({ stackName, workDir: programDir }, { envVars, secretsProvider: "passphrase", pulumiCommand });
  await stack.setConfig("go-service:namespace", { value: namespace });
  await stack.setConfig("go-service:kubernetes.kubeconfig", { value: kubeconfig }, true);
  // Through standard input, never as an argument (release/stack-config.ts): the suite scans the process list.
  for (const [key, value] of Object.entries(SECRETS)) await setSecretConfig(stack, key, value);

  const cleanup = async (): Promise<void> => {
    await stack.destroy({ continueOnError: true }).catch((err: unknown) => console.error(`[release-e2e] destroy failed: ${String(err)}`));
    await stack.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    await kubectl(env, "delete", "namespace", namespace, "--ignore-not-found", "--wait=false").catch(() => undefined);
    await execFileAsync("git", ["-C", repoRoot, "worktree", "remove", "--force", programDir]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    await execFileAsync("git", ["-C", repoRoot, "worktree", "prune"]).catch(() => undefined);
  };
  return { stackName, namespace, dir, programDir, envVars, stack, cleanup };
}

/**
 * Saves engine events as a unit-test fixture (test/release/fixtures/), when RELEASE_E2E_FIXTURES names
 * a directory. Scrubbed of what is machine- or run-specific (paths, namespace, ids, times) and trimmed:
 * debug diagnostics dropped, the states of unchanged resources reduced to what the renderer reads.
 */
export function saveFixture(name: string, events: readonly object[], t: Pick<TestStack, "dir" | "namespace" | "stackName">): void {
  const target = process.env.RELEASE_E2E_FIXTURES;
  if (target === undefined || target === "") return;
  type Step = { op: string; old?: Record<string, unknown>; new?: Record<string, unknown> };
  const slim = (state: Record<string, unknown> | undefined): Record<string, unknown> | undefined =>
    state === undefined ? undefined : { type: state.type, urn: state.urn, custom: state.custom, id: "", parent: state.parent, inputs: {}, outputs: {}, provider: "" };
  const kept = events
    .map((e) => e as { diagnosticEvent?: { severity: string }; resourcePreEvent?: { metadata: Step }; resOutputsEvent?: unknown; stdoutEvent?: unknown; preludeEvent?: unknown })
    .filter((e) => (e.diagnosticEvent === undefined || ["error", "warning"].includes(e.diagnosticEvent.severity)) && e.resOutputsEvent === undefined && e.stdoutEvent === undefined && e.preludeEvent === undefined)
    .map((e) => {
      const step = e.resourcePreEvent?.metadata;
      if (step === undefined || step.op !== "same") return e;
      return { ...e, resourcePreEvent: { ...e.resourcePreEvent, metadata: { ...step, old: slim(step.old), new: slim(step.new) } } };
    });
  const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
  // managedFields (server-side apply bookkeeping) is most of the size and nothing the renderer reads.
  const withoutManagedFields = JSON.parse(JSON.stringify(kept), (key, value: unknown) => (key === "managedFields" ? undefined : value)) as unknown;
  let text = JSON.stringify(withoutManagedFields, null, 1)
    .split(t.dir).join("/tmp/release-e2e")
    .split(repoRoot).join("/work/repo")
    .split(t.namespace).join("myapp-local")
    .replace(/"(sequence|timestamp)": \d+/g, '"$1": 0')
    .replace(/"(creationTimestamp|time|lastTransitionTime|lastUpdateTime)": "[^"]*"/g, '"$1": "2026-01-01T00:00:00Z"')
    .replace(/"(resourceVersion|generation)": ("?)\d+("?)/g, '"$1": $21$3')
    .replace(/"durationSeconds": \d+/g, '"durationSeconds": 1')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (uuid) => (uuid === UNKNOWN ? uuid : "00000000-0000-0000-0000-000000000000"));
  text = text.replace(/"clusterIP(s?)": (\[?)"[\d.]+"/g, '"clusterIP$1": $2"10.96.0.10"');
  mkdirSync(target, { recursive: true });
  writeFileSync(path.join(target, `${name}.events.json`), `${text}\n`);
}

/** True when the cluster's own stand-in ingress controller (scripts/cluster/ingress-status.sh) runs. */
function clusterIngressStandInRuns(): boolean {
  try {
    const pid = readFileSync(path.join(repoRoot, ".cluster", "pids", "ingress-status.pid"), "utf8").trim();
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("ingress-status");
  } catch {
    return false;
  }
}

/**
 * The local cluster has no ingress controller, so nothing fills in an Ingress's `status.loadBalancer`
 * and the Kubernetes provider waits for it (10 minutes) on every create. `npm run cluster:up` runs a
 * stand-in (scripts/cluster/ingress-status.sh); when it does not, this one does the same for the test's
 * namespace, every second. Returns the function that stops it.
 */
export function simulateIngressController(env: Record<string, string>, namespace: () => string): () => void {
  if (clusterIngressStandInRuns()) return () => undefined;
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      const list = JSON.parse(await kubectl(env, "-n", namespace(), "get", "ingress", "-o", "json")) as {
        items: { metadata: { name: string }; status?: { loadBalancer?: { ingress?: unknown[] } } }[];
      };
      for (const ingress of list.items) {
        if ((ingress.status?.loadBalancer?.ingress?.length ?? 0) > 0) continue;
        await kubectl(env, "-n", namespace(), "patch", "ingress", ingress.metadata.name, "--subresource=status", "--type=merge", "-p", '{"status":{"loadBalancer":{"ingress":[{"ip":"127.0.0.1"}]}}}');
      }
    } catch {
      // The namespace does not exist yet, or is being deleted: try again on the next tick.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), 1_000);
  return () => clearInterval(timer);
}

/** What a {@link sampleProcesses} run saw. */
export interface ProcessSample {
  /** Every distinct command line (`/proc/<pid>/cmdline`, arguments joined by spaces). */
  readonly commandLines: readonly string[];
  /** Every distinct content of the files matched while sampling (e.g. a rollback's stack settings file). */
  readonly files: readonly string[];
  /** How many times the process list was read. */
  readonly samples: number;
}

/**
 * Reads every process's command line (what any user of the machine sees in `ps`) every `intervalMs`
 * until stopped; also reads the files `watch` lists at each sample (files that exist only while an
 * operation runs, such as the rollback's worktree).
 */
export function sampleProcesses(watch: () => string[] = () => [], intervalMs = 20): { stop: () => ProcessSample } {
  const commandLines = new Set<string>();
  const files = new Set<string>();
  let samples = 0;
  const sample = (): void => {
    samples += 1;
    for (const pid of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
        if (cmdline !== "") commandLines.add(cmdline);
      } catch {
        // The process ended between the listing and the read.
      }
    }
    for (const file of watch()) {
      try {
        files.add(readFileSync(file, "utf8"));
      } catch {
        // Removed meanwhile.
      }
    }
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      sample();
      return { commandLines: [...commandLines], files: [...files], samples };
    },
  };
}

/** The stack settings files of the rollbacks running right now (release/deploy.ts: `go-service-release-*`). */
export function rollbackStackFiles(): string[] {
  return readdirSync(tmpdir())
    .filter((name) => name.startsWith("go-service-release-"))
    .flatMap((name) => {
      const program = path.join(tmpdir(), name, "program");
      try {
        return readdirSync(program)
          .filter((f) => /^Pulumi\..+\.yaml$/.test(f))
          .map((f) => path.join(program, f));
      } catch {
        return [];
      }
    });
}

/** Every regular file under `dir` (symbolic links not followed: node_modules and .cluster are links). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isSymbolicLink() || entry.name === ".git") return [];
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : [];
  });
}

/** `[where, form]` for every form (plain, base64, JSON-escaped) of every value found in `text`. */
export function leaks(text: string, values: readonly string[]): string[] {
  return values.flatMap((value) => secretForms(value).filter((form) => text.includes(form)).map((form) => (form === value ? `${value} (plain)` : `${value} as ${form}`)));
}

/** What a command printed, and how it exited. */
export interface CommandLineRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `npm run <command>` (cli/<command>.ts) on the test stack as a user does: a child process with the
 * stack's environment and the offline tools on PATH, capturing everything it prints.
 */
export function runCommandLine(t: Pick<TestStack, "stackName" | "programDir" | "envVars">, env: Record<string, string>, command: string, args: readonly string[]): Promise<CommandLineRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(repoRoot, `cli/${command}.ts`), "--stack", t.stackName, "--cwd", t.programDir, ...args], {
      cwd: repoRoot,
      env: { ...t.envVars, PATH: `${path.join(env.GSS_TOOLS_DIR ?? "", "bin")}:${t.envVars.PATH ?? ""}` },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
