// The HTTP smoke-test client and the reachability rule, against a tiny real HTTP server on 127.0.0.1
// standing in for "the service behind the URL". It tests the client, not the service.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterAccess, smokeTest, unreachableReason, verificationFailure } from "../../release/verify.js";

describe("smokeTest (client, against a local stand-in server)", () => {
  let server: Server;
  let base: string;
  const status: Record<string, number> = { "/health": 200, "/ready": 200 };
  let readyCalls = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/ready") readyCalls += 1;
      res.writeHead(status[req.url ?? ""] ?? 404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("passes when GET /health and GET /ready answer 2xx", async () => {
    const checks = await smokeTest(base, { timeoutSeconds: 2, intervalSeconds: 0.1 });
    expect(checks).toEqual([
      { name: `GET ${base}/health`, status: "passed", detail: "HTTP 200" },
      { name: `GET ${base}/ready`, status: "passed", detail: "HTTP 200" },
    ]);
  });

  it("retries until the deadline, then fails with the last answer", async () => {
    status["/ready"] = 503;
    readyCalls = 0;
    const checks = await smokeTest(`${base}/`, { timeoutSeconds: 1, intervalSeconds: 0.2 });
    expect(checks[1]).toEqual({ name: `GET ${base}/ready`, status: "failed", detail: "HTTP 503" });
    expect(readyCalls).toBeGreaterThan(1);
    status["/ready"] = 200;
  });

  it("fails on a refused connection, naming the error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const checks = await smokeTest(`http://127.0.0.1:${port}`, { timeoutSeconds: 0.2, intervalSeconds: 0.1 });
    expect(checks.map((c) => [c.status, c.detail])).toEqual([
      ["failed", "ECONNREFUSED"],
      ["failed", "ECONNREFUSED"],
    ]);
  });
});

describe("unreachableReason", () => {
  it("never tries an in-cluster address from outside the cluster", async () => {
    expect(await unreachableReason("http://myapp.myapp-local.svc.cluster.local")).toBe("myapp.myapp-local.svc.cluster.local is an in-cluster address");
  });

  it("reports a host that does not resolve", async () => {
    expect(await unreachableReason("https://myapp.invalid")).toBe("myapp.invalid does not resolve from here");
  });

  it("accepts an address that resolves", async () => {
    expect(await unreachableReason("http://127.0.0.1:8080")).toBeUndefined();
  });
});

describe("clusterAccess", () => {
  it("resolves the stack's relative kubeconfig against the program directory and keeps the context", () => {
    expect(clusterAccess({ kubeconfig: ".cluster/kubeconfig", context: "local" }, "/repo", {})).toEqual({ kubeconfig: "/repo/.cluster/kubeconfig", context: "local", env: {} });
    expect(clusterAccess(undefined, "/repo", {})).toEqual({ env: {} });
  });
});

describe("verificationFailure: a verification that ran no check is not a verification", () => {
  const deployment = { namespace: "myapp", name: "myapp" };
  const passed = (name: string) => ({ name, status: "passed" as const, detail: "ok" });
  const notRun = { name: "HTTP smoke tests", status: "not run" as const, detail: "no URL reachable: myapp.myapp.svc.cluster.local is an in-cluster address" };
  it.each<[string, Parameters<typeof verificationFailure>[0], Parameters<typeof verificationFailure>[1], string | undefined]>([
    ["a rollout and endpoints that passed, smoke tests not run", { deployments: [deployment], services: [deployment] }, [passed("rollout"), passed("endpoints"), notRun], undefined],
    [
      "no Deployment or Service of the stack found",
      { deployments: [], services: [] },
      [notRun],
      "verification found no Deployment or Service of the stack in its state: nothing was verified, so the release is not recorded as good",
    ],
    [
      "a Service but no Deployment",
      { deployments: [], services: [deployment] },
      [passed("endpoints"), notRun],
      "verification found no Deployment of the stack in its state: nothing was verified, so the release is not recorded as good",
    ],
    ["every check skipped", { deployments: [deployment], services: [] }, [notRun], "every verification check was skipped: nothing was verified, so the release is not recorded as good"],
    ["no check at all", { deployments: [deployment], services: [] }, [], "every verification check was skipped: nothing was verified, so the release is not recorded as good"],
    [
      "a failed check",
      { deployments: [deployment], services: [] },
      [{ name: "rollout of Deployment myapp/myapp", status: "failed", detail: "timed out" }, notRun],
      "verification failed: rollout of Deployment myapp/myapp: timed out",
    ],
  ])("%s", (_case, targets, checks, expected) => {
    expect(verificationFailure(targets, checks)).toBe(expected);
  });
});
