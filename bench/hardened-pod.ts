/**
 * The hardened pod of the local stack, as `npm run synth` writes it, on the local cluster's real node: its
 * Deployment (one replica), ConfigMaps, ServiceAccount and Service applied with kubectl in a namespace of
 * its own, the Secret filled with throwaway values. What the benchmark measures through its Service's
 * ClusterIP is the pod exactly as the stack ships it: the CPU and memory limits (cgroup), `GOMAXPROCS` and
 * `GOMEMLIMIT` from them, the read-only root filesystem, the bridge and kube-proxy's rules on the way.
 *
 * Not applied, as they take no part in serving a request: the HPA (one replica is the unit measured), the
 * PDB, the Ingress, the NetworkPolicies, the CronJobs, and the Prometheus objects.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { resolveStackFile } from "../config/resolve-stack-config.js";
import { synthesizeStack } from "../synth/synthesize.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const kubeconfig = path.join(repoRoot, ".cluster", "kubeconfig");
const KEPT = new Set(["ConfigMap", "ServiceAccount", "Deployment", "Service"]);

function kubectl(args: readonly string[], input?: string): string {
  return execFileSync("bash", ["-c", 'source scripts/tools/env.sh >/dev/null 2>&1 && exec kubectl --kubeconfig "$0" --context local "$@"', kubeconfig, ...args], {
    cwd: repoRoot,
    encoding: "utf8",
    input,
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Why the pod cannot be measured on this machine now, or undefined when the cluster has a real node. */
export function hardenedPodMissing(): string | undefined {
  if (!existsSync(kubeconfig)) return "no local cluster (npm run cluster:up)";
  try {
    const nodes = kubectl(["get", "nodes", "-l", "type=real", "-o", "name"]).trim();
    return nodes === "" ? "the local cluster has no real node (kwok nodes run no process): start it with GSS_CLUSTER_REAL_NODE=1 (the default)" : undefined;
  } catch {
    return "the local cluster does not answer";
  }
}

type Manifest = { kind: string; metadata: { name: string; namespace?: string }; spec?: Record<string, unknown> };

/** The local stack's objects that serve a request, moved to `namespace`, with a Secret of throwaway values; and the environment they give the pod. */
function manifests(namespace: string): { objects: Manifest[]; env: Record<string, string> } {
  const document = parse(readFileSync(path.join(repoRoot, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, unknown> };
  document.config["go-service:namespace"] = namespace;
  const stack = synthesizeStack(resolveStackFile(stringify(document), { project: "go-service", stack: "bench", file: "Pulumi.local.yaml" }));
  const objects = (stack.files["kubernetes.yaml"] ?? "")
    .split(/^---$/m)
    .map((text) => parse(text) as Manifest | null)
    .filter((o): o is Manifest => o !== null && KEPT.has(o.kind));
  const deployment = objects.find((o) => o.kind === "Deployment");
  if (deployment?.spec === undefined) throw new Error("the local stack synthesized no Deployment");
  deployment.spec.replicas = 1;
  // The Secret the Pulumi program would create from the local stack's encrypted config: every key the pod
  // requires, 32 characters (the encryption key's length), none of them a real secret. Optional keys stay
  // unset, as in the local stack (its Redis has no password).
  const keys = new Map<string, Set<string>>();
  JSON.stringify(deployment, (k, v: unknown) => {
    const ref = v as { name?: string; key?: string; optional?: boolean } | undefined;
    if (k === "secretKeyRef" && ref?.name !== undefined && ref.key !== undefined && ref.optional !== true) keys.set(ref.name, (keys.get(ref.name) ?? new Set()).add(ref.key));
    return v;
  });
  const secrets = [...keys].map(([name, names]) => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    stringData: Object.fromEntries([...names].map((key) => [key, `bench-${key}-`.padEnd(32, "0").slice(0, 32)])),
  }));
  const configMaps = objects.filter((o) => o.kind === "ConfigMap") as unknown as { data?: Record<string, string> }[];
  const env = Object.assign({}, ...configMaps.filter((c) => c.data?.DB_HOST !== undefined).map((c) => c.data), ...secrets.map((s) => secretEnv(deployment, s.stringData))) as Record<string, string>;
  return { objects: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } } as Manifest, ...secrets.map((s) => s as unknown as Manifest), ...objects], env };
}

/** The variables the Deployment sets from the Secret's keys, with the values the bench gave them. */
function secretEnv(deployment: Manifest, values: Record<string, string>): Record<string, string> {
  const containers = ((deployment.spec?.template as { spec?: { containers?: { env?: { name: string; valueFrom?: { secretKeyRef?: { key: string } } }[] }[] } } | undefined)?.spec?.containers ?? []);
  const pairs = containers.flatMap((c) => c.env ?? []).flatMap((e) => {
    const key = e.valueFrom?.secretKeyRef?.key;
    const value = key === undefined ? undefined : values[key];
    return value === undefined ? [] : [[e.name, value] as const];
  });
  return Object.fromEntries(pairs);
}

/**
 * Applies the pod, waits (≤ 120 s) for it to be Ready, and returns its Service's URL, the environment its
 * ConfigMap and Secret give it (for the same binary on the host), and a way to remove it all.
 */
export function deployHardenedPod(namespace: string): { url: string; env: Record<string, string>; remove: () => void } {
  const { objects, env } = manifests(namespace);
  const remove = (): void => void kubectl(["delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=120s"]);
  try {
    kubectl(["apply", "-f", "-"], objects.map((o) => stringify(o)).join("---\n"));
    const deployment = objects.find((o) => o.kind === "Deployment")?.metadata.name ?? "";
    kubectl(["-n", namespace, "rollout", "status", `deployment/${deployment}`, "--timeout=120s"]);
    const service = objects.find((o) => o.kind === "Service");
    const address = kubectl(["-n", namespace, "get", "service", service?.metadata.name ?? "", "-o", "jsonpath={.spec.clusterIP}:{.spec.ports[0].port}"]).trim();
    return { url: `http://${address}`, env, remove };
  } catch (error) {
    remove();
    const stderr = (error as { stderr?: string }).stderr;
    throw new Error(`the hardened pod did not become Ready: ${(stderr ?? String(error)).trim().split("\n").slice(-3).join(" ")}`);
  }
}
