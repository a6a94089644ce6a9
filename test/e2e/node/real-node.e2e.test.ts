// The local cluster's real node (scripts/cluster/node.sh): a kubelet on containerd + runc with the CNI
// bridge, and kube-proxy. Pods of the service image (examples/go-service, built and imported by
// cluster:up) really run here, with the chart's hardened security context, and become Ready through
// their real /health and /ready probes; a Service's ClusterIP answers from this host. Every pod asks
// for the real node by name and tolerates its taint, so the suite works whichever way
// GSS_CLUSTER_WORKLOADS sends other pods.
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stepTimer } from "../support/timer.js";
import { eventually } from "../support/real-cluster.js";

const execFileAsync = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
// GSS_E2E_KUBECONFIG: another clone's cluster (e.g. one started with GSS_CLUSTER_PORT_BASE from a copy).
const kubeconfig = process.env.GSS_E2E_KUBECONFIG ?? path.join(repoRoot, ".cluster", "kubeconfig");

const NODE = "real-node-a";
const IMAGE = "registry.example.com/myapp";
const namespace = `real-node-${Date.now().toString(36)}`;
const { timed } = stepTimer("real-node");

/** PATH with the built kubectl first, as `source scripts/tools/env.sh` sets it. */
function toolsEnv(): NodeJS.ProcessEnv {
  const pathVar = execFileSync("bash", ["-c", "source scripts/tools/env.sh >&2 && printf %s \"$PATH\""], { cwd: repoRoot, encoding: "utf8" });
  return { ...process.env, PATH: pathVar };
}
const env = toolsEnv();

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync("kubectl", ["--kubeconfig", kubeconfig, "--context", "local", ...args], { env, maxBuffer: 16 << 20 });
  return stdout;
}

async function apply(...objects: object[]): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "real-node-"));
  const file = path.join(dir, "objects.json");
  writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }));
  try {
    await kubectl("apply", "-f", file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function getJson<T>(...args: string[]): Promise<T> {
  return JSON.parse(await kubectl("get", "-o", "json", ...args)) as T;
}


interface ContainerStatus {
  ready: boolean;
  restartCount: number;
  state: { running?: { startedAt: string }; waiting?: { reason: string; message?: string }; terminated?: { exitCode: number } };
}
interface Pod {
  metadata: { creationTimestamp: string };
  spec: { nodeName?: string };
  status: { phase: string; podIP?: string; conditions?: { type: string; status: string; lastTransitionTime: string }[]; containerStatuses?: ContainerStatus[] };
}
interface Node {
  metadata: { labels: Record<string, string> };
  spec: { taints?: { key: string; effect: string }[] };
  status: {
    conditions: { type: string; status: string }[];
    addresses: { type: string; address: string }[];
    nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string; kubeProxyVersion?: string };
  };
}

const podReady = (p: Pod) => p.status.conditions?.find((c) => c.type === "Ready")?.status === "True";

/** A pod of the service image on the real node, with the hardened security context of charts/go-service.ts. */
function servicePod(name: string, tag: string, app = name): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace, labels: { app } },
    spec: {
      nodeSelector: { "kubernetes.io/hostname": NODE },
      tolerations: [{ key: "gss.local/real-node", operator: "Exists", effect: "NoSchedule" }],
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 1,
      securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "app",
          image: `${IMAGE}:${tag}`,
          imagePullPolicy: "IfNotPresent",
          ports: [
            { name: "http", containerPort: 8080 },
            { name: "metrics", containerPort: 9090 },
          ],
          env: [
            { name: "APP_ENV", value: "staging" },
            { name: "SERVER_PORT", value: "8080" },
            { name: "METRICS_PORT", value: "9090" },
            // No database or Redis on this cluster: /ready reports them without requiring them.
            { name: "READY_REQUIRES_DB", value: "false" },
            { name: "READY_REQUIRES_REDIS", value: "false" },
            { name: "DB_HOST", value: "127.0.0.1" },
            { name: "DB_PASSWORD", value: "e2e-only" },
            { name: "JWT_SECRET", value: "e2e-only-jwt-secret-0123456789abcdef" },
            { name: "ENCRYPTION_KEY", value: "0123456789abcdef0123456789abcdef" },
            { name: "CSRF_SECRET", value: "e2e-only-csrf" },
          ],
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
          },
          readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 1 },
          livenessProbe: { httpGet: { path: "/health", port: "http" }, periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 3 },
          resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        },
      ],
      volumes: [{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
    },
  };
}

describe("the real node", () => {
  beforeAll(async () => {
    if (!existsSync(kubeconfig)) throw new Error(`no ${kubeconfig}: run npm run cluster:up`);
    await apply({
      apiVersion: "v1",
      kind: "Namespace",
      // The stack's namespaces enforce the restricted Pod Security Standard: so does this one.
      metadata: { name: namespace, labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" } },
    });
  });

  afterAll(async () => {
    await kubectl("delete", "namespace", namespace, "--wait=false", "--ignore-not-found").catch(() => undefined);
  });

  it("is Ready, in zone local-a, running the built kubelet on containerd", async () => {
    const node = await getJson<Node>("node", NODE);
    expect(node.status.conditions.find((c) => c.type === "Ready")?.status).toBe("True");
    expect(node.metadata.labels).toMatchObject({ "kubernetes.io/hostname": NODE, "topology.kubernetes.io/zone": "local-a", type: "real" });
    expect(node.status.nodeInfo.kubeletVersion).toBe("v1.34.4");
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^containerd:\/\//);
    // The node's address is the bridge's: nothing listens on the host's own network interfaces.
    expect(node.status.addresses).toContainEqual({ type: "InternalIP", address: "10.88.0.1" });
  });

  it("runs the service image, hardened, Ready through its real probes, and serves through a ClusterIP", async () => {
    await apply(servicePod("web", "v1.4.2", "web"), {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", namespace },
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    });
    const pod = await timed("pod created -> Ready", () =>
      eventually("pod web Ready", 30, async () => {
        const p = await getJson<Pod>("-n", namespace, "pod", "web");
        return podReady(p) ? p : undefined;
      }),
    );
    expect(pod.spec.nodeName).toBe(NODE);
    expect(pod.status.podIP).toMatch(/^10\.88\./);
    const ready = pod.status.conditions?.find((c) => c.type === "Ready");
    console.log(`[real-node] created ${pod.metadata.creationTimestamp}, Ready ${ready?.lastTransitionTime}`);

    // The process really runs as 10001 with the image's /server, and logs through the kubelet.
    const logs = await kubectl("-n", namespace, "logs", "web");
    expect(logs).toContain("go-service started");

    const { clusterIP } = (await getJson<{ spec: { clusterIP: string } }>("-n", namespace, "service", "web")).spec;
    expect(clusterIP).toMatch(/^10\.96\./);
    const body = await timed("ClusterIP answers from the host", () =>
      eventually("GET http://<clusterIP>/health", 15, async () => {
        const res = await fetch(`http://${clusterIP}/health`, { signal: AbortSignal.timeout(2000) });
        return res.status === 200 ? await res.text() : undefined;
      }),
    );
    expect(JSON.parse(body)).toMatchObject({ status: "alive" });
    const ready2 = await fetch(`http://${clusterIP}/ready`, { signal: AbortSignal.timeout(2000) });
    expect(ready2.status).toBe(200);
    expect(await ready2.json()).toMatchObject({ status: "ready" });
  });

  it("from inside a pod: the Service's ClusterIP answers (same-node hairpin), another machine is out of reach", async () => {
    // Runs curl inside the pod's network namespace (the image has no shell): the pod's container process
    // is found through our containerd, whose socket is next to the kubeconfig.
    const status = await getJson<Pod & { status: { containerStatuses: { containerID: string }[] } }>("-n", namespace, "pod", "web");
    const id = status.status.containerStatuses[0]?.containerID.replace("containerd://", "") ?? "";
    const sock = path.join(path.dirname(kubeconfig), "containerd.sock");
    const { stdout: tasks } = await execFileAsync("ctr", ["--address", sock, "--namespace", "k8s.io", "tasks", "ls"]);
    const pid = tasks.split("\n").find((l) => l.startsWith(id))?.split(/\s+/)[1];
    expect(pid, `task of container ${id}`).toMatch(/^\d+$/);
    const { clusterIP } = (await getJson<{ spec: { clusterIP: string } }>("-n", namespace, "service", "web")).spec;
    const inPod = (...args: string[]) => execFileAsync("nsenter", ["-t", pid ?? "", "-n", "curl", "-sS", "--max-time", "2", ...args]);
    expect(JSON.parse((await inPod(`http://${clusterIP}/health`)).stdout)).toMatchObject({ status: "alive" });
    // TEST-NET-3: dropped by GSS-NODE-ISOLATION on this host before it could leave.
    await expect(inPod("http://203.0.113.1/")).rejects.toThrow();
  });

  it("keeps a never-ready release out of service: Running, probed, never Ready", async () => {
    await apply(servicePod("never-ready", "v1.4.3-never-ready"));
    await timed("never-ready pod running", () =>
      eventually("never-ready container running", 30, async () => {
        const p = await getJson<Pod>("-n", namespace, "pod", "never-ready");
        return p.status.containerStatuses?.[0]?.state.running ? p : undefined;
      }),
    );
    // The kubelet's probe really hits /ready and gets 503 (an event says so), and the pod stays unready.
    await eventually("a failed readiness probe event", 15, async () => {
      const events = await kubectl("-n", namespace, "get", "events", "--field-selector", "involvedObject.name=never-ready", "-o", "jsonpath={.items[*].message}");
      return /Readiness probe failed: HTTP probe failed with statuscode: 503/.test(events) ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 3000));
    const p = await getJson<Pod>("-n", namespace, "pod", "never-ready");
    expect(podReady(p)).toBe(false);
    expect(p.status.containerStatuses?.[0]).toMatchObject({ ready: false, restartCount: 0 });
  });

  it("restarts a release that crashes on start (CrashLoopBackOff)", async () => {
    await apply(servicePod("crash", "v1.4.3-crash"));
    const status = await timed("crash restarts", () =>
      eventually("restarts of the crashing container", 30, async () => {
        const s = (await getJson<Pod>("-n", namespace, "pod", "crash")).status.containerStatuses?.[0];
        return s && s.restartCount >= 1 ? s : undefined;
      }),
    );
    expect(status.ready).toBe(false);
  });

  it("never pulls: an image that cluster:up did not import fails at once, without leaving the machine", async () => {
    await apply(servicePod("absent", "v0.0.0-not-imported"));
    const waiting = await eventually("ErrImagePull", 20, async () => {
      const s = (await getJson<Pod>("-n", namespace, "pod", "absent")).status.containerStatuses?.[0];
      const w = s?.state.waiting;
      return w && /ErrImagePull|ImagePullBackOff/.test(w.reason) ? w : undefined;
    });
    expect(waiting.reason).toMatch(/ErrImagePull|ImagePullBackOff/);
  });
});
